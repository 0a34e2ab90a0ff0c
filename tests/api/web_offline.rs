//! A grid manager's phone with no signal: headless Chromium at 390×844 opens the "my grid" list once online (the
//! service worker caches the shell and the list), then loses the signal, reloads the page and still has the
//! list and its filter, records a visit (it waits as 待发送 1条), gets the signal back, and the queue is sent:
//! the API counts the visit once, also when the same queue is sent a second time. Sign-out drops the cache.

use serde_json::{Value, json};

use crate::common::{self, TestApp, browser::PHONE, signal::Signal, webdriver::{Browser, TEST_PASSWORD}};
use gridmap::accounts::Role;

const GRID: &str = "610522001001001";

async fn queue_status(b: &Browser, what: &str, done: &str) -> Value {
    let script = format!("const t = document.getElementById('visit-queue-status')?.textContent; if (!t) return ''; const s = JSON.parse(t); return ({done}) ? t : ''");
    let t = b.wait_for(what, &script, 30).await;
    serde_json::from_str(t.as_str().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grid_manager_works_with_no_signal_and_the_queue_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let app = common::spawn_app_seeded(&common::write_mini(dir.path())).await;
    app.token_for("gm.field", Role::GridManager, &format!("grids:{GRID}")).await;
    let admin = TestApp::client_with(&app.token_for("admin.field", Role::Admin, "county").await);

    // The worker script is served from / (so its scope may be the whole page) as JavaScript.
    let sw = reqwest::get(app.url("/sw.js")).await.unwrap();
    assert_eq!(sw.status(), 200);
    let mime = sw.headers()["content-type"].to_str().unwrap().to_string();
    assert!(mime.contains("javascript"), "sw.js served as {mime}");

    let signal = Signal::forward(&app.base_url);
    let b = Browser::start(PHONE).await;
    b.sign_in(&signal.base_url, "gm.field", TEST_PASSWORD).await;
    let (status, _) = b.page_status(&signal.url(&format!("/?grid={GRID}")), "mygrid-status", 60).await;
    assert!(status["codes"].as_array().unwrap().iter().any(|c| c == "H0001"), "{status}");
    let off = b.wait_for("the service worker", "return document.getElementById('offline-status')?.textContent", 30).await;
    let off: Value = serde_json::from_str(off.as_str().unwrap()).unwrap();
    assert_eq!((off["registered"].as_bool(), off["account"].as_str()), (Some(true), Some("gm.field")), "{off}");
    let scope = b.eval("return navigator.serviceWorker.getRegistration('/').then(r => r && r.scope)", vec![]).await;
    assert_eq!(scope, json!(signal.url("/")), "the worker's scope is the whole page");

    // No signal: the page reloads from the cache, with the list and its filter.
    signal.cut();
    b.set_offline(true).await;
    let (status, _) = b.page_status(&signal.url(&format!("/?grid={GRID}")), "mygrid-status", 60).await;
    assert_eq!(status["errors"], json!([]), "{status}");
    assert!(status["codes"].as_array().unwrap().iter().any(|c| c == "H0001"), "the list offline: {status}");
    let filter = b.find("#gm-mygrid .gm-filter").await;
    b.type_into(&filter, "H0001").await;
    let shown = b.eval("return [...document.querySelectorAll('#gm-mygrid .gm-row')].filter(li => !li.hidden && li.offsetParent !== null).map(li => li.dataset.code)", vec![]).await;
    assert_eq!(shown, json!(["H0001"]), "the filter works offline");
    assert_eq!(b.eval("return navigator.onLine", vec![]).await, json!(false));

    // A visit recorded with no signal waits in the queue.
    let row_button = b.find(".gm-row[data-code=\"H0001\"] .gm-row-visit").await;
    b.click(&row_button).await;
    let kind = b.find("#gm-chain .gm-visit-kind[data-kind=\"走访\"]").await;
    b.click(&kind).await;
    let s = b.wait_for("the visit queued", "return document.getElementById('visit-status')?.textContent", 30).await;
    let s: Value = serde_json::from_str(s.as_str().unwrap()).unwrap();
    assert_eq!(s["queued"], true, "{s}");
    let client_id = s["client_id"].clone();
    let q = queue_status(&b, "the queue of one", "s.pending === 1").await;
    assert_eq!(q["pending"], 1, "{q}");
    let badge = b.eval("const e = document.getElementById('visit-queue'); return e.hidden ? '' : e.textContent", vec![]).await;
    assert_eq!(badge, json!("待发送 1条"));
    b.screenshot("web_offline_queued.png").await;
    let (_, visits) = common::send_json(&admin, reqwest::Method::GET, &app.url("/api/v1/visits?household=H0001"), None).await;
    assert_eq!(visits["count"], 0, "nothing reached the server offline: {visits}");
    let queued = b.eval("return import('/app/visits/queue.js').then(q => q.queued())", vec![]).await;
    assert_eq!(queued.as_array().map(Vec::len), Some(1), "{queued}");

    // The signal returns: the `online` event sends the queue.
    signal.restore();
    b.set_offline(false).await;
    let q = queue_status(&b, "the queue sent", "s.pending === 0 && s.sent >= 1").await;
    assert_eq!(q["errors"], json!([]), "{q}");
    let badge_hidden = b.eval("return document.getElementById('visit-queue').hidden", vec![]).await;
    assert_eq!(badge_hidden, json!(true));

    // The same queue sent again (as from a second tab that held a copy): still one visit.
    let again = b
        .eval("return import('/app/visits/queue.js').then(async q => { const v = arguments[0]; delete v.queued_at; await q.enqueue(v); await q.flush(); return q.show(); })", vec![queued[0].clone()])
        .await;
    assert_eq!(again, json!(0), "the resent queue is empty after the server's 200");
    let (_, visits) = common::send_json(&admin, reqwest::Method::GET, &app.url("/api/v1/visits?household=H0001"), None).await;
    assert_eq!(visits["count"], 1, "counted once: {visits}");
    assert_eq!(visits["visits"][0]["client_id"], client_id, "{visits}");
    let (_, c) = common::send_json(&admin, reqwest::Method::GET, &app.url(&format!("/api/v1/coverage/contact?parent={GRID}")), None).await;
    assert_eq!(c["grids"][0]["visited"].as_u64(), Some(1), "{c}");

    // Sign-out drops every cached answer of the account.
    let data_caches = "return caches.keys().then(k => k.filter(n => n.startsWith('gm-data-')))";
    assert_eq!(b.eval(data_caches, vec![]).await, json!(["gm-data-gm.field"]));
    let out = b.find("#sign-out").await;
    b.click(&out).await;
    let none = "return caches.keys().then(k => k.filter(n => n.startsWith('gm-data-')).length === 0 && !!document.getElementById('sign-in'))";
    b.wait_for("the account's cache dropped", none, 20).await;
}
