//! The audit log's hash chain on both backends: concurrent writers through the real server still chain,
//! `gridmap audit verify` prints the head hash the admin's audit page shows, and names the first entry after
//! an edit, a deletion or an insertion made in SQL around gridmap (triggers dropped); entries from before the
//! chain are hashed once on open, and an unhashed entry written later is not.

use std::net::{IpAddr, Ipv4Addr};
use std::process::{Command, Output};

use crate::common::{TestApp, spawn_app_postgis, spawn_app_seeded, write_mini};
use gridmap::accounts::Role;
use gridmap::store::{AccountStore, Location};
use serde_json::{Value, json};
use sqlx::Connection;

fn gridmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gridmap")).args(args).env_remove("DATABASE_URL").output().expect("run gridmap")
}

fn store_args(loc: &Location) -> Vec<String> {
    match loc {
        Location::Gpkg(p) => vec!["--store".into(), p.display().to_string()],
        Location::Postgis(url) => vec!["--database-url".into(), url.clone()],
    }
}

/// `gridmap audit verify` on `loc`: (exit status, stdout, stderr).
async fn verify(loc: &Location) -> (i32, String, String) {
    let mut args = vec!["audit".to_string(), "verify".to_string()];
    args.extend(store_args(loc));
    let out = tokio::task::spawn_blocking(move || gridmap(&args.iter().map(String::as_str).collect::<Vec<_>>())).await.unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

/// Runs SQL statements on the store directly, as someone who can write the file or the database would.
async fn sql(loc: &Location, statements: &[&str]) {
    match loc {
        Location::Gpkg(p) => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", p.display())).await.unwrap();
            for s in statements {
                sqlx::query(s).execute(&mut c).await.unwrap_or_else(|e| panic!("{s}: {e}"));
            }
        }
        Location::Postgis(url) => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            for s in statements {
                sqlx::query(s).execute(&mut c).await.unwrap_or_else(|e| panic!("{s}: {e}"));
            }
        }
    }
}

/// The statement that lets UPDATE and DELETE through on the audit log.
fn drop_triggers(loc: &Location) -> Vec<&'static str> {
    match loc {
        Location::Gpkg(_) => vec!["DROP TRIGGER gridmap_audit_no_update", "DROP TRIGGER gridmap_audit_no_delete"],
        Location::Postgis(_) => vec!["ALTER TABLE gridmap_audit DISABLE TRIGGER USER"],
    }
}

/// Entry ids, oldest first.
async fn ids(loc: &Location) -> Vec<i64> {
    match loc {
        Location::Gpkg(p) => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", p.display())).await.unwrap();
            sqlx::query_scalar("SELECT id FROM gridmap_audit ORDER BY id").fetch_all(&mut c).await.unwrap()
        }
        Location::Postgis(url) => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query_scalar("SELECT id FROM gridmap_audit ORDER BY id").fetch_all(&mut c).await.unwrap()
        }
    }
}

/// Twenty failed sign-ins (half for an unknown user, half a wrong password for a real one, each from its own
/// address) and ten new drafts, all at once.
async fn concurrent_writes(app: &TestApp) {
    let planner = TestApp::client_with(&app.token_for("planner1", Role::Planner, "county").await);
    let mut tasks = vec![];
    for i in 0..20u8 {
        let c = reqwest::Client::builder().local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 10 + i))).build().unwrap();
        let url = app.url("/api/v1/auth/login");
        tasks.push(tokio::spawn(async move {
            let user = if i % 2 == 0 { format!("ghost{i}") } else { "planner1".into() };
            let body = json!({"username": user, "password": "wrong-password"});
            let s = c.post(url).json(&body).send().await.unwrap().status().as_u16();
            assert!(s == 401 || s == 429, "failed sign-in answered {s}");
        }));
    }
    for i in 0..10 {
        let (c, url) = (planner.clone(), app.url("/api/v1/plans"));
        tasks.push(tokio::spawn(async move {
            let r = c.post(url).json(&json!({"community": "610522001001", "name": format!("并发{i}")})).send().await.unwrap();
            assert_eq!(r.status(), 201);
        }));
    }
    // Forty personal reads at once: their entries are committed together (app::audit_batch), each response
    // only after its own entry.
    let gm = TestApp::client_with(&app.token_for("gm1", Role::GridManager, "grids:610522001001001").await);
    for _ in 0..40 {
        let (c, url) = (gm.clone(), app.url("/api/v1/search?q=%E5%BC%A0%E4%B8%89"));
        tasks.push(tokio::spawn(async move {
            let r = c.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            assert!(r.text().await.unwrap().contains("张三"), "shown in full, so audited");
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let reads = app.store().await.audit(10_000, None).await.unwrap();
    let reads = reads.iter().filter(|e| e.action == "read.personal" && e.actor == "gm1").count();
    assert_eq!(reads, 40, "every read was audited before it was answered");
}

async fn chain_detects_tampering(app: TestApp) {
    concurrent_writes(&app).await;
    let loc = app.location.clone();
    let all = ids(&loc).await;
    assert!(all.len() >= 65, "every write was audited: {} entries", all.len());

    // Verifies, and prints the head hash the admin sees.
    let (code, out, err) = verify(&loc).await;
    assert_eq!(code, 0, "{out}{err}");
    let admin = TestApp::client_with(&app.token_for("admin1", Role::Admin, "county").await);
    let page: Value = admin.get(app.url("/api/v1/audit")).send().await.unwrap().json().await.unwrap();
    let chain = &page["chain"];
    assert_eq!(chain["head_id"], page["entries"][0]["id"], "{chain}");
    assert_eq!(chain["head_hash"], page["entries"][0]["hash"], "{chain}");
    let (code, out, _) = verify(&loc).await;
    assert_eq!(code, 0);
    assert!(out.contains(chain["head_hash"].as_str().unwrap()), "verify prints the head hash {chain}: {out}");
    assert!(out.contains(&format!("{} 条", chain["entries"])), "{out}");
    let csv = admin.get(app.url("/api/v1/audit?format=csv")).send().await.unwrap();
    let head = csv.headers()["x-gridmap-audit-head"].to_str().unwrap().to_string();
    assert_eq!(head, format!("{} {}", chain["head_id"], chain["head_hash"].as_str().unwrap()));
    assert!(csv.text().await.unwrap().lines().next().unwrap().ends_with(",hash"));

    let all = ids(&loc).await;
    let (edited, deleted) = (all[all.len() / 2], all[all.len() / 3]);
    let mut drop = drop_triggers(&loc);

    // An edited detail names that entry; putting the text back verifies again.
    let original: String = match &loc {
        Location::Gpkg(p) => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", p.display())).await.unwrap();
            sqlx::query_scalar("SELECT detail FROM gridmap_audit WHERE id = $1").bind(edited).fetch_one(&mut c).await.unwrap()
        }
        Location::Postgis(url) => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query_scalar("SELECT detail FROM gridmap_audit WHERE id = $1").bind(edited).fetch_one(&mut c).await.unwrap()
        }
    };
    let edit = format!("UPDATE gridmap_audit SET detail = '{{\"forged\":true}}' WHERE id = {edited}");
    drop.push(&edit);
    sql(&loc, &drop).await;
    let (code, _, err) = verify(&loc).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("第 {edited} 条")) && err.contains("改动"), "{err}");
    let undo = format!("UPDATE gridmap_audit SET detail = '{}' WHERE id = {edited}", original.replace('\'', "''"));
    sql(&loc, &[&undo]).await;
    assert_eq!(verify(&loc).await.0, 0, "the original text verifies again");

    // A deleted entry: the one after it is named, with the one it no longer follows.
    let pos = all.iter().position(|&i| i == deleted).unwrap();
    let (before, after) = (all[pos - 1], all[pos + 1]);
    let save = format!("CREATE TABLE audit_saved AS SELECT * FROM gridmap_audit WHERE id = {deleted}");
    sql(&loc, &[&save, &format!("DELETE FROM gridmap_audit WHERE id = {deleted}")]).await;
    let (code, _, err) = verify(&loc).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("第 {after} 条")) && err.contains(&format!("第 {before} 条之后")), "{err}");
    sql(&loc, &["INSERT INTO gridmap_audit SELECT * FROM audit_saved", "DROP TABLE audit_saved"]).await;
    assert_eq!(verify(&loc).await.0, 0, "the row put back verifies again");

    // A forged entry with a real entry's hashes (but not its content), then one at the end with none.
    let forged = format!(
        "INSERT INTO gridmap_audit (id, at, actor, action, address, households, detail, prev_hash, hash) \
         SELECT -1, at, 'admin', 'auth.login', address, households, detail, prev_hash, hash FROM gridmap_audit WHERE id = {before}"
    );
    sql(&loc, &[&forged]).await;
    let (code, _, err) = verify(&loc).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("第 -1 条"), "{err}");
    sql(&loc, &["DELETE FROM gridmap_audit WHERE id = -1"]).await;
    assert_eq!(verify(&loc).await.0, 0);
    let last = all.last().unwrap() + 1000;
    let unhashed = format!(
        "INSERT INTO gridmap_audit (id, at, actor, action, address, households, detail) \
         VALUES ({last}, '2026-01-01T00:00:00Z', 'admin', 'user.create', 'cli', '[]', '{{}}')"
    );
    sql(&loc, &[&unhashed]).await;
    let (code, _, err) = verify(&loc).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("第 {last} 条")) && err.contains("没有哈希"), "{err}");
    // Reopening the store does not hash it into the chain: only entries from before the chain are backfilled.
    gridmap::store::AnyStore::open(&loc).await.unwrap();
    assert_eq!(verify(&loc).await.0, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gpkg_chain_holds_under_concurrent_writes_and_detects_tampering() {
    let dir = tempfile::tempdir().unwrap();
    chain_detects_tampering(spawn_app_seeded(&write_mini(dir.path())).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgis_chain_holds_under_concurrent_writes_and_detects_tampering() {
    let dir = tempfile::tempdir().unwrap();
    chain_detects_tampering(spawn_app_postgis(&write_mini(dir.path())).await).await;
}

/// Entries from before the chain (hashes cleared, the migration's mark set, as 0005/0006 leave an older
/// store) are hashed on open and verify; the mark is gone afterwards.
async fn entries_from_before_the_chain_are_hashed_once(app: TestApp) {
    let loc = app.location.clone();
    app.token_for("planner1", Role::Planner, "county").await;
    let mut reset = drop_triggers(&loc);
    reset.push("UPDATE gridmap_audit SET prev_hash = NULL, hash = NULL");
    reset.push("INSERT INTO gridmap_meta (key, value) SELECT 'audit_backfill_upto', CAST(MAX(id) AS TEXT) FROM gridmap_audit");
    sql(&loc, &reset).await;
    let (code, _, err) = verify(&loc).await;
    // The verify opened the store: that hashed them.
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = verify(&loc).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("{} 条", ids(&loc).await.len())), "{out}");
}

#[tokio::test]
async fn gpkg_entries_from_before_the_chain_are_hashed_once() {
    let dir = tempfile::tempdir().unwrap();
    entries_from_before_the_chain_are_hashed_once(spawn_app_seeded(&write_mini(dir.path())).await).await;
}

#[tokio::test]
async fn postgis_entries_from_before_the_chain_are_hashed_once() {
    let dir = tempfile::tempdir().unwrap();
    entries_from_before_the_chain_are_hashed_once(spawn_app_postgis(&write_mini(dir.path())).await).await;
}

#[tokio::test]
async fn verify_of_a_missing_store_says_so_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.gpkg");
    let (code, _, err) = verify(&Location::Gpkg(missing.clone())).await;
    assert_eq!(code, 2);
    assert!(err.contains("没有存储文件"), "{err}");
    assert!(!missing.exists());
}
