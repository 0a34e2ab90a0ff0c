//! `/api/v1/coverage` and `/api/v1/coverage/defects` on the real server, over GeoPackage and PostGIS.

use crate::common;

use serde_json::Value;

#[tokio::test]
async fn summary_and_defects_with_their_filters() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = common::spawn_app_seeded(&common::write_mini(dir.path())).await;
    app.sign_in_planner().await; // household defects are for staff
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
    let mut app = common::spawn_app_seeded(&common::write_mini(dir.path())).await;
    app.sign_in_planner().await; // household defects are for staff
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

/// The report is cached per atlas and recomputed when the data changes: an import into the server's
/// GeoPackage that puts one more household on the wrong roster shows up as one more defect.
#[tokio::test]
async fn the_report_follows_the_data_when_it_changes() {
    use gridmap::model::{Dataset, Layer};
    let tmp = tempfile::tempdir().unwrap();
    let seed = common::write_mini(tmp.path());
    let store = tmp.path().join("shared.gpkg");
    let mut app = common::spawn_app_on(gridmap::store::Location::Gpkg(store.clone()), &seed).await;
    app.sign_in_planner().await; // household defects are for staff
    let mismatches = |v: &Value| v["features"].as_array().unwrap().iter().filter(|f| f["properties"]["kind"] == "household_mismatch").count();
    let (_, before) = app.get_json("/api/v1/coverage/defects").await;
    let (_, again) = app.get_json("/api/v1/coverage/defects").await;
    assert_eq!(before, again, "the same data gives the same report");
    assert_eq!(mismatches(&before), 1);

    // H0001 onto the roster of a grid in another town, written by another process.
    let mut households = common::mini_dataset().get(Layer::Households).to_vec();
    let h = households.iter_mut().find(|h| h.code == "H0001").expect("mini dataset has H0001");
    h.properties.insert("grid_code".into(), "610522102206001".into());
    let mut ds = Dataset::default();
    ds.layers.insert(Layer::Households, households);
    let dir = tmp.path().join("changed");
    gridmap::model::geojson_io::write_dir(&dir, &ds).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gridmap"))
        .args(["import", dir.to_str().unwrap(), "--store", store.to_str().unwrap(), "--allow-outside"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let t = std::time::Instant::now();
    loop {
        let (_, v) = app.get_json("/api/v1/coverage/defects").await;
        if mismatches(&v) == 2 {
            let codes: Vec<&str> = v["features"].as_array().unwrap().iter()
                .filter(|f| f["properties"]["kind"] == "household_mismatch")
                .flat_map(|f| f["properties"]["codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()))
                .collect();
            assert!(codes.contains(&"H0001"), "{codes:?}");
            break;
        }
        assert!(t.elapsed() < std::time::Duration::from_secs(10), "the report did not follow the import: {v}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
