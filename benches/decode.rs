//! Decoding one 100-item connections page, prepared once, into the crate's
//! types (the generated `ListConnectionsResponse`, whose items are
//! [`Connection`](productboard_plugin_integrations::Connection)) against
//! plain `#[derive(Deserialize)]` structs that mirror the wire.

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use productboard_plugin_integrations::generated::types::ListConnectionsResponse;

use support::{Budget, PAGE_SIZE, Row, raw};

/// Page decodes per sample.
const DECODES: u32 = 50;
/// Goal: the crate takes at most this multiple of the baseline's time.
const GOAL: f64 = 1.2;

fn main() {
    let base_url = "http://127.0.0.1:8080";
    let next = format!(
        "{base_url}/plugin-integrations/{}/connections?pageCursor=1",
        support::INTEGRATION
    );
    let page = support::wire_page(base_url, 0, Some(next));

    let decoded: ListConnectionsResponse = serde_json::from_slice(&page).expect("the crate decodes the page");
    assert_eq!(decoded.data.len(), PAGE_SIZE);
    let flat: raw::Page = serde_json::from_slice(&page).expect("the flat structs decode the page");
    assert_eq!(flat.data.len(), PAGE_SIZE);
    let tagged: raw::TaggedPage = serde_json::from_slice(&page).expect("the tagged enum decodes the page");
    assert_eq!(tagged.data.len(), PAGE_SIZE);

    let budget = Budget::scaled(8.0);
    let crate_sample = || time_decode::<ListConnectionsResponse>(&page);

    let name = "decode page, vs flat structs";
    if support::selected(name) {
        let paired = support::compare(&budget, DECODES, crate_sample, || time_decode::<raw::Page>(&page));
        row(name, &paired, page.len()).print();
    }

    let name = "decode page, vs tagged enum";
    if support::selected(name) {
        let paired = support::compare(&budget, DECODES, crate_sample, || {
            time_decode::<raw::TaggedPage>(&page)
        });
        row(name, &paired, page.len()).print();
    }
}

fn row(name: &str, paired: &support::Paired, page_bytes: usize) -> Row {
    Row {
        name: name.to_string(),
        crate_value: support::format_duration(paired.crate_per_op),
        baseline_value: support::format_duration(paired.baseline_per_op),
        ratio: paired.ratio,
        goal: GOAL,
        detail: format!("page of {page_bytes} bytes, {}", paired.detail()),
    }
}

fn time_decode<T: serde::de::DeserializeOwned>(page: &[u8]) -> Duration {
    let started = Instant::now();
    for _ in 0..DECODES {
        let value: T = serde_json::from_slice(black_box(page)).expect("the page decodes");
        black_box(value);
    }
    started.elapsed()
}
