//! Following `links.next`: verbatim, only to the base URL's origin, never in
//! a loop, and never ending silently short.

mod support;

use futures::StreamExt;
use productboard_plugin_integrations::{ConnectionState, ErrorKind};
use serde_json::json;
use support::{Scripted, Server, connection_json, id};

fn item(feature: u8) -> serde_json::Value {
    connection_json(id(1), id(feature), json!({ "state": "progress" }))
}

fn page(items: Vec<serde_json::Value>, next: Option<String>) -> Scripted {
    Scripted::json(200, json!({ "data": items, "links": { "next": next } }))
}

#[tokio::test]
async fn next_link_is_followed_verbatim() {
    let server = Server::start(vec![]).await;
    let next = format!(
        "{}/plugin-integrations/{}/connections?pageCursor=c2%3D",
        server.base_url(),
        id(1)
    );
    drop(server);
    let listener_addr = next.clone();
    let _ = listener_addr;

    // The next link needs the server's own address, so the script is set after it starts.
    let server = Server::start(vec![]).await;
    let next = format!(
        "{}/plugin-integrations/{}/connections?pageCursor=c2%3D",
        server.base_url(),
        id(1)
    );
    let server = server.with_script(vec![
        page(vec![item(10), item(11)], Some(next)),
        page(vec![item(12)], None),
    ]);

    let connections = server.client().list_connections(id(1)).await.unwrap();

    let features: Vec<_> = connections
        .iter()
        .map(|connection| connection.feature_id)
        .collect();
    assert_eq!(features, vec![id(10), id(11), id(12)]);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[1].path_and_query,
        format!("/plugin-integrations/{}/connections?pageCursor=c2%3D", id(1))
    );
    assert_eq!(requests[1].header("x-version"), Some("1"));
    assert!(requests[1].header("authorization").is_some());
}

#[tokio::test]
async fn missing_links_ends_the_list() {
    let server = Server::start(vec![Scripted::json(
        200,
        json!({ "data": [item(10)], "links": {} }),
    )])
    .await;

    let connections = server.client().list_connections(id(1)).await.unwrap();

    assert_eq!(connections.len(), 1);
    assert_eq!(connections[0].state, ConnectionState::Progress);
}

#[tokio::test]
async fn foreign_next_link_is_not_followed() {
    // Another loopback address, so that even a wrongly followed link stays on this machine.
    let server = Server::start(vec![]).await;
    let foreign = format!(
        "http://127.0.0.2:{}/plugin-integrations?pageCursor=x",
        server.addr.port()
    );
    let server = server.with_script(vec![page(vec![item(10)], Some(foreign))]);

    let mut stream = Box::pin(server.client().connections(id(1)));
    let first = stream.next().await.unwrap().unwrap();
    let error = stream.next().await.unwrap().unwrap_err();

    assert_eq!(first.feature_id, id(10));
    assert_eq!(error.kind(), ErrorKind::Pagination);
    assert!(error.to_string().contains("127.0.0.2"), "{error}");
    assert!(stream.next().await.is_none());
    assert_eq!(
        server.requests().len(),
        1,
        "nothing may be sent to the foreign host"
    );
}

#[tokio::test]
async fn other_port_is_not_followed() {
    let server = Server::start(vec![]).await;
    let other_port = format!(
        "http://127.0.0.1:{}/p?c=1",
        server.addr.port().wrapping_add(1).max(1)
    );
    let server = server.with_script(vec![page(vec![item(10)], Some(other_port))]);

    let error = server.client().list_connections(id(1)).await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Pagination);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn repeating_next_link_stops() {
    let server = Server::start(vec![]).await;
    let next = format!(
        "{}/plugin-integrations/{}/connections?pageCursor=same",
        server.base_url(),
        id(1)
    );
    let server = server.with_script(vec![
        page(vec![item(10)], Some(next.clone())),
        page(vec![item(11)], Some(next)),
    ]);

    let error = server.client().list_connections(id(1)).await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Pagination);
    assert!(error.to_string().contains("repeats"), "{error}");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn failing_page_ends_stream_with_error() {
    let server = Server::start(vec![]).await;
    let next = format!(
        "{}/plugin-integrations/{}/connections?pageCursor=2",
        server.base_url(),
        id(1)
    );
    let server = server.with_script(vec![
        page(vec![item(10), item(11)], Some(next)),
        Scripted::raw(500, "text/plain", "internal error"),
    ]);

    let mut stream = Box::pin(server.client().connections(id(1)));
    let mut results = Vec::new();
    while let Some(result) = stream.next().await {
        results.push(result);
    }

    assert_eq!(results.len(), 3, "two items, then the error, then the end");
    assert!(results[0].is_ok());
    assert!(results[1].is_ok());
    let error = results[2].as_ref().unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert_eq!(error.operation(), Some("list_connections"));
}

#[tokio::test]
async fn failing_page_fails_the_list() {
    let server = Server::start(vec![]).await;
    let next = format!(
        "{}/plugin-integrations/{}/connections?pageCursor=2",
        server.base_url(),
        id(1)
    );
    let server = server.with_script(vec![
        page(vec![item(10), item(11)], Some(next)),
        Scripted::raw(500, "text/plain", "internal error"),
    ]);

    let error = server.client().list_connections(id(1)).await.unwrap_err();

    assert_eq!(error.status(), Some(500));
}
