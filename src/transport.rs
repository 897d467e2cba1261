//! What every request goes through: headers, timeout and response capture.
//!
//! The generated client builds each request from the spec; the hooks here
//! (progenitor's `ClientHooks`) finish and send it. Keeping this in one place
//! means the pages followed through `links.next`, which the generated client
//! cannot request, get exactly the same treatment.

use std::cell::RefCell;
use std::fmt;
use std::time::{Duration, Instant};

use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Request, Response, StatusCode};
use tracing::Instrument;

use crate::generated;

/// Header that progenitor adds to every request from the spec's
/// `info.version`; Productboard expects `X-Version` instead.
const PROGENITOR_VERSION_HEADER: &str = "api-version";

/// Status and headers of the last response of one call, kept so that errors
/// raised by the generated code after the response arrived (an undecodable
/// body, for one) can still report them.
#[derive(Clone, Debug)]
pub(crate) struct ResponseMeta {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) attempts: u32,
}

tokio::task_local! {
    static LAST_RESPONSE: RefCell<Option<ResponseMeta>>;
}

/// Runs `call` and returns its output with the metadata of the last response
/// it received, if any.
pub(crate) async fn capture<F: Future>(call: F) -> (F::Output, Option<ResponseMeta>) {
    LAST_RESPONSE
        .scope(RefCell::new(None), async {
            let output = call.await;
            let meta = LAST_RESPONSE.with(|cell| cell.borrow_mut().take());
            (output, meta)
        })
        .await
}

fn record(meta: ResponseMeta) {
    // Outside `capture` there is nothing to record into, which is fine: only
    // the error paths read the metadata.
    let _ = LAST_RESPONSE.try_with(|cell| *cell.borrow_mut() = Some(meta));
}

/// Per-client settings that the hooks apply to every request.
#[derive(Clone)]
pub struct Transport {
    authorization: HeaderValue,
    timeout: Duration,
}

impl Transport {
    pub(crate) fn new(token: &str, timeout: Duration) -> crate::Result<Self> {
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                crate::Error::config(
                    "the API token contains characters that are not allowed in an HTTP header",
                )
            })?;
        authorization.set_sensitive(true);
        Ok(Transport {
            authorization,
            timeout,
        })
    }

    /// Sets the headers every request carries and the timeout, unless the
    /// caller already set a shorter one on the request.
    pub(crate) fn prepare(&self, request: &mut Request) {
        let headers = request.headers_mut();
        headers.remove(PROGENITOR_VERSION_HEADER);
        headers.insert(header::AUTHORIZATION, self.authorization.clone());
        headers.insert("x-version", HeaderValue::from_static("1"));
        if !headers.contains_key(header::ACCEPT) {
            headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        }

        let timeout = request.timeout_mut();
        if timeout.is_none_or(|current| current > self.timeout) {
            *timeout = Some(self.timeout);
        }
    }

    /// Sends the request once and records the response's status and headers.
    pub(crate) async fn execute(
        &self,
        http: &reqwest::Client,
        request: Request,
        operation: &'static str,
    ) -> reqwest::Result<Response> {
        let span = tracing::debug_span!(
            "productboard.request",
            operation,
            method = %request.method(),
            path = request.url().path(),
            status = tracing::field::Empty,
            attempt = 1u32,
            duration_ms = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );

        async {
            let started = Instant::now();
            let result = http.execute(request).await;
            let span = tracing::Span::current();
            span.record("duration_ms", started.elapsed().as_millis() as u64);
            match &result {
                Ok(response) => {
                    span.record("status", response.status().as_u16());
                    if let Some(id) = response
                        .headers()
                        .get("x-request-id")
                        .and_then(|id| id.to_str().ok())
                    {
                        span.record("request_id", id);
                    }
                    tracing::debug!("response received");
                    record(ResponseMeta {
                        status: response.status(),
                        headers: response.headers().clone(),
                        attempts: 1,
                    });
                }
                Err(error) => tracing::debug!(%error, "request failed"),
            }
            result
        }
        .instrument(span)
        .await
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("authorization", &"<redacted>")
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl ClientHooks<Transport> for generated::Client {
    async fn pre<E>(
        &self,
        request: &mut Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        self.inner.prepare(request);
        Ok(())
    }

    async fn exec(&self, request: Request, info: &OperationInfo) -> reqwest::Result<Response> {
        self.inner
            .execute(&self.client, request, info.operation_id)
            .await
    }
}
