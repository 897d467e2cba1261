//! Error responses of every kind keep their status, code and body.

mod support;

use std::time::Duration;

use productboard_plugin_integrations::{Client, ConnectionState, ErrorKind};
use serde_json::json;
use support::{Scripted, Server, TOKEN, id};

fn error_body(code: &str, pointer: Option<&str>) -> serde_json::Value {
    let mut error = json!({ "code": code, "title": "Problem", "detail": "Something about the request." });
    if let Some(pointer) = pointer {
        error["source"] = json!({ "pointer": pointer });
    }
    json!({ "errors": [error] })
}

#[tokio::test]
async fn documented_400_decodes() {
    let body = error_body("callback.probeFailed", Some("/data/action/url"));
    let server = Server::start(vec![Scripted::json(400, body)]).await;

    let error = server.client().integration(id(1)).await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Api);
    assert_eq!(error.status(), Some(400));
    assert_eq!(error.code(), Some("callback.probeFailed"));
    assert_eq!(error.field(), Some("action.url"));
    let pointer = error.api_errors()[0].source.as_ref().unwrap().pointer.as_deref();
    assert_eq!(pointer, Some("/data/action/url"));
    assert!(error.is_validation());
    assert_eq!(error.operation(), Some("get_integration"));
    assert!(error.to_string().contains("callback.probeFailed"));
}

#[tokio::test]
async fn documented_404_decodes() {
    let server = Server::start(vec![Scripted::json(
        404,
        error_body("pluginIntegration.notFound", None),
    )])
    .await;

    let error = server.client().delete_integration(id(1)).await.unwrap_err();

    assert_eq!(error.status(), Some(404));
    assert_eq!(error.code(), Some("pluginIntegration.notFound"));
    assert!(error.is_not_found());
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn undocumented_status_decodes() {
    let server = Server::start(vec![Scripted::json(
        409,
        error_body("pluginIntegration.conflict", None),
    )])
    .await;

    let error = server.client().list_integrations().await.unwrap_err();

    assert_eq!(error.status(), Some(409));
    assert_eq!(error.code(), Some("pluginIntegration.conflict"));
    assert_eq!(error.api_errors().len(), 1);
}

#[tokio::test]
async fn html_429_keeps_status_headers_and_body() {
    let server = Server::start(vec![
        Scripted::raw(429, "text/html", "<html>busy</html>").header("retry-after", "2"),
    ])
    .await;
    let error = server.client().integration(id(1)).await.unwrap_err();

    assert_eq!(error.status(), Some(429));
    assert!(error.is_retryable());
    assert_eq!(error.retry_after(), Some(Duration::from_secs(2)));
    assert_eq!(error.body(), Some(&b"<html>busy</html>"[..]));
    assert_eq!(error.headers().unwrap()["content-type"], "text/html");
    assert_eq!(error.code(), None);
    assert!(error.to_string().contains("<html>busy</html>"));
}

#[tokio::test]
async fn empty_401_is_an_auth_failure() {
    let server = Server::start(vec![Scripted::empty(401)]).await;

    let error = server.client().integration(id(1)).await.unwrap_err();

    assert_eq!(error.status(), Some(401));
    assert!(error.is_auth());
    assert!(!error.is_retryable());
    assert!(error.to_string().contains("empty body"));
}

#[tokio::test]
async fn html_502_is_retryable() {
    let server = Server::start(vec![Scripted::raw(
        502,
        "text/html",
        "<html><h1>Bad Gateway</h1></html>",
    )])
    .await;

    let error = server.client().connection(id(1), id(9)).await.unwrap_err();

    assert_eq!(error.status(), Some(502));
    assert!(error.is_retryable());
    assert!(error.body().unwrap().starts_with(b"<html>"));
}

#[tokio::test]
async fn non_json_documented_404_keeps_status() {
    let server = Server::start(vec![Scripted::raw(404, "text/plain", "no such route")]).await;

    let error = server.client().integration(id(1)).await.unwrap_err();

    assert_eq!(error.status(), Some(404));
    assert_eq!(error.kind(), ErrorKind::Api);
    assert_eq!(error.body(), Some(&b"no such route"[..]));
}

#[tokio::test]
async fn json_with_charset_decodes() {
    let body = json!({ "data": support::connection_json(id(1), id(9), json!({ "state": "progress" })) });
    let server = Server::start(vec![Scripted::raw(
        200,
        "application/json;charset=UTF-8",
        &body.to_string(),
    )])
    .await;

    let connection = server.client().connection(id(1), id(9)).await.unwrap();

    assert_eq!(connection.state, ConnectionState::Progress);
}

#[tokio::test]
async fn html_200_is_a_decode_error() {
    let server = Server::start(vec![Scripted::raw(200, "text/html", "<html>login page</html>")]).await;

    let error = server.client().integration(id(1)).await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Decode);
    assert_eq!(error.status(), Some(200));
    let message = error.to_string();
    assert!(message.contains("HTTP 200"), "{message}");
    assert!(message.contains("text/html"), "{message}");
    assert!(message.contains("<html>login page"), "{message}");
}

#[tokio::test]
async fn missing_required_field_names_it() {
    let mut integration = support::integration_json(id(1));
    integration.as_object_mut().unwrap().remove("name");
    let server = Server::start(vec![Scripted::json(200, json!({ "data": integration }))]).await;

    let error = server.client().integration(id(1)).await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Decode);
    assert!(error.to_string().contains("name"), "{error}");
    assert_eq!(error.operation(), Some("get_integration"));
}

#[tokio::test]
async fn errors_never_show_the_token() {
    let server = Server::start(vec![Scripted::json(
        401,
        error_body("authentication.failed", None),
    )])
    .await;

    let error = server.client().integration(id(1)).await.unwrap_err();

    assert!(!format!("{error}").contains(TOKEN));
    assert!(!format!("{error:?}").contains(TOKEN));
}

#[tokio::test]
async fn unexpected_success_status_still_decodes() {
    let body = json!({ "data": support::integration_json(id(1)) });
    let server = Server::start(vec![Scripted::json(200, body)]).await;
    let new = productboard_plugin_integrations::NewIntegration::new(
        "com.example.tickets",
        "Tickets",
        "Push",
        productboard_plugin_integrations::Action::new("https://tickets.example.com/hook"),
    );

    let created = server.client().create_integration(&new).await.unwrap();

    assert_eq!(created.id, id(1));
}

#[tokio::test]
async fn refused_connection_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder()
        .token(TOKEN)
        .base_url(format!("http://{addr}"))
        .max_retries(0)
        .build()
        .unwrap();

    let error = client.integration(id(1)).await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Transport);
    assert_eq!(error.status(), None);
    assert!(std::error::Error::source(&error).is_some());
}
