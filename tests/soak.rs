//! 10,000 calls against the fake Productboard with 5 % injected faults
//! (429, 503 and requests that never get a response).
//!
//! Idempotent calls must all succeed through retries. A create that met a
//! 503 or a timeout must fail without being resent, because it may have
//! taken effect; one that met a 429 must be resent and succeed.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::StreamExt;
use productboard_plugin_integrations::{
    Action, Client, Color, Connected, ConnectionState, IntegrationStatus, NewIntegration,
};
use productboard_plugin_integrations_fake::{FakeProductboard, Fault};
use uuid::Uuid;

/// Creates in the phase whose faults must not be resent.
const CREATES: usize = 300;
/// Creates in the phase with rate limiting only.
const RATE_LIMITED_CREATES: usize = 100;
/// Connection calls, so that the whole test makes 10,000 calls.
const CONNECTION_CALLS: usize = 10_000 - CREATES - RATE_LIMITED_CREATES;
/// One fault before every 20th call: 5 %.
const FAULT_EVERY: usize = 20;
const IN_FLIGHT: usize = 32;
/// The bound on the whole run, generous for a loaded two-core machine.
const TIME_BOUND: Duration = Duration::from_secs(180);

fn client_for(fake: &FakeProductboard) -> Client {
    Client::builder()
        .token(fake.token())
        .base_url(fake.base_url())
        .timeout(Duration::from_millis(300))
        .max_retries(6)
        .rate_limit(0)
        .build()
        .unwrap()
}

/// A disabled integration, so the fake sends no probe.
fn new_integration(name: String) -> NewIntegration {
    NewIntegration::new(
        "com.example.soak",
        name,
        "Push",
        Action::new("https://soak.example.com/hook"),
    )
    .status(IntegrationStatus::Disabled)
}

fn rate_limited() -> Fault {
    Fault::RateLimited {
        retry_after: Some("0".into()),
    }
}

/// Counts the recorded POSTs per integration name.
fn posts_by_name(fake: &FakeProductboard) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for request in fake.requests() {
        if request.method == "POST" && request.path == "/plugin-integrations" {
            let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
            let name = body["data"]["name"].as_str().unwrap().to_string();
            *counts.entry(name).or_insert(0) += 1;
        }
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_calls_with_faults() {
    let started = Instant::now();
    let fake = FakeProductboard::start().await.unwrap();
    let client = client_for(&fake);

    // Creates meeting 503 or no response: each fails once and is never resent.
    let outcomes: Vec<bool> = futures::stream::iter(0..CREATES)
        .map(|call| {
            let client = client.clone();
            let fake = &fake;
            async move {
                if call % FAULT_EVERY == 0 {
                    let fault = if call % (2 * FAULT_EVERY) == 0 {
                        Fault::Status(503)
                    } else {
                        Fault::Hang
                    };
                    fake.inject(fault, 1);
                }
                client
                    .create_integration(&new_integration(format!("create-{call}")))
                    .await
                    .is_ok()
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let failed = outcomes.iter().filter(|ok| !**ok).count();
    assert_eq!(
        failed,
        CREATES / FAULT_EVERY,
        "each injected fault fails exactly one create"
    );
    let posts = posts_by_name(&fake);
    assert_eq!(posts.len(), CREATES);
    assert!(
        posts.values().all(|count| *count == 1),
        "a create was resent: {posts:?}"
    );

    // Creates meeting 429 only: resent, and all succeed.
    fake.clear_requests();
    let outcomes: Vec<bool> = futures::stream::iter(0..RATE_LIMITED_CREATES)
        .map(|call| {
            let client = client.clone();
            let fake = &fake;
            async move {
                if call % FAULT_EVERY == 0 {
                    fake.inject(rate_limited(), 1);
                }
                client
                    .create_integration(&new_integration(format!("limited-{call}")))
                    .await
                    .is_ok()
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    assert!(outcomes.iter().all(|ok| *ok), "a rate-limited create was lost");
    let resent: usize = posts_by_name(&fake).values().map(|count| count - 1).sum();
    assert_eq!(resent, RATE_LIMITED_CREATES / FAULT_EVERY);

    // Idempotent connection calls meeting every kind of fault: none is lost.
    let integration = client
        .create_integration(&new_integration("connections".into()))
        .await
        .unwrap();
    let features: Vec<Uuid> = (0..100).map(|_| Uuid::new_v4()).collect();
    let connected = ConnectionState::connected(Connected::new(
        "Open",
        "T-1",
        "T-1: soak",
        Color::Blue,
        "https://tickets.example.com/T-1",
    ))
    .unwrap();
    let failures: Vec<String> = futures::stream::iter(0..CONNECTION_CALLS)
        .map(|call| {
            let client = client.clone();
            let fake = &fake;
            let feature = features[call % features.len()];
            let connected = connected.clone();
            async move {
                if call % FAULT_EVERY == 0 {
                    let fault = match (call / FAULT_EVERY) % 3 {
                        0 => rate_limited(),
                        1 => Fault::Status(503),
                        _ => Fault::Hang,
                    };
                    fake.inject(fault, 1);
                }
                let result = match call % 4 {
                    0 => {
                        client
                            .set_connection(integration.id, feature, &ConnectionState::Progress)
                            .await
                    }
                    1 => client.connection(integration.id, feature).await,
                    2 => client.set_connection(integration.id, feature, &connected).await,
                    _ => {
                        client
                            .set_connection(integration.id, feature, &ConnectionState::Initial)
                            .await
                    }
                };
                result.err().map(|error| format!("call {call}: {error}"))
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .filter_map(|failure| async move { failure })
        .collect()
        .await;
    assert!(
        failures.is_empty(),
        "{} calls were lost, first: {:?}",
        failures.len(),
        failures.first()
    );

    let elapsed = started.elapsed();
    assert!(elapsed < TIME_BOUND, "took {elapsed:?}, bound {TIME_BOUND:?}");
}
