//! Loading the default dataset from the store into the atlas (issue: under 2 s in release), from the
//! GeoPackage file and from PostGIS in the same run.
//!
//! `cargo bench --bench atlas_load` (needs PostgreSQL with PostGIS at TEST_DATABASE_URL, default
//! postgres://postgres@127.0.0.1:5432/postgres). Prints the median and spread of each phase over several runs.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use gridmap::atlas::Atlas;
use gridmap::model::geojson_io::read_dir;
use gridmap::store::gpkg::GpkgStore;
use gridmap::store::postgis::PostgisStore;
use gridmap::store::{AnyStore, LayerStore};

const RUNS: usize = 7;

fn median(mut v: Vec<Duration>) -> (Duration, Duration, Duration) {
    v.sort();
    (v[0], v[v.len() / 2], v[v.len() - 1])
}

fn fmt(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

async fn time_store(name: &str, store: &AnyStore) -> Duration {
    let mut load = Vec::new();
    let mut build = Vec::new();
    let mut total = Vec::new();
    for _ in 0..RUNS {
        let t0 = Instant::now();
        let ds = store.load().await.unwrap();
        let t1 = Instant::now();
        let atlas = Atlas::build(&ds, 0).unwrap();
        let t2 = Instant::now();
        std::hint::black_box(&atlas);
        load.push(t1 - t0);
        build.push(t2 - t1);
        total.push(t2 - t0);
    }
    let (lmin, lmed, lmax) = median(load);
    let (bmin, bmed, bmax) = median(build);
    let (tmin, tmed, tmax) = median(total);
    println!("{name:<11} read store  median {:>9} (min {}, max {})", fmt(lmed), fmt(lmin), fmt(lmax));
    println!("{name:<11} build atlas median {:>9} (min {}, max {})", fmt(bmed), fmt(bmin), fmt(bmax));
    println!("{name:<11} total       median {:>9} (min {}, max {})", fmt(tmed), fmt(tmin), fmt(tmax));
    tmed
}

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let geodata = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("geodata");
        let (ds, _) = read_dir(&geodata, None).expect("geodata/ holds the default dataset");
        let counts = ds.counts();
        println!("dataset: {counts:?}");
        println!("machine: {} cores; {RUNS} runs each", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));

        let dir = tempfile::tempdir().unwrap();
        let gpkg = AnyStore::Gpkg(GpkgStore::open(&dir.path().join("bench.gpkg")).await.unwrap());
        gpkg.replace_layers(&ds).await.unwrap();
        let g = time_store("GeoPackage", &gpkg).await;

        let admin = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&admin).await.expect("PostgreSQL for the comparison");
        let name = format!("gridmap_bench_{}", std::process::id());
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut conn).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
        let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
        let pg = AnyStore::Postgis(PostgisStore::connect(&url).await.unwrap());
        pg.replace_layers(&ds).await.unwrap();
        let p = time_store("PostGIS", &pg).await;
        drop(pg);
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await.unwrap();

        println!("ratio PostGIS / GeoPackage total: {:.2}", p.as_secs_f64() / g.as_secs_f64());
        println!("target: GeoPackage total under 2000 ms: {}", if g < Duration::from_secs(2) { "met" } else { "NOT met" });
    });
}
