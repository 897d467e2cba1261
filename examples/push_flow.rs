//! The whole push flow against an embedded fake Productboard, on loopback.
//!
//! 1. Start the fake Productboard and a receiver for its callbacks.
//! 2. Create a plugin integration; the fake probes the receiver.
//! 3. Simulate a click on Push: the receiver answers `progress` at once, and
//!    a background worker "creates a ticket" and sets the connection to
//!    `connected` through the API.
//! 4. Simulate a click on Unlink: the receiver answers `initial`, which
//!    removes the connection.
//!
//! Run with `cargo run --example push_flow`. It exits with status 0 only
//! when every step behaved as described.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use productboard_plugin_integrations::callback::{self, ActionNotification, Trigger};
use productboard_plugin_integrations::{
    Action, CallbackSecret, Client, Color, Connected, Connection, ConnectionState, NewIntegration,
};
use productboard_plugin_integrations_fake::{FakeProductboard, Trigger as Click};
use tokio::sync::mpsc;
use uuid::Uuid;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The secret the fake sends as `Authorization` with every callback.
const CALLBACK_SECRET: &str = "Bearer push-flow-example-secret";

/// How long the example waits for the background worker.
const WORKER_DEADLINE: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => {
            println!("push flow completed: every step behaved");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("push flow failed: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), BoxError> {
    let fake = FakeProductboard::start().await?;
    println!("fake Productboard listening on {}", fake.base_url());

    let client = Client::builder()
        .token(fake.token())
        .base_url(fake.base_url())
        .build()?;
    let (worker_done, mut worker_results) = mpsc::unbounded_channel();
    let receiver_url = start_receiver(Receiver {
        client: client.clone(),
        secret: CallbackSecret::new(CALLBACK_SECRET),
        tickets: Arc::new(AtomicU32::new(0)),
        worker_done,
    })
    .await?;
    println!("receiver listening on {receiver_url}");

    let integration = client
        .create_integration(&NewIntegration::new(
            "com.example.tickets",
            "Tickets",
            "Push",
            Action::new(receiver_url).authorization(CALLBACK_SECRET),
        ))
        .await?;
    println!(
        "[1] created integration {:?} ({}); the probe was answered",
        integration.name, integration.id
    );

    let feature = Uuid::new_v4();
    let after_push = fake.click(integration.id, feature, Click::Push).await?;
    println!(
        "[2] user clicked Push   -> button: {}",
        describe_wire(&after_push)
    );
    expect(
        after_push["state"] == "progress",
        "the receiver should answer progress to a push",
    )?;

    let worker_result = tokio::time::timeout(WORKER_DEADLINE, worker_results.recv())
        .await
        .map_err(|_| "the worker did not finish within 10 s")?
        .ok_or("the worker stopped without a result")?;
    worker_result?;
    let connection = client.connection(integration.id, feature).await?;
    println!("[3] worker created a ticket -> button: {}", describe(&connection));
    expect(
        matches!(connection.state, ConnectionState::Connected(_)),
        "the worker should have set the connection to connected",
    )?;

    let after_unlink = fake.click(integration.id, feature, Click::Unlink).await?;
    println!(
        "[4] user clicked Unlink -> button: {}",
        describe_wire(&after_unlink)
    );
    let connection = client.connection(integration.id, feature).await?;
    let listed = client.list_connections(integration.id).await?;
    expect(
        connection.state.is_initial(),
        "unlink should leave the button in its initial state",
    )?;
    expect(listed.is_empty(), "no connection should be listed after unlink")?;
    println!(
        "    the connection is gone: the API lists {} connections",
        listed.len()
    );

    client.delete_integration(integration.id).await?;
    Ok(())
}

fn expect(condition: bool, failure: &str) -> Result<(), BoxError> {
    if condition { Ok(()) } else { Err(failure.into()) }
}

fn describe(connection: &Connection) -> String {
    match &connection.state {
        ConnectionState::Connected(connected) => format!(
            "connected, label {:?}, hover label {:?}, links to {}",
            connected.label, connected.hover_label, connected.target_url
        ),
        ConnectionState::Error(error) => format!("error {:?}", error.message),
        ConnectionState::Initial => "initial (no connection)".to_string(),
        other => other.name().to_string(),
    }
}

fn describe_wire(state: &serde_json::Value) -> String {
    match serde_json::from_value::<ConnectionState>(state.clone()) {
        Ok(state) => describe(&Connection::new(Uuid::nil(), state)),
        Err(_) => state.to_string(),
    }
}

/// The integrator's side: answers the probe and the action notifications.
#[derive(Clone)]
struct Receiver {
    client: Client,
    secret: CallbackSecret,
    tickets: Arc<AtomicU32>,
    worker_done: mpsc::UnboundedSender<productboard_plugin_integrations::Result<Connection>>,
}

async fn start_receiver(receiver: Receiver) -> Result<String, BoxError> {
    let app = Router::new()
        .route("/productboard", get(probe).post(notification))
        .with_state(receiver);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/productboard", listener.local_addr()?);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            eprintln!("receiver stopped: {error}");
        }
    });
    Ok(url)
}

fn authorized(receiver: &Receiver, headers: &HeaderMap) -> bool {
    let header = headers.get(header::AUTHORIZATION).map(|value| value.as_bytes());
    callback::verify_authorization(header, &receiver.secret)
}

async fn probe(State(receiver): State<Receiver>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    if !authorized(&receiver, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match query.as_deref().and_then(callback::validation_token) {
        Some(token) => ([(header::CONTENT_TYPE, callback::PROBE_CONTENT_TYPE)], token).into_response(),
        None => (StatusCode::BAD_REQUEST, "missing validationToken").into_response(),
    }
}

async fn notification(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorized(&receiver, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let notification = match ActionNotification::from_json(&body) {
        Ok(notification) => notification,
        Err(error) => return (StatusCode::BAD_REQUEST, error.to_string()).into_response(),
    };

    let state = match notification.trigger {
        Trigger::Push => {
            // Creating the ticket takes a while, so answer at once and finish in the background.
            tokio::spawn(create_ticket(receiver.clone(), notification));
            ConnectionState::Progress
        }
        _ => ConnectionState::Initial,
    };
    match callback::response_body(&state) {
        Ok(body) => ([(header::CONTENT_TYPE, callback::RESPONSE_CONTENT_TYPE)], body).into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

/// Stands in for the slow work of creating a ticket in another system, then
/// sets the button's final state through the API.
async fn create_ticket(receiver: Receiver, notification: ActionNotification) {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let number = receiver.tickets.fetch_add(1, Ordering::Relaxed) + 1;
    let key = format!("TICKET-{number}");

    let result = async {
        let state = ConnectionState::connected(Connected::new(
            "Open",
            key.clone(),
            format!("{key}: created from Productboard"),
            Color::Green,
            format!("https://tickets.example.com/{key}"),
        ))?;
        receiver
            .client
            .set_connection(notification.integration_id, notification.feature.id, &state)
            .await
    }
    .await;
    let _ = receiver.worker_done.send(result);
}
