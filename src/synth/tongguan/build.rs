//! The whole generation in memory: territory, shared arcs, line defects, settlement, roster, the seven layers
//! and the census of them. Nothing is written here: `write.rs` does that.

use super::{dataset, defects, layers, noise, roster, settlement, sources, territory, topology, verify, villages};

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
