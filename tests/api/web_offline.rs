//! A grid manager's phone with no signal: headless Chromium at 390×844 opens the "my grid" list once online (the
//! service worker caches the shell and the list), then loses the signal, reloads the page and still has the
//! list and its filter, records a visit (it waits as 待发送 1条), gets the signal back, and the queue is sent:
//! the API counts the visit once, also when the same queue is sent a second time. Sign-out drops the cache.
//!
//! With no signal the search box and a tap on the map are answered from what the phone holds; a queued visit
//! the server refuses leaves the queue for a list the user reads; the households not visited are shaded. A
//! control run with the worker bypassed shows the offline page then does not load at all.

use serde_json::{Value, json};

use crate::common::{self, TestApp, browser::PHONE, signal::Signal, webdriver::{Browser, TEST_PASSWORD}};
use gridmap::accounts::Role;

const GRID: &str = "610522001001001";
const GRID_NAME: &str = "南新社区第1网格";

/// The codes of the households the map draws with the not-visited ring (style flag `_uncontacted`).
const RINGED: &str = "() => { const m = window.gridmap?.map; if (!m) return []; const f = m.queryRenderedFeatures({ layers: ['households-point', 'households-fill'] }).filter(f => f.properties._uncontacted === 1).map(f => f.properties.code); return [...new Set(f)].sort(); }";

async fn ringed(b: &Browser) -> Value {
    b.eval(&format!("return ({RINGED})()"), vec![]).await
}

async fn unvisited_rows(b: &Browser) -> Value {
    b.eval("return [...document.querySelectorAll('#gm-mygrid .gm-row.gm-uncontacted')].map(li => li.dataset.code)", vec![]).await
}

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

    // H0001's position, as the list gives it, for a tap on the map.
    let gm = TestApp::client_with(&app.token_for("gm.lookup", Role::GridManager, &format!("grids:{GRID}")).await);
    let (_, list) = common::send_json(&gm, reqwest::Method::GET, &app.url(&format!("/api/v1/grids/{GRID}/households")), None).await;
    let h0001 = list["households"].as_array().unwrap().iter().find(|h| h["code"] == "H0001").cloned().expect("H0001 in the list");

    let signal = Signal::forward(&app.base_url);
    let b = Browser::start(PHONE).await;
    b.sign_in(&signal.base_url, "gm.field", TEST_PASSWORD).await;
    let (status, _) = b.page_status(&signal.url(&format!("/?grid={GRID}")), "mygrid-status", 60).await;
    assert!(status["codes"].as_array().unwrap().iter().any(|c| c == "H0001"), "{status}");
    // Before any visit H0001 is not contacted: its row is marked and the map rings it.
    let rows = b.wait_for("the unvisited row", "const r = [...document.querySelectorAll('#gm-mygrid .gm-row.gm-uncontacted')].map(li => li.dataset.code); return r.length ? r : ''", 30).await;
    assert_eq!(rows, json!(["H0001"]));
    // Households are drawn from zoom 14.5: look at H0001 closely.
    let close_up = "const m = window.gridmap.map; m.jumpTo({ center: arguments[0], zoom: 17 }); return true";
    b.eval(close_up, vec![h0001["lonlat"].clone()]).await;
    let mut rings = json!([]);
    for _ in 0..60 {
        rings = ringed(&b).await;
        if rings != json!([]) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let seen = "const m = window.gridmap.map; return { zoom: m.getZoom(), drawn: m.queryRenderedFeatures({ layers: ['households-point'] }).map(f => [f.properties.code, f.properties._uncontacted]) }";
    assert_eq!(rings, json!(["H0001"]), "the map rings the household not visited: {}", b.eval(seen, vec![]).await);
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
    // And by pinyin initials, as the main search does: "zs" is 张三.
    b.clear(&filter).await;
    b.type_into(&filter, "zs").await;
    let shown = b.eval("return [...document.querySelectorAll('#gm-mygrid .gm-row')].filter(li => !li.hidden && li.offsetParent !== null).map(li => li.dataset.code)", vec![]).await;
    assert_eq!(shown, json!(["H0001"]), "the filter matches pinyin initials");
    b.clear(&filter).await;
    assert_eq!(b.eval("return navigator.onLine", vec![]).await, json!(false));

    // Search with no signal: the households the phone holds, and the list says where they come from.
    let input = b.find("#gm-search-input").await;
    b.type_into(&input, "张三").await;
    let hit = b
        .wait_for("an offline suggestion", "const l = document.getElementById('gm-suggest'); return !l.hidden && l.querySelector('li[data-code=\"H0001\"]') ? l.textContent : ''", 20)
        .await;
    assert!(hit.as_str().unwrap().contains("无网络"), "the list says it is offline: {hit}");
    let none = b.find("#gm-search-input").await;
    b.clear(&none).await;

    // A tap on the map with no signal: the grid from the map's own layers, the household from the list held.
    let lonlat = h0001["lonlat"].clone();
    b.eval(
        "const m = window.gridmap.map; const ll = arguments[0]; m.fire('click', { lngLat: new maplibregl.LngLat(ll[0], ll[1]), point: m.project(ll) }); return true",
        vec![lonlat],
    )
    .await;
    let card = b
        .wait_for("the offline card", "const c = document.getElementById('gm-chain'); return c && !c.hidden && c.querySelector('.gm-offline-note') ? c.textContent : ''", 20)
        .await;
    let card = card.as_str().unwrap();
    assert!(card.contains("张三") && card.contains(GRID_NAME), "the tapped household and its grid offline: {card}");
    let close = b.find("#gm-chain .gm-card-close").await;
    b.click(&close).await;

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

    // A queued visit the server refuses for good (H0003 is not in this account's grids: 403) leaves the queue
    // for the refused list, which the user reads and dismisses; it is not sent again.
    let refused = json!({"household": "H0003", "kind": "走访", "note": "", "client_id": "8f1d3c2e-0000-4000-8000-000000000003"});
    let n = b.eval("return import('/app/visits/queue.js').then(async q => { await q.enqueue(arguments[0]); await q.flush(); return q.show(); })", vec![refused]).await;
    assert_eq!(n, json!(0), "nothing waits after a refusal");
    let q = queue_status(&b, "the refusal listed", "s.refused === 1").await;
    assert_eq!((q["pending"].as_u64(), q["refused"].as_u64()), (Some(0), Some(1)), "{q}");
    let badge = b.eval("const e = document.getElementById('visit-queue'); return e.hidden ? '' : e.textContent.trim()", vec![]).await;
    assert_eq!(badge, json!("1条未被接受"));
    let open = b.find("#visit-queue .gm-visit-refused-open").await;
    b.click(&open).await;
    let why = b.eval("const d = document.getElementById('visit-refused'); return d.hidden ? '' : d.textContent", vec![]).await;
    assert!(why.as_str().unwrap().contains("H0003"), "the refused visit is shown with its household: {why}");
    b.screenshot("web_offline_refused.png").await;
    let ok = b.find("#visit-refused .gm-visit-refused-ok").await;
    b.click(&ok).await;
    let q = queue_status(&b, "the refusal dismissed", "s.refused === 0").await;
    assert_eq!(q["pending"], 0, "{q}");
    assert_eq!(b.eval("return document.getElementById('visit-queue').hidden", vec![]).await, json!(true));
    let (_, v3) = common::send_json(&admin, reqwest::Method::GET, &app.url("/api/v1/visits?household=H0003"), None).await;
    assert_eq!(v3["count"], 0, "{v3}");

    // Visited now: H0001 loses its mark in the list and its ring on the map.
    b.page_status(&signal.url(&format!("/?grid={GRID}")), "mygrid-status", 60).await;
    b.wait_for("the contact line", "const p = document.getElementById('gm-mygrid-contact'); return p && p.textContent.includes('1/1') ? p.textContent : ''", 30).await;
    assert_eq!(unvisited_rows(&b).await, json!([]), "no row is marked once all are visited");
    b.eval(close_up, vec![h0001["lonlat"].clone()]).await;
    let plain = "const m = window.gridmap?.map; const f = m ? m.queryRenderedFeatures({ layers: ['households-point'] }).filter(f => f.properties.code === 'H0001') : []; return f.length && f.every(f => f.properties._uncontacted === 0) ? 'plain' : ''";
    b.wait_for("H0001 drawn without its ring", plain, 30).await;
    assert_eq!(ringed(&b).await, json!([]), "no household is ringed once all are visited");

    // Sign-out drops every cached answer of the account.
    let data_caches = "return caches.keys().then(k => k.filter(n => n.startsWith('gm-data-')))";
    assert_eq!(b.eval(data_caches, vec![]).await, json!(["gm-data-gm.field"]));
    let out = b.find("#sign-out").await;
    b.click(&out).await;
    let none = "return caches.keys().then(k => k.filter(n => n.startsWith('gm-data-')).length === 0 && !!document.getElementById('sign-in'))";
    b.wait_for("the account's cache dropped", none, 20).await;
}

/// The control run: the same phone with its service worker bypassed. With no signal the page does not load,
/// so the main test's offline list is the worker's doing, not a cache of the browser's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_worker_the_page_does_not_load_with_no_signal() {
    let dir = tempfile::tempdir().unwrap();
    let app = common::spawn_app_seeded(&common::write_mini(dir.path())).await;
    app.token_for("gm.control", Role::GridManager, &format!("grids:{GRID}")).await;
    let signal = Signal::forward(&app.base_url);
    let b = Browser::start(PHONE).await;
    b.sign_in(&signal.base_url, "gm.control", TEST_PASSWORD).await;
    let (status, _) = b.page_status(&signal.url(&format!("/?grid={GRID}")), "mygrid-status", 60).await;
    assert!(status["codes"].as_array().unwrap().iter().any(|c| c == "H0001"), "{status}");
    b.wait_for("the service worker", "return document.getElementById('offline-status')?.textContent", 30).await;

    b.bypass_service_worker(true).await;
    signal.cut();
    b.set_offline(true).await;
    let load = b.try_goto(&signal.url(&format!("/?grid={GRID}"))).await;
    assert!(load.as_ref().is_err_and(|e| e.contains("ERR_INTERNET_DISCONNECTED")), "with the worker bypassed the page does not load offline: {load:?}");
    let list = b.eval("return document.getElementById('mygrid-status')?.textContent || null", vec![]).await;
    assert_eq!(list, Value::Null, "with the worker bypassed there is no list offline");
}
