//! `gridmap serve` as a child process on a free port, for tests that kill it, restart it or run several over
//! one store.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gridmap::store::Location;

/// A running `gridmap serve` process; killed when dropped.
pub struct Served {
    child: Child,
    pub base_url: String,
    /// What it printed on stderr so far (it keeps being read, so the server never blocks on a full pipe).
    pub log: Arc<Mutex<String>>,
}

/// The arguments that point a `gridmap` command at `location`.
pub fn store_args(location: &Location) -> [String; 2] {
    match location {
        Location::Gpkg(p) => ["--store".into(), p.display().to_string()],
        Location::Postgis(url) => ["--database-url".into(), url.clone()],
    }
}

impl Served {
    /// Starts `gridmap serve` over `location` (seeded from `seed` if empty) and waits until it serves.
    pub async fn start(location: &Location, seed: &Path) -> Served {
        let (location, seed) = (location.clone(), seed.to_path_buf());
        tokio::task::spawn_blocking(move || Self::start_blocking(&location, &seed)).await.expect("start gridmap serve")
    }

    fn start_blocking(location: &Location, seed: &Path) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gridmap"))
            .args(["serve", "--addr", "127.0.0.1:0", "--seed"])
            .arg(seed)
            .args(store_args(location))
            .env_remove("DATABASE_URL")
            .env_remove("GRIDMAP_TOKEN")
            .env("RUST_LOG", "gridmap=info")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start gridmap serve");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let log: Arc<Mutex<String>> = Arc::default();
        let t = Instant::now();
        let addr = loop {
            assert!(t.elapsed() < Duration::from_secs(120), "serve did not start:\n{}", log.lock().unwrap());
            let line = lines.next().unwrap_or_else(|| panic!("serve exited:\n{}", log.lock().unwrap())).unwrap();
            log.lock().unwrap().push_str(&format!("{line}\n"));
            if let Some(i) = line.find("serving http://") {
                break line[i + "serving http://".len()..].trim_end_matches('/').split('/').next().unwrap().to_string();
            }
        };
        let keep = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                keep.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        Served { child, base_url: format!("http://{addr}"), log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// SIGKILL: no shutdown, no flush, as the OOM killer or a power cut ends it.
    pub fn kill9(mut self) {
        self.child.kill().expect("kill -9 the server");
        self.child.wait().expect("reap the server");
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
