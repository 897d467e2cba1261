//! Pins the public call shape that other crates compile against. These
//! tests mostly check types: a rename or signature change fails to compile.

use std::time::Duration;

use futures::Stream;
use productboard_plugin_integrations::{
    Client, ClientBuilder, Connection, ConnectionState, Error, ErrorKind, Integration, IntegrationUpdate,
    NewIntegration, Result,
};
use uuid::Uuid;

fn assert_clone_send_sync<T: Clone + Send + Sync + 'static>() {}

fn assert_send<T: Send>(_: &T) {}

fn assert_wire_types<T: serde::Serialize + serde::de::DeserializeOwned>() {}

#[test]
fn client_is_clone_send_sync() {
    assert_clone_send_sync::<Client>();
    assert_wire_types::<ConnectionState>();
    assert_wire_types::<Connection>();
    assert_wire_types::<NewIntegration>();
    assert_wire_types::<IntegrationUpdate>();
    assert_wire_types::<Integration>();
}

#[test]
fn error_is_a_std_error() {
    fn assert_error<E: std::error::Error + Send + Sync + 'static>() {}
    assert_error::<Error>();
}

/// Builds every call without awaiting it, checking argument and result types
/// and that each future can move to another thread.
#[tokio::test]
async fn call_shapes() {
    let builder: ClientBuilder = Client::builder()
        .token("t")
        .base_url("http://127.0.0.1:9")
        .http_client(reqwest::Client::new())
        .timeout(Duration::from_secs(1))
        .max_retries(0)
        .rate_limit(0);
    let client: Client = builder.build().unwrap();
    let _: Result<Client> = Client::new("t");
    let id = Uuid::nil();
    let new = NewIntegration::new(
        "t",
        "n",
        "Push",
        productboard_plugin_integrations::Action::new("https://x.example"),
    );
    let update = IntegrationUpdate::new();
    let state = ConnectionState::Progress;

    let create = client.create_integration(&new);
    let get = client.integration(id);
    let list = client.list_integrations();
    let patch = client.update_integration(id, &update);
    let delete = client.delete_integration(id);
    let connection = client.connection(id, id);
    let connections = client.list_connections(id);
    let set = client.set_connection(id, id, &state);
    let unset = client.delete_connection(id, id);
    assert_send(&create);
    assert_send(&get);
    assert_send(&list);
    assert_send(&patch);
    assert_send(&delete);
    assert_send(&connection);
    assert_send(&connections);
    assert_send(&set);
    assert_send(&unset);

    let _: &dyn Fn(Result<Integration>) = &|_| {};
    let _: &dyn Fn(Result<Vec<Integration>>) = &|_| {};
    let _: &dyn Fn(Result<Connection>) = &|_| {};
    let _: &dyn Fn(Result<Vec<Connection>>) = &|_| {};
    let _: &dyn Fn(Result<()>) = &|_| {};
    let stream = client.connections(id);
    fn assert_stream<S: Stream<Item = Result<Connection>> + Send + 'static>(_: &S) {}
    assert_stream(&stream);

    let connection = Connection::new(id, ConnectionState::Initial);
    let _: Uuid = connection.feature_id;
    let _: &ConnectionState = &connection.state;
    let _: &str = connection.state.name();

    let error: Error = ConnectionState::error("").unwrap_err();
    let _: ErrorKind = error.kind();
    let _: Option<u16> = error.status();
    let _: Option<&str> = error.code();
    let _: bool = error.is_validation();
    let _: Option<Duration> = error.retry_after();
}
