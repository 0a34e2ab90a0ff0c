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

/// How many `backup.scheduled` and `backup.failed` entries the audit log of the store file holds (read with
/// sqlite3, so that nothing here migrates a file the server is still creating; 0 until it exists).
fn scheduled(store: &std::path::Path) -> (usize, usize) {
    let count = |action: &str| {
        let out = Command::new("sqlite3").arg(store).arg(format!("SELECT count(*) FROM gridmap_audit WHERE action = '{action}'")).output();
        out.ok().filter(|o| o.status.success()).and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok()).unwrap_or(0)
    };
    (count("backup.scheduled"), count("backup.failed"))
}

/// `gridmap serve` as a child process on a free port, with `extra` arguments.
fn serve(store: &std::path::Path, seed: &std::path::Path, extra: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_gridmap"))
        .args(["serve", "--addr", "127.0.0.1:0", "--store"])
        .arg(store)
        .arg("--seed")
        .arg(seed)
        .args(extra)
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start gridmap serve")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_backs_up_every_period_keeping_the_last_n_and_survives_a_failing_directory() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_mini(dir.path());
    let store = dir.path().join("store.gpkg");
    let backups = dir.path().join("backups");
    // Another file in the directory is never rotated away.
    std::fs::create_dir_all(&backups).unwrap();
    std::fs::write(backups.join("notes.txt"), "keep me").unwrap();
    let mut child = serve(&store, &seed, &["--backup-dir", backups.to_str().unwrap(), "--backup-every", "2s", "--backup-keep", "2"]);
    let t = std::time::Instant::now();
    while scheduled(&store).0 < 3 {
        assert!(t.elapsed().as_secs() < 40, "three scheduled backups within 40 s");
        assert!(child.try_wait().unwrap().is_none(), "the server stopped");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    let copies = gridmap::app::backup_schedule::copies(&backups);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(copies.len(), 2, "rotation keeps the last 2: {copies:?}");
    for c in &copies {
        assert_eq!(sqlite(c, "PRAGMA integrity_check").trim(), "ok", "{}", c.display());
        assert_eq!(sqlite(c, "SELECT count(*) FROM households").trim(), "5");
    }
    assert!(backups.join("notes.txt").exists());

    // A backup directory that cannot be created: each period fails, is audited, and the server keeps serving.
    let blocked = dir.path().join("a-file");
    std::fs::write(&blocked, "not a directory").unwrap();
    let store2 = dir.path().join("store2.gpkg");
    let mut child = serve(&store2, &seed, &["--backup-dir", blocked.join("sub").to_str().unwrap(), "--backup-every", "1s"]);
    let t = std::time::Instant::now();
    while scheduled(&store2).1 < 2 {
        assert!(t.elapsed().as_secs() < 40, "two failed periods within 40 s");
        assert!(child.try_wait().unwrap().is_none(), "a failing backup stopped the server");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    assert!(child.try_wait().unwrap().is_none(), "a failing backup stopped the server");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgis_backup_restores_into_another_database_with_its_audit_chain() {
    use gridmap::store::AccountStore;
    let dir = tempfile::tempdir().unwrap();
    let app = crate::common::spawn_app_postgis(&write_mini(dir.path())).await;
    let gridmap::store::Location::Postgis(url) = app.location.clone() else { unreachable!() };
    let planner = TestApp::client_with(&app.token_for("planner1", Role::Planner, "county").await);
    let mut ids = vec![];
    for i in 0..5 {
        let r = planner.post(app.url("/api/v1/plans")).json(&json!({"community": "610522001001", "name": format!("备份{i}")})).send().await.unwrap();
        assert_eq!(r.status(), 201);
        ids.push(r.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let head = app.store().await.audit_head().await.unwrap();
    let file = dir.path().join("pg.dump");
    let out = Command::new(env!("CARGO_BIN_EXE_gridmap")).args(["backup"]).arg(&file).args(["--database-url", &url]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let other = crate::common::fresh_postgis_url().await;
    let out = Command::new(env!("CARGO_BIN_EXE_gridmap")).args(["restore"]).arg(&file).args(["--database-url", &other]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let back = gridmap::store::AnyStore::open(&gridmap::store::Location::Postgis(other)).await.unwrap();
    assert_eq!(back.load().await.unwrap().get(gridmap::model::Layer::Households).len(), 5);
    let plans: Vec<i64> = gridmap::store::PlanStore::plans(&back, None).await.unwrap().iter().map(|p| p.id).collect();
    assert!(ids.iter().all(|id| plans.contains(id)), "{ids:?} in {plans:?}");
    assert_eq!(back.audit_verify().await.unwrap(), Ok(head), "the restored log verifies to the same head");
}
