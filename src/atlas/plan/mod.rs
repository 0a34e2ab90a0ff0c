//! Plans: a planner's draft of one community's grids, the edits it takes, its live statistics and what
//! publishing it writes.
//!
//! A draft is a copy of the community's published grids (in the stored lon/lat) and of its units' grid
//! assignments. Edits work in lon/lat, as the coverage engine decides topology, so that a vertex shared with a
//! neighbour stays bit-for-bit shared; distances (the snapping tolerance) are measured in metres in the
//! atlas's CRS. Every edit returns a [`Step`]: the grids and unit assignments it changed, before and after. Undo
//! and redo put those back rather than replaying the edit, so they are exact and need no geometry. The steps are
//! not part of the draft: the store keeps them as rows beside it (a draft is read and written on every edit, and
//! its history would grow with each).
//!
//! Grids keep their published code as their id in a draft; grids a split creates get `new-N` ids. Publishing
//! keeps the codes of grids that persist and gives new grids the next free codes (`identity`).

use std::collections::BTreeMap;

use geo::MultiPolygon;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Atlas;
use crate::model::{Feature, Layer};

/// Assigning lanes and buildings to a grid: the grid's outline follows its units.
pub mod assign;
/// Comparing two plans: households and units that change grid and manager.
pub mod compare;
/// Serialising draft geometry, and the ring and vertex helpers the edits share.
pub mod geometry;
/// Giving a gap or an overlap to a chosen grid in one action.
pub mod give;
/// The publishing rule: which published grid each draft grid continues (code, name, manager), which are new.
pub mod identity;
/// Merging two adjacent grids.
pub mod merge;
/// What a publication writes: grids by the publishing rule, moved units and households, defects to acknowledge.
pub mod publish;
/// Snapping a vertex to neighbouring grids and the community boundary.
pub mod snap;
/// Splitting a grid along a drawn line.
pub mod split;
/// Live statistics of a draft: per grid, the community's defects, households changing grid.
pub mod stats;
/// Reshaping a grid: replacing its outline, moving, adding and deleting vertices.
pub mod vertices;

/// What an edit cannot do, said for the planner.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("社区 {0} 不在当前数据中 (community {0} is not in the atlas)")]
    UnknownCommunity(String),
    #[error("网格 {0} 不在此草案中 (grid {0} is not in this draft)")]
    UnknownGrid(String),
    #[error("巷道或楼栋 {0} 不属于本社区 (unit {0} is not a lane or building of this community)")]
    UnknownUnit(String),
    #[error("{0}")]
    Invalid(String),
    #[error("没有可撤销的操作 (nothing to undo)")]
    NothingToUndo,
    #[error("没有可重做的操作 (nothing to redo)")]
    NothingToRedo,
}

/// One grid of a draft.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftGrid {
    /// The published grid's properties (name, manager, ...), as copied; empty for a new grid.
    pub properties: Map<String, Value>,
    /// Lon/lat, exteriors counter-clockwise.
    #[serde(with = "geometry::serde_mp")]
    pub geometry: MultiPolygon<f64>,
}

/// An edit, as the API and the map send it. Coordinates are `[lon, lat]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Edit {
    /// Replaces the outline of a grid (its largest part) by `ring`, each vertex snapped within `snap_m`.
    Reshape { grid: String, ring: Vec<[f64; 2]>, snap_m: Option<f64> },
    /// Moves a vertex, in every grid that has it, to `to` (snapped within `snap_m`).
    MoveVertex { from: [f64; 2], to: [f64; 2], snap_m: Option<f64> },
    /// Adds a vertex on the edge of `grid` nearest to `at`, and on the neighbour sharing that edge.
    AddVertex { grid: String, at: [f64; 2] },
    /// Deletes a vertex from every grid that has it.
    DeleteVertex { at: [f64; 2] },
    /// Splits `grid` along a line drawn across it.
    Split { grid: String, line: Vec<[f64; 2]> },
    /// Merges `with` into `grid`.
    Merge { grid: String, with: String },
    /// Assigns lanes and buildings to `grid`.
    AssignUnits { grid: String, units: Vec<String> },
    /// Gives the gap or overlap at `at` to grid `to`.
    Give { at: [f64; 2], to: String },
}

/// The snapping tolerance when an edit does not give one, metres.
pub const DEFAULT_SNAP_M: f64 = 3.0;
/// The largest snapping tolerance an edit may ask for, metres: beyond it a vertex would jump to a far one.
pub const MAX_SNAP_M: f64 = 50.0;

/// An edit's snapping tolerance, checked: [`DEFAULT_SNAP_M`] when not given, else within 0..=[`MAX_SNAP_M`].
///
/// ```
/// use gridmap::atlas::plan::snap_m;
/// assert_eq!(snap_m(None), Ok(3.0));
/// assert!(snap_m(Some(1e9)).unwrap_err().to_string().starts_with("吸附距离"));
/// assert!(snap_m(Some(f64::NAN)).is_err() && snap_m(Some(-1.0)).is_err());
/// ```
pub fn snap_m(given: Option<f64>) -> Result<f64, PlanError> {
    let s = given.unwrap_or(DEFAULT_SNAP_M);
    if !(s.is_finite() && (0.0..=MAX_SNAP_M).contains(&s)) {
        return Err(PlanError::Invalid(format!(
            "吸附距离 snap_m 须在 0 到 {MAX_SNAP_M} 米之间 (snap_m {s} is outside 0..={MAX_SNAP_M} m)"
        )));
    }
    Ok(s)
}

/// A grid changed by an edit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GridChange {
    pub id: String,
    pub before: Option<DraftGrid>,
    pub after: Option<DraftGrid>,
}

/// A unit whose grid changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitChange {
    pub unit: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One applied edit and what it changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub edit: Edit,
    pub grids: Vec<GridChange>,
    pub units: Vec<UnitChange>,
}

/// A draft of one community's grids.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub community: String,
    /// By id: the published code, or `new-N`.
    pub grids: BTreeMap<String, DraftGrid>,
    /// Unit code → grid id.
    pub units: BTreeMap<String, String>,
    /// The number of the next new grid.
    #[serde(default)]
    pub next_new: u32,
}

/// The published grids of `community` in the atlas, as (code, feature).
pub fn published_grids<'a>(atlas: &'a Atlas, community: &str) -> Vec<&'a Feature> {
    atlas.layer(Layer::Grids).map_or(Vec::new(), |g| {
        g.features.iter().filter(|f| f.str_prop("community_code") == Some(community)).collect()
    })
}

impl Draft {
    /// A draft copying the community's published grids and their units' assignments.
    pub fn from_atlas(atlas: &Atlas, community: &str) -> Result<Draft, PlanError> {
        atlas
            .layer(Layer::Communities)
            .and_then(|c| c.get(community))
            .ok_or_else(|| PlanError::UnknownCommunity(community.to_string()))?;
        let grids: BTreeMap<String, DraftGrid> = published_grids(atlas, community)
            .into_iter()
            .map(|f| {
                let geometry = geometry::oriented_mp(&f.geometry);
                (f.code.clone(), DraftGrid { properties: f.properties.clone(), geometry })
            })
            .collect();
        let units = atlas.layer(Layer::Units).map_or(BTreeMap::new(), |u| {
            u.features
                .iter()
                .filter_map(|f| {
                    let g = f.str_prop("grid_code")?;
                    grids.contains_key(g).then(|| (f.code.clone(), g.to_string()))
                })
                .collect()
        });
        Ok(Draft { community: community.to_string(), grids, units, next_new: 1 })
    }

    /// The grid with this id.
    pub fn grid(&self, id: &str) -> Result<&DraftGrid, PlanError> {
        self.grids.get(id).ok_or_else(|| PlanError::UnknownGrid(id.to_string()))
    }

    /// A fresh id for a grid the draft creates.
    pub fn new_id(&mut self) -> String {
        let id = format!("new-{}", self.next_new.max(1));
        self.next_new = self.next_new.max(1) + 1;
        id
    }

    /// Applies `edit` and returns what it changed, or `None` when it changed nothing (such an edit is not a
    /// step). On error the draft is as it was.
    pub fn apply(&mut self, atlas: &Atlas, edit: &Edit) -> Result<Option<Step>, PlanError> {
        let mut work = self.clone();
        let ctx = Context::new(atlas, &self.community)?;
        match edit {
            Edit::Reshape { grid, ring, snap_m } => vertices::reshape(&mut work, &ctx, grid, ring, self::snap_m(*snap_m)?)?,
            Edit::MoveVertex { from, to, snap_m } => vertices::move_vertex(&mut work, &ctx, *from, *to, self::snap_m(*snap_m)?)?,
            Edit::AddVertex { grid, at } => vertices::add_vertex(&mut work, grid, *at)?,
            Edit::DeleteVertex { at } => vertices::delete_vertex(&mut work, *at)?,
            Edit::Split { grid, line } => split::split(&mut work, grid, line).map(|_| ())?,
            Edit::Merge { grid, with } => merge::merge(&mut work, grid, with)?,
            Edit::AssignUnits { grid, units } => assign::assign_units(&mut work, &ctx, grid, units)?,
            Edit::Give { at, to } => give::give(&mut work, &ctx, *at, to)?,
        }
        let step = self.diff(&work, edit.clone());
        if step.grids.is_empty() && step.units.is_empty() {
            return Ok(None);
        }
        *self = work;
        Ok(Some(step))
    }

    /// Takes back `step`, the last edit applied.
    pub fn undo(&mut self, step: &Step) {
        self.put(step, false);
    }

    /// Puts back `step`, the last edit undone.
    pub fn redo(&mut self, step: &Step) {
        self.put(step, true);
    }

    fn put(&mut self, step: &Step, forward: bool) {
        for g in &step.grids {
            match if forward { &g.after } else { &g.before } {
                Some(grid) => self.grids.insert(g.id.clone(), grid.clone()),
                None => self.grids.remove(&g.id),
            };
        }
        for u in &step.units {
            match if forward { &u.after } else { &u.before } {
                Some(grid) => self.units.insert(u.unit.clone(), grid.clone()),
                None => self.units.remove(&u.unit),
            };
        }
    }

    /// What changed from `self` to `after`.
    fn diff(&self, after: &Draft, edit: Edit) -> Step {
        let mut grids = Vec::new();
        let ids: std::collections::BTreeSet<&String> = self.grids.keys().chain(after.grids.keys()).collect();
        for id in ids {
            let (b, a) = (self.grids.get(id), after.grids.get(id));
            if b != a {
                grids.push(GridChange { id: id.clone(), before: b.cloned(), after: a.cloned() });
            }
        }
        let mut units = Vec::new();
        let codes: std::collections::BTreeSet<&String> = self.units.keys().chain(after.units.keys()).collect();
        for u in codes {
            let (b, a) = (self.units.get(u), after.units.get(u));
            if b != a {
                units.push(UnitChange { unit: u.clone(), before: b.cloned(), after: a.cloned() });
            }
        }
        Step { edit, grids, units }
    }
}

/// What edits read from the atlas: the CRS for distances, the community's boundary, its units.
pub struct Context<'a> {
    pub atlas: &'a Atlas,
    /// The community's boundary, lon/lat, oriented.
    pub boundary: MultiPolygon<f64>,
}

impl<'a> Context<'a> {
    pub fn new(atlas: &'a Atlas, community: &str) -> Result<Context<'a>, PlanError> {
        let f = atlas
            .layer(Layer::Communities)
            .and_then(|c| c.get(community))
            .ok_or_else(|| PlanError::UnknownCommunity(community.to_string()))?;
        Ok(Context { atlas, boundary: geometry::oriented_mp(&f.geometry) })
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A small community for the edits' tests: a 2 × 1 block of grids near Tongguan sharing the edge x = 0.005°.
    use super::*;
    use crate::model::Dataset;
    use geo::{Geometry, Point, Polygon, polygon};
    use serde_json::json;

    pub const X0: f64 = 110.20;
    pub const Y0: f64 = 34.50;
    pub const D: f64 = 0.01;

    pub fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
        polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1), (x: x0, y: y0)]
    }

    fn f(code: &str, p: Value, g: Geometry<f64>) -> Feature {
        Feature { code: code.into(), properties: p.as_object().unwrap().clone(), geometry: g }
    }

    pub fn mp(p: Polygon<f64>) -> Geometry<f64> {
        Geometry::MultiPolygon(MultiPolygon(vec![p]))
    }

    /// Community C with grids A (west half) and B (east half), a unit in each, and `n` households per grid in
    /// rows (members 2 each).
    pub fn atlas(n: usize) -> Atlas {
        let h = D / 2.0;
        let mut ds = Dataset::default();
        ds.layers.insert(Layer::Communities, vec![f("610522001001", json!({"code": "610522001001", "name": "南新社区", "town_code": "610522001", "kind": "urban"}), mp(square(X0, Y0, X0 + D, Y0 + D)))]);
        ds.layers.insert(Layer::Grids, vec![
            f("610522001001001", json!({"code": "610522001001001", "name": "南新社区第1网格", "community_code": "610522001001", "manager": "李娜"}), mp(square(X0, Y0, X0 + h, Y0 + D))),
            f("610522001001002", json!({"code": "610522001001002", "name": "南新社区第2网格", "community_code": "610522001001", "manager": "张伟"}), mp(square(X0 + h, Y0, X0 + D, Y0 + D))),
        ]);
        ds.layers.insert(Layer::Units, vec![
            f("610522001001001001", json!({"code": "610522001001001001", "name": "1号楼", "grid_code": "610522001001001", "kind": "building"}), mp(square(X0 + 0.001, Y0 + 0.001, X0 + 0.002, Y0 + 0.002))),
            f("610522001001002001", json!({"code": "610522001001002001", "name": "2号楼", "grid_code": "610522001001002", "kind": "building"}), mp(square(X0 + 0.0051, Y0 + 0.004, X0 + 0.0059, Y0 + 0.0049))),
        ]);
        let mut hh = Vec::new();
        for (g, x) in [("610522001001001", X0 + 0.0005), ("610522001001002", X0 + h + 0.0005)] {
            for i in 0..n {
                let code = format!("H{g}{i:04}");
                let y = Y0 + 0.0005 + (i as f64) * (D - 0.001) / n.max(1) as f64;
                hh.push(f(&code, json!({"code": code, "grid_code": g, "unit_code": "", "village_code": "610522100201", "members": 2}), Geometry::Point(Point::new(x + 0.003 * (i % 2) as f64, y))));
            }
        }
        ds.layers.insert(Layer::Households, hh);
        Atlas::build(&ds, 0).unwrap()
    }

    pub fn draft(atlas: &Atlas) -> Draft {
        Draft::from_atlas(atlas, "610522001001").unwrap()
    }

    pub const A: &str = "610522001001001";
    pub const B: &str = "610522001001002";
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn a_draft_copies_the_published_grids_and_units() {
        let atlas = atlas(2);
        let d = draft(&atlas);
        assert_eq!(d.grids.keys().collect::<Vec<_>>(), vec![A, B]);
        assert_eq!(d.units.get("610522001001002001").map(String::as_str), Some(B));
        assert!(matches!(Draft::from_atlas(&atlas, "610522999999"), Err(PlanError::UnknownCommunity(_))));
    }

    #[test]
    fn undo_and_redo_put_back_exactly_what_a_step_changed() {
        let atlas = atlas(2);
        let mut d = draft(&atlas);
        let original = d.clone();
        let merge = d.apply(&atlas, &Edit::Merge { grid: A.into(), with: B.into() }).unwrap().unwrap();
        // The step names what changed, before and after: A grown, B gone, B's unit moved to A.
        assert_eq!(merge.grids.iter().map(|g| (g.id.as_str(), g.before.is_some(), g.after.is_some())).collect::<Vec<_>>(), vec![(A, true, true), (B, true, false)]);
        assert_eq!(merge.units.iter().map(|u| (u.unit.as_str(), u.after.as_deref())).collect::<Vec<_>>(), vec![("610522001001002001", Some(A))]);
        let merged = d.clone();
        let split = d.apply(&atlas, &Edit::Split { grid: A.into(), line: vec![[X0 - 0.001, Y0 + D / 2.0], [X0 + D + 0.001, Y0 + D / 2.0]] }).unwrap().unwrap();
        let after_split = d.grids.clone();
        assert_eq!(after_split.len(), 2);
        d.undo(&split);
        assert_eq!(d.grids, merged.grids);
        d.undo(&merge);
        assert_eq!((&d.grids, &d.units), (&original.grids, &original.units));
        d.redo(&merge);
        d.redo(&split);
        assert_eq!(d.grids, after_split);
    }

    #[test]
    fn a_failed_edit_leaves_the_draft_as_it_was() {
        let atlas = atlas(2);
        let mut d = draft(&atlas);
        let before = d.clone();
        assert!(d.apply(&atlas, &Edit::Merge { grid: A.into(), with: "nope".into() }).is_err());
        assert_eq!(d, before);
    }

    #[test]
    fn a_draft_survives_json() {
        let atlas = atlas(2);
        let mut d = draft(&atlas);
        d.apply(&atlas, &Edit::Merge { grid: A.into(), with: B.into() }).unwrap();
        let back: Draft = serde_json::from_value(serde_json::to_value(&d).unwrap()).unwrap();
        assert_eq!(back, d);
    }
}
