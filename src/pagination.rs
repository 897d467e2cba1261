//! Following `links.next` through a paginated list.

use std::collections::HashSet;

use futures::{Stream, StreamExt};
use url::Url;

use crate::error::{Error, Result};

/// One page of a list response: its items and the raw `links.next`.
pub(crate) struct Page<T> {
    items: Vec<T>,
    next: Option<String>,
}

impl<T> Page<T> {
    pub(crate) fn new(items: Vec<T>, next: Option<String>) -> Self {
        Page { items, next }
    }
}

/// Checks a `links.next` value before the client follows it.
///
/// Returns `Ok(None)` at the end of the list (no link, `null` or an empty
/// string). The link must be an absolute URL with the base URL's scheme,
/// host and port, so the bearer token never goes to another server, and it
/// must not repeat a page already fetched.
pub(crate) fn next_page(base: &Url, next: Option<&str>, seen: &HashSet<String>) -> Result<Option<Url>> {
    let Some(next) = next.filter(|next| !next.is_empty()) else {
        return Ok(None);
    };
    let url = Url::parse(next).map_err(|error| {
        Error::pagination(format!("links.next {next:?} is not an absolute URL ({error})")).with_source(error)
    })?;
    let same_origin = url.scheme() == base.scheme()
        && url.host_str() == base.host_str()
        && url.port_or_known_default() == base.port_or_known_default();
    if !same_origin {
        return Err(Error::pagination(format!(
            "links.next {next:?} points outside the base URL {base}; it was not followed"
        )));
    }
    if seen.contains(url.as_str()) {
        return Err(Error::pagination(format!(
            "links.next {next:?} repeats a page already fetched; stopped to avoid a loop"
        )));
    }
    Ok(Some(url))
}

enum Cursor {
    First,
    Next(Url),
    Done,
}

struct State<F> {
    base: Url,
    fetch: F,
    cursor: Cursor,
    seen: HashSet<String>,
}

/// A stream of every item of a paginated list. `fetch(None)` loads the first
/// page and `fetch(Some(url))` the page at a checked next link. Only one
/// page is held in memory at a time, and each page's items are yielded
/// before an error found in its `links.next`.
pub(crate) fn stream<T, F, Fut>(base: Url, fetch: F) -> impl Stream<Item = Result<T>> + Send + 'static
where
    T: Send + 'static,
    F: Fn(Option<Url>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    let state = State {
        base,
        fetch,
        cursor: Cursor::First,
        seen: HashSet::new(),
    };
    futures::stream::unfold(state, |mut state| async move {
        let request = match std::mem::replace(&mut state.cursor, Cursor::Done) {
            Cursor::Done => return None,
            Cursor::First => None,
            Cursor::Next(url) => Some(url),
        };

        let page = match (state.fetch)(request).await {
            Ok(page) => page,
            Err(error) => return Some(((Vec::new(), Some(error)), state)),
        };
        let mut pending = None;
        match next_page(&state.base, page.next.as_deref(), &state.seen) {
            Ok(Some(url)) => {
                state.seen.insert(url.as_str().to_string());
                state.cursor = Cursor::Next(url);
            }
            Ok(None) => {}
            Err(error) => pending = Some(error),
        }
        Some(((page.items, pending), state))
    })
    .flat_map(|(items, pending): (Vec<T>, Option<Error>)| {
        futures::stream::iter(items.into_iter().map(Ok).chain(pending.map(Err)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://api.productboard.com").unwrap()
    }

    #[test]
    fn missing_next_ends() {
        assert!(next_page(&base(), None, &HashSet::new()).unwrap().is_none());
    }

    #[test]
    fn empty_next_ends() {
        assert!(next_page(&base(), Some(""), &HashSet::new()).unwrap().is_none());
    }

    #[test]
    fn next_is_kept_verbatim() {
        let next = "https://api.productboard.com/plugin-integrations/x/connections?pageCursor=c2%3D";
        let url = next_page(&base(), Some(next), &HashSet::new()).unwrap().unwrap();
        assert_eq!(url.as_str(), next);
    }

    #[test]
    fn next_on_other_host_is_rejected() {
        let error = next_page(&base(), Some("https://evil.example/p?c=1"), &HashSet::new()).unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::Pagination);
    }

    #[test]
    fn next_with_other_scheme_is_rejected() {
        let result = next_page(
            &base(),
            Some("http://api.productboard.com/p?c=1"),
            &HashSet::new(),
        );
        assert!(result.is_err());
    }

    #[test]
    fn next_with_other_port_is_rejected() {
        let result = next_page(
            &base(),
            Some("https://api.productboard.com:8443/p?c=1"),
            &HashSet::new(),
        );
        assert!(result.is_err());
    }

    #[test]
    fn explicit_default_port_is_same_origin() {
        let result = next_page(
            &base(),
            Some("https://api.productboard.com:443/p?c=1"),
            &HashSet::new(),
        );
        assert!(result.unwrap().is_some());
    }

    #[test]
    fn repeated_next_is_rejected() {
        let next = "https://api.productboard.com/p?c=1";
        let seen = HashSet::from([next.to_string()]);
        let error = next_page(&base(), Some(next), &seen).unwrap_err();
        assert!(error.to_string().contains("repeats"));
    }
}
