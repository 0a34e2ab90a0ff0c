//! The planner panel ("网格规划") in headless Chromium driven through ChromeDriver, on the mini dataset: refused
//! to an anonymous visitor, then as a planner: pick community 610522001001, create a draft, select grid 002
//! with a click on the map and drag its south-west corner east with a real pointer drag on the map canvas
//! (terra-draw's select mode; on release the panel sends `reshape`), see the statistics change (households per
//! grid, a blind spot, an uncovered household, the move in the diff list), undo and redo by button and by
//! Ctrl+Z / Ctrl+Y, give the gap to grid 001 from the map's popup, publish (refused with 422 until both
//! underloaded grids are acknowledged with a reason), and check through the API that the published grids are
//! the edited ones. Last, another planner's draft from before the publication is refused with 409.
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
/// The community is the square 110.20..110.21 × 34.50..34.51; the grids share the edge x = 110.205.
const X0: f64 = 110.20;
const Y0: f64 = 34.50;

/// A script returning the planner's status once `cond` (JS over `s`, the parsed status) holds, else null.
fn status_when(cond: &str) -> String {
    format!(
        "const t = document.getElementById('planner-status')?.textContent; if (!t) return null; \
         const s = JSON.parse(t); return ({cond}) ? s : null;"
    )
}

/// Waits for the planner's status to satisfy `cond` and returns it.
async fn wait_status(b: &Browser, what: &str, cond: &str) -> Value {
    b.wait_for(what, &status_when(cond), 30).await
}

/// Viewport pixels of a lon/lat on the map, once the map has stopped moving.
async fn pixel(b: &Browser, lon: f64, lat: f64) -> (f64, f64) {
    b.wait_for("the map at rest", "const m = window.gridmap?.map; return !!m && !m.isMoving() && m.loaded();", 20).await;
    let js = "const m = window.gridmap.map; const r = m.getContainer().getBoundingClientRect(); \
              const p = m.project(arguments[0]); return [r.left + p.x, r.top + p.y];";
    let v = b.eval(js, vec![json!([lon, lat])]).await;
    (v[0].as_f64().unwrap(), v[1].as_f64().unwrap())
}

async fn text_of(b: &Browser, css: &str) -> String {
    b.eval("return document.querySelector(arguments[0])?.innerText ?? ''", vec![json!(css)]).await.as_str().unwrap_or("").to_string()
}

async fn api(app: &TestApp, who: &reqwest::Client, path: &str) -> Value {
    let r = who.get(app.url(path)).send().await.unwrap();
    assert!(r.status().is_success(), "GET {path}: {}", r.status());
    r.json().await.unwrap()
}

/// The outer ring of `grid` in a FeatureCollection of grids (keyed by `id` or `properties.code`).
fn ring_of(fc: &Value, grid: &str) -> Vec<[f64; 2]> {
    let f = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == grid || f["properties"]["code"] == grid)
        .unwrap_or_else(|| panic!("no grid {grid}"));
    let g = &f["geometry"];
    let rings = if g["type"] == "MultiPolygon" { &g["coordinates"][0] } else { &g["coordinates"] };
    rings[0].as_array().unwrap().iter().map(|c| [c[0].as_f64().unwrap(), c[1].as_f64().unwrap()]).collect()
}

fn has_vertex_near(ring: &[[f64; 2]], at: [f64; 2], tol: f64) -> bool {
    ring.iter().any(|c| (c[0] - at[0]).abs() < tol && (c[1] - at[1]).abs() < tol)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planner_reshapes_a_grid_on_the_map_sees_the_statistics_and_publishes() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    let token = app.token_for("planner.a", Role::Planner, "county").await;
    let pa = TestApp::client_with(&token);

    // Anonymous: the panel says who may plan instead of failing.
    let b = Browser::start(DESKTOP).await;
    b.goto(&app.url("/?panel=planner")).await;
    let s = wait_status(&b, "the panel, anonymous", "s.ready").await;
    assert_eq!((s["signed_in"].as_bool(), s["allowed"].as_bool()), (Some(false), Some(false)), "{s}");
    assert!(text_of(&b, "#planner-gate").await.contains("请以规划员身份登录"));

    // Signed in as a planner (the session cookie, as the sign-in dialog leaves it; web_signin.rs tests the dialog).
    let login = "return fetch('/api/v1/auth/login', {method: 'POST', headers: {'Content-Type': 'application/json'}, \
                 body: JSON.stringify({username: 'planner.a', password: 'a-long-password-2026'})}).then(r => r.status)";
    assert_eq!(b.eval(login, vec![]).await, 200);
    b.goto(&app.url("/?panel=planner")).await;
    let s = wait_status(&b, "the panel, signed in", "s.ready && s.allowed").await;
    assert_eq!(s["editor"], true, "terra-draw is loaded: {s}");
    let options = b.eval("return [...document.querySelectorAll('#planner-community option')].map(o => o.textContent)", vec![]).await;
    assert!(options.as_array().unwrap().iter().any(|o| o == "南新社区"), "communities by name: {options}");

    // Pick the community (the select list) and create a named draft.
    b.click(&b.find(&format!("#planner-community option[value='{C}']")).await).await;
    wait_status(&b, "the community's drafts", &format!("s.community === '{C}' && !s.busy")).await;
    b.type_into(&b.find("#planner-new-name").await, "东片调整").await;
    b.click(&b.find("#planner-create").await).await;
    let s = wait_status(&b, "the new draft drawn", "s.plan !== null && !s.busy && s.rendered['planner-grid-fill'] > 0 && s.rendered['planner-grid-label'] >= 2 && s.diff_households !== null").await;
    let plan = s["plan"].clone();
    assert_eq!(s["grids"], json!([G1, G2]), "{s}");
    assert_eq!(s["households_by_grid"], json!({ G1: 1, G2: 1 }), "{s}");
    assert_eq!(s["defects"], json!({"grid_underloaded": 2}), "{s}");
    assert_eq!((s["moves"].as_u64(), s["can_undo"].as_bool()), (Some(0), Some(false)), "{s}");
    assert!(s["rendered"]["planner-grid-label"].as_u64().unwrap() >= 2, "labels drawn: {s}");
    let listed = api(&app, &pa, &format!("/api/v1/plans?community={C}")).await;
    assert_eq!(listed["plans"][0]["name"], "东片调整");
    assert_eq!(listed["plans"][0]["author"], "planner.a");

    // Another planner holds a draft of the same community meanwhile (it will be overtaken by the publication).
    let pb = TestApp::client_with(&app.token_for("planner.b", Role::Planner, "county").await);
    let r = pb.post(app.url("/api/v1/plans")).json(&json!({"community": C, "name": "乙稿"})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let other = r.json::<Value>().await.unwrap()["id"].clone();

    // Select grid 002 with a click on the map, then drag its south-west corner (shared with 001) 320 m east
    // along the community's south edge: a real pointer drag that terra-draw's select mode turns into a moved
    // vertex; on release the panel sends `reshape` with 002's new ring.
    let inside = pixel(&b, X0 + 0.0075, Y0 + 0.005).await;
    b.click_at(inside).await;
    wait_status(&b, "grid 002 selected", &format!("s.selected === '{G2}'")).await;
    // This drag is to move 002 alone (the neighbour following is the default): untick it first.
    b.click(&b.find("#planner-linked").await).await;
    assert_eq!(b.eval("return document.getElementById('planner-linked').checked", vec![]).await, json!(false));
    let from = pixel(&b, X0 + 0.005, Y0).await;
    let to = pixel(&b, X0 + 0.0085, Y0).await;
    b.drag(from, to, 5).await;
    let s = wait_status(&b, "the reshaped draft", "s.steps.length === 1 && !s.busy && s.diff_households?.length === 1").await;
    assert_eq!(s["steps"], json!(["reshape"]), "the drag ended in a reshape: {s}");
    assert_eq!(s["last_error"], Value::Null, "{s}");
    assert_eq!(s["households_by_grid"], json!({ G1: 1, G2: 0 }), "H0002 is left out of 002: {s}");
    assert_eq!((s["defects"]["blind_spot"].as_u64(), s["defects"]["household_uncovered"].as_u64()), (Some(1), Some(1)), "{s}");
    assert_eq!((s["moves"].as_u64(), s["can_undo"].as_bool()), (Some(1), Some(true)), "{s}");
    assert_eq!(s["diff_households"], json!(["H0002"]), "{s}");
    assert_eq!(text_of(&b, &format!("#planner-grid-table tr[data-id='{G2}'] td.households")).await, "0");
    assert!(text_of(&b, "#planner-defect-counts").await.contains("盲区 1"));
    let diff = text_of(&b, "#planner-diff").await;
    assert!(diff.contains("H0002") && diff.contains("第2网格(张*)") && diff.contains("不在网格内"), "{diff}");
    assert!(text_of(&b, "#planner-elapsed").await.contains("毫秒"));
    let drawn = wait_status(&b, "the blind spot drawn", "s.rendered['planner-defect-fill'] > 0 && s.rendered['planner-move-point'] > 0").await;
    assert!(drawn["rendered"]["planner-boundary-line"].as_u64().unwrap() > 0, "{drawn}");
    // On the server: the corner moved where the pointer let go, snapped onto the community's south edge.
    let v = api(&app, &pa, &format!("/api/v1/plans/{plan}")).await;
    assert_eq!(v["steps"][0]["op"], "reshape");
    let ring = ring_of(&v["grids"], G2);
    assert!(!has_vertex_near(&ring, [X0 + 0.005, Y0], 1e-9), "{ring:?}");
    let corner = ring.iter().find(|c| (c[0] - (X0 + 0.0085)).abs() < 0.0002).unwrap_or_else(|| panic!("no dragged corner in {ring:?}"));
    assert!((corner[1] - Y0).abs() < 1e-9, "snapped onto the boundary: {corner:?}");
    b.screenshot("web_planner.png").await;

    // Undo and redo: buttons, then keys.
    b.click(&b.find("#planner-undo").await).await;
    let s = wait_status(&b, "undone (button)", "s.steps.length === 0 && s.can_redo && !s.busy").await;
    assert_eq!(s["households_by_grid"], json!({ G1: 1, G2: 1 }), "{s}");
    assert!(s["defects"].get("blind_spot").is_none(), "{s}");
    b.click(&b.find("#planner-redo").await).await;
    let s = wait_status(&b, "redone (button)", "s.steps.length === 1 && !s.can_redo && !s.busy").await;
    assert_eq!(s["households_by_grid"], json!({ G1: 1, G2: 0 }), "{s}");
    b.ctrl_key('z').await;
    wait_status(&b, "undone (Ctrl+Z)", "s.steps.length === 0 && s.can_redo && !s.busy").await;
    b.ctrl_key('y').await;
    let s = wait_status(&b, "redone (Ctrl+Y)", "s.steps.length === 1 && !s.can_redo && !s.busy").await;
    assert_eq!(s["defects"]["blind_spot"], 1, "{s}");

    // Give the gap to grid 001: the give tool, a click in the gap, the grid chosen in the map's popup.
    b.click(&b.find("button[data-tool='give']").await).await;
    let gap = pixel(&b, X0 + 0.0055, Y0 + 0.003).await;
    b.click_at(gap).await;
    b.click(&b.find(&format!(".planner-give-choice[data-grid='{G1}']")).await).await;
    let s = wait_status(&b, "the gap given", "s.steps.length === 2 && !s.busy && s.preview !== null").await;
    assert_eq!(s["steps"], json!(["reshape", "give"]), "{s}");
    assert_eq!(s["households_by_grid"], json!({ G1: 2, G2: 0 }), "{s}");
    assert_eq!(s["defects"], json!({"grid_underloaded": 2}), "no blind spot and no uncovered household left: {s}");

    // Publish: refused until each defect is acknowledged with a reason; then published.
    b.click(&b.find("#planner-publish").await).await;
    let s = wait_status(&b, "the refusal", "!!s.last_error && document.querySelectorAll('.planner-ack-reason').length > 0").await;
    assert!(s["last_error"].as_str().unwrap().contains("2 defect(s)"), "{s}");
    let asked = b.eval("return [...document.querySelectorAll('.planner-ack-reason')].map(i => i.dataset.defect).sort()", vec![]).await;
    assert_eq!(asked, json!([format!("grid_underloaded:{G1}"), format!("grid_underloaded:{G2}")]));
    for i in 0..2 {
        let input = b.find(&format!("#planner-acks li:nth-child({}) .planner-ack-reason", i + 1)).await;
        b.type_into(&input, "试点社区,户数少").await;
    }
    b.click(&b.find("#planner-publish").await).await;
    let s = wait_status(&b, "published", "s.published_version === 1 && s.page_reloaded > 0 && !s.busy").await;
    assert_eq!(s["published_codes"], json!({ G1: G1, G2: G2 }), "{s}");
    assert_eq!(s["plan"], Value::Null, "the published draft is closed: {s}");
    assert!(text_of(&b, "#planner-last-result").await.contains("已发布为第 1 版"));

    // Through the API: the published grids are the edited ones, the version is the planner's.
    let grids = api(&app, &pa, "/api/v1/layers/grids").await;
    let g2 = ring_of(&grids, G2);
    assert!(has_vertex_near(&g2, [corner[0], corner[1]], 1e-9) && !has_vertex_near(&g2, [X0 + 0.005, Y0], 1e-9), "{g2:?}");
    let g1 = ring_of(&grids, G1);
    assert!(has_vertex_near(&g1, [corner[0], corner[1]], 1e-9), "001 took the gap up to the moved corner: {g1:?}");
    let versions = api(&app, &pa, &format!("/api/v1/plans/versions?community={C}")).await;
    assert_eq!(versions["versions"][0]["published_by"], "planner.a");
    let log = api(&app, &pa, "/api/v1/changes").await;
    assert_eq!(log["changes"][0]["detail"]["acknowledged"][0]["reason"], "试点社区,户数少", "{}", log["changes"][0]);

    // The other planner's draft was copied before the publication: opened in the panel it is stale, and
    // publishing it is refused with 409 and the server's message; nothing changes.
    b.click(&b.find(&format!(".planner-open-draft[data-plan='{other}']")).await).await;
    let s = wait_status(&b, "the stale draft", &format!("s.plan === {other} && !s.busy && s.preview !== null")).await;
    assert_eq!(s["stale"], true, "{s}");
    b.click(&b.find("#planner-publish").await).await;
    let s = wait_status(&b, "the 409", "!!s.last_error && !s.busy").await;
    assert!(s["last_error"].as_str().unwrap().contains("has been published since"), "{s}");
    assert!(text_of(&b, "#planner-publish-error").await.contains("方案未作任何改动"));
    assert_eq!(api(&app, &pa, "/api/v1/layers/grids").await, grids, "nothing was overwritten");
}

/// 方案对比: a draft made through the API moves the shared edge of 001/002 east past H0002 and unit
/// 610522001001002001; in the panel, 现行方案 against that draft lists exactly that household (002 → 001, with
/// both managers) and that unit, and both plans' outlines (A dashed blue, B solid red) and labels and the moved
/// household's point are on the map; leaving the comparison removes its layers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planner_compares_the_published_plan_with_a_draft_on_the_map() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    let token = app.token_for("planner.a", Role::Planner, "county").await;
    let pa = TestApp::client_with(&token);

    let r = pa.post(app.url("/api/v1/plans")).json(&json!({"community": C, "name": "东移"})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"].clone();
    for y in [Y0, Y0 + 0.01] {
        let e = json!({"op": "move_vertex", "from": [X0 + 0.005, y], "to": [X0 + 0.008, y], "snap_m": 0.5});
        let r = pa.post(app.url(&format!("/api/v1/plans/{id}/edits"))).json(&e).send().await.unwrap();
        assert_eq!(r.status(), 200, "{e}");
    }

    let b = Browser::start(DESKTOP).await;
    b.goto(&app.url("/")).await;
    let login = "return fetch('/api/v1/auth/login', {method: 'POST', headers: {'Content-Type': 'application/json'}, \
                 body: JSON.stringify({username: 'planner.a', password: 'a-long-password-2026'})}).then(r => r.status)";
    assert_eq!(b.eval(login, vec![]).await, 200);
    b.goto(&app.url(&format!("/?panel=planner&community={C}"))).await;
    let draft = format!("draft:{id}");
    let s = wait_status(&b, "the compare choices", &format!("s.ready && s.community === '{C}' && s.compare?.options.includes('{draft}')")).await;
    assert_eq!(s["compare"]["options"], json!(["published", draft]), "no version published yet, so no 首次发布前: {s}");
    assert_eq!(s["compare"]["shown"], false, "{s}");

    b.click(&b.find("#planner-compare-a option[value='published']").await).await;
    b.click(&b.find(&format!("#planner-compare-b option[value='{draft}']")).await).await;
    b.click(&b.find("#planner-compare-run").await).await;
    let s = wait_status(
        &b,
        "the comparison drawn",
        "s.compare?.shown && !s.compare.busy && s.compare.rendered['planner-compare-a-line'] > 0 && s.compare.rendered['planner-compare-b-line'] > 0 \
         && s.compare.rendered['planner-compare-moves'] > 0",
    )
    .await;
    let c = &s["compare"];
    assert_eq!((c["a"].as_str(), c["b"].as_str()), (Some("published"), Some(draft.as_str())), "{c}");
    assert_eq!((c["households"].as_u64(), c["households_unchanged"].as_u64(), c["units"].as_u64()), (Some(1), Some(1), Some(1)), "{c}");
    assert_eq!(c["household_codes"], json!(["H0002"]), "{c}");
    assert_eq!(c["unit_codes"], json!(["610522001001002001"]), "{c}");
    assert_eq!(c["labels"][0], "现行方案", "{c}");
    assert!(c["labels"][1].as_str().unwrap().contains("东移"), "{c}");
    assert_eq!(c["error"], Value::Null, "{c}");

    // Both outlines are rendered where the plans differ: queried on the map itself, at the old and the new edge.
    let q = "const m = window.gridmap.map; const p = m.project(arguments[0]); \
             const box = [[p.x - 4, p.y - 4], [p.x + 4, p.y + 4]]; \
             return ['planner-compare-a-line', 'planner-compare-b-line'].map(l => m.queryRenderedFeatures(box, {layers: [l]}).length);";
    let old_edge = b.eval(q, vec![json!([X0 + 0.005, Y0 + 0.005])]).await;
    let new_edge = b.eval(q, vec![json!([X0 + 0.008, Y0 + 0.005])]).await;
    assert!(old_edge[0].as_u64().unwrap() > 0 && old_edge[1].as_u64().unwrap() == 0, "A's edge only at x = 110.205: {old_edge}");
    assert!(new_edge[1].as_u64().unwrap() > 0 && new_edge[0].as_u64().unwrap() == 0, "B's edge only at x = 110.208: {new_edge}");
    let labels = b.eval("return ['planner-compare-a-label', 'planner-compare-b-label'].map(l => window.gridmap.map.queryRenderedFeatures({layers: [l]}).length)", vec![]).await;
    assert!(labels[0].as_u64().unwrap() >= 2 && labels[1].as_u64().unwrap() >= 2, "both plans' labels: {labels}");
    let dashed = b.eval("return window.gridmap.map.getPaintProperty('planner-compare-a-line', 'line-dasharray') ?? null", vec![]).await;
    assert!(dashed.is_array(), "A dashed: {dashed}");

    // The lists: H0002 from 002 to 001 with both managers; the unit.
    let row = b
        .eval("const r = document.querySelector(\"#planner-compare-households li[data-code='H0002']\"); return r && [r.dataset.from, r.dataset.to, r.innerText];", vec![])
        .await;
    assert_eq!((row[0].as_str(), row[1].as_str()), (Some(G2), Some(G1)), "{row}");
    let text = row[2].as_str().unwrap();
    assert!(text.contains("H0002") && text.contains("第2网格") && text.contains("第1网格") && text.contains("张*") && text.contains("李*"), "{text}");
    assert!(text.find(G2).unwrap() < text.find(G1).unwrap(), "from 002 to 001: {text}");
    assert!(text_of(&b, "#planner-compare-units").await.contains("610522001001002001"));
    let counts = text_of(&b, "#planner-compare-counts").await;
    assert!(counts.contains("调整网格 1 户") && counts.contains("未变 1 户"), "{counts}");

    b.screenshot("web_planner_compare.png").await;

    // A row flies the map to the household.
    b.click(&b.find("#planner-compare-households li[data-code='H0002']").await).await;
    wait_status(&b, "zoomed to H0002", "s.compare?.zoomed === 'H0002'").await;

    // Leaving the comparison removes its layers and sources.
    b.click(&b.find("#planner-compare-end").await).await;
    let s = wait_status(&b, "the comparison ended", "s.compare && !s.compare.shown").await;
    assert_eq!(s["compare"]["rendered"], json!({}), "{s}");
    let left = b.eval("const m = window.gridmap.map; return ['planner-compare-a-line', 'planner-compare-b-line', 'planner-compare-moves'].filter(l => m.getLayer(l)).length + (m.getSource('planner-compare-a') ? 1 : 0)", vec![]).await;
    assert_eq!(left, 0);
}

/// A new draft of community C named `name`, made through the API by planner.a and opened in the panel of a
/// browser signed in as planner.a: the browser, planner.a's API client and the draft's id.
async fn open_new_draft(app: &TestApp, name: &str) -> (Browser, reqwest::Client, Value) {
    let pa = TestApp::client_with(&app.token_for("planner.a", Role::Planner, "county").await);
    let r = pa.post(app.url("/api/v1/plans")).json(&json!({"community": C, "name": name})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let plan = r.json::<Value>().await.unwrap()["id"].clone();
    let b = Browser::start(DESKTOP).await;
    b.sign_in(&app.base_url, "planner.a", "a-long-password-2026").await;
    b.goto(&app.url(&format!("/?panel=planner&community={C}&plan={plan}"))).await;
    wait_status(&b, "the draft drawn", &format!("s.plan === {plan} && !s.busy && s.rendered['planner-grid-fill'] > 0")).await;
    (b, pa, plan)
}

/// Handles the zoom can show: grid 002's east edge is traced with 255 vertices (a zig-zag of a metre), as a
/// surveyed outline is. At the community's zoom the selected grid shows a handful of handles, not 258; dragging
/// its north-east corner moves that corner alone and the server's ring keeps every vertex that was hidden;
/// zoomed in on the edge, its vertices show as handles again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_traced_grid_shows_the_handles_its_zoom_can_hold_and_an_edit_keeps_the_hidden_vertices() {
    use geo::{Geometry, LineString, MultiPolygon, Polygon};
    let dir = tempfile::tempdir().unwrap();
    let mut ds = crate::common::mini_dataset();
    let (x1, x2, y1, y2) = (X0 + 0.005, X0 + 0.01, Y0, Y0 + 0.01);
    let mut ring = vec![(x1, y1), (x2, y1)];
    ring.extend((1..256).map(|k| (x2 - if k % 2 == 1 { 0.00001 } else { 0.0 }, y1 + (y2 - y1) * k as f64 / 256.0)));
    ring.extend([(x2, y2), (x1, y2), (x1, y1)]);
    let traced = ring.len();
    let grids = ds.layers.get_mut(&gridmap::model::Layer::Grids).unwrap();
    grids.iter_mut().find(|f| f.code == G2).unwrap().geometry =
        Geometry::MultiPolygon(MultiPolygon(vec![Polygon::new(LineString::from(ring), vec![])]));
    let seed = dir.path().join("ds");
    gridmap::model::geojson_io::write_dir(&seed, &ds).unwrap();
    let app = spawn_app_seeded(&seed).await;
    let (b, pa, plan) = open_new_draft(&app, "描边").await;
    b.click_at(pixel(&b, X0 + 0.0075, Y0 + 0.005).await).await;
    let s = wait_status(&b, "grid 002 selected with its handles", &format!("s.selected === '{G2}' && s.handles > 0")).await;
    let few = s["handles"].as_u64().unwrap();
    assert!((4..=12).contains(&few), "{few} handles for a grid of {traced} vertices at the community's zoom: {s}");

    // The traced edge lies within the default snap (3 m) of the community's boundary: snap nothing here, so
    // that what comes back is what the edit sent.
    b.click(&b.find("#planner-snap option[value='0']").await).await;
    assert_eq!(b.eval("return document.getElementById('planner-snap').value", vec![]).await, json!("0"));
    let to = [x2 - 0.0005, y2 - 0.0005];
    b.drag(pixel(&b, x2, y2).await, pixel(&b, to[0], to[1]).await, 5).await;
    let s = wait_status(&b, "the corner moved", "s.steps.length === 1 && !s.busy").await;
    assert_eq!(s["last_error"], Value::Null, "{s}");
    let v = api(&app, &pa, &format!("/api/v1/plans/{plan}")).await;
    let after = ring_of(&v["grids"], G2);
    assert!(!has_vertex_near(&after, [x2, y2], 1e-9) && has_vertex_near(&after, to, 0.0002), "the corner moved where the pointer let go: {after:?}");
    assert_eq!(after.len(), traced, "one vertex moved, none of the hidden ones lost");
    let zigzag = after.iter().filter(|c| (c[0] - (x2 - 0.00001)).abs() < 1e-9).count();
    assert_eq!(zigzag, 128, "the traced edge is kept vertex for vertex");

    // Zoomed in on the traced edge (the map's deepest zoom: 0.12 m a pixel, the zig-zag 7 pixels), its vertices
    // are handles again.
    b.eval("window.gridmap.map.jumpTo({center: arguments[0], zoom: 19})", vec![json!([x2, (y1 + y2) / 2.0])]).await;
    let s = wait_status(&b, "more handles zoomed in", &format!("s.selected === '{G2}' && s.handles > {few} * 10")).await;
    assert!(s["handles"].as_u64().unwrap() <= traced as u64, "{s}");
}

/// An edit that breaks something is flagged at once: dragging grid 002's south-west corner into grid 001 (the
/// neighbour not following) makes them overlap, and the panel says so in words with an undo button beside it;
/// the button takes the step back and the warning goes. Spikes are found at new vertices only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_that_makes_an_overlap_or_a_spike_is_flagged_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    let (b, _, _) = open_new_draft(&app, "重叠").await;

    // The spike rule on the page's own module: a 5° tooth is a spike, a square's corners are not, and an old
    // vertex is not looked at.
    let js = "return import('/app/planner/warn.js').then(m => [ \
                m.spikes([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]).length, \
                m.spikes([[0, 0], [1, 0], [1, 0.5], [-3, 0.6], [1, 0.7], [1, 1], [0, 1], [0, 0]]).map(s => s.at), \
                m.spikes([[0, 0], [1, 0], [1, 0.5], [-3, 0.6], [1, 0.7], [1, 1], [0, 1], [0, 0]], c => c[0] !== -3).length])";
    assert_eq!(b.eval(js, vec![]).await, json!([0, [[-3, 0.6]], 0]));

    b.click_at(pixel(&b, X0 + 0.0075, Y0 + 0.005).await).await;
    wait_status(&b, "grid 002 selected", &format!("s.selected === '{G2}'")).await;
    b.click(&b.find("#planner-linked").await).await;
    b.click(&b.find("#planner-snap option[value='0']").await).await;
    assert_eq!(b.eval("return document.getElementById('planner-warning').hidden", vec![]).await, json!(true));
    b.drag(pixel(&b, X0 + 0.005, Y0).await, pixel(&b, X0 + 0.002, Y0 + 0.0003).await, 5).await;
    let s = wait_status(&b, "the overlap flagged", "s.steps.length === 1 && !s.busy && s.warning !== null").await;
    assert_eq!(s["warning"]["kinds"], json!(["overlap"]), "{s}");
    let words = text_of(&b, "#planner-warning").await;
    assert!(words.contains("重叠") && words.contains("撤销"), "{words}");
    assert!(words.contains("南新社区第1网格与南新社区第2网格重叠"), "names the grids by name: {words}");
    b.screenshot("web_planner_warning.png").await;

    // The way back is beside the words.
    b.click(&b.find("#planner-warning-undo").await).await;
    let s = wait_status(&b, "undone from the warning", "s.steps.length === 0 && !s.busy && s.warning === null").await;
    assert!(s["defects"].get("overlap").is_none(), "{s}");
    assert_eq!(b.eval("return document.getElementById('planner-warning').hidden", vec![]).await, json!(true));
}
