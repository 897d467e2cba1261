//! The whole push flow against an embedded fake Productboard, on loopback.
//!
//! 1. Start the fake Productboard and a callback receiver built with
//!    `callback::router`.
//! 2. Create a plugin integration; the fake probes the receiver.
//! 3. Simulate a click on Push. Creating the ticket takes longer than the
//!    receiver's deadline, so the router responds `progress` at once and sets
//!    the connection to `connected` through the API when the work is done.
//! 4. Simulate a click on Unlink: the handler returns `initial` in time,
//!    which removes the connection.
//!
//! Run with `cargo run --example push_flow`. It exits with status 0 only
//! when every step behaved as described.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use productboard_plugin_integrations::callback::{ActionNotification, HandlerError, ReceiverConfig, Trigger};
use productboard_plugin_integrations::{
    Action, Client, Color, Connected, Connection, ConnectionState, NewIntegration, callback,
};
use productboard_plugin_integrations_fake::{FakeProductboard, Trigger as Click};
use uuid::Uuid;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The secret the fake sends as `Authorization` with every callback.
const CALLBACK_SECRET: &str = "Bearer push-flow-example-secret";

/// How long the receiver's handler may run before the router responds `progress`.
/// Productboard's own window is 5 s; the example keeps both short.
const DEADLINE: Duration = Duration::from_millis(300);

/// How long creating a ticket takes in this example: longer than `DEADLINE`.
const TICKET_WORK: Duration = Duration::from_millis(800);

/// How long the example waits for the final state.
const FINAL_STATE_LIMIT: Duration = Duration::from_secs(10);

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
    let receiver_url = start_receiver(client.clone()).await?;
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
        "[2] user clicked Push       -> button: {} (the ticket takes {} ms, past the {} ms deadline)",
        describe_wire(&after_push),
        TICKET_WORK.as_millis(),
        DEADLINE.as_millis()
    );
    expect(
        after_push["state"] == "progress",
        "the receiver should answer progress to a slow push",
    )?;

    let connection = wait_for_final_state(&client, integration.id, feature).await?;
    println!(
        "[3] the ticket was created  -> button: {}",
        describe(&connection.state)
    );
    expect(
        matches!(connection.state, ConnectionState::Connected(_)),
        "the receiver should have set the connection to connected",
    )?;

    let after_unlink = fake.click(integration.id, feature, Click::Unlink).await?;
    println!(
        "[4] user clicked Unlink     -> button: {}",
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

/// Reads the connection until it leaves `progress`, for at most `FINAL_STATE_LIMIT`.
async fn wait_for_final_state(
    client: &Client,
    integration: Uuid,
    feature: Uuid,
) -> Result<Connection, BoxError> {
    let started = Instant::now();
    loop {
        let connection = client.connection(integration, feature).await?;
        if connection.state != ConnectionState::Progress {
            return Ok(connection);
        }
        if started.elapsed() > FINAL_STATE_LIMIT {
            return Err("the connection stayed in progress for 10 s".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn describe(state: &ConnectionState) -> String {
    match state {
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
        Ok(state) => describe(&state),
        Err(_) => state.to_string(),
    }
}

/// Starts the integrator's side: `callback::router` with a handler that
/// creates a ticket on Push and removes the connection on anything else.
async fn start_receiver(client: Client) -> Result<String, BoxError> {
    let tickets = Arc::new(AtomicU32::new(0));
    let config = ReceiverConfig::new(client)
        .secret(CALLBACK_SECRET)
        .path("/productboard")
        .deadline(DEADLINE);
    let app = callback::router(config, move |notification| handle(notification, tickets.clone()));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/productboard", listener.local_addr()?);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            eprintln!("receiver stopped: {error}");
        }
    });
    Ok(url)
}

async fn handle(
    notification: ActionNotification,
    tickets: Arc<AtomicU32>,
) -> Result<ConnectionState, HandlerError> {
    match notification.trigger {
        Trigger::Push => {
            // Stands in for the slow work of creating a ticket in another system.
            tokio::time::sleep(TICKET_WORK).await;
            let key = format!("TICKET-{}", tickets.fetch_add(1, Ordering::Relaxed) + 1);
            Ok(ConnectionState::connected(Connected::new(
                "Open",
                key.clone(),
                format!("{key}: created from Productboard"),
                Color::Green,
                format!("https://tickets.example.com/{key}"),
            ))?)
        }
        _ => Ok(ConnectionState::Initial),
    }
}
