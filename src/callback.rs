//! Helpers that respond to Productboard's callbacks, independent of any web framework.
//!
//! Productboard calls the integration's action URL in two ways:
//!
//! - a **probe**, `GET <action url>?validationToken=<token>`, when the
//!   integration is created enabled or gets enabled. Answer 200 with
//!   `Content-Type: text/plain` ([`PROBE_CONTENT_TYPE`]) and the token as the
//!   body, unchanged: [`validation_token`] extracts it from the query string.
//! - an **action notification**, a POST with a JSON body, when a user clicks a
//!   button. Decode it with [`ActionNotification::from_json`], and respond with 200
//!   with `Content-Type: application/json` ([`RESPONSE_CONTENT_TYPE`]) and
//!   [`response_body`] of the state to show. Productboard waits at most
//!   5 seconds ([`ANSWER_DEADLINE`]); slower work responds with
//!   [`ConnectionState::Progress`] and sets the final state later with
//!   [`Client::set_connection`](crate::Client::set_connection).
//!
//! Both carry the integration's configured secret as the `Authorization`
//! header; check it with [`verify_authorization`].
//!
//! With the `axum` feature, `router` packages all of this, including a
//! deadline guard that responds `progress` for slow work and sets the final
//! state later.
//!
//! ```
//! use productboard_plugin_integrations::callback::{self, ActionNotification, Trigger};
//! use productboard_plugin_integrations::ConnectionState;
//!
//! # fn main() -> productboard_plugin_integrations::Result<()> {
//! let body = br#"{"data":{"integrationId":"7c2d3a4e-0000-4000-8000-000000000001","trigger":"button.unlink",
//!   "feature":{"id":"7c2d3a4e-0000-4000-8000-000000000002","links":{"self":"https://api.productboard.com/features/1","html":"https://example.productboard.com/f/1"}}}}"#;
//! let notification = ActionNotification::from_json(body)?;
//!
//! let state = match notification.trigger {
//!     Trigger::Push => ConnectionState::Progress,
//!     _ => ConnectionState::Initial,
//! };
//! assert_eq!(callback::response_body(&state)?, br#"{"data":{"connection":{"state":"initial"}}}"#);
//! # Ok(())
//! # }
//! ```

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::integration::CallbackSecret;
use crate::state::ConnectionState;

#[cfg(feature = "axum")]
mod router;
#[cfg(feature = "axum")]
pub use router::{DEFAULT_BODY_LIMIT, DEFAULT_DEADLINE, HandlerError, ReceiverConfig, router};

/// How long Productboard waits for the response to a probe or an action notification.
pub const ANSWER_DEADLINE: Duration = Duration::from_secs(5);

/// Content type of the probe's response.
pub const PROBE_CONTENT_TYPE: &str = "text/plain";

/// Content type of the response to an action notification.
pub const RESPONSE_CONTENT_TYPE: &str = "application/json";

/// The button a user clicked.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Trigger {
    /// `button.push`: the push button in the integration's column or the feature's sidebar.
    Push,
    /// `button.unlink`: the unlink button in the feature's sidebar.
    Unlink,
    /// `button.dismiss`: the dismiss button of an error.
    Dismiss,
    /// A trigger this crate does not know yet, with its wire name.
    Unknown(String),
}

impl Trigger {
    /// Returns the wire name, such as `button.push`.
    pub fn name(&self) -> &str {
        match self {
            Trigger::Push => "button.push",
            Trigger::Unlink => "button.unlink",
            Trigger::Dismiss => "button.dismiss",
            Trigger::Unknown(name) => name,
        }
    }

    /// Parses a wire name; an unknown name becomes [`Trigger::Unknown`].
    pub fn from_name(name: &str) -> Trigger {
        match name {
            "button.push" => Trigger::Push,
            "button.unlink" => Trigger::Unlink,
            "button.dismiss" => Trigger::Dismiss,
            other => Trigger::Unknown(other.to_string()),
        }
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Trigger {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Trigger {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = Cow::<str>::deserialize(deserializer)?;
        Ok(Trigger::from_name(&name))
    }
}

/// A click on one of the integration's buttons, as Productboard sends it to
/// the action URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActionNotification {
    /// The plugin integration whose button was clicked.
    #[serde(rename = "integrationId")]
    pub integration_id: Uuid,
    /// The button that was clicked.
    pub trigger: Trigger,
    /// The feature whose button was clicked.
    pub feature: NotifiedFeature,
    /// The user who clicked, when Productboard sends it.
    #[serde(rename = "triggeredByUser", default, skip_serializing_if = "Option::is_none")]
    pub triggered_by_user: Option<User>,
    /// Links related to the click.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<NotificationLinks>,
}

/// The feature of an [`ActionNotification`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NotifiedFeature {
    /// Identifier of the feature.
    pub id: Uuid,
    /// Links to the feature.
    pub links: FeatureLinks,
}

/// Links of a [`NotifiedFeature`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FeatureLinks {
    /// API URL of the feature.
    #[serde(rename = "self")]
    pub api: String,
    /// URL of the feature in the Productboard app.
    pub html: String,
}

/// The user who clicked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
}

/// Links of an [`ActionNotification`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NotificationLinks {
    /// API URL of the connection this click is about.
    pub connection: String,
}

#[derive(Deserialize)]
struct NotificationEnvelope {
    data: ActionNotification,
}

#[derive(Serialize)]
struct ResponseEnvelope<'a> {
    data: ResponseData<'a>,
}

#[derive(Serialize)]
struct ResponseData<'a> {
    connection: &'a ConnectionState,
}

impl ActionNotification {
    /// Decodes the body of an action notification, `{"data":{..}}`.
    ///
    /// Unknown fields are ignored and an unknown trigger becomes
    /// [`Trigger::Unknown`], so a newer Productboard does not break the receiver.
    ///
    /// # Errors
    ///
    /// An [`ErrorKind::Decode`](crate::ErrorKind::Decode) error naming the
    /// problem when the body is not JSON or lacks a required field.
    pub fn from_json(body: &[u8]) -> Result<ActionNotification> {
        serde_json::from_slice::<NotificationEnvelope>(body)
            .map(|envelope| envelope.data)
            .map_err(|source| Error::invalid_callback("action notification", source))
    }
}

/// Builds the body of the response to an action notification:
/// `{"data":{"connection":{"state":..}}}`.
///
/// Answering [`ConnectionState::Initial`] removes the connection.
///
/// # Errors
///
/// An [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) error when
/// the state breaks the API's limits (see [`ConnectionState::validate`]);
/// Productboard would show such a response as an error.
pub fn response_body(state: &ConnectionState) -> Result<Vec<u8>> {
    state.validate()?;
    let envelope = ResponseEnvelope {
        data: ResponseData { connection: state },
    };
    Ok(serde_json::to_vec(&envelope).expect("a connection state always serializes"))
}

/// Extracts the probe's `validationToken` from a raw query string (the part
/// after `?`), percent-decoded. The probe's response body is this value,
/// unchanged. Returns `None` when the query has no such parameter.
pub fn validation_token(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .find(|(name, _)| name == "validationToken")
        .map(|(_, value)| value.into_owned())
}

/// Checks a callback's `Authorization` header against the configured secret.
///
/// The comparison takes the same time wherever the first difference is, so
/// it reveals nothing of the secret's contents (its length may still be
/// observable). A missing header never matches.
pub fn verify_authorization(header: Option<&[u8]>, secret: &CallbackSecret) -> bool {
    match header {
        Some(value) => value.ct_eq(secret.expose().as_bytes()).into(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn notification(trigger: &str) -> Vec<u8> {
        json!({ "data": {
            "integrationId": "00000000-0000-0000-0000-000000000001",
            "trigger": trigger,
            "feature": {
                "id": "00000000-0000-0000-0000-000000000002",
                "links": { "self": "https://api.productboard.com/features/2", "html": "https://x.productboard.com/f/2" }
            },
            "triggeredByUser": { "name": "Ada Lovelace", "email": "ada@example.com" },
            "links": { "connection": "https://api.productboard.com/plugin-integrations/1/connections/2" },
            "futureField": true
        }})
        .to_string()
        .into_bytes()
    }

    #[test]
    fn known_triggers_decode() {
        for (wire, trigger) in [
            ("button.push", Trigger::Push),
            ("button.unlink", Trigger::Unlink),
            ("button.dismiss", Trigger::Dismiss),
        ] {
            let decoded = ActionNotification::from_json(&notification(wire)).unwrap();
            assert_eq!(decoded.trigger, trigger);
        }
    }

    #[test]
    fn unknown_trigger_is_kept() {
        let decoded = ActionNotification::from_json(&notification("button.archive")).unwrap();
        assert_eq!(decoded.trigger, Trigger::Unknown("button.archive".into()));
        assert_eq!(decoded.trigger.name(), "button.archive");
    }

    #[test]
    fn notification_fields_decode() {
        let decoded = ActionNotification::from_json(&notification("button.push")).unwrap();
        assert_eq!(decoded.feature.id, Uuid::from_u128(2));
        assert_eq!(decoded.triggered_by_user.unwrap().email, "ada@example.com");
        assert!(decoded.links.unwrap().connection.ends_with("/connections/2"));
    }

    #[test]
    fn missing_feature_names_it() {
        let body =
            br#"{"data":{"integrationId":"00000000-0000-0000-0000-000000000001","trigger":"button.push"}}"#;
        let error = ActionNotification::from_json(body).unwrap_err();
        assert!(error.to_string().contains("feature"), "{error}");
    }

    #[test]
    fn garbage_is_a_decode_error() {
        let error = ActionNotification::from_json(b"\xff\x00not json").unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::Decode);
    }

    #[test]
    fn response_body_wraps_state() {
        let body = response_body(&ConnectionState::Progress).unwrap();
        assert_eq!(body, br#"{"data":{"connection":{"state":"progress"}}}"#);
    }

    #[test]
    fn response_body_rejects_invalid_state() {
        let state: ConnectionState =
            serde_json::from_value(json!({ "state": "error", "message": "" })).unwrap();
        assert!(response_body(&state).is_err());
    }

    #[test]
    fn validation_token_is_decoded_once() {
        assert_eq!(
            validation_token("validationToken=a%2Bb%3D%3D"),
            Some("a+b==".into())
        );
        assert_eq!(validation_token("?x=1&validationToken=tok"), Some("tok".into()));
        assert_eq!(validation_token("x=1"), None);
    }

    #[test]
    fn authorization_must_match_exactly() {
        let secret = CallbackSecret::new("Bearer s3cret");
        assert!(verify_authorization(Some(b"Bearer s3cret"), &secret));
        assert!(!verify_authorization(Some(b"Bearer s3crex"), &secret));
        assert!(!verify_authorization(Some(b"Bearer s3cret "), &secret));
        assert!(!verify_authorization(Some(b""), &secret));
        assert!(!verify_authorization(None, &secret));
    }
}
