//! The client against the stateful fake Productboard: every operation,
//! pagination, the Initial rule and simulated clicks.

mod support;

use std::time::Duration;

use futures::StreamExt;
use productboard_plugin_integrations::callback::Trigger;
use productboard_plugin_integrations::{
    Action, Client, Color, Connected, ConnectionState, IntegrationStatus, IntegrationUpdate, NewIntegration,
};
use productboard_plugin_integrations_fake::{FakeProductboard, Trigger as Click};
use support::receiver::{Answer, Receiver, SECRET};
use uuid::Uuid;

fn client_for(fake: &FakeProductboard) -> Client {
    Client::builder()
        .token(fake.token())
        .base_url(fake.base_url())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn integration_for(receiver: &Receiver) -> NewIntegration {
    NewIntegration::new(
        "com.example.tickets",
        "Tickets",
        "Push",
        Action::new(&receiver.url).authorization(SECRET),
    )
}

fn answer(state: ConnectionState) -> Answer {
    Answer {
        state,
        delay: Duration::ZERO,
    }
}

fn connected(key: &str) -> ConnectionState {
    ConnectionState::connected(Connected::new(
        "Open",
        key,
        format!("{key}: tooltip"),
        Color::Green,
        format!("https://tickets.example.com/{key}"),
    ))
    .unwrap()
}

#[tokio::test]
async fn integration_lifecycle() {
    let fake = FakeProductboard::start().await.unwrap();
    let receiver = Receiver::start(answer(ConnectionState::Progress)).await;
    let client = client_for(&fake);

    let created = client
        .create_integration(&integration_for(&receiver))
        .await
        .unwrap();
    assert_eq!(created.name, "Tickets");
    assert_eq!(created.status, IntegrationStatus::Enabled);
    assert_eq!(receiver.probes(), 1);

    let read = client.integration(created.id).await.unwrap();
    assert_eq!(read, created);

    let update = IntegrationUpdate::new().name("Tickets (EU)").button_label("Send");
    let updated = client.update_integration(created.id, &update).await.unwrap();
    assert_eq!(updated.name, "Tickets (EU)");
    assert_eq!(updated.initial_button.label, "Send");

    let listed = client.list_integrations().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, created.id);

    client.delete_integration(created.id).await.unwrap();
    let error = client.integration(created.id).await.unwrap_err();
    assert_eq!(error.code(), Some("pluginIntegration.notFound"));
}

#[tokio::test]
async fn connection_operations() {
    let fake = FakeProductboard::start().await.unwrap();
    let receiver = Receiver::start(answer(ConnectionState::Progress)).await;
    let client = client_for(&fake);
    let integration = client
        .create_integration(&integration_for(&receiver))
        .await
        .unwrap();
    let feature = Uuid::new_v4();

    let state = connected("T-1");
    let set = client
        .set_connection(integration.id, feature, &state)
        .await
        .unwrap();
    assert_eq!(set.state, state);
    assert_eq!(
        client.connection(integration.id, feature).await.unwrap().state,
        state
    );

    let error = ConnectionState::error("Project archived").unwrap();
    client
        .set_connection(integration.id, feature, &error)
        .await
        .unwrap();
    assert_eq!(
        client.connection(integration.id, feature).await.unwrap().state,
        error
    );

    client.delete_connection(integration.id, feature).await.unwrap();
    let gone = client.connection(integration.id, feature).await.unwrap();
    assert_eq!(gone.state, ConnectionState::Initial);
    let again = client
        .delete_connection(integration.id, feature)
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some("pluginIntegration.connection.notFound"));
}

#[tokio::test]
async fn initial_rule_against_fake() {
    let fake = FakeProductboard::start().await.unwrap();
    let receiver = Receiver::start(answer(ConnectionState::Progress)).await;
    let client = client_for(&fake);
    let integration = client
        .create_integration(&integration_for(&receiver))
        .await
        .unwrap();
    let feature = Uuid::new_v4();
    client
        .set_connection(integration.id, feature, &ConnectionState::Progress)
        .await
        .unwrap();
    fake.clear_requests();

    let result = client
        .set_connection(integration.id, feature, &ConnectionState::Initial)
        .await
        .unwrap();

    assert_eq!(result.state, ConnectionState::Initial);
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].method, "DELETE");
    assert!(fake.connection_state(integration.id, feature).is_none());
    assert!(client.list_connections(integration.id).await.unwrap().is_empty());

    // Already gone: still success, still one DELETE.
    fake.clear_requests();
    client
        .set_connection(integration.id, feature, &ConnectionState::Initial)
        .await
        .unwrap();
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn initial_on_missing_integration_fails() {
    let fake = FakeProductboard::start().await.unwrap();
    let client = client_for(&fake);

    let error = client
        .set_connection(Uuid::new_v4(), Uuid::new_v4(), &ConnectionState::Initial)
        .await
        .unwrap_err();

    assert_eq!(error.code(), Some("pluginIntegration.notFound"));
}

#[tokio::test]
async fn pagination_across_pages() {
    let fake = FakeProductboard::builder().page_size(2).start().await.unwrap();
    let receiver = Receiver::start(answer(ConnectionState::Progress)).await;
    let client = client_for(&fake);
    let integration = client
        .create_integration(&integration_for(&receiver))
        .await
        .unwrap();
    let mut features = Vec::new();
    for _ in 0..5 {
        let feature = Uuid::new_v4();
        client
            .set_connection(integration.id, feature, &ConnectionState::Progress)
            .await
            .unwrap();
        features.push(feature);
    }
    fake.clear_requests();

    let listed = client.list_connections(integration.id).await.unwrap();

    let listed_features: Vec<Uuid> = listed.iter().map(|connection| connection.feature_id).collect();
    assert_eq!(listed_features, features);
    let pages: Vec<String> = fake.requests().into_iter().map(|request| request.path).collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(pages[1].contains("pageCursor="), "{pages:?}");
    assert!(
        pages[1].contains("%3D"),
        "the cursor must be sent as received: {pages:?}"
    );
}

#[tokio::test]
async fn stream_reads_pages_lazily() {
    let fake = FakeProductboard::builder().page_size(2).start().await.unwrap();
    let receiver = Receiver::start(answer(ConnectionState::Progress)).await;
    let client = client_for(&fake);
    let integration = client
        .create_integration(&integration_for(&receiver))
        .await
        .unwrap();
    for _ in 0..5 {
        client
            .set_connection(integration.id, Uuid::new_v4(), &ConnectionState::Progress)
            .await
            .unwrap();
    }
    fake.clear_requests();

    let mut stream = Box::pin(client.connections(integration.id));
    stream.next().await.unwrap().unwrap();
    stream.next().await.unwrap().unwrap();
    assert_eq!(
        fake.requests().len(),
        1,
        "only the first page is fetched for two items"
    );
    stream.next().await.unwrap().unwrap();
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn integrations_paginate() {
    let fake = FakeProductboard::builder().page_size(2).start().await.unwrap();
    let receiver = Receiver::start(answer(ConnectionState::Progress)).await;
    let client = client_for(&fake);
    for _ in 0..3 {
        client
            .create_integration(&integration_for(&receiver))
            .await
            .unwrap();
    }

    let listed = client.list_integrations().await.unwrap();

    assert_eq!(listed.len(), 3);
}

#[tokio::test]
async fn click_push_stores_answer() {
    let fake = FakeProductboard::start().await.unwrap();
    let receiver = Receiver::start(answer(connected("T-9"))).await;
    let client = client_for(&fake);
    let integration = client
        .create_integration(&integration_for(&receiver))
        .await
        .unwrap();
    let feature = Uuid::new_v4();

    fake.click(integration.id, feature, Click::Push).await.unwrap();

    let notifications = receiver.notifications();
    assert_eq!(notifications.len(), 1);
    assert_eq!(notifications[0].trigger, Trigger::Push);
    assert_eq!(notifications[0].integration_id, integration.id);
    assert_eq!(notifications[0].feature.id, feature);
    let connection = client.connection(integration.id, feature).await.unwrap();
    assert_eq!(connection.state, connected("T-9"));
}

#[tokio::test]
async fn click_unlink_and_dismiss_remove() {
    let fake = FakeProductboard::start().await.unwrap();
    let receiver = Receiver::start(answer(ConnectionState::Progress)).await;
    let client = client_for(&fake);
    let integration = client
        .create_integration(&integration_for(&receiver))
        .await
        .unwrap();
    let feature = Uuid::new_v4();

    for (click, trigger) in [
        (Click::Unlink, Trigger::Unlink),
        (Click::Dismiss, Trigger::Dismiss),
    ] {
        receiver.set_answer(answer(ConnectionState::Progress));
        fake.click(integration.id, feature, Click::Push).await.unwrap();
        assert_eq!(
            client.connection(integration.id, feature).await.unwrap().state,
            ConnectionState::Progress
        );

        receiver.set_answer(answer(ConnectionState::Initial));
        fake.click(integration.id, feature, click).await.unwrap();

        assert_eq!(receiver.notifications().last().unwrap().trigger, trigger);
        let connection = client.connection(integration.id, feature).await.unwrap();
        assert_eq!(connection.state, ConnectionState::Initial);
    }
}

#[tokio::test]
async fn failed_probe_stores_nothing() {
    let fake = FakeProductboard::start().await.unwrap();
    let client = client_for(&fake);
    // Nothing listens on this port, so the probe cannot succeed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let new = NewIntegration::new(
        "com.example.tickets",
        "Tickets",
        "Push",
        Action::new(format!("http://{closed}/hook")),
    );

    let error = client.create_integration(&new).await.unwrap_err();

    assert_eq!(error.status(), Some(400));
    assert_eq!(error.code(), Some("callback.probeFailed"));
    assert!(client.list_integrations().await.unwrap().is_empty());
}

#[tokio::test]
async fn slow_receiver_ends_in_error() {
    let fake = FakeProductboard::builder()
        .callback_timeout(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let receiver = Receiver::start(answer(ConnectionState::Progress)).await;
    let client = client_for(&fake);
    let integration = client
        .create_integration(&integration_for(&receiver))
        .await
        .unwrap();
    receiver.set_answer(Answer {
        state: connected("T-1"),
        delay: Duration::from_secs(2),
    });
    let feature = Uuid::new_v4();

    fake.click(integration.id, feature, Click::Push).await.unwrap();

    let connection = client.connection(integration.id, feature).await.unwrap();
    let ConnectionState::Error(error) = connection.state else {
        panic!("expected an error state, got {:?}", connection.state)
    };
    assert!(!error.message.is_empty());
    let detail = error.debug_detail.expect("the fake explains the failure");
    assert!(!detail.is_empty());
}

#[tokio::test]
async fn wrong_token_is_an_auth_error() {
    let fake = FakeProductboard::start().await.unwrap();
    let client = Client::builder()
        .token("not-the-token")
        .base_url(fake.base_url())
        .build()
        .unwrap();

    let error = client.list_integrations().await.unwrap_err();

    assert_eq!(error.status(), Some(401));
    assert!(error.is_auth());
}
