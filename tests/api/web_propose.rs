//! "自动划分" in the planner panel in headless Chromium, on the default dataset: a planner picks community
//! 610522103001, opens the form, keeps one published grid, sets the band and proposes; the proposal opens as a
//! draft with its statistics and the note saying how many grids are in the band and how many households change
//! manager; then it is published through the panel's publish box (defects acknowledged with a reason), and the
//! published units are those of the draft. Bad options show the server's Chinese message.
//!
//! The page says what it holds in `#planner-status` (JSON); every step waits on it, never on time.

use std::collections::BTreeMap;

use crate::common::browser::DESKTOP;
use crate::common::webdriver::{Browser, signed_in};
use crate::common::{TestApp, spawn_app};
use gridmap::accounts::Role;
use gridmap::app::plans::content::Content;
use gridmap::store::PlanStore;
use serde_json::{Value, json};

const C: &str = "610522103001";

async fn wait_status(b: &Browser, what: &str, cond: &str) -> Value {
    let script = format!(
        "const t = document.getElementById('planner-status')?.textContent; if (!t) return null; \
         const s = JSON.parse(t); return ({cond}) ? s : null;"
    );
    b.wait_for(what, &script, 90).await
}

async fn text_of(b: &Browser, css: &str) -> String {
    b.eval("return document.querySelector(arguments[0])?.innerText ?? ''", vec![json!(css)]).await.as_str().unwrap_or("").to_string()
}

async fn set_value(b: &Browser, css: &str, value: &str) {
    let e = b.find(css).await;
    b.clear(&e).await;
    b.type_into(&e, value).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planner_proposes_opens_and_publishes_a_draft() {
    let app = spawn_app().await;
    // The community's households, from a plain draft's statistics (deleted again).
    let pb = TestApp::client_with(&app.token_for("planner.b", Role::Planner, "county").await);
    let plain = pb.post(app.url("/api/v1/plans")).json(&json!({"community": C, "name": "原样"})).send().await.unwrap().json::<Value>().await.unwrap();
    let total = plain["stats"]["households"].as_u64().unwrap();
    assert_eq!(pb.delete(app.url(&format!("/api/v1/plans/{}", plain["id"]))).send().await.unwrap().status(), 204);
    let b = signed_in(&app, "planner.a", Role::Planner, DESKTOP).await;
    b.goto(&app.url(&format!("/?panel=planner&community={C}"))).await;
    wait_status(&b, "the community", &format!("s.ready && s.community === '{C}' && !s.busy")).await;
    b.wait_for("the published grids offered to keep", "return document.querySelectorAll('#planner-propose-keep input[type=checkbox]').length === 3 || null", 60).await;

    // Open the form; a band the wrong way round is refused with the server's message, and no draft opens.
    b.click(&b.find("#planner-propose-form summary").await).await;
    set_value(&b, "#planner-propose-lo", "500").await;
    set_value(&b, "#planner-propose-hi", "300").await;
    b.click(&b.find("#planner-propose").await).await;
    let s = wait_status(&b, "the refusal", "!!s.last_error && !s.busy").await;
    assert!(s["last_error"].as_str().unwrap().contains("每格户数"), "{s}");
    assert_eq!(s["plan"], Value::Null);

    // Keep the first grid; 300..500 households; a seed.
    set_value(&b, "#planner-propose-lo", "300").await;
    set_value(&b, "#planner-propose-hi", "500").await;
    set_value(&b, "#planner-propose-seed", "4").await;
    let kept = b.eval("const x = document.querySelector('#planner-propose-keep input[type=checkbox]'); x.click(); return x.value;", vec![]).await;
    let kept = kept.as_str().unwrap().to_string();
    b.click(&b.find("#planner-propose").await).await;
    let s = wait_status(&b, "the proposed draft and its preview", "s.plan !== null && s.proposal !== null && !s.busy && s.preview !== null").await;
    let proposed: Vec<&str> = s["proposal"]["grids"].as_array().unwrap().iter().map(|g| g.as_str().unwrap()).collect();
    assert!(!proposed.contains(&kept.as_str()), "the kept grid is not re-proposed: {s}");
    assert!(s["grids"].as_array().unwrap().iter().any(|g| g == kept.as_str()), "the kept grid is in the draft: {s}");
    assert_eq!(s["grids"].as_array().unwrap().len(), proposed.len() + 1, "{s}");
    assert!(s["drafts"].as_array().unwrap().contains(&s["plan"]), "the draft is listed: {s}");
    let households: u64 = s["households_by_grid"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(households, total, "the live statistics count every household: {s}");
    let note = text_of(&b, "#planner-proposal").await;
    assert!(note.contains(&format!("分成 {} 个网格(另保留 1 个)", proposed.len())) && note.contains("户换网格员"), "{note}");
    let stats = text_of(&b, "#planner-stats").await;
    assert!(!stats.is_empty(), "the draft's statistics are shown");
    b.screenshot("web_propose.png").await;

    // Publish through the panel: acknowledge whatever defects it has, with a reason.
    let plan = s["plan"].as_i64().unwrap();
    let draft = Content::of(&app.store().await.plan(plan).await.unwrap().expect("stored")).unwrap().draft;
    let preview = s["preview"].clone();
    b.click(&b.find("#planner-publish").await).await;
    let s = wait_status(&b, "published or refused", "!s.busy && (s.published_version === 1 || document.querySelectorAll('.planner-ack-reason').length > 0)").await;
    if s["published_version"] != 1 {
        let n = b.eval("return document.querySelectorAll('.planner-ack-reason').length", vec![]).await.as_u64().unwrap();
        for i in 0..n {
            let input = b.find(&format!("#planner-acks li:nth-child({}) .planner-ack-reason", i + 1)).await;
            b.type_into(&input, "自动划分试用").await;
        }
        b.click(&b.find("#planner-publish").await).await;
    }
    let s = wait_status(&b, "published", "s.published_version === 1 && !s.busy").await;
    assert_eq!(s["published_codes"], preview["codes"], "the result is the preview: {s}");

    // Every unit of the proposed draft is published in the grid it was proposed in; the kept grid keeps its code.
    let pa = pb;
    let codes: BTreeMap<String, String> = serde_json::from_value(s["published_codes"].clone()).unwrap();
    assert_eq!(codes.get(&kept), Some(&kept), "{codes:?}");
    let units = pa.get(app.url("/api/v1/layers/units")).send().await.unwrap().json::<Value>().await.unwrap();
    let grid_of: BTreeMap<&str, &str> = units["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["properties"]["code"].as_str().unwrap(), f["properties"]["grid_code"].as_str().unwrap_or("")))
        .collect();
    assert!(draft.units.len() >= 30, "{} units", draft.units.len());
    for (unit, id) in &draft.units {
        assert_eq!(grid_of[unit.as_str()], codes[id], "unit {unit} published in the grid it was proposed in");
    }
}
