//! Tracing spans and `Debug` output: useful fields, and never a secret.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use productboard_plugin_integrations::{Action, Client, ConnectionState, IntegrationUpdate, NewIntegration};
use serde_json::json;
use support::{Scripted, Server, TOKEN, connection_json, id};

const CALLBACK_SECRET: &str = "Bearer callback-secret-5d1e";

/// A writer that appends everything to a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn request_span_has_fields_and_no_secrets() {
    let server = Server::start(vec![
        Scripted::json(
            200,
            json!({ "data": connection_json(id(1), id(9), json!({ "state": "progress" })) }),
        )
        .header("x-request-id", "req-4711"),
    ])
    .await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    server
        .client()
        .set_connection(id(1), id(9), &ConnectionState::Progress)
        .await
        .unwrap();

    let logs = captured.text();
    assert!(logs.contains("productboard.request"), "{logs}");
    assert!(logs.contains("operation=\"set_connection\""), "{logs}");
    assert!(logs.contains("method=PUT"), "{logs}");
    assert!(
        logs.contains("path=\"/plugin-integrations/{id}/connections/{featureId}\""),
        "{logs}"
    );
    assert!(logs.contains("status=200"), "{logs}");
    assert!(logs.contains("attempt=1"), "{logs}");
    assert!(logs.contains("request_id=\"req-4711\""), "{logs}");
    assert!(logs.contains("duration_ms="), "{logs}");
    assert!(!logs.contains(TOKEN), "the token leaked into the logs: {logs}");
}

#[tokio::test]
async fn create_logs_no_callback_secret() {
    let server = Server::start(vec![Scripted::json(
        201,
        json!({ "data": support::integration_json(id(1)) }),
    )])
    .await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let new = NewIntegration::new(
        "com.example.tickets",
        "Tickets",
        "Push",
        Action::new("https://tickets.example.com/hook").authorization(CALLBACK_SECRET),
    );

    server.client().create_integration(&new).await.unwrap();

    let logs = captured.text();
    assert!(logs.contains("create_integration"), "{logs}");
    assert!(!logs.contains(CALLBACK_SECRET), "{logs}");
    assert!(!logs.contains(TOKEN), "{logs}");
}

#[test]
fn debug_output_redacts_secrets() {
    let builder = Client::builder().token(TOKEN);
    let client = Client::new(TOKEN).unwrap();
    let action = Action::new("https://tickets.example.com/hook").authorization(CALLBACK_SECRET);
    let new = NewIntegration::new("com.example.tickets", "Tickets", "Push", action.clone());
    let update = IntegrationUpdate::new().action(action);

    for text in [
        format!("{builder:?}"),
        format!("{client:?}"),
        format!("{new:?}"),
        format!("{update:?}"),
    ] {
        assert!(!text.contains(TOKEN), "{text}");
        assert!(!text.contains("callback-secret"), "{text}");
    }
}

#[test]
fn serialized_request_keeps_the_secret() {
    let new = NewIntegration::new(
        "com.example.tickets",
        "Tickets",
        "Push",
        Action::new("https://tickets.example.com/hook").authorization(CALLBACK_SECRET),
    );

    let wire = serde_json::to_value(&new).unwrap();

    assert_eq!(wire["action"]["headers"]["authorization"], CALLBACK_SECRET);
}
