//! Initial means "no connection", in both directions.

mod support;

use productboard_plugin_integrations::{ConnectionState, ErrorKind};
use serde_json::json;
use support::{Scripted, Server, id};

fn not_found(code: &str) -> Scripted {
    Scripted::json(
        404,
        json!({ "errors": [{ "code": code, "title": "Not found", "detail": "It does not exist." }] }),
    )
}

#[tokio::test]
async fn set_initial_sends_one_delete() {
    let server = Server::start(vec![Scripted::empty(204)]).await;

    let connection = server
        .client()
        .set_connection(id(1), id(9), &ConnectionState::Initial)
        .await
        .unwrap();

    assert_eq!(connection.feature_id, id(9));
    assert_eq!(connection.state, ConnectionState::Initial);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "DELETE");
    assert!(requests.iter().all(|request| request.method != "PUT"));
    assert_eq!(
        requests[0].path_and_query,
        format!("/plugin-integrations/{}/connections/{}", id(1), id(9))
    );
}

#[tokio::test]
async fn set_initial_on_missing_connection_succeeds() {
    let server = Server::start(vec![not_found("pluginIntegration.connection.notFound")]).await;

    let connection = server
        .client()
        .set_connection(id(1), id(9), &ConnectionState::Initial)
        .await
        .unwrap();

    assert_eq!(connection.state, ConnectionState::Initial);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn set_initial_on_missing_integration_fails() {
    let server = Server::start(vec![not_found("pluginIntegration.notFound")]).await;

    let error = server
        .client()
        .set_connection(id(1), id(9), &ConnectionState::Initial)
        .await
        .unwrap_err();

    assert_eq!(error.status(), Some(404));
    assert_eq!(error.code(), Some("pluginIntegration.notFound"));
}

#[tokio::test]
async fn missing_connection_reads_as_initial() {
    let server = Server::start(vec![not_found("pluginIntegration.connection.notFound")]).await;

    let connection = server.client().connection(id(1), id(9)).await.unwrap();

    assert_eq!(connection.feature_id, id(9));
    assert_eq!(connection.state, ConnectionState::Initial);
}

#[tokio::test]
async fn missing_integration_read_fails() {
    let server = Server::start(vec![not_found("pluginIntegration.notFound")]).await;

    let error = server.client().connection(id(1), id(9)).await.unwrap_err();

    assert_eq!(error.code(), Some("pluginIntegration.notFound"));
    assert!(error.is_not_found());
}

#[tokio::test]
async fn invalid_state_sends_nothing() {
    let server = Server::start(vec![]).await;
    let over_long: ConnectionState = serde_json::from_value(json!({
        "state": "connected",
        "label": "a label that is far too long",
        "hoverLabel": "X-1",
        "tooltip": "tip",
        "color": "blue",
        "targetUrl": "https://tickets.example.com/X-1"
    }))
    .unwrap();

    let error = server
        .client()
        .set_connection(id(1), id(9), &over_long)
        .await
        .unwrap_err();

    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert!(error.is_validation());
    assert_eq!(error.field(), Some("label"));
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn unknown_state_is_never_sent() {
    let server = Server::start(vec![]).await;
    let unknown: ConnectionState =
        serde_json::from_value(json!({ "state": "archived", "since": "2026" })).unwrap();

    let error = server
        .client()
        .set_connection(id(1), id(9), &unknown)
        .await
        .unwrap_err();

    assert_eq!(error.field(), Some("state"));
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn unknown_color_is_never_sent() {
    let server = Server::start(vec![]).await;
    let teal: ConnectionState = serde_json::from_value(json!({
        "state": "connected",
        "label": "Open",
        "hoverLabel": "X-1",
        "tooltip": "tip",
        "color": "teal",
        "targetUrl": "https://tickets.example.com/X-1"
    }))
    .unwrap();

    let error = server
        .client()
        .set_connection(id(1), id(9), &teal)
        .await
        .unwrap_err();

    assert_eq!(error.field(), Some("color"));
    assert!(error.to_string().contains("teal"));
    assert!(server.requests().is_empty());
}
