//! `productboard-fake`: runs the fake Productboard plugin-integration API until it is stopped.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use productboard_plugin_integrations_fake::FakeProductboard;

const USAGE: &str = "\
Usage: productboard-fake [OPTIONS]

Runs a fake of Productboard's plugin-integration API (v1) for tests. It prints
`listening on <base URL>` and `token: <token>` on the first two lines of
standard output, then serves until it receives Ctrl-C or SIGTERM. Paths under
/_fake/ control it (see the crate documentation).

Options:
  --addr ADDR                 Socket address to listen on [default: 127.0.0.1:0,
                              a free loopback port]
  --token TOKEN               Bearer token that API requests must send
                              [default: a random token]
  --page-size N               Number of items on one page of a list, at least 1
                              [default: 100]
  --callback-timeout-ms MS    Time in milliseconds that a probe or an action
                              notification may take [default: 5000]
  -h, --help                  Print this help and exit
";

/// Settings read from the command line.
#[derive(Debug)]
struct Options {
    addr: SocketAddr,
    token: Option<String>,
    page_size: usize,
    callback_timeout: Duration,
}

/// Action requested on the command line.
#[derive(Debug)]
enum Command {
    Run(Options),
    Help,
}

/// Parses the arguments after the program name. Accepts `--name value` and `--name=value`.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut options = Options {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        token: None,
        page_size: productboard_plugin_integrations_fake::DEFAULT_PAGE_SIZE,
        callback_timeout: productboard_plugin_integrations_fake::DEFAULT_CALLBACK_TIMEOUT,
    };

    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(Command::Help);
        }

        let (name, inline_value) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name.to_owned(), Some(value.to_owned())),
            _ => (arg.clone(), None),
        };
        if !matches!(
            name.as_str(),
            "--addr" | "--token" | "--page-size" | "--callback-timeout-ms"
        ) {
            return Err(format!("unknown argument {arg:?}"));
        }
        let value = match inline_value {
            Some(value) => value,
            None => args.next().ok_or_else(|| format!("{name} needs a value"))?,
        };

        match name.as_str() {
            "--addr" => {
                options.addr = value.parse().map_err(|_| {
                    format!("--addr {value:?} is not a socket address such as 127.0.0.1:8080")
                })?;
            }
            "--token" if value.is_empty() => return Err("--token must not be empty".to_owned()),
            "--token" => options.token = Some(value),
            "--page-size" => {
                options.page_size = value
                    .parse()
                    .ok()
                    .filter(|size: &usize| *size >= 1)
                    .ok_or_else(|| format!("--page-size {value:?} is not an integer of at least 1"))?;
            }
            _ => {
                let millis: u64 = value.parse().map_err(|_| {
                    format!("--callback-timeout-ms {value:?} is not a number of milliseconds")
                })?;
                options.callback_timeout = Duration::from_millis(millis);
            }
        }
    }
    Ok(Command::Run(options))
}

/// Stop signals, registered before the startup lines are printed so that a signal sent
/// right after them is not missed.
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    /// Registers handlers for SIGINT (Ctrl-C) and SIGTERM.
    fn register() -> std::io::Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(StopSignals {})
        }
    }

    /// Waits for Ctrl-C or, on Unix, SIGTERM.
    async fn wait(&mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => {}
                _ = self.terminate.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(options)) => options,
        Ok(Command::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\nRun `productboard-fake --help` for the options.");
            return ExitCode::from(2);
        }
    };

    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();

    let mut stop_signals = match StopSignals::register() {
        Ok(signals) => signals,
        Err(error) => {
            eprintln!("error: cannot listen for stop signals: {error}");
            return ExitCode::FAILURE;
        }
    };

    let mut builder = FakeProductboard::builder()
        .addr(options.addr)
        .page_size(options.page_size)
        .callback_timeout(options.callback_timeout);
    if let Some(token) = options.token {
        builder = builder.token(token);
    }
    let fake = match builder.start().await {
        Ok(fake) => fake,
        Err(error) => {
            eprintln!("error: cannot listen on {}: {error}", options.addr);
            return ExitCode::FAILURE;
        }
    };

    let mut stdout = std::io::stdout().lock();
    let printed = writeln!(stdout, "listening on {}", fake.base_url())
        .and_then(|()| writeln!(stdout, "token: {}", fake.token()))
        .and_then(|()| stdout.flush());
    drop(stdout);
    if let Err(error) = printed {
        eprintln!("error: cannot write to standard output: {error}");
        return ExitCode::FAILURE;
    }
    tracing::info!(base_url = %fake.base_url(), "fake Productboard started");

    stop_signals.wait().await;
    tracing::info!("stop signal received; shutting down");
    fake.shutdown().await;
    tracing::info!("fake Productboard stopped");
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|arg| (*arg).to_owned()))
    }

    #[test]
    fn defaults() {
        let Ok(Command::Run(options)) = parse(&[]) else {
            panic!("expected options");
        };

        assert_eq!(options.addr, SocketAddr::from(([127, 0, 0, 1], 0)));
        assert_eq!(options.page_size, 100);
        assert_eq!(options.token, None);
    }

    #[test]
    fn both_value_forms() {
        let Ok(Command::Run(options)) = parse(&["--addr=127.0.0.1:9000", "--token", "t", "--page-size", "2"])
        else {
            panic!("expected options");
        };

        assert_eq!(options.addr.port(), 9000);
        assert_eq!(options.token.as_deref(), Some("t"));
        assert_eq!(options.page_size, 2);
    }

    #[test]
    fn bad_arguments() {
        assert!(parse(&["--addr", "nowhere"]).is_err());
        assert!(parse(&["--page-size", "0"]).is_err());
        assert!(parse(&["--token"]).is_err());
        assert!(parse(&["--verbose"]).is_err());
    }

    #[test]
    fn help() {
        assert!(matches!(parse(&["--help"]), Ok(Command::Help)));
    }
}
