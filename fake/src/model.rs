//! Values that the fake stores and returns: integration settings and connection states.

use serde_json::{Value, json};
use url::Url;

/// Whether an integration's column is shown on the Features board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IntegrationStatus {
    Enabled,
    Disabled,
}

impl IntegrationStatus {
    /// Returns the wire name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            IntegrationStatus::Enabled => "enabled",
            IntegrationStatus::Disabled => "disabled",
        }
    }
}

/// Target of an integration's probe and action notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Action {
    pub(crate) url: Url,
    /// Value of the `Authorization` header sent to the action URL, when configured.
    pub(crate) authorization: Option<String>,
}

/// Background color of a connected push button.
pub(crate) const COLORS: [&str; 7] = ["gray", "blue", "green", "yellow", "orange", "red", "purple"];

/// State of a stored connection. The `initial` state is never stored, because it means that
/// no connection exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConnectionState {
    Connected {
        label: String,
        hover_label: String,
        tooltip: String,
        color: String,
        target_url: String,
    },
    Error {
        message: String,
        /// Technical reason, set only by the fake when an action notification failed.
        debug_detail: Option<String>,
    },
    Progress,
}

impl ConnectionState {
    /// Returns the state in its wire form.
    pub(crate) fn to_json(&self) -> Value {
        match self {
            ConnectionState::Connected {
                label,
                hover_label,
                tooltip,
                color,
                target_url,
            } => json!({
                "state": "connected",
                "label": label,
                "hoverLabel": hover_label,
                "tooltip": tooltip,
                "color": color,
                "targetUrl": target_url,
            }),
            ConnectionState::Error {
                message,
                debug_detail: Some(debug_detail),
            } => json!({"state": "error", "message": message, "debugDetail": debug_detail}),
            ConnectionState::Error {
                message,
                debug_detail: None,
            } => json!({"state": "error", "message": message}),
            ConnectionState::Progress => json!({"state": "progress"}),
        }
    }
}

/// Returns the wire form of the `initial` state, which every feature without a connection has.
pub(crate) fn initial_state_json() -> Value {
    json!({"state": "initial"})
}

/// A connection state requested by a client or by the response to an action notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RequestedState {
    /// `initial`: remove the connection.
    Initial,
    /// Any other state: create or replace the connection.
    Set(ConnectionState),
}

/// Fields of a plugin integration to create, after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewIntegration {
    pub(crate) status: IntegrationStatus,
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) initial_label: String,
    pub(crate) action: Action,
}

/// Changes to a plugin integration, after validation. `None` keeps the stored value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IntegrationUpdate {
    pub(crate) status: Option<IntegrationStatus>,
    /// The `type` field, accepted only when it equals the stored type.
    pub(crate) kind: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) initial_label: Option<String>,
    pub(crate) action: Option<Action>,
}
