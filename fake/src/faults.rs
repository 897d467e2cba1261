//! Injected faults: responses that replace the processing of the next API requests.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ErrorResponse, INJECTED_FAULT, RATE_LIMITED};
use crate::{Shared, lock};

/// A failure that the fake responds with instead of processing a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// 429 Too Many Requests with an error body and, when set, this `Retry-After` value
    /// (seconds or an HTTP date).
    RateLimited {
        /// Value of the `Retry-After` header; `None` sends no header.
        retry_after: Option<String>,
    },
    /// This status (400 to 599, typically 500, 502 or 503) with an error body.
    Status(u16),
    /// No response: the request is held open until the client gives up or the fake shuts
    /// down, which then responds with 503.
    Hang,
}

impl Fault {
    /// Checks that the fault can be sent.
    ///
    /// # Errors
    ///
    /// Returns a message when a status is outside 400..=599 or a `Retry-After` value cannot
    /// be sent as a header.
    pub(crate) fn check(&self) -> Result<(), String> {
        match self {
            Fault::Status(code) if !(400..=599).contains(code) => Err(format!(
                "fault status {code} is not an error status; use a code from 400 to 599"
            )),
            Fault::RateLimited {
                retry_after: Some(value),
            } if HeaderValue::from_str(value).is_err() => Err(format!(
                "Retry-After value {value:?} cannot be sent as a header; use seconds or an HTTP date"
            )),
            _ => Ok(()),
        }
    }
}

/// Queues `fault` for the next `count` API requests.
pub(crate) fn push(shared: &Shared, fault: Fault, count: usize) {
    if count == 0 {
        return;
    }
    tracing::debug!(?fault, count, "fault injected");
    lock(&shared.faults).push_back((fault, count));
}

/// Takes the fault for the current request, when one is queued.
pub(crate) fn take(shared: &Shared) -> Option<Fault> {
    let mut faults = lock(&shared.faults);
    let (fault, remaining) = faults.front_mut()?;
    let fault = fault.clone();
    *remaining -= 1;
    if *remaining == 0 {
        faults.pop_front();
    }
    Some(fault)
}

/// Builds the response of a fault. For [`Fault::Hang`] this waits until the server stops; the
/// wait ends earlier when the client disconnects, because the server then drops this future.
pub(crate) async fn respond(shared: &Shared, fault: Fault) -> Response {
    match fault {
        Fault::RateLimited { retry_after } => ErrorResponse {
            status: StatusCode::TOO_MANY_REQUESTS,
            errors: vec![ApiError::new(
                RATE_LIMITED,
                "the rate limit is exceeded (injected fault); retry later",
            )],
            retry_after,
        }
        .into_response(),
        Fault::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            ErrorResponse::one(
                status,
                ApiError::new(INJECTED_FAULT, format!("injected fault with status {code}")),
            )
            .into_response()
        }
        Fault::Hang => {
            let mut stopping = shared.stopping.clone();
            let _ = stopping.wait_for(|stopping| *stopping).await;
            ErrorResponse::one(
                StatusCode::SERVICE_UNAVAILABLE,
                ApiError::new(
                    INJECTED_FAULT,
                    "the fake shut down while holding this request (injected hang)",
                ),
            )
            .into_response()
        }
    }
}
