//! Page benchmarks, run on demand (`scripts/bench-mygrid-4g.sh`), never as tests: what a grid manager waits for on
//! a phone with a poor signal. Each prints one JSON line with its figures; BENCHMARKS.md records them.

use serde_json::{Value, json};

use crate::common::{self, browser::PHONE, webdriver::{Browser, TEST_PASSWORD}};
use gridmap::accounts::Role;

/// Lighthouse's "Slow 4G" (what PageSpeed uses for a phone): 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up.
const SLOW_4G: (u64, f64, f64) = (150, 1.6e6 / 8.0, 750e3 / 8.0);

/// `/?grid=CODE` on the default dataset, as its grid manager, on Slow 4G: milliseconds from the navigation's
/// start to the list drawn (`ready_ms` of #mygrid-status), and the bytes transferred, cold (a new browser) and
/// warm (the same browser again, with its HTTP and service worker caches).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: scripts/bench-mygrid-4g.sh"]
async fn bench_my_grid_on_slow_4g() {
    let app = common::spawn_app().await;
    let planner = common::TestApp::client_with(&app.token_for("planner.bench", Role::Planner, "county").await);
    // The grid with the most households of the first forty: a long list for a manager.
    let (_, layer) = common::send_json(&planner, reqwest::Method::GET, &app.url("/api/v1/layers/grids"), None).await;
    let mut best = (String::new(), 0u64);
    for f in layer["features"].as_array().unwrap().iter().take(40) {
        let code = f["properties"]["code"].as_str().unwrap();
        let (_, list) = common::send_json(&planner, reqwest::Method::GET, &app.url(&format!("/api/v1/grids/{code}/households")), None).await;
        let n = list["count"].as_u64().unwrap_or(0);
        if n > best.1 {
            best = (code.to_string(), n);
        }
    }
    let (grid, households) = best;
    app.token_for("gm.bench", Role::GridManager, &format!("grids:{grid}")).await;
    let (latency, down, up) = SLOW_4G;
    let throttle = json!({"offline": false, "latency": latency, "downloadThroughput": down, "uploadThroughput": up});
    let transferred = "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).reduce((s, e) => s + (e.transferSize || 0), 0)";
    let mut runs = Vec::new();
    for _ in 0..3 {
        let b = Browser::start(PHONE).await;
        b.sign_in(&app.base_url, "gm.bench", TEST_PASSWORD).await;
        b.cdp("Network.emulateNetworkConditions", throttle.clone()).await;
        let url = app.url(&format!("/?grid={grid}"));
        let (cold, _) = b.page_status(&url, "mygrid-status", 120).await;
        let cold_bytes = b.eval(transferred, vec![]).await;
        let (warm, _) = b.page_status(&url, "mygrid-status", 120).await;
        let warm_bytes = b.eval(transferred, vec![]).await;
        assert_eq!(cold["listed"].as_u64(), Some(households), "{cold}");
        runs.push(json!({"cold_ms": cold["ready_ms"], "cold_bytes": cold_bytes, "warm_ms": warm["ready_ms"], "warm_bytes": warm_bytes}));
    }
    let median = |key: &str| -> Value {
        let mut v: Vec<f64> = runs.iter().filter_map(|r| r[key].as_f64()).collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().map_or(Value::Null, Into::into)
    };
    println!(
        "{}",
        json!({"bench": "my_grid_slow_4g", "grid": grid, "households": households, "profile": {"latency_ms": latency, "down_bps": down * 8.0, "up_bps": up * 8.0},
               "median_cold_ms": median("cold_ms"), "median_warm_ms": median("warm_ms"), "median_cold_bytes": median("cold_bytes"), "runs": runs})
    );
}
