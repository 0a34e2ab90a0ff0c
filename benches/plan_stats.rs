//! A planner's edit and the live statistics after it (issue: within 100 ms for any community of the default
//! dataset), for every community, beside PostGIS answering the same questions of the same draft in the same
//! run: households and people per draft grid, the community's gaps (area and largest inscribed circle),
//! sibling overlaps, and households lying in another grid than under the published plan.
//!
//! `cargo bench --bench plan_stats` (or `scripts/bench-plan-stats.sh`); needs PostgreSQL with PostGIS at
//! TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); `PLAN_BENCH_POSTGIS=0` skips it.
//! The edit moves the first grid's second vertex 5 m east (as a planner's drag does), applied to a fresh copy of
//! the draft each run. Under `cargo test` (no `--bench` argument) it only checks that it runs on one community.

mod support;

use std::time::{Duration, Instant};

use gridmap::atlas::Atlas;
use gridmap::atlas::coverage::Settings;
use gridmap::atlas::plan::{Draft, Edit};
use gridmap::model::Layer;
use gridmap::model::geojson_io::geometry_json;
use gridmap::store::postgis::PostgisStore;
use gridmap::store::{AnyStore, LayerStore};
use support::{BenchDb, ms};

const RUNS: usize = 7;

fn median(v: Vec<Duration>) -> Duration {
    support::spread(v).median
}

/// The edit timed: the first grid's second vertex, 5 m east.
fn the_edit(d: &Draft) -> Option<Edit> {
    let g = d.grids.values().next()?;
    let v = g.geometry.0.first()?.exterior().0.get(1).copied()?;
    Some(Edit::MoveVertex { from: [v.x, v.y], to: [v.x + 0.00005, v.y], snap_m: Some(1.0) })
}

struct Row {
    community: String,
    grids: usize,
    households: u64,
    edit: Duration,
    stats: Duration,
    postgis: Option<Duration>,
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let ds = support::default_dataset();
    let atlas = Atlas::build(&ds, 0).unwrap();
    let settings = Settings::default();
    let communities: Vec<String> = atlas.layer(Layer::Communities).unwrap().features.iter().map(|f| f.code.clone()).collect();
    let communities = if full { communities } else { communities[..1].to_vec() };
    println!("dataset: {:?}", ds.counts());
    println!("machine: {} cores; median of {RUNS} runs per community", support::cores());

    let mut rows = Vec::new();
    let mut drafts = Vec::new();
    for c in &communities {
        let base = Draft::from_atlas(&atlas, c).unwrap();
        let Some(edit) = the_edit(&base) else { continue };
        let (mut te, mut ts) = (Vec::new(), Vec::new());
        let mut after = base.clone();
        let mut households = 0;
        for _ in 0..RUNS {
            let mut d = base.clone();
            let t = Instant::now();
            d.apply(&atlas, &edit).unwrap();
            te.push(t.elapsed());
            let t = Instant::now();
            let s = std::hint::black_box(d.stats(&atlas, &settings).unwrap());
            ts.push(t.elapsed());
            households = s.households;
            after = d;
        }
        rows.push(Row { community: c.clone(), grids: after.grids.len(), households, edit: median(te), stats: median(ts), postgis: None });
        drafts.push(after);
    }

    if full && !support::switched_off("PLAN_BENCH_POSTGIS") {
        postgis(&ds, &atlas, &drafts, &mut rows);
    }

    rows.sort_by_key(|r| std::cmp::Reverse(r.edit + r.stats));
    println!("community     grids households  edit_ms stats_ms total_ms  postgis_ms  ratio (slowest first)");
    for r in &rows {
        let total = r.edit + r.stats;
        let (pg, ratio) = match r.postgis {
            Some(p) => (format!("{:10.1}", ms(p)), format!("{:5.1}×", p.as_secs_f64() / total.as_secs_f64())),
            None => ("         -".into(), "    -".into()),
        };
        println!("{}  {:5} {:10} {:8.1} {:8.1} {:8.1}  {pg}  {ratio}", r.community, r.grids, r.households, ms(r.edit), ms(r.stats), ms(total));
    }
    let worst = rows.iter().map(|r| r.edit + r.stats).max().unwrap_or_default();
    let totals: Vec<Duration> = rows.iter().map(|r| r.edit + r.stats).collect();
    println!("worst community {:.1} ms, median community {:.1} ms", ms(worst), ms(median(totals)));
    println!("target: every community within 100 ms: {}", support::verdict(worst < Duration::from_millis(100)));
    let pg: Vec<Duration> = rows.iter().filter_map(|r| r.postgis).collect();
    if !pg.is_empty() {
        let sum_pg: f64 = pg.iter().map(Duration::as_secs_f64).sum();
        let sum_gm: f64 = rows.iter().map(|r| (r.edit + r.stats).as_secs_f64()).sum();
        println!("PostGIS worst {:.1} ms, median {:.1} ms; ratio PostGIS / gridmap over all communities: {:.1}×",
            ms(*pg.iter().max().unwrap()), ms(median(pg.clone())), sum_pg / sum_gm);
    }
}

/// Times PostGIS computing the same statistics of each edited draft, with the draft's grids sent as GeoJSON in
/// the query (as a server holding drafts in PostGIS would have to).
fn postgis(ds: &gridmap::model::Dataset, atlas: &Atlas, drafts: &[Draft], rows: &mut [Row]) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = BenchDb::create("plan").await.expect("PostgreSQL for the comparison");
        let url = db.url.clone();
        let store = PostgisStore::connect(&url).await.unwrap();
        AnyStore::Postgis(PostgisStore::connect(&url).await.unwrap()).replace_layers(ds).await.unwrap();
        let pool = store.pool().clone();
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
        let epsg = atlas.crs.epsg;
        let sql = format!(
            "WITH g AS (SELECT d->>'id' AS id, ST_SetSRID(ST_GeomFromGeoJSON(d->>'geom'), 4490) AS geom \
                        FROM json_array_elements($1::json) d), \
                  c AS (SELECT geom FROM communities WHERE code = $2), \
                  placed AS (SELECT g.id, h.code, h.members, h.geom FROM g JOIN households h \
                             ON ST_Intersects(g.geom, h.geom) AND ST_Contains(g.geom, ST_PointOnSurface(h.geom))), \
                  per_grid AS (SELECT id, count(*) AS n, coalesce(sum(members), 0) AS people FROM placed GROUP BY id), \
                  gaps AS (SELECT (ST_Dump(ST_Difference(c.geom, (SELECT ST_Union(geom) FROM g)))).geom AS geom FROM c), \
                  gap_stats AS (SELECT ST_Area(ST_Transform(geom, {epsg})) AS area, \
                                       (ST_MaximumInscribedCircle(ST_Transform(geom, {epsg}))).radius * 2 AS width FROM gaps), \
                  ovl AS (SELECT ST_Area(ST_Transform(ST_Intersection(a.geom, b.geom), {epsg})) AS area \
                               FROM g a JOIN g b ON a.id < b.id AND ST_Intersects(a.geom, b.geom)), \
                  moved AS (SELECT count(*) AS n FROM placed p JOIN grids pub ON pub.community_code = $2 \
                            AND ST_Contains(pub.geom, ST_PointOnSurface(p.geom)) WHERE pub.code <> p.id) \
             SELECT (SELECT count(*) FROM per_grid), (SELECT count(*) FROM gap_stats WHERE area >= 1), \
                    (SELECT count(*) FROM ovl WHERE area > 0), (SELECT n FROM moved)"
        );
        for (row, d) in rows.iter_mut().zip(drafts) {
            let grids: Vec<serde_json::Value> = d
                .grids
                .iter()
                .map(|(id, g)| serde_json::json!({"id": id, "geom": geometry_json(&geo::Geometry::MultiPolygon(g.geometry.clone())).to_string()}))
                .collect();
            let body = serde_json::Value::Array(grids).to_string();
            let mut times = Vec::new();
            for _ in 0..RUNS.min(5) {
                let t = Instant::now();
                std::hint::black_box(sqlx::query(&sql).bind(&body).bind(&row.community).fetch_one(&pool).await.unwrap());
                times.push(t.elapsed());
            }
            row.postgis = Some(median(times));
        }
        drop(store);
        pool.close().await;
        db.remove().await;
    });
}
