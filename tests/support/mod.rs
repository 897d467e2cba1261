//! A scripted HTTP server on loopback that records every request.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use productboard_plugin_integrations::Client;

pub mod receiver;

/// Token the test clients send.
pub const TOKEN: &str = "test-token-7f3a";

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: Method,
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

/// A response the server sends for the next request.
#[derive(Clone, Debug)]
pub struct Scripted {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Scripted {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Scripted {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    pub fn empty(status: u16) -> Self {
        Scripted {
            status,
            headers: Vec::new(),
            body: String::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn raw(status: u16, content_type: &str, body: &str) -> Self {
        Scripted {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

#[derive(Default)]
struct Shared {
    script: VecDeque<Scripted>,
    recorded: Vec<Recorded>,
}

/// The server; it stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Starts a server on 127.0.0.1 that responds with `script`, in order.
    /// A request beyond the script gets a 599 whose body names it, so a test
    /// that sends more than it expected fails with a message that shows it.
    pub async fn start(script: Vec<Scripted>) -> Server {
        let shared = Arc::new(Mutex::new(Shared {
            script: script.into(),
            recorded: Vec::new(),
        }));
        let app = Router::new().fallback(respond).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Server { addr, shared, task }
    }

    /// Replaces the script, for responses that need the server's own address.
    pub fn with_script(self, script: Vec<Scripted>) -> Server {
        self.shared.lock().unwrap().script = script.into();
        self
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client for this server with retries off, so each call sends one request.
    pub fn client(&self) -> Client {
        self.builder().max_retries(0).build().unwrap()
    }

    /// A builder for this server with the test token and a 5-second timeout.
    pub fn builder(&self) -> productboard_plugin_integrations::ClientBuilder {
        Client::builder()
            .token(TOKEN)
            .base_url(self.base_url())
            .timeout(Duration::from_secs(5))
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().unwrap().recorded.clone()
    }

    pub fn only_request(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(
            requests.len(),
            1,
            "expected exactly one request, got {requests:#?}"
        );
        requests.into_iter().next().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn respond(State(shared): State<Arc<Mutex<Shared>>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    let recorded = Recorded {
        method: parts.method.clone(),
        path_and_query: parts
            .uri
            .path_and_query()
            .map(|path| path.to_string())
            .unwrap_or_default(),
        headers: parts.headers.clone(),
        body,
    };

    let next = {
        let mut shared = shared.lock().unwrap();
        shared.recorded.push(recorded.clone());
        shared.script.pop_front()
    };
    let Some(scripted) = next else {
        return Response::builder()
            .status(599)
            .body(Body::from(format!(
                "unscripted request {} {}: the test expected no more requests",
                recorded.method, recorded.path_and_query
            )))
            .unwrap();
    };

    if !scripted.delay.is_zero() {
        tokio::time::sleep(scripted.delay).await;
    }
    let mut response = Response::builder().status(StatusCode::from_u16(scripted.status).unwrap());
    for (name, value) in &scripted.headers {
        response = response.header(name, value);
    }
    response.body(Body::from(scripted.body)).unwrap()
}

/// A feature or integration id that is fixed, so failures are readable.
pub fn id(n: u8) -> uuid::Uuid {
    uuid::Uuid::from_bytes([n; 16])
}

/// The wire form of an integration as the API returns it.
pub fn integration_json(id: uuid::Uuid) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "createdAt": "2026-12-04T10:00:00Z",
        "integrationStatus": "enabled",
        "type": "com.example.tickets",
        "name": "Tickets",
        "initialState": { "label": "Push" },
        "links": { "self": format!("https://api.productboard.com/plugin-integrations/{id}") }
    })
}

/// The wire form of a connection as the API returns it.
pub fn connection_json(
    integration: uuid::Uuid,
    feature: uuid::Uuid,
    state: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "featureId": feature,
        "connection": state,
        "links": { "self": format!("https://api.productboard.com/plugin-integrations/{integration}/connections/{feature}") }
    })
}
