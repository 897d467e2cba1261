//! See or fix a feature's push button by hand.
//!
//! ```text
//! connection get    <integration-id> <feature-id>
//! connection list   <integration-id>
//! connection delete <integration-id> <feature-id>
//! connection set    <integration-id> <feature-id> progress
//! connection set    <integration-id> <feature-id> initial
//! connection set    <integration-id> <feature-id> error <message>
//! connection set    <integration-id> <feature-id> connected <label> <hover-label> <tooltip> <color> <target-url>
//! ```
//!
//! The token comes from `PRODUCTBOARD_TOKEN`. `PRODUCTBOARD_BASE_URL` points
//! the tool at another server, such as the fake Productboard
//! (`cargo run -p productboard-plugin-integrations-fake`). Exit status: 0 on
//! success, 1 when the request failed, 2 for a usage error.

use std::process::ExitCode;

use productboard_plugin_integrations::{Client, Color, Connected, Connection, ConnectionState};
use uuid::Uuid;

const USAGE: &str = "usage:
  connection get    <integration-id> <feature-id>
  connection list   <integration-id>
  connection delete <integration-id> <feature-id>
  connection set    <integration-id> <feature-id> progress|initial
  connection set    <integration-id> <feature-id> error <message>
  connection set    <integration-id> <feature-id> connected <label> <hover-label> <tooltip> <color> <target-url>

environment:
  PRODUCTBOARD_TOKEN     API access token (required)
  PRODUCTBOARD_BASE_URL  API base URL (default https://api.productboard.com)";

/// A parsed command line.
#[derive(Debug, PartialEq)]
enum Command {
    Get {
        integration: Uuid,
        feature: Uuid,
    },
    List {
        integration: Uuid,
    },
    Delete {
        integration: Uuid,
        feature: Uuid,
    },
    Set {
        integration: Uuid,
        feature: Uuid,
        state: ConnectionState,
    },
}

fn parse_id(name: &str, value: Option<&String>) -> Result<Uuid, String> {
    let value = value.ok_or_else(|| format!("missing <{name}>"))?;
    Uuid::parse_str(value).map_err(|error| format!("invalid <{name}> {value:?}: {error}"))
}

fn parse_color(value: &str) -> Result<Color, String> {
    match Color::from_name(value) {
        Color::Unknown(_) => {
            let known: Vec<&str> = Color::ALL.iter().map(Color::name).collect();
            Err(format!(
                "invalid color {value:?}; expected one of {}",
                known.join(", ")
            ))
        }
        color => Ok(color),
    }
}

fn parse_state(words: &[String]) -> Result<ConnectionState, String> {
    let (name, rest) = words
        .split_first()
        .ok_or("missing the state: progress, initial, error or connected")?;
    let state = match (name.as_str(), rest) {
        ("progress", []) => ConnectionState::Progress,
        ("initial", []) => ConnectionState::Initial,
        ("error", [message]) => {
            ConnectionState::error(message.as_str()).map_err(|error| error.to_string())?
        }
        ("connected", [label, hover_label, tooltip, color, target_url]) => {
            let connected = Connected::new(
                label.as_str(),
                hover_label.as_str(),
                tooltip.as_str(),
                parse_color(color)?,
                target_url.as_str(),
            );
            ConnectionState::connected(connected).map_err(|error| error.to_string())?
        }
        ("progress" | "initial", _) => return Err(format!("`{name}` takes no further arguments")),
        ("error", _) => return Err("`error` takes one argument, the message (quote it)".into()),
        ("connected", _) => {
            return Err(
                "`connected` takes five arguments: label, hover label, tooltip, color, target URL".into(),
            );
        }
        (other, _) => {
            return Err(format!(
                "unknown state {other:?}; expected progress, initial, error or connected"
            ));
        }
    };
    Ok(state)
}

fn parse(args: &[String]) -> Result<Command, String> {
    let (verb, rest) = args
        .split_first()
        .ok_or("missing the command: get, list, delete or set")?;
    let command = match verb.as_str() {
        "get" if rest.len() == 2 => Command::Get {
            integration: parse_id("integration-id", rest.first())?,
            feature: parse_id("feature-id", rest.get(1))?,
        },
        "list" if rest.len() == 1 => Command::List {
            integration: parse_id("integration-id", rest.first())?,
        },
        "delete" if rest.len() == 2 => Command::Delete {
            integration: parse_id("integration-id", rest.first())?,
            feature: parse_id("feature-id", rest.get(1))?,
        },
        "set" if rest.len() >= 3 => Command::Set {
            integration: parse_id("integration-id", rest.first())?,
            feature: parse_id("feature-id", rest.get(1))?,
            state: parse_state(&rest[2..])?,
        },
        "get" | "list" | "delete" | "set" => return Err(format!("wrong number of arguments for `{verb}`")),
        other => {
            return Err(format!(
                "unknown command {other:?}; expected get, list, delete or set"
            ));
        }
    };
    Ok(command)
}

fn client_from_env() -> Result<Client, String> {
    let token = std::env::var("PRODUCTBOARD_TOKEN")
        .ok()
        .filter(|token| !token.trim().is_empty())
        .ok_or("PRODUCTBOARD_TOKEN is not set: export your Productboard API token")?;
    let mut builder = Client::builder().token(token);
    if let Ok(base_url) = std::env::var("PRODUCTBOARD_BASE_URL") {
        builder = builder.base_url(base_url);
    }
    builder.build().map_err(|error| error.to_string())
}

fn print(connection: &Connection) {
    let wire = serde_json::to_string(&connection.state).unwrap_or_default();
    println!(
        "{}  {:<9}  {wire}",
        connection.feature_id,
        connection.state.name()
    );
}

async fn execute(client: &Client, command: Command) -> productboard_plugin_integrations::Result<()> {
    match command {
        Command::Get { integration, feature } => print(&client.connection(integration, feature).await?),
        Command::List { integration } => {
            let connections = client.list_connections(integration).await?;
            for connection in &connections {
                print(connection);
            }
            eprintln!("{} connections", connections.len());
        }
        Command::Delete { integration, feature } => {
            client.delete_connection(integration, feature).await?;
            eprintln!("deleted the connection of feature {feature}");
        }
        Command::Set {
            integration,
            feature,
            state,
        } => print(&client.set_connection(integration, feature, &state).await?),
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let command = match parse(&args) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let client = match client_from_env() {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };

    match execute(&client, command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    const INTEGRATION: &str = "00000000-0000-0000-0000-000000000001";
    const FEATURE: &str = "00000000-0000-0000-0000-000000000002";

    #[test]
    fn get_parses() {
        let command = parse(&words(&format!("get {INTEGRATION} {FEATURE}"))).unwrap();
        assert_eq!(
            command,
            Command::Get {
                integration: Uuid::from_u128(1),
                feature: Uuid::from_u128(2)
            }
        );
    }

    #[test]
    fn set_connected_parses() {
        let line = format!("set {INTEGRATION} {FEATURE} connected Open T-1 Ticket blue https://t.example/1");
        let Command::Set { state, .. } = parse(&words(&line)).unwrap() else {
            panic!("not a set command")
        };
        assert_eq!(state.name(), "connected");
    }

    #[test]
    fn invalid_id_is_named() {
        let error = parse(&words(&format!("get nope {FEATURE}"))).unwrap_err();
        assert!(error.contains("<integration-id>"), "{error}");
    }

    #[test]
    fn unknown_color_is_rejected() {
        let line = format!("set {INTEGRATION} {FEATURE} connected Open T-1 Ticket teal https://t.example/1");
        let error = parse(&words(&line)).unwrap_err();
        assert!(error.contains("teal"), "{error}");
    }

    #[test]
    fn over_long_label_is_rejected() {
        let line = format!(
            "set {INTEGRATION} {FEATURE} connected {} T-1 Ticket blue https://t.example/1",
            "x".repeat(21)
        );
        let error = parse(&words(&line)).unwrap_err();
        assert!(error.contains("label"), "{error}");
    }

    #[test]
    fn wrong_arity_is_rejected() {
        assert!(parse(&words(&format!("list {INTEGRATION} {FEATURE}"))).is_err());
        assert!(parse(&words(&format!("set {INTEGRATION} {FEATURE} progress now"))).is_err());
        assert!(parse(&[]).is_err());
    }
}
