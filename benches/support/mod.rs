//! Shared parts of the benchmarks: the loopback server, the wire data, the
//! paired timing loop and the result rows that `scripts/bench` collects.
//!
//! Every benchmark compares the crate with a baseline measured in the same
//! run. The two sides alternate sample by sample (A then B, then B then A),
//! so drift in a shared machine's load affects both sides alike, and a
//! comparison reports the median of the per-pair time ratios.

#![allow(dead_code)]

pub mod server;

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use uuid::Uuid;

/// Token that the benchmark clients send and the server expects.
pub const TOKEN: &str = "bench-token-5c1e";

/// Integration id used in every benchmark path.
pub const INTEGRATION: Uuid = Uuid::from_u128(0x6f1c_2b2a_7d3e_4c55_9a01_0000_0000_0001);

/// Feature id used by the single-connection benchmarks.
pub const FEATURE: Uuid = Uuid::from_u128(0x7c2d_3a4e_1111_4c4c_8a8a_0000_0000_0001);

/// Connections per list page, as Productboard returns by default.
pub const PAGE_SIZE: usize = 100;

/// Feature id of the item at `index` in the benchmark's connection list.
pub fn feature_id(index: usize) -> Uuid {
    Uuid::from_u128(0x7c2d_3a4e_1111_4c4c_8a8a_0000_0000_0000 + index as u128)
}

/// Builds the `connection` object of item `index`: one in ten is `progress`,
/// one in ten `error`, and the rest `connected`, the largest state.
pub fn wire_state(index: usize) -> Value {
    match index % 10 {
        0 => json!({ "state": "progress" }),
        5 => json!({
            "state": "error",
            "message": format!("Ticket system rejected the request for item {index}"),
            "debugDetail": "HTTP 500 from https://tickets.example.com/productboard"
        }),
        _ => json!({
            "state": "connected",
            "label": "In review",
            "hoverLabel": format!("TICKET-{index}"),
            "tooltip": format!("TICKET-{index}: Export the backlog to CSV"),
            "color": "blue",
            "targetUrl": format!("https://tickets.example.com/browse/TICKET-{index}")
        }),
    }
}

/// Builds one connection as the API returns it, with its `links.self` URL.
pub fn wire_connection(base_url: &str, index: usize) -> Value {
    let feature = feature_id(index);
    json!({
        "featureId": feature,
        "connection": wire_state(index),
        "links": {
            "self": format!("{base_url}/plugin-integrations/{INTEGRATION}/connections/{feature}")
        }
    })
}

/// Builds a list page body with items `first .. first + PAGE_SIZE` and the next link.
pub fn wire_page(base_url: &str, first: usize, next: Option<String>) -> Vec<u8> {
    let data: Vec<Value> = (first..first + PAGE_SIZE)
        .map(|index| wire_connection(base_url, index))
        .collect();
    serde_json::to_vec(&json!({ "data": data, "links": { "next": next } })).expect("a JSON value serializes")
}

/// One figure for the results table.
pub struct Row {
    pub name: String,
    pub crate_value: String,
    pub baseline_value: String,
    pub ratio: f64,
    pub goal: f64,
    pub detail: String,
}

impl Row {
    /// Prints the row for a reader and as one `BENCH_ROW` line, separated by
    /// `|`, that `scripts/bench` collects into its table.
    pub fn print(&self) {
        let met = if self.ratio <= self.goal { "yes" } else { "NO" };
        println!(
            "{}: crate {}, baseline {}, ratio {:.3} (goal <= {:.2}, met: {met}); {}",
            self.name, self.crate_value, self.baseline_value, self.ratio, self.goal, self.detail
        );
        println!(
            "BENCH_ROW|{}|{}|{}|{:.3}|<= {:.2}|{met}|{}",
            self.name, self.crate_value, self.baseline_value, self.ratio, self.goal, self.detail
        );
    }
}

/// Limits of one paired comparison.
pub struct Budget {
    /// Samples of each side run before timing starts.
    pub warmup: usize,
    /// Pairs always measured, unless `max_time` runs out first.
    pub min_pairs: usize,
    /// Pairs after which measuring stops.
    pub max_pairs: usize,
    /// Wall time after which no new pair starts once `min_pairs` are done.
    pub target_time: Duration,
    /// Wall time after which no new pair starts at all.
    pub max_time: Duration,
}

impl Budget {
    /// Reads `BENCH_SCALE` (a factor, default 1) from the environment and
    /// scales the times, so a quick check can run with `BENCH_SCALE=0.2`.
    pub fn scaled(target_secs: f64) -> Budget {
        let scale: f64 = std::env::var("BENCH_SCALE")
            .ok()
            .and_then(|text| text.parse().ok())
            .filter(|scale: &f64| *scale > 0.0 && *scale <= 10.0)
            .unwrap_or(1.0);
        Budget {
            warmup: 3,
            min_pairs: 7,
            max_pairs: 400,
            target_time: Duration::from_secs_f64(target_secs * scale),
            max_time: Duration::from_secs_f64(3.0 * target_secs * scale),
        }
    }
}

/// Per-operation medians and the median ratio of one paired comparison.
pub struct Paired {
    pub crate_per_op: Duration,
    pub baseline_per_op: Duration,
    /// Median of the per-pair ratios crate / baseline.
    pub ratio: f64,
    /// First and third quartiles of the per-pair ratios.
    pub ratio_quartiles: (f64, f64),
    pub pairs: usize,
}

impl Paired {
    /// Pair count and ratio quartiles, for the `detail` column.
    pub fn detail(&self) -> String {
        format!(
            "{} pairs, ratio quartiles {:.3}-{:.3}",
            self.pairs, self.ratio_quartiles.0, self.ratio_quartiles.1
        )
    }
}

/// Times `crate_sample` against `baseline_sample`, alternating their order.
/// Each closure runs `ops` operations and returns the time they took.
pub fn compare(
    budget: &Budget,
    ops: u32,
    mut crate_sample: impl FnMut() -> Duration,
    mut baseline_sample: impl FnMut() -> Duration,
) -> Paired {
    for _ in 0..budget.warmup {
        black_box(crate_sample());
        black_box(baseline_sample());
    }

    let started = Instant::now();
    let mut crate_times = Vec::new();
    let mut baseline_times = Vec::new();
    let mut ratios = Vec::new();
    while ratios.len() < budget.max_pairs {
        let elapsed = started.elapsed();
        let enough = ratios.len() >= budget.min_pairs && elapsed >= budget.target_time;
        if enough || (!ratios.is_empty() && elapsed >= budget.max_time) {
            break;
        }
        let (crate_time, baseline_time) = if ratios.len() % 2 == 0 {
            let crate_time = crate_sample();
            (crate_time, baseline_sample())
        } else {
            let baseline_time = baseline_sample();
            (crate_sample(), baseline_time)
        };
        ratios.push(crate_time.as_secs_f64() / baseline_time.as_secs_f64());
        crate_times.push(crate_time);
        baseline_times.push(baseline_time);
    }

    Paired {
        crate_per_op: median(&mut crate_times) / ops,
        baseline_per_op: median(&mut baseline_times) / ops,
        ratio: quantile(&mut ratios, 0.5),
        ratio_quartiles: (quantile(&mut ratios, 0.25), quantile(&mut ratios, 0.75)),
        pairs: ratios.len(),
    }
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort_unstable();
    values[values.len() / 2]
}

fn quantile(values: &mut [f64], q: f64) -> f64 {
    values.sort_unstable_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * q).round() as usize]
}

/// Formats a per-operation time with a unit that fits it.
pub fn format_duration(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos < 10_000 {
        format!("{nanos} ns/op")
    } else if nanos < 10_000_000 {
        format!("{:.1} us/op", nanos as f64 / 1e3)
    } else {
        format!("{:.1} ms/op", nanos as f64 / 1e6)
    }
}

/// Formats a byte count in KiB.
pub fn format_bytes(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

/// Plain `#[derive(Deserialize)]` types that mirror the wire, as a client
/// written by hand with serde would declare them: the baseline for decoding.
pub mod raw {
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    /// A list page.
    #[derive(Deserialize)]
    pub struct Page {
        pub data: Vec<Connection>,
        pub links: PageLinks,
    }

    /// A list page whose states decode into the internally tagged enum.
    #[derive(Deserialize)]
    pub struct TaggedPage {
        pub data: Vec<TaggedConnection>,
        pub links: PageLinks,
    }

    #[derive(Deserialize)]
    pub struct PageLinks {
        pub next: Option<String>,
    }

    /// The response to a GET or PUT of one connection.
    #[derive(Deserialize)]
    pub struct Single {
        pub data: Connection,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Connection {
        pub feature_id: Uuid,
        pub connection: State,
        pub links: Option<Links>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct TaggedConnection {
        pub feature_id: Uuid,
        pub connection: TaggedState,
        pub links: Option<Links>,
    }

    #[derive(Deserialize)]
    pub struct Links {
        #[serde(rename = "self")]
        pub self_url: Option<String>,
    }

    /// Every state's fields in one flat struct, the cheapest mirror to decode.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct State {
        pub state: String,
        pub label: Option<String>,
        pub hover_label: Option<String>,
        pub tooltip: Option<String>,
        pub color: Option<String>,
        pub target_url: Option<String>,
        pub message: Option<String>,
        pub debug_detail: Option<String>,
    }

    /// The states as an enum selected by `state`, which serde decodes by
    /// buffering each object first.
    #[derive(Deserialize)]
    #[serde(tag = "state", rename_all = "camelCase", rename_all_fields = "camelCase")]
    pub enum TaggedState {
        Connected {
            label: String,
            hover_label: String,
            tooltip: String,
            color: String,
            target_url: String,
        },
        Error {
            message: String,
            debug_detail: Option<String>,
        },
        Progress,
        Initial,
    }

    /// The body of a PUT of a connected state.
    #[derive(Serialize)]
    pub struct SetBody<'a> {
        pub data: SetData<'a>,
    }

    #[derive(Serialize)]
    pub struct SetData<'a> {
        pub connection: ConnectedState<'a>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ConnectedState<'a> {
        pub state: &'a str,
        pub label: &'a str,
        pub hover_label: &'a str,
        pub tooltip: &'a str,
        pub color: &'a str,
        pub target_url: &'a str,
    }
}

/// A client written by hand on reqwest and serde_json, sending the same
/// requests as the crate: the baseline for the request benchmarks.
pub struct RawClient {
    pub http: reqwest::Client,
    pub base_url: String,
    authorization: reqwest::header::HeaderValue,
}

/// Total time allowed for one request, as the crate's default.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

impl RawClient {
    /// Creates the client with the crate's default connect timeout (10 s).
    pub fn new(base_url: &str) -> RawClient {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .expect("the HTTP client builds");
        let authorization = reqwest::header::HeaderValue::from_str(&format!("Bearer {TOKEN}"))
            .expect("the token is a valid header value");
        RawClient {
            http,
            base_url: base_url.to_string(),
            authorization,
        }
    }

    /// Adds the headers and timeout of every API request.
    pub fn api_request(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request
            .header("x-version", "1")
            .header(reqwest::header::AUTHORIZATION, self.authorization.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(REQUEST_TIMEOUT)
    }

    /// Sends the request and decodes a 2xx body as `T`.
    pub async fn send_json<T: serde::de::DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> T {
        let response = self
            .api_request(request)
            .send()
            .await
            .expect("the request succeeds");
        let status = response.status();
        let body = response.bytes().await.expect("the body arrives");
        assert!(
            status.is_success(),
            "status {status}: {}",
            String::from_utf8_lossy(&body)
        );
        serde_json::from_slice(&body).expect("the body decodes")
    }

    /// `GET /plugin-integrations/{id}/connections/{featureId}`.
    pub async fn connection(&self, integration: Uuid, feature: Uuid) -> raw::Single {
        let url = format!(
            "{}/plugin-integrations/{integration}/connections/{feature}",
            self.base_url
        );
        self.send_json(self.http.get(url)).await
    }

    /// `PUT /plugin-integrations/{id}/connections/{featureId}`.
    pub async fn set_connection(
        &self,
        integration: Uuid,
        feature: Uuid,
        body: &raw::SetBody<'_>,
    ) -> raw::Single {
        let url = format!(
            "{}/plugin-integrations/{integration}/connections/{feature}",
            self.base_url
        );
        self.send_json(self.http.put(url).json(body)).await
    }
}

/// Builds a current-thread runtime, so the client under test uses one core
/// and the server process the other.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the runtime starts")
}

/// Returns whether the benchmark `name` runs: all do, unless `BENCH_FILTER`
/// is set, in which case only names that contain its value run.
pub fn selected(name: &str) -> bool {
    std::env::var("BENCH_FILTER").map_or(true, |filter| name.contains(&filter))
}
