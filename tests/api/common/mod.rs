//! The shared test harness: the real server on 127.0.0.1:0 over a fresh store per test, fresh PostGIS
//! databases, and a small deterministic dataset for tests that need no more.
#![allow(dead_code)] // some helpers serve only a few modules, or only on one backend

/// Headless Chromium for the page tests.
pub mod browser;
/// Chromium driven through ChromeDriver, for page tests that click and type.
pub mod webdriver;
/// `gridmap serve` as a child process: to kill, restart, or run two over one store.
pub mod server;
/// A signal that a test can cut and restore: a forwarder between the browser and the server.
pub mod signal;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use geo::{Geometry, MultiPolygon, Point, Polygon, polygon};
use gridmap::store::Location;
use gridmap::model::{Dataset, Feature, Layer};
use gridmap::store::AccountStore;
use serde_json::{Value, json};

/// Sends a request to `url` (a JSON body if any) and returns the status and the body as JSON (a string if it is
/// not JSON).
pub async fn send_json(client: &reqwest::Client, method: reqwest::Method, url: &str, body: Option<&Value>) -> (u16, Value) {
    let mut r = client.request(method, url);
    if let Some(b) = body {
        r = r.json(b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Runs a GDAL tool off the async runtime (the server shares it): whether it succeeded, its stdout and stderr.
pub async fn gdal(tool: &'static str, args: Vec<String>) -> (bool, String, String) {
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(tool)
            .args(&args)
            .env("GDAL_HTTP_TIMEOUT", "60")
            .output()
            .unwrap_or_else(|e| panic!("{tool} (Debian gdal-bin) is needed for this test: {e}"))
    })
    .await
    .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The committed default dataset.
pub fn geodata() -> PathBuf {
    root().join("geodata")
}

/// A running server.
pub struct TestApp {
    pub addr: SocketAddr,
    pub base_url: String,
    /// The store's GeoPackage file (for GeoPackage-backed apps).
    pub store_path: Option<PathBuf>,
    /// The store the server runs on, for tests that reach into it (accounts, audit log).
    pub location: Location,
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let r = self.client.get(self.url(path)).send().await.expect("request");
        let status = r.status().as_u16();
        let body = r.text().await.expect("body");
        (status, serde_json::from_str(&body).unwrap_or(Value::String(body)))
    }

    /// The store the server runs on.
    pub async fn store(&self) -> gridmap::store::AnyStore {
        gridmap::store::AnyStore::open(&self.location).await.expect("open the app's store")
    }

    /// A new account `user` of `role` over `scope`, its one-time password already changed, and an API token
    /// for it.
    pub async fn token_for(&self, user: &str, role: gridmap::accounts::Role, scope: &str) -> String {
        token_on(&self.location, user, role, scope).await
    }

    /// Makes `client` a county planner's: households shown, people masked (anonymous callers and viewers get
    /// no households at all).
    pub async fn sign_in_planner(&mut self) {
        self.client = Self::client_with(&self.token_for("planner.default", gridmap::accounts::Role::Planner, "county").await);
    }

    /// A client as before any sign-in.
    pub fn anonymous() -> reqwest::Client {
        reqwest::Client::new()
    }
}

/// A new account `user` of `role` over `scope` in the store at `location`, its one-time password already
/// changed, and an API token for it.
pub async fn token_on(location: &Location, user: &str, role: gridmap::accounts::Role, scope: &str) -> String {
    {
        let store = gridmap::store::AnyStore::open(location).await.expect("open the app's store");
        let scope: gridmap::accounts::Scope = scope.parse().expect("scope");
        gridmap::app::accounts::add_account(&store, user, role, scope, None, "test").await.expect("add account");
        let hash = gridmap::accounts::password::hash("a-long-password-2026").expect("hash");
        store.set_password(user, &hash, false, None).await.expect("set password");
        let by = gridmap::app::accounts::Actor { name: "test".into(), address: "test".into() };
        gridmap::app::accounts::issue_token(&store, user, 1, "test", &by).await.expect("token").token
    }
}

impl TestApp {

    /// A client that sends `Authorization: Bearer token` with every request.
    pub fn client_with(token: &str) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("authorization", format!("Bearer {token}").parse().expect("header"));
        reqwest::Client::builder().default_headers(headers).build().expect("client")
    }
}

/// The real server over a fresh GeoPackage store seeded from the repository's geodata/ (as `gridmap serve`
/// does on first start).
pub async fn spawn_app() -> TestApp {
    spawn_app_seeded(&geodata()).await
}

/// The real server over a fresh GeoPackage store seeded from `seed` (a dataset directory).
pub async fn spawn_app_seeded(seed: &Path) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let store_path = dir.path().join("gridmap.gpkg");
    spawn_with(Location::Gpkg(store_path.clone()), seed, dir, Some(store_path)).await
}

/// The real server over a fresh GeoPackage store seeded from `seed`, publishing as `public` says (`serve
/// --public-url`, `--publish-people`).
pub async fn spawn_app_public(seed: &Path, public: gridmap::app::publication::Public) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let store_path = dir.path().join("gridmap.gpkg");
    let location = Location::Gpkg(store_path.clone());
    let state = gridmap::app::startup::open_state(&location, seed).await.expect("open state").with_public(public);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { gridmap::http::serve(listener, state).await.expect("serve") });
    TestApp { addr, base_url: format!("http://{addr}"), store_path: Some(store_path), location, client: reqwest::Client::new(), _dir: dir }
}

/// The real server over a fresh PostGIS database seeded from `seed`.
pub async fn spawn_app_postgis(seed: &Path) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    spawn_with(Location::Postgis(fresh_postgis_url().await), seed, dir, None).await
}

/// The real server over the given store (seeded from `seed` if empty): for tests where two servers share
/// one store.
pub async fn spawn_app_on(location: Location, seed: &Path) -> TestApp {
    let store_path = match &location {
        Location::Gpkg(p) => Some(p.clone()),
        Location::Postgis(_) => None,
    };
    spawn_with(location, seed, tempfile::tempdir().expect("tempdir"), store_path).await
}

async fn spawn_with(location: Location, seed: &Path, dir: tempfile::TempDir, store_path: Option<PathBuf>) -> TestApp {
    let state = gridmap::app::startup::open_state(&location, seed).await.expect("open state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { gridmap::http::serve(listener, state).await.expect("serve") });
    TestApp {
        addr,
        base_url: format!("http://{addr}"),
        store_path,
        location,
        client: reqwest::Client::new(),
        _dir: dir,
    }
}

static DB_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The server URL of PostgreSQL for tests (the machine's, with trust auth).
pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Creates a new empty database and returns its URL. Databases left by test processes that have exited are
/// dropped first, so runs do not pile them up.
pub async fn fresh_postgis_url() -> String {
    use sqlx::Connection;
    let admin = admin_url();
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {admin} is needed for this test: {e}"));
    let stale: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'gridmap_test_%'")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    for name in stale {
        let pid: Option<u32> = name.split('_').nth(2).and_then(|p| p.parse().ok());
        if pid.is_some_and(|p| !Path::new(&format!("/proc/{p}")).exists()) {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
        }
    }
    let name = new_db_name();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
    db_url(&name)
}

/// A name for a test database: the test process's id first, so that `fresh_postgis_url` drops it once the
/// process has exited.
fn new_db_name() -> String {
    format!(
        "gridmap_test_{}_{}_{}",
        std::process::id(),
        DB_COUNTER.fetch_add(1, Ordering::SeqCst),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
    )
}

fn db_url(name: &str) -> String {
    let admin = admin_url();
    let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin.clone());
    format!("{base}/{name}")
}

/// A new database copied from the test database at `template` (as `CREATE DATABASE ... TEMPLATE`: seconds
/// for a county, where importing it again takes much longer). Nobody may be connected to the template.
pub async fn postgis_copy(template: &str) -> String {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&admin_url()).await.expect("PostgreSQL");
    let from = template.rsplit('/').next().unwrap();
    let name = new_db_name();
    // A client that just exited may still be counted as connected for a moment.
    for attempt in 0.. {
        match sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {from}")).execute(&mut conn).await {
            Ok(_) => break,
            Err(e) if attempt < 50 && e.to_string().contains("being accessed by other users") => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("copying {from}: {e}"),
        }
    }
    db_url(&name)
}

/// Drops the test database at `url`, closing whatever is still connected to it.
pub async fn drop_postgis(url: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&admin_url()).await.expect("PostgreSQL");
    let name = url.rsplit('/').next().unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await.unwrap();
}

/// An acknowledgement, with a reason, of every defect a draft (as the API shows it) still has: what a
/// publication sends when the defects are accepted.
pub fn acknowledge_all(draft: &Value) -> Vec<Value> {
    draft["stats"]["defects"].as_array().expect("a draft's defects").iter().map(|d| json!({"defect": d["id"], "reason": "演示"})).collect()
}

fn props(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().expect("object").clone()
}

fn mp(p: Polygon<f64>) -> Geometry<f64> {
    Geometry::MultiPolygon(MultiPolygon(vec![p]))
}

/// An axis-aligned counter-clockwise square in lon/lat.
pub fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1), (x: x0, y: y0)]
}

/// A small complete dataset near Tongguan: a county of two towns, one community each, two grids in the first
/// community and one in the second, a unit per grid, a legacy village per community and five households.
/// Deliberately simple shapes, so expected areas and memberships are obvious.
pub fn mini_dataset() -> Dataset {
    let (x0, y0) = (110.20, 34.50);
    let d = 0.01;
    let mut ds = Dataset::default();
    let f = |code: &str, p: Value, g: Geometry<f64>| Feature { code: code.into(), properties: props(p), geometry: g };
    ds.layers.insert(
        Layer::County,
        vec![f("610522", json!({"code": "610522", "name": "潼关县"}), mp(square(x0, y0, x0 + 2.0 * d, y0 + d)))],
    );
    ds.layers.insert(
        Layer::Towns,
        vec![
            f("610522001", json!({"code": "610522001", "name": "城关街道", "county_code": "610522"}), mp(square(x0, y0, x0 + d, y0 + d))),
            f("610522102", json!({"code": "610522102", "name": "太要镇", "county_code": "610522"}), mp(square(x0 + d, y0, x0 + 2.0 * d, y0 + d))),
        ],
    );
    ds.layers.insert(
        Layer::Communities,
        vec![
            f("610522001001", json!({"code": "610522001001", "name": "南新社区居委会", "town_code": "610522001", "kind": "urban", "secretary": "王秀兰", "secretary_phone": "13900000001"}), mp(square(x0, y0, x0 + d, y0 + d))),
            f("610522102206", json!({"code": "610522102206", "name": "老虎城村委会", "town_code": "610522102", "kind": "rural"}), mp(square(x0 + d, y0, x0 + 2.0 * d, y0 + d))),
        ],
    );
    ds.layers.insert(
        Layer::Villages,
        vec![
            f("610522100201", json!({"code": "610522100201", "name": "吴村", "town_code": "610522100", "merged_into": "610522001001"}), mp(square(x0, y0, x0 + d, y0 + d))),
            f("610522102206", json!({"code": "610522102206", "name": "老虎城", "town_code": "610522102", "merged_into": "610522102206"}), mp(square(x0 + d, y0, x0 + 2.0 * d, y0 + d))),
        ],
    );
    let h = d / 2.0;
    ds.layers.insert(
        Layer::Grids,
        vec![
            f("610522001001001", json!({"code": "610522001001001", "name": "南新社区第1网格", "community_code": "610522001001", "manager": "李娜", "manager_phone": "13900000002", "target_households": 400}), mp(square(x0, y0, x0 + h, y0 + d))),
            f("610522001001002", json!({"code": "610522001001002", "name": "南新社区第2网格", "community_code": "610522001001", "manager": "张伟", "manager_phone": "13900000003", "target_households": 400}), mp(square(x0 + h, y0, x0 + d, y0 + d))),
            f("610522102206001", json!({"code": "610522102206001", "name": "老虎城村第1网格", "community_code": "610522102206"}), mp(square(x0 + d, y0, x0 + 2.0 * d, y0 + d))),
        ],
    );
    ds.layers.insert(
        Layer::Units,
        vec![
            f("610522001001001001", json!({"code": "610522001001001001", "name": "1号楼", "grid_code": "610522001001001", "kind": "building", "head": "赵敏"}), mp(square(x0 + 0.001, y0 + 0.001, x0 + 0.002, y0 + 0.002))),
            f("610522001001002001", json!({"code": "610522001001002001", "name": "2号楼", "grid_code": "610522001001002", "kind": "building"}), mp(square(x0 + h + 0.001, y0 + 0.001, x0 + h + 0.002, y0 + 0.002))),
            f("610522102206001001", json!({"code": "610522102206001001", "name": "一组东巷", "grid_code": "610522102206001", "kind": "lane"}), mp(square(x0 + d + 0.001, y0 + 0.001, x0 + d + 0.004, y0 + 0.002))),
        ],
    );
    let pt = |x: f64, y: f64| Geometry::Point(Point::new(x, y));
    ds.layers.insert(
        Layer::Households,
        vec![
            f("H0001", json!({"code": "H0001", "grid_code": "610522001001001", "unit_code": "610522001001001001", "village_code": "610522100201", "address": "城关街道南新社区1号楼1单元101", "head": "张三", "members": 3, "phone": "13900001234", "tags": ["elderly_alone"]}), pt(x0 + 0.0015, y0 + 0.0015)),
            f("H0002", json!({"code": "H0002", "grid_code": "610522001001001", "unit_code": "610522001001002001", "village_code": "610522100201", "head": "李四", "members": 2}), pt(x0 + h + 0.0015, y0 + 0.0015)),
            f("H0003", json!({"code": "H0003", "grid_code": "610522102206001", "unit_code": "610522102206001001", "village_code": "610522102206", "head": "王五", "members": 4}), mp(square(x0 + d + 0.0011, y0 + 0.0011, x0 + d + 0.0012, y0 + 0.0013))),
            f("H0004", json!({"code": "H0004", "grid_code": "", "unit_code": "", "village_code": "610522102206", "head": "赵六"}), pt(x0 + 2.0 * d + 0.001, y0 + 0.001)),
            f("H0005", json!({"code": "H0005", "grid_code": "610522102206001", "unit_code": "", "village_code": "610522100201", "head": "孙七", "members": 1}), pt(x0 + d + 0.003, y0 + 0.005)),
        ],
    );
    ds
}

/// Door plates (the optional `addresses` layer) for [`mini_dataset`]: two in 1号楼 of the first grid, one in the
/// lane of 老虎城, one naming no unit (at 2号楼, in the second grid).
pub fn mini_plates() -> Vec<Feature> {
    let (x0, y0) = (110.20, 34.50);
    let h = 0.005;
    let f = |code: &str, p: Value, x: f64, y: f64| Feature { code: code.into(), properties: props(p), geometry: Geometry::Point(Point::new(x, y)) };
    vec![
        f("6105220010010010010001", json!({"code": "6105220010010010010001", "address": "潼关县城关街道南新社区1号楼1单元101", "community_code": "610522001001", "unit_code": "610522001001001001", "street": "南新社区", "number": "1号楼1单元101"}), x0 + 0.0015, y0 + 0.0015),
        f("6105220010010010010002", json!({"code": "6105220010010010010002", "address": "潼关县城关街道南新社区1号楼1单元102", "community_code": "610522001001", "unit_code": "610522001001001001", "street": "南新社区", "number": "1号楼1单元102"}), x0 + 0.0016, y0 + 0.0015),
        f("6105221022060010010001", json!({"code": "6105221022060010010001", "address": "潼关县太要镇老虎城村一组3号", "community_code": "610522102206", "unit_code": "610522102206001001", "street": "老虎城村一组", "number": "3号"}), x0 + 0.0115, y0 + 0.0015),
        f("MP-2", json!({"code": "MP-2", "address": "潼关县城关街道南新社区2号楼"}), x0 + h + 0.0015, y0 + 0.0015),
    ]
}

/// Writes `mini_dataset()` as a dataset directory inside `dir` and returns its path.
pub fn write_mini(dir: &Path) -> PathBuf {
    let out = dir.join("mini");
    gridmap::model::geojson_io::write_dir(&out, &mini_dataset()).expect("write mini dataset");
    out
}

/// The (method, path) of every route declared with `.route("PATH", method(..).method(..))` in `src/http` and
/// its folders.
pub fn declared_routes() -> std::collections::BTreeSet<(String, String)> {
    let mut out = std::collections::BTreeSet::new();
    // `src/http/*.rs` and the resources grown into folders (`src/http/plans/*.rs`).
    let mut files: Vec<std::path::PathBuf> = vec![];
    let mut dirs = vec![root().join("src/http")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    for path in files {
        let src = std::fs::read_to_string(&path).unwrap();
        let mut rest = src.as_str();
        while let Some(i) = rest.find(".route(\"") {
            rest = &rest[i + 8..];
            let end = rest.find('"').unwrap();
            let route = rest[..end].to_string();
            // The method routers of this `.route(...)` call: up to its closing parenthesis.
            let mut depth = 1;
            let mut close = 0;
            for (j, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    close = j;
                    break;
                }
            }
            let call = &rest[end..close];
            for m in ["get", "post", "put", "patch", "delete"] {
                let hit = call.match_indices(&format!("{m}(")).any(|(k, _)| {
                    k == 0 || !call.as_bytes()[k - 1].is_ascii_alphanumeric() && call.as_bytes()[k - 1] != b'_'
                });
                if hit {
                    out.insert((m.to_uppercase(), route.clone()));
                }
            }
        }
    }
    out
}
