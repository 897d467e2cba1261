//! The axum callback router and its deadline guard, driven by the fake
//! Productboard's clicks. Time bounds are loose for a loaded machine.

#![cfg(feature = "axum")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use productboard_plugin_integrations::callback::{ReceiverConfig, Trigger, router};
use productboard_plugin_integrations::{Action, Client, Color, Connected, ConnectionState, NewIntegration};
use productboard_plugin_integrations_fake::{FakeProductboard, Trigger as Click};
use uuid::Uuid;

const SECRET: &str = "Bearer router-secret";

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

struct Setup {
    fake: FakeProductboard,
    client: Client,
    integration: Uuid,
    receiver: tokio::task::JoinHandle<()>,
}

impl Drop for Setup {
    fn drop(&mut self) {
        self.receiver.abort();
    }
}

/// Serves `app` on a loopback port; returns its base URL and the server task.
async fn serve(app: axum::Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (url, server)
}

/// Starts the fake and a router with `handler`, and creates an integration
/// whose action URL is the router (the fake's probe must succeed).
async fn setup<H, F>(deadline: Duration, handler: H) -> Setup
where
    H: Fn(productboard_plugin_integrations::callback::ActionNotification) -> F + Send + Sync + 'static,
    F: Future<Output = Result<ConnectionState, productboard_plugin_integrations::callback::HandlerError>>
        + Send
        + 'static,
{
    let fake = FakeProductboard::start().await.unwrap();
    let client = Client::builder()
        .token(fake.token())
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let config = ReceiverConfig::new(client.clone())
        .secret(SECRET)
        .path("/productboard")
        .deadline(deadline);
    let (base, receiver) = serve(router(config, handler)).await;
    let url = format!("{base}/productboard");

    let integration = client
        .create_integration(&NewIntegration::new(
            "com.example.tickets",
            "Tickets",
            "Push",
            Action::new(url).authorization(SECRET),
        ))
        .await
        .unwrap();
    Setup {
        fake,
        client,
        integration: integration.id,
        receiver,
    }
}

/// Polls the connection until it leaves `progress`, for at most `limit`.
async fn wait_for_final(setup: &Setup, feature: Uuid, limit: Duration) -> ConnectionState {
    let started = Instant::now();
    loop {
        let state = setup
            .client
            .connection(setup.integration, feature)
            .await
            .unwrap()
            .state;
        if state != ConnectionState::Progress || started.elapsed() > limit {
            return state;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn fast_handler_answers_directly() {
    let setup = setup(Duration::from_secs(4), |_| async {
        tokio::time::sleep(Duration::from_millis(10)).await;
        Ok(connected("T-1"))
    })
    .await;
    let feature = Uuid::new_v4();
    setup.fake.clear_requests();

    let after_click = setup
        .fake
        .click(setup.integration, feature, Click::Push)
        .await
        .unwrap();

    assert_eq!(after_click["state"], "connected");
    assert_eq!(after_click["hoverLabel"], "T-1");
    let api_writes = setup
        .fake
        .requests()
        .into_iter()
        .filter(|request| request.method == "PUT")
        .count();
    assert_eq!(api_writes, 0, "a direct answer needs no API call");
}

#[tokio::test]
async fn slow_handler_answers_progress_then_sets_final() {
    let setup = setup(Duration::from_secs(4), |_| async {
        tokio::time::sleep(Duration::from_secs(6)).await;
        Ok(connected("T-2"))
    })
    .await;
    let feature = Uuid::new_v4();

    let started = Instant::now();
    let after_click = setup
        .fake
        .click(setup.integration, feature, Click::Push)
        .await
        .unwrap();

    // The fake's 5-second window passed without an error, so the answer came in time.
    assert_eq!(after_click["state"], "progress");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered after {:?}",
        started.elapsed()
    );
    let final_state = wait_for_final(&setup, feature, Duration::from_secs(15)).await;
    assert_eq!(final_state, connected("T-2"));
}

#[tokio::test]
async fn failing_handler_becomes_error_state() {
    let setup = setup(Duration::from_secs(4), |_| async {
        Err(format!("ticket system rejected the request: {}", "x".repeat(400)).into())
    })
    .await;
    let feature = Uuid::new_v4();

    setup
        .fake
        .click(setup.integration, feature, Click::Push)
        .await
        .unwrap();

    let state = setup
        .client
        .connection(setup.integration, feature)
        .await
        .unwrap()
        .state;
    let ConnectionState::Error(error) = state else {
        panic!("expected an error state, got {state:?}")
    };
    assert!(error.message.starts_with("ticket system rejected the request"));
    assert_eq!(error.message.chars().count(), 255);
}

#[tokio::test]
async fn late_failing_handler_sets_error() {
    let setup = setup(Duration::from_millis(200), |_| async {
        tokio::time::sleep(Duration::from_millis(600)).await;
        Err("project is archived".into())
    })
    .await;
    let feature = Uuid::new_v4();

    let after_click = setup
        .fake
        .click(setup.integration, feature, Click::Push)
        .await
        .unwrap();

    assert_eq!(after_click["state"], "progress");
    let state = wait_for_final(&setup, feature, Duration::from_secs(10)).await;
    assert_eq!(state, ConnectionState::error("project is archived").unwrap());
}

#[tokio::test]
async fn unlink_answers_initial() {
    let setup = setup(Duration::from_secs(4), |notification| async move {
        match notification.trigger {
            Trigger::Push => Ok(connected("T-3")),
            _ => Ok(ConnectionState::Initial),
        }
    })
    .await;
    let feature = Uuid::new_v4();
    setup
        .fake
        .click(setup.integration, feature, Click::Push)
        .await
        .unwrap();

    setup
        .fake
        .click(setup.integration, feature, Click::Unlink)
        .await
        .unwrap();

    assert!(setup.fake.connection_state(setup.integration, feature).is_none());
}

#[tokio::test]
async fn second_click_does_not_start_twice() {
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let setup = setup(Duration::from_millis(200), move |_| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(1500)).await;
            Ok(connected("T-4"))
        }
    })
    .await;
    let feature = Uuid::new_v4();

    let first = setup
        .fake
        .click(setup.integration, feature, Click::Push)
        .await
        .unwrap();
    let second = setup
        .fake
        .click(setup.integration, feature, Click::Push)
        .await
        .unwrap();

    assert_eq!(first["state"], "progress");
    assert_eq!(second["state"], "progress");
    let state = wait_for_final(&setup, feature, Duration::from_secs(10)).await;
    assert_eq!(state, connected("T-4"));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn wrong_secret_is_rejected() {
    let fake = FakeProductboard::start().await.unwrap();
    let client = Client::builder()
        .token(fake.token())
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let app = router(ReceiverConfig::new(client.clone()).secret(SECRET), |_| async {
        Ok(ConnectionState::Progress)
    });
    let (base, server) = serve(app).await;
    let url = format!("{base}/");

    let error = client
        .create_integration(&NewIntegration::new(
            "com.example.tickets",
            "Tickets",
            "Push",
            Action::new(&url).authorization("Bearer wrong"),
        ))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("callback.probeFailed"));

    let status = reqwest::Client::new()
        .post(&url)
        .header("authorization", "Bearer wrong")
        .body("{}")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
    server.abort();
}

#[tokio::test]
async fn oversized_and_invalid_bodies_are_rejected() {
    let client = Client::builder().token("t").build().unwrap();
    let app = router(ReceiverConfig::new(client).body_limit(1024), |_| async {
        Ok(ConnectionState::Progress)
    });
    let (base, server) = serve(app).await;
    let url = format!("{base}/");
    let http = reqwest::Client::new();

    let oversized = http.post(&url).body("x".repeat(4096)).send().await.unwrap();
    let invalid = http.post(&url).body("{\"data\":{}}").send().await.unwrap();
    let probe = http
        .get(format!("{url}?validationToken=a%2Bb"))
        .send()
        .await
        .unwrap();

    assert_eq!(oversized.status(), 413);
    assert_eq!(invalid.status(), 400);
    assert_eq!(probe.status(), 200);
    assert_eq!(probe.headers()["content-type"], "text/plain");
    assert_eq!(probe.text().await.unwrap(), "a+b");
    server.abort();
}

#[tokio::test]
async fn composes_with_tower_layers() {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let client = Client::builder().token("t").build().unwrap();
    let app = router(ReceiverConfig::new(client), |_| async {
        Ok(ConnectionState::Progress)
    })
    .layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                next.run(request).await
            }
        },
    ));
    let (base, server) = serve(app).await;
    let url = format!("{base}/?validationToken=t");

    let response = reqwest::Client::new().get(&url).send().await.unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    server.abort();
}
