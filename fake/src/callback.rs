//! Requests from the fake to action URLs: the probe and action notifications.

use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::model::{Action, ConnectionState, IntegrationStatus, RequestedState, initial_state_json};
use crate::{ClickError, ClickErrorKind, Shared, Trigger, lock, validate};

/// Maximum length of the `debugDetail` of an error state, in characters.
const MAX_DEBUG_DETAIL: usize = 8000;

/// Maximum number of characters of a response body quoted in a message.
const MAX_QUOTED_BODY: usize = 200;

/// Name and email of the user that simulated clicks are attributed to.
const CLICK_USER_NAME: &str = "Fake User";
const CLICK_USER_EMAIL: &str = "fake.user@example.com";

/// Checks that the fake may send a request to the action URL.
///
/// The fake has no TLS client and sends requests only to loopback hosts, so tests never
/// reach another machine.
fn check_sendable(action: &Action) -> Result<(), String> {
    if action.url.scheme() == "http" && validate::is_loopback(&action.url) {
        Ok(())
    } else {
        Err(format!(
            "the fake sends requests only to http URLs on loopback hosts and has no TLS \
             client, so it cannot reach {}; use an http://127.0.0.1 receiver or keep the \
             integration disabled",
            action.url
        ))
    }
}

/// Describes a failed request for a probe or a notification.
fn describe_send_error(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        return format!("the action URL did not respond within {} ms", timeout.as_millis());
    }

    let mut detail = format!("the request to the action URL failed: {error}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    detail
}

/// Shortens a text to at most `max` characters for a message.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(max.saturating_sub(3)).collect();
        short.push_str("...");
        short
    }
}

/// Probes the action URL: sends `GET <url>?validationToken=<token>` and checks that the
/// response is 200, `text/plain`, and exactly the token, all within the callback timeout.
///
/// # Errors
///
/// Returns a detail message saying why the probe failed.
pub(crate) async fn probe(shared: &Shared, action: &Action) -> Result<(), String> {
    check_sendable(action)?;

    let token = Uuid::new_v4().simple().to_string();
    let mut url = action.url.clone();
    url.query_pairs_mut().append_pair("validationToken", &token);

    let timeout = shared.callback_timeout;
    let mut request = shared.http.get(url).header(ACCEPT, "text/plain").timeout(timeout);
    if let Some(authorization) = &action.authorization {
        request = request.header(AUTHORIZATION, authorization);
    }

    let exchange = async {
        let response = request.send().await?;
        let status = response.status();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        let body = response.text().await?;
        Ok::<_, reqwest::Error>((status, content_type, body))
    };
    // The outer timeout is a second guard in case the client's own timeout does not fire.
    let (status, content_type, body) = match tokio::time::timeout(timeout, exchange).await {
        Ok(Ok(exchanged)) => exchanged,
        Ok(Err(error)) => return Err(describe_send_error(&error, timeout)),
        Err(_) => {
            return Err(format!(
                "the action URL did not respond within {} ms",
                timeout.as_millis()
            ));
        }
    };

    if status != reqwest::StatusCode::OK {
        return Err(format!(
            "the action URL responded to the probe with status {status}; expected 200"
        ));
    }

    let is_text = content_type.as_deref().is_some_and(|value| {
        value
            .split(';')
            .next()
            .is_some_and(|media| media.trim().eq_ignore_ascii_case("text/plain"))
    });
    if !is_text {
        return Err(format!(
            "the action URL responded to the probe with content type {}; expected text/plain",
            content_type.as_deref().unwrap_or("(none)")
        ));
    }

    if body != token {
        return Err(format!(
            "the probe response body {:?} is not the validationToken that was sent; \
             the body must be exactly the token",
            truncate(&body, MAX_QUOTED_BODY)
        ));
    }
    Ok(())
}

/// Why an action notification failed: text for the user and the technical reason.
struct NotificationFailure {
    message: &'static str,
    detail: String,
}

/// Sends an action notification and returns the state in the response.
async fn notify(
    shared: &Shared,
    action: &Action,
    payload: &Value,
) -> Result<RequestedState, NotificationFailure> {
    check_sendable(action).map_err(|detail| NotificationFailure {
        message: "The integration could not be reached.",
        detail,
    })?;

    let timeout = shared.callback_timeout;
    let mut request = shared
        .http
        .post(action.url.clone())
        .header(CONTENT_TYPE, "application/json")
        .body(payload.to_string())
        .timeout(timeout);
    if let Some(authorization) = &action.authorization {
        request = request.header(AUTHORIZATION, authorization);
    }

    let exchange = async {
        let response = request.send().await?;
        let status = response.status();
        let body = response.text().await?;
        Ok::<_, reqwest::Error>((status, body))
    };
    let (status, body) = match tokio::time::timeout(timeout, exchange).await {
        Ok(Ok(exchanged)) => exchanged,
        Ok(Err(error)) if error.is_timeout() => {
            return Err(NotificationFailure {
                message: "The integration did not respond in time.",
                detail: describe_send_error(&error, timeout),
            });
        }
        Ok(Err(error)) => {
            return Err(NotificationFailure {
                message: "The integration could not be reached.",
                detail: describe_send_error(&error, timeout),
            });
        }
        Err(_) => {
            return Err(NotificationFailure {
                message: "The integration did not respond in time.",
                detail: format!("the action URL did not respond within {} ms", timeout.as_millis()),
            });
        }
    };

    if status != reqwest::StatusCode::OK {
        return Err(NotificationFailure {
            message: "The integration returned an error.",
            detail: format!(
                "the action URL responded with status {status}; expected 200. Body: {}",
                truncate(&body, MAX_QUOTED_BODY)
            ),
        });
    }

    let response_body: Value = serde_json::from_str(&body).map_err(|error| NotificationFailure {
        message: "The integration sent an invalid response.",
        detail: format!(
            "the response is not valid JSON ({error}). Body: {}",
            truncate(&body, MAX_QUOTED_BODY)
        ),
    })?;

    validate::connection_body(&response_body).map_err(|errors| {
        let problems: Vec<String> = errors.into_iter().map(|error| error.detail).collect();
        NotificationFailure {
            message: "The integration sent an invalid response.",
            detail: format!(
                "the response is not a valid connection state: {}",
                problems.join("; ")
            ),
        }
    })
}

/// Simulates a click: sends the action notification and stores the resulting state.
pub(crate) async fn click(
    shared: &Shared,
    integration_id: Uuid,
    feature: Uuid,
    trigger: Trigger,
) -> Result<Value, ClickError> {
    let action = {
        let store = lock(&shared.store);
        let integration = store.get(integration_id).ok_or(ClickError::new(
            ClickErrorKind::IntegrationNotFound,
            integration_id,
        ))?;
        if integration.status == IntegrationStatus::Disabled {
            return Err(ClickError::new(
                ClickErrorKind::IntegrationDisabled,
                integration_id,
            ));
        }
        integration.action.clone()
    };

    let base = &shared.base_url;
    let payload = json!({"data": {
        "integrationId": integration_id,
        "trigger": trigger.as_str(),
        "feature": {
            "id": feature,
            "links": {
                "self": format!("{base}/features/{feature}"),
                "html": format!("{base}/app/features/{feature}"),
            },
        },
        "triggeredByUser": {"name": CLICK_USER_NAME, "email": CLICK_USER_EMAIL},
        "links": {
            "connection": format!("{base}/plugin-integrations/{integration_id}/connections/{feature}"),
        },
    }});

    let state = match notify(shared, &action, &payload).await {
        Ok(state) => state,
        Err(failure) => {
            tracing::warn!(
                integration = %integration_id,
                %feature,
                %trigger,
                detail = %failure.detail,
                "action notification failed; storing an error state"
            );
            RequestedState::Set(ConnectionState::Error {
                message: failure.message.to_owned(),
                debug_detail: Some(truncate(&failure.detail, MAX_DEBUG_DETAIL)),
            })
        }
    };

    let mut store = lock(&shared.store);
    if !store.set_connection(integration_id, feature, state) {
        return Err(ClickError::new(
            ClickErrorKind::IntegrationNotFound,
            integration_id,
        ));
    }
    let stored = match store.connection(integration_id, feature) {
        Ok(Some(state)) => state.to_json(),
        _ => initial_state_json(),
    };
    Ok(stored)
}
