//! The path every request takes: headers, timeout, rate limit, retries and response capture.
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
use crate::rate_limit::RateLimiter;
use crate::retry::{self, Outcome, RetryPolicy};

/// Header that progenitor adds to every request from the spec's
/// `info.version`; Productboard expects `X-Version` instead.
const PROGENITOR_VERSION_HEADER: &str = "api-version";

/// Status and headers of the last response of one call, kept so that errors
/// raised by the generated code after the response arrived (an undecodable
/// body, for one) can still report them.
#[derive(Clone, Debug)]
pub(crate) struct ResponseMeta {
    /// Status and headers of the last response; `None` when the last
    /// attempt got no response (a timeout or connection failure).
    pub(crate) response: Option<(StatusCode, HeaderMap)>,
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

/// Per-client settings that the hooks apply to every request: headers,
/// timeout, rate limit and retries.
#[derive(Clone)]
pub struct Transport {
    authorization: HeaderValue,
    timeout: Duration,
    retry: RetryPolicy,
    rate_limiter: Option<RateLimiter>,
}

impl Transport {
    pub(crate) fn new(
        token: &str,
        timeout: Duration,
        retry: RetryPolicy,
        rate_limiter: Option<RateLimiter>,
    ) -> crate::Result<Self> {
        let mut authorization = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            crate::Error::config("the API token contains characters that are not allowed in an HTTP header")
        })?;
        authorization.set_sensitive(true);
        Ok(Transport {
            authorization,
            timeout,
            retry,
            rate_limiter,
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

    /// Sends the request, resending it as the retry policy allows, and
    /// records the last response's status, headers and attempt count.
    pub(crate) async fn execute(
        &self,
        http: &reqwest::Client,
        request: Request,
        operation: &'static str,
    ) -> reqwest::Result<Response> {
        let method = request.method().clone();
        let mut backoff = self.retry.backoff();
        let mut request = request;
        let mut attempt = 1u32;

        loop {
            // A body that cannot be cloned (a stream) cannot be resent.
            let spare = if attempt <= self.retry.max_retries {
                request.try_clone()
            } else {
                None
            };
            if let Some(limiter) = &self.rate_limiter {
                limiter.acquire().await;
            }
            let result = self.send_once(http, request, operation, attempt).await;

            let outcome = match &result {
                Ok(response) => Outcome::Status(response.status()),
                Err(error) => retry::outcome_of_error(error),
            };
            let wait = match (retry::should_retry(&method, outcome), spare) {
                (true, Some(spare)) => backoff
                    .next()
                    .and_then(|delay| {
                        retry::next_wait(
                            result.as_ref().ok().map(Response::headers),
                            delay,
                            self.retry.max_wait,
                        )
                    })
                    .map(|wait| (wait, spare)),
                _ => None,
            };

            match wait {
                Some((wait, spare)) => {
                    tracing::debug!(
                        operation,
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        ?outcome,
                        "retrying"
                    );
                    drop(result);
                    tokio::time::sleep(wait).await;
                    request = spare;
                    attempt += 1;
                }
                None => {
                    record(ResponseMeta {
                        response: result
                            .as_ref()
                            .ok()
                            .map(|response| (response.status(), headers_for_errors(response))),
                        attempts: attempt,
                    });
                    return result;
                }
            }
        }
    }

    /// Sends one attempt inside its own tracing span.
    async fn send_once(
        &self,
        http: &reqwest::Client,
        request: Request,
        operation: &'static str,
        attempt: u32,
    ) -> reqwest::Result<Response> {
        let span = tracing::debug_span!(
            "productboard.request",
            operation,
            method = %request.method(),
            path = crate::generated::path_template(operation),
            status = tracing::field::Empty,
            attempt,
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
                }
                Err(error) => tracing::debug!(%error, "request failed"),
            }
            result
        }
        .instrument(span)
        .await
    }
}

/// Copies the response headers an error may need later. A success keeps only its
/// content type, which is all a decode error reports, so the common path
/// copies one header instead of the whole map.
fn headers_for_errors(response: &Response) -> HeaderMap {
    if !response.status().is_success() {
        return response.headers().clone();
    }
    let mut kept = HeaderMap::new();
    if let Some(content_type) = response.headers().get(header::CONTENT_TYPE) {
        kept.insert(header::CONTENT_TYPE, content_type.clone());
    }
    kept
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("authorization", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("rate_limiter", &self.rate_limiter)
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
        // Boxed so that every generated future stays small: the retry loop and
        // the reqwest future inside it are several kilobytes.
        Box::pin(self.inner.execute(&self.client, request, info.operation_id)).await
    }
}
