//! A callback receiver on loopback whose responses a test controls.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use productboard_plugin_integrations::callback::{self, ActionNotification};
use productboard_plugin_integrations::{CallbackSecret, ConnectionState};

/// The secret the receiver expects in `Authorization`.
pub const SECRET: &str = "Bearer receiver-secret";

/// Response the receiver sends to action notifications.
#[derive(Clone)]
pub struct Answer {
    pub state: ConnectionState,
    pub delay: Duration,
}

struct Shared {
    answer: Answer,
    notifications: Vec<ActionNotification>,
    probes: usize,
}

/// The receiver; it stops when dropped.
pub struct Receiver {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start(answer: Answer) -> Receiver {
        let shared = Arc::new(Mutex::new(Shared {
            answer,
            notifications: Vec::new(),
            probes: 0,
        }));
        let app = Router::new()
            .route("/hook", get(probe).post(notify))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { url, shared, task }
    }

    pub fn set_answer(&self, answer: Answer) {
        self.shared.lock().unwrap().answer = answer;
    }

    pub fn notifications(&self) -> Vec<ActionNotification> {
        self.shared.lock().unwrap().notifications.clone()
    }

    pub fn probes(&self) -> usize {
        self.shared.lock().unwrap().probes
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn authorized(headers: &HeaderMap) -> bool {
    let value = headers.get(header::AUTHORIZATION).map(|value| value.as_bytes());
    callback::verify_authorization(value, &CallbackSecret::new(SECRET))
}

async fn probe(
    State(shared): State<Arc<Mutex<Shared>>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if !authorized(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    shared.lock().unwrap().probes += 1;
    match query.as_deref().and_then(callback::validation_token) {
        Some(token) => ([(header::CONTENT_TYPE, callback::PROBE_CONTENT_TYPE)], token).into_response(),
        None => StatusCode::BAD_REQUEST.into_response(),
    }
}

async fn notify(State(shared): State<Arc<Mutex<Shared>>>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorized(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let notification = match ActionNotification::from_json(&body) {
        Ok(notification) => notification,
        Err(error) => return (StatusCode::BAD_REQUEST, error.to_string()).into_response(),
    };
    let answer = {
        let mut shared = shared.lock().unwrap();
        shared.notifications.push(notification);
        shared.answer.clone()
    };
    tokio::time::sleep(answer.delay).await;
    let body = callback::response_body(&answer.state).unwrap();
    ([(header::CONTENT_TYPE, callback::RESPONSE_CONTENT_TYPE)], body).into_response()
}
