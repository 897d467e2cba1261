//! The `productboard-fake` binary: startup lines, one API call, the control API, errors.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_productboard-fake");

/// Reads one line of the child's output, failing after 20 seconds.
async fn read_line(lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>) -> String {
    tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("the binary prints a line within 20 s")
        .unwrap()
        .expect("the binary prints a line before exiting")
}

#[tokio::test]
async fn binary_serves_api_and_control() {
    let mut child = Command::new(BINARY)
        .args([
            "--addr",
            "127.0.0.1:0",
            "--token",
            "bin-token",
            "--page-size",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();

    let first = read_line(&mut lines).await;
    let base = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert_eq!(read_line(&mut lines).await, "token: bin-token");

    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let response = http
        .get(format!("{base}/plugin-integrations"))
        .bearer_auth("bin-token")
        .header("X-Version", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"data": [], "links": {"next": null}}));

    let response = http.get(format!("{base}/_fake/requests")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let requests: Value = response.json().await.unwrap();
    assert_eq!(requests[0]["path"], "/plugin-integrations");

    child.start_kill().unwrap();
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(!status.success());
}

#[tokio::test]
async fn binary_stops_on_sigterm() {
    let mut child = Command::new(BINARY)
        .args(["--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    read_line(&mut lines).await;
    let token_line = read_line(&mut lines).await;
    assert!(token_line.starts_with("token: "), "{token_line}");
    assert!(token_line.len() > "token: ".len());

    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());

    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn binary_help_and_bad_arguments() {
    let help = Command::new(BINARY).arg("--help").output().await.unwrap();
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    for option in ["--addr", "--token", "--page-size", "--callback-timeout-ms"] {
        assert!(text.contains(option), "help lacks {option}");
    }

    for args in [vec!["--page-size", "zero"], vec!["--addr"], vec!["--colour"]] {
        let output = Command::new(BINARY).args(&args).output().await.unwrap();

        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let message = String::from_utf8(output.stderr).unwrap();
        assert!(message.starts_with("error: "), "{args:?}: {message}");
    }
}
