//! Live statistics of a draft, recomputed after every edit: per grid its households, people, target-band
//! status and number of pieces; the community's blind spots, slivers, overlaps and spill; and the households
//! that would change grid against the published plan.
//!
//! Topology is decided in lon/lat, as the coverage engine decides it (`coverage::gaps::cover` is the same
//! overlay), and measured in metres. Households are placed by the one placement rule (`atlas::placement`):
//! their representative point's owner among the published grids and communities of the atlas, and among the
//! draft's grids by the same rule; a household without `members` counts as one person.

use std::collections::BTreeMap;
use std::time::Instant;

use geo::{Area, BooleanOps, BoundingRect, Coord, Geometry, Intersects, MultiPolygon, Polygon};
use serde::Serialize;
use serde_json::Value;

use super::{Draft, PlanError};
use crate::atlas::Atlas;
use crate::atlas::placement::Outlines;
use crate::atlas::coverage::{Kind, Settings, gaps, inscribed, overlaps};
use crate::model::Layer;
use crate::model::geojson_io::geometry_json;

/// One grid's figures.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct GridStats {
    /// The draft id: the published code, or `new-N`.
    pub id: String,
    pub name: Option<String>,
    pub manager: Option<String>,
    pub households: u64,
    pub people: u64,
    /// `under`, `within` or `over` the target band.
    pub band: &'static str,
    /// Pieces of positive area: 1 for a contiguous grid.
    pub parts: usize,
    pub area_m2: f64,
}

/// A defect of the draft. `id` is stable for the same draft, so a publisher can acknowledge it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DraftDefect {
    pub id: String,
    pub kind: Kind,
    /// Grid ids (or household codes, for uncovered households) involved.
    pub codes: Vec<String>,
    pub area_m2: Option<f64>,
    pub width_m: Option<f64>,
    pub message: String,
    /// GeoJSON geometry, lon/lat (null for defects without a place).
    pub geometry: Value,
}

/// A household whose grid differs between the published plan and the draft.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct HouseholdMove {
    pub household: String,
    /// The published grid it lies in.
    pub from: Option<String>,
    /// The draft grid it lies in.
    pub to: Option<String>,
}

/// The statistics of a draft.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Stats {
    pub grids: Vec<GridStats>,
    pub defects: Vec<DraftDefect>,
    /// Households lying in the community or one of its draft grids.
    pub households: u64,
    pub households_uncovered: u64,
    pub moves: Vec<HouseholdMove>,
    /// Draft grid each household lies in (household code → grid id), for publishing.
    #[serde(skip)]
    pub placement: BTreeMap<String, String>,
    pub elapsed_ms: f64,
}

struct Place<'a> {
    index: usize,
    code: &'a str,
    people: u64,
    xy_m: Coord<f64>,
    lonlat: Coord<f64>,
}

impl Draft {
    /// The draft's statistics against `atlas` (the published plan).
    pub fn stats(&self, atlas: &Atlas, settings: &Settings) -> Result<Stats, PlanError> {
        let t0 = Instant::now();
        let ctx = super::Context::new(atlas, &self.community)?;
        let crs = atlas.crs;
        let area_m2 = |p: &Polygon<f64>| crs.project_geometry(&Geometry::Polygon(p.clone())).map_or(0.0, |g| g.unsigned_area());
        let ids: Vec<&String> = self.grids.keys().collect();
        let kids: Vec<&MultiPolygon<f64>> = self.grids.values().map(|g| &g.geometry).collect();
        let boxes: Vec<Option<geo::Rect<f64>>> = kids.iter().map(|k| k.bounding_rect()).collect();
        // The draft's grids are not an atlas layer: they get outlines of their own, in the atlas's metres, and
        // are asked by the same rule as the published grids (one owner on a shared edge, the lower index where
        // grids overlap).
        let draft_cells = Outlines::of_lonlat(crs, &kids).map_err(|e| PlanError::Invalid(e.to_string()))?;
        let owners = atlas.household_owners();
        let community_index = atlas.layer(Layer::Communities).and_then(|c| c.index_of(&self.community));
        let grid_layer = atlas.layer(Layer::Grids);
        let published = |g: usize| grid_layer.map(|l| &l.features[g]).filter(|f| f.str_prop("community_code") == Some(self.community.as_str()));

        // Households near the community: through the R-tree, in metres, over the community and the draft.
        let mut env = ctx.boundary.bounding_rect();
        for b in boxes.iter().flatten() {
            env = Some(env.map_or(*b, |e| merge_rect(e, *b)));
        }
        let mut places: Vec<Place<'_>> = Vec::new();
        let points = atlas.points(Layer::Households);
        let people = household_people(atlas);
        if let (Some(env), Some(hh)) = (env, atlas.layer(Layer::Households)) {
            let lo = crs.project(env.min().x, env.min().y).map_err(|e| PlanError::Invalid(e.to_string()))?;
            let hi = crs.project(env.max().x, env.max().y).map_err(|e| PlanError::Invalid(e.to_string()))?;
            let (m, pad) = (rstar::AABB::from_corners([lo.x.min(hi.x), lo.y.min(hi.y)], [lo.x.max(hi.x), lo.y.max(hi.y)]), 50.0);
            let m = rstar::AABB::from_corners([m.lower()[0] - pad, m.lower()[1] - pad], [m.upper()[0] + pad, m.upper()[1] + pad]);
            for e in hh.tree.locate_in_envelope_intersecting(&m) {
                if let Some((xy_m, lonlat)) = points.get(e.data) {
                    places.push(Place { index: e.data, code: &hh.features[e.data].code, people: people.0[e.data], xy_m, lonlat });
                }
            }
        }

        let mut per_grid = vec![(0u64, 0u64); ids.len()];
        let (mut households, mut uncovered_codes) = (0u64, Vec::new());
        let mut moves = Vec::new();
        let mut placement = BTreeMap::new();
        for p in &places {
            let now = draft_cells.owner(p.xy_m, p.lonlat);
            let before = owners.of(p.index, Layer::Grids).and_then(published);
            let inside = now.is_some() || (community_index.is_some() && owners.of(p.index, Layer::Communities) == community_index);
            if !inside && before.is_none() {
                continue;
            }
            households += 1;
            match now {
                Some(g) => {
                    per_grid[g].0 += 1;
                    per_grid[g].1 += p.people;
                    placement.insert(p.code.to_string(), ids[g].clone());
                }
                None if inside => uncovered_codes.push(p.code.to_string()),
                None => {}
            }
            let (from, to) = (before.map(|f| f.code.clone()), now.map(|g| ids[g].clone()));
            if from != to {
                moves.push(HouseholdMove { household: p.code.to_string(), from, to });
            }
        }
        moves.sort_by(|a, b| a.household.cmp(&b.household));

        let (lo, hi) = settings.target_households;
        let mut defects = Vec::new();
        let mut grids = Vec::new();
        // Messages name a grid as people know it; the code only when it has no name.
        let names: BTreeMap<&str, String> = self
            .grids
            .iter()
            .map(|(id, g)| (id.as_str(), g.properties.get("name").and_then(Value::as_str).filter(|s| !s.trim().is_empty()).unwrap_or(id).to_string()))
            .collect();
        let named = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
        for (k, (id, g)) in self.grids.iter().enumerate() {
            let prop = |key: &str| g.properties.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty()).map(str::to_string);
            let (n, people) = per_grid[k];
            let band = if n < lo { "under" } else if n > hi { "over" } else { "within" };
            let parts: Vec<&Polygon<f64>> = g.geometry.0.iter().filter(|p| p.unsigned_area() > 0.0).collect();
            grids.push(GridStats {
                id: id.clone(),
                name: prop("name"),
                manager: prop("manager"),
                households: n,
                people,
                band,
                parts: parts.len(),
                area_m2: parts.iter().map(|p| area_m2(p)).sum(),
            });
            let here = |kind: Kind, message: String, geometry: Value, area: Option<f64>| DraftDefect {
                id: String::new(),
                kind,
                codes: vec![id.clone()],
                area_m2: area,
                width_m: None,
                message,
                geometry,
            };
            let name = named(id);
            if parts.len() > 1 {
                defects.push(here(Kind::GridNoncontiguous, format!("{name}由 {} 块互不相连的部分组成。", parts.len()), geometry_json(&Geometry::MultiPolygon(g.geometry.clone())), None));
            }
            if prop("manager").is_none() {
                defects.push(here(Kind::GridUnstaffed, format!("{name}没有网格员。"), Value::Null, None));
            }
            if band != "within" {
                let (kind, word) = if band == "over" { (Kind::GridOverloaded, "多于") } else { (Kind::GridUnderloaded, "少于") };
                defects.push(here(kind, format!("{name}有 {n} 户,{word}目标 {lo}..{hi} 户。"), Value::Null, None));
            }
        }

        // Gaps and spill: one overlay of the community against its draft grids, as the coverage check does.
        let cover = gaps::cover(&ctx.boundary, &kids);
        // The overlay returns a gap's vertices a few 1e-12 degrees off the grids' own; put them back, so that
        // the grids along a gap are seen to touch it.
        let reference: Vec<geo::Coord<f64>> =
            super::geometry::vertices(kids.iter().copied()).into_iter().chain(super::geometry::vertices([&ctx.boundary])).collect();
        let gaps: Vec<Polygon<f64>> =
            cover.gaps.iter().flat_map(|g| super::geometry::restore_vertices(MultiPolygon(vec![g.clone()]), &reference).0).collect();
        for gap in &gaps {
            let a = area_m2(gap);
            if a < settings.min_area_m2 {
                continue;
            }
            let w = crs.project_geometry(&Geometry::Polygon(gap.clone())).ok().and_then(|g| match g {
                Geometry::Polygon(m) => Some(inscribed::width(&m)),
                _ => None,
            }).unwrap_or(0.0);
            let blind = w > settings.sliver_width_m;
            let codes: Vec<String> = ids.iter().zip(&kids).filter(|(_, k)| k.intersects(gap)).map(|(id, _)| (*id).clone()).collect();
            defects.push(DraftDefect {
                id: String::new(),
                kind: if blind { Kind::BlindSpot } else { Kind::Sliver },
                codes,
                area_m2: Some(a),
                width_m: Some(w),
                message: if blind { format!("{a:.1} 平方米未被任何网格覆盖(盲区,最宽 {w:.1} 米)。") } else { format!("{a:.1} 平方米的缝隙未被任何网格覆盖(最宽 {w:.2} 米)。") },
                geometry: geometry_json(&Geometry::Polygon(gap.clone())),
            });
        }
        if cover.outside.iter().any(|p| p.unsigned_area() > 0.0) {
            for (id, k) in ids.iter().zip(&kids) {
                let out = k.difference(&ctx.boundary);
                let a: f64 = out.0.iter().map(area_m2).sum();
                if a >= settings.min_area_m2 {
                    defects.push(DraftDefect {
                        id: String::new(),
                        kind: Kind::OutsideParent,
                        codes: vec![(*id).clone()],
                        area_m2: Some(a),
                        width_m: None,
                        message: format!("{}有 {a:.1} 平方米位于社区之外。", named(id)),
                        geometry: geometry_json(&Geometry::MultiPolygon(out)),
                    });
                }
            }
        }
        let children_ll: f64 = kids.iter().map(|k| k.unsigned_area()).sum();
        let union_ll = ctx.boundary.unsigned_area() - cover.gaps.iter().map(|g| g.unsigned_area()).sum::<f64>()
            + cover.outside.iter().map(|g| g.unsigned_area()).sum::<f64>();
        if children_ll - union_ll > 1e-14 {
            for o in overlaps::sibling_overlaps(&kids) {
                let a: f64 = o.pieces.iter().map(area_m2).sum();
                if a < settings.min_area_m2 {
                    continue;
                }
                defects.push(DraftDefect {
                    id: String::new(),
                    kind: Kind::Overlap,
                    codes: vec![ids[o.a].clone(), ids[o.b].clone()],
                    area_m2: Some(a),
                    width_m: None,
                    message: format!("{}与{}重叠 {a:.1} 平方米。", named(ids[o.a]), named(ids[o.b])),
                    geometry: geometry_json(&Geometry::MultiPolygon(MultiPolygon(o.pieces))),
                });
            }
        }
        if !uncovered_codes.is_empty() {
            defects.push(DraftDefect {
                id: String::new(),
                kind: Kind::HouseholdUncovered,
                message: format!("{} 户住户不在任何网格内。", uncovered_codes.len()),
                codes: uncovered_codes.clone(),
                area_m2: None,
                width_m: None,
                geometry: Value::Null,
            });
        }
        name_defects(&mut defects);
        Ok(Stats {
            grids,
            defects,
            households,
            households_uncovered: uncovered_codes.len() as u64,
            moves,
            placement,
            elapsed_ms: t0.elapsed().as_secs_f64() * 1e3,
        })
    }
}

/// Each household's people, in layer order.
pub struct HouseholdPeople(Vec<u64>);

/// The households' people of `atlas`, read on first use and kept with it: reading `members` from every
/// household's properties near a community was a third of an edit's statistics.
pub fn household_people(atlas: &Atlas) -> std::sync::Arc<HouseholdPeople> {
    atlas.memo(|| {
        let features = atlas.layer(Layer::Households).map_or(&[][..], |hh| &hh.features[..]);
        HouseholdPeople(features.iter().map(|f| f.int_prop("members").map_or(1, |n| n.max(0) as u64)).collect())
    })
}

/// Ids as `kind:codes`, numbered where the same kind and codes repeat (`sliver:A+B#2`); households are not
/// listed in the id, so acknowledging uncovered households survives one more or fewer.
fn name_defects(defects: &mut [DraftDefect]) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for d in defects.iter_mut() {
        let base = if d.kind == Kind::HouseholdUncovered { d.kind.name().to_string() } else { format!("{}:{}", d.kind.name(), d.codes.join("+")) };
        let n = seen.entry(base.clone()).or_default();
        *n += 1;
        d.id = if *n == 1 { base } else { format!("{base}#{n}") };
    }
}

fn merge_rect(a: geo::Rect<f64>, b: geo::Rect<f64>) -> geo::Rect<f64> {
    geo::Rect::new(
        geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
        geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::Edit;
    use super::*;

    fn kinds(s: &Stats) -> Vec<&'static str> {
        s.defects.iter().map(|d| d.kind.name()).collect()
    }

    #[test]
    fn the_published_plan_counts_households_and_has_no_coverage_defect() {
        let atlas = atlas(10);
        let d = draft(&atlas);
        let s = d.stats(&atlas, &Settings { target_households: (5, 15), ..Default::default() }).unwrap();
        assert_eq!(s.households, 20);
        assert_eq!(s.grids.iter().map(|g| (g.households, g.people, g.band, g.parts)).collect::<Vec<_>>(), vec![(10, 20, "within", 1); 2]);
        assert!(s.defects.is_empty(), "{:?}", kinds(&s));
        assert!(s.moves.is_empty());
        assert!((s.grids[0].area_m2 - s.grids[1].area_m2).abs() / s.grids[0].area_m2 < 1e-3);
    }

    #[test]
    fn edits_show_in_the_statistics() {
        let atlas = atlas(10);
        let mut d = draft(&atlas);
        let settings = Settings { target_households: (5, 15), ..Default::default() };
        // Move the south end of the shared edge 55 m east: it moves in both grids, so no gap and no overlap,
        // and the one household of B in the triangle that A gains changes grid.
        let h = D / 2.0;
        d.apply(&atlas, &Edit::MoveVertex { from: [X0 + h, Y0], to: [X0 + h + 0.0006, Y0], snap_m: Some(0.1) }).unwrap();
        let s = d.stats(&atlas, &settings).unwrap();
        assert!(s.defects.is_empty(), "{:?}", kinds(&s));
        assert_eq!(s.moves.len(), 1, "{:?}", s.moves);
        assert_eq!((s.moves[0].from.as_deref(), s.moves[0].to.as_deref()), (Some(B), Some(A)));
        assert_eq!(s.grids.iter().map(|g| g.households).collect::<Vec<_>>(), vec![11, 9]);
        // Merge: one grid of 20 households, over the band; every household of B changes grid.
        let mut d = draft(&atlas);
        d.apply(&atlas, &Edit::Merge { grid: A.into(), with: B.into() }).unwrap();
        let s = d.stats(&atlas, &settings).unwrap();
        assert_eq!((s.grids.len(), s.grids[0].households, s.grids[0].band), (1, 20, "over"));
        assert_eq!(s.moves.len(), 10);
        assert!(s.moves.iter().all(|m| m.from.as_deref() == Some(B) && m.to.as_deref() == Some(A)));
        assert_eq!(kinds(&s), vec!["grid_overloaded"]);
        assert_eq!(s.defects[0].id, format!("grid_overloaded:{A}"));
        // Split it again across: two grids, the new one without a manager.
        d.apply(&atlas, &Edit::Split { grid: A.into(), line: vec![[X0, Y0 + 0.0052], [X0 + D, Y0 + 0.0052]] }).unwrap();
        let s = d.stats(&atlas, &settings).unwrap();
        assert_eq!(s.grids.iter().map(|g| g.households).sum::<u64>(), 20);
        assert!(kinds(&s).contains(&"grid_unstaffed"));
        assert!(!kinds(&s).iter().any(|k| matches!(*k, "blind_spot" | "sliver" | "overlap")), "{:?}", kinds(&s));
    }

    #[test]
    fn a_gap_is_a_blind_spot_or_a_sliver_by_width() {
        let atlas = atlas(0);
        let settings = Settings::default();
        let mut d = draft(&atlas);
        d.grids.get_mut(B).unwrap().geometry = MultiPolygon(vec![square(X0 + D / 2.0 + 0.00001, Y0, X0 + D, Y0 + D)]);
        let s = d.stats(&atlas, &settings).unwrap();
        let gap = s.defects.iter().find(|d| d.kind == Kind::Sliver).expect("a 1 m strip is a sliver");
        assert_eq!(gap.codes, vec![A.to_string(), B.to_string()]);
        assert!(gap.width_m.unwrap() < 2.0);
        d.grids.get_mut(B).unwrap().geometry = MultiPolygon(vec![square(X0 + 0.006, Y0, X0 + D, Y0 + D)]);
        let s = d.stats(&atlas, &settings).unwrap();
        assert!(s.defects.iter().any(|d| d.kind == Kind::BlindSpot));
    }
}
