//! Servers hear changes made elsewhere: a second server on the same PostGIS database (LISTEN/NOTIFY), and a
//! `gridmap import` into the GeoPackage file a server is using.

use crate::common;

use std::time::{Duration, Instant};

use gridmap::store::Location;
use gridmap::model::Layer;
use gridmap::model::geojson_io::write_dir;
use serde_json::json;

async fn revision(app: &common::TestApp) -> i64 {
    app.get_json("/health").await.1["revision"].as_i64().unwrap()
}

async fn wait_for_revision(app: &common::TestApp, want: i64) -> Duration {
    let t = Instant::now();
    while revision(app).await != want || app.get_json("/api/v1/meta").await.1["revision"].as_i64() != Some(want) {
        assert!(t.elapsed() < Duration::from_secs(10), "the server did not pick up revision {want}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    t.elapsed()
}

#[tokio::test]
async fn a_second_postgis_server_hears_the_first_ones_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ds = common::mini_dataset();
    ds.layers.get_mut(&Layer::Households).unwrap()[2].properties.insert("grid_code".into(), "610522001001001".into());
    let seed = tmp.path().join("ds");
    write_dir(&seed, &ds).unwrap();
    let url = common::fresh_postgis_url().await;
    let args = Location::Postgis(url);
    let a = common::spawn_app_on(args.clone(), &seed).await;
    let mut b = common::spawn_app_on(args, &seed).await;
    b.sign_in_planner().await;
    let admin = common::TestApp::client_with(&a.token_for("admin1", gridmap::accounts::Role::Admin, "county").await);
    let r = admin.post(a.url("/api/v1/crosswalk/reassignment")).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let rev = revision(&a).await;
    wait_for_revision(&b, rev).await;
    let (_, layer) = b.get_json("/api/v1/layers/households").await;
    assert_eq!(layer["features"][2]["properties"]["grid_code"], "610522102206001");
}

#[tokio::test]
async fn a_server_picks_up_an_import_into_its_geopackage() {
    let tmp = tempfile::tempdir().unwrap();
    let seed = common::write_mini(tmp.path());
    let store = tmp.path().join("shared.gpkg");
    let mut app = common::spawn_app_on(Location::Gpkg(store.clone()), &seed).await;
    app.sign_in_planner().await;
    let before = revision(&app).await;
    let mut one = gridmap::model::Dataset::default();
    one.layers.insert(Layer::Households, common::mini_dataset().get(Layer::Households)[..2].to_vec());
    let dir = tmp.path().join("two");
    write_dir(&dir, &one).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gridmap"))
        .args(["import", dir.to_str().unwrap(), "--store", store.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    wait_for_revision(&app, before + 1).await;
    let (_, layer) = app.get_json("/api/v1/layers/households").await;
    assert_eq!(layer["features"].as_array().unwrap().len(), 2);
}
