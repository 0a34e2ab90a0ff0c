//! The merger crosswalk over HTTP and the CLI: shares, cross-boundary households, the reassignment proposal,
//! applying it in one transaction (twice changes nothing), and PostGIS as the oracle for area shares.

use crate::common;

use std::path::Path;

use gridmap::accounts::Role;
use gridmap::model::Layer;
use gridmap::model::geojson_io::write_dir;
use serde_json::{Value, json};

/// The mini dataset with household H0003 on the east side but on a west grid's roster.
fn dataset_dir(dir: &Path) -> std::path::PathBuf {
    let mut ds = common::mini_dataset();
    let hh = ds.layers.get_mut(&Layer::Households).unwrap();
    hh[2].properties.insert("grid_code".into(), "610522001001001".into());
    let out = dir.join("ds");
    write_dir(&out, &ds).unwrap();
    out
}

async fn post(app: &common::TestApp, client: &reqwest::Client, path: &str, body: Value) -> (u16, Value) {
    let r = client.post(app.url(path)).json(&body).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn get(app: &common::TestApp, client: &reqwest::Client, path: &str) -> Value {
    client.get(app.url(path)).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn crosswalk_lists_villages_communities_and_cross_boundary_households() {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = common::spawn_app_seeded(&dataset_dir(tmp.path())).await;
    app.sign_in_planner().await;
    let (s, v) = app.get_json("/api/v1/crosswalk").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["summary"]["villages"], 2);
    assert_eq!(v["summary"]["split_villages"], 0);
    let wu = &v["villages"][0];
    assert_eq!(wu["code"], "610522100201");
    assert_eq!(wu["shares"][0]["community"], "610522001001");
    assert!((wu["shares"][0]["area_pct"].as_f64().unwrap() - 100.0).abs() < 1e-3);
    assert_eq!(wu["target_holds_most"], true);
    assert_eq!(v["communities"][1]["villages"][0]["village"], "610522102206");

    let (_, v) = app.get_json("/api/v1/crosswalk/households").await;
    let codes: Vec<&str> = v["households"].as_array().unwrap().iter().map(|h| h["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["H0003", "H0005"]);
    let h5 = &v["households"][1];
    assert_eq!(h5["reasons"], json!(["village"]));
    assert_eq!(h5["registered_community"], "610522001001");
    assert_eq!(h5["located_community"], "610522102206");
    assert_eq!(h5["located_grid"], "610522102206001");

    let (_, g) = app.get_json("/api/v1/crosswalk/households?format=geojson").await;
    let kinds: Vec<&str> = g["features"].as_array().unwrap().iter().map(|f| f["properties"]["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["link", "household", "link", "household"]);
    assert_eq!(g["features"][0]["geometry"]["type"], "LineString");

    let r = app.client.get(app.url("/api/v1/crosswalk/households?format=csv")).send().await.unwrap();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("\u{feff}户编码,户主,地址,跨界原因"), "{csv}");
    assert_eq!(csv.lines().count(), 3);

    let r = app.client.get(app.url("/api/v1/crosswalk?format=xlsx")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("crosswalk.xlsx"));
    let book = r.bytes().await.unwrap();
    assert_eq!(&book[..2], b"PK", "an xlsx file is a zip archive");

    let (s, v) = app.get_json("/api/v1/crosswalk?format=pdf").await;
    assert_eq!(s, 400);
    assert!(v["error"]["message"].as_str().unwrap().contains("pdf"));
    let (s, _) = app.get_json("/api/v1/crosswalk/households?community=610522999999").await;
    assert_eq!(s, 404);
}

async fn reassignment_applies_once(mut app: common::TestApp) {
    let app = &mut app;
    app.sign_in_planner().await;
    let (s, p) = app.get_json("/api/v1/crosswalk/reassignment").await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["moves"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(p["moves"][0]["household"], "H0003");
    assert_eq!(p["moves"][0]["from_grid"], "610522001001001");
    assert_eq!(p["moves"][0]["to_grid"], "610522102206001");
    let grids: Vec<(String, i64)> = p["grids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["grid"].as_str().unwrap().to_string(), g["net"].as_i64().unwrap()))
        .collect();
    assert_eq!(grids, [("610522001001001".to_string(), -1), ("610522102206001".to_string(), 1)]);
    // Names are masked for a planner.
    assert_eq!(p["managers"][0]["manager"], "李*");

    // Only a secretary of the community (or the county admin) applies it; bad requests change nothing.
    let east = common::TestApp::client_with(&app.token_for("sec.east", Role::Secretary, "community:610522102206").await);
    let admin = common::TestApp::client_with(&app.token_for("admin1", Role::Admin, "county").await);
    let viewer = common::TestApp::client_with(&app.token_for("viewer1", Role::Viewer, "county").await);
    let body = json!({"community": "610522102206"});
    assert_eq!(post(app, &common::TestApp::anonymous(), "/api/v1/crosswalk/reassignment", body.clone()).await.0, 401);
    assert_eq!(post(app, &viewer, "/api/v1/crosswalk/reassignment", body.clone()).await.0, 403);
    let (s, v) = post(app, &east, "/api/v1/crosswalk/reassignment", json!({"community": "610522001001"})).await;
    assert_eq!(s, 403, "another community: {v}");
    let (s, v) = post(app, &east, "/api/v1/crosswalk/reassignment", json!({})).await;
    assert_eq!(s, 403, "the whole county: {v}");
    let (s, _) = post(app, &admin, "/api/v1/crosswalk/reassignment", json!({"community": "610522000000"})).await;
    assert_eq!(s, 404);
    // Who applies is the signed-in account, not a name in the body.
    let (s, v) = post(app, &east, "/api/v1/crosswalk/reassignment", json!({"community": "610522102206", "applied_by": "王秀兰"})).await;
    assert_eq!(s, 400);
    assert!(v["error"]["message"].as_str().unwrap().contains("applied_by"), "{v}");
    // One community at a time: the west community gains nobody.
    let (s, v) = post(app, &admin, "/api/v1/crosswalk/reassignment", json!({"community": "610522001001"})).await;
    assert_eq!((s, v["changed"].as_u64()), (200, Some(0)));

    let (_, before) = app.get_json("/health").await;
    let (s, v) = post(app, &east, "/api/v1/crosswalk/reassignment", body).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["changed"], 1);
    assert_eq!(v["applied_by"], "sec.east");
    assert!(v["at"].as_str().unwrap().ends_with('Z'));
    let (_, after) = app.get_json("/health").await;
    assert!(after["revision"].as_i64() > before["revision"].as_i64());

    let (_, layer) = app.get_json("/api/v1/layers/households").await;
    let h3 = layer["features"].as_array().unwrap().iter().find(|f| f["properties"]["code"] == "H0003").unwrap();
    assert_eq!(h3["properties"]["grid_code"], "610522102206001");
    assert_eq!(h3["properties"]["unit_code"], "610522102206001001");

    let log = get(app, &admin, "/api/v1/changes").await;
    assert_eq!(log["changes"][0]["actor"], "sec.east");
    assert_eq!(log["changes"][0]["action"], "crosswalk.reassign");
    assert_eq!(log["changes"][0]["detail"]["moves"][0]["household"], "H0003");
    let audit = get(app, &admin, "/api/v1/audit").await;
    let applied = audit["entries"].as_array().unwrap().iter().find(|e| e["action"] == "crosswalk.reassign").expect("audited");
    assert_eq!(applied["actor"], "sec.east");

    // Twice: nothing changes the second time.
    let (s, v) = post(app, &admin, "/api/v1/crosswalk/reassignment", json!({})).await;
    assert_eq!((s, v["changed"].as_u64()), (200, Some(0)));
    let (_, again) = app.get_json("/health").await;
    assert_eq!(again["revision"], after["revision"]);
    let log = get(app, &admin, "/api/v1/changes").await;
    assert_eq!(log["changes"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn reassignment_on_the_geopackage() {
    let tmp = tempfile::tempdir().unwrap();
    reassignment_applies_once(common::spawn_app_seeded(&dataset_dir(tmp.path())).await).await;
}

#[tokio::test]
async fn reassignment_on_postgis() {
    let tmp = tempfile::tempdir().unwrap();
    reassignment_applies_once(common::spawn_app_postgis(&dataset_dir(tmp.path())).await).await;
}

#[test]
fn the_cli_writes_json_csv_and_xlsx() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = dataset_dir(tmp.path());
    let bin = env!("CARGO_BIN_EXE_gridmap");
    let out = std::process::Command::new(bin).args(["crosswalk", dir.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["villages"].as_array().unwrap().len(), 2);
    let out = std::process::Command::new(bin)
        .args(["crosswalk", dir.to_str().unwrap(), "--households", "--format", "csv"])
        .output()
        .unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.contains("H0005") && csv.contains("原村并入其他社区"), "{csv}");
    let xlsx = tmp.path().join("cw.xlsx");
    let out = std::process::Command::new(bin)
        .args(["crosswalk", dir.to_str().unwrap(), "--format", "xlsx", "--out", xlsx.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(&std::fs::read(&xlsx).unwrap()[..2], b"PK");
    let out = std::process::Command::new(bin).args(["crosswalk", "/no/such/dir"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/dir"));
}

/// Area shares of every (village, community) pair of the default dataset against PostGIS's
/// ST_Area(ST_Intersection(...)) in the same metric CRS, within 0.1%.
#[tokio::test]
async fn area_shares_agree_with_postgis_on_the_default_dataset() {
    use gridmap::store::{LayerStore, postgis::PostgisStore};
    use sqlx::Row;
    let (ds, _) = gridmap::model::geojson_io::read_dir(&common::geodata(), None).expect("geodata/");
    let url = common::fresh_postgis_url().await;
    let store = PostgisStore::connect(&url).await.unwrap();
    store.replace_layers(&ds).await.unwrap();
    let atlas = gridmap::atlas::Atlas::build(&ds, 0).unwrap();
    let cw = atlas.crosswalk();
    let rows = sqlx::query(&format!(
        "SELECT v.code, c.code, ST_Area(ST_Intersection(ST_Transform(v.geom, {e}), ST_Transform(c.geom, {e}))) \
         FROM villages v JOIN communities c ON ST_Intersects(v.geom, c.geom)",
        e = atlas.crs.epsg
    ))
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut compared = 0;
    for r in rows {
        let (v, c, area): (String, String, f64) = (r.get(0), r.get(1), r.get(2));
        if area < 1.0 {
            continue; // edge contact only
        }
        let row = cw.villages.iter().find(|x| x.code == v).unwrap();
        let ours = row.shares.iter().find(|s| s.community == c).map_or(0.0, |s| s.area_m2);
        assert!((ours - area).abs() <= area * 1e-3, "{v} in {c}: ours {ours} m², PostGIS {area} m²");
        compared += 1;
    }
    assert!(compared >= cw.villages.len(), "compared {compared} shares");
    let ours_total: usize = cw.villages.iter().map(|v| v.shares.len()).sum();
    assert_eq!(ours_total, compared, "the same shares on both sides");
}
