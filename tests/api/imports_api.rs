//! The web import over the real server: upload, preview as chosen, commit in one transaction with its audit entry,
//! cancel with nothing stored; a secretary held to her community; bad uploads refused with a 4xx saying why.

use crate::common::{self, TestApp};

use std::process::Command;

use gridmap::accounts::Role;
use gridmap::store::AccountStore;
use serde_json::{Value, json};

fn ogr2ogr(args: &[&str]) {
    let out = Command::new("ogr2ogr").args(args).output().expect("run ogr2ogr (gdal-bin)");
    assert!(out.status.success(), "ogr2ogr {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Uploads `bytes` as `name` for `layer`.
async fn upload(app: &TestApp, client: &reqwest::Client, layer: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let r = client
        .post(app.url(&format!("/api/v1/imports?layer={layer}&name={name}")))
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .expect("upload");
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn post(app: &TestApp, client: &reqwest::Client, path: &str, body: Value) -> (u16, Value) {
    common::send_json(client, reqwest::Method::POST, &app.url(path), Some(&body)).await
}

/// The mini dataset's grids renamed `{name}（新）`, as GeoJSON text; only those of `community` when given.
fn renamed_grids(community: Option<&str>) -> String {
    let grids: Vec<Value> = common::mini_dataset()
        .get(gridmap::model::Layer::Grids)
        .iter()
        .filter(|g| community.is_none_or(|c| g.str_prop("community_code") == Some(c)))
        .map(|g| {
            let mut f = gridmap::model::geojson_io::feature_json(g);
            f["properties"]["name"] = Value::String(format!("{}（新）", g.name()));
            f
        })
        .collect();
    json!({"type": "FeatureCollection", "features": grids}).to_string()
}

async fn grid_names(app: &TestApp, client: &reqwest::Client) -> Vec<String> {
    let fc: Value = client.get(app.url("/api/v1/layers/grids")).send().await.unwrap().json().await.unwrap();
    let mut names: Vec<String> = fc["features"].as_array().unwrap().iter().map(|f| f["properties"]["name"].as_str().unwrap().to_string()).collect();
    names.sort();
    names
}

async fn web_import_previews_commits_with_its_audit_entry_and_cancels_with_nothing_stored(app: TestApp) {
    let admin = TestApp::client_with(&app.token_for("admin.import", Role::Admin, "county").await);
    let before = grid_names(&app, &admin).await;
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("grids.geojson");
    std::fs::write(&src, renamed_grids(None)).unwrap();
    let kml = tmp.path().join("grids.kml");
    ogr2ogr(&["-f", "KML", "-dsco", "NameField=name", kml.to_str().unwrap(), src.to_str().unwrap()]);
    let kml = std::fs::read(&kml).unwrap();

    // A cancelled upload stores nothing and is gone.
    let (s, p) = upload(&app, &admin, "grids", "网格.kml", kml.clone()).await;
    assert_eq!(s, 200, "{p}");
    let id = p["id"].as_u64().unwrap();
    let r = admin.delete(app.url(&format!("/api/v1/imports/{id}"))).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(post(&app, &admin, &format!("/api/v1/imports/{id}/preview"), json!({})).await.0, 404);
    assert_eq!(grid_names(&app, &admin).await, before, "a cancel stores nothing");

    // The preview says how the file was read and what the commit would write; nothing is stored yet.
    let (s, p) = upload(&app, &admin, "grids", "网格.kml", kml).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["ok"], true, "{p}");
    assert_eq!(p["format"], "KML");
    assert!(p["crs"].as_str().unwrap().contains("wgs84"), "{p}");
    assert_eq!(p["features"]["features"].as_array().unwrap().len(), 3);
    assert_eq!((p["replaces"].as_u64(), p["keeps"].as_u64()), (Some(3), Some(0)));
    assert!(p["mapping"].as_array().unwrap().iter().any(|m| m[0] == "Name" || m[0] == "name"), "{p}");
    assert_eq!(grid_names(&app, &admin).await, before, "a preview stores nothing");

    let id = p["id"].as_u64().unwrap();
    let (s, r) = post(&app, &admin, &format!("/api/v1/imports/{id}/commit"), json!({})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["written"], true);
    let after = grid_names(&app, &admin).await;
    assert!(after.iter().all(|n| n.ends_with("（新）")) && after.len() == 3, "{after:?}");
    let entries = app.store().await.audit(50, None).await.unwrap();
    let e = entries.iter().find(|e| e.action == "import").expect("the import is audited");
    assert_eq!(e.actor, "admin.import");
    assert_ne!(e.address, "cli", "the web import records the client's address");
    assert_eq!(post(&app, &admin, &format!("/api/v1/imports/{id}/commit"), json!({})).await.0, 404, "an upload commits once");
}

#[tokio::test]
async fn web_import_on_geopackage() {
    let tmp = tempfile::tempdir().unwrap();
    web_import_previews_commits_with_its_audit_entry_and_cancels_with_nothing_stored(common::spawn_app_seeded(&common::write_mini(tmp.path())).await).await;
}

#[tokio::test]
async fn web_import_on_postgis() {
    let tmp = tempfile::tempdir().unwrap();
    web_import_previews_commits_with_its_audit_entry_and_cancels_with_nothing_stored(common::spawn_app_postgis(&common::write_mini(tmp.path())).await).await;
}

#[tokio::test]
async fn a_file_without_a_crs_is_asked_for_one_and_problems_are_located() {
    let tmp = tempfile::tempdir().unwrap();
    let mini = common::write_mini(tmp.path());
    let app = common::spawn_app_seeded(&mini).await;
    let admin = TestApp::client_with(&app.token_for("admin.crs", Role::Admin, "county").await);

    // Households as a CSV roster with X/Y columns (H0003's outline has no X/Y; H0004 lies outside the county):
    // no CRS, so the page must ask.
    let csv = tmp.path().join("roster.csv");
    let sql = "SELECT code AS \"户号\", grid_code AS \"所属网格\", unit_code, village_code, address AS \"住址\", head AS \"户主姓名\" FROM households WHERE code NOT IN ('H0003', 'H0004')";
    ogr2ogr(&["-f", "CSV", "-lco", "GEOMETRY=AS_XY", "-sql", sql, csv.to_str().unwrap(), mini.join("households.geojson").to_str().unwrap()]);
    let (s, p) = upload(&app, &admin, "households", "roster.csv", std::fs::read(&csv).unwrap()).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!((p["ok"].as_bool(), p["needs_crs"].as_bool()), (Some(false), Some(true)), "{p}");
    let id = p["id"].as_u64().unwrap();
    let (s, p) = post(&app, &admin, &format!("/api/v1/imports/{id}/preview"), json!({"crs": "wgs84"})).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["ok"], true, "{p}");
    let mapping = p["mapping"].as_array().unwrap();
    assert!(mapping.iter().any(|m| m[0] == "户主姓名" && m[1] == "head"), "Chinese headers are recognised: {p}");
    // A mapping chosen in the form is applied.
    let (_, p) = post(&app, &admin, &format!("/api/v1/imports/{id}/preview"), json!({"crs": "wgs84", "map": {"住址": "street"}})).await;
    assert!(p["mapping"].as_array().unwrap().iter().any(|m| m[0] == "住址" && m[1] == "street"), "{p}");
    let (s, p) = post(&app, &admin, &format!("/api/v1/imports/{id}/preview"), json!({"crs": "mars"})).await;
    assert_eq!(s, 400, "an unknown CRS is refused: {p}");

    // A self-intersecting grid: the problem names it and where.
    let mut fc: Value = serde_json::from_str(&renamed_grids(None)).unwrap();
    fc["features"][0]["geometry"] = json!({"type": "Polygon", "coordinates": [[[110.2, 34.5], [110.21, 34.51], [110.21, 34.5], [110.2, 34.51], [110.2, 34.5]]]});
    let code = fc["features"][0]["properties"]["code"].as_str().unwrap().to_string();
    let (s, p) = upload(&app, &admin, "grids", "grids.geojson", fc.to_string().into_bytes()).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["ok"], false);
    let problem = p["problems"].as_array().unwrap().iter().find(|x| x["code"] == code.as_str()).unwrap_or_else(|| panic!("{p}"));
    assert!(problem["at"].is_array(), "{problem}");
    let id = p["id"].as_u64().unwrap();
    let (s, r) = post(&app, &admin, &format!("/api/v1/imports/{id}/commit"), json!({})).await;
    assert_eq!(s, 422, "a refused commit stores nothing: {r}");

    // A broken file is a preview with the reason, never a server error.
    let (s, p) = upload(&app, &admin, "grids", "cut.kml", b"<kml><Document><Placemark><Polygon>".to_vec()).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["ok"], false);
    assert!(!p["problems"].as_array().unwrap().is_empty(), "{p}");

    // Unknown layers and file types, and files over 200 MB, are refused.
    assert_eq!(upload(&app, &admin, "roads", "a.geojson", b"{}".to_vec()).await.0, 400);
    let (s, e) = upload(&app, &admin, "grids", "grids.shp", b"x".to_vec()).await;
    assert_eq!(s, 400);
    assert!(e.to_string().contains(".zip"), "a lone .shp is told to come zipped: {e}");
    let (s, _) = upload(&app, &admin, "grids", "big.geojson", vec![b' '; (200 << 20) + 1]).await;
    assert_eq!(s, 413);
}

#[tokio::test]
async fn a_secretary_imports_her_community_only_and_the_rest_is_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let app = common::spawn_app_postgis(&common::write_mini(tmp.path())).await;
    let secretary = TestApp::client_with(&app.token_for("sec.import", Role::Secretary, "community:610522001001").await);
    let before = grid_names(&app, &TestApp::client_with(&app.token_for("admin.x", Role::Admin, "county").await)).await;

    let (s, p) = upload(&app, &secretary, "grids", "all.geojson", renamed_grids(None).into_bytes()).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["ok"], false);
    assert!(p["problems"].to_string().contains("610522102206001"), "the grid of another community is named: {p}");
    let id = p["id"].as_u64().unwrap();
    assert_eq!(post(&app, &secretary, &format!("/api/v1/imports/{id}/commit"), json!({})).await.0, 403);

    let (s, p) = upload(&app, &secretary, "grids", "mine.geojson", renamed_grids(Some("610522001001")).into_bytes()).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["ok"], true, "{p}");
    assert_eq!((p["replaces"].as_u64(), p["keeps"].as_u64()), (Some(2), Some(1)));
    let id = p["id"].as_u64().unwrap();
    // Another account cannot see or commit her upload.
    let other = TestApp::client_with(&app.token_for("sec.other", Role::Secretary, "community:610522001001").await);
    assert_eq!(post(&app, &other, &format!("/api/v1/imports/{id}/commit"), json!({})).await.0, 404);
    let (s, r) = post(&app, &secretary, &format!("/api/v1/imports/{id}/commit"), json!({})).await;
    assert_eq!(s, 200, "{r}");
    let admin = TestApp::client_with(&app.token_for("admin.y", Role::Admin, "county").await);
    let after = grid_names(&app, &admin).await;
    assert_eq!(after.len(), 3);
    assert_eq!(after.iter().filter(|n| n.ends_with("（新）")).count(), 2, "{after:?}");
    let theirs = common::mini_dataset().get(gridmap::model::Layer::Grids).iter().find(|g| g.code == "610522102206001").unwrap().name().to_string();
    assert!(before.contains(&theirs) && after.contains(&theirs), "the other community's grid is kept: {after:?}");
}
