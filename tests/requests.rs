//! Every operation's request on the wire: method, path, headers and body.

mod support;

use productboard_plugin_integrations::{
    Action, Color, Connected, ConnectionState, IntegrationStatus, IntegrationUpdate, NewIntegration,
};
use serde_json::json;
use support::{Recorded, Scripted, Server, TOKEN, connection_json, id, integration_json};

/// Checks the headers every request must carry, and nothing progenitor adds on its own.
fn assert_common_headers(request: &Recorded) {
    assert_eq!(request.header("x-version"), Some("1"));
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_eq!(
        request.header("api-version"),
        None,
        "progenitor's api-version header leaked"
    );
    assert_eq!(request.headers.get_all("x-version").iter().count(), 1);
}

fn assert_json_body(request: &Recorded, expected: serde_json::Value) {
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.json(), expected);
}

#[tokio::test]
async fn create_integration_request() {
    let server = Server::start(vec![Scripted::json(
        201,
        json!({ "data": integration_json(id(1)) }),
    )])
    .await;
    let new = NewIntegration::new(
        "com.example.tickets",
        "Tickets",
        "Push",
        Action::new("https://tickets.example.com/hook").authorization("Bearer cb-secret"),
    )
    .status(IntegrationStatus::Enabled);

    let created = server.client().create_integration(&new).await.unwrap();

    assert_eq!(created.id, id(1));
    assert_eq!(created.name, "Tickets");
    let request = server.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, "/plugin-integrations");
    assert_common_headers(&request);
    assert_json_body(
        &request,
        json!({ "data": {
            "type": "com.example.tickets",
            "name": "Tickets",
            "integrationStatus": "enabled",
            "initialState": { "label": "Push" },
            "action": {
                "url": "https://tickets.example.com/hook",
                "version": 1,
                "headers": { "authorization": "Bearer cb-secret" }
            }
        }}),
    );
}

#[tokio::test]
async fn get_integration_request() {
    let server = Server::start(vec![Scripted::json(
        200,
        json!({ "data": integration_json(id(1)) }),
    )])
    .await;

    let integration = server.client().integration(id(1)).await.unwrap();

    assert_eq!(integration.id, id(1));
    assert_eq!(integration.status, IntegrationStatus::Enabled);
    let request = server.only_request();
    assert_eq!(request.method, "GET");
    assert_eq!(request.path_and_query, format!("/plugin-integrations/{}", id(1)));
    assert_common_headers(&request);
    assert!(request.body.is_empty());
}

#[tokio::test]
async fn update_integration_request() {
    let server = Server::start(vec![Scripted::json(
        200,
        json!({ "data": integration_json(id(1)) }),
    )])
    .await;
    let update = IntegrationUpdate::new()
        .name("Tickets (EU)")
        .status(IntegrationStatus::Disabled);

    server.client().update_integration(id(1), &update).await.unwrap();

    let request = server.only_request();
    assert_eq!(request.method, "PATCH");
    assert_eq!(request.path_and_query, format!("/plugin-integrations/{}", id(1)));
    assert_common_headers(&request);
    assert_json_body(
        &request,
        json!({ "data": { "name": "Tickets (EU)", "integrationStatus": "disabled" } }),
    );
}

#[tokio::test]
async fn delete_integration_request() {
    let server = Server::start(vec![Scripted::empty(204)]).await;

    server.client().delete_integration(id(1)).await.unwrap();

    let request = server.only_request();
    assert_eq!(request.method, "DELETE");
    assert_eq!(request.path_and_query, format!("/plugin-integrations/{}", id(1)));
    assert_common_headers(&request);
    assert!(request.body.is_empty());
}

#[tokio::test]
async fn list_integrations_request() {
    let server = Server::start(vec![Scripted::json(
        200,
        json!({ "data": [integration_json(id(1)), integration_json(id(2))], "links": { "next": null } }),
    )])
    .await;

    let integrations = server.client().list_integrations().await.unwrap();

    assert_eq!(integrations.len(), 2);
    let request = server.only_request();
    assert_eq!(request.method, "GET");
    assert_eq!(request.path_and_query, "/plugin-integrations");
    assert_common_headers(&request);
}

#[tokio::test]
async fn get_connection_request() {
    let state = json!({ "state": "progress" });
    let server = Server::start(vec![Scripted::json(
        200,
        json!({ "data": connection_json(id(1), id(9), state) }),
    )])
    .await;

    let connection = server.client().connection(id(1), id(9)).await.unwrap();

    assert_eq!(connection.feature_id, id(9));
    assert_eq!(connection.state, ConnectionState::Progress);
    let request = server.only_request();
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.path_and_query,
        format!("/plugin-integrations/{}/connections/{}", id(1), id(9))
    );
    assert_common_headers(&request);
}

#[tokio::test]
async fn set_connection_connected_request() {
    let wire = json!({
        "state": "connected",
        "label": "In review",
        "hoverLabel": "TICKET-142",
        "tooltip": "TICKET-142: Export to CSV",
        "color": "blue",
        "targetUrl": "https://tickets.example.com/TICKET-142"
    });
    let server = Server::start(vec![Scripted::json(
        200,
        json!({ "data": connection_json(id(1), id(9), wire.clone()) }),
    )])
    .await;
    let state = ConnectionState::connected(Connected::new(
        "In review",
        "TICKET-142",
        "TICKET-142: Export to CSV",
        Color::Blue,
        "https://tickets.example.com/TICKET-142",
    ))
    .unwrap();

    let connection = server
        .client()
        .set_connection(id(1), id(9), &state)
        .await
        .unwrap();

    assert_eq!(connection.state, state);
    let request = server.only_request();
    assert_eq!(request.method, "PUT");
    assert_eq!(
        request.path_and_query,
        format!("/plugin-integrations/{}/connections/{}", id(1), id(9))
    );
    assert_common_headers(&request);
    assert_json_body(&request, json!({ "data": { "connection": wire } }));
}

#[tokio::test]
async fn set_connection_error_request() {
    let wire = json!({ "state": "error", "message": "Project is archived" });
    let server = Server::start(vec![Scripted::json(
        200,
        json!({ "data": connection_json(id(1), id(9), wire.clone()) }),
    )])
    .await;
    let state = ConnectionState::error("Project is archived").unwrap();

    server
        .client()
        .set_connection(id(1), id(9), &state)
        .await
        .unwrap();

    assert_json_body(&server.only_request(), json!({ "data": { "connection": wire } }));
}

#[tokio::test]
async fn set_connection_progress_request() {
    let wire = json!({ "state": "progress" });
    let server = Server::start(vec![Scripted::json(
        200,
        json!({ "data": connection_json(id(1), id(9), wire.clone()) }),
    )])
    .await;

    server
        .client()
        .set_connection(id(1), id(9), &ConnectionState::Progress)
        .await
        .unwrap();

    let request = server.only_request();
    assert_eq!(request.method, "PUT");
    assert_json_body(&request, json!({ "data": { "connection": wire } }));
}

#[tokio::test]
async fn delete_connection_request() {
    let server = Server::start(vec![Scripted::empty(204)]).await;

    server.client().delete_connection(id(1), id(9)).await.unwrap();

    let request = server.only_request();
    assert_eq!(request.method, "DELETE");
    assert_eq!(
        request.path_and_query,
        format!("/plugin-integrations/{}/connections/{}", id(1), id(9))
    );
    assert_common_headers(&request);
    assert!(request.body.is_empty());
}

#[tokio::test]
async fn list_connections_request() {
    let server = Server::start(vec![Scripted::json(
        200,
        json!({ "data": [connection_json(id(1), id(9), json!({ "state": "progress" }))], "links": {} }),
    )])
    .await;

    let connections = server.client().list_connections(id(1)).await.unwrap();

    assert_eq!(connections.len(), 1);
    let request = server.only_request();
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.path_and_query,
        format!("/plugin-integrations/{}/connections", id(1))
    );
    assert_common_headers(&request);
}

#[tokio::test]
async fn debug_detail_is_never_sent() {
    let received = json!({ "state": "error", "message": "Push failed", "debugDetail": "timeout after 5 s" });
    let state: ConnectionState = serde_json::from_value(received).unwrap();
    let server = Server::start(vec![Scripted::json(
        200,
        json!({ "data": connection_json(id(1), id(9), json!({ "state": "error", "message": "Push failed" })) }),
    )])
    .await;

    server
        .client()
        .set_connection(id(1), id(9), &state)
        .await
        .unwrap();

    let body = server.only_request().json();
    assert_eq!(
        body,
        json!({ "data": { "connection": { "state": "error", "message": "Push failed" } } })
    );
}
