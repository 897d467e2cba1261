//! A feature's connection as the API returns it.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::state::ConnectionState;

/// The connection between one feature and a plugin integration.
///
/// The wire form is `{"featureId":..,"connection":{"state":..},"links":{"self":..}}`;
/// the `connection` object becomes [`state`](Self::state).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Connection {
    /// The feature whose push button this connection drives.
    #[serde(rename = "featureId")]
    pub feature_id: Uuid,
    /// The state of the feature's push button.
    #[serde(rename = "connection")]
    pub state: ConnectionState,
    /// API URL of the connection, when the server sent one.
    #[serde(
        rename = "links",
        default,
        skip_serializing_if = "Option::is_none",
        with = "self_link"
    )]
    pub url: Option<String>,
}

impl Connection {
    /// Creates a connection value with no URL, as the client returns for a
    /// feature without a connection.
    pub fn new(feature_id: Uuid, state: ConnectionState) -> Self {
        Connection {
            feature_id,
            state,
            url: None,
        }
    }
}

/// The `links` object with its `self` URL, flattened to one optional string.
pub(crate) mod self_link {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Links<T> {
        #[serde(rename = "self")]
        self_url: T,
    }

    pub(crate) fn serialize<S: Serializer>(url: &Option<String>, serializer: S) -> Result<S::Ok, S::Error> {
        Links { self_url: url }.serialize(serializer)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<String>, D::Error> {
        let links = Option::<Links<Option<String>>>::deserialize(deserializer)?;
        Ok(links.and_then(|links| links.self_url))
    }
}
