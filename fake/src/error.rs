//! Error bodies in the API's wire format.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Code of a missing integration, also used by connection operations on one.
pub(crate) const INTEGRATION_NOT_FOUND: &str = "pluginIntegration.notFound";
/// Code of a feature that has no connection.
pub(crate) const CONNECTION_NOT_FOUND: &str = "pluginIntegration.connection.notFound";
/// Code of an action URL that is malformed or not allowed.
pub(crate) const CALLBACK_INVALID_URL: &str = "callback.invalidUrl";
/// Code of a probe that got no valid response.
pub(crate) const CALLBACK_PROBE_FAILED: &str = "callback.probeFailed";
/// Code of a required field or body that is missing.
pub(crate) const VALIDATION_REQUIRED: &str = "validation.required";
/// Code of a field with a wrong type, length or value.
pub(crate) const VALIDATION_INVALID: &str = "validation.invalid";
/// Code of a read-only field sent in a request.
pub(crate) const VALIDATION_READ_ONLY: &str = "validation.readOnly";
/// Code of a path or query parameter that cannot be parsed.
pub(crate) const PARAMETER_INVALID: &str = "parameter.invalid";
/// Code of a missing or wrong bearer token.
pub(crate) const AUTHENTICATION_FAILED: &str = "authentication.failed";
/// Code of a missing or unsupported `X-Version` header.
pub(crate) const VERSION_INVALID: &str = "version.invalid";
/// Code of a body that is not valid JSON.
pub(crate) const REQUEST_INVALID_JSON: &str = "request.invalidJson";
/// Code of a body sent with a content type other than JSON.
pub(crate) const REQUEST_UNSUPPORTED_MEDIA_TYPE: &str = "request.unsupportedMediaType";
/// Code of a body above the size limit.
pub(crate) const REQUEST_TOO_LARGE: &str = "request.tooLarge";
/// Code of a path that no operation serves.
pub(crate) const ROUTE_NOT_FOUND: &str = "route.notFound";
/// Code of a method that the path does not support.
pub(crate) const METHOD_NOT_ALLOWED: &str = "method.notAllowed";
/// Code of an injected 429 response.
pub(crate) const RATE_LIMITED: &str = "rateLimit.exceeded";
/// Code of an injected error status.
pub(crate) const INJECTED_FAULT: &str = "fake.injectedFault";

/// Returns the fixed title of an error code.
fn title_of(code: &str) -> &'static str {
    match code {
        INTEGRATION_NOT_FOUND => "Plugin integration not found",
        CONNECTION_NOT_FOUND => "Connection not found",
        CALLBACK_INVALID_URL => "Invalid action URL",
        CALLBACK_PROBE_FAILED => "Action URL probe failed",
        VALIDATION_REQUIRED => "Required value missing",
        VALIDATION_INVALID => "Invalid value",
        VALIDATION_READ_ONLY => "Read-only field",
        PARAMETER_INVALID => "Invalid parameter",
        AUTHENTICATION_FAILED => "Authentication failed",
        VERSION_INVALID => "Unsupported API version",
        REQUEST_INVALID_JSON => "Malformed JSON body",
        REQUEST_UNSUPPORTED_MEDIA_TYPE => "Unsupported media type",
        REQUEST_TOO_LARGE => "Request body too large",
        ROUTE_NOT_FOUND => "Not found",
        METHOD_NOT_ALLOWED => "Method not allowed",
        RATE_LIMITED => "Too many requests",
        INJECTED_FAULT => "Injected failure",
        _ => "Error",
    }
}

/// Part of the request that caused an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) enum ErrorSource {
    /// JSON Pointer (RFC 6901) into the request body.
    #[serde(rename = "pointer")]
    Pointer(String),
    /// Name of a path, query or header parameter.
    #[serde(rename = "parameter")]
    Parameter(String),
}

/// One entry of the `errors` array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ApiError {
    pub(crate) code: &'static str,
    pub(crate) title: &'static str,
    pub(crate) detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) source: Option<ErrorSource>,
}

impl ApiError {
    /// Creates an error without a source.
    pub(crate) fn new(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            code,
            title: title_of(code),
            detail: detail.into(),
            source: None,
        }
    }

    /// Creates an error that points at a field of the request body.
    pub(crate) fn at_pointer(
        code: &'static str,
        pointer: impl Into<String>,
        detail: impl Into<String>,
    ) -> ApiError {
        ApiError {
            source: Some(ErrorSource::Pointer(pointer.into())),
            ..ApiError::new(code, detail)
        }
    }

    /// Creates an error that names a path, query or header parameter.
    pub(crate) fn at_parameter(
        code: &'static str,
        parameter: impl Into<String>,
        detail: impl Into<String>,
    ) -> ApiError {
        ApiError {
            source: Some(ErrorSource::Parameter(parameter.into())),
            ..ApiError::new(code, detail)
        }
    }
}

/// An error response: a status and one or more errors, sent as JSON.
#[derive(Debug)]
pub(crate) struct ErrorResponse {
    pub(crate) status: StatusCode,
    pub(crate) errors: Vec<ApiError>,
    pub(crate) retry_after: Option<String>,
}

impl ErrorResponse {
    /// Creates a response with a single error.
    pub(crate) fn one(status: StatusCode, error: ApiError) -> ErrorResponse {
        ErrorResponse {
            status,
            errors: vec![error],
            retry_after: None,
        }
    }

    /// Creates a 400 response with the given errors.
    pub(crate) fn bad_request(errors: Vec<ApiError>) -> ErrorResponse {
        ErrorResponse {
            status: StatusCode::BAD_REQUEST,
            errors,
            retry_after: None,
        }
    }

    /// Creates the 404 response of a missing integration.
    pub(crate) fn integration_not_found(id: uuid::Uuid) -> ErrorResponse {
        ErrorResponse::one(
            StatusCode::NOT_FOUND,
            ApiError::new(
                INTEGRATION_NOT_FOUND,
                format!("no plugin integration with id {id} exists"),
            ),
        )
    }

    /// Creates the 404 response of a feature without a connection.
    pub(crate) fn connection_not_found(id: uuid::Uuid, feature: uuid::Uuid) -> ErrorResponse {
        ErrorResponse::one(
            StatusCode::NOT_FOUND,
            ApiError::new(
                CONNECTION_NOT_FOUND,
                format!("feature {feature} has no connection to plugin integration {id}"),
            ),
        )
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    errors: &'a [ApiError],
}

impl IntoResponse for ErrorResponse {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(ErrorBody { errors: &self.errors })).into_response();

        if let Some(retry_after) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&retry_after)
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
