//! The shared test harness: the real server on 127.0.0.1:0 over a fresh store per test, fresh PostGIS
//! databases, and a small deterministic dataset for tests that need no more.
#![allow(dead_code)] // some helpers serve only a few modules, or only on one backend

/// Headless Chromium for the page tests.
pub mod browser;
/// Chromium driven through ChromeDriver, for page tests that click and type.
pub mod webdriver;
/// `gridmap serve` as a child process: to kill, restart, or run two over one store.
pub mod server;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use geo::{Geometry, MultiPolygon, Point, Polygon, polygon};
use gridmap::store::Location;
use gridmap::model::{Dataset, Feature, Layer};
use gridmap::store::AccountStore;
use serde_json::{Value, json};

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
