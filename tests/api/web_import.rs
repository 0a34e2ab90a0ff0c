//! The web import in headless Chromium: an admin picks a KML on the page, sees it read and drawn on the map,
//! commits it, and the map's layers are the file's; a planner sees the view in Chinese.

use crate::common::{self, browser::DESKTOP, webdriver::signed_in};
use gridmap::accounts::Role;
use serde_json::{Value, json};

/// The import view's self-report as `s` (null before the view is built).
const STATUS: &str = "const t = document.getElementById('import-status')?.textContent; const s = t ? JSON.parse(t) : null;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_previews_a_kml_on_the_map_then_commits_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mini = common::write_mini(tmp.path());
    let app = common::spawn_app_seeded(&mini).await;
    // The mini grids renamed, as a KML from GDAL.
    let grids: Vec<Value> = common::mini_dataset()
        .get(gridmap::model::Layer::Grids)
        .iter()
        .map(|g| {
            let mut f = gridmap::model::geojson_io::feature_json(g);
            f["properties"]["name"] = Value::String(format!("{}（新）", g.name()));
            f
        })
        .collect();
    let src = tmp.path().join("new.geojson");
    std::fs::write(&src, json!({"type": "FeatureCollection", "features": grids}).to_string()).unwrap();
    let kml = tmp.path().join("新网格.kml");
    let out = std::process::Command::new("ogr2ogr").args(["-f", "KML", "-dsco", "NameField=name", kml.to_str().unwrap(), src.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let b = signed_in(&app, "admin.web", Role::Admin, DESKTOP).await;
    let (s, _) = b.page_status(&app.url("/?panel=import"), "import-status", 90).await;
    assert_eq!(s["ready"], true, "{s}");
    b.wait_for("the 导入数据 button for an admin", "return document.body.classList.contains('can-import') ? 'yes' : ''", 20).await;
    let input = b.find("#import-file").await;
    b.type_into(&input, kml.to_str().unwrap()).await;
    let s = b.wait_for("the preview", &format!("{STATUS} return s && s.ok !== null && !s.uploading ? s : null"), 60).await;
    assert_eq!(s["ok"], true, "{s}");
    assert_eq!(s["features"], 3, "{s}");
    let facts = b.eval("return document.querySelector('.import-facts').textContent", vec![]).await;
    assert!(facts.as_str().unwrap().contains("KML") && facts.as_str().unwrap().contains("替换现有 3 个"), "{facts}");
    b.wait_for("the preview drawn", "return window.gridmap.map.queryRenderedFeatures({layers: ['import-line']}).length", 30).await;

    let commit = b.find("#import-commit").await;
    b.click(&commit).await;
    let s = b.wait_for("the commit", &format!("{STATUS} return s && s.committed ? s : null"), 60).await;
    assert_eq!(s["committed"], 3, "{s}");
    let fc: Value = reqwest::get(app.url("/api/v1/layers/grids")).await.unwrap().json().await.unwrap();
    let names: Vec<&str> = fc["features"].as_array().unwrap().iter().map(|f| f["properties"]["name"].as_str().unwrap()).collect();
    assert!(names.iter().all(|n| n.ends_with("（新）")), "{names:?}");
    let message = b.eval("return document.getElementById('import-message').textContent", vec![]).await;
    assert!(message.as_str().unwrap().contains("已导入 3 个"), "{message}");
}
