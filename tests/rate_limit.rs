//! The client-side rate limit, against a server that enforces one.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use productboard_plugin_integrations::Client;

/// The server's limit, per one-second window counted from its start.
const SERVER_LIMIT: usize = 100;
/// The client's limit: below the server's, as an integrator would set it.
const CLIENT_LIMIT: u32 = 90;
const CALLS: usize = 270;

struct Limiter {
    started: Instant,
    windows: Mutex<Vec<usize>>,
    rejected: AtomicUsize,
}

async fn limited(State(limiter): State<Arc<Limiter>>) -> Response {
    let window = limiter.started.elapsed().as_secs() as usize;
    let over = {
        let mut windows = limiter.windows.lock().unwrap();
        if windows.len() <= window {
            windows.resize(window + 1, 0);
        }
        windows[window] += 1;
        windows[window] > SERVER_LIMIT
    };
    if over {
        limiter.rejected.fetch_add(1, Ordering::Relaxed);
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("content-type", "application/json")],
            r#"{"errors":[]}"#,
        )
            .into_response();
    }
    let body = r#"{"data":[],"links":{"next":null}}"#;
    ([("content-type", "application/json")], body).into_response()
}

async fn start() -> (String, Arc<Limiter>, tokio::task::JoinHandle<()>) {
    let limiter = Arc::new(Limiter {
        started: Instant::now(),
        windows: Mutex::new(Vec::new()),
        rejected: AtomicUsize::new(0),
    });
    let app = Router::new().fallback(limited).with_state(limiter.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (url, limiter, task)
}

/// Sends `CALLS` list requests, 64 at a time, through clones of `client`.
async fn burst(client: &Client) -> usize {
    let integration = uuid::Uuid::nil();
    futures::stream::iter(0..CALLS)
        .map(|_| {
            let clone = client.clone();
            async move { clone.list_connections(integration).await.is_ok() }
        })
        .buffer_unordered(64)
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await
}

#[tokio::test]
async fn burst_stays_under_server_limit() {
    let (url, limiter, server) = start().await;
    let client = Client::builder()
        .token("t")
        .base_url(url)
        .max_retries(0)
        .rate_limit(CLIENT_LIMIT)
        .build()
        .unwrap();

    let started = Instant::now();
    let succeeded = burst(&client).await;
    let elapsed = started.elapsed();

    assert_eq!(limiter.rejected.load(Ordering::Relaxed), 0);
    assert_eq!(succeeded, CALLS);
    // 270 calls at 90 per second need about 3 s; allow slack for a loaded machine.
    let needed = Duration::from_secs_f64(CALLS as f64 / f64::from(CLIENT_LIMIT));
    assert!(
        elapsed >= needed - Duration::from_millis(200),
        "{elapsed:?} is faster than the limit allows"
    );
    assert!(
        elapsed < needed + Duration::from_secs(5),
        "{elapsed:?} waited far longer than needed"
    );
    server.abort();
}

#[tokio::test]
async fn burst_without_limit_trips_server() {
    let (url, limiter, server) = start().await;
    let client = Client::builder()
        .token("t")
        .base_url(url)
        .max_retries(0)
        .rate_limit(0)
        .build()
        .unwrap();

    burst(&client).await;

    assert!(
        limiter.rejected.load(Ordering::Relaxed) > 0,
        "the server limit is not exercised"
    );
    server.abort();
}
