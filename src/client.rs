//! [`Client`], the entry point for the plugin-integration API.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use futures::{Stream, TryStreamExt};
use progenitor_client::ResponseValue;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::{CONNECTION_NOT_FOUND, Error, Result};
use crate::generated::{self, types};
use crate::pagination::{self, Page};
use crate::rate_limit::RateLimiter;
use crate::retry::RetryPolicy;
use crate::transport::{self, Transport};
use crate::{Connection, ConnectionState, Integration, IntegrationUpdate, NewIntegration};

/// Base URL of the Productboard API.
pub const DEFAULT_BASE_URL: &str = "https://api.productboard.com";

/// Total time allowed for one request, from sending to the end of the
/// response body, when [`ClientBuilder::timeout`] is not set. The async
/// `reqwest::Client` has no timeout of its own.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A client for Productboard's plugin-integration API.
///
/// Every request carries `X-Version: 1`, the bearer token and
/// `Accept: application/json`. Cloning is cheap and clones share the
/// connection pool; `Client` is `Send + Sync`.
///
/// # Examples
///
/// ```no_run
/// use productboard_plugin_integrations::{Client, ConnectionState};
/// use uuid::Uuid;
///
/// # async fn run(integration: Uuid, feature: Uuid) -> productboard_plugin_integrations::Result<()> {
/// let client = Client::new(std::env::var("PRODUCTBOARD_TOKEN").unwrap_or_default())?;
///
/// client.set_connection(integration, feature, &ConnectionState::Progress).await?;
/// let connection = client.connection(integration, feature).await?;
/// println!("button state: {}", connection.state.name());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    api: Arc<generated::Client>,
    base_url: url::Url,
}

/// Builds a [`Client`] with a custom base URL, HTTP client, timeout, retry
/// count or rate limit.
#[derive(Default)]
pub struct ClientBuilder {
    token: Option<String>,
    base_url: Option<String>,
    http_client: Option<reqwest::Client>,
    timeout: Option<Duration>,
    max_retries: Option<u32>,
    rate_limit: Option<u32>,
}

impl ClientBuilder {
    /// Sets the API access token, sent as `Authorization: Bearer <token>`.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Sets the base URL, such as a fake Productboard's `http://127.0.0.1:PORT`.
    /// The default is [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Uses this `reqwest::Client` for the connections (proxy, TLS, pool
    /// settings). The crate's own timeout still applies to every request.
    pub fn http_client(mut self, http_client: reqwest::Client) -> Self {
        self.http_client = Some(http_client);
        self
    }

    /// Sets the total time allowed for one request. The default is
    /// [`DEFAULT_TIMEOUT`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets how many times a failed request is resent; 0 turns retries off.
    /// The default is [`DEFAULT_MAX_RETRIES`](crate::DEFAULT_MAX_RETRIES).
    ///
    /// Every operation is retried after 429 and after a failure to connect,
    /// because the server did not process the request. Only GET, PUT and
    /// DELETE are also retried after a timeout, a broken connection, 502, 503
    /// or 504. A create (POST) or update (PATCH) may already have taken
    /// effect then, so it is never resent once it may have reached the server.
    /// Waits follow `Retry-After` (seconds or HTTP date) when the server sends
    /// it, and otherwise grow exponentially with jitter; no single wait
    /// exceeds 30 seconds.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = Some(max_retries);
        self
    }

    /// Sets the most requests per second that this client and all its clones
    /// send together; 0 turns the limit off. The default is
    /// [`DEFAULT_REQUESTS_PER_SECOND`](crate::DEFAULT_REQUESTS_PER_SECOND),
    /// Productboard's limit per token. Requests are spaced evenly, so a burst
    /// of calls waits only as long as the rate requires.
    pub fn rate_limit(mut self, requests_per_second: u32) -> Self {
        self.rate_limit = Some(requests_per_second);
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// An [`ErrorKind::Config`](crate::ErrorKind::Config) error when the token
    /// is missing, empty or not a valid header value, when the base URL is not
    /// an absolute `http` or `https` URL, when the timeout is zero, or when the
    /// default HTTP client cannot be created.
    pub fn build(self) -> Result<Client> {
        let token = self
            .token
            .filter(|token| !token.trim().is_empty())
            .ok_or_else(|| {
                Error::config(
                    "no API token: pass a Productboard API token to Client::new or ClientBuilder::token",
                )
            })?;
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        if timeout.is_zero() {
            return Err(Error::config("the timeout must be greater than zero"));
        }

        let base_url = parse_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let http = match self.http_client {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(timeout.min(Duration::from_secs(10)))
                .build()
                .map_err(|error| Error::config("cannot create the HTTP client").with_source(error))?,
        };

        let retry = RetryPolicy {
            max_retries: self.max_retries.unwrap_or(crate::DEFAULT_MAX_RETRIES),
            ..RetryPolicy::default()
        };
        let rate_limiter = NonZeroU32::new(self.rate_limit.unwrap_or(crate::DEFAULT_REQUESTS_PER_SECOND))
            .map(RateLimiter::per_second);
        let transport = Transport::new(&token, timeout, retry, rate_limiter)?;
        let api =
            generated::Client::new_with_client(base_url.as_str().trim_end_matches('/'), http, transport);
        Ok(Client {
            api: Arc::new(api),
            base_url,
        })
    }
}

fn parse_base_url(text: &str) -> Result<url::Url> {
    let url = url::Url::parse(text).map_err(|error| {
        Error::config(format!(
            "invalid base URL {text:?}: {error}; expected an absolute URL such as http://{text}"
        ))
        .with_source(error)
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(Error::config(format!(
            "invalid base URL {text:?}: expected an absolute http or https URL"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!(
            "invalid base URL {text:?}: it must not have a query or fragment"
        )));
    }
    Ok(url)
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("rate_limit", &self.rate_limit)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url.as_str())
            .field("transport", &self.api.inner)
            .finish()
    }
}

/// The value of the `X-Version` argument that the generated client takes:
/// always 1, the only version the spec allows.
fn x_version<T: TryFrom<i64>>() -> T
where
    T::Error: fmt::Debug,
{
    T::try_from(1).expect("the spec allows X-Version 1")
}

impl Client {
    /// Creates a client for the Productboard API with the given access token.
    ///
    /// # Errors
    ///
    /// As [`ClientBuilder::build`].
    pub fn new(token: impl Into<String>) -> Result<Client> {
        Client::builder().token(token).build()
    }

    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Returns the base URL that requests go to.
    pub fn base_url(&self) -> &url::Url {
        &self.base_url
    }

    /// Returns the generated low-level client, [`generated::Client`], for operations
    /// or options this layer does not offer (the deprecated PUT update, say). Its calls take the `X-Version` value as an argument
    /// and get the token, headers and timeout of this client.
    pub fn generated(&self) -> &generated::Client {
        &self.api
    }

    /// Creates a plugin integration. When it is enabled (the default),
    /// Productboard first probes the action URL, so the receiver must be
    /// running. To skip the probe, create it with
    /// `.status(IntegrationStatus::Disabled)` and enable it later with
    /// [`Client::update_integration`].
    ///
    /// # Errors
    ///
    /// An invalid field is rejected before sending (see
    /// [`NewIntegration::validate`]). The API returns 400 with the code
    /// `callback.probeFailed` when the probe failed and `callback.invalidUrl`
    /// when it cannot use the action URL.
    pub async fn create_integration(&self, integration: &NewIntegration) -> Result<Integration> {
        const OPERATION: &str = "create_integration";
        integration
            .validate()
            .map_err(|error| error.with_operation(OPERATION))?;

        // NOTE: the generated body type owns its data, so the value is cloned once.
        let body = types::CreateIntegrationBody {
            data: integration.clone(),
        };
        let response = call(OPERATION, self.api.create_integration(&x_version(), &body)).await?;
        Ok(response.data)
    }

    /// Retrieves one plugin integration.
    ///
    /// # Errors
    ///
    /// 404 with the code `pluginIntegration.notFound` when it does not exist.
    pub async fn integration(&self, id: Uuid) -> Result<Integration> {
        let response = call("get_integration", self.api.get_integration(&id, &x_version())).await?;
        Ok(response.data)
    }

    /// Lists all plugin integrations, following every page.
    ///
    /// # Errors
    ///
    /// The first failing page's error; no partial list is returned.
    pub async fn list_integrations(&self) -> Result<Vec<Integration>> {
        self.integrations().try_collect().await
    }

    /// Streams all plugin integrations, fetching one page at a time as the
    /// stream is read. See [`Client::connections`] for how pages are followed.
    pub fn integrations(&self) -> impl Stream<Item = Result<Integration>> + Send + 'static {
        let client = self.clone();
        pagination::stream(self.base_url.clone(), move |next| {
            let client = client.clone();
            async move {
                match next {
                    None => {
                        let response =
                            call("list_integrations", client.api.list_integrations(&x_version())).await?;
                        Ok(Page::new(response.data, response.links.next))
                    }
                    Some(url) => {
                        let response: types::ListIntegrationsResponse =
                            client.get_page("list_integrations", url).await?;
                        Ok(Page::new(response.data, response.links.next))
                    }
                }
            }
        })
    }

    /// Updates a plugin integration; fields left `None` keep their value.
    /// When the integration is enabled after the change, Productboard probes
    /// the action URL first.
    ///
    /// # Errors
    ///
    /// An invalid field is rejected before sending; 404 with
    /// `pluginIntegration.notFound`; 400 with `callback.probeFailed`.
    pub async fn update_integration(&self, id: Uuid, update: &IntegrationUpdate) -> Result<Integration> {
        const OPERATION: &str = "update_integration";
        update
            .validate()
            .map_err(|error| error.with_operation(OPERATION))?;

        let body = types::UpdateIntegrationBody { data: update.clone() };
        let response = call(OPERATION, self.api.update_integration(&id, &x_version(), &body)).await?;
        Ok(response.data)
    }

    /// Deletes a plugin integration, its column and all of its connections.
    ///
    /// # Errors
    ///
    /// 404 with `pluginIntegration.notFound` when it does not exist.
    pub async fn delete_integration(&self, id: Uuid) -> Result<()> {
        call_empty(
            "delete_integration",
            self.api.delete_integration(&id, &x_version()),
        )
        .await
    }

    /// Retrieves the connection of one feature.
    ///
    /// A feature without a connection is not an error: it reads as
    /// [`ConnectionState::Initial`], as Productboard defines it.
    ///
    /// # Errors
    ///
    /// 404 with `pluginIntegration.notFound` when the integration does not exist.
    pub async fn connection(&self, integration: Uuid, feature: Uuid) -> Result<Connection> {
        let result = call(
            "get_connection",
            self.api.get_connection(&integration, &feature, &x_version()),
        )
        .await;
        match result {
            Ok(response) => Ok(response.data),
            Err(error) if error.is_code(CONNECTION_NOT_FOUND) => {
                Ok(Connection::new(feature, ConnectionState::Initial))
            }
            Err(error) => Err(error),
        }
    }

    /// Lists all connections of an integration, following every page.
    /// Features without a connection (state initial) never appear.
    ///
    /// # Errors
    ///
    /// The first failing page's error; no partial list is returned. An
    /// integration that does not exist gives 404 with
    /// `pluginIntegration.notFound` (a status the public spec does not list
    /// for this operation).
    pub async fn list_connections(&self, integration: Uuid) -> Result<Vec<Connection>> {
        self.connections(integration).try_collect().await
    }

    /// Streams all connections of an integration, fetching one page at a
    /// time as the stream is read.
    ///
    /// The stream follows `links.next` exactly as the server sent it, but
    /// only to the scheme, host and port of the base URL, so the token is
    /// never sent elsewhere. It ends with an error, never a shortened list,
    /// when a page fails, when a next link points elsewhere, or when a next
    /// link repeats (a server looping on the same page).
    pub fn connections(&self, integration: Uuid) -> impl Stream<Item = Result<Connection>> + Send + 'static {
        let client = self.clone();
        pagination::stream(self.base_url.clone(), move |next| {
            let client = client.clone();
            async move {
                match next {
                    None => {
                        let response = call(
                            "list_connections",
                            client.api.list_connections(&integration, &x_version()),
                        )
                        .await?;
                        Ok(Page::new(response.data, response.links.next))
                    }
                    Some(url) => {
                        let response: types::ListConnectionsResponse =
                            client.get_page("list_connections", url).await?;
                        Ok(Page::new(response.data, response.links.next))
                    }
                }
            }
        })
    }

    /// Sets the state of a feature's push button.
    ///
    /// [`ConnectionState::Initial`] means no connection, so it is sent as one
    /// DELETE of the connection, never as a PUT; a connection that is already
    /// gone counts as success. Every other state is sent as a PUT.
    ///
    /// The state is validated first, however it was built, and nothing is
    /// sent when it is invalid.
    ///
    /// Returns the connection as the API stored it; for `Initial`, a
    /// [`Connection`] of this feature in state `Initial`.
    ///
    /// # Errors
    ///
    /// An invalid state (including [`ConnectionState::Unknown`]) is rejected
    /// before sending. 404 with `pluginIntegration.notFound` when the
    /// integration does not exist.
    pub async fn set_connection(
        &self,
        integration: Uuid,
        feature: Uuid,
        state: &ConnectionState,
    ) -> Result<Connection> {
        const OPERATION: &str = "set_connection";
        state
            .validate()
            .map_err(|error| error.with_operation(OPERATION))?;

        match request_for(state) {
            StateRequest::Delete => {
                match self.delete_connection(integration, feature).await {
                    Ok(()) => {}
                    Err(error) if error.is_code(CONNECTION_NOT_FOUND) => {}
                    Err(error) => return Err(error),
                }
                Ok(Connection::new(feature, ConnectionState::Initial))
            }
            StateRequest::Put => {
                let body = types::SetConnectionBody {
                    data: types::ConnectionBody {
                        connection: state.clone(),
                    },
                };
                let response = call(
                    OPERATION,
                    self.api
                        .set_connection(&integration, &feature, &x_version(), &body),
                )
                .await?;
                Ok(response.data)
            }
        }
    }

    /// Deletes the connection of a feature, which puts its push button back
    /// in the initial state.
    ///
    /// # Errors
    ///
    /// 404 with `pluginIntegration.connection.notFound` when the feature has
    /// no connection, or `pluginIntegration.notFound` when the integration
    /// does not exist. Use [`Client::set_connection`] with
    /// [`ConnectionState::Initial`] to treat a missing connection as success.
    pub async fn delete_connection(&self, integration: Uuid, feature: Uuid) -> Result<()> {
        call_empty(
            "delete_connection",
            self.api.delete_connection(&integration, &feature, &x_version()),
        )
        .await
    }

    /// Fetches a page from a `links.next` URL, which the generated client
    /// cannot request, through the same hooks as every other call.
    async fn get_page<T: DeserializeOwned>(&self, operation: &'static str, url: url::Url) -> Result<T> {
        let request = self
            .api
            .client
            .get(url)
            .build()
            .map_err(|error| Error::transport(error).with_operation(operation))?;
        let exchange = async {
            let mut request = request;
            self.api.inner.prepare(&mut request);
            let response = self
                .api
                .inner
                .execute(&self.api.client, request, operation)
                .await?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        };
        let (result, meta) = transport::capture(exchange).await;
        let attempts = meta.map_or(1, |meta| meta.attempts);

        result
            .map_err(Error::transport)
            .and_then(|(status, headers, body)| decode_response(status, headers, body))
            .map_err(|error| error.with_attempts(attempts).with_operation(operation))
    }
}

/// The HTTP request a state becomes. This is the one place that applies
/// Productboard's rule that setting `initial` is deleting the connection.
#[derive(Debug, PartialEq, Eq)]
enum StateRequest {
    Put,
    Delete,
}

fn request_for(state: &ConnectionState) -> StateRequest {
    if state.is_initial() {
        StateRequest::Delete
    } else {
        StateRequest::Put
    }
}

type GeneratedResult<T> = std::result::Result<ResponseValue<T>, progenitor_client::Error<types::ErrorBody>>;

/// Awaits a generated call and converts its outcome into this crate's types.
fn call<'a, T: DeserializeOwned + Send + 'a>(
    operation: &'static str,
    request: impl Future<Output = GeneratedResult<T>> + Send + 'a,
) -> impl Future<Output = Result<T>> + Send + 'a {
    // Boxed before the first poll, so the caller's future contains only a pointer
    // instead of the generated future's several kilobytes.
    let request = Box::pin(request);
    call_boxed(operation, request)
}

async fn call_boxed<T: DeserializeOwned>(
    operation: &'static str,
    request: impl Future<Output = GeneratedResult<T>>,
) -> Result<T> {
    let (result, meta) = transport::capture(request).await;
    let outcome = match result {
        Ok(response) => Ok(response.into_inner()),
        Err(error) => convert_error(error, meta).await,
    };
    outcome.map_err(|error| error.with_operation(operation))
}

/// As [`call`], for operations whose success has no body (204).
fn call_empty<'a>(
    operation: &'static str,
    request: impl Future<Output = GeneratedResult<()>> + Send + 'a,
) -> impl Future<Output = Result<()>> + Send + 'a {
    call_empty_boxed(operation, Box::pin(request))
}

async fn call_empty_boxed(
    operation: &'static str,
    request: impl Future<Output = GeneratedResult<()>>,
) -> Result<()> {
    let (result, meta) = transport::capture(request).await;
    match result {
        Ok(_) => Ok(()),
        Err(progenitor_client::Error::UnexpectedResponse(response)) if response.status().is_success() => {
            Ok(())
        }
        Err(error) => convert_error::<()>(error, meta)
            .await
            .map_err(|error| error.with_operation(operation)),
    }
}

/// Converts a generated call's error into this crate's error. A success status the spec does not
/// list (200 instead of 201, say) is decoded as the expected type.
async fn convert_error<T: DeserializeOwned>(
    error: progenitor_client::Error<types::ErrorBody>,
    meta: Option<transport::ResponseMeta>,
) -> Result<T, Error> {
    use progenitor_client::Error as Generated;

    let attempts = meta.as_ref().map_or(1, |meta| meta.attempts);
    let error = match error {
        Generated::ErrorResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            let body = serde_json::to_vec(&response.into_inner()).unwrap_or_default();
            Error::from_status(status, headers, body.into())
        }
        Generated::InvalidResponsePayload(body, source) => match meta.and_then(|meta| meta.response) {
            Some((status, headers)) if status.is_success() => Error::decode(status, headers, body, source),
            Some((status, headers)) => Error::from_status(status, headers, body),
            None => Error::decode(reqwest::StatusCode::OK, Default::default(), body, source),
        },
        Generated::UnexpectedResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            let body = match response.bytes().await {
                Ok(body) => body,
                Err(error) => return Err(Error::transport(error)),
            };
            match decode_response::<T>(status, headers, body) {
                Ok(value) => return Ok(value),
                Err(error) => error,
            }
        }
        Generated::CommunicationError(source)
        | Generated::ResponseBodyError(source)
        | Generated::InvalidUpgrade(source) => Error::transport(source),
        Generated::InvalidRequest(message) | Generated::Custom(message) => Error::config(message),
    };
    Err(error.with_attempts(attempts))
}

/// Decodes a complete response: the success body as `T`, anything else as an error.
fn decode_response<T: DeserializeOwned>(
    status: reqwest::StatusCode,
    headers: reqwest::header::HeaderMap,
    body: bytes::Bytes,
) -> Result<T> {
    if !status.is_success() {
        return Err(Error::from_status(status, headers, body));
    }
    serde_json::from_slice(&body).map_err(|source| Error::decode(status, headers, body, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_becomes_delete() {
        assert_eq!(request_for(&ConnectionState::Initial), StateRequest::Delete);
    }

    #[test]
    fn progress_becomes_put() {
        assert_eq!(request_for(&ConnectionState::Progress), StateRequest::Put);
    }

    #[test]
    fn error_becomes_put() {
        let state = ConnectionState::error("Ticket system unavailable").unwrap();
        assert_eq!(request_for(&state), StateRequest::Put);
    }

    #[test]
    fn builder_without_token_fails() {
        let error = Client::builder().build().unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::Config);
    }

    #[test]
    fn builder_rejects_relative_base_url() {
        let error = Client::builder()
            .token("t")
            .base_url("api.productboard.com")
            .build()
            .unwrap_err();
        assert!(error.to_string().contains("invalid base URL"));
    }

    #[test]
    fn debug_redacts_token() {
        let client = Client::new("secret-token-123").unwrap();
        let builder = Client::builder().token("secret-token-123");
        assert!(!format!("{client:?}").contains("secret-token-123"));
        assert!(!format!("{builder:?}").contains("secret-token-123"));
    }
}
