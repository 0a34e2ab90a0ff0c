//! `gridmap generate`: the seeded synthetic dataset in the data contract's form.
//!
//! The default is Tongguan: the real county boundary and official town and community names and codes, with
//! synthetic villages, grids, lanes, buildings and households laid where people live, and defects planted
//! where mergers and hand-digitising put them. Same seed, same bytes.

use std::path::PathBuf;

/// The seven layers in the contract's form: codes, names, people, properties.
pub mod dataset;
/// Planted line defects: slivers, overlaps and blind spots drawn on shared arcs.
pub mod defects;
/// Approximate seats, household counts and habitability: where people live.
pub mod gazetteer;
/// Polygon layers assembled from the shared arcs, in metres and in rounded lon/lat.
pub mod layers;
/// Seeded gradient noise and domain warping, for boundaries that wander.
pub mod noise;
/// Synthetic names and obviously fake phone numbers.
pub mod people;
/// The county as a raster of labelled pixels in metres.
pub mod raster;
/// What was generated, in words: the printed summary, README.md and planted_defects.json.
pub mod report;
/// The household roster and the roster defects planted in it.
pub mod roster;
/// Lanes, buildings and households laid out inside their grids.
pub mod settlement;
/// The real inputs: county boundary, official divisions, legacy village names.
pub mod sources;
/// A large synthetic county for benchmarks: a perturbed lattice of wiggly shared edges.
pub mod synthetic;
/// Labelling the raster with towns, communities, legacy villages and grids.
pub mod territory;
/// Tracing shared boundary arcs, snapping them to the county edge, and chaining them into polygons.
pub mod topology;
/// A census of the written dataset: validity, shared edges, tiling, every defect measured.
pub mod verify;
/// Names and codes of the 93 pre-2015 villages.
pub mod villages;

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// Seed of the random generator: the same seed gives byte-identical files
    #[arg(long, default_value_t = 610522)]
    pub seed: u64,
    /// Output directory
    #[arg(long, default_value = "geodata")]
    pub out: PathBuf,
    /// Directory holding the real inputs (county boundary, divisions, legacy names)
    #[arg(long, default_value = "geodata/sources")]
    pub sources: PathBuf,
    /// Pixel size in metres of the raster the boundaries are drawn on (smaller: finer, slower)
    #[arg(long, default_value_t = 10.0)]
    pub pixel_m: f64,
    /// Generate a large synthetic county for benchmarks instead of Tongguan
    #[arg(long)]
    pub synthetic: bool,
    /// Grids in the synthetic county
    #[arg(long, default_value_t = 10_000, requires = "synthetic")]
    pub grids: usize,
    /// Households in the synthetic county
    #[arg(long, default_value_t = 1_000_000, requires = "synthetic")]
    pub households: usize,
    /// Fraction of the planned households to lay out (tests use a small one)
    #[arg(long, default_value_t = 1.0, hide = true)]
    pub household_scale: f64,
}

pub fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    let clock = std::time::Instant::now();
    if args.synthetic {
        print!("{}", synthetic::generate(args.grids, args.households, args.seed, &args.out)?);
        return Ok(());
    }
    let src = sources::read(&args.sources)?;
    let built = build(&src, args.pixel_m, args.seed, args.household_scale)?;
    crate::model::geojson_io::write_dir(&args.out, &built.ds)?;
    let mut sizes = std::collections::BTreeMap::new();
    for l in crate::model::Layer::ALL {
        if let Ok(m) = std::fs::metadata(args.out.join(l.file_name())) {
            sizes.insert(l.file_name(), m.len());
        }
    }
    std::fs::write(args.out.join("planted_defects.json"), report::defects_json(&built))?;
    std::fs::write(args.out.join("README.md"), report::readme(&built, args.seed, args.pixel_m, &sizes))?;
    print!("{}", report::summary(&built));
    tracing::info!(secs = clock.elapsed().as_secs_f32(), out = %args.out.display(), "generated");
    Ok(())
}

/// Everything generated, with the census of it.
pub struct Built {
    pub ds: crate::model::Dataset,
    pub census: verify::Census,
    pub lines: Vec<defects::LineDefect>,
    pub grid_codes: Vec<String>,
    pub roster_sites: Vec<roster::PlantedSite>,
    pub outside_sites: Vec<roster::PlantedSite>,
    pub overloaded: usize,
    pub underloaded: usize,
    pub unstaffed: usize,
    pub village_codes: Vec<String>,
    pub split_villages: Vec<(usize, usize)>,
    pub household_codes: Vec<String>,
    pub crs: crate::model::crs::MetricCrs,
    /// Vertices of the source county ring (without the closing repeat).
    pub source_ring_vertices: usize,
}

/// The whole generation, in memory.
pub fn build(src: &sources::Sources, pixel_m: f64, seed: u64, household_scale: f64) -> anyhow::Result<Built> {
    use geo::{Centroid, Contains};
    use layers::Level;
    use rand::{Rng, SeedableRng};
    let clock = std::time::Instant::now();
    let lap = |what: &str| tracing::debug!(secs = clock.elapsed().as_secs_f32(), "{what}");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(noise::mix64(seed ^ 0xD1CE));

    let t = territory::build(src, pixel_m, seed)?;
    lap("territory");
    let topo = topology::build(&t, 4, 1.0)?;
    lap("topology");
    let names = villages::name_villages(&t, src, &mut rng);

    // Line defects first: they decide which arcs each grid draws.
    let mut avoid = Vec::new();
    let lines = defects::plan_lines(&t, &topo, &mut rng, &mut avoid);
    let arcs_m: Vec<Vec<geo::Coord<f64>>> = topo.arcs.iter().map(|a| a.pts.clone()).collect();
    let grid_polys_m = layers::level_polygons(&t, &topo, Level::Grid, &arcs_m, &lines.overrides)?;
    let village_polys_m = layers::level_polygons(&t, &topo, Level::Village, &arcs_m, &Default::default())?;
    let grid_codes = dataset::grid_codes(&t, &grid_polys_m);
    lap("line defects");

    // Grid loads: about 330-450 households each; one grid planted overloaded, one underloaded, one unstaffed.
    let centre = |g: usize| grid_polys_m[&(g as u32)].centroid().map_or(t.grids[g].seed_m, |p| p.0);
    let far = |g: usize, avoid: &[geo::Coord<f64>], spacing: f64| {
        let c = centre(g);
        avoid.iter().all(|q| ((q.x - c.x).powi(2) + (q.y - c.y).powi(2)).sqrt() > spacing)
    };
    // Far from every other planted defect if possible; closer if the county has no room left.
    let mut pick = |want: &dyn Fn(usize) -> bool, avoid: &mut Vec<geo::Coord<f64>>| -> anyhow::Result<usize> {
        for spacing in [defects::SPACING_M, defects::SPACING_M / 2.0, 0.0] {
            let mut cands: Vec<usize> = (0..t.grids.len()).filter(|&g| want(g) && far(g, avoid, spacing)).collect();
            if !cands.is_empty() {
                let g = cands.swap_remove(rng.gen_range(0..cands.len()));
                avoid.push(centre(g));
                return Ok(g);
            }
        }
        anyhow::bail!("no grid to plant a grid defect in")
    };
    let overloaded = pick(&|g| t.comms[t.grids[g].comm].county_seat, &mut avoid)?;
    let underloaded = pick(&|g| !t.comms[t.grids[g].comm].urban, &mut avoid)?;
    let unstaffed = pick(&|_| true, &mut avoid)?;
    let targets: Vec<u32> = (0..t.grids.len())
        .map(|g| {
            let mut r = settlement::rng_for(seed, 0x7A6, g as u64);
            let normal = r.gen_range(330..=450);
            let t = if g == overloaded {
                560
            } else if g == underloaded {
                170
            } else {
                normal
            };
            ((f64::from(t) * household_scale).round() as u32).max(1)
        })
        .collect();

    // Where a point is: legacy village by polygon (the raster only as a fallback at the very edge).
    let vill_tree: rstar::RTree<rstar::primitives::GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, u32>> =
        rstar::RTree::bulk_load(
            village_polys_m
                .iter()
                .filter_map(|(&v, mp)| {
                    use geo::BoundingRect;
                    let r = mp.bounding_rect()?;
                    Some(rstar::primitives::GeomWithData::new(
                        rstar::primitives::Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        v,
                    ))
                })
                .collect(),
        );
    let village_at = |p: geo::Coord<f64>| -> usize {
        vill_tree
            .locate_all_at_point(&[p.x, p.y])
            .find(|o| village_polys_m[&o.data].contains(&geo::Point(p)))
            .map(|o| o.data as usize)
            .or_else(|| t.raster.pixel_at(p).map(|k| t.levels[territory::VILL][k] as usize))
            .filter(|&v| v < t.villages.len())
            .unwrap_or(0)
    };
    let mut s = settlement::lay_out(&t, &grid_polys_m, &targets, &lines.defects, &village_at, seed)?;
    lap("settlement");
    let outside_sites = roster::plant_outside(&t, &mut s, &lines.defects, &mut avoid, &mut rng);
    let units_by_grid: Vec<Vec<usize>> =
        (0..t.grids.len()).map(|g| (0..s.units.len()).filter(|&u| s.units[u].grid == g).collect()).collect();
    let nearest_unit = |g: usize, p: geo::Coord<f64>| -> Option<usize> {
        units_by_grid[g].iter().copied().min_by(|&a, &b| {
            let (ca, cb) = (s.units[a].centre_m, s.units[b].centre_m);
            ((ca.x - p.x).powi(2) + (ca.y - p.y).powi(2)).total_cmp(&((cb.x - p.x).powi(2) + (cb.y - p.y).powi(2)))
        })
    };
    let roster = roster::register(&t, &s, &village_at, &nearest_unit, &mut avoid, &mut rng);
    lap("roster");

    // Files: every polygon layer from the rounded lon/lat arcs.
    let ll = layers::lonlat_arcs(&t, &topo, &lines.overrides)?;
    let mut polys_ll = std::collections::BTreeMap::new();
    for lvl in [Level::County, Level::Town, Level::Community, Level::Grid, Level::Village] {
        polys_ll.insert(lvl, layers::level_polygons(&t, &topo, lvl, &ll.arcs, &ll.overrides)?);
    }
    let asm = dataset::assemble(&dataset::Inputs {
        t: &t,
        src,
        villages: &names,
        polys_ll: &polys_ll,
        grid_codes: &grid_codes,
        settlement: &s,
        roster: &roster,
        unstaffed: Some(unstaffed),
        seed,
    })?;
    lap("dataset");
    let census = verify::census(&asm.ds, t.crs, &lines.defects)?;
    lap("census");
    let split_villages = t.villages.iter().enumerate().filter_map(|(v, x)| x.split_into.map(|c| (v, c))).collect();
    Ok(Built {
        ds: asm.ds,
        census,
        lines: lines.defects,
        grid_codes,
        roster_sites: roster.sites,
        outside_sites,
        overloaded,
        underloaded,
        unstaffed,
        village_codes: names.iter().map(|n| n.code.clone()).collect(),
        split_villages,
        household_codes: asm.household_codes,
        crs: t.crs,
        source_ring_vertices: src.county_ring_lonlat.0.len() - 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(out: &std::path::Path, seed: u64) -> GenerateArgs {
        GenerateArgs {
            seed,
            out: out.to_path_buf(),
            sources: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata/sources"),
            pixel_m: 40.0,
            household_scale: 0.05,
            synthetic: false,
            grids: 0,
            households: 0,
        }
    }

    #[test]
    fn the_same_seed_writes_the_same_bytes() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        run(&small(a.path(), 7)).unwrap();
        run(&small(b.path(), 7)).unwrap();
        let mut names: Vec<_> = std::fs::read_dir(a.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        assert_eq!(names.len(), 9, "seven layers, README.md and planted_defects.json: {names:?}");
        for n in names {
            let (x, y) = (std::fs::read(a.path().join(&n)).unwrap(), std::fs::read(b.path().join(&n)).unwrap());
            assert!(x == y, "{n:?} differs between two runs with the same seed");
        }
    }

    #[test]
    fn a_small_county_is_valid_and_shares_its_edges() {
        let src = sources::read(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata/sources")).unwrap();
        let b = build(&src, 40.0, 11, 0.05).unwrap();
        let c = &b.census;
        assert!(c.invalid.is_empty(), "{:?}", c.invalid);
        assert!(c.dataset_problems.is_empty(), "{:?}", c.dataset_problems);
        for e in &c.edges {
            assert_eq!(e.unmatched, e.unmatched_at_defects, "{} edges not shared away from defects", e.layer);
            assert_eq!(e.parent_uncovered, e.parent_uncovered_at_defects, "{} parent edges uncovered", e.layer);
            if e.layer != "grids" {
                assert_eq!(e.unmatched, 0, "{}", e.layer);
            }
        }
        for a in c.areas.iter().filter(|a| a.layer != "grids") {
            assert!(((a.union_m2 - a.parent_m2) / a.parent_m2).abs() < 1e-6, "{a:?}");
            assert!(a.overlap_m2 < 1.0, "{a:?}");
        }
        assert_eq!(b.ds.get(crate::model::Layer::Towns).len(), 5);
        assert_eq!(b.ds.get(crate::model::Layer::Communities).len(), 28);
        assert_eq!(b.ds.get(crate::model::Layer::Villages).len(), 93);
        // What the census finds is what was planted (a coarse raster may leave room for fewer).
        let planted = |k: defects::LineKind| b.lines.iter().filter(|d| d.kind == k).count();
        assert_eq!(c.overlaps.len(), planted(defects::LineKind::Overlap));
        assert_eq!(c.units_in_two_grids.len(), planted(defects::LineKind::Overlap));
        assert_eq!(c.gaps.iter().filter(|g| g.width_m < 2.0).count(), planted(defects::LineKind::Sliver));
        assert_eq!(c.gaps.iter().filter(|g| g.width_m >= 2.0).count(), 2 * planted(defects::LineKind::BlindSpot));
        assert!(planted(defects::LineKind::Sliver) > 0);
        assert_eq!(c.unstaffed.len(), 1);
        assert!(!c.households_uncovered.is_empty() && !c.households_mismatch.is_empty());
        assert!(c.units_orphan.is_empty() && c.units_mismatch.is_empty() && c.households_split.is_empty());
    }
}
