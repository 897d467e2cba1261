//! Streaming 10,000 connections in pages of 100 from a loopback server:
//! `Client::connections` against a hand-written reqwest loop that follows
//! `links.next`, in time and in peak heap.
//!
//! Heap is counted by a `#[global_allocator]` wrapper around
//! `std::alloc::System` that tracks the bytes currently allocated and their
//! peak. The server runs in a child process, so only the client's heap is
//! counted. The crate's client runs with retries and its client-side rate
//! limit off (`max_retries(0)`, `rate_limit(0)`).

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use productboard_plugin_integrations::generated::types::ListConnectionsResponse;
use productboard_plugin_integrations::{Client, Connection};

use support::server::{PAGES, Server};
use support::{Budget, INTEGRATION, PAGE_SIZE, RawClient, Row, TOKEN, raw};

/// Goal for the time: the crate takes at most this multiple of the baseline's.
const TIME_GOAL: f64 = 1.1;
/// Goal for the heap: the peak while streaming is at most this multiple of
/// the heap that one decoded page holds.
const HEAP_GOAL: f64 = 2.0;
/// Pages the raw loop follows at most, in case the server loops.
const MAX_PAGES: usize = 1000;
/// Connections every run must yield.
const TOTAL: usize = PAGES * PAGE_SIZE;

struct CountingAllocator;

static CURRENT_BYTES: AtomicUsize = AtomicUsize::new(0);
static PEAK_BYTES: AtomicUsize = AtomicUsize::new(0);

impl CountingAllocator {
    fn added(size: usize) {
        let now = CURRENT_BYTES.fetch_add(size, Ordering::Relaxed) + size;
        PEAK_BYTES.fetch_max(now, Ordering::Relaxed);
    }

    fn removed(size: usize) {
        CURRENT_BYTES.fetch_sub(size, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to `System`; the counters only
// observe the sizes and never affect the returned memory.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            Self::added(layout.size());
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if !pointer.is_null() {
            Self::added(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(pointer, layout) };
        Self::removed(layout.size());
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        let new_pointer = unsafe { System.realloc(pointer, layout, new_size) };
        if !new_pointer.is_null() {
            Self::removed(layout.size());
            Self::added(new_size);
        }
        new_pointer
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Runs `phase` and returns its output with the peak heap above the level
/// at its start, in bytes.
fn peak_heap_of<T>(phase: impl FnOnce() -> T) -> (T, usize) {
    let start = CURRENT_BYTES.load(Ordering::Relaxed);
    PEAK_BYTES.store(start, Ordering::Relaxed);
    let output = phase();
    let peak = PEAK_BYTES.load(Ordering::Relaxed);
    (output, peak.saturating_sub(start))
}

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

    let stream_crate = || {
        runtime.block_on(async {
            let mut count = 0;
            let mut connections = std::pin::pin!(client.connections(INTEGRATION));
            while let Some(connection) = connections.next().await {
                let connection: Connection = connection.expect("every page arrives");
                black_box(connection);
                count += 1;
            }
            assert_eq!(count, TOTAL, "the crate streamed every connection");
        })
    };
    let stream_raw = || {
        runtime.block_on(async {
            let mut count = 0;
            let mut next = Some(format!(
                "{}/plugin-integrations/{INTEGRATION}/connections",
                raw_client.base_url
            ));
            for _ in 0..MAX_PAGES {
                let Some(url) = next.take() else { break };
                let page: raw::Page = raw_client.send_json(raw_client.http.get(url)).await;
                for connection in page.data {
                    black_box(connection);
                    count += 1;
                }
                next = page.links.next;
            }
            assert_eq!(count, TOTAL, "the raw loop streamed every connection");
        })
    };

    // Warm both clients (pooled connection, lazy statics) before counting heap.
    stream_crate();
    stream_raw();

    let page_heap = decoded_page_heap(&runtime, &raw_client);
    let ((), crate_peak) = peak_heap_of(stream_crate);
    let ((), raw_peak) = peak_heap_of(stream_raw);
    Row {
        name: "stream 10,000, peak heap / one page".to_string(),
        crate_value: support::format_bytes(crate_peak),
        baseline_value: support::format_bytes(page_heap),
        ratio: crate_peak as f64 / page_heap as f64,
        goal: HEAP_GOAL,
        detail: format!(
            "baseline is the heap one decoded page holds; the raw reqwest loop peaks at {} ({:.2}x); \
             size_of::<Connection>() is {} bytes",
            support::format_bytes(raw_peak),
            raw_peak as f64 / page_heap as f64,
            std::mem::size_of::<Connection>()
        ),
    }
    .print();

    let paired = support::compare(
        &Budget::scaled(20.0),
        TOTAL as u32,
        || time(stream_crate),
        || time(stream_raw),
    );
    Row {
        name: "stream 10,000 connections".to_string(),
        crate_value: support::format_duration(paired.crate_per_op),
        baseline_value: support::format_duration(paired.baseline_per_op),
        ratio: paired.ratio,
        goal: TIME_GOAL,
        detail: format!("per connection, {} pages a run, {}", PAGES, paired.detail()),
    }
    .print();
}

/// Measures the heap that one decoded page of the crate's type keeps
/// allocated, without the response body it was decoded from.
fn decoded_page_heap(runtime: &tokio::runtime::Runtime, raw_client: &RawClient) -> usize {
    let body = runtime.block_on(async {
        let url = format!(
            "{}/plugin-integrations/{INTEGRATION}/connections",
            raw_client.base_url
        );
        let response = raw_client
            .api_request(raw_client.http.get(url))
            .send()
            .await
            .expect("the first page arrives");
        response.bytes().await.expect("the first page's body arrives")
    });
    let before = CURRENT_BYTES.load(Ordering::Relaxed);
    let page: ListConnectionsResponse = serde_json::from_slice(&body).expect("the page decodes");
    let page_bytes = CURRENT_BYTES.load(Ordering::Relaxed) - before;
    assert_eq!(page.data.len(), PAGE_SIZE);
    drop(page);
    page_bytes
}

fn time(run: impl FnOnce()) -> Duration {
    let started = Instant::now();
    run();
    started.elapsed()
}
