//! HTTP handlers of the plugin-integration operations, and the guard in front of them that
//! records requests, injects faults and checks the token and the API version.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;
use url::form_urlencoded;
use uuid::Uuid;

use crate::error::{
    AUTHENTICATION_FAILED, ApiError, CALLBACK_PROBE_FAILED, ErrorResponse, METHOD_NOT_ALLOWED,
    PARAMETER_INVALID, REQUEST_INVALID_JSON, REQUEST_TOO_LARGE, REQUEST_UNSUPPORTED_MEDIA_TYPE,
    ROUTE_NOT_FOUND, VALIDATION_INVALID, VERSION_INVALID,
};
use crate::model::{IntegrationStatus, RequestedState, initial_state_json};
use crate::store::{Connection, Integration};
use crate::{RecordedRequest, Shared, callback, faults, lock, validate};

/// Maximum size of a request body.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Query parameter that carries the page cursor.
const CURSOR_PARAMETER: &str = "pageCursor";

type AppState = Arc<Shared>;
type ApiResult = Result<Response, ErrorResponse>;

/// Builds the router of the ten operations, behind the guard.
pub(crate) fn router(shared: AppState) -> Router {
    Router::new()
        .route(
            "/plugin-integrations",
            get(list_integrations).post(create_integration),
        )
        .route(
            "/plugin-integrations/{id}",
            get(get_integration)
                .patch(update_integration)
                .put(update_integration)
                .delete(delete_integration),
        )
        .route("/plugin-integrations/{id}/connections", get(list_connections))
        .route(
            "/plugin-integrations/{id}/connections/{feature_id}",
            get(get_connection).put(put_connection).delete(delete_connection),
        )
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

/// Records the request, then responds with an injected fault, or checks the bearer token and
/// `X-Version` before passing the request on.
async fn guard(State(shared): State<AppState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, MAX_BODY_BYTES).await;

    record(
        &shared,
        &parts,
        body.as_ref().map(|bytes| &bytes[..]).unwrap_or(b""),
    );
    let Ok(body) = body else {
        return ErrorResponse::one(
            StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::new(
                REQUEST_TOO_LARGE,
                format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
            ),
        )
        .into_response();
    };

    if let Some(fault) = faults::take(&shared) {
        return faults::respond(&shared, fault).await;
    }

    if let Err(error) = check_token(&shared, &parts.headers) {
        return error.into_response();
    }
    if let Err(error) = check_version(&parts.headers) {
        return error.into_response();
    }

    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// Appends a request to the log, without its `Authorization` header.
fn record(shared: &Shared, parts: &axum::http::request::Parts, body: &[u8]) {
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in &parts.headers {
        if name == header::AUTHORIZATION {
            continue;
        }
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|joined| {
                joined.push_str(", ");
                joined.push_str(&value);
            })
            .or_insert(value);
    }

    let path = parts
        .uri
        .path_and_query()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| parts.uri.path().to_owned());

    lock(&shared.requests).push(RecordedRequest {
        method: parts.method.as_str().to_owned(),
        path,
        headers,
        body: String::from_utf8_lossy(body).into_owned(),
    });
}

fn unauthorized(detail: &str) -> ErrorResponse {
    ErrorResponse::one(
        StatusCode::UNAUTHORIZED,
        ApiError::new(AUTHENTICATION_FAILED, detail),
    )
}

/// Checks `Authorization: Bearer <token>`, comparing the token in constant time.
fn check_token(shared: &Shared, headers: &HeaderMap) -> Result<(), ErrorResponse> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(unauthorized(
            "the Authorization header is missing; send Authorization: Bearer <token>",
        ));
    };

    let value = value.as_bytes();
    let scheme_ok = value.len() > 7 && value[..7].eq_ignore_ascii_case(b"bearer ");
    if !scheme_ok {
        return Err(unauthorized(
            "the Authorization header does not use the Bearer scheme; send Authorization: Bearer <token>",
        ));
    }

    let presented = value[7..].trim_ascii();
    if bool::from(presented.ct_eq(shared.token.as_bytes())) {
        Ok(())
    } else {
        Err(unauthorized("the bearer token is invalid"))
    }
}

/// Checks that `X-Version` is present and equals 1.
fn check_version(headers: &HeaderMap) -> Result<(), ErrorResponse> {
    let error = |detail: String| {
        ErrorResponse::bad_request(vec![ApiError::at_parameter(VERSION_INVALID, "X-Version", detail)])
    };

    match headers.get("x-version") {
        None => Err(error(
            "the X-Version header is missing; send X-Version: 1".to_owned(),
        )),
        Some(value) if value.as_bytes().trim_ascii() == b"1" => Ok(()),
        Some(value) => Err(error(format!(
            "X-Version {:?} is not supported; the only version is 1",
            String::from_utf8_lossy(value.as_bytes())
        ))),
    }
}

async fn route_not_found() -> ErrorResponse {
    ErrorResponse::one(
        StatusCode::NOT_FOUND,
        ApiError::new(ROUTE_NOT_FOUND, "no operation exists at this path"),
    )
}

async fn method_not_allowed() -> ErrorResponse {
    ErrorResponse::one(
        StatusCode::METHOD_NOT_ALLOWED,
        ApiError::new(METHOD_NOT_ALLOWED, "this path does not support the method"),
    )
}

/// Parses a UUID path parameter.
fn parse_id(text: &str, parameter: &str) -> Result<Uuid, ErrorResponse> {
    Uuid::parse_str(text).map_err(|_| {
        ErrorResponse::bad_request(vec![ApiError::at_parameter(
            PARAMETER_INVALID,
            parameter,
            format!("path parameter {parameter} {text:?} is not a UUID"),
        )])
    })
}

/// Parses a JSON request body; a non-empty body must have a JSON content type.
fn parse_json(headers: &HeaderMap, body: &Bytes) -> Result<Value, ErrorResponse> {
    if !body.is_empty() {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        let media = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if media != "application/json" && !media.ends_with("+json") {
            return Err(ErrorResponse::one(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ApiError::new(
                    REQUEST_UNSUPPORTED_MEDIA_TYPE,
                    format!("the content type {content_type:?} is not supported; send application/json"),
                ),
            ));
        }
    }

    serde_json::from_slice(body).map_err(|error| {
        let detail = if body.is_empty() {
            "the request body is empty; send a JSON object with a data property".to_owned()
        } else {
            format!("the request body is not valid JSON: {error}")
        };
        ErrorResponse::bad_request(vec![ApiError::new(REQUEST_INVALID_JSON, detail)])
    })
}

/// Reads the page cursor of a list: `None` for the first page, or the sequence number that
/// the page starts after.
///
/// A cursor has the form `<list>:after=<sequence>`, which the query string carries
/// percent-encoded.
fn parse_cursor(query: Option<&str>, list: &str) -> Result<Option<u64>, ErrorResponse> {
    let Some(query) = query else {
        return Ok(None);
    };
    let Some((_, cursor)) =
        form_urlencoded::parse(query.as_bytes()).find(|(name, _)| name == CURSOR_PARAMETER)
    else {
        return Ok(None);
    };

    cursor
        .strip_prefix(list)
        .and_then(|rest| rest.strip_prefix(":after="))
        .and_then(|sequence| sequence.parse::<u64>().ok())
        .map(Some)
        .ok_or_else(|| {
            ErrorResponse::bad_request(vec![ApiError::at_parameter(
                PARAMETER_INVALID,
                CURSOR_PARAMETER,
                format!(
                    "pageCursor {cursor:?} is not a cursor of this list; use links.next as returned, without decoding or encoding it again"
                ),
            )])
        })
}

/// Returns the absolute URL of the page after `sequence`, or null.
fn next_link(path_url: String, list: &str, after: Option<u64>) -> Value {
    match after {
        Some(sequence) => {
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair(CURSOR_PARAMETER, &format!("{list}:after={sequence}"))
                .finish();
            Value::String(format!("{path_url}?{query}"))
        }
        None => Value::Null,
    }
}

fn integration_json(base: &str, integration: &Integration) -> Value {
    json!({
        "id": integration.id,
        "createdAt": integration.created_at,
        "integrationStatus": integration.status.as_str(),
        "type": integration.kind,
        "name": integration.name,
        "initialState": {"label": integration.initial_label},
        "links": {"self": format!("{base}/plugin-integrations/{}", integration.id)},
    })
}

fn connection_json(base: &str, id: Uuid, feature: Uuid, state: Value) -> Value {
    json!({
        "featureId": feature,
        "connection": state,
        "links": {"self": format!("{base}/plugin-integrations/{id}/connections/{feature}")},
    })
}

fn data(status: StatusCode, value: Value) -> Response {
    (status, axum::Json(json!({"data": value}))).into_response()
}

fn probe_failed(detail: String) -> ErrorResponse {
    ErrorResponse::bad_request(vec![ApiError::at_pointer(
        CALLBACK_PROBE_FAILED,
        "/data/action/url",
        detail,
    )])
}

async fn create_integration(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let body = parse_json(&headers, &body)?;
    let new = validate::new_integration(&body).map_err(ErrorResponse::bad_request)?;

    if new.status == IntegrationStatus::Enabled {
        callback::probe(&shared, &new.action).await.map_err(|detail| {
            tracing::info!(url = %new.action.url, %detail, "probe failed; integration not created");
            probe_failed(detail)
        })?;
    }

    let integration = lock(&shared.store).create(new);
    tracing::debug!(id = %integration.id, "plugin integration created");
    Ok(data(
        StatusCode::CREATED,
        integration_json(&shared.base_url, &integration),
    ))
}

async fn list_integrations(State(shared): State<AppState>, RawQuery(query): RawQuery) -> ApiResult {
    let after = parse_cursor(query.as_deref(), "integrations")?;
    let page = lock(&shared.store).list(after, shared.page_size);

    let base = &shared.base_url;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|integration| integration_json(base, integration))
        .collect();
    let next = next_link(
        format!("{base}/plugin-integrations"),
        "integrations",
        page.next_after,
    );
    Ok(axum::Json(json!({"data": items, "links": {"next": next}})).into_response())
}

async fn get_integration(State(shared): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let id = parse_id(&id, "id")?;
    let store = lock(&shared.store);
    let integration = store
        .get(id)
        .ok_or_else(|| ErrorResponse::integration_not_found(id))?;
    Ok(data(
        StatusCode::OK,
        integration_json(&shared.base_url, integration),
    ))
}

/// Serves PATCH and the deprecated PUT, which behave the same.
async fn update_integration(
    State(shared): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let id = parse_id(&id, "id")?;
    let body = parse_json(&headers, &body)?;
    let update = validate::integration_update(&body).map_err(ErrorResponse::bad_request)?;

    // Decide whether the result needs a probe, without holding the lock during it.
    let probe_action = {
        let store = lock(&shared.store);
        let current = store
            .get(id)
            .ok_or_else(|| ErrorResponse::integration_not_found(id))?;

        if let Some(kind) = &update.kind
            && *kind != current.kind
        {
            return Err(ErrorResponse::bad_request(vec![ApiError::at_pointer(
                VALIDATION_INVALID,
                "/data/type",
                format!(
                    "/data/type cannot be changed after creation; the stored type is {:?}",
                    current.kind
                ),
            )]));
        }

        let status = update.status.unwrap_or(current.status);
        let enabling = current.status == IntegrationStatus::Disabled && status == IntegrationStatus::Enabled;
        let new_action = update.action.is_some();
        let needs_probe = status == IntegrationStatus::Enabled && (enabling || new_action);
        needs_probe.then(|| update.action.clone().unwrap_or(current.action.clone()))
    };

    if let Some(action) = probe_action {
        callback::probe(&shared, &action).await.map_err(|detail| {
            tracing::info!(%id, url = %action.url, %detail, "probe failed; integration not changed");
            probe_failed(detail)
        })?;
    }

    let integration = lock(&shared.store)
        .update(id, update)
        .ok_or_else(|| ErrorResponse::integration_not_found(id))?;
    Ok(data(
        StatusCode::OK,
        integration_json(&shared.base_url, &integration),
    ))
}

async fn delete_integration(State(shared): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let id = parse_id(&id, "id")?;
    if lock(&shared.store).delete(id) {
        tracing::debug!(%id, "plugin integration deleted");
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ErrorResponse::integration_not_found(id))
    }
}

async fn list_connections(
    State(shared): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let id = parse_id(&id, "id")?;
    let after = parse_cursor(query.as_deref(), "connections")?;
    let page = lock(&shared.store)
        .list_connections(id, after, shared.page_size)
        .ok_or_else(|| ErrorResponse::integration_not_found(id))?;

    let base = &shared.base_url;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|connection: &Connection| {
            connection_json(base, id, connection.feature, connection.state.to_json())
        })
        .collect();
    let next = next_link(
        format!("{base}/plugin-integrations/{id}/connections"),
        "connections",
        page.next_after,
    );
    Ok(axum::Json(json!({"data": items, "links": {"next": next}})).into_response())
}

async fn get_connection(
    State(shared): State<AppState>,
    Path((id, feature)): Path<(String, String)>,
) -> ApiResult {
    let id = parse_id(&id, "id")?;
    let feature = parse_id(&feature, "featureId")?;

    let state = lock(&shared.store)
        .connection(id, feature)
        .map_err(|()| ErrorResponse::integration_not_found(id))?
        .ok_or_else(|| ErrorResponse::connection_not_found(id, feature))?;
    Ok(data(
        StatusCode::OK,
        connection_json(&shared.base_url, id, feature, state.to_json()),
    ))
}

async fn put_connection(
    State(shared): State<AppState>,
    Path((id, feature)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let id = parse_id(&id, "id")?;
    let feature = parse_id(&feature, "featureId")?;
    let body = parse_json(&headers, &body)?;
    let state = validate::connection_body(&body).map_err(ErrorResponse::bad_request)?;

    let state_json = match &state {
        RequestedState::Initial => initial_state_json(),
        RequestedState::Set(state) => state.to_json(),
    };
    if !lock(&shared.store).set_connection(id, feature, state) {
        return Err(ErrorResponse::integration_not_found(id));
    }
    Ok(data(
        StatusCode::OK,
        connection_json(&shared.base_url, id, feature, state_json),
    ))
}

async fn delete_connection(
    State(shared): State<AppState>,
    Path((id, feature)): Path<(String, String)>,
) -> ApiResult {
    let id = parse_id(&id, "id")?;
    let feature = parse_id(&feature, "featureId")?;

    let deleted = lock(&shared.store)
        .delete_connection(id, feature)
        .map_err(|()| ErrorResponse::integration_not_found(id))?;
    if deleted {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ErrorResponse::connection_not_found(id, feature))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip() {
        let link = next_link("http://h/plugin-integrations".into(), "integrations", Some(7));
        let link = link.as_str().unwrap();

        assert_eq!(
            link,
            "http://h/plugin-integrations?pageCursor=integrations%3Aafter%3D7"
        );
        let query = link.split_once('?').unwrap().1;
        assert_eq!(parse_cursor(Some(query), "integrations").unwrap(), Some(7));
    }

    #[test]
    fn cursor_of_other_list_is_rejected() {
        let query = "pageCursor=integrations%3Aafter%3D7";

        assert!(parse_cursor(Some(query), "connections").is_err());
    }

    #[test]
    fn re_encoded_cursor_is_rejected() {
        let query = "pageCursor=integrations%253Aafter%253D7";

        assert!(parse_cursor(Some(query), "integrations").is_err());
    }
}
