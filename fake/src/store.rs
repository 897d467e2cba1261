//! In-memory state: integrations and their connections, both kept in creation order.

use chrono::{SecondsFormat, Utc};
use uuid::Uuid;

use crate::model::{
    Action, ConnectionState, IntegrationStatus, IntegrationUpdate, NewIntegration, RequestedState,
};

/// A stored plugin integration.
#[derive(Debug, Clone)]
pub(crate) struct Integration {
    pub(crate) id: Uuid,
    /// Position in creation order, used by page cursors.
    pub(crate) sequence: u64,
    /// Creation time in RFC 3339 form, UTC with milliseconds.
    pub(crate) created_at: String,
    pub(crate) status: IntegrationStatus,
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) initial_label: String,
    pub(crate) action: Action,
    pub(crate) connections: Vec<Connection>,
}

/// A stored connection between one feature and an integration.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    /// Position in creation order, used by page cursors. A connection that is removed and set
    /// again moves to the end.
    pub(crate) sequence: u64,
    pub(crate) feature: Uuid,
    pub(crate) state: ConnectionState,
}

/// One page of a list and the sequence number that the next page starts after.
#[derive(Debug)]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    pub(crate) next_after: Option<u64>,
}

/// All integrations of the fake's single workspace.
#[derive(Debug, Default)]
pub(crate) struct Store {
    integrations: Vec<Integration>,
    next_sequence: u64,
}

/// Cuts one page out of items sorted by sequence number.
fn page_of<T: Clone>(items: &[T], sequence: impl Fn(&T) -> u64, after: Option<u64>, size: usize) -> Page<T> {
    let start = match after {
        Some(after) => items.partition_point(|item| sequence(item) <= after),
        None => 0,
    };
    let end = start.saturating_add(size).min(items.len());
    let page: Vec<T> = items[start..end].to_vec();
    let next_after = if end < items.len() {
        page.last().map(&sequence)
    } else {
        None
    };
    Page {
        items: page,
        next_after,
    }
}

impl Store {
    fn take_sequence(&mut self) -> u64 {
        self.next_sequence += 1;
        self.next_sequence
    }

    /// Stores a new integration and returns a copy of it.
    pub(crate) fn create(&mut self, new: NewIntegration) -> Integration {
        let integration = Integration {
            id: Uuid::new_v4(),
            sequence: self.take_sequence(),
            created_at: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            status: new.status,
            kind: new.kind,
            name: new.name,
            initial_label: new.initial_label,
            action: new.action,
            connections: Vec::new(),
        };
        self.integrations.push(integration.clone());
        integration
    }

    /// Returns the integration with the given id.
    pub(crate) fn get(&self, id: Uuid) -> Option<&Integration> {
        self.integrations.iter().find(|integration| integration.id == id)
    }

    fn get_mut(&mut self, id: Uuid) -> Option<&mut Integration> {
        self.integrations
            .iter_mut()
            .find(|integration| integration.id == id)
    }

    /// Returns up to `size` integrations created after the one with sequence `after`.
    pub(crate) fn list(&self, after: Option<u64>, size: usize) -> Page<Integration> {
        page_of(
            &self.integrations,
            |integration| integration.sequence,
            after,
            size,
        )
    }

    /// Applies a validated update and returns the updated integration, or `None` when the
    /// integration does not exist.
    pub(crate) fn update(&mut self, id: Uuid, update: IntegrationUpdate) -> Option<Integration> {
        let integration = self.get_mut(id)?;
        if let Some(status) = update.status {
            integration.status = status;
        }
        if let Some(name) = update.name {
            integration.name = name;
        }
        if let Some(label) = update.initial_label {
            integration.initial_label = label;
        }
        if let Some(action) = update.action {
            integration.action = action;
        }
        Some(integration.clone())
    }

    /// Deletes an integration and its connections. Returns false when it does not exist.
    pub(crate) fn delete(&mut self, id: Uuid) -> bool {
        let before = self.integrations.len();
        self.integrations.retain(|integration| integration.id != id);
        self.integrations.len() != before
    }

    /// Returns up to `size` connections of an integration, or `None` when the integration
    /// does not exist.
    pub(crate) fn list_connections(
        &self,
        id: Uuid,
        after: Option<u64>,
        size: usize,
    ) -> Option<Page<Connection>> {
        let integration = self.get(id)?;
        Some(page_of(
            &integration.connections,
            |connection| connection.sequence,
            after,
            size,
        ))
    }

    /// Returns the stored state of a feature's connection: `Err(())` when the integration
    /// does not exist, `Ok(None)` when the feature has no connection.
    #[allow(clippy::result_unit_err)]
    pub(crate) fn connection(&self, id: Uuid, feature: Uuid) -> Result<Option<ConnectionState>, ()> {
        let integration = self.get(id).ok_or(())?;
        Ok(integration
            .connections
            .iter()
            .find(|connection| connection.feature == feature)
            .map(|connection| connection.state.clone()))
    }

    /// Sets or removes a connection. Returns false when the integration does not exist.
    ///
    /// A new connection goes to the end of the list; replacing a state keeps its position.
    pub(crate) fn set_connection(&mut self, id: Uuid, feature: Uuid, state: RequestedState) -> bool {
        let sequence = self.take_sequence();
        let Some(integration) = self.get_mut(id) else {
            return false;
        };
        let existing = integration
            .connections
            .iter()
            .position(|connection| connection.feature == feature);

        match (state, existing) {
            (RequestedState::Initial, Some(index)) => {
                integration.connections.remove(index);
            }
            (RequestedState::Initial, None) => {}
            (RequestedState::Set(state), Some(index)) => {
                integration.connections[index].state = state;
            }
            (RequestedState::Set(state), None) => integration.connections.push(Connection {
                sequence,
                feature,
                state,
            }),
        }
        true
    }

    /// Removes a connection: `Err(())` when the integration does not exist, `Ok(false)` when
    /// the feature has no connection.
    pub(crate) fn delete_connection(&mut self, id: Uuid, feature: Uuid) -> Result<bool, ()> {
        let integration = self.get_mut(id).ok_or(())?;
        let before = integration.connections.len();
        integration
            .connections
            .retain(|connection| connection.feature != feature);
        Ok(integration.connections.len() != before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_integration(name: &str) -> NewIntegration {
        NewIntegration {
            status: IntegrationStatus::Disabled,
            kind: "com.example".into(),
            name: name.into(),
            initial_label: "Push".into(),
            action: Action {
                url: "https://example.com/".parse().unwrap(),
                authorization: None,
            },
        }
    }

    #[test]
    fn pages_follow_creation_order() {
        let mut store = Store::default();
        let names = ["a", "b", "c", "d", "e"];
        for name in names {
            store.create(new_integration(name));
        }

        let mut seen = Vec::new();
        let mut after = None;
        for _ in 0..10 {
            let page = store.list(after, 2);
            seen.extend(page.items.iter().map(|integration| integration.name.clone()));
            after = page.next_after;
            if after.is_none() {
                break;
            }
        }

        assert_eq!(seen, names);
    }

    #[test]
    fn page_cursor_survives_deletion() {
        let mut store = Store::default();
        let first = store.create(new_integration("a"));
        let second = store.create(new_integration("b"));
        store.create(new_integration("c"));

        let page = store.list(None, 2);
        store.delete(second.id);
        store.delete(first.id);
        let rest = store.list(page.next_after, 2);

        assert_eq!(rest.items.len(), 1);
        assert_eq!(rest.items[0].name, "c");
        assert_eq!(rest.next_after, None);
    }

    #[test]
    fn initial_state_removes_connection() {
        let mut store = Store::default();
        let integration = store.create(new_integration("a"));
        let feature = Uuid::new_v4();

        store.set_connection(
            integration.id,
            feature,
            RequestedState::Set(ConnectionState::Progress),
        );
        assert_eq!(
            store.connection(integration.id, feature),
            Ok(Some(ConnectionState::Progress))
        );

        store.set_connection(integration.id, feature, RequestedState::Initial);
        assert_eq!(store.connection(integration.id, feature), Ok(None));
    }
}
