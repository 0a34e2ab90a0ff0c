//! The crosswalk as tables: legacy villages (村对照), community make-up (社区构成), cross-boundary households
//! (跨界户), reassignment diff per grid (调整方案).

use super::{Cell, Table};
use crate::atlas::crosswalk::{CrossHousehold, CrossReason, Crosswalk};
use crate::atlas::reassign::Proposal;

/// One row per (village, community) share.
pub fn villages_table(cw: &Crosswalk) -> Table {
    let mut t = Table::new(
        "村对照",
        &[
            "原村编码", "原村名称", "原乡镇编码", "合并去向编码", "合并去向名称", "原村面积(平方米)", "原村户数",
            "所在社区编码", "所在社区名称", "面积(平方米)", "面积占比(%)", "户数", "户数占比(%)", "去向占比(%)",
            "去向为主体", "跨社区拆分",
        ],
    );
    for v in &cw.villages {
        let shares: Vec<Option<&crate::atlas::crosswalk::Share>> =
            if v.shares.is_empty() { vec![None] } else { v.shares.iter().map(Some).collect() };
        for s in shares {
            t.push(vec![
                v.code.clone().into(),
                v.name.clone().into(),
                v.town_code.clone().into(),
                v.merged_into.clone().into(),
                v.merged_into_name.clone().into(),
                v.area_m2.into(),
                v.households.into(),
                s.map(|s| s.community.clone()).into(),
                s.map(|s| s.community_name.clone()).into(),
                s.map_or(Cell::Text(String::new()), |s| s.area_m2.into()),
                s.map_or(Cell::Text(String::new()), |s| s.area_pct.into()),
                s.map_or(Cell::Text(String::new()), |s| s.households.into()),
                s.map_or(Cell::Text(String::new()), |s| s.households_pct.into()),
                v.target_pct.into(),
                v.target_holds_most.into(),
                v.split.into(),
            ]);
        }
    }
    t
}

/// One row per (community, village part).
pub fn communities_table(cw: &Crosswalk) -> Table {
    let mut t = Table::new(
        "社区构成",
        &["社区编码", "社区名称", "社区面积(平方米)", "原村编码", "原村名称", "面积(平方米)", "占社区面积(%)", "正式并入"],
    );
    for c in &cw.communities {
        for p in &c.villages {
            t.push(vec![
                c.code.clone().into(),
                c.name.clone().into(),
                c.area_m2.into(),
                p.village.clone().into(),
                p.village_name.clone().into(),
                p.area_m2.into(),
                p.pct_of_community.into(),
                c.merged_villages.contains(&p.village).into(),
            ]);
        }
    }
    t
}

fn reasons(r: &[CrossReason]) -> String {
    r.iter()
        .map(|r| match r {
            CrossReason::Village => "原村并入其他社区",
            CrossReason::RosterGrid => "花名册网格属其他社区",
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// One row per cross-boundary household, both sides.
pub fn households_table(hh: &[CrossHousehold]) -> Table {
    let mut t = Table::new(
        "跨界户",
        &[
            "户编码", "户主", "地址", "跨界原因", "登记原村编码", "登记原村名称", "原村并入社区编码", "原村并入社区名称",
            "花名册网格", "花名册网格所属社区", "实际所在社区编码", "实际所在社区名称", "实际所在网格", "实际网格名称",
            "实际网格员", "经度", "纬度",
        ],
    );
    for h in hh {
        t.push(vec![
            h.code.clone().into(),
            h.head.clone().into(),
            h.address.clone().into(),
            reasons(&h.reasons).into(),
            h.village.clone().into(),
            h.village_name.clone().into(),
            h.registered_community.clone().into(),
            h.registered_community_name.clone().into(),
            h.roster_grid.clone().into(),
            h.roster_grid_community.clone().into(),
            h.located_community.clone().into(),
            h.located_community_name.clone().into(),
            h.located_grid.clone().into(),
            h.located_grid_name.clone().into(),
            h.located_manager.clone().into(),
            Cell::Number(h.lonlat[0]),
            Cell::Number(h.lonlat[1]),
        ]);
    }
    t
}

/// One row per grid that gains or loses households.
pub fn proposal_table(p: &Proposal) -> Table {
    let mut t = Table::new("调整方案", &["网格编码", "网格名称", "网格员", "所属社区", "迁入户数", "迁出户数", "净变化"]);
    for g in &p.grids {
        t.push(vec![
            g.grid.clone().into(),
            g.name.clone().into(),
            g.manager.clone().into(),
            g.community.clone().into(),
            g.gained.into(),
            g.lost.into(),
            Cell::Number(g.net as f64),
        ]);
    }
    t
}
