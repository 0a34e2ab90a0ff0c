//! What holds when a process dies or writers race, on both backends: kill -9 during an import leaves the store
//! whole and either entirely the old dataset or entirely the new one; kill -9 right after an acknowledged
//! publication or reassignment loses nothing; two servers publishing one community at once get one 200 and
//! one 409; edits sent to one draft at once are each either in it (2xx) or refused (409), never lost.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::common::server::{Served, store_args};
use crate::common::{self, TestApp};
use gridmap::accounts::Role;
use gridmap::model::geojson_io::read_dir;
use gridmap::model::{Dataset, Layer};
use gridmap::store::{AnyStore, LayerStore, Location};
use serde_json::{Value, json};

const C: &str = "610522001001";

/// The code set of every layer, in `Layer::ALL` order: what "entirely one dataset" is compared by.
type Snapshot = Vec<(Layer, BTreeSet<String>)>;

fn snapshot(ds: &Dataset) -> Snapshot {
    Layer::ALL.iter().map(|l| (*l, ds.get(*l).iter().map(|f| f.code.clone()).collect())).collect()
}

/// The default dataset (old) and a different, larger one replacing every layer (new), read once per run.
struct Datasets {
    new_dir: PathBuf,
    old: Snapshot,
    new: Snapshot,
}

fn datasets() -> &'static Datasets {
    static D: OnceLock<Datasets> = OnceLock::new();
    D.get_or_init(|| {
        let new_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("crash_safety_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&new_dir);
        let out = Command::new(env!("CARGO_BIN_EXE_gridmap"))
            .args(["generate", "--synthetic", "--grids", "400", "--households", "40000", "--out"])
            .arg(&new_dir)
            .output()
            .expect("gridmap generate");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        // The lattice county has no legacy villages, no units and no door plates: empty layers, so the import
        // replaces every layer the store holds (kept villages would name communities the import removes).
        for layer in [Layer::Villages, Layer::Units, Layer::Addresses] {
            std::fs::write(new_dir.join(layer.file_name()), r#"{"type":"FeatureCollection","features":[]}"#).unwrap();
        }
        let old = snapshot(&read_dir(&common::geodata(), None).unwrap().0);
        let new = snapshot(&read_dir(&new_dir, None).unwrap().0);
        assert_ne!(old, new);
        Datasets { new_dir, old, new }
    })
}

/// One `gridmap import` of the new dataset into `location`, SIGKILLed `kill_after` after it began writing unless it
/// ended first.
struct ImportRun {
    /// When it logged that it began writing layers (inside the transaction), if it did.
    writing_at: Option<Duration>,
    /// When it exited or was killed.
    ended: Duration,
    killed: bool,
    success: bool,
    log: String,
}

fn import_run(location: &Location, dir: &Path, kill_after: Option<Duration>) -> ImportRun {
    let t = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gridmap"))
        .arg("import")
        .arg(dir)
        .args(store_args(location))
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "gridmap=debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gridmap import");
    let stderr = child.stderr.take().unwrap();
    // The reader says when the import logs that it began writing: a kill is timed from there, not from the
    // start, so it lands in the write window however long reading and checking took on a busy machine.
    let (began, writing) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut said = false;
        BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .map(|l| {
                if !said && l.contains("writing layer") {
                    said = true;
                    let _ = began.send(());
                }
                (t.elapsed(), l)
            })
            .collect::<Vec<_>>()
    });
    let mut killed = false;
    if let Some(d) = kill_after {
        let mut from = None;
        while child.try_wait().unwrap().is_none() {
            if from.is_none() && writing.try_recv().is_ok() {
                from = Some(Instant::now());
            }
            if from.is_some_and(|f| f.elapsed() >= d) {
                child.kill().unwrap();
                killed = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let status = child.wait().unwrap();
    let ended = t.elapsed();
    let lines = reader.join().unwrap();
    let writing_at = lines.iter().find(|(_, l)| l.contains("writing layer")).map(|(at, _)| *at);
    let log = lines.iter().map(|(at, l)| format!("{:>7.3}s {l}\n", at.as_secs_f64())).collect();
    ImportRun { writing_at, ended, killed, success: status.success(), log }
}

/// Which dataset the store at `location` holds: "old", "new", or a panic naming the layers of each.
async fn which_dataset(location: &Location, what: &str) -> &'static str {
    if let Location::Gpkg(path) = location {
        let out = Command::new("sqlite3").arg(path).arg("PRAGMA integrity_check").output().expect("sqlite3");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok", "{what}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let store = AnyStore::open(location).await.unwrap_or_else(|e| panic!("{what}: the store does not open: {e}"));
    let stored = snapshot(&store.load().await.unwrap_or_else(|e| panic!("{what}: the store does not load: {e}")));
    let d = datasets();
    if stored == d.old {
        return "old";
    }
    if stored == d.new {
        return "new";
    }
    let per_layer: Vec<String> = stored
        .iter()
        .zip(d.old.iter().zip(&d.new))
        .map(|((l, s), ((_, o), (_, n)))| format!("{l}: {} codes, {}", s.len(), if s == o { "old" } else if s == n { "new" } else { "neither" }))
        .collect();
    panic!("{what}: a mixed store: {per_layer:?}")
}

/// The audit chain of the store verifies (a kill leaves no half entry).
fn audit_verifies(location: &Location, what: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_gridmap")).args(["audit", "verify"]).args(store_args(location)).env_remove("DATABASE_URL").output().unwrap();
    assert!(out.status.success(), "{what}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// kill -9 of `gridmap import` at staggered points of its write window: after each, the store is whole and
/// entirely old or entirely new. `fresh` gives a store holding the default dataset for each trial.
async fn kills_during_import<F, Fut>(backend: &str, trials: u32, fresh: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Location>,
{
    let d = datasets();
    // A whole run first: how long reading and checking take, and when the writing begins and ends.
    let location = fresh().await;
    let dir = d.new_dir.clone();
    let l = location.clone();
    let full = tokio::task::spawn_blocking(move || import_run(&l, &dir, None)).await.unwrap();
    assert!(full.success, "{backend}: the import fails:\n{}", full.log);
    assert_eq!(which_dataset(&location, backend).await, "new");
    audit_verifies(&location, backend);
    let writing_at = full.writing_at.unwrap_or_else(|| panic!("{backend}: no 'writing layer' line:\n{}", full.log));
    let window = full.ended.saturating_sub(writing_at);
    eprintln!("{backend}: whole import {:.2} s, writing from {:.2} s", full.ended.as_secs_f64(), writing_at.as_secs_f64());

    let (mut mid, mut outcomes) = (0, vec![]);
    for k in 0..trials {
        let location = fresh().await;
        // How long after the writing began: staggered over the window the whole run took to write.
        let at = window.mul_f64((f64::from(k) + 0.5) / f64::from(trials));
        let (l, dir) = (location.clone(), d.new_dir.clone());
        let run = tokio::task::spawn_blocking(move || import_run(&l, &dir, Some(at))).await.unwrap();
        let what = format!("{backend} trial {k} (kill {:.2} s into the writing, killed: {})", at.as_secs_f64(), run.killed);
        let holds = which_dataset(&location, &what).await;
        audit_verifies(&location, &what);
        // Killed after it logged writing its first layer, and the store is the old one: the kill landed inside
        // the transaction, which was rolled back.
        if run.killed && run.writing_at.is_some_and(|w| w < run.ended) && holds == "old" {
            mid += 1;
        }
        if !run.killed {
            assert!(run.success && holds == "new", "{what}: ended by itself but holds {holds}:\n{}", run.log);
        }
        outcomes.push(format!("{:.2}s:{}{holds}", at.as_secs_f64(), if run.killed { "killed," } else { "" }));
        if let Location::Postgis(url) = &location {
            common::drop_postgis(url).await;
        }
    }
    eprintln!("{backend}: {outcomes:?}, {mid} killed mid-transaction");
    assert!(mid >= 1, "{backend}: no kill landed inside the write transaction: {outcomes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_geopackage_import_leaves_it_whole_and_old_or_new() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base.gpkg");
    let out = Command::new(env!("CARGO_BIN_EXE_gridmap")).arg("import").arg(common::geodata()).arg("--store").arg(&base).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!tmp.path().join("base.gpkg-wal").exists(), "the seed import left its write-ahead log");
    let n = std::sync::atomic::AtomicUsize::new(0);
    kills_during_import("GeoPackage", 10, || {
        let copy = tmp.path().join(format!("trial{}.gpkg", n.fetch_add(1, std::sync::atomic::Ordering::SeqCst)));
        std::fs::copy(&base, &copy).unwrap();
        async move { Location::Gpkg(copy) }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_postgis_import_leaves_it_old_or_new() {
    let base = common::fresh_postgis_url().await;
    let out = Command::new(env!("CARGO_BIN_EXE_gridmap")).arg("import").arg(common::geodata()).args(["--database-url", &base]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    kills_during_import("PostGIS", 5, || {
        let base = base.clone();
        async move { Location::Postgis(common::postgis_copy(&base).await) }
    })
    .await;
    common::drop_postgis(&base).await;
}

/// The mini dataset with household H0003 lying in the east community but on a west grid's roster: the
/// reassignment has one household to move.
fn seed(dir: &Path) -> PathBuf {
    let mut ds = common::mini_dataset();
    ds.layers.get_mut(&Layer::Households).unwrap()[2].properties.insert("grid_code".into(), "610522001001001".into());
    let out = dir.join("seed");
    gridmap::model::geojson_io::write_dir(&out, &ds).unwrap();
    out
}

async fn send(client: &reqwest::Client, method: reqwest::Method, url: String, body: Option<Value>) -> (u16, Value) {
    crate::common::send_json(client, method, &url, body.as_ref()).await
}

/// A new draft of C on `server` with its widest grid split down the middle; returns the draft.
async fn split_draft(server: &str, who: &reqwest::Client, name: &str) -> Value {
    let (s, p) = send(who, reqwest::Method::POST, format!("{server}/api/v1/plans"), Some(json!({"community": C, "name": name}))).await;
    assert_eq!(s, 201, "{p}");
    let widest = p["grids"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let xs: Vec<f64> = f["geometry"]["coordinates"][0].as_array().unwrap().iter().map(|c| c[0].as_f64().unwrap()).collect();
            let (lo, hi) = xs.iter().fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
            (hi - lo, (lo + hi) / 2.0, f["id"].as_str().unwrap().to_string())
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap();
    let line = json!([[widest.1, 34.49], [widest.1, 34.52]]);
    let (s, v) = send(who, reqwest::Method::POST, format!("{server}/api/v1/plans/{}/edits", p["id"]), Some(json!({"op": "split", "grid": widest.2, "line": line}))).await;
    assert_eq!(s, 200, "{v}");
    v
}

/// The codes of C's published grids as `server` shows them.
async fn published_codes(server: &str, who: &reqwest::Client) -> BTreeSet<String> {
    let (s, grids) = send(who, reqwest::Method::GET, format!("{server}/api/v1/layers/grids"), None).await;
    assert_eq!(s, 200, "{grids}");
    grids["features"].as_array().unwrap().iter().filter_map(|f| f["properties"]["code"].as_str()).filter(|c| c.starts_with(C)).map(str::to_string).collect()
}

/// Publish, then kill -9 the moment the 200 arrives, three times; then a reassignment the same way. After each
/// restart on the same store the acknowledged write is there.
async fn acknowledged_writes_survive_kill_9(location: Location) {
    let tmp = tempfile::tempdir().unwrap();
    let seed = seed(tmp.path());
    let mut server = Served::start(&location, &seed).await;
    let planner = TestApp::client_with(&common::token_on(&location, "planner.k", Role::Planner, "county").await);
    let admin = TestApp::client_with(&common::token_on(&location, "admin.k", Role::Admin, "county").await);
    for trial in 0..3 {
        let v = split_draft(&server.base_url, &planner, &format!("断电{trial}")).await;
        let body = json!({ "acknowledge": common::acknowledge_all(&v) });
        let (s, r) = send(&planner, reqwest::Method::POST, server.url(&format!("/api/v1/plans/{}/publish", v["id"])), Some(body)).await;
        server.kill9();
        assert_eq!(s, 200, "{r}");
        server = Served::start(&location, &seed).await;
        let (s, h) = send(&planner, reqwest::Method::GET, server.url(&format!("/api/v1/plans/versions?community={C}")), None).await;
        assert_eq!(s, 200, "{h}");
        let last = h["versions"].as_array().unwrap().last().cloned().unwrap_or_default();
        assert_eq!((&last["version"], &last["published_by"]), (&r["version"], &json!("planner.k")), "trial {trial}: {h}");
        let acknowledged: BTreeSet<String> = r["codes"].as_object().unwrap().values().map(|c| c.as_str().unwrap().to_string()).collect();
        assert_eq!(published_codes(&server.base_url, &planner).await, acknowledged, "trial {trial}");
    }
    let (s, r) = send(&admin, reqwest::Method::POST, server.url("/api/v1/crosswalk/reassignment"), Some(json!({"community": "610522102206"}))).await;
    server.kill9();
    assert_eq!((s, &r["changed"]), (200, &json!(1)), "{r}");
    let server = Served::start(&location, &seed).await;
    let (_, hh) = send(&admin, reqwest::Method::GET, server.url("/api/v1/layers/households"), None).await;
    let h3 = hh["features"].as_array().unwrap().iter().find(|f| f["properties"]["code"] == "H0003").expect("H0003");
    assert_eq!(h3["properties"]["grid_code"], "610522102206001", "the reassignment survived");
    let (s, r) = send(&admin, reqwest::Method::POST, server.url("/api/v1/crosswalk/reassignment"), Some(json!({"community": "610522102206"}))).await;
    assert_eq!((s, &r["changed"]), (200, &json!(0)), "applied once, and only once: {r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9_on_the_geopackage() {
    let tmp = tempfile::tempdir().unwrap();
    acknowledged_writes_survive_kill_9(Location::Gpkg(tmp.path().join("store.gpkg"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9_on_postgis() {
    acknowledged_writes_survive_kill_9(Location::Postgis(common::fresh_postgis_url().await)).await;
}

/// Waits until `server`'s atlas has caught up with its store (it hears other servers' writes).
async fn caught_up(server: &Served) {
    let t = Instant::now();
    loop {
        let c = reqwest::Client::new();
        let health: Value = c.get(server.url("/health")).send().await.unwrap().json().await.unwrap();
        let meta: Value = c.get(server.url("/api/v1/meta")).send().await.unwrap().json().await.unwrap();
        if health["revision"] == meta["revision"] {
            return;
        }
        assert!(t.elapsed() < Duration::from_secs(30), "the atlas did not catch up: {health} {meta}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Two server processes over one store; five times, a fresh draft on each and both published at once.
async fn two_servers_publish_at_once(location: Location) {
    let tmp = tempfile::tempdir().unwrap();
    let seed = common::write_mini(tmp.path());
    let a = Served::start(&location, &seed).await;
    let b = Served::start(&location, &seed).await;
    let planner = TestApp::client_with(&common::token_on(&location, "planner.race", Role::Planner, "county").await);
    for trial in 0..5 {
        caught_up(&a).await;
        caught_up(&b).await;
        let da = split_draft(&a.base_url, &planner, &format!("甲{trial}")).await;
        let db = split_draft(&b.base_url, &planner, &format!("乙{trial}")).await;
        let publish = |server: &Served, d: &Value| {
            let body = json!({ "acknowledge": common::acknowledge_all(d) });
            send(&planner, reqwest::Method::POST, server.url(&format!("/api/v1/plans/{}/publish", d["id"])), Some(body))
        };
        let ((sa, ra), (sb, rb)) = tokio::join!(publish(&a, &da), publish(&b, &db));
        let mut statuses = [sa, sb];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "trial {trial}: {ra} {rb}");
        let (won, lost) = if sa == 200 { (&ra, &rb) } else { (&rb, &ra) };
        assert_eq!(won["version"], trial + 1, "trial {trial}: {won}");
        assert!(lost["error"]["message"].as_str().unwrap().contains("未做任何更改"), "trial {trial}: {lost}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_publishing_one_community_at_once_on_the_geopackage() {
    let tmp = tempfile::tempdir().unwrap();
    two_servers_publish_at_once(Location::Gpkg(tmp.path().join("shared.gpkg"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_publishing_one_community_at_once_on_postgis() {
    two_servers_publish_at_once(Location::Postgis(common::fresh_postgis_url().await)).await;
}

/// Three rounds of eight edits sent to one draft at once, each adding a distinct vertex to the community edge
/// of the first grid: each is answered 200 (and is in the draft) or 409 (and is not), nothing else.
async fn concurrent_edits_to_one_draft(app: TestApp) {
    let planner = TestApp::client_with(&app.token_for("planner.many", Role::Planner, "county").await);
    let (s, p) = send(&planner, reqwest::Method::POST, app.url("/api/v1/plans"), Some(json!({"community": C, "name": "并发"}))).await;
    assert_eq!(s, 201, "{p}");
    let edits = app.url(&format!("/api/v1/plans/{}/edits", p["id"]));
    let mut acknowledged = BTreeSet::new();
    let mut refused = 0;
    for round in 0..3 {
        let tasks: Vec<_> = (0..8)
            .map(|k| {
                // On the west edge x = 110.20, between the corners y = 34.50 and 34.51.
                let y = 34.5005 + 0.0004 * f64::from(round * 8 + k);
                let (planner, edits) = (planner.clone(), edits.clone());
                tokio::spawn(async move {
                    let body = json!({"op": "add_vertex", "grid": "610522001001001", "at": [110.20, y]});
                    (send(&planner, reqwest::Method::POST, edits, Some(body)).await, format!("{y:.4}"))
                })
            })
            .collect();
        for t in tasks {
            let ((s, v), y) = t.await.unwrap();
            match s {
                200 => assert!(acknowledged.insert(y.clone()), "{y} twice"),
                409 => refused += 1,
                _ => panic!("an edit answered {s}: {v}"),
            }
        }
    }
    let (_, d) = send(&planner, reqwest::Method::GET, app.url(&format!("/api/v1/plans/{}", p["id"])), None).await;
    let ring = d["grids"]["features"].as_array().unwrap().iter().find(|f| f["id"] == "610522001001001").unwrap()["geometry"]["coordinates"][0].clone();
    let on_edge: BTreeSet<String> = ring
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
        .filter(|(x, y)| (x - 110.20).abs() < 1e-7 && (y - 34.50).abs() > 1e-7 && (y - 34.51).abs() > 1e-7)
        .map(|(_, y)| format!("{y:.4}"))
        .collect();
    assert!(!acknowledged.is_empty(), "no edit got through ({refused} refused)");
    assert_eq!(on_edge, acknowledged, "the draft holds exactly the acknowledged edits ({refused} refused)");
    assert_eq!(d["edits"].as_u64(), Some(acknowledged.len() as u64), "{}", d["edits"]);
    assert_eq!(d["steps"].as_array().unwrap().len(), acknowledged.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_edits_to_one_draft_are_kept_or_refused_on_the_geopackage() {
    let tmp = tempfile::tempdir().unwrap();
    concurrent_edits_to_one_draft(common::spawn_app_seeded(&common::write_mini(tmp.path())).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_edits_to_one_draft_are_kept_or_refused_on_postgis() {
    let tmp = tempfile::tempdir().unwrap();
    concurrent_edits_to_one_draft(common::spawn_app_postgis(&common::write_mini(tmp.path())).await).await;
}
