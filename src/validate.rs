//! Field checks shared by the request types.
//!
//! Lengths count Unicode scalar values, as JSON Schema's `minLength` and
//! `maxLength` do, so a 20-character label of accented letters is as valid
//! as one of ASCII letters.

use crate::error::{Error, Result};

/// Checks that `value` has between `min` and `max` characters.
pub(crate) fn length(field: &str, value: &str, min: usize, max: usize) -> Result<()> {
    let count = value.chars().count();
    if count < min {
        let unit = if min == 1 { "character" } else { "characters" };
        let problem = if count == 0 {
            format!("must not be empty (at least {min} {unit})")
        } else {
            format!("is {count} characters long; the minimum is {min}")
        };
        return Err(Error::invalid(field, problem));
    }
    if count > max {
        return Err(Error::invalid(
            field,
            format!("is {count} characters long; the maximum is {max}"),
        ));
    }
    Ok(())
}

/// Checks that `value` is an absolute URL of at most `max` characters whose
/// scheme is one of `schemes`; an empty `schemes` accepts any scheme.
pub(crate) fn absolute_url(field: &str, value: &str, max: usize, schemes: &[&str]) -> Result<url::Url> {
    length(field, value, 1, max)?;
    let url = url::Url::parse(value)
        .map_err(|error| Error::invalid(field, format!("{value:?} is not an absolute URL ({error})")))?;
    if !schemes.is_empty() && !schemes.contains(&url.scheme()) {
        return Err(Error::invalid(
            field,
            format!(
                "{value:?} has the scheme `{}`; expected {}",
                url.scheme(),
                schemes.join(" or ")
            ),
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_characters_not_bytes() {
        let label = "ééééééééééééééééééé€";
        assert_eq!(label.len(), 41);
        assert!(length("label", label, 1, 20).is_ok());
    }

    #[test]
    fn length_rejects_one_over_the_limit() {
        let error = length("label", &"a".repeat(21), 1, 20).unwrap_err();
        assert_eq!(error.field(), Some("label"));
        assert!(error.to_string().contains("21 characters"));
        assert!(error.to_string().contains("maximum is 20"));
    }

    #[test]
    fn length_rejects_empty() {
        let error = length("message", "", 1, 255).unwrap_err();
        assert!(error.to_string().contains("must not be empty"));
    }

    #[test]
    fn absolute_url_rejects_relative() {
        let error = absolute_url("targetUrl", "/tickets/1", 1000, &[]).unwrap_err();
        assert_eq!(error.field(), Some("targetUrl"));
    }

    #[test]
    fn absolute_url_rejects_other_scheme() {
        let error = absolute_url("action.url", "http://example.com/hook", 1024, &["https"]).unwrap_err();
        assert!(error.to_string().contains("scheme `http`"));
    }
}
