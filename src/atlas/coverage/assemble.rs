//! Assembling the report: the rules' results turned into defects with their messages, household counts per
//! parent and the summary rows.

use std::collections::HashMap;

use geo::{Area, BoundingRect, Coord, Geometry, MultiPolygon, Polygon};
use rayon::prelude::*;

use super::defect::who;
use super::parents::{FAMILIES, ParentResult, as_mp};
use super::{Defect, Kind, Place, Settings, SummaryRow, households, staffing, units, validity};
use crate::atlas::{Atlas, LayerIndex, cells};
use crate::model::{Feature, Layer};

/// Builds defects and summary rows from the rules' results.
pub(super) struct Assembly<'a> {
    atlas: &'a Atlas,
    settings: &'a Settings,
    pub(super) defects: Vec<Defect>,
    /// Households per (layer, index): inside, uncovered.
    households: HashMap<(Layer, usize), (u64, u64)>,
    has_households: bool,
}

fn mpoly(p: Vec<Polygon<f64>>) -> Geometry<f64> {
    Geometry::MultiPolygon(MultiPolygon(p))
}

impl<'a> Assembly<'a> {
    pub(super) fn new(atlas: &'a Atlas, settings: &'a Settings) -> Self {
        Assembly { atlas, settings, defects: Vec::new(), households: HashMap::new(), has_households: atlas.layer(Layer::Households).is_some() }
    }

    fn parent_code(&self, layer: Layer, f: &Feature) -> Option<String> {
        layer.parent().and_then(|(key, _)| f.nonempty_prop(key).map(str::to_string))
    }

    pub(super) fn validity(&mut self) {
        for (layer, li) in self.atlas.layers() {
            for (i, p) in &li.problems {
                self.defects.push(Defect::invalid_geometry(layer, &li.features[*i], &p.reason, p.location));
            }
        }
        if let Some(gi) = self.atlas.layer(Layer::Grids) {
            for (i, g) in gi.geoms_m.iter().enumerate() {
                let parts = validity::detached_parts(g);
                if parts.is_empty() {
                    continue;
                }
                let f = &gi.features[i];
                let area: f64 = parts.iter().map(|p| p.unsigned_area()).sum();
                self.defects.push(Defect {
                    kind: Kind::GridNoncontiguous,
                    layer: Layer::Grids,
                    parent: self.parent_code(Layer::Grids, f),
                    codes: vec![f.code.clone()],
                    area_m2: Some(area),
                    width_m: None,
                    message: format!("{}由 {} 块互不相连的部分组成(主体之外 {:.1} 平方米)。", who(Layer::Grids, f), parts.len() + 1, area),
                    reason: None,
                    place: Place::Metres(mpoly(parts)),
                });
            }
        }
    }

    pub(super) fn parents(&mut self, results: &[ParentResult]) {
        let s = self.settings;
        let mut sorted: Vec<&ParentResult> = results.iter().collect();
        sorted.sort_by_key(|r| (r.family, r.parent));
        for r in sorted {
            let (pl, cl, _) = FAMILIES[r.family];
            let (pi, ci) = (self.atlas.layer(pl).unwrap(), self.atlas.layer(cl).unwrap());
            let pf = &pi.features[r.parent];
            for (poly_ll, poly, area, width) in &r.gaps {
                let blind = *width > s.sliver_width_m;
                let message = if blind {
                    format!("{}内有 {:.1} 平方米未被任何{}覆盖(盲区,最宽 {:.1} 米)。", who(pl, pf), area, cl.name_zh(), width)
                } else {
                    format!("{}内有 {:.1} 平方米的缝隙未被任何{}覆盖(最宽 {:.2} 米)。", who(pl, pf), area, cl.name_zh(), width)
                };
                let codes = touching(poly, &r.children, ci);
                self.defects.push(Defect {
                    kind: if blind { Kind::BlindSpot } else { Kind::Sliver },
                    layer: cl,
                    parent: Some(pf.code.clone()),
                    codes,
                    area_m2: Some(*area),
                    width_m: Some(*width),
                    message,
                    reason: None,
                    place: Place::LonLat(mpoly(vec![poly_ll.clone()])),
                });
            }
            for o in &r.overlaps {
                let (a, b) = (&ci.features[r.children[o.a]], &ci.features[r.children[o.b]]);
                for piece in &o.pieces {
                    let area = self.atlas.crs.project_geometry(&Geometry::Polygon(piece.clone())).map_or(0.0, |g| g.unsigned_area());
                    if area < s.min_area_m2 {
                        continue;
                    }
                    self.defects.push(Defect {
                        kind: Kind::Overlap,
                        layer: cl,
                        parent: Some(pf.code.clone()),
                        codes: vec![a.code.clone(), b.code.clone()],
                        area_m2: Some(area),
                        width_m: None,
                        message: format!("{}与{}重叠 {:.1} 平方米。", who(cl, a), who(cl, b), area),
                        reason: None,
                        place: Place::LonLat(mpoly(vec![piece.clone()])),
                    });
                }
            }
            for (k, pieces, area) in &r.spill {
                if *area < s.min_area_m2 {
                    continue;
                }
                let cf = &ci.features[r.children[*k]];
                self.defects.push(Defect {
                    kind: Kind::OutsideParent,
                    layer: cl,
                    parent: Some(pf.code.clone()),
                    codes: vec![cf.code.clone()],
                    area_m2: Some(*area),
                    width_m: None,
                    message: format!("{}有 {:.1} 平方米位于其所属{}之外。", who(cl, cf), area, who(pl, pf)),
                    reason: None,
                    place: Place::LonLat(mpoly(pieces.clone())),
                });
            }
        }
    }

    /// Household defects and counts per parent; returns households per grid.
    pub(super) fn households(&mut self, located: Option<&households::Located>, parents: &[ParentResult], tol: f64) -> Option<Vec<u64>> {
        let hi = self.atlas.layer(Layer::Households)?;
        let gi = self.atlas.layer(Layer::Grids);
        // Which features spill out of their parent: for those, a household's parent is found by location, not by
        // following codes upwards.
        let mut spills: HashMap<(Layer, usize), bool> = HashMap::new();
        for r in parents {
            let cl = FAMILIES[r.family].1;
            for (k, _, a) in &r.spill {
                if *a >= tol {
                    spills.insert((cl, r.children[*k]), true);
                }
            }
        }
        // Each feature's parent index by code (None where its parent is unknown or it spills out of it, so the
        // household's parent is then found by location): arrays, not hash lookups, for a million households.
        let parent_index = |layer: Layer| -> Vec<Option<u32>> {
            let (Some(li), Some((key, pl))) = (self.atlas.layer(layer), layer.parent()) else { return Vec::new() };
            let Some(pli) = self.atlas.layer(pl) else { return vec![None; li.len()] };
            (0..li.len())
                .map(|i| {
                    if spills.contains_key(&(layer, i)) {
                        return None;
                    }
                    li.features[i].str_prop(key).and_then(|c| pli.index_of(c)).map(|p| p as u32)
                })
                .collect()
        };
        let parents_of: HashMap<Layer, Vec<Option<u32>>> =
            [Layer::Grids, Layer::Communities, Layer::Towns].into_iter().map(|l| (l, parent_index(l))).collect();
        let (pg, pc, pt) = (&parents_of[&Layer::Grids], &parents_of[&Layer::Communities], &parents_of[&Layer::Towns]);
        // Where each household lies, by the one placement rule: its grid is the owner of its representative
        // point (an outline across grid lines is reported split, and counted where that point lies).
        // Every household's grid; its community, town and county follow the grids' codes, so a household's owner
        // in those layers is asked of the placement rule only where they do not (a spill, an unknown parent,
        // a defect's community): testing a million points against a county outline of thousands of vertices
        // was most of the check's time.
        let owners = self.atlas.household_owners_in(&[Layer::Grids]);
        let points = self.atlas.points(Layer::Households);
        let owner = |h: usize, layer: Layer| -> Option<usize> {
            if layer == Layer::Grids {
                return owners.of(h, layer);
            }
            let (xy_m, lonlat) = points.get(h)?;
            self.atlas.owner_at(layer, xy_m, lonlat)
        };
        let grid_outlines = self.atlas.cells(Layer::Grids);
        let up = |layer: Layer, i: Option<usize>, h: usize| -> Option<usize> {
            let (table, pl) = match layer {
                Layer::Grids => (pg, Layer::Communities),
                Layer::Communities => (pc, Layer::Towns),
                _ => (pt, Layer::County),
            };
            self.atlas.layer(pl)?;
            match i.and_then(|i| table.get(i).copied().flatten()) {
                Some(p) => Some(p as usize),
                None => owner(h, pl),
            }
        };
        let n = hi.len();
        let grid_of: Vec<u32> = match located {
            Some(_) => (0..n).map(|h| owner(h, Layer::Grids).map_or(households::NONE, |g| g as u32)).collect(),
            None => vec![households::NONE; n],
        };
        // Counts per community, town and county (by following grid → community → town → county where nothing
        // spills), in parallel chunks.
        let (nc, nt, nk) = [Layer::Communities, Layer::Towns, Layer::County].map(|l| self.atlas.layer(l).map_or(0, LayerIndex::len)).into();
        let counts = (0..n)
            .into_par_iter()
            .with_min_len(8192)
            .fold(
                || (vec![(0u64, 0u64); nc], vec![(0u64, 0u64); nt], vec![(0u64, 0u64); nk]),
                |mut acc, h| {
                    let g = (grid_of[h] != households::NONE).then_some(grid_of[h] as usize);
                    let uncovered = u64::from(g.is_none());
                    let c = if gi.is_some() { up(Layer::Grids, g, h) } else { owner(h, Layer::Communities) };
                    if let Some(c) = c {
                        acc.0[c].0 += 1;
                        acc.0[c].1 += uncovered;
                    }
                    let t = if c.is_some() || self.atlas.layer(Layer::Communities).is_some() { up(Layer::Communities, c, h) } else { owner(h, Layer::Towns) };
                    if let Some(t) = t {
                        acc.1[t].0 += 1;
                        acc.1[t].1 += uncovered;
                    }
                    let k = if t.is_some() || self.atlas.layer(Layer::Towns).is_some() { up(Layer::Towns, t, h) } else { owner(h, Layer::County) };
                    if let Some(k) = k {
                        acc.2[k].0 += 1;
                        acc.2[k].1 += uncovered;
                    }
                    acc
                },
            )
            .reduce(
                || (vec![(0, 0); nc], vec![(0, 0); nt], vec![(0, 0); nk]),
                |mut a, b| {
                    for (x, y) in a.0.iter_mut().zip(b.0) {
                        *x = (x.0 + y.0, x.1 + y.1);
                    }
                    for (x, y) in a.1.iter_mut().zip(b.1) {
                        *x = (x.0 + y.0, x.1 + y.1);
                    }
                    for (x, y) in a.2.iter_mut().zip(b.2) {
                        *x = (x.0 + y.0, x.1 + y.1);
                    }
                    a
                },
            );
        for (layer, v) in [(Layer::Communities, counts.0), (Layer::Towns, counts.1), (Layer::County, counts.2)] {
            for (i, c) in v.into_iter().enumerate() {
                self.households.insert((layer, i), c);
            }
        }
        let gi = gi?;
        let located = located?;
        let mut per_grid = vec![0u64; gi.len()];
        let split_set: HashMap<usize, &households::Split> = located.splits.iter().map(|s| (s.household, s)).collect();
        let community_of = |h: usize| -> Option<String> {
            owner(h, Layer::Communities).map(|c| self.atlas.layer(Layer::Communities).unwrap().features[c].code.clone())
        };
        for &g in &grid_of {
            if g != households::NONE {
                per_grid[g as usize] += 1;
            }
        }
        // The households with something to report, found in parallel: split, uncovered, or on another roster.
        let suspects: Vec<usize> = (0..n)
            .into_par_iter()
            .with_min_len(8192)
            .filter(|&h| {
                let g = grid_of[h];
                g == households::NONE
                    || split_set.contains_key(&h)
                    || hi.features[h].nonempty_prop("grid_code") != Some(gi.features[g as usize].code.as_str())
            })
            .collect();
        for h in suspects {
            let g = grid_of[h];
            let f = &hi.features[h];
            if let Some(s) = split_set.get(&h) {
                let names: Vec<&str> = s.grids.iter().map(|&g| gi.features[g].code.as_str()).collect();
                let mut message = format!("住户 {} 的院落跨越网格边界(涉及网格 {}", f.code, names.join("、"));
                if s.outside_m2 > 0.0 {
                    message.push_str(&format!(",另有 {:.1} 平方米不在任何网格内", s.outside_m2));
                }
                message.push_str(")。");
                let mut codes = vec![f.code.clone()];
                codes.extend(names.iter().map(|c| c.to_string()));
                self.defects.push(Defect {
                    kind: Kind::HouseholdSplit,
                    layer: Layer::Households,
                    parent: names.first().map(|c| c.to_string()).or_else(|| community_of(h)),
                    codes,
                    area_m2: None,
                    width_m: None,
                    message,
                    reason: None,
                    place: Place::LonLat(f.geometry.clone()),
                });
                continue;
            }
            if g == households::NONE {
                let roster = f.nonempty_prop("grid_code");
                let message = match roster {
                    Some(r) => format!("住户 {} 不在任何网格内(名册登记在网格 {})。", f.code, r),
                    None => format!("住户 {} 不在任何网格内。", f.code),
                };
                let mut codes = vec![f.code.clone()];
                codes.extend(roster.map(str::to_string));
                self.defects.push(Defect {
                    kind: Kind::HouseholdUncovered,
                    layer: Layer::Households,
                    parent: community_of(h),
                    codes,
                    area_m2: None,
                    width_m: None,
                    message,
                    reason: None,
                    place: Place::LonLat(f.geometry.clone()),
                });
                continue;
            }
            let actual = &gi.features[g as usize].code;
            let roster = f.nonempty_prop("grid_code");
            if roster == Some(actual.as_str()) {
                continue;
            }
            // In two overlapping grids, one of them the roster's: not a roster error (the overlap is reported).
            if let Some(r) = roster.and_then(|r| gi.index_of(r))
                && let Some(outlines) = &grid_outlines
                && points.lonlat[h].is_some_and(|p| cells::contains_xy(&outlines.polys_lonlat[r], p))
            {
                continue;
            }
            let message = match roster {
                Some(r) => format!("住户 {} 名册登记在网格 {},实际位于网格 {}。", f.code, r, actual),
                None => format!("住户 {} 名册未登记网格,实际位于网格 {}。", f.code, actual),
            };
            let mut codes = vec![f.code.clone(), actual.clone()];
            codes.extend(roster.map(str::to_string));
            self.defects.push(Defect {
                kind: Kind::HouseholdMismatch,
                layer: Layer::Households,
                parent: Some(actual.clone()),
                codes,
                area_m2: None,
                width_m: None,
                message,
                reason: None,
                place: Place::LonLat(f.geometry.clone()),
            });
        }
        Some(per_grid)
    }

    pub(super) fn units(&mut self, found: &[(usize, units::UnitFinding)]) {
        let (Some(ui), Some(gi)) = (self.atlas.layer(Layer::Units), self.atlas.layer(Layer::Grids)) else { return };
        for (u, finding) in found {
            let f = &ui.features[*u];
            let named = f.nonempty_prop("grid_code").map(str::to_string);
            let (kind, codes, message) = match finding {
                units::UnitFinding::Split(gs) => {
                    let names: Vec<String> = gs.iter().map(|&g| gi.features[g].code.clone()).collect();
                    let message = format!("{}跨越 {} 个网格:{}。", who(Layer::Units, f), names.len(), names.join("、"));
                    (Kind::UnitSplit, names, message)
                }
                units::UnitFinding::Orphan => (Kind::UnitOrphan, vec![], format!("{}不在任何网格内。", who(Layer::Units, f))),
                units::UnitFinding::Mismatch(g) => {
                    let actual = gi.features[*g].code.clone();
                    let message = match &named {
                        Some(n) => format!("{}登记属于网格 {},实际位于网格 {}。", who(Layer::Units, f), n, actual),
                        None => format!("{}未登记网格,实际位于网格 {}。", who(Layer::Units, f), actual),
                    };
                    (Kind::UnitMismatch, vec![actual], message)
                }
            };
            let mut all = vec![f.code.clone()];
            all.extend(codes);
            self.defects.push(Defect {
                kind,
                layer: Layer::Units,
                parent: named,
                codes: all,
                area_m2: None,
                width_m: None,
                message,
                reason: None,
                place: Place::LonLat(f.geometry.clone()),
            });
        }
    }

    pub(super) fn staffing(&mut self, per_grid: Option<&[u64]>) {
        let Some(gi) = self.atlas.layer(Layer::Grids) else { return };
        let band = self.settings.target_households;
        for (g, finding) in staffing::staffing(&gi.features, per_grid, band) {
            let f = &gi.features[g];
            let own = f.int_prop("target_households").map(|t| format!("(本网格目标 {t} 户)")).unwrap_or_default();
            let (kind, message) = match finding {
                staffing::StaffFinding::Unstaffed => (Kind::GridUnstaffed, format!("{}没有网格员。", who(Layer::Grids, f))),
                staffing::StaffFinding::Overloaded(n) => {
                    (Kind::GridOverloaded, format!("{}有 {} 户,超过目标上限 {} 户{}。", who(Layer::Grids, f), n, band.1, own))
                }
                staffing::StaffFinding::Underloaded(n) => {
                    (Kind::GridUnderloaded, format!("{}只有 {} 户,低于目标下限 {} 户{}。", who(Layer::Grids, f), n, band.0, own))
                }
            };
            self.defects.push(Defect {
                kind,
                layer: Layer::Grids,
                parent: self.parent_code(Layer::Grids, f),
                codes: vec![f.code.clone()],
                area_m2: None,
                width_m: None,
                message,
                reason: None,
                place: Place::LonLat(f.geometry.clone()),
            });
        }
    }

    pub(super) fn summary(&self, parents: &[ParentResult]) -> Vec<SummaryRow> {
        let by_parent: HashMap<(Layer, usize), &ParentResult> = parents.iter().map(|r| ((FAMILIES[r.family].0, r.parent), r)).collect();
        // Ancestry by code (county, towns, communities, grids), to count defects in descendants.
        let mut up: HashMap<&str, &str> = HashMap::new();
        for layer in [Layer::Towns, Layer::Communities, Layer::Grids] {
            let (Some(li), Some((key, _))) = (self.atlas.layer(layer), layer.parent()) else { continue };
            for f in &li.features {
                if let Some(p) = f.str_prop(key) {
                    up.insert(f.code.as_str(), p);
                }
            }
        }
        let mut defects_in: HashMap<&str, u64> = HashMap::new();
        for d in &self.defects {
            let mut at = d.parent.as_deref();
            let mut steps = 0;
            while let Some(code) = at {
                *defects_in.entry(code).or_default() += 1;
                at = up.get(code).copied();
                steps += 1;
                if steps > 8 {
                    break;
                }
            }
        }
        let mut grids_in: HashMap<&str, u64> = HashMap::new();
        if let Some(gi) = self.atlas.layer(Layer::Grids) {
            for f in &gi.features {
                let mut at = f.str_prop("community_code");
                while let Some(code) = at {
                    *grids_in.entry(code).or_default() += 1;
                    at = up.get(code).copied();
                }
            }
        }
        let has_grids = self.atlas.layer(Layer::Grids).is_some();
        let row = |layer: Layer, i: usize| -> SummaryRow {
            let li = self.atlas.layer(layer).unwrap();
            let f = &li.features[i];
            let r = by_parent.get(&(layer, i));
            let area_m2 = r.map_or_else(|| li.geoms_m[i].unsigned_area(), |r| r.cover.area_m2);
            let gap_m2 = r.map(|r| r.cover.gap_m2());
            let covered_m2 = gap_m2.map(|g| (area_m2 - g).max(0.0));
            let hh = self.households.get(&(layer, i)).copied();
            SummaryRow {
                code: f.code.clone(),
                layer,
                name: f.name().to_string(),
                parent: layer.parent().and_then(|(key, _)| f.str_prop(key).map(str::to_string)),
                area_m2,
                covered_m2,
                gap_m2,
                overlap_m2: r.map(|r| r.overlap_m2),
                households: self.has_households.then(|| hh.map_or(0, |h| h.0)),
                households_uncovered: (self.has_households && has_grids).then(|| hh.map_or(0, |h| h.1)),
                coverage_pct: covered_m2.map(|c| if area_m2 > 0.0 { 100.0 * c / area_m2 } else { 100.0 }),
                grids: has_grids.then(|| grids_in.get(f.code.as_str()).copied().unwrap_or(0)),
                defects: defects_in.get(f.code.as_str()).copied().unwrap_or(0),
            }
        };
        let mut out = Vec::new();
        let county = self.atlas.layer(Layer::County);
        let towns = self.atlas.layer(Layer::Towns);
        let communities = self.atlas.layer(Layer::Communities);
        if let Some(k) = county {
            out.extend((0..k.len()).map(|i| row(Layer::County, i)));
        }
        // Each town followed by its communities; communities whose town is unknown come last.
        let mut placed = vec![false; communities.map_or(0, LayerIndex::len)];
        if let Some(t) = towns {
            for i in 0..t.len() {
                out.push(row(Layer::Towns, i));
                if let Some(c) = communities {
                    for (j, f) in c.features.iter().enumerate() {
                        if f.str_prop("town_code") == Some(t.features[i].code.as_str()) {
                            placed[j] = true;
                            out.push(row(Layer::Communities, j));
                        }
                    }
                }
            }
        }
        for (j, done) in placed.iter().enumerate() {
            if !done {
                out.push(row(Layer::Communities, j));
            }
        }
        out
    }
}

/// The codes of the children whose boundary the polygon touches (the neighbours of a gap), in order.
fn touching(poly: &Polygon<f64>, children: &[usize], ci: &LayerIndex) -> Vec<String> {
    let Some(pb) = poly.bounding_rect() else { return Vec::new() };
    let grow = 0.01;
    let env = rstar::AABB::from_corners([pb.min().x - grow, pb.min().y - grow], [pb.max().x + grow, pb.max().y + grow]);
    let mut out: Vec<usize> = ci
        .tree
        .locate_in_envelope_intersecting(&env)
        .map(|e| e.data)
        .filter(|i| children.contains(i))
        .filter(|&i| {
            let kid = as_mp(&ci.geoms_m[i]);
            poly.exterior().0.iter().any(|c| kid.0.iter().any(|p| near_boundary(p, *c, grow)))
        })
        .collect();
    out.sort_unstable();
    out.into_iter().map(|i| ci.features[i].code.clone()).collect()
}

fn near_boundary(p: &Polygon<f64>, c: Coord<f64>, d: f64) -> bool {
    std::iter::once(p.exterior()).chain(p.interiors()).any(|r| {
        r.0.windows(2).any(|w| {
            let (a, b) = (w[0], w[1]);
            let (dx, dy) = (b.x - a.x, b.y - a.y);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 { (((c.x - a.x) * dx + (c.y - a.y) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
            let (ex, ey) = (a.x + t * dx - c.x, a.y + t * dy - c.y);
            ex * ex + ey * ey <= d * d
        })
    })
}
