//! The whole merger crosswalk of the default dataset (issue: under 200 ms), beside PostGIS answering the same
//! two questions on the same data in the same run: the area of every legacy village in every community
//! (ST_Intersection in the same metric CRS) and the community each household lies in (ST_Contains).
//!
//! `cargo bench --bench crosswalk` (or `scripts/bench-crosswalk.sh`); needs PostgreSQL with PostGIS at
//! TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); `CROSSWALK_BENCH_POSTGIS=0` skips it.
//! "Whole crosswalk" is what `GET /api/v1/crosswalk` computes from an atlas in memory: households placed,
//! village × community shares by area and households, split villages, community make-up, and the
//! cross-boundary household list with both sides.

mod support;

use std::time::{Duration, Instant};

use gridmap::atlas::Atlas;
use gridmap::store::postgis::PostgisStore;
use gridmap::store::{AnyStore, LayerStore};
use support::{BenchDb, ms};

const RUNS: usize = 15;

/// (best, median) of `runs` timed calls after one warm-up.
fn time<T>(runs: usize, f: impl FnMut() -> T) -> (Duration, Duration) {
    let (s, _) = support::time_warm(runs, f);
    (s.best, s.median)
}

fn main() {
    let ds = support::default_dataset();
    println!("dataset: {:?}", ds.counts());
    println!("machine: {} cores; best and median of {RUNS} runs", support::cores());
    let atlas = Atlas::build(&ds, 0).unwrap();

    let (pb, pm) = time(RUNS, || atlas.place_households());
    let placements = atlas.place_households();
    let (sb, sm) = time(RUNS, || atlas.crosswalk_with(&placements));
    let (xb, xm) = time(RUNS, || atlas.cross_households(&placements));
    let (wb, wm) = time(RUNS, || atlas.crosswalk());
    let cw = atlas.crosswalk();
    println!("place households        best {:>8.1} ms  median {:>8.1} ms", ms(pb), ms(pm));
    println!("shares, make-up, list   best {:>8.1} ms  median {:>8.1} ms", ms(sb), ms(sm));
    println!("cross-boundary list     best {:>8.1} ms  median {:>8.1} ms", ms(xb), ms(xm));
    println!("whole crosswalk         best {:>8.1} ms  median {:>8.1} ms  ({} villages, {} cross-boundary households)",
        ms(wb), ms(wm), cw.villages.len(), cw.households.len());
    println!("target: whole crosswalk under 200 ms: {}", support::verdict(wm < Duration::from_millis(200)));

    if support::switched_off("CROSSWALK_BENCH_POSTGIS") {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Row;
        let db = BenchDb::create("cw").await.expect("PostgreSQL for the comparison");
        let url = db.url.clone();
        let store = PostgisStore::connect(&url).await.unwrap();
        AnyStore::Postgis(PostgisStore::connect(&url).await.unwrap()).replace_layers(&ds).await.unwrap();
        let pool = store.pool().clone();
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
        let epsg = atlas.crs.epsg;
        let areas = format!(
            "SELECT v.code, c.code, ST_Area(ST_Intersection(ST_Transform(v.geom, {epsg}), ST_Transform(c.geom, {epsg}))) \
             FROM villages v JOIN communities c ON ST_Intersects(v.geom, c.geom)"
        );
        let contains = "SELECT h.code, c.code FROM households h JOIN communities c \
                        ON ST_Contains(c.geom, ST_PointOnSurface(h.geom))";
        let mut t_areas = Vec::new();
        let mut t_contains = Vec::new();
        let mut pairs = 0;
        let mut located = 0;
        for _ in 0..5 {
            let t = Instant::now();
            pairs = sqlx::query(&areas).fetch_all(&pool).await.unwrap().iter().filter(|r| r.get::<f64, _>(2) > 0.0).count();
            t_areas.push(t.elapsed());
            let t = Instant::now();
            located = sqlx::query(contains).fetch_all(&pool).await.unwrap().len();
            t_contains.push(t.elapsed());
        }
        t_areas.sort();
        t_contains.sort();
        let (a, c) = (t_areas[2], t_contains[2]);
        println!("PostGIS village × community areas  median {:>8.1} ms  ({pairs} pairs with area)", ms(a));
        println!("PostGIS households in communities  median {:>8.1} ms  ({located} households)", ms(c));
        println!("ratio PostGIS (areas + containment) / gridmap whole crosswalk: {:.1}×", (a + c).as_secs_f64() / wm.as_secs_f64());
        println!("ratio PostGIS areas / gridmap shares and list: {:.1}×", a.as_secs_f64() / sm.as_secs_f64());
        println!("ratio PostGIS containment / gridmap place households: {:.1}×", c.as_secs_f64() / pm.as_secs_f64());
        drop(store);
        pool.close().await;
        db.remove().await;
    });
}
