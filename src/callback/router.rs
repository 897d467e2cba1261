//! An axum router that responds to Productboard's callbacks within its deadline.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use uuid::Uuid;

use super::{ActionNotification, PROBE_CONTENT_TYPE, RESPONSE_CONTENT_TYPE, response_body, validation_token};
use crate::{CallbackSecret, Client, ConnectionState};

/// Time a handler gets to respond directly when [`ReceiverConfig::deadline`]
/// is not set: safely below Productboard's 5-second window.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(4);

/// Largest notification body accepted when [`ReceiverConfig::body_limit`] is
/// not set. Real notifications are well under 2 KiB.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// The error a handler returns; its message becomes the button's error state.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Settings of [`router`].
#[derive(Clone)]
pub struct ReceiverConfig {
    client: Client,
    secret: Option<CallbackSecret>,
    path: String,
    deadline: Duration,
    body_limit: usize,
}

impl ReceiverConfig {
    /// Creates settings that set late final states through `client`.
    pub fn new(client: Client) -> Self {
        ReceiverConfig {
            client,
            secret: None,
            path: "/".to_string(),
            deadline: DEFAULT_DEADLINE,
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }

    /// Requires this exact `Authorization` header on every callback: the
    /// integration's configured `action.headers.authorization` value.
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(CallbackSecret::new(secret));
        self
    }

    /// Sets the path that serves the probe (GET) and the notifications (POST).
    /// The default is `/`.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Sets how long a handler may run before the router responds `progress`
    /// and lets it finish in the background. The default is
    /// [`DEFAULT_DEADLINE`].
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets the largest accepted notification body, in bytes; larger bodies
    /// get 413. The default is [`DEFAULT_BODY_LIMIT`].
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }
}

impl fmt::Debug for ReceiverConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiverConfig")
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("path", &self.path)
            .field("deadline", &self.deadline)
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

type BoxedHandler = Arc<
    dyn Fn(ActionNotification) -> futures::future::BoxFuture<'static, Result<ConnectionState, HandlerError>>
        + Send
        + Sync,
>;

struct Shared {
    config: ReceiverConfig,
    handler: BoxedHandler,
    /// Features whose handler is still running, by (integration, feature).
    running: Mutex<HashSet<(Uuid, Uuid)>>,
}

/// Builds a router that serves Productboard's probe and action
/// notifications on [`ReceiverConfig::path`].
///
/// For each notification the router checks the `Authorization` header in
/// constant time (401 on a mismatch), limits the body size (413), decodes
/// the notification (400 when it is invalid) and calls `handler`, which
/// returns the state to show on the button, or an error.
///
/// # The deadline guard
///
/// Productboard waits 5 seconds for the answer. A handler that finishes
/// within [`ReceiverConfig::deadline`] (4 s by default) is answered
/// directly. Otherwise the router responds `progress` at once, lets the
/// handler run on, and sets its final state through
/// [`Client::set_connection`], with the client's retries. A handler error
/// becomes an `error` state with its message cut to 255 characters, as does
/// an invalid state or a panic. When the final state cannot be set, the
/// failure is logged with the integration and feature ids.
///
/// A notification for a feature whose handler is still running gets
/// `progress` and starts no second run.
///
/// # Examples
///
/// ```no_run
/// use productboard_plugin_integrations::callback::{ReceiverConfig, Trigger, router};
/// use productboard_plugin_integrations::{Client, ConnectionState};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::new(std::env::var("PRODUCTBOARD_TOKEN")?)?;
/// let config = ReceiverConfig::new(client).secret("Bearer s3cret").path("/productboard");
/// let app = router(config, |notification| async move {
///     match notification.trigger {
///         Trigger::Push => Ok(ConnectionState::Progress),
///         _ => Ok(ConnectionState::Initial),
///     }
/// });
///
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// axum::serve(listener, app).await?;
/// # Ok(())
/// # }
/// ```
pub fn router<H, F>(config: ReceiverConfig, handler: H) -> Router
where
    H: Fn(ActionNotification) -> F + Send + Sync + 'static,
    F: Future<Output = Result<ConnectionState, HandlerError>> + Send + 'static,
{
    let path = config.path.clone();
    let body_limit = config.body_limit;
    let handler: BoxedHandler = Arc::new(move |notification| Box::pin(handler(notification)));
    let shared = Arc::new(Shared {
        config,
        handler,
        running: Mutex::new(HashSet::new()),
    });

    Router::new()
        .route(&path, get(probe).post(notify))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(shared)
}

fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    match &shared.config.secret {
        Some(secret) => {
            let value = headers.get(header::AUTHORIZATION).map(|value| value.as_bytes());
            super::verify_authorization(value, secret)
        }
        None => true,
    }
}

fn unauthorized(kind: &str) -> Response {
    // The received header is never logged: it may be a near-miss of the secret.
    tracing::warn!(
        callback = kind,
        "rejected a callback with a missing or wrong Authorization header"
    );
    StatusCode::UNAUTHORIZED.into_response()
}

async fn probe(State(shared): State<Arc<Shared>>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    if !authorized(&shared, &headers) {
        return unauthorized("probe");
    }
    match query.as_deref().and_then(validation_token) {
        Some(token) => ([(header::CONTENT_TYPE, PROBE_CONTENT_TYPE)], token).into_response(),
        None => {
            tracing::warn!("probe without a validationToken");
            (StatusCode::BAD_REQUEST, "missing validationToken query parameter").into_response()
        }
    }
}

async fn notify(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorized(&shared, &headers) {
        return unauthorized("action notification");
    }
    let notification = match ActionNotification::from_json(&body) {
        Ok(notification) => notification,
        Err(error) => {
            tracing::warn!(%error, "rejected an action notification that does not decode");
            return (StatusCode::BAD_REQUEST, error.to_string()).into_response();
        }
    };

    let key = (notification.integration_id, notification.feature.id);
    let started = shared.running.lock().expect("running set lock").insert(key);
    // NOTE: the later notification is dropped, whatever its trigger: an
    // unlink clicked while a push is still running has no effect, and the
    // user clicks again once the push has finished.
    if !started {
        tracing::info!(
            integration = %key.0,
            feature = %key.1,
            trigger = %notification.trigger,
            "a handler is already running for this feature; responded progress"
        );
        return answer(&ConnectionState::Progress);
    }

    let mut work = tokio::spawn((shared.handler)(notification));
    match tokio::time::timeout(shared.config.deadline, &mut work).await {
        Ok(joined) => {
            shared.running.lock().expect("running set lock").remove(&key);
            answer(&final_state(joined, key))
        }
        Err(_) => {
            tracing::debug!(integration = %key.0, feature = %key.1, "handler passed the deadline; responded progress");
            tokio::spawn(finish_in_background(shared.clone(), key, work));
            answer(&ConnectionState::Progress)
        }
    }
}

/// Waits for a late handler and sets its final state through the API.
async fn finish_in_background(
    shared: Arc<Shared>,
    key: (Uuid, Uuid),
    work: tokio::task::JoinHandle<Result<ConnectionState, HandlerError>>,
) {
    let state = final_state(work.await, key);
    let result = shared.config.client.set_connection(key.0, key.1, &state).await;
    shared.running.lock().expect("running set lock").remove(&key);
    match result {
        Ok(_) => {
            tracing::debug!(integration = %key.0, feature = %key.1, state = state.name(), "set the final state")
        }
        Err(error) => tracing::error!(
            integration = %key.0,
            feature = %key.1,
            state = state.name(),
            %error,
            "could not set the final state of a late handler"
        ),
    }
}

/// The state to show for a finished handler: its state when valid, else an
/// error state that describes what went wrong.
fn final_state(
    joined: Result<Result<ConnectionState, HandlerError>, tokio::task::JoinError>,
    key: (Uuid, Uuid),
) -> ConnectionState {
    let message = match joined {
        Ok(Ok(state)) => match state.validate() {
            Ok(()) => return state,
            Err(error) => format!("The integration returned an invalid state: {error}"),
        },
        Ok(Err(error)) => error.to_string(),
        Err(join_error) if join_error.is_panic() => "The integration failed unexpectedly.".to_string(),
        Err(_) => "The integration stopped before it finished.".to_string(),
    };
    tracing::warn!(integration = %key.0, feature = %key.1, message, "handler failed");
    ConnectionState::error_truncated(&message)
}

fn answer(state: &ConnectionState) -> Response {
    match response_body(state) {
        Ok(body) => ([(header::CONTENT_TYPE, RESPONSE_CONTENT_TYPE)], body).into_response(),
        Err(error) => {
            // `final_state` validates every state first, so this is not expected.
            tracing::error!(%error, "could not encode the response");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
