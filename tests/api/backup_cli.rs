//! `gridmap backup` and `gridmap restore` on a GeoPackage store while the server writes: the copy passes
//! SQLite's integrity check, opens in GDAL's ogrinfo, and holds every write acknowledged before it began.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::common::{TestApp, spawn_app_seeded, write_mini};
use gridmap::accounts::Role;
use gridmap::store::LayerStore;
use serde_json::{Value, json};

fn gridmap(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gridmap")).args(args).env_remove("DATABASE_URL").output().expect("run gridmap")
}

fn sqlite(file: &std::path::Path, sql: &str) -> String {
    let out = Command::new("sqlite3").arg(file).arg(sql).output().expect("sqlite3");
    assert!(out.status.success(), "sqlite3 {sql}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_is_whole_and_restores() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    let store = app.store_path.clone().unwrap();
    let planner = TestApp::client_with(&app.token_for("planner1", Role::Planner, "county").await);

    // A stream of writes: drafts created one after another, each id kept once its 201 came back.
    let acked: Arc<Mutex<Vec<i64>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (acked, stop, url) = (acked.clone(), stop.clone(), app.url("/api/v1/plans"));
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let r = planner.post(&url).json(&json!({"community": "610522001001", "name": format!("负载{i}")})).send().await.unwrap();
                assert_eq!(r.status(), 201);
                let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
                acked.lock().unwrap().push(id);
            }
        })
    };
    while acked.lock().unwrap().len() < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let before: Vec<i64> = acked.lock().unwrap().clone();
    let copy = dir.path().join("backup.gpkg");
    let (s, c) = (store.to_str().unwrap().to_string(), copy.to_str().unwrap().to_string());
    let out = tokio::task::spawn_blocking(move || gridmap(&["backup", &c, "--store", &s])).await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    let after = acked.lock().unwrap().len();
    assert!(after > before.len(), "the writes went on during the backup ({after} vs {})", before.len());

    assert_eq!(sqlite(&copy, "PRAGMA integrity_check").trim(), "ok");
    let ogr = Command::new("ogrinfo").args(["-ro", "-so", "-q"]).arg(&copy).output().expect("ogrinfo (gdal-bin)");
    assert!(ogr.status.success(), "{}", String::from_utf8_lossy(&ogr.stderr));
    assert!(String::from_utf8_lossy(&ogr.stdout).contains("households"), "{}", String::from_utf8_lossy(&ogr.stdout));
    let ids: Vec<i64> = sqlite(&copy, "SELECT id FROM gridmap_plans").lines().map(|l| l.parse().unwrap()).collect();
    let lost: Vec<&i64> = before.iter().filter(|id| !ids.contains(id)).collect();
    assert!(lost.is_empty(), "acknowledged before the backup but not in it: {lost:?}");

    // An existing file is not overwritten.
    let out = gridmap(&["backup", copy.to_str().unwrap(), "--store", store.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("已存在"), "{}", String::from_utf8_lossy(&out.stderr));
    // Restoring over an existing store needs --force (after stopping its server); into a fresh place it works.
    let out = gridmap(&["restore", copy.to_str().unwrap(), "--store", store.to_str().unwrap()]);
    assert!(!out.status.success(), "restored under a running server");
    assert!(String::from_utf8_lossy(&out.stderr).contains("停止服务"), "{}", String::from_utf8_lossy(&out.stderr));
    let restored = dir.path().join("restored.gpkg");
    let out = gridmap(&["restore", copy.to_str().unwrap(), "--store", restored.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let back = gridmap::store::AnyStore::open(&gridmap::store::Location::Gpkg(restored)).await.unwrap();
    assert_eq!(back.load().await.unwrap().get(gridmap::model::Layer::Households).len(), 5);
}
