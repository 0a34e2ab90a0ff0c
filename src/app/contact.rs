//! Contact coverage (走访覆盖率, 民情联系无遗漏): per grid and per community under a parent, the households
//! visited in the last N days divided by all households, and which households were not contacted; as JSON and
//! as the workbook of the monthly assessment.
//!
//! A household counts where it lies now (the one placement rule, as every household count): a plan that moved
//! it since its visit moves its visit's credit with it. Households lying in no grid count in their community
//! only. The not-contacted codes go only to callers who may see households ([`Access::sees_households`]).
//!
//! Who sees which parent follows the scope rules: the county scope any, a town its town and below, a secretary
//! her community and its grids, a grid manager their grids.

use std::collections::HashSet;

use serde::Serialize;

use super::error::{Error, Result};
use super::privacy::{Access, WITHHELD};
use crate::accounts::Scope;
use crate::accounts::role::Place;
use crate::atlas::Atlas;
use crate::atlas::directory::Directory;
use crate::export::{Cell, Table};
use crate::model::Layer;

/// The default window, days, and the longest.
pub const DEFAULT_DAYS: i64 = 30;
pub const MAX_DAYS: i64 = 366;

/// One grid's or community's contact coverage.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ContactRow {
    pub code: String,
    /// `grids` or `communities`.
    #[schema(value_type = String)]
    pub layer: &'static str,
    pub name: String,
    /// A grid's community.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community_code: Option<String>,
    /// A grid's manager, masked as the caller sees the grid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    /// Households lying in it.
    pub households: usize,
    /// Of those, visited in the window.
    pub visited: usize,
    /// visited / households × 100, one decimal; null without households.
    pub coverage_pct: Option<f64>,
    /// Codes of the households not visited in the window, sorted; absent for callers who may not see households.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_contacted: Option<Vec<String>>,
}

/// The contact coverage under a parent.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Contact {
    pub parent: String,
    pub days: i64,
    /// UTC, RFC 3339: the window's start.
    pub since: String,
    /// The parent's own figures.
    pub households: usize,
    pub visited: usize,
    pub coverage_pct: Option<f64>,
    pub communities: Vec<ContactRow>,
    pub grids: Vec<ContactRow>,
    /// Set when the not-contacted codes were withheld.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub message: Option<&'static str>,
}

fn pct(visited: usize, households: usize) -> Option<f64> {
    (households > 0).then(|| (visited as f64 * 1000.0 / households as f64).round() / 10.0)
}

/// The layer of `code` among county, towns, communities and grids.
fn layer_of(atlas: &Atlas, code: &str) -> Option<Layer> {
    [Layer::County, Layer::Towns, Layer::Communities, Layer::Grids]
        .into_iter()
        .find(|l| atlas.layer(*l).is_some_and(|li| li.index_of(code).is_some()))
}

fn prop(atlas: &Atlas, layer: Layer, code: &str, key: &str) -> Option<String> {
    atlas.layer(layer)?.get(code)?.nonempty_prop(key).map(str::to_string)
}

/// The parent to report on: `parent` checked against the dataset and the caller's scope, or the scope's own
/// area when absent. [`Error::NotFound`] for an unknown code, [`Error::OutOfScope`] outside the scope.
pub fn parent_for(atlas: &Atlas, parent: Option<&str>, scope: &Scope) -> Result<(String, Layer)> {
    let code = match parent.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => c.to_string(),
        None => match scope {
            Scope::County => atlas
                .layer(Layer::County)
                .and_then(|l| l.features.first())
                .map(|f| f.code.clone())
                .ok_or_else(|| Error::BadInput("数据中没有县图层，请给出 parent (no county layer: give parent)".into()))?,
            Scope::Town(t) => t.clone(),
            Scope::Community(c) => c.clone(),
            Scope::Grids(gs) if gs.len() == 1 => gs[0].clone(),
            Scope::Grids(_) => {
                return Err(Error::BadInput("您负责多个网格，请用 parent 指定其一 (you have several grids: name one as parent)".into()));
            }
        },
    };
    let Some(layer) = layer_of(atlas, &code) else {
        return Err(Error::NotFound(format!(
            "编码 {code} 不是数据中的县、镇、社区或网格编码 (parent {code:?} is not a county, town, community or grid code in the dataset)"
        )));
    };
    let community = match layer {
        Layer::Communities => Some(code.clone()),
        Layer::Grids => prop(atlas, Layer::Grids, &code, "community_code"),
        _ => None,
    };
    let town = match layer {
        Layer::Towns => Some(code.clone()),
        _ => community.as_deref().and_then(|c| prop(atlas, Layer::Communities, c, "town_code")),
    };
    let covered = match (scope, layer) {
        (Scope::County, _) => true,
        (_, Layer::County) => false,
        (Scope::Grids(_), Layer::Towns | Layer::Communities) => false,
        (Scope::Community(_), Layer::Towns) => false,
        _ => scope.covers(&Place {
            town,
            communities: community.into_iter().collect(),
            grids: if layer == Layer::Grids { vec![code.clone()] } else { vec![] },
        }),
    };
    if !covered {
        return Err(Error::OutOfScope(format!("{code} 不在您的范围内 (outside your scope: {scope})")));
    }
    Ok((code, layer))
}

/// The contact coverage under `parent` (of `layer`, as [`parent_for`] found it), with `visited` the codes of
/// the households visited since `since`, as `access` may see it.
pub fn contact(atlas: &Atlas, parent: &str, layer: Layer, visited: &HashSet<String>, days: i64, since: String, access: &Access) -> Contact {
    let dir = Directory::of(atlas);
    let grids = atlas.layer(Layer::Grids);
    let communities = atlas.layer(Layer::Communities);
    let community_in = |ci: usize| -> bool {
        let c = &communities.expect("a placed community's layer").features[ci];
        match layer {
            Layer::County => true,
            Layer::Towns => c.nonempty_prop("town_code") == Some(parent),
            Layer::Communities => c.code == parent,
            _ => false,
        }
    };
    let grid_in = |gi: usize| -> bool {
        let g = &grids.expect("a placed grid's layer").features[gi];
        match layer {
            Layer::Grids => g.code == parent,
            _ => g.nonempty_prop("community_code").and_then(|c| communities?.index_of(c)).is_some_and(community_in),
        }
    };
    // Per grid and community index: the households lying in it, and which of them were visited.
    let n_grids = grids.map_or(0, |l| l.len());
    let n_comms = communities.map_or(0, |l| l.len());
    let mut by_grid: Vec<Vec<(usize, bool)>> = vec![vec![]; n_grids];
    let mut by_comm: Vec<Vec<(usize, bool)>> = vec![vec![]; n_comms];
    let (mut total, mut seen) = (0, 0);
    if let Some(hh) = atlas.layer(Layer::Households) {
        for (i, f) in hh.features.iter().enumerate() {
            let p = dir.placement(i);
            let v = visited.contains(&f.code);
            let in_grid = p.grid.filter(|g| grid_in(*g));
            let in_comm = p.community.filter(|c| layer != Layer::Grids && community_in(*c));
            if let Some(g) = in_grid {
                by_grid[g].push((i, v));
            }
            if let Some(c) = in_comm {
                by_comm[c].push((i, v));
            }
            if in_grid.is_some() || in_comm.is_some() {
                total += 1;
                seen += usize::from(v);
            }
        }
    }
    let sees = access.sees_households();
    let codes = |members: &[(usize, bool)]| -> Option<Vec<String>> {
        sees.then(|| {
            let hh = atlas.layer(Layer::Households).expect("households were placed");
            let mut c: Vec<String> = members.iter().filter(|(_, v)| !v).map(|(i, _)| hh.features[*i].code.clone()).collect();
            c.sort();
            c
        })
    };
    let row = |l: Layer, i: usize, members: &[(usize, bool)]| -> ContactRow {
        let f = &atlas.layer(l).expect("the row's layer").features[i];
        let visited = members.iter().filter(|(_, v)| *v).count();
        let (community_code, manager) = if l == Layer::Grids {
            let view = access.grid(atlas, &f.code);
            (f.nonempty_prop("community_code").map(str::to_string), f.nonempty_prop("manager").map(|m| view.name(m)))
        } else {
            (None, None)
        };
        ContactRow {
            code: f.code.clone(),
            layer: l.name(),
            name: f.name().to_string(),
            community_code,
            manager,
            households: members.len(),
            visited,
            coverage_pct: pct(visited, members.len()),
            not_contacted: codes(members),
        }
    };
    let mut grid_rows: Vec<ContactRow> = (0..n_grids).filter(|g| grid_in(*g)).map(|g| row(Layer::Grids, g, &by_grid[g])).collect();
    let mut comm_rows: Vec<ContactRow> =
        (0..n_comms).filter(|c| layer != Layer::Grids && community_in(*c)).map(|c| row(Layer::Communities, c, &by_comm[c])).collect();
    grid_rows.sort_by(|a, b| a.code.cmp(&b.code));
    comm_rows.sort_by(|a, b| a.code.cmp(&b.code));
    Contact {
        parent: parent.to_string(),
        days,
        since,
        households: total,
        visited: seen,
        coverage_pct: pct(seen, total),
        communities: comm_rows,
        grids: grid_rows,
        message: (!sees).then_some(WITHHELD),
    }
}

fn pct_cell(p: Option<f64>) -> Cell {
    p.map_or_else(|| Cell::Text("—".into()), Cell::Number)
}

/// The workbook of the monthly assessment: a sheet per grid and per community, and the households not
/// contacted (for callers who may see households), with Chinese headers.
pub fn tables(c: &Contact) -> Vec<Table> {
    let mut grids = Table::new("网格走访覆盖", &["网格编码", "网格", "所属社区", "网格员", "总户数", "已走访户数", "未走访户数", "走访覆盖率(%)"]);
    for r in &c.grids {
        grids.push(vec![
            r.code.clone().into(),
            r.name.clone().into(),
            r.community_code.clone().into(),
            r.manager.clone().into(),
            r.households.into(),
            r.visited.into(),
            (r.households - r.visited).into(),
            pct_cell(r.coverage_pct),
        ]);
    }
    let mut comms = Table::new("社区走访覆盖", &["社区编码", "社区", "总户数", "已走访户数", "未走访户数", "走访覆盖率(%)"]);
    for r in &c.communities {
        comms.push(vec![
            r.code.clone().into(),
            r.name.clone().into(),
            r.households.into(),
            r.visited.into(),
            (r.households - r.visited).into(),
            pct_cell(r.coverage_pct),
        ]);
    }
    let mut out = vec![grids, comms];
    if c.message.is_none() {
        let mut missing = Table::new("未走访住户", &["户码", "网格编码", "网格"]);
        for r in &c.grids {
            for h in r.not_contacted.iter().flatten() {
                missing.push(vec![h.clone().into(), r.code.clone().into(), r.name.clone().into()]);
            }
        }
        out.push(missing);
    }
    out
}
