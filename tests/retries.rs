//! Retries: what is resent, what is not, and how long the client waits.
//! Each test counts the requests the server received.

mod support;

use std::time::{Duration, Instant};

use productboard_plugin_integrations::{
    Action, ConnectionState, ErrorKind, IntegrationUpdate, NewIntegration,
};
use serde_json::json;
use support::{Scripted, Server, connection_json, id, integration_json};

fn busy(retry_after: Option<&str>) -> Scripted {
    let scripted = Scripted::json(
        429,
        json!({ "errors": [{ "code": "rateLimit.exceeded", "title": "Too many requests", "detail": "Slow down." }] }),
    );
    match retry_after {
        Some(value) => scripted.header("retry-after", value),
        None => scripted,
    }
}

fn connection_ok() -> Scripted {
    Scripted::json(
        200,
        json!({ "data": connection_json(id(1), id(9), json!({ "state": "progress" })) }),
    )
}

fn new_integration() -> NewIntegration {
    NewIntegration::new(
        "com.example.tickets",
        "Tickets",
        "Push",
        Action::new("https://tickets.example.com/hook"),
    )
}

#[tokio::test]
async fn rate_limited_get_waits_retry_after_seconds() {
    let server = Server::start(vec![busy(Some("1")), connection_ok()]).await;
    let client = server.builder().max_retries(2).build().unwrap();

    let started = Instant::now();
    let connection = client.connection(id(1), id(9)).await.unwrap();

    assert_eq!(connection.state, ConnectionState::Progress);
    assert_eq!(server.requests().len(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited only {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn retry_after_as_http_date_is_honoured() {
    let in_two_seconds = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
    let server = Server::start(vec![busy(Some(&in_two_seconds)), connection_ok()]).await;
    let client = server.builder().max_retries(2).build().unwrap();

    let started = Instant::now();
    client.connection(id(1), id(9)).await.unwrap();

    assert_eq!(server.requests().len(), 2);
    // The date has one-second resolution, so the wait is at least one second.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited only {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn rate_limit_without_header_backs_off() {
    let server = Server::start(vec![busy(None), busy(None), connection_ok()]).await;
    let client = server.builder().max_retries(3).build().unwrap();

    client.connection(id(1), id(9)).await.unwrap();

    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn rate_limited_create_is_resent() {
    let server = Server::start(vec![
        busy(Some("0")),
        Scripted::json(201, json!({ "data": integration_json(id(1)) })),
    ])
    .await;
    let client = server.builder().max_retries(2).build().unwrap();

    client.create_integration(&new_integration()).await.unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|request| request.method == "POST"));
    assert_eq!(requests[0].body, requests[1].body);
}

#[tokio::test]
async fn unavailable_create_is_not_resent() {
    let server = Server::start(vec![Scripted::raw(503, "text/plain", "maintenance")]).await;
    let client = server.builder().max_retries(3).build().unwrap();

    let error = client.create_integration(&new_integration()).await.unwrap_err();

    assert_eq!(error.status(), Some(503));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn bad_gateway_update_is_not_resent() {
    let server = Server::start(vec![Scripted::raw(502, "text/html", "<html>bad gateway</html>")]).await;
    let client = server.builder().max_retries(3).build().unwrap();

    let error = client
        .update_integration(id(1), &IntegrationUpdate::new().name("Renamed"))
        .await
        .unwrap_err();

    assert_eq!(error.status(), Some(502));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn timed_out_update_is_not_resent() {
    let server = Server::start(vec![
        Scripted::json(200, json!({ "data": integration_json(id(1)) })).delay(Duration::from_secs(3)),
    ])
    .await;
    let client = server
        .builder()
        .timeout(Duration::from_millis(300))
        .max_retries(3)
        .build()
        .unwrap();

    let error = client
        .update_integration(id(1), &IntegrationUpdate::new().name("Renamed"))
        .await
        .unwrap_err();

    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(error.attempts(), Some(1));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn unavailable_put_is_resent() {
    let server = Server::start(vec![
        Scripted::raw(503, "text/plain", "busy"),
        Scripted::raw(504, "text/plain", "gateway timeout"),
        connection_ok(),
    ])
    .await;
    let client = server.builder().max_retries(3).build().unwrap();

    client
        .set_connection(id(1), id(9), &ConnectionState::Progress)
        .await
        .unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|request| request.method == "PUT"));
}

#[tokio::test]
async fn timed_out_get_is_resent() {
    let server = Server::start(vec![
        connection_ok().delay(Duration::from_secs(3)),
        connection_ok(),
    ])
    .await;
    let client = server
        .builder()
        .timeout(Duration::from_millis(300))
        .max_retries(1)
        .build()
        .unwrap();

    client.connection(id(1), id(9)).await.unwrap();

    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn timed_out_get_reports_attempts() {
    let slow = || connection_ok().delay(Duration::from_secs(3));
    let server = Server::start(vec![slow(), slow()]).await;
    let client = server
        .builder()
        .timeout(Duration::from_millis(200))
        .max_retries(1)
        .build()
        .unwrap();

    let error = client.connection(id(1), id(9)).await.unwrap_err();

    assert!(error.is_timeout());
    assert_eq!(error.attempts(), Some(2));
    assert!(error.to_string().contains("gave up after 2 attempts"), "{error}");
    assert!(error.to_string().contains("127.0.0.1"), "{error}");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn zero_retries_sends_once() {
    let server = Server::start(vec![busy(Some("0"))]).await;
    let client = server.builder().max_retries(0).build().unwrap();

    let error = client.connection(id(1), id(9)).await.unwrap_err();

    assert_eq!(error.status(), Some(429));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn exhausted_retries_say_so() {
    let server = Server::start(vec![busy(Some("0")), busy(Some("0")), busy(Some("1"))]).await;
    let client = server.builder().max_retries(2).build().unwrap();

    let error = client.connection(id(1), id(9)).await.unwrap_err();

    assert_eq!(server.requests().len(), 3);
    assert_eq!(error.status(), Some(429));
    assert_eq!(error.attempts(), Some(3));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
    assert!(error.to_string().contains("gave up after 3 attempts"), "{error}");
}

#[tokio::test]
async fn retry_after_beyond_cap_is_not_waited() {
    let server = Server::start(vec![busy(Some("3600"))]).await;
    let client = server.builder().max_retries(3).build().unwrap();

    let started = Instant::now();
    let error = client.connection(id(1), id(9)).await.unwrap_err();

    assert_eq!(server.requests().len(), 1);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3600)));
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn hung_server_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Accepts connections and never answers; the connections stay open until the test ends.
    let holder = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let http = reqwest::Client::new();
    let client = productboard_plugin_integrations::Client::builder()
        .token(support::TOKEN)
        .base_url(format!("http://{addr}"))
        .http_client(http)
        .timeout(Duration::from_secs(1))
        .max_retries(0)
        .build()
        .unwrap();

    let started = Instant::now();
    let error = client.connection(id(1), id(9)).await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(error.is_retryable());
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert!(started.elapsed() < Duration::from_secs(10));
    holder.abort();
}
