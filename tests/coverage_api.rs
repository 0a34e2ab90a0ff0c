//! `/api/v1/coverage` and `/api/v1/coverage/defects` on the real server, over GeoPackage and PostGIS.

mod common;

use serde_json::Value;

#[tokio::test]
async fn summary_and_defects_with_their_filters() {
    let dir = tempfile::tempdir().unwrap();
    let app = common::spawn_app_seeded(&common::write_mini(dir.path())).await;
    let (status, v) = app.get_json("/api/v1/coverage").await;
    assert_eq!(status, 200, "{v}");
    let rows = v["summary"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0]["code"], "610522");
    assert_eq!(v["counts"]["grid_underloaded"], 3);

    let (status, v) = app.get_json("/api/v1/coverage?parent=610522001").await;
    assert_eq!(status, 200);
    let codes: Vec<&str> = v["summary"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["610522001", "610522001001"], "the town and its community");

    let (status, v) = app.get_json("/api/v1/coverage/defects").await;
    assert_eq!(status, 200);
    assert_eq!(v["type"], "FeatureCollection");
    assert_eq!(v["features"].as_array().unwrap().len(), 6);

    let (_, v) = app.get_json("/api/v1/coverage/defects?kind=household_mismatch").await;
    let f = v["features"].as_array().unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["properties"]["codes"][0], "H0002");

    let (_, v) = app.get_json("/api/v1/coverage/defects?kind=gap").await;
    assert!(v["features"].as_array().unwrap().is_empty());

    let (_, v) = app.get_json("/api/v1/coverage/defects?parent=610522102&kind=grid_unstaffed,grid_underloaded").await;
    let kinds: Vec<&str> = v["features"].as_array().unwrap().iter().map(|f| f["properties"]["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["grid_unstaffed", "grid_underloaded"]);
}

#[tokio::test]
async fn unknown_parents_and_kinds_are_refused_with_what_was_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let app = common::spawn_app_seeded(&common::write_mini(dir.path())).await;
    let (status, v) = app.get_json("/api/v1/coverage?parent=610599").await;
    assert_eq!(status, 404, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("610599"), "{v}");
    let (status, v) = app.get_json("/api/v1/coverage/defects?kind=blindspot").await;
    assert_eq!(status, 400, "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("blindspot") && msg.contains("blind_spot"), "{msg}");
    let (status, _) = app.get_json("/api/v1/coverage/defects?parent=nope").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn postgis_serves_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    let mini = common::write_mini(dir.path());
    let (gpkg, pg) = (common::spawn_app_seeded(&mini).await, common::spawn_app_postgis(&mini).await);
    let (a, b): ((u16, Value), (u16, Value)) = (gpkg.get_json("/api/v1/coverage").await, pg.get_json("/api/v1/coverage").await);
    assert_eq!(a.0, 200);
    assert_eq!(a.1["summary"], b.1["summary"]);
    let (a, b) = (gpkg.get_json("/api/v1/coverage/defects").await, pg.get_json("/api/v1/coverage/defects").await);
    assert_eq!(a.1, b.1);
}
