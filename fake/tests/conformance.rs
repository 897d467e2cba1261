//! Conformance of the ten operations, checked with raw HTTP requests.

mod common;

use axum::http::StatusCode;
use common::{Api, connected_state, disabled_integration, error_code, error_pointer};
use productboard_plugin_integrations_fake::FakeProductboard;
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test]
async fn create_returns_integration_without_action() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);

    let response = api
        .request(reqwest::Method::POST, "/plugin-integrations")
        .json(&disabled_integration("Tickets"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body: Value = response.json().await.unwrap();
    let data = &body["data"];

    let id = data["id"].as_str().unwrap();
    assert!(Uuid::parse_str(id).is_ok());
    assert_eq!(data["integrationStatus"], "disabled");
    assert_eq!(data["type"], "com.example.tickets");
    assert_eq!(data["name"], "Tickets");
    assert_eq!(data["initialState"], json!({"label": "Push"}));
    assert_eq!(
        data["links"]["self"],
        format!("{}/plugin-integrations/{id}", fake.base_url())
    );
    assert!(data.get("action").is_none());
    let created_at = data["createdAt"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(created_at).is_ok());
}

#[tokio::test]
async fn get_patch_put_delete_integration() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let id = api.create_disabled("Tickets").await;
    let path = format!("/plugin-integrations/{id}");

    let (status, body) = api.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["name"], "Tickets");

    let (status, body) = api.patch(&path, json!({"data": {"name": "Renamed"}})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["name"], "Renamed");
    assert_eq!(body["data"]["initialState"]["label"], "Push");
    assert_eq!(body["data"]["integrationStatus"], "disabled");

    let (status, body) = api
        .put(&path, json!({"data": {"initialState": {"label": "Send"}}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["name"], "Renamed");
    assert_eq!(body["data"]["initialState"]["label"], "Send");

    let (status, body) = api.delete(&path).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(body, Value::Null);

    let (status, body) = api.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "pluginIntegration.notFound");

    let (status, body) = api.delete(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "pluginIntegration.notFound");
}

#[tokio::test]
async fn patch_cannot_change_type() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let id = api.create_disabled("Tickets").await;
    let path = format!("/plugin-integrations/{id}");

    let (status, body) = api
        .patch(&path, json!({"data": {"type": "com.example.tickets"}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, body) = api
        .patch(&path, json!({"data": {"type": "com.example.other"}}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_pointer(&body), "/data/type");
}

#[tokio::test]
async fn missing_or_wrong_token_is_401() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let url = format!("{}/plugin-integrations", fake.base_url());

    let cases = [
        None,
        Some("Bearer wrong-token".to_owned()),
        Some(format!("Basic {}", fake.token())),
        Some("Bearer".to_owned()),
    ];
    for authorization in cases {
        let mut request = api.http.get(&url).header("X-Version", "1");
        if let Some(value) = &authorization {
            request = request.header("Authorization", value);
        }
        let response = request.send().await.unwrap();

        assert_eq!(response.status(), 401, "{authorization:?}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), "authentication.failed");
    }
}

#[tokio::test]
async fn missing_or_wrong_version_is_400() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let url = format!("{}/plugin-integrations", fake.base_url());

    for version in [None, Some("2"), Some("one")] {
        let mut request = api.http.get(&url).bearer_auth(&api.token);
        if let Some(version) = version {
            request = request.header("X-Version", version);
        }
        let (status, body) = common::read(request.send().await.unwrap()).await;

        assert_eq!(status, StatusCode::BAD_REQUEST, "{version:?}");
        assert_eq!(error_code(&body), "version.invalid");
        assert_eq!(body["errors"][0]["source"]["parameter"], "X-Version");
    }
}

#[tokio::test]
async fn builder_token_is_required() {
    let fake = FakeProductboard::builder()
        .token("fixed-token")
        .start()
        .await
        .unwrap();
    let api = Api::new(&fake);

    assert_eq!(fake.token(), "fixed-token");
    let (status, _) = api.get("/plugin-integrations").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn malformed_json_is_400() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);

    let response = api
        .request(reqwest::Method::POST, "/plugin-integrations")
        .header("Content-Type", "application/json")
        .body("{\"data\": ")
        .send()
        .await
        .unwrap();
    let (status, body) = common::read(response).await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "request.invalidJson");
}

#[tokio::test]
async fn non_json_content_type_is_415() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);

    let response = api
        .request(reqwest::Method::POST, "/plugin-integrations")
        .header("Content-Type", "text/plain")
        .body(disabled_integration("Tickets").to_string())
        .send()
        .await
        .unwrap();
    let (status, body) = common::read(response).await;

    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(error_code(&body), "request.unsupportedMediaType");
}

#[tokio::test]
async fn non_uuid_path_ids_are_400() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let id = api.create_disabled("Tickets").await;

    let (status, body) = api.get("/plugin-integrations/not-a-uuid").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "parameter.invalid");
    assert_eq!(body["errors"][0]["source"]["parameter"], "id");

    let (status, body) = api
        .get(&format!("/plugin-integrations/{id}/connections/123"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["source"]["parameter"], "featureId");
}

#[tokio::test]
async fn unknown_route_and_method() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);

    let (status, body) = api.get("/plugin-integrations/a/b/c/d").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "route.notFound");

    let (status, body) = api.delete("/plugin-integrations").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(&body), "method.notAllowed");
}

/// Sends a create request with one field replaced and returns the status and body.
async fn create_with(api: &Api, field_path: &[&str], value: Value) -> (StatusCode, Value) {
    let mut body = disabled_integration("Tickets");
    let mut target = &mut body["data"];
    for key in field_path {
        target = &mut target[*key];
    }
    *target = value;
    api.post("/plugin-integrations", body).await
}

#[tokio::test]
async fn integration_field_limits() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);

    let accepted: Vec<(&[&str], Value)> = vec![
        (&["type"], json!("t".repeat(255))),
        (&["name"], json!("é".repeat(255))),
        (&["initialState", "label"], json!("ü".repeat(10))),
        (&["action", "headers"], json!({"authorization": "a".repeat(2048)})),
        (
            &["action", "url"],
            json!(format!("https://e.com/{}", "a".repeat(1024 - 14))),
        ),
    ];
    for (field, value) in accepted {
        let (status, body) = create_with(&api, field, value).await;
        assert_eq!(status, StatusCode::CREATED, "{field:?}: {body}");
    }

    let rejected: Vec<(&[&str], Value, &str, &str)> = vec![
        (&["type"], json!(""), "/data/type", "validation.invalid"),
        (
            &["type"],
            json!("t".repeat(256)),
            "/data/type",
            "validation.invalid",
        ),
        (
            &["name"],
            json!("é".repeat(256)),
            "/data/name",
            "validation.invalid",
        ),
        (&["name"], json!(null), "/data/name", "validation.invalid"),
        (
            &["initialState", "label"],
            json!("ü".repeat(11)),
            "/data/initialState/label",
            "validation.invalid",
        ),
        (
            &["initialState", "label"],
            json!(""),
            "/data/initialState/label",
            "validation.invalid",
        ),
        (
            &["integrationStatus"],
            json!("paused"),
            "/data/integrationStatus",
            "validation.invalid",
        ),
        (
            &["action", "url"],
            json!(format!("https://e.com/{}", "a".repeat(1025 - 14))),
            "/data/action/url",
            "validation.invalid",
        ),
        (
            &["action", "url"],
            json!("http://tickets.example.com/hook"),
            "/data/action/url",
            "callback.invalidUrl",
        ),
        (
            &["action", "url"],
            json!("not a url"),
            "/data/action/url",
            "callback.invalidUrl",
        ),
        (
            &["action", "version"],
            json!(2),
            "/data/action/version",
            "validation.invalid",
        ),
        (
            &["action", "headers"],
            json!({"authorization": "a".repeat(2049)}),
            "/data/action/headers/authorization",
            "validation.invalid",
        ),
        (
            &["action", "headers"],
            json!("Bearer x"),
            "/data/action/headers",
            "validation.invalid",
        ),
    ];
    for (field, value, pointer, code) in rejected {
        let (status, body) = create_with(&api, field, value).await;

        assert_eq!(status, StatusCode::BAD_REQUEST, "{field:?}: {body}");
        assert_eq!(error_pointer(&body), pointer, "{field:?}: {body}");
        assert_eq!(error_code(&body), code, "{field:?}: {body}");
        assert!(!body["errors"][0]["detail"].as_str().unwrap().is_empty());
        assert!(!body["errors"][0]["title"].as_str().unwrap().is_empty());
    }

    let (_, list) = api.get("/plugin-integrations").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn missing_fields_are_listed() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);

    let (status, body) = api
        .post("/plugin-integrations", json!({"data": {"name": "x"}}))
        .await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    let pointers: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["source"]["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/data/type", "/data/initialState", "/data/action"]);
}

#[tokio::test]
async fn connection_lifecycle() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let id = api.create_disabled("Tickets").await;
    let feature = Uuid::new_v4();
    let path = format!("/plugin-integrations/{id}/connections/{feature}");
    let self_link = format!("{}{path}", fake.base_url());

    let (status, body) = api.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "pluginIntegration.connection.notFound");

    let (status, body) = api
        .put(&path, json!({"data": {"connection": {"state": "progress"}}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["featureId"], feature.to_string());
    assert_eq!(body["data"]["connection"], json!({"state": "progress"}));
    assert_eq!(body["data"]["links"]["self"], self_link);

    let state = connected_state("In progress");
    let (status, body) = api.put(&path, json!({"data": {"connection": state}})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["connection"], state);

    let (status, body) = api.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["connection"], state);
    assert_eq!(fake.connection_state(id.parse().unwrap(), feature), Some(state));

    let (status, body) = api.delete(&path).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(body, Value::Null);

    let (status, body) = api.delete(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "pluginIntegration.connection.notFound");
}

#[tokio::test]
async fn initial_state_deletes_connection() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let id = api.create_disabled("Tickets").await;
    let feature = Uuid::new_v4();
    let path = format!("/plugin-integrations/{id}/connections/{feature}");

    api.put(&path, json!({"data": {"connection": {"state": "progress"}}}))
        .await;
    let (status, body) = api
        .put(&path, json!({"data": {"connection": {"state": "initial"}}}))
        .await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["connection"], json!({"state": "initial"}));
    assert_eq!(body["data"]["featureId"], feature.to_string());
    assert!(body["data"]["links"]["self"].is_string());
    let (status, _) = api.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(fake.connection_state(id.parse().unwrap(), feature), None);
}

#[tokio::test]
async fn connection_operations_on_missing_integration() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let id = Uuid::new_v4();
    let feature = Uuid::new_v4();
    let path = format!("/plugin-integrations/{id}/connections/{feature}");

    let (status, body) = api.get(&format!("/plugin-integrations/{id}/connections")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "pluginIntegration.notFound");

    let (status, body) = api.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "pluginIntegration.notFound");

    let (status, body) = api
        .put(&path, json!({"data": {"connection": {"state": "progress"}}}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "pluginIntegration.notFound");

    let (status, body) = api.delete(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "pluginIntegration.notFound");
}

#[tokio::test]
async fn connection_state_limits() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let id = api.create_disabled("Tickets").await;
    let path = format!("/plugin-integrations/{id}/connections/{}", Uuid::new_v4());

    let multibyte_20 = connected_state(&"日".repeat(20));
    let (status, body) = api
        .put(&path, json!({"data": {"connection": multibyte_20}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["connection"]["label"], "日".repeat(20));

    let mut edge = connected_state("ok");
    edge["hoverLabel"] = json!("h".repeat(20));
    edge["tooltip"] = json!("t".repeat(50));
    edge["targetUrl"] = json!(format!("https://e.com/{}", "a".repeat(1000 - 14)));
    let (status, body) = api.put(&path, json!({"data": {"connection": edge}})).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let cases: Vec<(&str, Value, &str)> = vec![
        ("label", json!("日".repeat(21)), "/data/connection/label"),
        ("label", json!(""), "/data/connection/label"),
        ("hoverLabel", json!("h".repeat(21)), "/data/connection/hoverLabel"),
        ("tooltip", json!("t".repeat(51)), "/data/connection/tooltip"),
        ("tooltip", json!(""), "/data/connection/tooltip"),
        ("color", json!("pink"), "/data/connection/color"),
        (
            "targetUrl",
            json!(format!("https://e.com/{}", "a".repeat(1001 - 14))),
            "/data/connection/targetUrl",
        ),
        ("targetUrl", json!("no url"), "/data/connection/targetUrl"),
        ("state", json!("linked"), "/data/connection/state"),
    ];
    for (field, value, pointer) in cases {
        let mut state = connected_state("ok");
        state[field] = value;

        let (status, body) = api.put(&path, json!({"data": {"connection": state}})).await;

        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {body}");
        assert_eq!(error_pointer(&body), pointer, "{field}: {body}");
        assert_eq!(error_code(&body), "validation.invalid", "{field}");
    }

    let label_error = {
        let mut state = connected_state("ok");
        state["label"] = json!("日".repeat(21));
        api.put(&path, json!({"data": {"connection": state}})).await.1
    };
    let detail = label_error["errors"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("21 characters"), "{detail}");
    assert!(detail.contains("20"), "{detail}");
}

#[tokio::test]
async fn error_state_rules() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let id = api.create_disabled("Tickets").await;
    let path = format!("/plugin-integrations/{id}/connections/{}", Uuid::new_v4());

    let ok = json!({"state": "error", "message": "m".repeat(255)});
    let (status, body) = api.put(&path, json!({"data": {"connection": ok}})).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let long = json!({"state": "error", "message": "m".repeat(256)});
    let (status, body) = api.put(&path, json!({"data": {"connection": long}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_pointer(&body), "/data/connection/message");

    let empty = json!({"state": "error", "message": ""});
    let (status, _) = api.put(&path, json!({"data": {"connection": empty}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let detail = json!({"state": "error", "message": "m", "debugDetail": "x"});
    let (status, body) = api.put(&path, json!({"data": {"connection": detail}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_pointer(&body), "/data/connection/debugDetail");
    assert_eq!(error_code(&body), "validation.readOnly");
}

/// Follows `links.next` verbatim from `first` and returns every page's data items.
async fn collect_pages(api: &Api, first: &str) -> (Vec<Value>, Vec<String>) {
    let mut items = Vec::new();
    let mut next_links = Vec::new();
    let mut url = format!("{}{first}", api.base);

    for _ in 0..20 {
        let response = api.request(reqwest::Method::GET, &url).send().await.unwrap();
        let (status, body) = common::read(response).await;
        assert_eq!(status, StatusCode::OK, "{url}: {body}");
        items.extend(body["data"].as_array().unwrap().iter().cloned());

        match body["links"]["next"].as_str() {
            Some(next) => {
                next_links.push(next.to_owned());
                url = next.to_owned();
            }
            None => {
                assert!(body["links"]["next"].is_null());
                return (items, next_links);
            }
        }
    }
    panic!("more than 20 pages");
}

#[tokio::test]
async fn integrations_are_paged_in_creation_order() {
    let fake = FakeProductboard::builder().page_size(2).start().await.unwrap();
    let api = Api::new(&fake);
    let names = ["a", "b", "c", "d", "e"];
    for name in names {
        api.create_disabled(name).await;
    }

    let (items, next_links) = collect_pages(&api, "/plugin-integrations").await;

    let seen: Vec<&str> = items.iter().map(|item| item["name"].as_str().unwrap()).collect();
    assert_eq!(seen, names);
    assert_eq!(next_links.len(), 2);
    for link in &next_links {
        assert!(
            link.starts_with(&format!("{}/plugin-integrations?pageCursor=", fake.base_url())),
            "{link}"
        );
        assert!(link.contains("%3D"), "{link}");
    }

    let paths: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|request| request.method == "GET")
        .map(|request| request.path)
        .collect();
    let expected: Vec<String> = next_links
        .iter()
        .map(|link| link.strip_prefix(&fake.base_url()).unwrap().to_owned())
        .collect();
    assert_eq!(paths[1..], expected[..]);
}

#[tokio::test]
async fn re_encoded_cursor_is_rejected() {
    let fake = FakeProductboard::builder().page_size(1).start().await.unwrap();
    let api = Api::new(&fake);
    api.create_disabled("a").await;
    api.create_disabled("b").await;

    let (_, body) = api.get("/plugin-integrations").await;
    let next = body["links"]["next"].as_str().unwrap();
    let re_encoded = next.replace('%', "%25");
    let response = api
        .request(reqwest::Method::GET, &re_encoded)
        .send()
        .await
        .unwrap();
    let (status, body) = common::read(response).await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "parameter.invalid");
    assert_eq!(body["errors"][0]["source"]["parameter"], "pageCursor");
}

#[tokio::test]
async fn connections_are_paged_and_skip_initial() {
    let fake = FakeProductboard::builder().page_size(2).start().await.unwrap();
    let api = Api::new(&fake);
    let id = api.create_disabled("Tickets").await;

    let features: Vec<Uuid> = (0..6).map(|_| Uuid::new_v4()).collect();
    for feature in &features {
        let (status, body) = api
            .put(
                &format!("/plugin-integrations/{id}/connections/{feature}"),
                json!({"data": {"connection": {"state": "progress"}}}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    api.put(
        &format!("/plugin-integrations/{id}/connections/{}", features[2]),
        json!({"data": {"connection": {"state": "initial"}}}),
    )
    .await;
    api.put(
        &format!("/plugin-integrations/{id}/connections/{}", features[0]),
        json!({"data": {"connection": connected_state("Done")}}),
    )
    .await;

    let (items, next_links) = collect_pages(&api, &format!("/plugin-integrations/{id}/connections")).await;

    let seen: Vec<String> = items
        .iter()
        .map(|item| item["featureId"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = [0, 1, 3, 4, 5]
        .iter()
        .map(|index| features[*index].to_string())
        .collect();
    assert_eq!(seen, expected);
    assert_eq!(items[0]["connection"]["state"], "connected");
    assert_eq!(
        items[1]["links"]["self"],
        format!(
            "{}/plugin-integrations/{id}/connections/{}",
            fake.base_url(),
            features[1]
        )
    );
    assert_eq!(next_links.len(), 2);
    assert!(next_links.iter().all(|link| link.contains("%3D")));
}

#[tokio::test]
async fn deleting_integration_removes_connections() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let id = api.create_disabled("Tickets").await;
    let feature = Uuid::new_v4();
    api.put(
        &format!("/plugin-integrations/{id}/connections/{feature}"),
        json!({"data": {"connection": {"state": "progress"}}}),
    )
    .await;

    let (status, _) = api.delete(&format!("/plugin-integrations/{id}")).await;

    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(fake.connection_state(id.parse().unwrap(), feature), None);
    let (status, body) = api.get(&format!("/plugin-integrations/{id}/connections")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "pluginIntegration.notFound");
}

#[tokio::test]
async fn empty_list_has_null_next() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);

    let (status, body) = api.get("/plugin-integrations").await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"data": [], "links": {"next": null}}));
}

#[tokio::test]
async fn requests_are_recorded_without_token() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);

    api.get("/plugin-integrations?x=1").await;
    api.post("/plugin-integrations", disabled_integration("Tickets"))
        .await;

    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].path, "/plugin-integrations?x=1");
    assert_eq!(requests[0].header("X-Version"), Some("1"));
    assert_eq!(requests[0].header("authorization"), None);
    assert_eq!(requests[1].method, "POST");
    assert!(requests[1].body.contains("Tickets"));

    fake.clear_requests();
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn oversized_body_is_413() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let mut body = disabled_integration("Tickets");
    body["data"]["padding"] = json!("x".repeat(2 * 1024 * 1024));

    let (status, body) = api.post("/plugin-integrations", body).await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&body), "request.tooLarge");
    assert_eq!(fake.requests().len(), 1);
}
