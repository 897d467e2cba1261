//! Validation of request bodies: pure functions from JSON to checked values or errors.
//!
//! Every check collects all problems of a body, so one response lists each invalid field
//! with a JSON Pointer to it. Lengths count Unicode scalar values (`char`s), not bytes.
//! Fields that the schema does not define are ignored.

use std::net::IpAddr;

use serde_json::{Map, Value};
use url::{Host, Url};

use crate::error::{
    ApiError, CALLBACK_INVALID_URL, VALIDATION_INVALID, VALIDATION_READ_ONLY, VALIDATION_REQUIRED,
};
use crate::model::{
    Action, COLORS, ConnectionState, IntegrationStatus, IntegrationUpdate, NewIntegration, RequestedState,
};

/// Maximum length of an integration's `type` and `name`.
pub(crate) const MAX_TYPE_OR_NAME: usize = 255;
/// Maximum length of `initialState.label`.
pub(crate) const MAX_INITIAL_LABEL: usize = 10;
/// Maximum length of `action.url`.
pub(crate) const MAX_ACTION_URL: usize = 1024;
/// Maximum length of `action.headers.authorization`.
pub(crate) const MAX_AUTHORIZATION: usize = 2048;
/// Maximum length of a connected state's `label` and `hoverLabel`.
pub(crate) const MAX_CONNECTED_LABEL: usize = 20;
/// Maximum length of a connected state's `tooltip`.
pub(crate) const MAX_TOOLTIP: usize = 50;
/// Maximum length of a connected state's `targetUrl`.
pub(crate) const MAX_TARGET_URL: usize = 1000;
/// Maximum length of an error state's `message`.
pub(crate) const MAX_ERROR_MESSAGE: usize = 255;

/// Collects the errors found in one body.
struct Checker {
    errors: Vec<ApiError>,
}

impl Checker {
    fn new() -> Checker {
        Checker { errors: Vec::new() }
    }

    fn invalid(&mut self, pointer: &str, detail: String) {
        self.errors
            .push(ApiError::at_pointer(VALIDATION_INVALID, pointer, detail));
    }

    fn missing(&mut self, pointer: &str) {
        self.errors.push(ApiError::at_pointer(
            VALIDATION_REQUIRED,
            pointer,
            format!("{pointer} is required"),
        ));
    }

    /// Returns the object at `pointer`, recording an error when it is missing or not an object.
    fn object<'a>(&mut self, value: Option<&'a Value>, pointer: &str) -> Option<&'a Map<String, Value>> {
        match value {
            None => {
                self.missing(pointer);
                None
            }
            Some(Value::Object(map)) => Some(map),
            Some(other) => {
                self.invalid(
                    pointer,
                    format!("{pointer} must be an object, not {}", type_name(other)),
                );
                None
            }
        }
    }

    /// Returns the string at `pointer` when it exists, is a string and its length in
    /// characters is within `min..=max`.
    fn string(&mut self, value: Option<&Value>, pointer: &str, min: usize, max: usize) -> Option<String> {
        match value {
            None => {
                self.missing(pointer);
                None
            }
            Some(Value::String(text)) => {
                let length = text.chars().count();
                if length < min {
                    self.invalid(
                        pointer,
                        format!("{pointer} is empty; it must have {min} to {max} characters"),
                    );
                    None
                } else if length > max {
                    self.invalid(
                        pointer,
                        format!("{pointer} has {length} characters; the maximum is {max} characters"),
                    );
                    None
                } else {
                    Some(text.clone())
                }
            }
            Some(other) => {
                self.invalid(
                    pointer,
                    format!("{pointer} must be a string, not {}", type_name(other)),
                );
                None
            }
        }
    }

    /// Returns the string at `pointer` when it is one of `allowed`.
    fn one_of(&mut self, value: Option<&Value>, pointer: &str, allowed: &[&str]) -> Option<String> {
        let text = self.string(value, pointer, 0, usize::MAX)?;
        if allowed.contains(&text.as_str()) {
            Some(text)
        } else {
            self.invalid(
                pointer,
                format!("{pointer} is {text:?}; it must be one of {}", allowed.join(", ")),
            );
            None
        }
    }

    fn status(&mut self, value: Option<&Value>, pointer: &str) -> Option<IntegrationStatus> {
        match self.one_of(value, pointer, &["enabled", "disabled"])?.as_str() {
            "enabled" => Some(IntegrationStatus::Enabled),
            _ => Some(IntegrationStatus::Disabled),
        }
    }

    fn initial_label(&mut self, value: Option<&Value>, pointer: &str) -> Option<String> {
        let object = self.object(value, pointer)?;
        self.string(
            object.get("label"),
            &format!("{pointer}/label"),
            1,
            MAX_INITIAL_LABEL,
        )
    }

    fn action(&mut self, value: Option<&Value>, pointer: &str) -> Option<Action> {
        let object = self.object(value, pointer)?;

        let url_pointer = format!("{pointer}/url");
        let url = match self.string(object.get("url"), &url_pointer, 0, MAX_ACTION_URL) {
            Some(text) => match action_url(&text) {
                Ok(url) => Some(url),
                Err(detail) => {
                    self.errors
                        .push(ApiError::at_pointer(CALLBACK_INVALID_URL, &url_pointer, detail));
                    None
                }
            },
            None => None,
        };

        let version_pointer = format!("{pointer}/version");
        match object.get("version") {
            None => self.missing(&version_pointer),
            Some(version) if version.as_u64() == Some(1) => {}
            Some(other) => self.invalid(
                &version_pointer,
                format!("{version_pointer} is {other}; the only supported version is 1"),
            ),
        }

        let authorization = self.authorization(object.get("headers"), &format!("{pointer}/headers"));

        Some(Action {
            url: url?,
            authorization: authorization?,
        })
    }

    /// Returns the configured authorization value: `Some(None)` when none is set, `None`
    /// when the headers are invalid.
    fn authorization(&mut self, value: Option<&Value>, pointer: &str) -> Option<Option<String>> {
        let headers = match value {
            None | Some(Value::Null) => return Some(None),
            Some(Value::Object(headers)) => headers,
            Some(other) => {
                self.invalid(
                    pointer,
                    format!("{pointer} must be an object or null, not {}", type_name(other)),
                );
                return None;
            }
        };

        let pointer = format!("{pointer}/authorization");
        match headers.get("authorization") {
            None | Some(Value::Null) => Some(None),
            value => {
                let text = self.string(value, &pointer, 0, MAX_AUTHORIZATION)?;
                let sendable = text.chars().all(|c| c == '\t' || (' '..='~').contains(&c));
                if sendable {
                    Some(Some(text))
                } else {
                    self.invalid(
                        &pointer,
                        format!(
                            "{pointer} contains a character that cannot be sent in an HTTP header; \
                             use printable ASCII only"
                        ),
                    );
                    None
                }
            }
        }
    }

    fn connection_state(&mut self, value: Option<&Value>, pointer: &str) -> Option<RequestedState> {
        let object = self.object(value, pointer)?;
        let state_pointer = format!("{pointer}/state");
        let state = self.one_of(
            object.get("state"),
            &state_pointer,
            &["connected", "error", "progress", "initial"],
        )?;

        match state.as_str() {
            "connected" => {
                let field = |name: &str| format!("{pointer}/{name}");
                let label = self.string(object.get("label"), &field("label"), 1, MAX_CONNECTED_LABEL);
                let hover_label = self.string(
                    object.get("hoverLabel"),
                    &field("hoverLabel"),
                    1,
                    MAX_CONNECTED_LABEL,
                );
                let tooltip = self.string(object.get("tooltip"), &field("tooltip"), 1, MAX_TOOLTIP);
                let color = self.one_of(object.get("color"), &field("color"), &COLORS);
                let target_url = self.target_url(object.get("targetUrl"), &field("targetUrl"));
                Some(RequestedState::Set(ConnectionState::Connected {
                    label: label?,
                    hover_label: hover_label?,
                    tooltip: tooltip?,
                    color: color?,
                    target_url: target_url?,
                }))
            }
            "error" => {
                let message = self.string(
                    object.get("message"),
                    &format!("{pointer}/message"),
                    1,
                    MAX_ERROR_MESSAGE,
                );
                match object.get("debugDetail") {
                    None | Some(Value::Null) => {}
                    Some(_) => {
                        let detail_pointer = format!("{pointer}/debugDetail");
                        self.errors.push(ApiError::at_pointer(
                            VALIDATION_READ_ONLY,
                            &detail_pointer,
                            format!(
                                "{detail_pointer} is set only by Productboard; remove it from the request"
                            ),
                        ));
                    }
                }
                Some(RequestedState::Set(ConnectionState::Error {
                    message: message?,
                    debug_detail: None,
                }))
            }
            "progress" => Some(RequestedState::Set(ConnectionState::Progress)),
            _ => Some(RequestedState::Initial),
        }
    }

    fn target_url(&mut self, value: Option<&Value>, pointer: &str) -> Option<String> {
        let text = self.string(value, pointer, 1, MAX_TARGET_URL)?;
        match Url::parse(&text) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Some(text),
            Ok(url) => {
                self.invalid(
                    pointer,
                    format!(
                        "{pointer} has the scheme {:?}; it must be an http or https URL",
                        url.scheme()
                    ),
                );
                None
            }
            Err(error) => {
                self.invalid(pointer, format!("{pointer} is not a valid absolute URL: {error}"));
                None
            }
        }
    }

    /// Returns `value` when no error was recorded, or all recorded errors.
    fn finish<T>(self, value: Option<T>) -> Result<T, Vec<ApiError>> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(self.errors),
        }
    }
}

/// Returns the JSON type name of a value for error details.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Returns the `data` object of a request body.
fn data_object<'a>(checker: &mut Checker, body: &'a Value) -> Option<&'a Map<String, Value>> {
    match body {
        Value::Object(root) => checker.object(root.get("data"), "/data"),
        other => {
            checker.invalid(
                "",
                format!("the request body must be an object, not {}", type_name(other)),
            );
            None
        }
    }
}

/// Checks an action URL: an absolute `https` URL, or an `http` URL whose host is loopback.
///
/// Plain `http` to loopback hosts is a relaxation of the fake, so tests can receive the
/// probe and action notifications on a local server without TLS.
///
/// # Errors
///
/// Returns a detail message when the URL cannot be parsed or uses another scheme or host.
pub(crate) fn action_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text)
        .map_err(|error| format!("/data/action/url {text:?} is not a valid absolute URL: {error}"))?;

    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(format!(
            "/data/action/url {text:?} uses http; use https (this fake also accepts http \
             for loopback hosts: 127.0.0.0/8, ::1 and localhost)"
        )),
        scheme => Err(format!(
            "/data/action/url {text:?} has the scheme {scheme:?}; use https"
        )),
    }
}

/// Tells whether the URL's host is `localhost` or a loopback IP address.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(address)) => IpAddr::V4(address).is_loopback(),
        Some(Host::Ipv6(address)) => IpAddr::V6(address).is_loopback(),
        None => false,
    }
}

/// Validates the body of a create request, `{"data": NewIntegration}`.
///
/// # Errors
///
/// Returns one error per invalid or missing field. A missing `integrationStatus` means
/// `enabled`.
pub(crate) fn new_integration(body: &Value) -> Result<NewIntegration, Vec<ApiError>> {
    let mut checker = Checker::new();
    let Some(data) = data_object(&mut checker, body) else {
        return Err(checker.errors);
    };

    let status = match data.get("integrationStatus") {
        None => Some(IntegrationStatus::Enabled),
        value => checker.status(value, "/data/integrationStatus"),
    };
    let kind = checker.string(data.get("type"), "/data/type", 1, MAX_TYPE_OR_NAME);
    let name = checker.string(data.get("name"), "/data/name", 1, MAX_TYPE_OR_NAME);
    let initial_label = checker.initial_label(data.get("initialState"), "/data/initialState");
    let action = checker.action(data.get("action"), "/data/action");

    let integration = (|| {
        Some(NewIntegration {
            status: status?,
            kind: kind?,
            name: name?,
            initial_label: initial_label?,
            action: action?,
        })
    })();
    checker.finish(integration)
}

/// Validates the body of an update (PATCH or PUT), `{"data": IntegrationUpdate}`.
///
/// # Errors
///
/// Returns one error per invalid field. Absent fields are not errors.
pub(crate) fn integration_update(body: &Value) -> Result<IntegrationUpdate, Vec<ApiError>> {
    let mut checker = Checker::new();
    let Some(data) = data_object(&mut checker, body) else {
        return Err(checker.errors);
    };

    let mut update = IntegrationUpdate::default();
    if data.contains_key("integrationStatus") {
        update.status = checker.status(data.get("integrationStatus"), "/data/integrationStatus");
    }
    if data.contains_key("type") {
        update.kind = checker.string(data.get("type"), "/data/type", 1, MAX_TYPE_OR_NAME);
    }
    if data.contains_key("name") {
        update.name = checker.string(data.get("name"), "/data/name", 1, MAX_TYPE_OR_NAME);
    }
    if data.contains_key("initialState") {
        update.initial_label = checker.initial_label(data.get("initialState"), "/data/initialState");
    }
    if data.contains_key("action") {
        update.action = checker.action(data.get("action"), "/data/action");
    }
    checker.finish(Some(update))
}

/// Validates a body of the form `{"data": {"connection": state}}`, sent by clients to set a
/// connection and by action URLs in response to an action notification.
///
/// # Errors
///
/// Returns one error per invalid field, including `debugDetail`, which is read-only.
pub(crate) fn connection_body(body: &Value) -> Result<RequestedState, Vec<ApiError>> {
    let mut checker = Checker::new();
    let Some(data) = data_object(&mut checker, body) else {
        return Err(checker.errors);
    };
    let state = checker.connection_state(data.get("connection"), "/data/connection");
    checker.finish(state)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn valid_integration() -> Value {
        json!({"data": {
            "type": "com.example.tickets",
            "name": "Tickets",
            "initialState": {"label": "Push"},
            "action": {"url": "https://example.com/hook", "version": 1,
                       "headers": {"authorization": "Bearer secret"}},
        }})
    }

    fn pointers(errors: &[ApiError]) -> Vec<String> {
        errors
            .iter()
            .map(|error| match &error.source {
                Some(crate::error::ErrorSource::Pointer(pointer)) => pointer.clone(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    fn connected(label: &str) -> Value {
        json!({"data": {"connection": {
            "state": "connected", "label": label, "hoverLabel": "KEY-1",
            "tooltip": "Open the ticket", "color": "blue",
            "targetUrl": "https://tickets.example.com/KEY-1",
        }}})
    }

    #[test]
    fn new_integration_defaults_to_enabled() {
        let integration = new_integration(&valid_integration()).unwrap();

        assert_eq!(integration.status, IntegrationStatus::Enabled);
        assert_eq!(integration.kind, "com.example.tickets");
        assert_eq!(integration.action.authorization.as_deref(), Some("Bearer secret"));
    }

    #[test]
    fn new_integration_lists_every_missing_field() {
        let errors = new_integration(&json!({"data": {}})).unwrap_err();

        assert_eq!(
            pointers(&errors),
            ["/data/type", "/data/name", "/data/initialState", "/data/action"]
        );
        assert!(errors.iter().all(|error| error.code == VALIDATION_REQUIRED));
    }

    #[test]
    fn new_integration_without_data_is_rejected() {
        let errors = new_integration(&json!({"type": "x"})).unwrap_err();

        assert_eq!(pointers(&errors), ["/data"]);
    }

    #[test]
    fn length_limits_count_characters() {
        let mut body = valid_integration();
        body["data"]["name"] = json!("é".repeat(255));
        body["data"]["initialState"]["label"] = json!("ü".repeat(10));
        assert!(new_integration(&body).is_ok());

        body["data"]["name"] = json!("é".repeat(256));
        body["data"]["initialState"]["label"] = json!("ü".repeat(11));
        let errors = new_integration(&body).unwrap_err();
        assert_eq!(pointers(&errors), ["/data/name", "/data/initialState/label"]);
        assert!(errors[0].detail.contains("256 characters"));
        assert!(errors[0].detail.contains("maximum is 255"));
    }

    #[test]
    fn empty_strings_are_rejected() {
        let mut body = valid_integration();
        body["data"]["type"] = json!("");
        body["data"]["initialState"]["label"] = json!("");

        let errors = new_integration(&body).unwrap_err();

        assert_eq!(pointers(&errors), ["/data/type", "/data/initialState/label"]);
    }

    #[test]
    fn action_url_rules() {
        assert!(action_url("https://example.com/a?b=c").is_ok());
        assert!(action_url("http://127.0.0.1:8080/hook").is_ok());
        assert!(action_url("http://127.5.6.7/hook").is_ok());
        assert!(action_url("http://[::1]:9000/").is_ok());
        assert!(action_url("http://localhost/hook").is_ok());
        assert!(action_url("http://LOCALHOST/hook").is_ok());

        assert!(action_url("http://example.com/hook").is_err());
        assert!(action_url("http://10.0.0.1/hook").is_err());
        assert!(action_url("ftp://example.com/").is_err());
        assert!(action_url("/relative").is_err());
        assert!(action_url("").is_err());
    }

    #[test]
    fn action_url_errors_use_callback_code() {
        let mut body = valid_integration();
        body["data"]["action"]["url"] = json!("http://example.com/hook");

        let errors = new_integration(&body).unwrap_err();

        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, CALLBACK_INVALID_URL);
        assert_eq!(pointers(&errors), ["/data/action/url"]);
    }

    #[test]
    fn action_url_length_limit() {
        let mut body = valid_integration();
        let prefix = "https://example.com/";
        let long = format!("{prefix}{}", "a".repeat(MAX_ACTION_URL - prefix.len()));
        body["data"]["action"]["url"] = json!(long);
        assert!(new_integration(&body).is_ok());

        body["data"]["action"]["url"] = json!(format!("{long}a"));
        let errors = new_integration(&body).unwrap_err();
        assert_eq!(errors[0].code, VALIDATION_INVALID);
        assert!(errors[0].detail.contains("1025 characters"));
    }

    #[test]
    fn action_version_must_be_one() {
        for version in [json!(2), json!("1"), json!(null)] {
            let mut body = valid_integration();
            body["data"]["action"]["version"] = version.clone();

            let errors = new_integration(&body).unwrap_err();

            assert_eq!(pointers(&errors), ["/data/action/version"], "{version}");
        }
    }

    #[test]
    fn authorization_may_be_null_or_absent() {
        for headers in [json!(null), json!({}), json!({"authorization": null})] {
            let mut body = valid_integration();
            body["data"]["action"]["headers"] = headers;

            let integration = new_integration(&body).unwrap();

            assert_eq!(integration.action.authorization, None);
        }
    }

    #[test]
    fn authorization_limits() {
        let mut body = valid_integration();
        body["data"]["action"]["headers"]["authorization"] = json!("a".repeat(2048));
        assert!(new_integration(&body).is_ok());

        body["data"]["action"]["headers"]["authorization"] = json!("a".repeat(2049));
        let errors = new_integration(&body).unwrap_err();
        assert_eq!(pointers(&errors), ["/data/action/headers/authorization"]);

        body["data"]["action"]["headers"]["authorization"] = json!("Bearer\nx");
        let errors = new_integration(&body).unwrap_err();
        assert_eq!(pointers(&errors), ["/data/action/headers/authorization"]);
    }

    #[test]
    fn status_must_be_known() {
        let mut body = valid_integration();
        body["data"]["integrationStatus"] = json!("paused");

        let errors = new_integration(&body).unwrap_err();

        assert_eq!(pointers(&errors), ["/data/integrationStatus"]);
        assert!(errors[0].detail.contains("enabled, disabled"));
    }

    #[test]
    fn update_keeps_absent_fields() {
        let update = integration_update(&json!({"data": {"name": "New"}})).unwrap();

        assert_eq!(update.name.as_deref(), Some("New"));
        assert_eq!(update.status, None);
        assert_eq!(update.action, None);
    }

    #[test]
    fn update_rejects_null_name() {
        let errors = integration_update(&json!({"data": {"name": null}})).unwrap_err();

        assert_eq!(pointers(&errors), ["/data/name"]);
    }

    #[test]
    fn connected_label_of_twenty_multibyte_characters() {
        assert!(connection_body(&connected(&"ž".repeat(20))).is_ok());

        let errors = connection_body(&connected(&"ž".repeat(21))).unwrap_err();

        assert_eq!(pointers(&errors), ["/data/connection/label"]);
        assert!(errors[0].detail.contains("21 characters"));
    }

    #[test]
    fn connected_requires_every_field() {
        let body = json!({"data": {"connection": {"state": "connected"}}});

        let errors = connection_body(&body).unwrap_err();

        assert_eq!(
            pointers(&errors),
            [
                "/data/connection/label",
                "/data/connection/hoverLabel",
                "/data/connection/tooltip",
                "/data/connection/color",
                "/data/connection/targetUrl",
            ]
        );
    }

    #[test]
    fn connected_field_limits() {
        let mut body = connected("Open");
        body["data"]["connection"]["tooltip"] = json!("t".repeat(51));
        body["data"]["connection"]["hoverLabel"] = json!("h".repeat(21));
        body["data"]["connection"]["color"] = json!("pink");
        body["data"]["connection"]["targetUrl"] = json!("not a url");

        let errors = connection_body(&body).unwrap_err();

        assert_eq!(
            pointers(&errors),
            [
                "/data/connection/hoverLabel",
                "/data/connection/tooltip",
                "/data/connection/color",
                "/data/connection/targetUrl",
            ]
        );
    }

    #[test]
    fn target_url_length_limit() {
        let prefix = "https://example.com/";
        let long = format!("{prefix}{}", "a".repeat(MAX_TARGET_URL - prefix.len()));
        let mut body = connected("Open");
        body["data"]["connection"]["targetUrl"] = json!(long);
        assert!(connection_body(&body).is_ok());

        body["data"]["connection"]["targetUrl"] = json!(format!("{long}a"));
        let errors = connection_body(&body).unwrap_err();
        assert_eq!(pointers(&errors), ["/data/connection/targetUrl"]);
    }

    #[test]
    fn error_state_rules() {
        let ok = json!({"data": {"connection": {"state": "error", "message": "m".repeat(255)}}});
        assert!(connection_body(&ok).is_ok());

        let long = json!({"data": {"connection": {"state": "error", "message": "m".repeat(256)}}});
        assert_eq!(
            pointers(&connection_body(&long).unwrap_err()),
            ["/data/connection/message"]
        );

        let detail = json!({"data": {"connection": {
            "state": "error", "message": "failed", "debugDetail": "trace"}}});
        let errors = connection_body(&detail).unwrap_err();
        assert_eq!(pointers(&errors), ["/data/connection/debugDetail"]);
        assert_eq!(errors[0].code, VALIDATION_READ_ONLY);
    }

    #[test]
    fn simple_states() {
        let progress = json!({"data": {"connection": {"state": "progress"}}});
        let initial = json!({"data": {"connection": {"state": "initial"}}});

        assert_eq!(
            connection_body(&progress).unwrap(),
            RequestedState::Set(ConnectionState::Progress)
        );
        assert_eq!(connection_body(&initial).unwrap(), RequestedState::Initial);
    }

    #[test]
    fn unknown_state_is_rejected() {
        let body = json!({"data": {"connection": {"state": "linked"}}});

        let errors = connection_body(&body).unwrap_err();

        assert_eq!(pointers(&errors), ["/data/connection/state"]);
    }
}
