//! The secretary's job after the merger, on the page: she signs in, opens 合并对照, sees her community's
//! cross-boundary households by name (in full: they are in her community), with the proposal from grid to grid
//! and the managers, applies it behind a confirmation, and the list empties, as the API then says too.

use crate::common::browser::DESKTOP;
use crate::common::webdriver::{Browser, TEST_PASSWORD};
use crate::common::{TestApp, spawn_app};
use gridmap::accounts::Role;
use serde_json::{Value, json};

/// The reassignment proposal of `community` as the county admin sees it (every name in full).
async fn proposal(admin: &reqwest::Client, app: &TestApp, community: &str) -> Value {
    let r = admin.get(app.url(&format!("/api/v1/crosswalk/reassignment?community={community}"))).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    r.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secretary_applies_her_communitys_reassignment() {
    let app = spawn_app().await;
    let admin = TestApp::client_with(&app.token_for("admin.settle", Role::Admin, "county").await);
    // The community with the fewest households to settle (at least one), by the county's proposal.
    let all: Value = admin.get(app.url("/api/v1/crosswalk/reassignment")).send().await.unwrap().json().await.unwrap();
    let mut per: std::collections::BTreeMap<String, usize> = Default::default();
    for m in all["moves"].as_array().unwrap() {
        *per.entry(m["community"].as_str().unwrap().to_string()).or_default() += 1;
    }
    let (community, n) = per.iter().min_by_key(|(c, n)| (**n, (*c).clone())).map(|(c, n)| (c.clone(), *n)).expect("a community to settle");
    let before = proposal(&admin, &app, &community).await;
    let heads: Vec<String> = before["moves"].as_array().unwrap().iter().map(|m| m["head"].as_str().unwrap_or("户主未登记").to_string()).collect();
    assert_eq!(heads.len(), n);

    app.token_for("secretary.settle", Role::Secretary, &format!("community:{community}")).await;
    let b = Browser::start(DESKTOP).await;
    b.sign_in(&app.base_url, "secretary.settle", TEST_PASSWORD).await;
    b.goto(&app.url("/?panel=merger")).await;
    let rows = "return document.querySelectorAll('#settle-list tbody tr').length";
    let listed = b.wait_for("her households listed", rows, 90).await;
    assert_eq!(listed, json!(n), "every household of her community to settle is listed");

    // By name, in full, as the county admin sees them; each row names both grids and their managers.
    let shown: Vec<String> = serde_json::from_value(
        b.eval("return [...document.querySelectorAll('#settle-list .settle-head')].map(td => td.textContent)", vec![]).await,
    )
    .unwrap();
    let (mut a, mut e) = (shown.clone(), heads.clone());
    a.sort();
    e.sort();
    assert_eq!(a, e, "her community's householders, unmasked");
    assert!(shown.iter().all(|h| !h.contains('*')), "no masked name: {shown:?}");
    let row = b.eval("return document.querySelector('#settle-list tbody tr').textContent", vec![]).await;
    assert!(row.as_str().unwrap().matches("网格员").count() >= 2, "from and to grid with their managers: {row}");
    let explain = b.eval("return document.querySelector('.merger-explain')?.textContent || ''", vec![]).await;
    assert!(explain.as_str().unwrap().contains("迁入") && explain.as_str().unwrap().contains("迁出"), "迁入/迁出 explained");
    let planner_button = "return document.getElementById('planner-button')?.offsetParent === null";
    assert_eq!(b.eval(planner_button, vec![]).await, json!(true), "no 网格规划 button for a secretary, who may not plan");
    b.screenshot("web_settle_before.png").await;

    // Apply asks first; confirmed, the rosters change and the list empties.
    b.click(&b.find("#settle-apply").await).await;
    b.click(&b.find("#settle-confirm").await).await;
    let done = b.wait_for("the progress message", "return document.getElementById('settle-done')?.textContent || ''", 60).await;
    assert!(done.as_str().unwrap().contains(&format!("已调整 {n} 户")), "{done}");
    assert_eq!(b.eval(rows, vec![]).await, json!(0), "the applied households left the list");
    b.screenshot("web_settle_after.png").await;

    // The API agrees: nothing left to settle in her community, and the change log names her.
    let after = proposal(&admin, &app, &community).await;
    assert_eq!(after["moves"].as_array().unwrap().len(), 0, "{after}");
    let changes: Value = admin.get(app.url("/api/v1/changes?limit=5")).send().await.unwrap().json().await.unwrap();
    assert!(
        changes["changes"].as_array().unwrap().iter().any(|c| c["action"] == "crosswalk.reassign" && c["actor"] == "secretary.settle"),
        "{changes}"
    );
}
