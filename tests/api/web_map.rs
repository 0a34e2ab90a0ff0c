//! The map page in a real browser: headless Chromium opens the page served by the real server (with the
//! repository's geodata/), and the page's self-report `<pre id="gridmap-status">` says what it drew:
//! `{"ready":true,"rendered":{"county":N,...},"errors":[...]}`, each N the count of features MapLibre
//! rendered for that layer once the map went idle. Screenshots go to artifacts/ for a person to look at.

use crate::common;

use crate::common::browser::{self, DESKTOP, PHONE};
use crate::common::webdriver::signed_in;
use gridmap::accounts::Role;
use serde_json::Value;

/// The page's self-report once it is ready and free of errors.
async fn page_status(url: String, window: (u32, u32)) -> Value {
    let (status, _) = browser::page_status(&url, window, "gridmap-status").await;
    assert_eq!(status["ready"], Value::Bool(true), "{url} at {window:?}: page not ready: {status}");
    let errors = status["errors"].as_array().expect("errors is an array");
    assert!(errors.is_empty(), "{url} at {window:?}: the page reported errors: {errors:#?}\nfull status: {status}");
    status
}

fn rendered(status: &Value, layer: &str) -> u64 {
    status["rendered"][layer].as_u64().unwrap_or_else(|| panic!("no rendered count for {layer} in {status}"))
}

fn assert_rendered(status: &Value, layers: &[&str], what: &str) {
    for layer in layers {
        assert!(rendered(status, layer) > 0, "{what}: no {layer} rendered: {status}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn desktop_map_draws_every_layer_of_the_county() {
    let app = common::spawn_app().await;
    let url = format!("{}/", app.base_url);

    let status = page_status(url.clone(), DESKTOP).await;
    assert_rendered(&status, &["county", "towns", "communities", "grids"], "desktop, whole county");
    // The county view is below the zoom at which the big layers load.
    assert_eq!(rendered(&status, "households"), 0, "households must wait for zoom: {status}");
    assert_eq!(rendered(&status, "villages"), 0, "legacy villages are off by default: {status}");

    browser::screenshot(&url, DESKTOP, "web_map.png").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_map_is_ready_with_the_same_layers() {
    let app = common::spawn_app().await;
    let url = format!("{}/", app.base_url);

    let status = page_status(url.clone(), PHONE).await;
    assert_rendered(&status, &["county", "towns", "communities", "grids"], "phone, whole county");

    browser::screenshot(&url, PHONE, "web_map_phone.png").await;
}

/// Zoomed in on a household, the page loads units and households for the view only (bbox requests).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zoomed_in_map_loads_units_and_households_by_bbox() {
    let app = common::spawn_app().await;
    let api = |path: &str| format!("{}/api/v1{path}", app.base_url);
    // Households are for signed-in staff: a planner's.
    let client = common::TestApp::client_with(&app.token_for("planner.api", Role::Planner, "county").await);

    // A household somewhere in the county: look in the county's bbox, narrowed to its first grid.
    let grids: Value = client.get(api("/layers/grids")).send().await.unwrap().json().await.unwrap();
    let grid = &grids["features"][0];
    let (w, s, e, n) = envelope(&grid["geometry"]);
    let households: Value = client
        .get(api(&format!("/layers/households?bbox={w},{s},{e},{n}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let household = households["features"]
        .as_array()
        .and_then(|f| f.first())
        .unwrap_or_else(|| panic!("no household in the bbox of grid {}", grid["properties"]["code"]));
    let (w, s, e, n) = envelope(&household["geometry"]);
    let (lon, lat) = ((w + e) / 2.0, (s + n) / 2.0);

    let url = format!("{}/?view={lon},{lat},16.5", app.base_url);
    let b = signed_in(&app, "planner.page", Role::Planner, DESKTOP).await;
    b.page_status(&url, "gridmap-status", 90).await;
    // The view's households arrive after the first idle: wait for them.
    let loaded = "const t = document.getElementById('gridmap-status')?.textContent || ''; \
                  const r = t && JSON.parse(t).rendered; return r && r.households > 0 && r.units > 0 ? t : ''";
    let status: Value = serde_json::from_str(b.wait_for("households drawn", loaded, 60).await.as_str().unwrap()).unwrap();
    assert_rendered(&status, &["grids", "units", "households"], "desktop, zoomed in on a household");
    // The page asked for the view's households only, not the county's.
    let meta: Value = client.get(api("/meta")).send().await.unwrap().json().await.unwrap();
    let loaded = status["loaded"]["households"].as_u64().unwrap_or(0);
    let total = meta["counts"]["households"].as_u64().expect("meta.counts.households");
    assert!(loaded > 0 && loaded < total, "households loaded for the view: {loaded} of {total}: {status}");

    b.screenshot("web_map_zoomed.png").await;

    // Anonymous visitors get the same page without households, and no error.
    let status = page_status(url.clone(), DESKTOP).await;
    assert_rendered(&status, &["grids", "units"], "anonymous, zoomed in");
    assert_eq!(rendered(&status, "households"), 0, "households drawn for an anonymous visitor: {status}");
}

/// `(west, south, east, north)` of a GeoJSON geometry.
fn envelope(geometry: &Value) -> (f64, f64, f64, f64) {
    fn walk(v: &Value, b: &mut (f64, f64, f64, f64)) {
        match v.as_array() {
            Some(a) if a.first().is_some_and(Value::is_number) => {
                let (x, y) = (a[0].as_f64().unwrap(), a[1].as_f64().unwrap());
                *b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
            }
            Some(a) => a.iter().for_each(|c| walk(c, b)),
            None => {}
        }
    }
    let mut b = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    walk(&geometry["coordinates"], &mut b);
    assert!(b.0.is_finite(), "geometry without coordinates: {geometry}");
    b
}

/// What only some users need loads when they need it: the hidden legacy villages when switched on, the
/// planner's editing library when the planner opens, never for a visitor who only looks at the map.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hidden_villages_and_the_editing_library_load_only_when_wanted() {
    let app = common::spawn_app().await;
    let b = crate::common::webdriver::Browser::start(DESKTOP).await;
    let (status, _) = b.page_status(&format!("{}/", app.base_url), "gridmap-status", 60).await;
    assert_eq!(status["ready"], true, "{status}");
    assert!(status["loaded"]["villages"].is_null(), "the hidden villages were loaded at start: {status}");
    let fetched = "return performance.getEntriesByType('resource').map(e => e.name).filter(n => /terra-draw|layers\\/villages/.test(n))";
    assert_eq!(b.eval(fetched, vec![]).await, serde_json::json!([]), "nothing of the planner or the villages at start");
    assert_eq!(b.eval("return typeof window.terraDraw", vec![]).await, "undefined");

    let toggle = b.find("input[data-layer=\"villages\"]").await;
    b.click(&toggle).await;
    let n = b
        .wait_for("the villages loaded", "const s = JSON.parse(document.getElementById('gridmap-status').textContent); return s.loaded.villages || 0", 30)
        .await;
    assert!(n.as_u64().unwrap() > 0, "switching the villages on loads them: {n}");
}
