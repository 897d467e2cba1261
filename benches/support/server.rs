//! A minimal Productboard stand-in on 127.0.0.1 that returns prepared bodies.
//!
//! It runs in a child process (the bench binary started again with
//! `SERVE_ENV` set), so its CPU time and heap stay out of the measured
//! process. It listens on a port the system picks, prints
//! `listening on http://127.0.0.1:PORT`, and exits when its standard input
//! closes (the parent ended) or after `MAX_LIFETIME`, whichever comes first.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

use super::{FEATURE, INTEGRATION, PAGE_SIZE, TOKEN, wire_connection, wire_page};

/// Environment variable that turns a bench binary into the server.
const SERVE_ENV: &str = "PRODUCTBOARD_BENCH_SERVE";

/// Time after which the server exits even if its parent never closes stdin.
const MAX_LIFETIME: Duration = Duration::from_secs(600);

/// Pages the list endpoint serves: 100 pages of 100 connections.
pub const PAGES: usize = 100;

/// A running server process, stopped when dropped.
pub struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub base_url: String,
}

impl Server {
    /// Starts the server process and waits until it listens.
    pub fn start() -> Server {
        let exe = std::env::current_exe().expect("the path of the bench binary is known");
        let mut child = Command::new(exe)
            .env(SERVE_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server process starts");
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("the server prints its address");
        let base_url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from the server: {line:?}"))
            .to_string();
        Server {
            child,
            stdin,
            base_url,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Closing stdin makes the server exit. Kill covers a server that hangs.
        drop(self.stdin.take());
        if !matches!(self.child.try_wait(), Ok(Some(_))) {
            std::thread::sleep(Duration::from_millis(50));
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Runs the server instead of the benchmark when `SERVE_ENV` is set, and
/// never returns in that case. Call it first in every bench `main`.
pub fn serve_if_requested() {
    if std::env::var_os(SERVE_ENV).is_none() {
        return;
    }
    std::thread::spawn(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        std::process::exit(0);
    });
    std::thread::spawn(|| {
        std::thread::sleep(MAX_LIFETIME);
        eprintln!("bench server: exiting after {} s", MAX_LIFETIME.as_secs());
        std::process::exit(0);
    });

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("the server runtime starts");
    runtime.block_on(serve());
    std::process::exit(0);
}

struct Bodies {
    connection: Bytes,
    pages: Vec<Bytes>,
}

#[derive(Deserialize)]
struct PageQuery {
    #[serde(rename = "pageCursor")]
    page_cursor: Option<usize>,
}

async fn serve() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port is free");
    let base_url = format!(
        "http://{}",
        listener.local_addr().expect("the listener has an address")
    );

    let mut connection = wire_connection(&base_url, 1);
    connection["featureId"] = json!(FEATURE);
    let connection = serde_json::to_vec(&json!({ "data": connection })).expect("a JSON value serializes");
    let pages = (0..PAGES)
        .map(|page| {
            let next = (page + 1 < PAGES).then(|| {
                format!(
                    "{base_url}/plugin-integrations/{INTEGRATION}/connections?pageCursor={}",
                    page + 1
                )
            });
            Bytes::from(wire_page(&base_url, page * PAGE_SIZE, next))
        })
        .collect();
    let bodies = Arc::new(Bodies {
        connection: Bytes::from(connection),
        pages,
    });

    let app = Router::new()
        .route(
            "/plugin-integrations/{id}/connections/{feature}",
            get(get_connection).put(put_connection),
        )
        .route("/plugin-integrations/{id}/connections", get(list_connections))
        .with_state(bodies);

    println!("listening on {base_url}");
    axum::serve(listener, app).await.expect("the server runs");
}

/// Checks the headers that every API request must carry, so that the crate
/// and the baseline are known to send the same request.
fn check_headers(headers: &HeaderMap) -> Result<(), String> {
    let expected = [
        ("x-version", "1".to_string()),
        ("authorization", format!("Bearer {TOKEN}")),
        ("accept", "application/json".to_string()),
    ];
    for (name, value) in expected {
        if headers.get(name).and_then(|actual| actual.to_str().ok()) != Some(value.as_str()) {
            return Err(format!("missing or wrong header {name}, expected {value:?}"));
        }
    }
    Ok(())
}

fn json_response(body: &Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body.clone()).into_response()
}

async fn get_connection(State(bodies): State<Arc<Bodies>>, headers: HeaderMap) -> Response {
    if let Err(message) = check_headers(&headers) {
        return (StatusCode::BAD_REQUEST, message).into_response();
    }
    json_response(&bodies.connection)
}

async fn put_connection(State(bodies): State<Arc<Bodies>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(message) = check_headers(&headers) {
        return (StatusCode::BAD_REQUEST, message).into_response();
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes() == b"application/json");
    if !is_json || !body.starts_with(br#"{"data":{"connection":{"#) {
        let message = "expected a JSON body {\"data\":{\"connection\":{...}}}";
        return (StatusCode::BAD_REQUEST, message).into_response();
    }
    json_response(&bodies.connection)
}

async fn list_connections(
    State(bodies): State<Arc<Bodies>>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    if let Err(message) = check_headers(&headers) {
        return (StatusCode::BAD_REQUEST, message).into_response();
    }
    match bodies.pages.get(query.page_cursor.unwrap_or(0)) {
        Some(page) => json_response(page),
        None => (StatusCode::NOT_FOUND, "no such page").into_response(),
    }
}
