//! A stateful fake of Productboard's v1 plugin-integration REST API, for tests and CI.
//!
//! [`FakeProductboard`] serves the ten plugin-integration operations on a loopback port and
//! keeps integrations and connections in memory. It implements the server side of the
//! contract on its own, so clients in any language can be tested against it. It checks the
//! bearer token and the `X-Version: 1` header and validates every field and limit. It pages
//! lists with opaque cursors, probes action URLs and sends action notifications for
//! simulated clicks on push buttons.
//!
//! ```no_run
//! use productboard_plugin_integrations_fake::FakeProductboard;
//!
//! # async fn example() -> std::io::Result<()> {
//! let fake = FakeProductboard::start().await?;
//! let response = reqwest::Client::new()
//!     .get(format!("{}/plugin-integrations", fake.base_url()))
//!     .bearer_auth(fake.token())
//!     .header("X-Version", "1")
//!     .send()
//!     .await
//!     .expect("the fake responds");
//! assert_eq!(response.status(), 200);
//! fake.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Operations
//!
//! Paths are relative to [`FakeProductboard::base_url`]. `{id}` is an integration id and
//! `{featureId}` a feature id, both UUIDs.
//!
//! | Method | Path | Success |
//! | --- | --- | --- |
//! | POST | `/plugin-integrations` | 201 with the created integration |
//! | GET | `/plugin-integrations` | 200 with one page of integrations |
//! | GET | `/plugin-integrations/{id}` | 200 |
//! | PATCH | `/plugin-integrations/{id}` | 200; absent fields keep their value |
//! | PUT | `/plugin-integrations/{id}` | 200; deprecated and identical to PATCH |
//! | DELETE | `/plugin-integrations/{id}` | 204; its connections are deleted too |
//! | GET | `/plugin-integrations/{id}/connections` | 200 with one page of connections |
//! | GET | `/plugin-integrations/{id}/connections/{featureId}` | 200, or 404 without a connection |
//! | PUT | `/plugin-integrations/{id}/connections/{featureId}` | 200; `initial` deletes the connection |
//! | DELETE | `/plugin-integrations/{id}/connections/{featureId}` | 204, or 404 without a connection |
//!
//! # Behavior
//!
//! - **Authentication.** Every API request needs `Authorization: Bearer <token>` (401
//!   `authentication.failed` otherwise) and `X-Version: 1` (400 `version.invalid` otherwise).
//!   The token is compared in constant time.
//! - **Errors.** Every error has the body
//!   `{"errors":[{"code","title","detail","source":{"pointer"|"parameter"}}]}` with the
//!   content type `application/json`. A validation error lists every invalid field, with
//!   `source.pointer` naming it (for example `/data/connection/label`) and a `detail` that
//!   states the problem and the limit. Codes: `pluginIntegration.notFound`,
//!   `pluginIntegration.connection.notFound`, `callback.invalidUrl`, `callback.probeFailed`,
//!   `validation.required`, `validation.invalid`, `validation.readOnly`,
//!   `parameter.invalid` (a path id that is not a UUID, or an unknown `pageCursor`),
//!   `request.invalidJson`, `request.unsupportedMediaType` (415, a body whose content type is
//!   not JSON), `request.tooLarge` (413, above 1 MiB), `route.notFound` and
//!   `method.notAllowed`.
//! - **Lengths** count Unicode characters, not bytes. Fields the schema does not define are
//!   ignored. `null` is accepted only where the schema allows it (`action.headers` and
//!   `action.headers.authorization`).
//! - **Updates.** An `action` in an update replaces the whole stored action. The `type` of an
//!   integration cannot change: an update may repeat the stored value and is rejected with
//!   `validation.invalid` otherwise.
//! - **Read-only `debugDetail`.** A connection state with `debugDetail` is rejected with
//!   `validation.readOnly`; only the fake sets it, when an action notification fails.
//! - **Target URLs** of connected states must be absolute `http` or `https` URLs.
//! - **Action URLs** must be absolute `https` URLs of at most 1024 characters. As a relaxation
//!   of the fake, plain `http` is accepted when the host is loopback (`127.0.0.0/8`, `::1` or
//!   `localhost`), so tests can run receivers without TLS. The fake has no TLS client, and it
//!   sends requests only to `http` loopback URLs: the probe of an enabled integration with an
//!   `https` action URL fails. Create such integrations disabled.
//! - **Probe.** Creating an enabled integration, enabling one, or sending an `action` in an
//!   update whose result is enabled sends `GET <action url>?validationToken=<token>` with
//!   `Accept: text/plain` and the configured authorization value as the `Authorization`
//!   header. The receiver must respond with 200, content type `text/plain` and exactly the token
//!   as the body, within the callback timeout (5 s unless set with
//!   [`FakeBuilder::callback_timeout`]). Redirects are not followed. Otherwise the request
//!   fails with 400 `callback.probeFailed` and nothing is stored or changed.
//! - **Responses** never contain the action or its authorization value.
//! - **Lists** are in creation order and never contain `initial` connections. A connection
//!   that is removed and set again moves to the end. `links.next` is an absolute URL on the
//!   fake's base URL with an opaque, percent-encoded `pageCursor` query parameter (it contains
//!   `%3A` and `%3D`); clients must use it verbatim. The last page has `"next": null`. An
//!   unknown or re-encoded cursor is rejected with 400 `parameter.invalid`.
//!
//! # Simulated clicks
//!
//! [`FakeProductboard::click`] sends an action notification as Productboard does when a user
//! clicks a button: `POST <action url>` with a JSON body
//! `{"data":{"integrationId","trigger","feature":{"id","links":{"self","html"}},
//! "triggeredByUser":{"name","email"},"links":{"connection"}}}`, the configured
//! `Authorization` header and the callback timeout. The receiver must respond with 200 and
//! `{"data":{"connection":<state>}}`. The state is validated like a PUT of the connection and
//! applied the same way. A timeout, another status, or a body that is not valid JSON or
//! contains an invalid state instead stores
//! `{"state":"error","message":<short text for the user>,"debugDetail":<technical reason>}`.
//!
//! # Fault injection
//!
//! [`FakeProductboard::inject`] makes the next API requests fail with a [`Fault`]. Such a
//! request is recorded but not processed, and the token is not checked.
//!
//! # Control API
//!
//! Paths under `/_fake/` control the fake over HTTP, for clients in other languages and for
//! the `productboard-fake` binary. They need no bearer token or `X-Version`, are not recorded,
//! and are not affected by faults.
//!
//! | Method | Path | Body | Response |
//! | --- | --- | --- | --- |
//! | POST | `/_fake/click` | `{"integrationId","featureId","trigger":"button.push"}` | 200 `{"connection":<state>}`; 404 missing integration; 409 disabled integration; 400 invalid body |
//! | POST | `/_fake/faults` | `{"kind":"rateLimited"\|"status"\|"hang","count":1,"status":503,"retryAfter":"2"}` | 204; 400 invalid body |
//! | GET | `/_fake/requests` | | 200, a JSON array of [`RecordedRequest`] |
//! | DELETE | `/_fake/requests` | | 204; clears the request log |
//!
//! In `/_fake/faults`, `count` defaults to 1, `status` (400 to 599) is required for the kind
//! `status`, and `retryAfter` is optional for the kind `rateLimited`.

mod api;
mod callback;
mod control;
mod error;
mod faults;
mod model;
mod store;
mod validate;

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

pub use faults::Fault;

use store::Store;

/// Default number of items on one page of a list.
pub const DEFAULT_PAGE_SIZE: usize = 100;

/// Default time that a probe or an action notification may take.
pub const DEFAULT_CALLBACK_TIMEOUT: Duration = Duration::from_secs(5);

/// Time that [`FakeProductboard::shutdown`] waits for open requests before it aborts them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// State shared by the server tasks and the [`FakeProductboard`] handle.
pub(crate) struct Shared {
    pub(crate) store: Mutex<Store>,
    pub(crate) faults: Mutex<VecDeque<(Fault, usize)>>,
    pub(crate) requests: Mutex<Vec<RecordedRequest>>,
    /// Base URL without a trailing slash, used in every link.
    pub(crate) base_url: String,
    pub(crate) token: String,
    pub(crate) page_size: usize,
    pub(crate) callback_timeout: Duration,
    /// Client for probes and action notifications: no proxy, no redirects.
    pub(crate) http: reqwest::Client,
    /// Becomes true when the server shuts down, which releases hanging requests.
    pub(crate) stopping: watch::Receiver<bool>,
}

/// Locks a mutex, ignoring poisoning: every critical section leaves the data consistent.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A running fake Productboard server.
///
/// Dropping it shuts the server down in the background; [`FakeProductboard::shutdown`] also
/// waits until it has stopped.
pub struct FakeProductboard {
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<io::Result<()>>>,
}

/// Settings of a [`FakeProductboard`] to start.
#[derive(Debug, Clone)]
pub struct FakeBuilder {
    addr: SocketAddr,
    token: Option<String>,
    page_size: usize,
    callback_timeout: Duration,
}

impl Default for FakeBuilder {
    fn default() -> FakeBuilder {
        FakeBuilder {
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            token: None,
            page_size: DEFAULT_PAGE_SIZE,
            callback_timeout: DEFAULT_CALLBACK_TIMEOUT,
        }
    }
}

impl FakeBuilder {
    /// Sets the address to listen on; the default is `127.0.0.1:0`, a free loopback port.
    pub fn addr(mut self, addr: SocketAddr) -> FakeBuilder {
        self.addr = addr;
        self
    }

    /// Sets the bearer token that API requests must send; the default is a random token.
    pub fn token(mut self, token: impl Into<String>) -> FakeBuilder {
        self.token = Some(token.into());
        self
    }

    /// Sets the number of items on one page of a list; the default is 100, and 0 counts as 1.
    pub fn page_size(mut self, page_size: usize) -> FakeBuilder {
        self.page_size = page_size.max(1);
        self
    }

    /// Sets how long a probe or an action notification may take, including reading the
    /// response; the default is 5 seconds.
    pub fn callback_timeout(mut self, timeout: Duration) -> FakeBuilder {
        self.callback_timeout = timeout;
        self
    }

    /// Binds the address and starts serving in a task of the current Tokio runtime.
    ///
    /// # Errors
    ///
    /// Returns the error of binding the address or of building the HTTP client.
    pub async fn start(self) -> io::Result<FakeProductboard> {
        let listener = TcpListener::bind(self.addr).await?;
        let local = listener.local_addr()?;
        let base_url = format!("http://{}", reachable_addr(local));

        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(io::Error::other)?;

        let (stop, stopping) = watch::channel(false);
        let shared = Arc::new(Shared {
            store: Mutex::new(Store::default()),
            faults: Mutex::new(VecDeque::new()),
            requests: Mutex::new(Vec::new()),
            base_url,
            token: self
                .token
                .unwrap_or_else(|| format!("pbfake-{}", Uuid::new_v4().simple())),
            page_size: self.page_size,
            callback_timeout: self.callback_timeout,
            http,
            stopping: stopping.clone(),
        });

        let app = control::router(shared.clone()).merge(api::router(shared.clone()));
        let mut stopped = stopping;
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|stopping| *stopping).await;
                })
                .await
        });
        tracing::debug!(base_url = %shared.base_url, "fake Productboard started");

        Ok(FakeProductboard {
            shared,
            stop,
            server: Some(server),
        })
    }
}

/// Returns an address that clients can connect to: a wildcard address becomes loopback.
fn reachable_addr(local: SocketAddr) -> SocketAddr {
    match local.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), local.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), local.port())
        }
        _ => local,
    }
}

impl FakeProductboard {
    /// Starts a fake on a free port of `127.0.0.1` with a random token and pages of 100.
    ///
    /// # Errors
    ///
    /// Returns the error of binding the port.
    pub async fn start() -> io::Result<FakeProductboard> {
        FakeProductboard::builder().start().await
    }

    /// Returns a builder with the default settings.
    pub fn builder() -> FakeBuilder {
        FakeBuilder::default()
    }

    /// Returns the base URL, such as `http://127.0.0.1:41234`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// Returns the bearer token that API requests must send.
    pub fn token(&self) -> String {
        self.shared.token.clone()
    }

    /// Simulates a click on a button of a feature and returns the feature's connection state
    /// afterwards, such as `{"state":"progress"}`, or `{"state":"initial"}` when it has no
    /// connection.
    ///
    /// Sends an action notification to the integration's action URL and applies the state in
    /// the response. A failed notification (timeout, error status, invalid response) is not an
    /// error of this call: it stores an `error` state with `debugDetail`.
    ///
    /// # Errors
    ///
    /// Returns a [`ClickError`] when the integration does not exist, was deleted during the
    /// call, or is disabled.
    pub async fn click(
        &self,
        integration: Uuid,
        feature: Uuid,
        trigger: Trigger,
    ) -> Result<serde_json::Value, ClickError> {
        callback::click(&self.shared, integration, feature, trigger).await
    }

    /// Returns the stored connection state of a feature, or `None` when the feature has no
    /// connection or the integration does not exist.
    pub fn connection_state(&self, integration: Uuid, feature: Uuid) -> Option<serde_json::Value> {
        let store = lock(&self.shared.store);
        match store.connection(integration, feature) {
            Ok(Some(state)) => Some(state.to_json()),
            _ => None,
        }
    }

    /// Makes the next `count` API requests fail with `fault`. Faults injected earlier are
    /// used up first, and a count of 0 does nothing.
    ///
    /// # Panics
    ///
    /// Panics when a [`Fault::Status`] code is outside 400..=599 or a `retry_after` value
    /// is not a valid header value.
    pub fn inject(&self, fault: Fault, count: usize) {
        if let Err(message) = fault.check() {
            panic!("{message}");
        }
        faults::push(&self.shared, fault, count);
    }

    /// Returns the API requests received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Clears the request log.
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// Stops accepting connections, releases hanging requests and waits up to 5 seconds for
    /// open requests to finish before aborting the server task.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        let Some(mut server) = self.server.take() else {
            return;
        };

        match tokio::time::timeout(SHUTDOWN_GRACE, &mut server).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(error))) => tracing::warn!(%error, "fake Productboard server failed"),
            Ok(Err(error)) => tracing::warn!(%error, "fake Productboard server task failed"),
            Err(_) => {
                tracing::warn!("open requests did not finish in time; aborting the server");
                server.abort();
            }
        }
    }
}

impl Drop for FakeProductboard {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

impl fmt::Debug for FakeProductboard {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("FakeProductboard")
            .field("base_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

/// Button that a simulated click presses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// The push button of a feature (`button.push`).
    Push,
    /// The unlink button in the feature's sidebar (`button.unlink`).
    Unlink,
    /// The dismiss button of an error state (`button.dismiss`).
    Dismiss,
}

impl Trigger {
    /// Returns the wire name, such as `button.push`.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Push => "button.push",
            Trigger::Unlink => "button.unlink",
            Trigger::Dismiss => "button.dismiss",
        }
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Error of parsing a [`Trigger`] from a name other than the three wire names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseTriggerError(String);

impl fmt::Display for ParseTriggerError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "unknown trigger {:?}; expected button.push, button.unlink or button.dismiss",
            self.0
        )
    }
}

impl std::error::Error for ParseTriggerError {}

impl FromStr for Trigger {
    type Err = ParseTriggerError;

    fn from_str(name: &str) -> Result<Trigger, ParseTriggerError> {
        match name {
            "button.push" => Ok(Trigger::Push),
            "button.unlink" => Ok(Trigger::Unlink),
            "button.dismiss" => Ok(Trigger::Dismiss),
            other => Err(ParseTriggerError(other.to_owned())),
        }
    }
}

/// Reason why a simulated click could not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClickErrorKind {
    /// The integration does not exist or was deleted during the click.
    IntegrationNotFound,
    /// The integration is disabled, so its buttons are not shown.
    IntegrationDisabled,
}

/// Error of [`FakeProductboard::click`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickError {
    kind: ClickErrorKind,
    integration: Uuid,
}

impl ClickError {
    pub(crate) fn new(kind: ClickErrorKind, integration: Uuid) -> ClickError {
        ClickError { kind, integration }
    }

    /// Returns the reason.
    pub fn kind(&self) -> ClickErrorKind {
        self.kind
    }

    /// Returns the id of the integration that was clicked.
    pub fn integration(&self) -> Uuid {
        self.integration
    }
}

impl fmt::Display for ClickError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ClickErrorKind::IntegrationNotFound => write!(
                formatter,
                "cannot click: plugin integration {} does not exist",
                self.integration
            ),
            ClickErrorKind::IntegrationDisabled => write!(
                formatter,
                "cannot click: plugin integration {} is disabled; enable it first",
                self.integration
            ),
        }
    }
}

impl std::error::Error for ClickError {}

/// An API request as the fake received it.
///
/// The `Authorization` header is left out of `headers`, so the log never contains the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// HTTP method, such as `GET`.
    pub method: String,
    /// Path with the query string as sent, such as `/plugin-integrations?pageCursor=...`.
    pub path: String,
    /// Headers by lowercase name, except `authorization`. Repeated headers are joined with
    /// `, `; values that are not UTF-8 are converted lossily.
    pub headers: BTreeMap<String, String>,
    /// Body as text, converted lossily when it is not UTF-8.
    pub body: String,
}

impl RecordedRequest {
    /// Returns a header value by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
}
