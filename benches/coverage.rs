//! Coverage check speed: the whole check of the default dataset (geodata/, when present) and of a seeded
//! synthetic county of 10,000 grids and 1,000,000 households; household assignment alone; and PostGIS
//! answering the same gap, overlap and point-in-polygon questions on the same data, with the ratios.
//!
//! `cargo bench --bench coverage` (or scripts/bench-coverage.sh). Environment: COVERAGE_BENCH_GRIDS,
//! COVERAGE_BENCH_HOUSEHOLDS (sizes), COVERAGE_BENCH_POSTGIS=0 to skip PostGIS, TEST_DATABASE_URL (default
//! postgres://postgres@127.0.0.1:5432/postgres). Prints figures; asserts nothing.

mod support;

use std::time::Instant;

use geo::{Coord, Geometry, MultiPolygon};
use gridmap::atlas::Atlas;
use gridmap::atlas::cells::CellIndex;
use gridmap::atlas::coverage::households::locate_points;
use gridmap::atlas::coverage::{Kind, Settings};
use gridmap::model::{Dataset, Layer};
use gridmap::synth::lattice::{self, Spec};
use support::{BenchDb, ms};

/// Best and median of `runs` timings of `f` in milliseconds, and its last result.
fn time<T>(runs: usize, f: impl FnMut() -> T) -> (f64, f64, T) {
    let (s, last) = support::time(runs, f);
    (ms(s.best), ms(s.median), last)
}

fn check_figures(name: &str, atlas: &Atlas, runs: usize) -> f64 {
    let settings = Settings::default();
    let _ = atlas.coverage(&settings); // warm-up
    let (best, median, report) = time(runs, || atlas.coverage(&settings));
    let counts: Vec<String> = report.counts().iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!("{name}: whole check best {best:.1} ms, median {median:.1} ms over {runs} runs");
    println!("  defects: {}", counts.join(", "));
    let gap: f64 = report.summary.iter().filter(|r| r.layer == Layer::Communities).filter_map(|r| r.gap_m2).sum();
    let ov: f64 = report.summary.iter().filter(|r| r.layer == Layer::Communities).filter_map(|r| r.overlap_m2).sum();
    println!("  communities: gap {gap:.1} m², overlap {ov:.1} m²");
    let phases: Vec<String> = report.phases_ms.iter().map(|(n, t)| format!("{n} {t:.1}")).collect();
    println!("  phases (ms, last run): {}", phases.join("; "));
    best
}

fn assignment_figures(atlas: &Atlas, runs: usize) -> (f64, usize) {
    let grids = atlas.layer(Layer::Grids).expect("grids");
    let polys: Vec<&MultiPolygon<f64>> = grids
        .geoms_m
        .iter()
        .map(|g| match g {
            Geometry::MultiPolygon(mp) => mp,
            _ => unreachable!(),
        })
        .collect();
    let pts: Vec<Coord<f64>> = atlas
        .layer(Layer::Households)
        .expect("households")
        .geoms_m
        .iter()
        .filter_map(|g| if let Geometry::Point(p) = g { Some(p.0) } else { None })
        .collect();
    let (build_best, _, idx) = time(runs, || CellIndex::build(&polys, None));
    let (all, inside, test) = idx.stats();
    let (best, median, located) = time(runs, || locate_points(&pts, &polys, &idx));
    let found = located.iter().filter(|&&g| g != u32::MAX).count();
    let rate = pts.len() as f64 / (best / 1e3) / 1e6;
    let rate_with_build = pts.len() as f64 / ((best + build_best) / 1e3) / 1e6;
    println!(
        "  households assigned: {} points in {best:.1} ms (median {median:.1}) = {rate:.1} M/s; cell index build {build_best:.1} ms \
         ({all} cells of {:.1} m, {inside} inside one grid, {test} to test); with the build {rate_with_build:.1} M/s; {found} in a grid",
        pts.len(),
        idx.cell_m()
    );
    // The plain way, for comparison: R-tree of envelopes and a point-in-polygon test per candidate.
    let (naive, _, _) = time(1, || {
        use rayon::prelude::*;
        pts.par_iter()
            .map(|c| {
                grids
                    .tree
                    .locate_all_at_point(&[c.x, c.y])
                    .find(|e| gridmap::atlas::cells::contains_xy(polys[e.data], *c))
                    .map(|e| e.data)
            })
            .filter(Option::is_some)
            .count()
    });
    println!("  (R-tree of envelopes + point in polygon: {naive:.1} ms = {:.1} M/s)", pts.len() as f64 / (naive / 1e3) / 1e6);
    (best, pts.len())
}

/// PostGIS on the same questions: returns (gaps ms, overlaps ms, point-in-polygon ms).
async fn postgis_figures(ds: &Dataset) -> Result<(f64, f64, f64), String> {
    use gridmap::store::LayerStore;
    use gridmap::store::postgis::PostgisStore;
    let db = BenchDb::create("coverage").await.map_err(|e| e.to_string())?;
    let result = async {
        let store = PostgisStore::connect(&db.url).await.map_err(|e| e.to_string())?;
        let t = Instant::now();
        store.replace_layers(ds).await.map_err(|e| e.to_string())?;
        println!("  PostGIS: loaded in {:.1} s", t.elapsed().as_secs_f64());
        let pool = store.pool();
        sqlx::query("ANALYZE").execute(pool).await.map_err(|e| e.to_string())?;
        // The same questions in the same metric CRS: community minus the union of its grids; areas claimed by
        // two sibling grids; the grid each household lies in.
        let gaps_sql = "SELECT count(*), coalesce(sum(gap), 0) FROM (
              SELECT c.code, ST_Area(ST_Difference(ST_Transform(c.geom, 4546), coalesce(ST_Union(ST_Transform(g.geom, 4546)), 'POLYGON EMPTY'::geometry))) AS gap
              FROM communities c LEFT JOIN grids g ON g.community_code = c.code GROUP BY c.code, c.geom) t";
        let overlaps_sql = "SELECT count(*), coalesce(sum(a), 0) FROM (
              SELECT ST_Area(ST_Intersection(ST_Transform(a.geom, 4546), ST_Transform(b.geom, 4546))) AS a
              FROM grids a JOIN grids b ON a.community_code = b.community_code AND a.code < b.code AND a.geom && b.geom
              WHERE ST_Intersects(a.geom, b.geom)) t WHERE a > 0";
        let pip_sql = "SELECT count(*) FROM households h JOIN grids g ON ST_Contains(g.geom, h.geom)";
        let run = |sql: &'static str| async move {
            let t = Instant::now();
            let row: (i64, f64) = match sql.contains("sum(") {
                true => sqlx::query_as(sql).fetch_one(pool).await.map_err(|e| e.to_string())?,
                false => {
                    let n: i64 = sqlx::query_scalar(sql).fetch_one(pool).await.map_err(|e| e.to_string())?;
                    (n, 0.0)
                }
            };
            Ok::<_, String>((ms(t.elapsed()), row))
        };
        let (g_ms, g) = run(gaps_sql).await?;
        println!("  PostGIS gaps: {g_ms:.0} ms ({} communities, {:.1} m²)", g.0, g.1);
        let (o_ms, o) = run(overlaps_sql).await?;
        println!("  PostGIS overlaps: {o_ms:.0} ms ({} overlapping pairs, {:.1} m²)", o.0, o.1);
        let (p_ms, p) = run(pip_sql).await?;
        println!("  PostGIS point in polygon: {p_ms:.0} ms ({} households in a grid) = {:.2} M/s", p.0, p.0 as f64 / (p_ms / 1e3) / 1e6);
        Ok((g_ms, o_ms, p_ms))
    }
    .await;
    db.remove().await;
    result
}

/// The gap and overlap steps alone, as PostGIS is timed on them (gaps and overlaps of communities' grids).
fn gap_overlap_figures(atlas: &Atlas) -> (f64, f64) {
    use gridmap::atlas::coverage::{gaps, overlaps};
    use rayon::prelude::*;
    let (c, g) = (atlas.layer(Layer::Communities).unwrap(), atlas.layer(Layer::Grids).unwrap());
    let mut kids: Vec<Vec<usize>> = vec![Vec::new(); c.len()];
    for (i, f) in g.features.iter().enumerate() {
        if let Some(p) = f.str_prop("community_code").and_then(|code| c.index_of(code)) {
            kids[p].push(i);
        }
    }
    let mp = |geom: &Geometry<f64>| match geom {
        Geometry::MultiPolygon(m) => m.clone(),
        _ => MultiPolygon(vec![]),
    };
    let t = Instant::now();
    let covers: Vec<gaps::Cover> = (0..c.len())
        .into_par_iter()
        .map(|p| {
            let k: Vec<MultiPolygon<f64>> = kids[p].iter().map(|&i| mp(&g.features[i].geometry)).collect();
            let refs: Vec<&MultiPolygon<f64>> = k.iter().collect();
            gaps::cover(&mp(&c.features[p].geometry), &refs)
        })
        .collect();
    let gap_ms = ms(t.elapsed());
    let t = Instant::now();
    let n: usize = (0..c.len())
        .into_par_iter()
        .map(|p| {
            let k: Vec<&MultiPolygon<f64>> = kids[p].iter().map(|&i| match &g.geoms_m[i] {
                Geometry::MultiPolygon(m) => m,
                _ => unreachable!(),
            }).collect();
            overlaps::sibling_overlaps(&k).len()
        })
        .sum();
    let all_pairs_ms = ms(t.elapsed());
    println!(
        "  gaps of every community: {gap_ms:.1} ms ({} with a gap); overlaps by pairwise overlay of every sibling pair (no excess filter): {all_pairs_ms:.1} ms ({n} pairs)",
        covers.iter().filter(|c| !c.gaps.is_empty()).count()
    );
    (gap_ms, all_pairs_ms)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("coverage: bench");
        return;
    }
    println!("coverage benchmark, {} threads (rayon)", rayon::current_num_threads());
    // The default dataset, when the repository has it.
    if support::geodata().join("grids.geojson").exists() {
        let ds = support::default_dataset();
        let atlas = Atlas::build(&ds, 0).expect("atlas");
        println!("default dataset: {:?}", atlas.counts());
        let best = check_figures("default dataset", &atlas, 10);
        println!("  target < 100 ms: {}", support::verdict(best < 100.0));
    } else {
        println!("default dataset: geodata/ has no grids.geojson yet; skipped");
    }

    let grids = support::env_usize("COVERAGE_BENCH_GRIDS", 10_000);
    let households = support::env_usize("COVERAGE_BENCH_HOUSEHOLDS", 1_000_000);
    let t = Instant::now();
    let syn = lattice::build(&Spec::with_grids(grids, households));
    println!("\nsynthetic county (seeded, {grids} grids, {households} households): built in {:.1} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let atlas = Atlas::build(&syn.dataset, 0).expect("atlas");
    println!("  atlas built in {:.1} s: {:?}", t.elapsed().as_secs_f64(), atlas.counts());
    let best = check_figures("synthetic county", &atlas, 5);
    println!("  target < 1000 ms: {}", support::verdict(best < 1000.0));
    let (assign_ms, n) = assignment_figures(&atlas, 5);
    let rate = n as f64 / (assign_ms / 1e3) / 1e6;
    println!("  target ≥ 5 M households/s: {}", support::verdict(rate >= 5.0));
    let (gap_ms, pairs_ms) = gap_overlap_figures(&atlas);
    let report = atlas.coverage(&Settings::default());
    let planted_overlaps = report.defects.iter().filter(|d| d.kind == Kind::Overlap).count();
    println!("  ({planted_overlaps} overlaps reported by the check, which overlays pairs only in parents whose excess is not zero)");

    if !support::switched_off("COVERAGE_BENCH_POSTGIS") {
        let rt = tokio::runtime::Runtime::new().unwrap();
        match rt.block_on(postgis_figures(&syn.dataset)) {
            Ok((g, o, p)) => {
                println!(
                    "  ratios, PostGIS / gridmap: gaps {:.0}×, overlaps {:.0}× (against gridmap overlaying every sibling pair too), point in polygon {:.0}×; PostGIS's three queries / gridmap's whole check {:.0}×",
                    g / gap_ms,
                    o / pairs_ms,
                    p / assign_ms,
                    (g + o + p) / best
                );
            }
            Err(e) => println!("  PostGIS skipped: {e}"),
        }
    }
}
