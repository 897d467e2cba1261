//! Retry decisions: which failures to resend and how long to wait.
//!
//! The decisions are pure functions of the request method and the outcome,
//! so each rule has its own small test.

use std::time::{Duration, SystemTime};

use backon::{BackoffBuilder, ExponentialBuilder};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

/// Retries after the first attempt when [`ClientBuilder::max_retries`] is not set.
///
/// [`ClientBuilder::max_retries`]: crate::ClientBuilder::max_retries
pub const DEFAULT_MAX_RETRIES: u32 = 3;

/// First backoff wait; each later one doubles, plus up to 100 % jitter.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// Maximum single wait. A `Retry-After` asking for more ends the retries,
/// and the error reports the requested wait through `Error::retry_after`.
pub(crate) const MAX_WAIT: Duration = Duration::from_secs(30);

/// How many times a request is resent and how long to wait in between.
#[derive(Clone, Debug)]
pub(crate) struct RetryPolicy {
    pub(crate) max_retries: u32,
    pub(crate) first_backoff: Duration,
    pub(crate) max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: DEFAULT_MAX_RETRIES,
            first_backoff: FIRST_BACKOFF,
            max_wait: MAX_WAIT,
        }
    }
}

impl RetryPolicy {
    /// Returns the backoff waits, one per allowed retry, with jitter.
    pub(crate) fn backoff(&self) -> impl Iterator<Item = Duration> + use<> {
        ExponentialBuilder::default()
            .with_jitter()
            .with_min_delay(self.first_backoff)
            .with_max_delay(self.max_wait)
            .with_max_times(self.max_retries as usize)
            .build()
            .map({
                let max_wait = self.max_wait;
                move |wait| wait.min(max_wait)
            })
    }
}

/// Result of one attempt, as far as retrying is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A response arrived with this status.
    Status(StatusCode),
    /// No connection could be made: the server never saw the request.
    ConnectFailed,
    /// The request timed out; the server may have processed it.
    TimedOut,
    /// The connection broke after the request may have been sent.
    Broken,
}

/// Whether an attempt with this outcome may be sent again.
///
/// 429 and connection failures are retried for every method, because the
/// server did not process the request. Timeouts, broken connections, 502,
/// 503 and 504 are retried only for idempotent methods (GET, PUT, DELETE),
/// because a POST or PATCH may already have taken effect (a PATCH may also
/// have triggered a probe).
pub(crate) fn should_retry(method: &Method, outcome: Outcome) -> bool {
    let idempotent = matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    );
    match outcome {
        Outcome::ConnectFailed => true,
        Outcome::Status(StatusCode::TOO_MANY_REQUESTS) => true,
        Outcome::Status(status) => {
            idempotent
                && matches!(
                    status,
                    StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
                )
        }
        Outcome::TimedOut | Outcome::Broken => idempotent,
    }
}

/// Classifies a reqwest error for [`should_retry`].
pub(crate) fn outcome_of_error(error: &reqwest::Error) -> Outcome {
    if error.is_connect() {
        Outcome::ConnectFailed
    } else if error.is_timeout() {
        Outcome::TimedOut
    } else {
        Outcome::Broken
    }
}

/// The wait before the next attempt: the server's `Retry-After` when it sent
/// one, else the backoff. `None` means stop: the server asked for longer
/// than `max_wait`.
pub(crate) fn next_wait(
    headers: Option<&HeaderMap>,
    backoff: Duration,
    max_wait: Duration,
) -> Option<Duration> {
    match headers.and_then(|headers| retry_after(headers, SystemTime::now())) {
        Some(requested) if requested > max_wait => None,
        Some(requested) => Some(requested),
        None => Some(backoff),
    }
}

/// Parses `Retry-After`, given either as seconds or as an HTTP date.
///
/// A date in the past means no wait. Returns `None` when the header is
/// missing or malformed.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn retry_after_seconds() {
        let wait = retry_after(&headers("2"), SystemTime::now());
        assert_eq!(wait, Some(Duration::from_secs(2)));
    }

    #[test]
    fn retry_after_http_date() {
        let now = httpdate::parse_http_date("Fri, 04 Dec 2026 19:00:00 GMT").unwrap();
        let wait = retry_after(&headers("Fri, 04 Dec 2026 19:00:03 GMT"), now);
        assert_eq!(wait, Some(Duration::from_secs(3)));
    }

    #[test]
    fn retry_after_date_in_past_is_zero() {
        let now = httpdate::parse_http_date("Fri, 04 Dec 2026 19:00:10 GMT").unwrap();
        let wait = retry_after(&headers("Fri, 04 Dec 2026 19:00:03 GMT"), now);
        assert_eq!(wait, Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_garbage_is_none() {
        assert_eq!(retry_after(&headers("soon"), SystemTime::now()), None);
    }

    #[test]
    fn retry_after_missing_is_none() {
        assert_eq!(retry_after(&HeaderMap::new(), SystemTime::now()), None);
    }

    #[test]
    fn rate_limit_is_retried_for_post() {
        assert!(should_retry(
            &Method::POST,
            Outcome::Status(StatusCode::TOO_MANY_REQUESTS)
        ));
    }

    #[test]
    fn connect_failure_is_retried_for_patch() {
        assert!(should_retry(&Method::PATCH, Outcome::ConnectFailed));
    }

    #[test]
    fn unavailable_is_retried_for_put() {
        assert!(should_retry(
            &Method::PUT,
            Outcome::Status(StatusCode::SERVICE_UNAVAILABLE)
        ));
    }

    #[test]
    fn unavailable_is_not_retried_for_post() {
        assert!(!should_retry(
            &Method::POST,
            Outcome::Status(StatusCode::SERVICE_UNAVAILABLE)
        ));
    }

    #[test]
    fn timeout_is_not_retried_for_patch() {
        assert!(!should_retry(&Method::PATCH, Outcome::TimedOut));
    }

    #[test]
    fn timeout_is_retried_for_get() {
        assert!(should_retry(&Method::GET, Outcome::TimedOut));
    }

    #[test]
    fn bad_gateway_is_retried_for_delete() {
        assert!(should_retry(
            &Method::DELETE,
            Outcome::Status(StatusCode::BAD_GATEWAY)
        ));
    }

    #[test]
    fn internal_error_is_not_retried() {
        assert!(!should_retry(
            &Method::GET,
            Outcome::Status(StatusCode::INTERNAL_SERVER_ERROR)
        ));
    }

    #[test]
    fn client_error_is_not_retried() {
        assert!(!should_retry(
            &Method::GET,
            Outcome::Status(StatusCode::NOT_FOUND)
        ));
    }

    #[test]
    fn backoff_has_one_wait_per_retry() {
        let policy = RetryPolicy {
            max_retries: 4,
            ..RetryPolicy::default()
        };
        assert_eq!(policy.backoff().count(), 4);
    }

    #[test]
    fn backoff_waits_are_capped() {
        let policy = RetryPolicy {
            max_retries: 20,
            max_wait: Duration::from_secs(2),
            ..RetryPolicy::default()
        };
        assert!(policy.backoff().all(|wait| wait <= Duration::from_secs(2)));
    }

    #[test]
    fn backoff_grows() {
        let policy = RetryPolicy {
            max_retries: 3,
            ..RetryPolicy::default()
        };
        let waits: Vec<Duration> = policy.backoff().collect();
        // With at most 100 % jitter, the third wait (4x base at least) exceeds the first (2x base at most).
        assert!(waits[2] > waits[0], "{waits:?}");
    }

    #[test]
    fn no_retries_means_no_waits() {
        let policy = RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        };
        assert_eq!(policy.backoff().count(), 0);
    }

    #[test]
    fn retry_after_overrides_backoff() {
        let wait = next_wait(Some(&headers("2")), Duration::from_millis(100), MAX_WAIT);
        assert_eq!(wait, Some(Duration::from_secs(2)));
    }

    #[test]
    fn retry_after_beyond_cap_stops() {
        assert_eq!(
            next_wait(Some(&headers("120")), Duration::from_millis(100), MAX_WAIT),
            None
        );
    }

    #[test]
    fn missing_retry_after_uses_backoff() {
        let wait = next_wait(Some(&HeaderMap::new()), Duration::from_millis(100), MAX_WAIT);
        assert_eq!(wait, Some(Duration::from_millis(100)));
    }
}
