//! Plugin integrations: [`NewIntegration`], [`IntegrationUpdate`] and [`Integration`].

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::error::Result;
use crate::validate;

/// Maximum characters of an integration's `type` and `name`.
pub const NAME_MAX_CHARS: usize = 255;
/// Maximum characters of the push button's default label.
pub const BUTTON_LABEL_MAX_CHARS: usize = 10;
/// Maximum characters of the action URL.
pub const ACTION_URL_MAX_CHARS: usize = 1024;
/// Maximum characters of the callback authorization value.
pub const AUTHORIZATION_MAX_CHARS: usize = 2048;

/// Whether an integration's column is shown on the Features board.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IntegrationStatus {
    /// `enabled`: the column is shown and clicks reach the action URL.
    #[default]
    Enabled,
    /// `disabled`: the column is hidden.
    Disabled,
    /// A status this crate does not know, as received. Rejected in requests.
    Unknown(String),
}

impl IntegrationStatus {
    /// Returns the wire name, such as `enabled`.
    pub fn name(&self) -> &str {
        match self {
            IntegrationStatus::Enabled => "enabled",
            IntegrationStatus::Disabled => "disabled",
            IntegrationStatus::Unknown(name) => name,
        }
    }

    fn validate(&self) -> Result<()> {
        match self {
            IntegrationStatus::Unknown(name) => Err(crate::Error::invalid(
                "integrationStatus",
                format!("{name:?} is not a known status; expected enabled or disabled"),
            )),
            _ => Ok(()),
        }
    }
}

impl Serialize for IntegrationStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for IntegrationStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Ok(match name.as_ref() {
            "enabled" => IntegrationStatus::Enabled,
            "disabled" => IntegrationStatus::Disabled,
            other => IntegrationStatus::Unknown(other.to_string()),
        })
    }
}

/// Look of the push button of a feature that has no connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InitialButton {
    /// Button text, such as `Push` (1 to 10 characters).
    pub label: String,
}

impl InitialButton {
    /// Creates the default button look with the given label.
    pub fn new(label: impl Into<String>) -> Self {
        InitialButton { label: label.into() }
    }
}

/// A secret that Productboard sends as the `Authorization` header of every
/// probe and action notification, so the receiver can authenticate them.
///
/// Its `Debug` output is redacted; [`expose`](Self::expose) gives the value.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CallbackSecret(String);

impl CallbackSecret {
    /// Wraps a header value such as `Bearer 3f9c...` or `Basic dXNlcjpwYXNz`.
    pub fn new(value: impl Into<String>) -> Self {
        CallbackSecret(value.into())
    }

    /// Returns the secret itself. Keep it out of logs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CallbackSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallbackSecret(<redacted>)")
    }
}

/// Destination and format of the reports Productboard sends for clicks on an integration's buttons.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Action {
    /// HTTPS URL that receives the probe and the action notifications (at most 1024 characters).
    pub url: String,
    /// Version of the action notification format; always 1.
    pub version: u8,
    /// Headers Productboard adds to its callbacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<CallbackHeaders>,
}

/// Headers that Productboard adds to every callback.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallbackHeaders {
    /// Value of the `Authorization` header (at most 2048 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<CallbackSecret>,
}

impl Action {
    /// Creates an action that sends callbacks to `url`, without authorization.
    pub fn new(url: impl Into<String>) -> Self {
        Action {
            url: url.into(),
            version: 1,
            headers: None,
        }
    }

    /// Sets the secret Productboard sends as the callbacks' `Authorization` header.
    pub fn authorization(mut self, secret: impl Into<String>) -> Self {
        self.headers = Some(CallbackHeaders {
            authorization: Some(CallbackSecret::new(secret)),
        });
        self
    }

    /// Checks the action against the API's limits.
    ///
    /// The API accepts only `https` action URLs. `http` is accepted here for
    /// loopback hosts (`127.0.0.0/8`, `[::1]`, `localhost`) so that local
    /// tests can use a fake Productboard; the real API rejects them.
    fn validate(&self) -> Result<()> {
        let url = validate::absolute_url("action.url", &self.url, ACTION_URL_MAX_CHARS, &["https", "http"])?;
        if url.scheme() == "http" && !is_loopback(&url) {
            return Err(crate::Error::invalid(
                "action.url",
                format!(
                    "{:?} must use https (plain http is accepted only for loopback hosts)",
                    self.url
                ),
            ));
        }
        if self.version != 1 {
            return Err(crate::Error::invalid(
                "action.version",
                format!("{} is not supported; the only version is 1", self.version),
            ));
        }
        if let Some(secret) = self
            .headers
            .as_ref()
            .and_then(|headers| headers.authorization.as_ref())
        {
            // The value itself is never part of the message.
            let count = secret.expose().chars().count();
            if count > AUTHORIZATION_MAX_CHARS {
                return Err(crate::Error::invalid(
                    "action.headers.authorization",
                    format!("is {count} characters long; the maximum is {AUTHORIZATION_MAX_CHARS}"),
                ));
            }
        }
        Ok(())
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// A plugin integration to create with
/// [`Client::create_integration`](crate::Client::create_integration).
///
/// Serializes to the object under `data` of the create request.
///
/// # Examples
///
/// ```
/// use productboard_plugin_integrations::{Action, NewIntegration};
///
/// let integration = NewIntegration::new(
///     "com.example.tickets",
///     "Tickets",
///     "Push",
///     Action::new("https://tickets.example.com/productboard").authorization("Bearer s3cret"),
/// );
/// assert!(!format!("{integration:?}").contains("s3cret"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewIntegration {
    /// Kind of integration, ideally a reversed domain such as `com.example.tickets` (1 to 255 characters).
    #[serde(rename = "type")]
    pub integration_type: String,
    /// Column title on the Features board (1 to 255 characters).
    pub name: String,
    /// Whether the column is shown; the API's default is enabled.
    #[serde(
        rename = "integrationStatus",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<IntegrationStatus>,
    /// Look of the push button of a feature without a connection.
    #[serde(rename = "initialState")]
    pub initial_button: InitialButton,
    /// Destination of the click reports.
    pub action: Action,
}

impl NewIntegration {
    /// Creates an integration with the given type, name, default button
    /// label and action.
    pub fn new(
        integration_type: impl Into<String>,
        name: impl Into<String>,
        button_label: impl Into<String>,
        action: Action,
    ) -> Self {
        NewIntegration {
            integration_type: integration_type.into(),
            name: name.into(),
            status: None,
            initial_button: InitialButton::new(button_label),
            action,
        }
    }

    /// Sets the status the integration starts in.
    pub fn status(mut self, status: IntegrationStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Checks every field against the API's limits.
    ///
    /// # Errors
    ///
    /// An [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) error
    /// naming the first invalid field: `type` or `name` outside 1 to 255
    /// characters, `initialState.label` outside 1 to 10, an unknown
    /// `integrationStatus`, or an invalid `action.url`, `action.version` or
    /// `action.headers.authorization`.
    pub fn validate(&self) -> Result<()> {
        validate::length("type", &self.integration_type, 1, NAME_MAX_CHARS)?;
        validate::length("name", &self.name, 1, NAME_MAX_CHARS)?;
        if let Some(status) = &self.status {
            status.validate()?;
        }
        validate::length(
            "initialState.label",
            &self.initial_button.label,
            1,
            BUTTON_LABEL_MAX_CHARS,
        )?;
        self.action.validate()
    }
}

/// Changes to a plugin integration for
/// [`Client::update_integration`](crate::Client::update_integration).
/// Fields left `None` keep their value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IntegrationUpdate {
    /// New column title (1 to 255 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New status. Enabling an integration makes Productboard probe its action URL.
    #[serde(
        rename = "integrationStatus",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<IntegrationStatus>,
    /// New default button look.
    #[serde(rename = "initialState", default, skip_serializing_if = "Option::is_none")]
    pub initial_button: Option<InitialButton>,
    /// New action settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
}

impl IntegrationUpdate {
    /// Creates an update that changes nothing.
    pub fn new() -> Self {
        IntegrationUpdate::default()
    }

    /// Changes the column title.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Changes the status.
    pub fn status(mut self, status: IntegrationStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Changes the default button label.
    pub fn button_label(mut self, label: impl Into<String>) -> Self {
        self.initial_button = Some(InitialButton::new(label));
        self
    }

    /// Changes the action settings.
    pub fn action(mut self, action: Action) -> Self {
        self.action = Some(action);
        self
    }

    /// Checks every present field against the API's limits.
    ///
    /// # Errors
    ///
    /// As [`NewIntegration::validate`], for the fields that are present.
    pub fn validate(&self) -> Result<()> {
        if let Some(name) = &self.name {
            validate::length("name", name, 1, NAME_MAX_CHARS)?;
        }
        if let Some(status) = &self.status {
            status.validate()?;
        }
        if let Some(button) = &self.initial_button {
            validate::length("initialState.label", &button.label, 1, BUTTON_LABEL_MAX_CHARS)?;
        }
        if let Some(action) = &self.action {
            action.validate()?;
        }
        Ok(())
    }
}

/// A plugin integration as Productboard stores it.
///
/// The action settings, and with them the callback secret, are never returned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Integration {
    /// Identifier of the integration.
    pub id: Uuid,
    /// When the integration was created.
    #[serde(rename = "createdAt")]
    pub created_at: DateTime<Utc>,
    /// Whether the column is shown.
    #[serde(rename = "integrationStatus")]
    pub status: IntegrationStatus,
    /// Kind of integration.
    #[serde(rename = "type")]
    pub integration_type: String,
    /// Column title.
    pub name: String,
    /// Look of the push button of a feature without a connection.
    #[serde(rename = "initialState")]
    pub initial_button: InitialButton,
    /// API URL of the integration, when the server sent one.
    #[serde(
        rename = "links",
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::connection::self_link"
    )]
    pub url: Option<String>,
}
