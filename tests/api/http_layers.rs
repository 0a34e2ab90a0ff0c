//! The server as a client sees it: health, metadata, every layer as GeoJSON with bbox filtering through the
//! R-tree, clear 4xx errors, and the map page.

use crate::common;

use gridmap::model::Layer;

/// The mini dataset served to a county planner (anonymous callers get no households: `privacy_default`).
async fn mini_app() -> common::TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut app = common::spawn_app_seeded(&common::write_mini(dir.path())).await;
    app.sign_in_planner().await;
    app
}

#[tokio::test]
async fn health_and_meta() {
    let app = mini_app().await;
    let (s, v) = app.get_json("/health").await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "ok");
    assert!(v["store"].as_str().unwrap().starts_with("GeoPackage"));
    let (s, v) = app.get_json("/api/v1/meta").await;
    assert_eq!(s, 200);
    assert_eq!(v["county"]["name"], "潼关县");
    assert_eq!(v["counts"]["grids"], 3);
    assert_eq!(v["crs"]["metric"], "EPSG:4546");
    let b = v["bbox"].as_array().unwrap();
    assert!((b[0].as_f64().unwrap() - 110.2).abs() < 1e-9 && (b[3].as_f64().unwrap() - 34.51).abs() < 1e-9);
}

#[tokio::test]
async fn every_layer_is_served_as_geojson() {
    let app = mini_app().await;
    let ds = common::mini_dataset();
    for layer in Layer::ALL {
        let r = app.client.get(app.url(&format!("/api/v1/layers/{layer}"))).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/geo+json");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["type"], "FeatureCollection");
        let feats = v["features"].as_array().unwrap();
        assert_eq!(feats.len(), ds.get(layer).len(), "{layer}");
        let codes: Vec<&str> = feats.iter().map(|f| f["properties"]["code"].as_str().unwrap()).collect();
        let want: Vec<&str> = ds.get(layer).iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, want);
    }
}

#[tokio::test]
async fn names_and_phones_are_masked_by_default() {
    let app = mini_app().await;
    let (_, v) = app.get_json("/api/v1/layers/households").await;
    let h1 = &v["features"][0]["properties"];
    assert_eq!((h1["head"].as_str(), h1["phone"].as_str()), (Some("张*"), Some("139****1234")));
    // The address shows its town and community, not the dwelling; tags are withheld.
    assert_eq!(h1["address"], "城关街道南新社区***");
    assert_eq!(h1["tags"], serde_json::json!([]));
    let (_, v) = app.get_json("/api/v1/layers/grids").await;
    assert_eq!(v["features"][0]["properties"]["manager"], "李*");
}

#[tokio::test]
async fn bbox_selects_through_the_rtree() {
    let app = mini_app().await;
    // The east half of the mini county holds one grid (老虎城村第1网格) and the households H0003, H0004, H0005.
    let (s, v) = app.get_json("/api/v1/layers/grids?bbox=110.2125,34.502,110.219,34.508").await;
    assert_eq!(s, 200);
    let codes: Vec<&str> = v["features"].as_array().unwrap().iter().map(|f| f["properties"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["610522102206001"]);
    let (_, v) = app.get_json("/api/v1/layers/households?bbox=110.2101,34.5001,110.2199,34.5099").await;
    let codes: Vec<&str> = v["features"].as_array().unwrap().iter().map(|f| f["properties"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["H0003", "H0005"]);
    let (_, v) = app.get_json("/api/v1/layers/grids?bbox=100,20,100.1,20.1").await;
    assert_eq!(v["features"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn bad_requests_say_what_is_wrong() {
    let app = mini_app().await;
    let (s, v) = app.get_json("/api/v1/layers/parcels").await;
    assert_eq!(s, 404);
    assert!(v["error"]["message"].as_str().unwrap().contains("unknown layer \"parcels\""), "{v}");
    for (bbox, why) in [
        ("1,2,3", "not four numbers"),
        ("a,b,c,d", "not four numbers"),
        ("34.5,110.2,34.6,110.3", "swapped"),
        ("110.3,34.5,110.2,34.6", "west must not exceed east"),
    ] {
        let (s, v) = app.get_json(&format!("/api/v1/layers/grids?bbox={bbox}")).await;
        assert_eq!(s, 400, "{bbox}");
        assert!(v["error"]["message"].as_str().unwrap().contains(why), "{bbox}: {v}");
    }
}

#[tokio::test]
async fn the_map_page_and_its_vendored_library_are_served() {
    let app = mini_app().await;
    let r = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(html.contains("vendor/maplibre-gl/maplibre-gl.js"), "the page loads the vendored MapLibre");
    assert!(!html.contains("https://"), "the page loads nothing from the internet");
    let r = app.client.get(app.url("/vendor/maplibre-gl/maplibre-gl.js")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().len() > 100_000);
    let r = app.client.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    // The browser asks for /favicon.ico on every page: it is there, an icon.
    let r = app.client.get(app.url("/favicon.ico")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("icon"), "{:?}", r.headers());
    assert_eq!(&r.bytes().await.unwrap()[..4], b"\x00\x00\x01\x00", "an ICO file");
}

#[tokio::test]
async fn the_same_api_over_postgis() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = common::spawn_app_postgis(&common::write_mini(dir.path())).await;
    app.sign_in_planner().await;
    let (s, v) = app.get_json("/health").await;
    assert_eq!(s, 200);
    assert!(v["store"].as_str().unwrap().starts_with("PostGIS"));
    let (_, v) = app.get_json("/api/v1/layers/households").await;
    assert_eq!(v["features"].as_array().unwrap().len(), 5);
}
