//! Helpers shared by the integration tests: a raw API client and an action URL receiver,
//! both on loopback only.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use productboard_plugin_integrations_fake::FakeProductboard;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// Client timeout of every test request, so no test waits forever.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);

/// Raw HTTP access to a fake with the right token and `X-Version`.
pub struct Api {
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Api {
    pub fn new(fake: &FakeProductboard) -> Api {
        Api {
            base: fake.base_url(),
            token: fake.token(),
            http: reqwest::Client::builder()
                .no_proxy()
                .timeout(CLIENT_TIMEOUT)
                .build()
                .unwrap(),
        }
    }

    /// Builds an authenticated request to a path or an absolute URL.
    pub fn request(&self, method: reqwest::Method, path_or_url: &str) -> reqwest::RequestBuilder {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            format!("{}{path_or_url}", self.base)
        };
        self.http
            .request(method, url)
            .bearer_auth(&self.token)
            .header("X-Version", "1")
    }

    /// Sends a request and returns the status and the JSON body (null when empty).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        read(response).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    /// Creates a disabled integration, which needs no probe, and returns its id.
    pub async fn create_disabled(&self, name: &str) -> String {
        let (status, body) = self
            .post("/plugin-integrations", disabled_integration(name))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["data"]["id"].as_str().unwrap().to_owned()
    }
}

/// Returns the status and the JSON body of a response (null when the body is empty).
pub async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("body is not JSON: {text}"))
    };
    (status, body)
}

/// Returns a create body for a disabled integration with an https action URL.
pub fn disabled_integration(name: &str) -> Value {
    json!({"data": {
        "integrationStatus": "disabled",
        "type": "com.example.tickets",
        "name": name,
        "initialState": {"label": "Push"},
        "action": {"url": "https://tickets.example.com/hook", "version": 1, "headers": null},
    }})
}

/// Returns a create body for an enabled integration whose action URL is `url`.
pub fn enabled_integration(url: &str, authorization: Option<&str>) -> Value {
    json!({"data": {
        "type": "com.example.tickets",
        "name": "Tickets",
        "initialState": {"label": "Push"},
        "action": {"url": url, "version": 1, "headers": {"authorization": authorization}},
    }})
}

/// Returns a valid connected state.
pub fn connected_state(label: &str) -> Value {
    json!({
        "state": "connected", "label": label, "hoverLabel": "TIC-1",
        "tooltip": "Open TIC-1", "color": "green",
        "targetUrl": "https://tickets.example.com/TIC-1",
    })
}

/// Returns the first error code of an error body.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["code"].as_str().unwrap_or("<no code>")
}

/// Returns the first error's `source.pointer`.
pub fn error_pointer(body: &Value) -> &str {
    body["errors"][0]["source"]["pointer"]
        .as_str()
        .unwrap_or("<no pointer>")
}

/// Response of the receiver to the probe (GET).
#[derive(Clone, Debug)]
pub enum ProbeAnswer {
    /// 200, text/plain, the token.
    Echo,
    /// 200, text/plain, another text.
    WrongToken,
    /// The status with the token as body.
    Status(u16),
    /// 200 with the token, but as application/json.
    WrongContentType,
    /// Echo after a delay.
    Slow(Duration),
}

/// Response of the receiver to action notifications (POST).
#[derive(Clone, Debug)]
pub enum ClickAnswer {
    /// 200 with this JSON body.
    Json(Value),
    /// This status with an empty JSON body.
    Status(u16),
    /// 200 with a body that is not JSON.
    NotJson,
    /// The JSON body after a delay.
    Slow(Duration, Value),
}

/// A request that the receiver got.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub query: HashMap<String, String>,
    pub headers: HeaderMap,
    pub body: String,
}

#[derive(Clone)]
struct ReceiverState {
    probe: Arc<Mutex<ProbeAnswer>>,
    click: Arc<Mutex<ClickAnswer>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// An action URL receiver on `127.0.0.1:0`.
pub struct Receiver {
    pub url: String,
    probe: Arc<Mutex<ProbeAnswer>>,
    click: Arc<Mutex<ClickAnswer>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start(probe: ProbeAnswer, click: ClickAnswer) -> Receiver {
        let state = ReceiverState {
            probe: Arc::new(Mutex::new(probe)),
            click: Arc::new(Mutex::new(click)),
            seen: Arc::new(Mutex::new(Vec::new())),
        };
        let app = Router::new()
            .route("/hook", get(answer_probe).post(answer_click))
            .with_state(state.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver {
            url,
            probe: state.probe,
            click: state.click,
            seen: state.seen,
            task,
        }
    }

    pub fn set_probe(&self, answer: ProbeAnswer) {
        *self.probe.lock().unwrap() = answer;
    }

    pub fn set_click(&self, answer: ClickAnswer) {
        *self.click.lock().unwrap() = answer;
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer_probe(
    State(state): State<ReceiverState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    state.seen.lock().unwrap().push(Seen {
        method: "GET".into(),
        query: query.clone(),
        headers,
        body: String::new(),
    });
    let token = query.get("validationToken").cloned().unwrap_or_default();
    let answer = state.probe.lock().unwrap().clone();

    let text = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
    match answer {
        ProbeAnswer::Echo => (text, token).into_response(),
        ProbeAnswer::WrongToken => (text, "not-the-token").into_response(),
        ProbeAnswer::Status(code) => (StatusCode::from_u16(code).unwrap(), text, token).into_response(),
        ProbeAnswer::WrongContentType => {
            ([(header::CONTENT_TYPE, "application/json")], token).into_response()
        }
        ProbeAnswer::Slow(delay) => {
            tokio::time::sleep(delay).await;
            (text, token).into_response()
        }
    }
}

async fn answer_click(State(state): State<ReceiverState>, headers: HeaderMap, body: Bytes) -> Response {
    state.seen.lock().unwrap().push(Seen {
        method: "POST".into(),
        query: HashMap::new(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let answer = state.click.lock().unwrap().clone();

    match answer {
        ClickAnswer::Json(value) => axum::Json(value).into_response(),
        ClickAnswer::Status(code) => {
            (StatusCode::from_u16(code).unwrap(), axum::Json(json!({}))).into_response()
        }
        ClickAnswer::NotJson => "this is not JSON".into_response(),
        ClickAnswer::Slow(delay, value) => {
            tokio::time::sleep(delay).await;
            axum::Json(value).into_response()
        }
    }
}
