//! Retry decisions: which failures to resend and how long to wait.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

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
}
