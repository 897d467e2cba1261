//! Client-side rate limiting, shared by all clones of a client.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota};

/// Requests per second that Productboard allows for one token, and the
/// client's default limit.
pub const DEFAULT_REQUESTS_PER_SECOND: u32 = 50;

/// Spaces requests evenly at a fixed rate (a GCRA from `governor`).
///
/// The burst is one request, so no window of one second ever contains more
/// than the rate plus one, whatever the traffic before it.
#[derive(Clone)]
pub(crate) struct RateLimiter {
    limiter: Arc<DefaultDirectRateLimiter>,
    per_second: NonZeroU32,
}

impl RateLimiter {
    pub(crate) fn per_second(per_second: NonZeroU32) -> Self {
        let quota = Quota::per_second(per_second).allow_burst(NonZeroU32::MIN);
        RateLimiter {
            limiter: Arc::new(DefaultDirectRateLimiter::direct(quota)),
            per_second,
        }
    }

    /// Waits until the next request may go out.
    pub(crate) async fn acquire(&self) {
        // governor's own async wait sleeps on a separate timer; tokio's sleep
        // keeps the wait on the caller's runtime.
        while let Err(not_until) = self.limiter.check() {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            tokio::time::sleep(wait).await;
        }
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RateLimiter({} per second)", self.per_second)
    }
}
