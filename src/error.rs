//! The crate's error type.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

/// Result of this crate's fallible operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How many bytes of an undecodable body an error keeps for its message.
const BODY_EXCERPT_CHARS: usize = 200;

/// Error code of a 404 for a feature that has no connection.
pub(crate) const CONNECTION_NOT_FOUND: &str = "pluginIntegration.connection.notFound";

/// An error from the client, the network or the Productboard API.
///
/// The error keeps what is known about the failure: the operation, the HTTP
/// status and headers, the decoded API errors or the raw body when it is not
/// the documented JSON, and the underlying cause as [`std::error::Error::source`].
/// Use the predicates ([`status`](Self::status), [`code`](Self::code),
/// [`is_validation`](Self::is_validation), ...) rather than matching on its text.
///
/// Neither `Debug` nor `Display` ever contains the API token or a callback
/// authorization value.
#[non_exhaustive]
pub struct Error {
    inner: Box<Inner>,
}

/// The broad category of an [`Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A value was rejected by this crate before any request was sent.
    InvalidInput,
    /// The client was configured with an unusable value (missing token, bad base URL).
    Config,
    /// The API returned an error status.
    Api,
    /// The API responded, but the body could not be decoded.
    Decode,
    /// The request did not complete: connection failure, reset, or a broken body.
    Transport,
    /// The request timed out.
    Timeout,
    /// A list response had a `links.next` that the client refuses to follow.
    Pagination,
}

struct Inner {
    kind: ErrorKind,
    operation: Option<&'static str>,
    message: String,
    /// Wire name of the field at fault, in this crate's dotted form.
    field: Option<String>,
    response: Option<ResponseDetail>,
    attempts: Option<u32>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

struct ResponseDetail {
    status: StatusCode,
    headers: HeaderMap,
    body: bytes::Bytes,
    errors: Vec<ApiError>,
}

/// One problem reported by the API in an error response body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApiError {
    /// Stable, machine-readable code such as `pluginIntegration.notFound`.
    #[serde(default)]
    pub code: String,
    /// Short summary of the kind of problem.
    #[serde(default)]
    pub title: String,
    /// Explanation of this occurrence.
    #[serde(default)]
    pub detail: String,
    /// Part of the request at fault, when the API names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ApiErrorSource>,
}

/// Part of a request that an [`ApiError`] refers to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApiErrorSource {
    /// Query parameter at fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// JSON Pointer (RFC 6901) into the request body, such as `/data/connection/label`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
}

/// Lenient form of the documented error body: every field may be missing.
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<ApiError>,
}

impl Error {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                operation: None,
                message: message.into(),
                field: None,
                response: None,
                attempts: None,
                source: None,
            }),
        }
    }

    /// Creates an error for a value rejected before sending.
    ///
    /// `field` is the wire name of the value (for example `label`), and
    /// `problem` describes what is wrong with it, including the limit.
    pub(crate) fn invalid(field: impl Into<String>, problem: impl fmt::Display) -> Self {
        let field: String = field.into();
        let mut error = Error::new(ErrorKind::InvalidInput, format!("invalid `{field}`: {problem}"));
        error.inner.field = Some(field);
        error
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Config, message)
    }

    pub(crate) fn pagination(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Pagination, message)
    }

    /// Creates an error for a request that did not produce a response.
    pub(crate) fn transport(source: reqwest::Error) -> Self {
        let kind = if source.is_timeout() {
            ErrorKind::Timeout
        } else {
            ErrorKind::Transport
        };
        let what = if source.is_timeout() {
            "the request timed out"
        } else if source.is_connect() {
            "could not connect to the server"
        } else {
            "the request failed"
        };
        // The token travels only in a header; credentials in the URL itself are dropped.
        let message = match source.url() {
            Some(url) => {
                let mut shown = url.clone();
                let _ = shown.set_password(None);
                let _ = shown.set_username("");
                format!("{what}: {shown}")
            }
            None => what.to_string(),
        };
        Error::new(kind, message).with_source(source)
    }

    /// Creates an error for a response with an error status.
    ///
    /// The body is decoded as the documented error JSON when it is JSON, and
    /// kept as raw bytes in any case.
    pub(crate) fn from_status(status: StatusCode, headers: HeaderMap, body: bytes::Bytes) -> Self {
        let errors = serde_json::from_slice::<ErrorBody>(&body)
            .map(|decoded| decoded.errors)
            .unwrap_or_default();
        let message = match errors.first() {
            Some(first) => {
                let mut text = format!("the API returned {}", describe_status(status));
                if !first.code.is_empty() {
                    text.push_str(&format!(", {}", first.code));
                }
                if !first.detail.is_empty() {
                    text.push_str(&format!(": {}", first.detail));
                } else if !first.title.is_empty() {
                    text.push_str(&format!(": {}", first.title));
                }
                text
            }
            None if body.is_empty() => {
                format!("the API returned {} with an empty body", describe_status(status))
            }
            None => format!(
                "the API returned {} with a body that is not the documented error JSON: {}",
                describe_status(status),
                excerpt(&body)
            ),
        };

        let mut error = Error::new(ErrorKind::Api, message);
        error.inner.field = errors.iter().find_map(|error| {
            let source = error.source.as_ref()?;
            source
                .pointer
                .as_deref()
                .map(field_from_pointer)
                .or_else(|| source.parameter.clone())
        });
        error.inner.response = Some(ResponseDetail {
            status,
            headers,
            body,
            errors,
        });
        error
    }

    /// Creates an error for a success response whose body could not be decoded.
    pub(crate) fn decode(
        status: StatusCode,
        headers: HeaderMap,
        body: bytes::Bytes,
        source: serde_json::Error,
    ) -> Self {
        let content_type = headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("none")
            .to_string();
        let message = format!(
            "could not decode the response ({}, content type {content_type}): {source}; body starts with: {}",
            describe_status(status),
            excerpt(&body)
        );
        let mut error = Error::new(ErrorKind::Decode, message).with_source(source);
        error.inner.response = Some(ResponseDetail {
            status,
            headers,
            body,
            errors: Vec::new(),
        });
        error
    }

    /// Creates an error for a callback request body that could not be decoded.
    pub(crate) fn invalid_callback(what: &str, source: serde_json::Error) -> Self {
        Error::new(ErrorKind::Decode, format!("invalid {what}: {source}")).with_source(source)
    }

    pub(crate) fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    pub(crate) fn with_operation(mut self, operation: &'static str) -> Self {
        self.inner.operation.get_or_insert(operation);
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = Some(attempts);
        self
    }

    /// Returns the category of the error.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The operation that failed, as the spec's operation id in snake case
    /// (for example `set_connection`), when the error comes from a request.
    pub fn operation(&self) -> Option<&str> {
        self.inner.operation
    }

    /// Returns the HTTP status of the response, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.inner
            .response
            .as_ref()
            .map(|response| response.status.as_u16())
    }

    /// Returns the first API error code of the response, such as `pluginIntegration.notFound`.
    pub fn code(&self) -> Option<&str> {
        self.api_errors()
            .iter()
            .map(|error| error.code.as_str())
            .find(|code| !code.is_empty())
    }

    /// All problems listed in the response's error body; empty when the body
    /// was not the documented error JSON or there was no response.
    pub fn api_errors(&self) -> &[ApiError] {
        self.inner
            .response
            .as_ref()
            .map(|response| response.errors.as_slice())
            .unwrap_or_default()
    }

    /// Returns the response headers, when there was a response.
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.inner.response.as_ref().map(|response| &response.headers)
    }

    /// Returns the raw response body, when there was a response.
    pub fn body(&self) -> Option<&[u8]> {
        self.inner
            .response
            .as_ref()
            .map(|response| response.body.as_ref())
    }

    /// The value of the response's `x-request-id` header, for support requests.
    pub fn request_id(&self) -> Option<&str> {
        self.headers()?.get("x-request-id")?.to_str().ok()
    }

    /// The wire name of the field at fault, such as `label`, `hoverLabel`
    /// or `action.url`, whether this crate rejected the value or the API did.
    ///
    /// The API's `source.pointer` (`/data/action/url`) is given in the same
    /// dotted form as the crate's own checks; [`api_errors`](Self::api_errors)
    /// keeps the pointer as sent. For a rejected query or path parameter,
    /// this is the parameter's name.
    pub fn field(&self) -> Option<&str> {
        self.inner.field.as_deref()
    }

    /// Returns whether the request was rejected as invalid: by this crate before
    /// anything was sent, or by the API with status 400.
    pub fn is_validation(&self) -> bool {
        self.inner.kind == ErrorKind::InvalidInput || self.status() == Some(400)
    }

    /// Returns whether the API returned 404 (integration or connection not found).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Returns whether the API rejected the credentials (401 or 403).
    pub fn is_auth(&self) -> bool {
        matches!(self.status(), Some(401 | 403))
    }

    /// Returns whether the request timed out.
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }

    /// Whether the same request may succeed when sent again later: rate
    /// limiting (429), a gateway or availability error (502, 503, 504), a
    /// timeout or a failure to connect.
    pub fn is_retryable(&self) -> bool {
        match self.inner.kind {
            ErrorKind::Timeout => true,
            ErrorKind::Transport => self
                .inner
                .source
                .as_ref()
                .and_then(|source| source.downcast_ref::<reqwest::Error>())
                .is_some_and(reqwest::Error::is_connect),
            _ => matches!(self.status(), Some(429 | 502 | 503 | 504)),
        }
    }

    /// The wait the server asked for in its `Retry-After` header, given in
    /// seconds or as an HTTP date.
    pub fn retry_after(&self) -> Option<Duration> {
        crate::retry::retry_after(self.headers()?, std::time::SystemTime::now())
    }

    /// How many times the request was sent before this error was returned.
    pub fn attempts(&self) -> Option<u32> {
        self.inner.attempts
    }

    pub(crate) fn is_code(&self, code: &str) -> bool {
        self.code() == Some(code)
    }
}

/// Converts a JSON Pointer into the request body, such as `/data/action/url`
/// or `/data/connection/label`, into the dotted field name this crate uses
/// (`action.url`, `label`).
fn field_from_pointer(pointer: &str) -> String {
    let path = pointer.trim_start_matches('/');
    let path = path.strip_prefix("data/").unwrap_or(path);
    let path = path.strip_prefix("connection/").unwrap_or(path);
    path.replace('/', ".")
}

fn describe_status(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("HTTP {} {reason}", status.as_u16()),
        None => format!("HTTP {}", status.as_u16()),
    }
}

/// The start of a body as text, for messages.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut excerpt: String = text.chars().take(BODY_EXCERPT_CHARS).collect();
    if text.chars().count() > BODY_EXCERPT_CHARS {
        excerpt.push_str("...");
    }
    format!("{excerpt:?}")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(operation) = self.inner.operation {
            write!(f, "{operation} failed: ")?;
        }
        f.write_str(&self.inner.message)?;
        if let Some(attempts) = self.attempts().filter(|attempts| *attempts > 1) {
            write!(f, " (gave up after {attempts} attempts)")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Error");
        debug.field("kind", &self.inner.kind);
        if let Some(operation) = self.inner.operation {
            debug.field("operation", &operation);
        }
        debug.field("message", &self.inner.message);
        if let Some(response) = &self.inner.response {
            debug.field("status", &response.status.as_u16());
            debug.field("errors", &response.errors);
        }
        if let Some(source) = &self.inner.source {
            debug.field("source", source);
        }
        debug.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|source| source.as_ref() as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_to_field() {
        assert_eq!(field_from_pointer("/data/action/url"), "action.url");
        assert_eq!(field_from_pointer("/data/connection/label"), "label");
        assert_eq!(
            field_from_pointer("/data/initialState/label"),
            "initialState.label"
        );
        assert_eq!(field_from_pointer("/data"), "data");
    }
}
