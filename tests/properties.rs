//! Property tests: decoders never panic on arbitrary input, and valid states
//! survive a round trip through the wire form.

use productboard_plugin_integrations::callback::ActionNotification;
use productboard_plugin_integrations::generated::types;
use productboard_plugin_integrations::{
    Color, Connected, Connection, ConnectionState, Integration, IntegrationUpdate, NewIntegration,
};
use proptest::prelude::*;
use serde_json::Value;

/// Arbitrary JSON, biased towards the shapes and names the decoders look for.
fn json() -> impl Strategy<Value = Value> {
    let name = prop_oneof![
        Just("state".to_string()),
        Just("connected".to_string()),
        Just("error".to_string()),
        Just("label".to_string()),
        Just("data".to_string()),
        Just("links".to_string()),
        Just("featureId".to_string()),
        Just("connection".to_string()),
        Just("errors".to_string()),
        "[a-zA-Z]{0,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,30}".prop_map(Value::String),
        Just(Value::String("00000000-0000-0000-0000-000000000001".into())),
        Just(Value::String("progress".into())),
        Just(Value::String("initial".into())),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(name.clone(), inner, 0..8)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Feeds `bytes` to every decoder; only the absence of a panic matters.
fn decode_everything(bytes: &[u8]) {
    let _ = serde_json::from_slice::<ConnectionState>(bytes);
    let _ = serde_json::from_slice::<Connection>(bytes);
    let _ = serde_json::from_slice::<Integration>(bytes);
    let _ = serde_json::from_slice::<NewIntegration>(bytes);
    let _ = serde_json::from_slice::<IntegrationUpdate>(bytes);
    let _ = serde_json::from_slice::<types::ListConnectionsResponse>(bytes);
    let _ = serde_json::from_slice::<types::ListIntegrationsResponse>(bytes);
    let _ = serde_json::from_slice::<types::GetConnectionResponse>(bytes);
    let _ = serde_json::from_slice::<types::GetIntegrationResponse>(bytes);
    let _ = serde_json::from_slice::<types::ErrorBody>(bytes);
    if let Ok(state) = serde_json::from_slice::<ConnectionState>(bytes) {
        let _ = state.validate();
        let _ = state.name();
        let _ = serde_json::to_vec(&state);
    }
    let _ = ActionNotification::from_json(bytes);
}

fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 1..=max).prop_map(|chars| chars.into_iter().collect())
}

fn valid_state() -> impl Strategy<Value = ConnectionState> {
    let color = prop::sample::select(Color::ALL.to_vec());
    let url = "[a-z0-9/._-]{0,200}".prop_map(|path| format!("https://tickets.example.com/{path}"));
    let connected =
        (text(20), text(20), text(50), color, url).prop_map(|(label, hover, tooltip, color, url)| {
            ConnectionState::connected(Connected::new(label, hover, tooltip, color, url)).unwrap()
        });
    prop_oneof![
        Just(ConnectionState::Progress),
        Just(ConnectionState::Initial),
        text(255).prop_map(|message| ConnectionState::error(message).unwrap()),
        connected,
    ]
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        decode_everything(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(value in json()) {
        decode_everything(&serde_json::to_vec(&value).unwrap());
        let wrapped = serde_json::json!({ "data": value.clone(), "links": { "next": null } });
        decode_everything(&serde_json::to_vec(&wrapped).unwrap());
    }

    #[test]
    fn valid_states_round_trip(state in valid_state()) {
        prop_assert!(state.validate().is_ok());
        let wire = serde_json::to_vec(&state).unwrap();
        let decoded: ConnectionState = serde_json::from_slice(&wire).unwrap();
        prop_assert_eq!(decoded, state);
    }
}
