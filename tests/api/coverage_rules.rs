//! Coverage rules over an atlas: the mini dataset's known defects, clockwise and invalid input, partial
//! datasets, and synthetic coverages with and without planted defects.

use crate::common;

use geo::{Geometry, LineString, MultiPolygon, Polygon};
use gridmap::atlas::Atlas;
use gridmap::synth::lattice::{self as synthetic, Spec};
use gridmap::atlas::coverage::{Kind, Report, Settings};
use gridmap::model::{Dataset, Layer};

fn check(ds: &Dataset) -> Report {
    Atlas::build(ds, 0).unwrap().coverage(&Settings::default())
}

fn kinds(r: &Report) -> Vec<(Kind, Vec<String>)> {
    let mut v: Vec<(Kind, Vec<String>)> = r.defects.iter().map(|d| (d.kind, d.codes.clone())).collect();
    v.sort();
    v
}

#[test]
fn the_mini_dataset_has_exactly_its_known_defects() {
    let r = check(&common::mini_dataset());
    let got = kinds(&r);
    let want = vec![
        (Kind::HouseholdUncovered, vec!["H0004".to_string()]),
        (Kind::HouseholdMismatch, vec!["H0002".into(), "610522001001002".into(), "610522001001001".into()]),
        (Kind::GridUnstaffed, vec!["610522102206001".into()]),
        (Kind::GridUnderloaded, vec!["610522001001001".into()]),
        (Kind::GridUnderloaded, vec!["610522001001002".into()]),
        (Kind::GridUnderloaded, vec!["610522102206001".into()]),
    ];
    let mut want = want;
    want.sort();
    assert_eq!(got, want, "{:#?}", r.defects.iter().map(|d| &d.message).collect::<Vec<_>>());
    // Summary: county, then each town followed by its community; everything covered exactly once.
    let codes: Vec<&str> = r.summary.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(codes, ["610522", "610522001", "610522001001", "610522102", "610522102206"]);
    for row in &r.summary {
        assert_eq!(row.gap_m2, Some(0.0), "{row:?}");
        assert_eq!(row.overlap_m2, Some(0.0), "{row:?}");
        assert_eq!(row.coverage_pct, Some(100.0));
    }
    let county = &r.summary[0];
    assert_eq!((county.households, county.households_uncovered), (Some(4), Some(0)), "H0004 lies outside the county");
    assert_eq!(r.summary[2].households, Some(2));
    assert_eq!(r.summary[4].households, Some(2));
    assert_eq!(county.grids, Some(3));
    assert_eq!(county.defects, 5, "every defect but the one outside the county is inside it");
}

fn grid_mut<'a>(ds: &'a mut Dataset, code: &str) -> &'a mut gridmap::model::Feature {
    ds.layers.get_mut(&Layer::Grids).unwrap().iter_mut().find(|f| f.code == code).unwrap()
}

#[test]
fn clockwise_rings_are_reported_and_cover_all_the_same() {
    let mut ds = common::mini_dataset();
    for layer in [Layer::County, Layer::Towns, Layer::Communities, Layer::Grids] {
        for f in ds.layers.get_mut(&layer).unwrap() {
            if let Geometry::MultiPolygon(mp) = &mut f.geometry {
                for p in &mut mp.0 {
                    let rev: Vec<_> = p.exterior().0.iter().rev().copied().collect();
                    *p = Polygon::new(LineString(rev), vec![]);
                }
            }
        }
    }
    let r = check(&ds);
    let invalid = r.defects.iter().filter(|d| d.kind == Kind::InvalidGeometry).count();
    assert_eq!(invalid, 1 + 2 + 2 + 3, "each clockwise ring is reported");
    assert!(r.defects.iter().filter(|d| d.kind == Kind::InvalidGeometry).all(|d| d.reason.as_deref().unwrap().contains("counter-clockwise")));
    for row in &r.summary {
        assert_eq!(row.gap_m2, Some(0.0), "clockwise input leaves no gap: {row:?}");
        assert_eq!(row.overlap_m2, Some(0.0));
    }
}

#[test]
fn a_self_intersecting_grid_is_reported_repaired_and_checked() {
    let mut ds = common::mini_dataset();
    // Grid 2 becomes a bow-tie over its square: its repaired form keeps two triangles, leaving two gaps.
    let (x0, y0, d) = (110.205, 34.50, 0.005);
    let bow = Polygon::new(
        LineString::from(vec![(x0, y0), (x0 + d, y0 + 2.0 * d), (x0 + d, y0), (x0, y0 + 2.0 * d), (x0, y0)]),
        vec![],
    );
    grid_mut(&mut ds, "610522001001002").geometry = Geometry::MultiPolygon(MultiPolygon(vec![bow]));
    let r = check(&ds);
    let bad: Vec<_> = r.defects.iter().filter(|d| d.kind == Kind::InvalidGeometry).collect();
    assert_eq!(bad.len(), 1);
    assert!(bad[0].reason.as_deref().unwrap().contains("self-intersection"), "{:?}", bad[0].reason);
    assert!(bad[0].message.contains("610522001001002"));
    // The repaired bow-tie is two triangles touching at a point: two pieces, and two blind spots beside them.
    assert!(r.defects.iter().any(|d| d.kind == Kind::GridNoncontiguous && d.codes == ["610522001001002"]));
    let gaps: Vec<_> = r.defects.iter().filter(|d| d.kind == Kind::BlindSpot && d.parent.as_deref() == Some("610522001001")).collect();
    assert_eq!(gaps.len(), 2, "{:?}", gaps.iter().map(|g| &g.message).collect::<Vec<_>>());
    let community = r.summary.iter().find(|s| s.code == "610522001001").unwrap();
    let half = community.area_m2 / 4.0; // the two gaps are half of grid 2, a quarter of the community
    assert!((community.gap_m2.unwrap() - half).abs() < 1e-6 * half, "{community:?}");
}

#[test]
fn a_dataset_of_county_and_towns_gets_the_rules_that_apply() {
    let mini = common::mini_dataset();
    let mut ds = Dataset::default();
    ds.layers.insert(Layer::County, mini.get(Layer::County).to_vec());
    let mut towns = mini.get(Layer::Towns).to_vec();
    towns.pop(); // half the county is now a blind spot
    ds.layers.insert(Layer::Towns, towns);
    let r = check(&ds);
    assert_eq!(r.summary.len(), 2);
    assert_eq!(r.summary[0].households, None);
    assert_eq!(r.summary[1].gap_m2, None, "a town without communities has nothing to be covered with");
    // Half of the county in lon/lat; in metres the two halves differ by the projection's scale (1e-5).
    assert!((r.summary[0].coverage_pct.unwrap() - 50.0).abs() < 0.01, "{:?}", r.summary[0]);
    assert_eq!(kinds(&r).iter().map(|k| k.0).collect::<Vec<_>>(), vec![Kind::BlindSpot]);
    assert_eq!(r.defects[0].codes, vec!["610522001"], "the gap's neighbours");
}

#[test]
fn exactly_shared_edges_leave_no_gap_and_no_overlap_at_all() {
    let spec = Spec { defects: false, ..Spec::with_grids(1_200, 20_000) };
    let s = synthetic::build(&spec);
    let r = check(&s.dataset);
    let areal: Vec<_> = r.defects.iter().filter(|d| matches!(d.kind, Kind::BlindSpot | Kind::Sliver | Kind::Overlap | Kind::OutsideParent)).collect();
    assert!(areal.is_empty(), "{:?}", areal.iter().map(|d| &d.message).take(5).collect::<Vec<_>>());
    for row in &r.summary {
        assert_eq!(row.gap_m2, Some(0.0), "not even a speck: {row:?}");
        assert_eq!(row.overlap_m2, Some(0.0), "{row:?}");
    }
    assert_eq!(r.summary[0].households_uncovered, Some(0));
    assert_eq!(r.summary[0].households, Some(20_000));
    assert!(!r.defects.iter().any(|d| d.kind == Kind::HouseholdMismatch));
}

#[test]
fn planted_defects_are_found_where_and_as_large_as_they_were_planted() {
    let s = synthetic::build(&Spec::with_grids(1_200, 30_000));
    let r = check(&s.dataset);
    for p in &s.planted {
        match p.kind {
            "sliver" | "blind_spot" | "overlap" => {
                // A gap is found in its community with the planted area (0.1%); an overlap between the two
                // grids planted.
                let kind: Kind = p.kind.parse().unwrap();
                let close = |a: f64| (a - p.area_m2).abs() <= 1e-3 * p.area_m2;
                let found = r.defects.iter().any(|d| {
                    d.kind == kind
                        && d.parent.as_deref() == Some(p.parent.as_str())
                        && close(d.area_m2.unwrap())
                        && (kind != Kind::Overlap || d.codes == p.codes)
                });
                assert!(found, "{p:?} not found");
            }
            "grid_unstaffed" => assert!(r.defects.iter().any(|d| d.kind == Kind::GridUnstaffed && d.codes == p.codes)),
            "household_mismatch" => {
                assert!(r.defects.iter().any(|d| d.kind == Kind::HouseholdMismatch && d.codes[0] == p.codes[0]), "{p:?}")
            }
            other => panic!("unplanned kind {other}"),
        }
    }
    // Nothing else areal: every gap and overlap was planted.
    let planted_areal = s.planted.iter().filter(|p| matches!(p.kind, "sliver" | "blind_spot" | "overlap")).count();
    let found_areal = r.defects.iter().filter(|d| matches!(d.kind, Kind::BlindSpot | Kind::Sliver | Kind::Overlap)).count();
    assert_eq!(found_areal, planted_areal);
    let slivers = r.defects.iter().filter(|d| d.kind == Kind::Sliver);
    assert!(slivers.clone().all(|d| d.width_m.unwrap() <= 0.8 + 0.02), "a 0.8 m shift makes a gap at most 0.8 m wide");
    assert!(slivers.count() > 5);
    // Households in the missing grids are uncovered; planted roster errors are the only mismatches.
    let mismatches = r.defects.iter().filter(|d| d.kind == Kind::HouseholdMismatch).count();
    assert_eq!(mismatches, s.planted.iter().filter(|p| p.kind == "household_mismatch").count());
    assert!(r.summary[0].households_uncovered.unwrap() > 0);
}
