//! The state of a feature's push button: [`ConnectionState`].

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::validate;

/// Maximum characters of [`Connected::label`] and [`Connected::hover_label`].
pub const LABEL_MAX_CHARS: usize = 20;
/// Maximum characters of [`Connected::tooltip`].
pub const TOOLTIP_MAX_CHARS: usize = 50;
/// Maximum characters of [`Connected::target_url`].
pub const TARGET_URL_MAX_CHARS: usize = 1000;
/// Maximum characters of [`ErrorState::message`].
pub const MESSAGE_MAX_CHARS: usize = 255;

/// The state of one feature's push button in a plugin integration.
///
/// The wire form is an object selected by its `state` property:
/// `{"state":"connected","label":..}`, `{"state":"error","message":..}`,
/// `{"state":"progress"}` or `{"state":"initial"}`.
///
/// # Initial means no connection
///
/// [`Initial`](Self::Initial) is the default state and means that no
/// connection exists. Setting it has exactly the effect of deleting the
/// connection, so [`Client::set_connection`](crate::Client::set_connection)
/// sends a DELETE for it, and a feature without a connection reads back as
/// `Initial`. List endpoints never return initial connections.
///
/// # Validity
///
/// The constructors [`connected`](Self::connected) and [`error`](Self::error)
/// check the API's limits. Decoding is lenient, so that values from a newer
/// or looser server do not fail a whole response: over-long texts decode,
/// an unknown color decodes to [`Color::Unknown`], and an unknown state
/// decodes to [`Unknown`](Self::Unknown) with its raw JSON. A missing
/// required field is still an error. [`validate`](Self::validate) applies
/// the limits again, and the client calls it before sending any state.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionState {
    /// The feature is linked to an entity in the other system.
    Connected(Connected),
    /// The connection could not be made; the button shows the message.
    Error(ErrorState),
    /// The other system is still working; the button shows a spinner.
    Progress,
    /// No connection exists; the button shows the integration's default label.
    Initial,
    /// A state this version of the crate does not know. It is kept as
    /// received and rejected by [`validate`](Self::validate), so it is never sent.
    Unknown(UnknownState),
}

/// Contents of a [`ConnectionState::Connected`] button.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Connected {
    /// Button text, typically the entity's status in the other system (1 to 20 characters).
    pub label: String,
    /// Button text while the pointer is over the button (1 to 20 characters).
    pub hover_label: String,
    /// Longer text shown above the button on hover (1 to 50 characters).
    pub tooltip: String,
    /// Background color of the button.
    pub color: Color,
    /// Absolute URL of the entity in the other system (1 to 1000 characters).
    pub target_url: String,
}

/// Contents of a [`ConnectionState::Error`] button.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorState {
    /// Reason the connection failed, shown to the user (1 to 255 characters).
    pub message: String,
    /// Technical reason that Productboard adds when its own call to the
    /// action URL failed. Read-only: it is never serialized.
    pub debug_detail: Option<String>,
}

/// A connection state that this crate does not know, as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownState {
    name: String,
    raw: Value,
}

/// Background color of a connected push button.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Color {
    /// `gray`
    Gray,
    /// `blue`
    Blue,
    /// `green`
    Green,
    /// `yellow`
    Yellow,
    /// `orange`
    Orange,
    /// `red`
    Red,
    /// `purple`
    Purple,
    /// A color this crate does not know, as received. Rejected in requests.
    Unknown(String),
}

impl Color {
    /// The colors the API accepts, in the spec's order.
    pub const ALL: [Color; 7] = [
        Color::Gray,
        Color::Blue,
        Color::Green,
        Color::Yellow,
        Color::Orange,
        Color::Red,
        Color::Purple,
    ];

    /// Returns the wire name, such as `blue`.
    pub fn name(&self) -> &str {
        match self {
            Color::Gray => "gray",
            Color::Blue => "blue",
            Color::Green => "green",
            Color::Yellow => "yellow",
            Color::Orange => "orange",
            Color::Red => "red",
            Color::Purple => "purple",
            Color::Unknown(name) => name,
        }
    }

    /// Parses a wire name; a name the API does not list becomes [`Color::Unknown`].
    pub fn from_name(name: &str) -> Color {
        Color::ALL
            .into_iter()
            .find(|color| color.name() == name)
            .unwrap_or_else(|| Color::Unknown(name.to_string()))
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Color {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Color {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = Cow::<str>::deserialize(deserializer)?;
        Ok(Color::from_name(&name))
    }
}

impl Connected {
    /// Creates the contents of a connected button. The values are checked
    /// when they become a state through [`ConnectionState::connected`].
    pub fn new(
        label: impl Into<String>,
        hover_label: impl Into<String>,
        tooltip: impl Into<String>,
        color: Color,
        target_url: impl Into<String>,
    ) -> Self {
        Connected {
            label: label.into(),
            hover_label: hover_label.into(),
            tooltip: tooltip.into(),
            color,
            target_url: target_url.into(),
        }
    }

    fn validate(&self) -> Result<()> {
        validate::length("label", &self.label, 1, LABEL_MAX_CHARS)?;
        validate::length("hoverLabel", &self.hover_label, 1, LABEL_MAX_CHARS)?;
        validate::length("tooltip", &self.tooltip, 1, TOOLTIP_MAX_CHARS)?;
        if let Color::Unknown(name) = &self.color {
            let allowed: Vec<&str> = Color::ALL.iter().map(Color::name).collect();
            return Err(Error::invalid(
                "color",
                format!(
                    "{name:?} is not a known color; expected one of {}",
                    allowed.join(", ")
                ),
            ));
        }
        validate::absolute_url("targetUrl", &self.target_url, TARGET_URL_MAX_CHARS, &[])?;
        Ok(())
    }
}

impl ErrorState {
    /// Creates the contents of an error button with the given message.
    pub fn new(message: impl Into<String>) -> Self {
        ErrorState {
            message: message.into(),
            debug_detail: None,
        }
    }

    fn validate(&self) -> Result<()> {
        validate::length("message", &self.message, 1, MESSAGE_MAX_CHARS)
    }
}

impl UnknownState {
    /// Returns the state's wire name, such as `archived`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Returns the state object exactly as received.
    pub fn raw(&self) -> &Value {
        &self.raw
    }
}

impl ConnectionState {
    /// Creates a connected state, checking every field against the API's limits.
    ///
    /// # Errors
    ///
    /// An [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) error
    /// naming the first invalid field: `label` or `hoverLabel` outside 1 to 20
    /// characters, `tooltip` outside 1 to 50, an unknown `color`, or a
    /// `targetUrl` that is not an absolute URL of 1 to 1000 characters.
    ///
    /// # Examples
    ///
    /// ```
    /// use productboard_plugin_integrations::{Color, Connected, ConnectionState};
    ///
    /// let state = ConnectionState::connected(Connected::new(
    ///     "In review",
    ///     "TICKET-142",
    ///     "TICKET-142: Export to CSV",
    ///     Color::Blue,
    ///     "https://tickets.example.com/TICKET-142",
    /// ))?;
    /// assert_eq!(state.name(), "connected");
    /// # Ok::<(), productboard_plugin_integrations::Error>(())
    /// ```
    pub fn connected(connected: Connected) -> Result<Self> {
        connected.validate()?;
        Ok(ConnectionState::Connected(connected))
    }

    /// Creates an error state with a message for the user.
    ///
    /// # Errors
    ///
    /// An [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) error
    /// naming `message` when it is empty or longer than 255 characters.
    pub fn error(message: impl Into<String>) -> Result<Self> {
        let state = ErrorState::new(message);
        state.validate()?;
        Ok(ConnectionState::Error(state))
    }

    /// Creates an error state, shortening `message` to the 255-character
    /// limit and replacing an empty one with a generic text. Never fails.
    pub fn error_truncated(message: &str) -> Self {
        let mut text: String = message.chars().take(MESSAGE_MAX_CHARS).collect();
        if text.trim().is_empty() {
            text = "The operation failed.".to_string();
        }
        ConnectionState::Error(ErrorState::new(text))
    }

    /// Returns the wire name of the state: `connected`, `error`, `progress`,
    /// `initial`, or the received name of an unknown state.
    pub fn name(&self) -> &str {
        match self {
            ConnectionState::Connected(_) => "connected",
            ConnectionState::Error(_) => "error",
            ConnectionState::Progress => "progress",
            ConnectionState::Initial => "initial",
            ConnectionState::Unknown(unknown) => &unknown.name,
        }
    }

    /// Returns whether this is [`ConnectionState::Initial`], which means no connection.
    pub fn is_initial(&self) -> bool {
        matches!(self, ConnectionState::Initial)
    }

    /// Checks the state against the API's limits, however it was built.
    ///
    /// # Errors
    ///
    /// An [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) error
    /// naming the first invalid field, or naming `state` for an
    /// [`Unknown`](Self::Unknown) state, which can never be sent.
    pub fn validate(&self) -> Result<()> {
        match self {
            ConnectionState::Connected(connected) => connected.validate(),
            ConnectionState::Error(error) => error.validate(),
            ConnectionState::Progress | ConnectionState::Initial => Ok(()),
            ConnectionState::Unknown(unknown) => Err(Error::invalid(
                "state",
                format!(
                    "{:?} is not a state this crate can send; expected connected, error, progress or initial",
                    unknown.name
                ),
            )),
        }
    }
}

impl Default for ConnectionState {
    /// [`ConnectionState::Initial`], the state of a feature without a connection.
    fn default() -> Self {
        ConnectionState::Initial
    }
}

impl Serialize for ConnectionState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ConnectionState::Connected(connected) => {
                let mut map = serializer.serialize_map(Some(6))?;
                map.serialize_entry("state", "connected")?;
                map.serialize_entry("label", &connected.label)?;
                map.serialize_entry("hoverLabel", &connected.hover_label)?;
                map.serialize_entry("tooltip", &connected.tooltip)?;
                map.serialize_entry("color", &connected.color)?;
                map.serialize_entry("targetUrl", &connected.target_url)?;
                map.end()
            }
            ConnectionState::Error(error) => {
                // `debugDetail` is read-only: the API sets it and rejects it in requests.
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("state", "error")?;
                map.serialize_entry("message", &error.message)?;
                map.end()
            }
            ConnectionState::Progress | ConnectionState::Initial => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("state", self.name())?;
                map.end()
            }
            ConnectionState::Unknown(unknown) => unknown.raw.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for ConnectionState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(StateVisitor)
    }
}

/// Keys of a state object that the crate reads. `StateKey::Known` contains an
/// index into this array, named by the constants below.
const STATE_KEYS: [&str; 8] = [
    "state",
    "label",
    "hoverLabel",
    "tooltip",
    "color",
    "targetUrl",
    "message",
    "debugDetail",
];

const STATE: usize = 0;
const LABEL: usize = 1;
const HOVER_LABEL: usize = 2;
const TOOLTIP: usize = 3;
const COLOR: usize = 4;
const TARGET_URL: usize = 5;
const MESSAGE: usize = 6;
const DEBUG_DETAIL: usize = 7;

enum StateKey {
    Known(usize),
    Other(String),
}

impl<'de> Deserialize<'de> for StateKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl serde::de::Visitor<'_> for KeyVisitor {
            type Value = StateKey;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }

            fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<StateKey, E> {
                Ok(match STATE_KEYS.iter().position(|known| *known == key) {
                    Some(index) => StateKey::Known(index),
                    None => StateKey::Other(key.to_string()),
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

struct StateVisitor;

impl<'de> serde::de::Visitor<'de> for StateVisitor {
    type Value = ConnectionState;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a connection state object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<ConnectionState, A::Error> {
        let mut known: [Option<Value>; 8] = Default::default();
        let mut other = Map::new();
        while let Some(key) = map.next_key::<StateKey>()? {
            match key {
                StateKey::Known(index) => known[index] = Some(map.next_value()?),
                StateKey::Other(key) => {
                    other.insert(key, map.next_value()?);
                }
            }
        }
        let name = match known[STATE].take() {
            Some(Value::String(name)) => name,
            Some(other) => {
                return Err(A::Error::custom(format_args!(
                    "connection state: `state` must be a string, found {other}"
                )));
            }
            None => return Err(A::Error::custom("connection state: missing field `state`")),
        };
        let mut take = |index: usize, state: &str| -> Result<String, A::Error> {
            let field = STATE_KEYS[index];
            match known[index].take() {
                Some(Value::String(text)) => Ok(text),
                Some(other) => Err(A::Error::custom(format_args!(
                    "connection state `{state}`: field `{field}` must be a string, found {other}"
                ))),
                None => Err(A::Error::custom(format_args!(
                    "connection state `{state}`: missing field `{field}`"
                ))),
            }
        };
        match name.as_str() {
            "connected" => {
                let label = take(LABEL, "connected")?;
                let hover_label = take(HOVER_LABEL, "connected")?;
                let tooltip = take(TOOLTIP, "connected")?;
                let color = take(COLOR, "connected")?;
                let target_url = take(TARGET_URL, "connected")?;
                Ok(ConnectionState::Connected(Connected {
                    label,
                    hover_label,
                    tooltip,
                    color: Color::from_name(&color),
                    target_url,
                }))
            }
            "error" => {
                let message = take(MESSAGE, "error")?;
                let debug_detail = match known[DEBUG_DETAIL].take() {
                    Some(Value::String(detail)) => Some(detail),
                    _ => None,
                };
                Ok(ConnectionState::Error(ErrorState {
                    message,
                    debug_detail,
                }))
            }
            "progress" => Ok(ConnectionState::Progress),
            "initial" => Ok(ConnectionState::Initial),
            _ => {
                for (index, value) in known.into_iter().enumerate() {
                    if let Some(value) = value {
                        other.insert(STATE_KEYS[index].to_string(), value);
                    }
                }
                other.insert("state".to_string(), Value::String(name.clone()));
                Ok(ConnectionState::Unknown(UnknownState {
                    name,
                    raw: Value::Object(other),
                }))
            }
        }
    }
}

impl JsonSchema for ConnectionState {
    fn schema_name() -> Cow<'static, str> {
        "ConnectionState".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let colors: Vec<&str> = Color::ALL.iter().map(Color::name).collect();
        json_schema!({
            "description": "State of one feature's push button, selected by the `state` property.",
            "oneOf": [
                {
                    "type": "object",
                    "required": ["state", "label", "hoverLabel", "tooltip", "color", "targetUrl"],
                    "properties": {
                        "state": { "type": "string", "enum": ["connected"] },
                        "label": { "type": "string", "minLength": 1, "maxLength": LABEL_MAX_CHARS },
                        "hoverLabel": { "type": "string", "minLength": 1, "maxLength": LABEL_MAX_CHARS },
                        "tooltip": { "type": "string", "minLength": 1, "maxLength": TOOLTIP_MAX_CHARS },
                        "color": { "type": "string", "enum": colors },
                        "targetUrl": {
                            "type": "string",
                            "format": "uri",
                            "minLength": 1,
                            "maxLength": TARGET_URL_MAX_CHARS
                        }
                    }
                },
                {
                    "type": "object",
                    "required": ["state", "message"],
                    "properties": {
                        "state": { "type": "string", "enum": ["error"] },
                        "message": { "type": "string", "minLength": 1, "maxLength": MESSAGE_MAX_CHARS },
                        "debugDetail": { "type": "string", "readOnly": true, "maxLength": 8000 }
                    }
                },
                {
                    "type": "object",
                    "required": ["state"],
                    "properties": { "state": { "type": "string", "enum": ["progress"] } }
                },
                {
                    "type": "object",
                    "required": ["state"],
                    "properties": { "state": { "type": "string", "enum": ["initial"] } }
                }
            ]
        })
    }
}
