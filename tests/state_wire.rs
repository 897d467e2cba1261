//! The wire form of connection states: the discriminator, lenient decoding
//! of unknown values, and character-counted limits.

use productboard_plugin_integrations::{Color, Connected, Connection, ConnectionState, ErrorKind};
use serde_json::json;

fn connected_json(color: &str) -> serde_json::Value {
    json!({
        "state": "connected",
        "label": "Open",
        "hoverLabel": "TICKET-7",
        "tooltip": "TICKET-7: Export",
        "color": color,
        "targetUrl": "https://tickets.example.com/TICKET-7"
    })
}

fn decode(value: serde_json::Value) -> ConnectionState {
    serde_json::from_value(value).unwrap()
}

#[test]
fn each_state_decodes_to_its_variant() {
    assert_eq!(decode(json!({ "state": "initial" })), ConnectionState::Initial);
    assert_eq!(decode(json!({ "state": "progress" })), ConnectionState::Progress);
    assert!(matches!(
        decode(json!({ "state": "error", "message": "No" })),
        ConnectionState::Error(_)
    ));
    assert!(matches!(
        decode(connected_json("blue")),
        ConnectionState::Connected(_)
    ));
}

#[test]
fn each_variant_encodes_its_state() {
    let connected = decode(connected_json("red"));
    let error = ConnectionState::error("No access").unwrap();
    assert_eq!(
        serde_json::to_value(ConnectionState::Initial).unwrap(),
        json!({ "state": "initial" })
    );
    assert_eq!(
        serde_json::to_value(ConnectionState::Progress).unwrap(),
        json!({ "state": "progress" })
    );
    assert_eq!(
        serde_json::to_value(&error).unwrap(),
        json!({ "state": "error", "message": "No access" })
    );
    assert_eq!(serde_json::to_value(&connected).unwrap(), connected_json("red"));
}

#[test]
fn state_name_matches_wire() {
    for name in ["initial", "progress"] {
        assert_eq!(decode(json!({ "state": name })).name(), name);
    }
    assert_eq!(decode(connected_json("gray")).name(), "connected");
    assert_eq!(
        decode(json!({ "state": "error", "message": "x" })).name(),
        "error"
    );
}

#[test]
fn page_with_unknown_values_decodes() {
    let page = json!([
        { "featureId": "00000000-0000-0000-0000-000000000001", "connection": connected_json("teal"), "links": { "self": "https://x/1" } },
        { "featureId": "00000000-0000-0000-0000-000000000002", "connection": { "state": "archived", "reason": "old" }, "links": { "self": "https://x/2" } },
        { "featureId": "00000000-0000-0000-0000-000000000003", "connection": connected_json("green"), "links": { "self": "https://x/3" } }
    ]);

    let connections: Vec<Connection> = serde_json::from_value(page).unwrap();

    let ConnectionState::Connected(teal) = &connections[0].state else {
        panic!("first item is not connected: {:?}", connections[0].state)
    };
    assert_eq!(teal.color, Color::Unknown("teal".into()));
    assert_eq!(teal.color.name(), "teal");
    let ConnectionState::Unknown(archived) = &connections[1].state else {
        panic!("second item is not unknown: {:?}", connections[1].state)
    };
    assert_eq!(archived.name(), "archived");
    assert_eq!(connections[1].state.name(), "archived");
    assert_eq!(archived.raw()["reason"], "old");
    assert_eq!(connections[2].state, decode(connected_json("green")));
}

#[test]
fn unknown_state_round_trips_raw() {
    let raw = json!({ "state": "archived", "reason": "old" });
    assert_eq!(serde_json::to_value(decode(raw.clone())).unwrap(), raw);
}

#[test]
fn over_long_server_text_decodes() {
    let mut value = connected_json("blue");
    value["label"] = json!("a label much longer than twenty characters");
    let state = decode(value);
    assert!(state.validate().is_err());
}

#[test]
fn unknown_fields_are_ignored() {
    let mut value = connected_json("blue");
    value["icon"] = json!("ticket");
    assert_eq!(decode(value), decode(connected_json("blue")));
}

#[test]
fn missing_field_names_it() {
    let mut value = connected_json("blue");
    value.as_object_mut().unwrap().remove("tooltip");
    let error = serde_json::from_value::<ConnectionState>(value).unwrap_err();
    assert!(error.to_string().contains("tooltip"), "{error}");
}

#[test]
fn missing_state_is_an_error() {
    let error = serde_json::from_value::<ConnectionState>(json!({ "label": "x" })).unwrap_err();
    assert!(error.to_string().contains("state"), "{error}");
}

fn connected_with_label(label: &str) -> Connected {
    Connected::new(
        label,
        "X-1",
        "Tooltip",
        Color::Blue,
        "https://tickets.example.com/X-1",
    )
}

#[test]
fn label_of_20_multibyte_characters_is_valid() {
    let label = "ééééééééééééééééééé€";
    assert_eq!(label.chars().count(), 20);
    assert_eq!(label.len(), 41);
    assert!(ConnectionState::connected(connected_with_label(label)).is_ok());
}

#[test]
fn label_of_21_characters_is_rejected() {
    let error = ConnectionState::connected(connected_with_label(&"a".repeat(21))).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert_eq!(error.field(), Some("label"));
    let message = error.to_string();
    assert!(message.contains("21 characters"), "{message}");
    assert!(message.contains("20"), "{message}");
}

#[test]
fn every_limit_is_checked() {
    let long = |n: usize| "x".repeat(n);
    let cases: Vec<(&str, Connected)> = vec![
        ("label", connected_with_label("")),
        (
            "hoverLabel",
            Connected::new("a", long(21), "t", Color::Red, "https://x.example"),
        ),
        (
            "hoverLabel",
            Connected::new("a", "", "t", Color::Red, "https://x.example"),
        ),
        (
            "tooltip",
            Connected::new("a", "b", long(51), Color::Red, "https://x.example"),
        ),
        (
            "tooltip",
            Connected::new("a", "b", "", Color::Red, "https://x.example"),
        ),
        (
            "color",
            Connected::new("a", "b", "t", Color::Unknown("teal".into()), "https://x.example"),
        ),
        (
            "targetUrl",
            Connected::new("a", "b", "t", Color::Red, "not a url"),
        ),
        ("targetUrl", Connected::new("a", "b", "t", Color::Red, "")),
        (
            "targetUrl",
            Connected::new(
                "a",
                "b",
                "t",
                Color::Red,
                format!("https://x.example/{}", long(990)),
            ),
        ),
    ];
    for (field, connected) in cases {
        let error = ConnectionState::connected(connected.clone()).unwrap_err();
        assert_eq!(error.field(), Some(field), "{connected:?}");
    }
}

#[test]
fn limits_at_the_boundary_are_valid() {
    let connected = Connected::new(
        "x".repeat(20),
        "y".repeat(20),
        "z".repeat(50),
        Color::Purple,
        format!("https://x.example/{}", "p".repeat(1000 - 18)),
    );
    assert_eq!(connected.target_url.chars().count(), 1000);
    assert!(ConnectionState::connected(connected).is_ok());
}

#[test]
fn error_message_limits() {
    assert!(ConnectionState::error("m".repeat(255)).is_ok());
    assert_eq!(
        ConnectionState::error("m".repeat(256)).unwrap_err().field(),
        Some("message")
    );
    assert_eq!(ConnectionState::error("").unwrap_err().field(), Some("message"));
}

#[test]
fn error_truncated_keeps_the_limit() {
    let ConnectionState::Error(error) = ConnectionState::error_truncated(&"é".repeat(300)) else {
        panic!("not an error state")
    };
    assert_eq!(error.message.chars().count(), 255);
}

#[test]
fn every_color_round_trips() {
    for color in Color::ALL {
        let state =
            ConnectionState::connected(Connected::new("a", "b", "c", color.clone(), "https://x.example"))
                .unwrap();
        let wire = serde_json::to_value(&state).unwrap();
        assert_eq!(wire["color"], color.name());
        assert_eq!(decode(wire), state);
    }
}
