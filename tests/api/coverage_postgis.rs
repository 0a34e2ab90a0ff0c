//! Exactness, with PostGIS as the oracle: the same data loaded into a fresh PostGIS database, gaps
//! (ST_Difference of the parent and ST_Union of its children) and sibling overlaps (ST_Intersection) computed in
//! SQL and measured in EPSG:4546, compared with the check's summary within 0.1%.
//!
//! Needs PostgreSQL with PostGIS at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).

use crate::common;

use std::collections::HashMap;

use gridmap::atlas::Atlas;
use gridmap::synth::lattice::{self as synthetic, Spec};
use gridmap::atlas::coverage::{Report, Settings};
use gridmap::model::Dataset;
use gridmap::store::LayerStore;
use gridmap::store::postgis::PostgisStore;

const FAMILIES: [(&str, &str, &str); 3] =
    [("county", "towns", "county_code"), ("towns", "communities", "town_code"), ("communities", "grids", "community_code")];

/// Per parent code: (gap m², overlap m²) as PostGIS computes them. Topology in the stored CRS, as the check
/// decides it; with `metric_first`, everything transformed to EPSG:4546 before the overlay instead.
async fn postgis_answers(store: &PostgisStore, metric_first: bool) -> HashMap<String, (f64, f64)> {
    let g = |col: &str| if metric_first { format!("ST_Transform({col}, 4546)") } else { col.to_string() };
    let m = |expr: String| if metric_first { expr } else { format!("ST_Transform({expr}, 4546)") };
    let mut out = HashMap::new();
    for (parent, child, key) in FAMILIES {
        let gaps = format!(
            "SELECT p.code, ST_Area({}) FROM {parent} p LEFT JOIN {child} c ON c.{key} = p.code GROUP BY p.code, p.geom",
            m(format!("ST_Difference({}, coalesce(ST_Union({}), 'POLYGON EMPTY'::geometry))", g("p.geom"), g("c.geom")))
        );
        let rows: Vec<(String, f64)> = sqlx::query_as(&gaps).fetch_all(store.pool()).await.expect(&gaps);
        for (code, gap) in rows {
            out.insert(code, (gap, 0.0));
        }
        let overlaps = format!(
            "SELECT a.{key}, ST_Area({}) FROM {child} a JOIN {child} b ON a.{key} = b.{key} AND a.code < b.code \
             AND ST_Intersects(a.geom, b.geom) GROUP BY a.{key}",
            m(format!("ST_Union(ST_CollectionExtract(ST_Intersection({}, {}), 3))", g("a.geom"), g("b.geom")))
        );
        let rows: Vec<(String, Option<f64>)> = sqlx::query_as(&overlaps).fetch_all(store.pool()).await.expect(&overlaps);
        for (code, ov) in rows {
            out.entry(code).or_insert((0.0, 0.0)).1 = ov.unwrap_or(0.0);
        }
    }
    out
}

fn close(ours: f64, theirs: f64) -> bool {
    (ours - theirs).abs() <= 1e-3 * ours.max(theirs) + 0.01
}

/// Loads `ds` into a fresh PostGIS database, checks it from what PostGIS stored, and compares every parent's
/// gap and overlap areas. Returns the report and the number of parents with a nonzero gap or overlap.
async fn compare(ds: &Dataset, metric_first_too: bool) -> (Report, usize) {
    let store = PostgisStore::connect(&common::fresh_postgis_url().await).await.unwrap();
    store.replace_layers(ds).await.unwrap();
    let loaded = store.load().await.unwrap();
    let atlas = Atlas::build(&loaded, 1).unwrap();
    let report = atlas.coverage(&Settings { min_area_m2: 0.0, ..Settings::default() });
    let mut variants = vec![postgis_answers(&store, false).await];
    if metric_first_too {
        variants.push(postgis_answers(&store, true).await);
    }
    let mut nonzero = 0;
    for pg in &variants {
        for row in &report.summary {
            let Some(gap) = row.gap_m2 else { continue };
            let (pg_gap, pg_ov) = pg.get(&row.code).copied().unwrap_or_else(|| panic!("PostGIS has no row for {}", row.code));
            let ov = row.overlap_m2.unwrap();
            assert!(close(gap, pg_gap), "{} {}: gap {gap} m², PostGIS {pg_gap} m²", row.layer, row.code);
            assert!(close(ov, pg_ov), "{} {}: overlap {ov} m², PostGIS {pg_ov} m²", row.layer, row.code);
            if gap > 0.01 || ov > 0.01 {
                nonzero += 1;
            }
        }
    }
    (report, nonzero / variants.len())
}

#[tokio::test]
async fn a_synthetic_coverage_of_1200_grids_agrees_with_postgis() {
    let s = synthetic::build(&Spec::with_grids(1_200, 2_000));
    let planted = s.planted.iter().filter(|p| matches!(p.kind, "sliver" | "blind_spot" | "overlap")).count();
    assert!(planted >= 30, "{planted} areal defects planted");
    let (report, nonzero) = compare(&s.dataset, true).await;
    assert!(nonzero >= 10, "the comparison covers parents with gaps and overlaps: {nonzero}");
    let areal = report.defects.iter().filter(|d| d.area_m2.is_some() && d.kind != gridmap::atlas::coverage::Kind::GridNoncontiguous).count();
    assert_eq!(areal, planted, "exactly the planted gaps and overlaps, no phantom slivers");
}

#[tokio::test]
async fn the_mini_dataset_agrees_with_postgis() {
    // Its county and town edges meet the inner boundaries in T-junctions: exact in lon/lat, no gap either way.
    let (report, nonzero) = compare(&common::mini_dataset(), false).await;
    assert_eq!(nonzero, 0);
    assert!(report.summary.iter().all(|r| r.gap_m2 == Some(0.0)));
}

#[tokio::test]
async fn the_default_dataset_agrees_with_postgis() {
    let dir = common::geodata();
    if !dir.join("grids.geojson").exists() {
        eprintln!("geodata/ has no grids.geojson yet: nothing to compare");
        return;
    }
    let (ds, _) = gridmap::model::geojson_io::read_dir(&dir, None).unwrap();
    let (report, nonzero) = compare(&ds, false).await;
    eprintln!("default dataset: {nonzero} parents with a gap or an overlap, {} defects", report.defects.len());
}
