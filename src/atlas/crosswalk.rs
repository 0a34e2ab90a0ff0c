//! The 93→28 merger: how each legacy village's area and households fall across the communities that replaced
//! it, which villages were split, what each community is made of, and which households are registered on one
//! side of a boundary and live on the other.
//!
//! Area shares are exact overlays (village ∩ community, in metres); a share under [`MIN_SHARE_M2`] is the
//! rounding noise of edges that coincide and is dropped. A household is placed by its representative point.

use std::collections::BTreeMap;

use geo::{Area, BooleanOps, Coord, Geometry, MultiPolygon};
use rayon::prelude::*;
use serde::Serialize;

use super::Atlas;
use super::placement::representative_point;
use crate::model::Layer;

/// Shares smaller than this (m²) are edge-coincidence noise, not territory.
pub const MIN_SHARE_M2: f64 = 1.0;
/// A village is split when a community other than the one holding most of it holds at least this share.
pub const SPLIT_MIN_PCT: f64 = 1.0;

/// Where a household lies: the indexes of the community, grid, unit and legacy village owning it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Placement {
    pub community: Option<usize>,
    pub grid: Option<usize>,
    pub unit: Option<usize>,
    pub village: Option<usize>,
}

/// One community's part of a legacy village.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Share {
    pub community: String,
    pub community_name: String,
    pub area_m2: f64,
    pub area_pct: f64,
    pub households: usize,
    pub households_pct: f64,
}

/// A legacy village and how it fell across the communities.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct VillageRow {
    pub code: String,
    pub name: String,
    pub town_code: String,
    pub merged_into: String,
    pub merged_into_name: String,
    pub area_m2: f64,
    pub households: usize,
    /// Largest share first.
    pub shares: Vec<Share>,
    /// The share of the village's area inside its official merger target.
    pub target_pct: f64,
    /// Whether the official target holds the largest share.
    pub target_holds_most: bool,
    /// Whether a second community holds at least [`SPLIT_MIN_PCT`] of it.
    pub split: bool,
}

/// A community and the legacy villages it is made of.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CommunityRow {
    pub code: String,
    pub name: String,
    pub area_m2: f64,
    /// Villages with territory in the community: code, name, m² and % of the community.
    pub villages: Vec<CommunityPart>,
    /// Villages officially merged into it.
    pub merged_villages: Vec<String>,
}

/// One village's part of a community.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CommunityPart {
    pub village: String,
    pub village_name: String,
    pub area_m2: f64,
    pub pct_of_community: f64,
}

/// Why a household is cross-boundary.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum CrossReason {
    /// Its registered village was merged into another community than the one it lies in.
    Village,
    /// Its roster grid belongs to another community than the one it lies in.
    RosterGrid,
}

/// A household registered on one side of a boundary and living on the other, with both sides.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CrossHousehold {
    pub code: String,
    pub head: Option<String>,
    pub address: Option<String>,
    pub reasons: Vec<CrossReason>,
    pub village: String,
    pub village_name: Option<String>,
    /// The community the registered village was merged into.
    pub registered_community: Option<String>,
    pub registered_community_name: Option<String>,
    pub roster_grid: String,
    pub roster_grid_community: Option<String>,
    pub located_community: String,
    pub located_community_name: String,
    pub located_grid: Option<String>,
    pub located_grid_name: Option<String>,
    pub located_manager: Option<String>,
    pub located_unit: Option<String>,
    /// Where the household is, lon/lat.
    pub lonlat: [f64; 2],
    /// A point inside its registered village, lon/lat (the other end of the line on the map).
    pub village_lonlat: Option<[f64; 2]>,
}

/// The whole crosswalk.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Crosswalk {
    pub villages: Vec<VillageRow>,
    pub communities: Vec<CommunityRow>,
    pub households: Vec<CrossHousehold>,
}

impl Atlas {
    /// Places every household in the community, grid, unit and legacy village owning it
    /// ([`Atlas::household_owners`]).
    ///
    /// ```
    /// # use gridmap::atlas::Atlas;
    /// # let atlas = Atlas::build(&Default::default(), 0).unwrap();
    /// assert!(atlas.place_households().is_empty());
    /// ```
    pub fn place_households(&self) -> Vec<Placement> {
        let owners = self.household_owners();
        (0..owners.len())
            .map(|h| Placement {
                community: owners.of(h, Layer::Communities),
                grid: owners.of(h, Layer::Grids),
                unit: owners.of(h, Layer::Units),
                village: owners.of(h, Layer::Villages),
            })
            .collect()
    }

    /// Computes the crosswalk. Needs the villages and communities layers (an empty crosswalk otherwise).
    pub fn crosswalk(&self) -> Crosswalk {
        let placements = self.place_households();
        self.crosswalk_with(&placements)
    }

    /// The crosswalk given household placements already computed.
    pub fn crosswalk_with(&self, placements: &[Placement]) -> Crosswalk {
        let (Some(villages), Some(communities)) = (self.layer(Layer::Villages), self.layer(Layer::Communities)) else {
            return Crosswalk { villages: vec![], communities: vec![], households: vec![] };
        };
        let comm_area: Vec<f64> = communities.geoms_m.iter().map(|g| g.unsigned_area()).collect();
        // Households lying in each (village, community) pair.
        let mut hh_in: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        let mut hh_in_village = vec![0usize; villages.len()];
        for p in placements {
            if let Some(v) = p.village {
                hh_in_village[v] += 1;
                if let Some(c) = p.community {
                    *hh_in.entry((v, c)).or_default() += 1;
                }
            }
        }
        // Exact overlays of each village with the communities whose envelope meets it.
        let overlaps: Vec<Vec<(usize, f64)>> = villages
            .geoms_m
            .par_iter()
            .map(|vg| {
                let Some(vmp) = as_multipolygon(vg) else { return vec![] };
                let env = envelope(vg);
                let mut cands: Vec<usize> =
                    communities.tree.locate_in_envelope_intersecting(&env).map(|e| e.data).collect();
                cands.sort_unstable();
                cands
                    .into_iter()
                    .filter_map(|c| {
                        let cmp = as_multipolygon(&communities.geoms_m[c])?;
                        let a = vmp.intersection(&cmp).unsigned_area();
                        (a >= MIN_SHARE_M2).then_some((c, a))
                    })
                    .collect()
            })
            .collect();

        let comm_code = |c: usize| communities.features[c].code.clone();
        let comm_name = |c: usize| communities.features[c].name().to_string();
        let mut parts: Vec<Vec<CommunityPart>> = vec![Vec::new(); communities.len()];
        let mut rows = Vec::with_capacity(villages.len());
        for (v, f) in villages.features.iter().enumerate() {
            let area = villages.geoms_m[v].unsigned_area();
            let hh_total = hh_in_village[v];
            let mut shares: Vec<Share> = overlaps[v]
                .iter()
                .map(|&(c, a)| {
                    let n = hh_in.get(&(v, c)).copied().unwrap_or(0);
                    parts[c].push(CommunityPart {
                        village: f.code.clone(),
                        village_name: f.name().to_string(),
                        area_m2: a,
                        pct_of_community: pct(a, comm_area[c]),
                    });
                    Share {
                        community: comm_code(c),
                        community_name: comm_name(c),
                        area_m2: a,
                        area_pct: pct(a, area),
                        households: n,
                        households_pct: pct(n as f64, hh_total as f64),
                    }
                })
                .collect();
            shares.sort_by(|a, b| b.area_m2.total_cmp(&a.area_m2).then(a.community.cmp(&b.community)));
            let merged_into = f.str_prop("merged_into").unwrap_or_default().to_string();
            let target_pct = shares.iter().find(|s| s.community == merged_into).map_or(0.0, |s| s.area_pct);
            let target_holds_most = shares.first().is_some_and(|s| s.community == merged_into);
            let split = shares.iter().skip(1).any(|s| s.area_pct >= SPLIT_MIN_PCT);
            rows.push(VillageRow {
                code: f.code.clone(),
                name: f.name().to_string(),
                town_code: f.str_prop("town_code").unwrap_or_default().to_string(),
                merged_into_name: communities.get(&merged_into).map(|c| c.name().to_string()).unwrap_or_default(),
                merged_into,
                area_m2: area,
                households: hh_total,
                shares,
                target_pct,
                target_holds_most,
                split,
            });
        }
        let community_rows = communities
            .features
            .iter()
            .enumerate()
            .map(|(c, f)| {
                let mut villages_here = std::mem::take(&mut parts[c]);
                villages_here.sort_by(|a, b| b.area_m2.total_cmp(&a.area_m2).then(a.village.cmp(&b.village)));
                CommunityRow {
                    code: f.code.clone(),
                    name: f.name().to_string(),
                    area_m2: comm_area[c],
                    villages: villages_here,
                    merged_villages: villages
                        .features
                        .iter()
                        .filter(|v| v.str_prop("merged_into") == Some(&f.code))
                        .map(|v| v.code.clone())
                        .collect(),
                }
            })
            .collect();
        Crosswalk { villages: rows, communities: community_rows, households: self.cross_households(placements) }
    }

    /// Households whose registered village was merged into, or whose roster grid belongs to, another
    /// community than the one they lie in. Households outside every community are coverage defects, not
    /// cross-boundary cases, and are left out.
    pub fn cross_households(&self, placements: &[Placement]) -> Vec<CrossHousehold> {
        let (Some(hh), Some(communities)) = (self.layer(Layer::Households), self.layer(Layer::Communities)) else {
            return vec![];
        };
        let villages = self.layer(Layer::Villages);
        let grids = self.layer(Layer::Grids);
        let units = self.layer(Layer::Units);
        let mut out = Vec::new();
        for (i, (f, p)) in hh.features.iter().zip(placements).enumerate() {
            let Some(c) = p.community else { continue };
            let located = &communities.features[c];
            let village_code = f.str_prop("village_code").unwrap_or_default();
            let village = villages.and_then(|v| v.get(village_code));
            let registered = village.and_then(|v| v.str_prop("merged_into"));
            let roster = f.str_prop("grid_code").unwrap_or_default();
            let roster_community = grids
                .and_then(|g| g.get(roster))
                .and_then(|g| g.str_prop("community_code"))
                .map(str::to_string)
                .or_else(|| (roster.len() == 15).then(|| roster[..12].to_string()));
            let mut reasons = Vec::new();
            if registered.is_some_and(|r| r != located.code) {
                reasons.push(CrossReason::Village);
            }
            if roster_community.as_deref().is_some_and(|r| r != located.code) {
                reasons.push(CrossReason::RosterGrid);
            }
            if reasons.is_empty() {
                continue;
            }
            let grid = p.grid.and_then(|g| grids.map(|l| &l.features[g]));
            let lonlat = representative_point(&f.geometry).map_or([f64::NAN; 2], |c| [c.x, c.y]);
            let village_lonlat = village.and_then(|v| representative_point(&v.geometry)).map(|c| [c.x, c.y]);
            let _ = i;
            out.push(CrossHousehold {
                code: f.code.clone(),
                head: f.str_prop("head").map(str::to_string),
                address: f.str_prop("address").map(str::to_string),
                reasons,
                village: village_code.to_string(),
                village_name: village.map(|v| v.name().to_string()),
                registered_community: registered.map(str::to_string),
                registered_community_name: registered
                    .and_then(|r| communities.get(r))
                    .map(|c| c.name().to_string()),
                roster_grid: roster.to_string(),
                roster_grid_community: roster_community,
                located_community: located.code.clone(),
                located_community_name: located.name().to_string(),
                located_grid: grid.map(|g| g.code.clone()),
                located_grid_name: grid.map(|g| g.name().to_string()),
                located_manager: grid.and_then(|g| g.nonempty_prop("manager")).map(str::to_string),
                located_unit: p.unit.and_then(|u| units.map(|l| l.features[u].code.clone())),
                lonlat,
                village_lonlat,
            });
        }
        out
    }
}

fn pct(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { 100.0 * part / whole } else { 0.0 }
}

fn as_multipolygon(g: &Geometry<f64>) -> Option<MultiPolygon<f64>> {
    match g {
        Geometry::MultiPolygon(mp) => Some(mp.clone()),
        Geometry::Polygon(p) => Some(MultiPolygon(vec![p.clone()])),
        _ => None,
    }
}

fn envelope(g: &Geometry<f64>) -> rstar::AABB<[f64; 2]> {
    use geo::BoundingRect;
    let r = g.bounding_rect().unwrap_or(geo::Rect::new(Coord::zero(), Coord::zero()));
    rstar::AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Dataset, Feature};
    use geo::{MultiPolygon, Point, polygon};
    use serde_json::json;

    fn f(code: &str, props: serde_json::Value, g: Geometry<f64>) -> Feature {
        Feature { code: code.into(), properties: props.as_object().unwrap().clone(), geometry: g }
    }

    fn sq(x0: f64, y0: f64, x1: f64, y1: f64) -> Geometry<f64> {
        Geometry::MultiPolygon(MultiPolygon(vec![polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)]]))
    }

    /// Two communities side by side; 甲村 is all in the west one, 乙村 straddles the line (4/9 west, 5/9 east).
    fn atlas() -> Atlas {
        let (x, y, d) = (110.2, 34.5, 0.01);
        let mut ds = Dataset::default();
        ds.layers.insert(Layer::Communities, vec![
            f("610522001001", json!({"code": "610522001001", "name": "西社区", "merged_into": ""}), sq(x, y, x + d, y + d)),
            f("610522001002", json!({"code": "610522001002", "name": "东社区"}), sq(x + d, y, x + 2.0 * d, y + d)),
        ]);
        ds.layers.insert(Layer::Villages, vec![
            f("610522100201", json!({"code": "610522100201", "name": "甲村", "merged_into": "610522001001"}), sq(x, y, x + d / 2.0, y + d)),
            f("610522100202", json!({"code": "610522100202", "name": "乙村", "merged_into": "610522001001"}), sq(x + 0.6 * d, y, x + 1.5 * d, y + d)),
            f("610522100203", json!({"code": "610522100203", "name": "丙村", "merged_into": "610522001002"}), sq(x + 1.6 * d, y, x + 2.0 * d, y + d)),
        ]);
        ds.layers.insert(Layer::Grids, vec![
            f("610522001001001", json!({"code": "610522001001001", "community_code": "610522001001", "manager": "李娜"}), sq(x, y, x + d, y + d)),
            f("610522001002001", json!({"code": "610522001002001", "community_code": "610522001002", "manager": "张伟"}), sq(x + d, y, x + 2.0 * d, y + d)),
        ]);
        let pt = |px: f64, py: f64| Geometry::Point(Point::new(px, py));
        ds.layers.insert(Layer::Households, vec![
            // Registered in 乙村 (merged into the west), lives in the east half of 乙村: cross-boundary.
            f("H1", json!({"code": "H1", "village_code": "610522100202", "grid_code": "610522001001001", "unit_code": ""}), pt(x + 1.2 * d, y + 0.5 * d)),
            // Registered and living in the west: fine.
            f("H2", json!({"code": "H2", "village_code": "610522100201", "grid_code": "610522001001001", "unit_code": ""}), pt(x + 0.2 * d, y + 0.5 * d)),
            // Lives in the east under the east grid, registered to 丙村 (east), but the roster names a west grid.
            f("H3", json!({"code": "H3", "village_code": "610522100203", "grid_code": "610522001001001", "unit_code": ""}), pt(x + 1.8 * d, y + 0.5 * d)),
        ]);
        Atlas::build(&ds, 0).unwrap()
    }

    #[test]
    fn shares_split_villages_and_community_makeup() {
        let cw = atlas().crosswalk();
        let a = &cw.villages[0];
        assert_eq!(a.shares.len(), 1);
        assert!((a.shares[0].area_pct - 100.0).abs() < 1e-3);
        assert!(!a.split && a.target_holds_most);
        let b = &cw.villages[1];
        assert!(b.split);
        assert_eq!(b.shares[0].community, "610522001002", "the east community holds most of 乙村");
        assert!((b.shares[0].area_pct - 500.0 / 9.0).abs() < 0.1, "{:?}", b.shares);
        assert!(!b.target_holds_most);
        assert_eq!(b.households, 1);
        assert_eq!(b.shares[0].households, 1);
        let east = &cw.communities[1];
        let made_of: Vec<&str> = east.villages.iter().map(|p| p.village.as_str()).collect();
        assert_eq!(made_of, ["610522100202", "610522100203"]);
        assert_eq!(east.merged_villages, ["610522100203"]);
    }

    #[test]
    fn cross_boundary_households_with_both_sides() {
        let cw = atlas().crosswalk();
        let codes: Vec<&str> = cw.households.iter().map(|h| h.code.as_str()).collect();
        assert_eq!(codes, ["H1", "H3"]);
        let h1 = &cw.households[0];
        assert_eq!(h1.reasons, [CrossReason::Village, CrossReason::RosterGrid]);
        assert_eq!(h1.registered_community.as_deref(), Some("610522001001"));
        assert_eq!(h1.located_community, "610522001002");
        assert_eq!(h1.located_grid.as_deref(), Some("610522001002001"));
        assert_eq!(h1.located_manager.as_deref(), Some("张伟"));
        assert_eq!(cw.households[1].reasons, [CrossReason::RosterGrid]);
    }
}
