//! Fault injection through the library and the control API.

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::{Api, error_code};
use productboard_plugin_integrations_fake::{FakeProductboard, Fault};
use serde_json::json;

#[tokio::test]
async fn rate_limited_sends_retry_after() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    fake.inject(
        Fault::RateLimited {
            retry_after: Some("2".into()),
        },
        2,
    );

    for _ in 0..2 {
        let response = api
            .request(reqwest::Method::GET, "/plugin-integrations")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "2");
        let (_, body) = common::read(response).await;
        assert_eq!(error_code(&body), "rateLimit.exceeded");
    }

    let (status, _) = api.get("/plugin-integrations").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test]
async fn rate_limited_without_retry_after() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    fake.inject(Fault::RateLimited { retry_after: None }, 1);

    let response = api
        .request(reqwest::Method::GET, "/plugin-integrations")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 429);
    assert!(response.headers().get("retry-after").is_none());
}

#[tokio::test]
async fn status_fault_is_not_processed() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    fake.inject(Fault::Status(503), 1);

    let (status, body) = api
        .post("/plugin-integrations", common::disabled_integration("Lost"))
        .await;

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body["errors"][0]["code"].is_string());
    let (_, list) = api.get("/plugin-integrations").await;
    assert_eq!(list["data"], json!([]));
    assert_eq!(fake.requests()[0].method, "POST");
}

#[tokio::test]
async fn faults_are_used_in_order() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    fake.inject(Fault::Status(500), 1);
    fake.inject(Fault::Status(502), 1);

    assert_eq!(api.get("/plugin-integrations").await.0, 500);
    assert_eq!(api.get("/plugin-integrations").await.0, 502);
    assert_eq!(api.get("/plugin-integrations").await.0, 200);
}

#[tokio::test]
#[should_panic(expected = "400 to 599")]
async fn inject_rejects_success_status() {
    let fake = FakeProductboard::start().await.unwrap();
    fake.inject(Fault::Status(200), 1);
}

#[tokio::test]
async fn hang_holds_until_client_timeout() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    fake.inject(Fault::Hang, 1);

    let started = Instant::now();
    let error = api
        .request(reqwest::Method::GET, "/plugin-integrations")
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();

    assert!(error.is_timeout(), "{error}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(fake.requests().len(), 1);
    let (status, _) = api.get("/plugin-integrations").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn shutdown_releases_hanging_request() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    fake.inject(Fault::Hang, 1);
    let pending = tokio::spawn(api.request(reqwest::Method::GET, "/plugin-integrations").send());
    for _ in 0..100 {
        if !fake.requests().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(fake.requests().len(), 1);

    let started = Instant::now();
    fake.shutdown().await;

    assert!(started.elapsed() < Duration::from_secs(4));
    let response = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(response.status(), 503);
}

#[tokio::test]
async fn control_api_faults_and_requests() {
    let fake = FakeProductboard::start().await.unwrap();
    let api = Api::new(&fake);
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let base = fake.base_url();

    let response = http
        .post(format!("{base}/_fake/faults"))
        .json(&json!({"kind": "rateLimited", "count": 1, "retryAfter": "7"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let response = http
        .post(format!("{base}/_fake/faults"))
        .json(&json!({"kind": "status", "status": 502}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);

    let response = api
        .request(reqwest::Method::GET, "/plugin-integrations")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
    assert_eq!(api.get("/plugin-integrations").await.0, 502);

    let (status, body) = common::read(http.get(format!("{base}/_fake/requests")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.as_array().unwrap().len(), 2);
    assert_eq!(body[0]["method"], "GET");
    assert_eq!(body[0]["path"], "/plugin-integrations");

    let response = http
        .delete(format!("{base}/_fake/requests"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert!(fake.requests().is_empty());

    for invalid in [
        json!({"kind": "status", "status": 200}),
        json!({"kind": "status"}),
        json!({"kind": "explode"}),
        json!({"kind": "hang", "count": -1}),
        json!({"kind": "rateLimited", "retryAfter": "2\n"}),
    ] {
        let response = http
            .post(format!("{base}/_fake/faults"))
            .json(&invalid)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{invalid}");
    }
}
