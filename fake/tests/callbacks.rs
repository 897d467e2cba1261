//! The probe of action URLs and simulated clicks, against receivers on loopback.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{
    Api, ClickAnswer, ProbeAnswer, Receiver, connected_state, enabled_integration, error_code, error_pointer,
};
use productboard_plugin_integrations_fake::{ClickErrorKind, FakeProductboard, Trigger};
use serde_json::{Value, json};
use uuid::Uuid;

fn progress_answer() -> ClickAnswer {
    ClickAnswer::Json(json!({"data": {"connection": {"state": "progress"}}}))
}

async fn fake_with_timeout(timeout: Duration) -> FakeProductboard {
    FakeProductboard::builder()
        .callback_timeout(timeout)
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn probe_success_creates_enabled_integration() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let receiver = Receiver::start(ProbeAnswer::Echo, progress_answer()).await;
    let url = format!("{}?tenant=a%3Db", receiver.url);

    let (status, body) = api
        .post(
            "/plugin-integrations",
            enabled_integration(&url, Some("Basic c2VjcmV0")),
        )
        .await;

    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["data"]["integrationStatus"], "enabled");
    let seen = receiver.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].query["tenant"], "a=b");
    assert!(!seen[0].query["validationToken"].is_empty());
    assert_eq!(seen[0].headers["accept"], "text/plain");
    assert_eq!(seen[0].headers["authorization"], "Basic c2VjcmV0");
}

#[tokio::test]
async fn probe_without_authorization_sends_none() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let receiver = Receiver::start(ProbeAnswer::Echo, progress_answer()).await;

    let (status, body) = api
        .post("/plugin-integrations", enabled_integration(&receiver.url, None))
        .await;

    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(receiver.seen()[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn probe_failures_store_nothing() {
    let fake = fake_with_timeout(Duration::from_millis(300)).await;
    let api = Api::new(&fake);
    let receiver = Receiver::start(ProbeAnswer::Echo, progress_answer()).await;

    let cases = [
        (ProbeAnswer::WrongToken, "validationToken"),
        (ProbeAnswer::Status(500), "500"),
        (ProbeAnswer::Status(204), "204"),
        (ProbeAnswer::WrongContentType, "text/plain"),
        (ProbeAnswer::Slow(Duration::from_secs(3)), "300 ms"),
    ];
    for (answer, expected_in_detail) in cases {
        receiver.set_probe(answer.clone());

        let (status, body) = api
            .post("/plugin-integrations", enabled_integration(&receiver.url, None))
            .await;

        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer:?}: {body}");
        assert_eq!(error_code(&body), "callback.probeFailed", "{answer:?}");
        assert_eq!(error_pointer(&body), "/data/action/url");
        let detail = body["errors"][0]["detail"].as_str().unwrap();
        assert!(detail.contains(expected_in_detail), "{answer:?}: {detail}");
    }

    let (_, list) = api.get("/plugin-integrations").await;
    assert_eq!(list["data"], json!([]));
}

#[tokio::test]
async fn probe_of_unreachable_receiver_fails() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("http://{}/hook", listener.local_addr().unwrap());
    drop(listener);

    let (status, body) = api
        .post("/plugin-integrations", enabled_integration(&closed_url, None))
        .await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "callback.probeFailed");
}

#[tokio::test]
async fn https_action_url_cannot_be_probed() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);

    let (status, body) = api
        .post(
            "/plugin-integrations",
            enabled_integration("https://127.0.0.1:9/hook", None),
        )
        .await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "callback.probeFailed");
    assert!(body["errors"][0]["detail"].as_str().unwrap().contains("TLS"));
}

#[tokio::test]
async fn enabling_probes_and_failure_keeps_state() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let receiver = Receiver::start(ProbeAnswer::Status(503), progress_answer()).await;
    let mut body = enabled_integration(&receiver.url, None);
    body["data"]["integrationStatus"] = json!("disabled");
    let (status, created) = api.post("/plugin-integrations", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(receiver.seen().is_empty());
    let path = format!("/plugin-integrations/{}", created["data"]["id"].as_str().unwrap());

    let (status, body) = api
        .patch(
            &path,
            json!({"data": {"integrationStatus": "enabled", "name": "Changed"}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "callback.probeFailed");
    let (_, stored) = api.get(&path).await;
    assert_eq!(stored["data"]["integrationStatus"], "disabled");
    assert_eq!(stored["data"]["name"], "Tickets");

    receiver.set_probe(ProbeAnswer::Echo);
    let (status, body) = api
        .put(&path, json!({"data": {"integrationStatus": "enabled"}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["integrationStatus"], "enabled");
    assert_eq!(receiver.seen().len(), 2);
}

#[tokio::test]
async fn changing_action_of_enabled_integration_probes() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let first = Receiver::start(ProbeAnswer::Echo, progress_answer()).await;
    let second = Receiver::start(ProbeAnswer::WrongToken, progress_answer()).await;
    let (_, created) = api
        .post("/plugin-integrations", enabled_integration(&first.url, None))
        .await;
    let id = created["data"]["id"].as_str().unwrap();
    let path = format!("/plugin-integrations/{id}");

    let (status, _) = api.patch(&path, json!({"data": {"name": "Renamed"}})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first.seen().len(), 1, "a rename does not probe");

    let new_action = json!({"data": {"action": {"url": second.url, "version": 1}}});
    let (status, body) = api.patch(&path, new_action.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(second.seen().len(), 1);

    // The action was not changed, so clicks still go to the first receiver.
    let feature = Uuid::new_v4();
    fake.click(id.parse().unwrap(), feature, Trigger::Push)
        .await
        .unwrap();
    assert_eq!(first.seen().len(), 2);

    second.set_probe(ProbeAnswer::Echo);
    let (status, body) = api.patch(&path, new_action).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(second.seen().len(), 2);
}

/// Creates an enabled integration whose action URL is the receiver, and returns its id.
async fn enabled_id(api: &Api, receiver: &Receiver, authorization: Option<&str>) -> Uuid {
    let (status, body) = api
        .post(
            "/plugin-integrations",
            enabled_integration(&receiver.url, authorization),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["data"]["id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn click_sends_action_notification() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let receiver = Receiver::start(ProbeAnswer::Echo, progress_answer()).await;
    let id = enabled_id(&api, &receiver, Some("Bearer cb-secret")).await;
    let feature = Uuid::new_v4();

    let state = fake.click(id, feature, Trigger::Push).await.unwrap();

    assert_eq!(state, json!({"state": "progress"}));
    assert_eq!(
        fake.connection_state(id, feature),
        Some(json!({"state": "progress"}))
    );
    let notification = receiver.seen().pop().unwrap();
    assert_eq!(notification.method, "POST");
    assert_eq!(notification.headers["content-type"], "application/json");
    assert_eq!(notification.headers["authorization"], "Bearer cb-secret");
    let payload: Value = serde_json::from_str(&notification.body).unwrap();
    let base = fake.base_url();
    assert_eq!(
        payload,
        json!({"data": {
            "integrationId": id,
            "trigger": "button.push",
            "feature": {"id": feature, "links": {
                "self": format!("{base}/features/{feature}"),
                "html": format!("{base}/app/features/{feature}"),
            }},
            "triggeredByUser": payload["data"]["triggeredByUser"],
            "links": {"connection": format!("{base}/plugin-integrations/{id}/connections/{feature}")},
        }})
    );
    assert!(payload["data"]["triggeredByUser"]["name"].is_string());
    assert!(payload["data"]["triggeredByUser"]["email"].is_string());
}

#[tokio::test]
async fn click_each_trigger() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let receiver = Receiver::start(ProbeAnswer::Echo, progress_answer()).await;
    let id = enabled_id(&api, &receiver, None).await;
    let feature = Uuid::new_v4();

    receiver.set_click(ClickAnswer::Json(
        json!({"data": {"connection": connected_state("Open")}}),
    ));
    let state = fake.click(id, feature, Trigger::Push).await.unwrap();
    assert_eq!(state, connected_state("Open"));

    receiver.set_click(ClickAnswer::Json(
        json!({"data": {"connection": {"state": "initial"}}}),
    ));
    let state = fake.click(id, feature, Trigger::Unlink).await.unwrap();
    assert_eq!(state, json!({"state": "initial"}));
    assert_eq!(fake.connection_state(id, feature), None);

    receiver.set_click(ClickAnswer::Json(
        json!({"data": {"connection": {"state": "error", "message": "No project"}}}),
    ));
    fake.click(id, feature, Trigger::Push).await.unwrap();
    receiver.set_click(ClickAnswer::Json(
        json!({"data": {"connection": {"state": "initial"}}}),
    ));
    let state = fake.click(id, feature, Trigger::Dismiss).await.unwrap();
    assert_eq!(state, json!({"state": "initial"}));

    let triggers: Vec<String> = receiver
        .seen()
        .iter()
        .filter(|seen| seen.method == "POST")
        .map(|seen| {
            let payload: Value = serde_json::from_str(&seen.body).unwrap();
            payload["data"]["trigger"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        triggers,
        ["button.push", "button.unlink", "button.push", "button.dismiss"]
    );
}

#[tokio::test]
async fn slow_receiver_stores_error_state() {
    let fake = fake_with_timeout(Duration::from_millis(300)).await;
    let api = Api::new(&fake);
    let receiver = Receiver::start(ProbeAnswer::Echo, progress_answer()).await;
    let id = enabled_id(&api, &receiver, None).await;
    let feature = Uuid::new_v4();
    receiver.set_click(ClickAnswer::Slow(
        Duration::from_secs(3),
        json!({"data": {"connection": {"state": "progress"}}}),
    ));

    let state = fake.click(id, feature, Trigger::Push).await.unwrap();

    assert_eq!(state["state"], "error");
    assert!(!state["message"].as_str().unwrap().is_empty());
    let debug_detail = state["debugDetail"].as_str().unwrap();
    assert!(debug_detail.contains("300 ms"), "{debug_detail}");
    let (status, body) = api
        .get(&format!("/plugin-integrations/{id}/connections/{feature}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["connection"], state);
}

#[tokio::test]
async fn invalid_answers_store_error_state() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let receiver = Receiver::start(ProbeAnswer::Echo, progress_answer()).await;
    let id = enabled_id(&api, &receiver, None).await;

    let cases = [
        (ClickAnswer::Status(500), "500"),
        (ClickAnswer::NotJson, "not valid JSON"),
        (
            ClickAnswer::Json(json!({"data": {"connection": connected_state(&"x".repeat(21))}})),
            "/data/connection/label",
        ),
        (
            ClickAnswer::Json(
                json!({"data": {"connection": {"state": "error", "message": "m", "debugDetail": "d"}}}),
            ),
            "debugDetail",
        ),
        (
            ClickAnswer::Json(json!({"connection": {"state": "progress"}})),
            "/data",
        ),
    ];
    for (answer, expected_in_detail) in cases {
        receiver.set_click(answer.clone());
        let feature = Uuid::new_v4();

        let state = fake.click(id, feature, Trigger::Push).await.unwrap();

        assert_eq!(state["state"], "error", "{answer:?}");
        let debug_detail = state["debugDetail"].as_str().unwrap();
        assert!(
            debug_detail.contains(expected_in_detail),
            "{answer:?}: {debug_detail}"
        );
        assert!(debug_detail.chars().count() <= 8000);
    }
}

#[tokio::test]
async fn click_on_missing_or_disabled_integration_fails() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let disabled: Uuid = api.create_disabled("Tickets").await.parse().unwrap();

    let error = fake
        .click(Uuid::new_v4(), Uuid::new_v4(), Trigger::Push)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ClickErrorKind::IntegrationNotFound);
    assert!(error.to_string().contains("does not exist"));

    let error = fake
        .click(disabled, Uuid::new_v4(), Trigger::Push)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ClickErrorKind::IntegrationDisabled);
    assert!(error.to_string().contains("disabled"));
}

#[tokio::test]
async fn control_api_click() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let receiver = Receiver::start(ProbeAnswer::Echo, progress_answer()).await;
    let id = enabled_id(&api, &receiver, None).await;
    let feature = Uuid::new_v4();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("{}/_fake/click", fake.base_url());

    let response = http
        .post(&url)
        .json(&json!({"integrationId": id, "featureId": feature, "trigger": "button.push"}))
        .send()
        .await
        .unwrap();
    let (status, body) = common::read(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"connection": {"state": "progress"}}));

    let response = http
        .post(&url)
        .json(&json!({"integrationId": Uuid::new_v4(), "featureId": feature, "trigger": "button.push"}))
        .send()
        .await
        .unwrap();
    let (status, body) = common::read(response).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "pluginIntegration.notFound");

    let response = http
        .post(&url)
        .json(&json!({"integrationId": id, "featureId": feature, "trigger": "button.hold"}))
        .send()
        .await
        .unwrap();
    let (status, body) = common::read(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_pointer(&body), "/trigger");

    assert!(
        fake.requests()
            .iter()
            .all(|request| !request.path.starts_with("/_fake")),
        "control requests are not recorded"
    );
}
