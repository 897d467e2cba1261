//! The checked-in OpenAPI document and the hand-written layer agree.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr};
use productboard_plugin_integrations::{Client, ConnectionState};
use serde_json::{Value, json};

const SPEC: &str = include_str!("../openapi/plugin-integrations.json");

/// Each operation id of the spec and the `Client` method that performs it.
/// The function pointers make this fail to compile when a method is renamed
/// or removed.
fn client_counterparts() -> BTreeMap<&'static str, &'static str> {
    let _ = (
        Client::create_integration,
        Client::list_integrations,
        Client::integration,
        Client::update_integration,
        Client::delete_integration,
        Client::list_connections,
        Client::connection,
        Client::set_connection,
        Client::delete_connection,
    );
    BTreeMap::from([
        ("createIntegration", "create_integration"),
        ("listIntegrations", "list_integrations"),
        ("getIntegration", "integration"),
        ("updateIntegration", "update_integration"),
        // The deprecated PUT takes the same body as PATCH, which replaces it.
        ("replaceIntegration", "update_integration"),
        ("deleteIntegration", "delete_integration"),
        ("listConnections", "list_connections"),
        ("getConnection", "connection"),
        ("setConnection", "set_connection"),
        ("deleteConnection", "delete_connection"),
    ])
}

fn spec() -> OpenAPI {
    serde_json::from_str(SPEC).expect("the spec parses as OpenAPI 3.0")
}

#[test]
fn every_operation_has_a_client_method() {
    let spec = spec();
    let mut operation_ids = BTreeSet::new();
    for (_, _, operation) in spec.operations() {
        operation_ids.insert(operation.operation_id.clone().expect("every operation has an id"));
    }
    let counterparts = client_counterparts();
    let covered: BTreeSet<String> = counterparts.keys().map(|id| id.to_string()).collect();

    let missing: Vec<_> = operation_ids.difference(&covered).collect();
    let stale: Vec<_> = covered.difference(&operation_ids).collect();
    assert!(
        missing.is_empty(),
        "spec operations without a Client method: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "Client methods for operations the spec no longer has: {stale:?}"
    );
    assert_eq!(operation_ids.len(), 10);
}

#[test]
fn every_operation_requires_x_version() {
    let spec = spec();
    for (path, method, operation) in spec.operations() {
        let has_version = operation.parameters.iter().any(|parameter| match parameter {
            ReferenceOr::Reference { reference } => reference == "#/components/parameters/XVersion",
            ReferenceOr::Item(_) => false,
        });
        assert!(has_version, "{method} {path} lacks the X-Version parameter");
    }
}

#[test]
fn error_responses_share_one_schema() {
    let raw: Value = serde_json::from_str(SPEC).unwrap();
    for (path, item) in raw["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    let reference = response["$ref"].as_str().unwrap_or_default();
                    assert!(
                        reference.starts_with("#/components/responses/"),
                        "{method} {path} {status} does not use a shared error response"
                    );
                }
            }
        }
    }
    for (name, response) in raw["components"]["responses"].as_object().unwrap() {
        let schema = &response["content"]["application/json"]["schema"]["$ref"];
        assert_eq!(schema, "#/components/schemas/ErrorBody", "response {name}");
    }
}

/// A connection-state variant reduced to what must agree: required fields
/// and each property's limits and allowed values.
fn summarize(variant: &Value, schemas: &Value) -> (String, Value) {
    let variant = match variant.get("$ref").and_then(Value::as_str) {
        Some(reference) => &schemas[reference.trim_start_matches("#/components/schemas/")],
        None => variant,
    };
    let state = variant["properties"]["state"]["enum"][0]
        .as_str()
        .unwrap()
        .to_string();
    let mut required: Vec<&str> = variant["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|field| field.as_str().unwrap())
        .collect();
    required.sort_unstable();

    let mut properties = serde_json::Map::new();
    for (name, property) in variant["properties"].as_object().unwrap() {
        let mut limits = serde_json::Map::new();
        for key in ["type", "minLength", "maxLength", "enum", "format", "readOnly"] {
            if let Some(value) = property.get(key) {
                limits.insert(key.to_string(), value.clone());
            }
        }
        properties.insert(name.clone(), Value::Object(limits));
    }
    (state, json!({ "required": required, "properties": properties }))
}

#[test]
fn connection_state_schema_matches_spec() {
    let raw: Value = serde_json::from_str(SPEC).unwrap();
    let schemas = &raw["components"]["schemas"];
    let from_spec: BTreeMap<String, Value> = schemas["ConnectionState"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|variant| summarize(variant, schemas))
        .collect();

    let ours = serde_json::to_value(schemars::schema_for!(ConnectionState)).unwrap();
    let from_crate: BTreeMap<String, Value> = ours["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|variant| summarize(variant, &Value::Null))
        .collect();

    assert_eq!(
        from_spec.keys().collect::<Vec<_>>(),
        from_crate.keys().collect::<Vec<_>>()
    );
    for (state, spec_summary) in &from_spec {
        assert_eq!(&from_crate[state], spec_summary, "state {state}");
    }
    let mapping = schemas["ConnectionState"]["discriminator"]["mapping"]
        .as_object()
        .unwrap();
    assert_eq!(mapping.len(), 4);
    assert_eq!(
        schemas["ConnectionState"]["discriminator"]["propertyName"],
        "state"
    );
}
