//! Reassignment after the merger: each cross-boundary household should belong to the grid it lies in. The
//! proposal lists the moves and, per grid and per manager, the households gained and lost.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Atlas;
use super::crosswalk::CrossHousehold;
use crate::model::{Feature, Layer};

/// One household's move from its roster grid to the grid it lies in.
#[derive(Clone, Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Move {
    pub household: String,
    pub head: Option<String>,
    pub from_grid: String,
    pub to_grid: String,
    /// The unit it lies in, if any (its roster unit is replaced by this, or emptied).
    pub to_unit: Option<String>,
    pub community: String,
}

/// Households gained and lost by one grid.
#[derive(Clone, Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct GridDiff {
    pub grid: String,
    pub name: Option<String>,
    pub manager: Option<String>,
    pub community: Option<String>,
    pub gained: usize,
    pub lost: usize,
    pub net: i64,
}

/// Households gained and lost by one manager over their grids.
#[derive(Clone, Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ManagerDiff {
    pub manager: String,
    pub grids: Vec<String>,
    pub gained: usize,
    pub lost: usize,
    pub net: i64,
}

/// The proposal: moves, and their effect per grid and per manager.
#[derive(Clone, Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Proposal {
    pub community: Option<String>,
    pub moves: Vec<Move>,
    pub grids: Vec<GridDiff>,
    pub managers: Vec<ManagerDiff>,
}

impl Atlas {
    /// The moves that put each cross-boundary household in the grid it lies in, optionally only those of
    /// households lying in `community`. Households already in the right grid, or in no grid, are not moved.
    pub fn reassignment(&self, cross: &[CrossHousehold], community: Option<&str>) -> Proposal {
        let moves: Vec<Move> = cross
            .iter()
            .filter(|h| community.is_none_or(|c| h.located_community == c))
            .filter_map(|h| {
                let to = h.located_grid.clone()?;
                (to != h.roster_grid).then(|| Move {
                    household: h.code.clone(),
                    head: h.head.clone(),
                    from_grid: h.roster_grid.clone(),
                    to_grid: to,
                    to_unit: h.located_unit.clone(),
                    community: h.located_community.clone(),
                })
            })
            .collect();
        let grids_layer = self.layer(Layer::Grids);
        let mut per_grid: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for m in &moves {
            per_grid.entry(m.to_grid.clone()).or_default().0 += 1;
            per_grid.entry(m.from_grid.clone()).or_default().1 += 1;
        }
        let grids: Vec<GridDiff> = per_grid
            .into_iter()
            .map(|(code, (gained, lost))| {
                let f = grids_layer.and_then(|g| g.get(&code));
                GridDiff {
                    name: f.map(|f| f.name().to_string()),
                    manager: f.and_then(|f| f.nonempty_prop("manager")).map(str::to_string),
                    community: f.and_then(|f| f.str_prop("community_code")).map(str::to_string),
                    grid: code,
                    gained,
                    lost,
                    net: gained as i64 - lost as i64,
                }
            })
            .collect();
        let mut per_manager: BTreeMap<String, ManagerDiff> = BTreeMap::new();
        for g in &grids {
            let name = g.manager.clone().unwrap_or_else(|| "（无网格员）".into());
            let e = per_manager.entry(name.clone()).or_insert(ManagerDiff {
                manager: name,
                grids: vec![],
                gained: 0,
                lost: 0,
                net: 0,
            });
            e.grids.push(g.grid.clone());
            e.gained += g.gained;
            e.lost += g.lost;
            e.net += g.net;
        }
        Proposal { community: community.map(str::to_string), moves, grids, managers: per_manager.into_values().collect() }
    }

    /// The household features as they are after `moves`: roster grid set to the grid it lies in, roster unit to
    /// the unit it lies in (empty when none).
    pub fn moved_households(&self, moves: &[Move]) -> Vec<Feature> {
        let Some(hh) = self.layer(Layer::Households) else { return vec![] };
        moves
            .iter()
            .filter_map(|m| {
                let mut f = hh.get(&m.household)?.clone();
                f.properties.insert("grid_code".into(), m.to_grid.clone().into());
                f.properties.insert("unit_code".into(), m.to_unit.clone().unwrap_or_default().into());
                Some(f)
            })
            .collect()
    }
}
