//! Loading the default dataset from the store into the atlas (issue: under 2 s in release), from the
//! GeoPackage file and from PostGIS in the same run.
//!
//! `cargo bench --bench atlas_load` (needs PostgreSQL with PostGIS at TEST_DATABASE_URL, default
//! postgres://postgres@127.0.0.1:5432/postgres). Prints the median and spread of each phase over several runs.

mod support;

use std::time::{Duration, Instant};

use gridmap::atlas::Atlas;
use gridmap::store::gpkg::GpkgStore;
use gridmap::store::postgis::PostgisStore;
use gridmap::store::{AnyStore, LayerStore};
use support::{BenchDb, fmt_ms, spread};

const RUNS: usize = 7;

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
    let (l, b, t) = (spread(load), spread(build), spread(total));
    println!("{name:<11} read store  median {:>9} (min {}, max {})", fmt_ms(l.median), fmt_ms(l.best), fmt_ms(l.worst));
    println!("{name:<11} build atlas median {:>9} (min {}, max {})", fmt_ms(b.median), fmt_ms(b.best), fmt_ms(b.worst));
    println!("{name:<11} total       median {:>9} (min {}, max {})", fmt_ms(t.median), fmt_ms(t.best), fmt_ms(t.worst));
    t.median
}

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let ds = support::default_dataset();
        let counts = ds.counts();
        println!("dataset: {counts:?}");
        println!("machine: {} cores; {RUNS} runs each", support::cores());

        let dir = tempfile::tempdir().unwrap();
        let gpkg = AnyStore::Gpkg(GpkgStore::open(&dir.path().join("bench.gpkg")).await.unwrap());
        gpkg.replace_layers(&ds).await.unwrap();
        let g = time_store("GeoPackage", &gpkg).await;

        let db = BenchDb::create("load").await.expect("PostgreSQL for the comparison");
        let pg = AnyStore::Postgis(PostgisStore::connect(&db.url).await.unwrap());
        pg.replace_layers(&ds).await.unwrap();
        let p = time_store("PostGIS", &pg).await;
        drop(pg);
        db.remove().await;

        println!("ratio PostGIS / GeoPackage total: {:.2}", p.as_secs_f64() / g.as_secs_f64());
        println!("target: GeoPackage total under 2000 ms: {}", support::verdict(g < Duration::from_secs(2)));
    });
}
