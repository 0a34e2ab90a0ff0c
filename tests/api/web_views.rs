//! The coverage and merger views in a real browser, on the default dataset: headless Chromium opens
//! `/?panel=coverage` and `/?panel=merger` on the real server, and each view's self-report
//! (`#coverage-status`, `#merger-status`) must agree with the API it drew from and show features on the map.

use crate::common;

use std::collections::BTreeMap;

use crate::common::browser::{self, DESKTOP};
use serde_json::Value;

async fn get(url: String) -> Value {
    let r = reqwest::get(&url).await.unwrap();
    assert!(r.status().is_success(), "GET {url}: {}", r.status());
    r.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coverage_view_draws_every_defect_kind_and_lists_every_community() {
    let app = common::spawn_app().await;
    let defects = get(format!("{}/api/v1/coverage/defects", app.base_url)).await;
    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    for f in defects["features"].as_array().unwrap() {
        *by_kind.entry(f["properties"]["kind"].as_str().unwrap().to_string()).or_default() += 1;
    }
    assert!(by_kind.contains_key("blind_spot") && by_kind.contains_key("overlap"), "planted defects: {by_kind:?}");

    let url = format!("{}/?panel=coverage", app.base_url);
    let (status, dom) = browser::page_status(&url, DESKTOP, "coverage-status").await;
    assert_eq!(status["ready"], true, "{status}");
    let drawn: BTreeMap<String, u64> = serde_json::from_value(status["defects"].clone()).unwrap();
    assert_eq!(drawn, by_kind, "the view holds every defect the API reports, by kind");
    let rows = status["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 28, "one table row per community: {status}");
    for code in rows {
        assert!(dom.contains(&format!("data-code=\"{}\"", code.as_str().unwrap())), "row {code} not in the DOM");
    }
    let rendered = |id: &str| status["rendered"][id].as_u64().unwrap_or(0);
    assert!(rendered("coverage-area-fill") > 0, "gaps and overlaps drawn at county zoom: {status}");
    assert!(dom.contains("导出证据"), "the export button is on the panel");
    // 导出证据 is a menu: the workbook first, the A4 list, GeoJSON for GIS software; no CSV of English headers.
    let at = |s: &str| dom.find(s).unwrap_or_else(|| panic!("{s:?} not in the export menu"));
    assert!(at("Excel 表格") < at("打印版 PDF (A4)") && at("打印版 PDF (A4)") < at("GeoJSON (GIS 软件用)"), "menu order");
    assert!(!dom.contains(".csv"), "no CSV export left");
    for (href, kind) in [("/api/v1/coverage/evidence.xlsx", "spreadsheetml"), ("/api/v1/coverage/evidence.pdf", "application/pdf")] {
        assert!(dom.contains(&format!("href=\"{href}\"")), "{href} linked from the menu");
        let r = reqwest::get(format!("{}{href}", app.base_url)).await.unwrap();
        assert_eq!(r.status(), 200, "{href}");
        assert!(r.headers()["content-type"].to_str().unwrap().contains(kind), "{href}");
    }
    browser::screenshot(&url, DESKTOP, "web_coverage.png").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merger_view_draws_villages_and_cross_boundary_households() {
    let app = common::spawn_app().await;
    let cw = get(format!("{}/api/v1/crosswalk", app.base_url)).await;
    let summary = &cw["summary"];

    // Cross-boundary households are for signed-in staff: a planner's browser.
    let url = format!("{}/?panel=merger", app.base_url);
    let b = crate::common::webdriver::signed_in(&app, "planner.page", gridmap::accounts::Role::Planner, DESKTOP).await;
    let (status, dom) = b.page_status(&url, "merger-status", 90).await;
    assert_eq!(status["ready"], true, "{status}");
    assert_eq!(status["villages"], summary["villages"], "{status}");
    assert_eq!(status["split_villages"], summary["split_villages"], "{status}");
    assert_eq!(status["households"], summary["cross_boundary_households"], "one link per cross-boundary household: {status}");
    assert!(status["rendered"]["merger-village-line"].as_u64().unwrap_or(0) > 0, "village outlines drawn: {status}");
    assert!(status["rendered"]["merger-link"].as_u64().unwrap_or(0) > 0, "household links drawn: {status}");
    assert!(status["table_rows"].as_u64().unwrap_or(0) > 0, "a gains and losses row per community touched: {status}");
    assert_eq!(status["unnamed_rows"], serde_json::json!([]), "every community in the table by its name: {status}");
    assert!(dom.contains("各社区跨界户增减"), "the gains and losses table is on the panel");
    b.screenshot("web_merger.png").await;
}

/// A count as the page prints it (zh-CN: 45,423).
fn grouped(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A percentage by the one rule: floored to one decimal, never 100 below 100.
fn floored(v: f64) -> String {
    let x = ((v * 10.0) + 1e-6).floor() / 10.0;
    format!("{:.1}%", if v < 100.0 && x >= 100.0 { 99.9 } else { x })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coverage_headline_agrees_with_its_table_the_top_bar_and_the_api() {
    let app = common::spawn_app().await;
    let api = get(format!("{}/api/v1/coverage", app.base_url)).await;
    let t = &api["totals"];
    let households = t["households"].as_u64().expect("households in the totals");
    let county_pct = t["coverage_pct"].as_f64().unwrap();
    let defects = t["defects"].as_u64().unwrap();
    let counts: u64 = api["counts"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(counts, defects, "the API's defect counts by kind add up to its total");

    let url = format!("{}/?panel=coverage", app.base_url);
    let (status, dom) = browser::page_status(&url, DESKTOP, "coverage-status").await;
    assert_eq!(status["ready"], true, "{status}");
    let headline = status["headline"].as_str().unwrap();
    assert!(headline.contains(&format!("全县覆盖率 {}", floored(county_pct))), "{headline} vs {county_pct}");
    if county_pct < 100.0 {
        assert!(!headline.contains("100%") && !headline.contains("100.0%"), "below 100 shown as 100: {headline}");
    }
    assert!(headline.contains(&format!("住户 {} 户", grouped(households))), "{headline} vs {households}");
    assert!(headline.contains(&format!("缺陷 {} 处", grouped(defects))), "{headline} vs {defects}");

    // The table's rows and foot add up to the headline's households.
    let table_households = status["table"]["households"].as_u64().unwrap();
    let outside = t["households_outside_communities"].as_u64().unwrap_or(0) + t["households_outside_county"].as_u64().unwrap_or(0);
    assert_eq!(table_households + outside, households, "table {table_households} + outside {outside}: {status}");
    let foot = status["table"]["foot"].as_array().unwrap();
    let sum = foot.last().unwrap();
    assert_eq!(sum[0], "合计");
    assert_eq!(sum[2], grouped(households), "the table's total is the headline's: {foot:?}");
    // Each community's percentage by the same rule as the API's figure.
    for row in api["summary"].as_array().unwrap().iter().filter(|r| r["layer"] == "communities") {
        let code = row["code"].as_str().unwrap();
        let pct = row["coverage_pct"].as_f64().unwrap();
        assert_eq!(status["table"]["pct"][code], floored(pct), "{code}: {pct}");
        assert!(pct >= 100.0 || status["table"]["pct"][code] != "100.0%", "{code} below 100 shown as 100");
    }
    // The top bar counts the same households.
    assert!(dom.contains(&format!("{} 户", grouped(households))), "the top bar's household count");
}

/// Zooming to a community's row frames it in the part of the map the panels leave free: between the layer
/// panel on the left and the coverage panel on the right.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zoom_to_a_row_frames_it_beside_the_panels() {
    let app = common::spawn_app().await;
    let b = crate::common::webdriver::Browser::start(DESKTOP).await;
    let (status, _) = b.page_status(&format!("{}/?panel=coverage", app.base_url), "coverage-status", 90).await;
    assert_eq!(status["ready"], true, "{status}");
    let code = status["rows"][0].as_str().unwrap().to_string();
    b.click(&b.find(&format!("tr[data-code=\"{code}\"]")).await).await;
    b.wait_for("the zoom to end", "const m = window.gridmap.map; return !m.isMoving() && m.getZoom() > 11", 20).await;
    let framed = "const m = window.gridmap.map; const c = m.getContainer().getBoundingClientRect(); \
        return fetch('/api/v1/layers/communities').then(r => r.json()).then(fc => { \
          const f = fc.features.find(f => f.properties.code === arguments[0]); \
          let [w, s, e, n] = [180, 90, -180, -90]; \
          const walk = (x) => { if (typeof x[0] === 'number') { w = Math.min(w, x[0]); e = Math.max(e, x[0]); s = Math.min(s, x[1]); n = Math.max(n, x[1]); } else x.forEach(walk); }; \
          walk(f.geometry.coordinates); \
          const a = m.project([w, n]), b = m.project([e, s]); \
          const right = document.getElementById('coverage').getBoundingClientRect().left - c.left; \
          const left = document.body.classList.contains('panel-open') ? document.getElementById('panel').getBoundingClientRect().right - c.left : 0; \
          return {left: a.x, right: b.x, top: a.y, bottom: b.y, free_left: left, free_right: right, height: c.height}; })";
    let f = b.eval(framed, vec![serde_json::json!(code)]).await;
    let v = |k: &str| f[k].as_f64().unwrap();
    assert!(v("left") >= v("free_left") - 2.0 && v("right") <= v("free_right") + 2.0, "framed beside the panels: {f}");
    assert!(v("top") >= -2.0 && v("bottom") <= v("height") + 2.0, "framed top to bottom: {f}");
    b.screenshot("web_coverage_zoom_row.png").await;
}
