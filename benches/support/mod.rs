//! What every bench needs: timing and its figures, the environment's knobs, the default dataset, a throwaway
//! PostGIS database for the comparisons, and the machine line each report starts with.
#![allow(dead_code)] // each bench binary uses part of it

use std::path::PathBuf;
use std::time::{Duration, Instant};

use gridmap::model::Dataset;

/// Milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// "12.3 ms".
pub fn fmt_ms(d: Duration) -> String {
    format!("{:.1} ms", ms(d))
}

/// The fastest, median and slowest of a set of timings.
#[derive(Clone, Copy, Debug)]
pub struct Spread {
    pub best: Duration,
    pub median: Duration,
    pub worst: Duration,
}

/// The spread of `v` (not empty).
pub fn spread(mut v: Vec<Duration>) -> Spread {
    v.sort();
    Spread { best: v[0], median: v[v.len() / 2], worst: v[v.len() - 1] }
}

/// `runs` timed calls of `f`, and what the last one returned.
pub fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Spread, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(std::hint::black_box(f()));
        times.push(t.elapsed());
    }
    (spread(times), last.expect("at least one run"))
}

/// One untimed warm-up call of `f` (caches, lazily built indexes), then [`time`].
pub fn time_warm<T>(runs: usize, mut f: impl FnMut() -> T) -> (Spread, T) {
    std::hint::black_box(f());
    time(runs, f)
}

/// Latencies (any unit) summarised.
pub struct Stats {
    pub n: usize,
    pub mean: f64,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

pub fn stats(mut v: Vec<f64>) -> Stats {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let mean = v.iter().sum::<f64>() / n.max(1) as f64;
    Stats { n, mean, p50: percentile(&v, 0.5), p99: percentile(&v, 0.99), max: v.last().copied().unwrap_or(f64::NAN) }
}

/// One line of latencies: count, mean, p50, p99, max.
pub fn show(label: &str, unit: &str, s: &Stats) {
    println!(
        "{label:<44} n={:<7} mean {:>8.2} {unit}  p50 {:>8.2} {unit}  p99 {:>8.2} {unit}  max {:>8.2} {unit}",
        s.n, s.mean, s.p50, s.p99, s.max
    );
}

/// "met" or "NOT met", for a target line.
pub fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

/// A numeric knob from the environment, or its default.
pub fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Whether a part is switched off (`KEY=0`).
pub fn switched_off(key: &str) -> bool {
    std::env::var(key).as_deref() == Ok("0")
}

/// Cores the benches may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The repository's geodata/ directory.
pub fn geodata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("geodata")
}

/// The committed default dataset.
pub fn default_dataset() -> Dataset {
    gridmap::model::geojson_io::read_dir(&geodata(), None).expect("geodata/ holds the default dataset").0
}

/// A fresh PostGIS database for one bench run, on the server at TEST_DATABASE_URL (default
/// postgres://postgres@127.0.0.1:5432/postgres); dropped by [`BenchDb::remove`].
pub struct BenchDb {
    admin: String,
    name: String,
    pub url: String,
}

impl BenchDb {
    /// Creates `gridmap_bench_{tag}_{pid}` (dropping a leftover of the same name first).
    pub async fn create(tag: &str) -> Result<BenchDb, sqlx::Error> {
        use sqlx::Connection;
        let admin =
            std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let mut conn = sqlx::PgConnection::connect(&admin).await?;
        let name = format!("gridmap_bench_{tag}_{}", std::process::id());
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await?;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await?;
        let base = admin.rsplit_once('/').map_or(admin.clone(), |(b, _)| b.to_string());
        let url = format!("{base}/{name}");
        Ok(BenchDb { admin, name, url })
    }

    /// Drops the database, ending any connection still open on it.
    pub async fn remove(self) {
        use sqlx::Connection;
        if let Ok(mut conn) = sqlx::PgConnection::connect(&self.admin).await {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&mut conn).await;
        }
    }
}
