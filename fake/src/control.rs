//! The control API under `/_fake/`: simulated clicks, fault injection and the request log,
//! for clients that drive the fake over HTTP. It needs no token and is never recorded.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::error::{
    ApiError, ErrorResponse, INTEGRATION_NOT_FOUND, REQUEST_INVALID_JSON, VALIDATION_INVALID,
    VALIDATION_REQUIRED,
};
use crate::{ClickErrorKind, Fault, Shared, Trigger, callback, faults, lock};

/// Code of a click on a disabled integration.
const INTEGRATION_DISABLED: &str = "pluginIntegration.disabled";

type AppState = Arc<Shared>;

/// Builds the router of the control API.
pub(crate) fn router(shared: AppState) -> Router {
    Router::new()
        .route("/_fake/click", post(click))
        .route("/_fake/faults", post(inject_fault))
        .route("/_fake/requests", get(list_requests).delete(clear_requests))
        .with_state(shared)
}

fn invalid(pointer: &str, detail: String) -> ErrorResponse {
    ErrorResponse::bad_request(vec![ApiError::at_pointer(VALIDATION_INVALID, pointer, detail)])
}

fn parse_object(body: &Bytes) -> Result<serde_json::Map<String, Value>, ErrorResponse> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(invalid("", "the body must be a JSON object".to_owned())),
        Err(error) => Err(ErrorResponse::bad_request(vec![ApiError::new(
            REQUEST_INVALID_JSON,
            format!("the request body is not valid JSON: {error}"),
        )])),
    }
}

fn required_str<'a>(
    object: &'a serde_json::Map<String, Value>,
    name: &str,
) -> Result<&'a str, ErrorResponse> {
    match object.get(name) {
        Some(Value::String(text)) => Ok(text),
        Some(_) => Err(invalid(&format!("/{name}"), format!("/{name} must be a string"))),
        None => Err(ErrorResponse::bad_request(vec![ApiError::at_pointer(
            VALIDATION_REQUIRED,
            format!("/{name}"),
            format!("/{name} is required"),
        )])),
    }
}

fn required_uuid(object: &serde_json::Map<String, Value>, name: &str) -> Result<Uuid, ErrorResponse> {
    let text = required_str(object, name)?;
    Uuid::parse_str(text).map_err(|_| invalid(&format!("/{name}"), format!("/{name} {text:?} is not a UUID")))
}

/// `POST /_fake/click`: simulates a click and returns `{"connection": state}`.
async fn click(State(shared): State<AppState>, body: Bytes) -> Result<Response, ErrorResponse> {
    let object = parse_object(&body)?;
    let integration = required_uuid(&object, "integrationId")?;
    let feature = required_uuid(&object, "featureId")?;
    let trigger_name = required_str(&object, "trigger")?;
    let trigger: Trigger = trigger_name
        .parse()
        .map_err(|error: crate::ParseTriggerError| invalid("/trigger", error.to_string()))?;

    match callback::click(&shared, integration, feature, trigger).await {
        Ok(state) => Ok(Json(json!({"connection": state})).into_response()),
        Err(error) => {
            let (status, code) = match error.kind() {
                ClickErrorKind::IntegrationDisabled => (StatusCode::CONFLICT, INTEGRATION_DISABLED),
                _ => (StatusCode::NOT_FOUND, INTEGRATION_NOT_FOUND),
            };
            Err(ErrorResponse::one(status, ApiError::new(code, error.to_string())))
        }
    }
}

/// `POST /_fake/faults`: queues a fault for the next `count` API requests.
async fn inject_fault(State(shared): State<AppState>, body: Bytes) -> Result<StatusCode, ErrorResponse> {
    let object = parse_object(&body)?;

    let count = match object.get("count") {
        None => 1,
        Some(value) => value
            .as_u64()
            .and_then(|count| usize::try_from(count).ok())
            .ok_or_else(|| {
                invalid(
                    "/count",
                    format!("/count is {value}; it must be a non-negative integer"),
                )
            })?,
    };

    let fault = match required_str(&object, "kind")? {
        "rateLimited" => {
            let retry_after = match object.get("retryAfter") {
                None | Some(Value::Null) => None,
                Some(Value::String(text)) => Some(text.clone()),
                Some(Value::Number(number)) => Some(number.to_string()),
                Some(_) => {
                    return Err(invalid(
                        "/retryAfter",
                        "/retryAfter must be a string or a number of seconds".to_owned(),
                    ));
                }
            };
            Fault::RateLimited { retry_after }
        }
        "status" => {
            let status = object
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|status| u16::try_from(status).ok())
                .ok_or_else(|| {
                    invalid(
                        "/status",
                        "/status is required for the kind status and must be an integer from 400 to 599"
                            .to_owned(),
                    )
                })?;
            Fault::Status(status)
        }
        "hang" => Fault::Hang,
        other => {
            return Err(invalid(
                "/kind",
                format!("/kind {other:?} is unknown; use rateLimited, status or hang"),
            ));
        }
    };
    if let Err(message) = fault.check() {
        let pointer = match fault {
            Fault::Status(_) => "/status",
            _ => "/retryAfter",
        };
        return Err(invalid(pointer, message));
    }

    faults::push(&shared, fault, count);
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /_fake/requests`: the request log as a JSON array, oldest first.
async fn list_requests(State(shared): State<AppState>) -> Response {
    let requests = lock(&shared.requests).clone();
    Json(requests).into_response()
}

/// `DELETE /_fake/requests`: clears the request log.
async fn clear_requests(State(shared): State<AppState>) -> StatusCode {
    lock(&shared.requests).clear();
    StatusCode::NO_CONTENT
}
