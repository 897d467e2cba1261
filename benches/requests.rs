//! `set_connection` and `connection` through the crate against a hand-written
//! reqwest + serde_json client sending the same requests to the same loopback
//! server, one call at a time and with 64 calls in flight.
//!
//! The crate's client runs with retries and its client-side rate limit off
//! (`max_retries(0)`, `rate_limit(0)`): with the default limit of 50 requests
//! per second the benchmark would measure the limiter, not the client.

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use productboard_plugin_integrations::generated::types;
use productboard_plugin_integrations::{Client, Color, Connected, ConnectionState};

use support::server::Server;
use support::{Budget, FEATURE, INTEGRATION, RawClient, Row, TOKEN, raw};

/// Calls per sample when calls run one at a time.
const SEQUENTIAL_CALLS: u32 = 200;
/// Calls per sample when 64 run at once.
const CONCURRENT_CALLS: u32 = 1280;
/// Calls in flight in the concurrent benchmarks.
const IN_FLIGHT: usize = 64;
/// Goal: the crate takes at most this multiple of the baseline's time.
const GOAL: f64 = 1.05;

fn main() {
    support::server::serve_if_requested();

    let server = Server::start();
    let runtime = support::runtime();
    let client = Client::builder()
        .token(TOKEN)
        .base_url(&server.base_url)
        .max_retries(0)
        .rate_limit(0)
        .build()
        .expect("the client builds");
    let raw_client = RawClient::new(&server.base_url);

    let (label, hover_label, tooltip, target_url) = (
        "In review",
        "TICKET-1",
        "TICKET-1: Export the backlog to CSV",
        "https://tickets.example.com/browse/TICKET-1",
    );
    let state = ConnectionState::connected(Connected::new(
        label,
        hover_label,
        tooltip,
        Color::Blue,
        target_url,
    ))
    .expect("the state is valid");
    let raw_body = raw::SetBody {
        data: raw::SetData {
            connection: raw::ConnectedState {
                state: "connected",
                label,
                hover_label,
                tooltip,
                color: "blue",
                target_url,
            },
        },
    };
    // The body type that `Client::set_connection` sends.
    let crate_body = types::SetConnectionBody {
        data: types::ConnectionBody {
            connection: state.clone(),
        },
    };
    assert_eq!(
        serde_json::to_string(&crate_body).expect("the body serializes"),
        serde_json::to_string(&raw_body).expect("the body serializes"),
        "the crate and the baseline must send the same PUT body"
    );

    let set_crate = || async {
        black_box(
            client
                .set_connection(INTEGRATION, FEATURE, &state)
                .await
                .expect("set_connection succeeds"),
        )
    };
    let set_raw = || async { black_box(raw_client.set_connection(INTEGRATION, FEATURE, &raw_body).await) };
    let get_crate = || async {
        black_box(
            client
                .connection(INTEGRATION, FEATURE)
                .await
                .expect("connection succeeds"),
        )
    };
    let get_raw = || async { black_box(raw_client.connection(INTEGRATION, FEATURE).await) };

    // Futures are moved when they are created and when they are pushed into
    // `buffer_unordered`, so their size is part of the cost of a call.
    let sizes = format!(
        "future sizes: set_connection {} vs {} bytes, connection {} vs {} bytes",
        std::mem::size_of_val(&set_crate()),
        std::mem::size_of_val(&set_raw()),
        std::mem::size_of_val(&get_crate()),
        std::mem::size_of_val(&get_raw()),
    );
    let budget = Budget::scaled(15.0);

    let name = "set_connection, sequential";
    if support::selected(name) {
        let paired = support::compare(
            &budget,
            SEQUENTIAL_CALLS,
            || time_sequential(&runtime, SEQUENTIAL_CALLS, set_crate),
            || time_sequential(&runtime, SEQUENTIAL_CALLS, set_raw),
        );
        row(name, &paired, &sizes).print();
    }

    let name = "connection, sequential";
    if support::selected(name) {
        let paired = support::compare(
            &budget,
            SEQUENTIAL_CALLS,
            || time_sequential(&runtime, SEQUENTIAL_CALLS, get_crate),
            || time_sequential(&runtime, SEQUENTIAL_CALLS, get_raw),
        );
        row(name, &paired, &sizes).print();
    }

    let name = "set_connection, 64 in flight";
    if support::selected(name) {
        let paired = support::compare(
            &budget,
            CONCURRENT_CALLS,
            || time_concurrent(&runtime, CONCURRENT_CALLS, set_crate),
            || time_concurrent(&runtime, CONCURRENT_CALLS, set_raw),
        );
        row(name, &paired, &sizes).print();
    }

    let name = "connection, 64 in flight";
    if support::selected(name) {
        let paired = support::compare(
            &budget,
            CONCURRENT_CALLS,
            || time_concurrent(&runtime, CONCURRENT_CALLS, get_crate),
            || time_concurrent(&runtime, CONCURRENT_CALLS, get_raw),
        );
        row(name, &paired, &sizes).print();
    }
}

fn row(name: &str, paired: &support::Paired, sizes: &str) -> Row {
    Row {
        name: name.to_string(),
        crate_value: support::format_duration(paired.crate_per_op),
        baseline_value: support::format_duration(paired.baseline_per_op),
        ratio: paired.ratio,
        goal: GOAL,
        detail: format!("{}; {sizes}", paired.detail()),
    }
}

/// Runs `calls` calls one after another and returns the time they took.
fn time_sequential<F, Fut, T>(runtime: &tokio::runtime::Runtime, calls: u32, call: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: Future<Output = T>,
{
    runtime.block_on(async {
        let started = Instant::now();
        for _ in 0..calls {
            call().await;
        }
        started.elapsed()
    })
}

/// Runs `calls` calls with `IN_FLIGHT` of them in flight at any time and
/// returns the time they took.
fn time_concurrent<F, Fut, T>(runtime: &tokio::runtime::Runtime, calls: u32, call: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: Future<Output = T>,
{
    runtime.block_on(async {
        let started = Instant::now();
        futures::stream::iter(0..calls)
            .map(|_| async { Ok::<_, ()>(call().await) })
            .buffer_unordered(IN_FLIGHT)
            .try_for_each(|_| async { Ok(()) })
            .await
            .expect("no call fails");
        started.elapsed()
    })
}
