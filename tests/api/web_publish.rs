//! A planner's publish in headless Chromium, on the mini dataset: a draft splitting grid 001 (its west strip a
//! new grid) is opened in the planner panel; the publish box says what publishing will do (the new grid with
//! the next free code, the other grids unchanged, the households and units moved); ticking 全社区重新编号
//! previews the renumbering, unticking goes back; publishing (with the defects acknowledged) answers exactly
//! the preview, and the published grids keep their codes, names and managers.
//!
//! The page says what it holds in `#planner-status` (JSON); every step waits on it, never on time.

use crate::common::browser::DESKTOP;
use crate::common::webdriver::Browser;
use crate::common::{TestApp, spawn_app_seeded, write_mini};
use gridmap::accounts::Role;
use serde_json::{Value, json};

const C: &str = "610522001001";
const G1: &str = "610522001001001";
const G2: &str = "610522001001002";
const G3: &str = "610522001001003";
const X0: f64 = 110.20;
const Y0: f64 = 34.50;

async fn wait_status(b: &Browser, what: &str, cond: &str) -> Value {
    let script = format!(
        "const t = document.getElementById('planner-status')?.textContent; if (!t) return null; \
         const s = JSON.parse(t); return ({cond}) ? s : null;"
    );
    b.wait_for(what, &script, 60).await
}

async fn text_of(b: &Browser, css: &str) -> String {
    b.text(&b.find(css).await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planner_publishes_a_split_and_the_result_is_the_preview() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    let pa = TestApp::client_with(&app.token_for("planner.a", Role::Planner, "county").await);
    // The draft, through the API: G1 split lengthwise; its west strip (the smaller piece) is new-1.
    let r = pa.post(app.url("/api/v1/plans")).json(&json!({"community": C, "name": "西片拆分"})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let plan = r.json::<Value>().await.unwrap()["id"].clone();
    let split = json!({"op": "split", "grid": G1, "line": [[X0 + 0.002, Y0], [X0 + 0.002, Y0 + 0.01]]});
    let r = pa.post(app.url(&format!("/api/v1/plans/{plan}/edits"))).json(&split).send().await.unwrap();
    assert_eq!(r.status(), 200);

    let b = Browser::start(DESKTOP).await;
    b.goto(&app.url("/")).await;
    let login = "return fetch('/api/v1/auth/login', {method: 'POST', headers: {'Content-Type': 'application/json'}, \
                 body: JSON.stringify({username: 'planner.a', password: 'a-long-password-2026'})}).then(r => r.status)";
    assert_eq!(b.eval(login, vec![]).await, 200);
    b.goto(&app.url(&format!("/?panel=planner&community={C}&plan={plan}"))).await;
    let s = wait_status(&b, "the draft and its preview", &format!("s.plan === {plan} && !s.busy && s.preview !== null")).await;
    assert_eq!(s["preview"]["codes"], json!({ G1: G1, G2: G2, "new-1": G3 }), "grids that persist keep their codes: {s}");
    let preview = s["preview"].clone();
    let text = text_of(&b, "#planner-publish-preview").await;
    assert!(text.contains(&format!("新增:南新社区第3网格({G3}),暂无网格员")), "{text}");
    assert!(text.contains("其余 2 个网格的编码、名称和网格员不变"), "{text}");
    let counts = format!("住户调整 {} 户,楼栋/巷道调整 {} 个", preview["households_moved"], preview["units_moved"]);
    assert!(text.contains(&counts), "{text}");
    // The same list as the draft's diff: every household the preview counts is in the diff table.
    let diff = text_of(&b, "#planner-diff").await;
    assert!(diff.contains("H0001") && diff.contains("名册更正"), "{diff}");

    // Renumbering is a choice with its own preview; unticked, the preview is back.
    b.click(&b.find("#planner-renumber").await).await;
    let s = wait_status(&b, "the renumbering previewed", "s.preview !== null && s.preview.renumber").await;
    assert_eq!(s["preview"]["codes"], json!({ "new-1": G1, G1: G2, G2: G3 }), "{s}");
    let text = text_of(&b, "#planner-publish-preview").await;
    assert!(text.contains(&format!("编码 {G1} → {G2}")), "{text}");
    b.click(&b.find("#planner-renumber").await).await;
    let s = wait_status(&b, "back to keeping the codes", "s.preview !== null && !s.preview.renumber").await;
    assert_eq!(s["preview"], preview, "{s}");

    // Publish: the defects are acknowledged with a reason, then it lands; the answer is the preview.
    b.click(&b.find("#planner-publish").await).await;
    wait_status(&b, "the refusal", "!!s.last_error && document.querySelectorAll('.planner-ack-reason').length > 0").await;
    let n = b.eval("return document.querySelectorAll('.planner-ack-reason').length", vec![]).await.as_u64().unwrap();
    for i in 0..n {
        let input = b.find(&format!("#planner-acks li:nth-child({}) .planner-ack-reason", i + 1)).await;
        b.type_into(&input, "试点拆分").await;
    }
    b.click(&b.find("#planner-publish").await).await;
    let s = wait_status(&b, "published", "s.published_version === 1 && !s.busy").await;
    assert_eq!(s["published_codes"], preview["codes"], "{s}");
    assert_eq!(s["published_result"]["households_moved"], preview["households_moved"], "{s}");
    assert_eq!(s["published_result"]["units_moved"], preview["units_moved"], "{s}");
    let result = text_of(&b, "#planner-last-result").await;
    assert!(result.contains(&counts) && result.contains(&format!("南新社区第1网格({G1},编码不变)")), "{result}");
    b.screenshot("web_publish.png").await;

    // Through the API: codes, names and managers of the grids that persist are as they were.
    let grids = pa.get(app.url("/api/v1/layers/grids")).send().await.unwrap().json::<Value>().await.unwrap();
    let of = |code: &str| grids["features"].as_array().unwrap().iter().find(|f| f["properties"]["code"] == code).map(|f| f["properties"].clone());
    let (g1, g2, g3) = (of(G1).unwrap(), of(G2).unwrap(), of(G3).unwrap());
    assert_eq!((g1["name"].as_str(), g2["name"].as_str(), g3["name"].as_str()), (Some("南新社区第1网格"), Some("南新社区第2网格"), Some("南新社区第3网格")));
    assert!(g1["manager"].as_str().unwrap().starts_with('李') && g2["manager"].as_str().unwrap().starts_with('张'), "{g1} {g2}");
}
