//! The coverage evidence (覆盖检查证据) for people without GIS software: the defects under a parent as rows
//! that name communities and grids by name, with a place to go and what to do, and a summary per community;
//! as a workbook (a sheet per defect kind) and, through [`crate::export::evidence`], a printable A4 list.
//!
//! The rows are exactly the defects `/api/v1/coverage/defects` gives the same caller for the same parent
//! ([`Coverage::visible`]); the percentages follow the report's one rounding rule ([`floor_pct`]).

use std::collections::BTreeMap;

use geo::{Geometry, InteriorPoint};

use super::coverage::Coverage;
use crate::accounts::clock;
use crate::atlas::Atlas;
use crate::atlas::coverage::report::floor_pct;
use crate::atlas::coverage::{Defect, Kind, Place, SummaryRow};
use crate::export::{Cell, Table};
use crate::model::Layer;
use crate::model::crs::MetricCrs;

/// One defect as people read it.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The report's sentence.
    pub what: String,
    /// Towns, communities and grids concerned, each `名称(编码)`, joined by `、`.
    pub town: String,
    pub community: String,
    pub grid: String,
    /// The lane, building or household at fault (a household by its code only, as the defects list has it).
    pub involved: String,
    /// A point inside the defect, lon/lat.
    pub lonlat: Option<(f64, f64)>,
    pub area_m2: Option<f64>,
    pub width_m: Option<f64>,
}

impl Row {
    /// The point as text people can type into a map app: `110.201500, 34.501500` (lon, lat).
    pub fn place(&self) -> String {
        self.lonlat.map_or_else(String::new, |(x, y)| format!("{x:.6}, {y:.6}"))
    }
}

/// The rows of one kind.
#[derive(Clone, Debug)]
pub struct Section {
    pub kind: Kind,
    pub rows: Vec<Row>,
}

/// A line of the summary: the parent itself or one of its communities.
#[derive(Clone, Debug)]
pub struct Line {
    /// 县, 镇/街道, 社区 or 网格.
    pub layer_zh: &'static str,
    pub name: String,
    pub code: String,
    /// Floored to one decimal ([`floor_pct`]).
    pub coverage_pct: Option<f64>,
    pub gap_m2: Option<f64>,
    pub households: Option<u64>,
    pub households_uncovered: Option<u64>,
    /// The listed defects in it, by kind.
    pub counts: BTreeMap<Kind, usize>,
}

/// The evidence under a parent, as one caller may see it.
#[derive(Clone, Debug)]
pub struct Evidence {
    /// `潼关县`.
    pub county: String,
    /// The parent as `名称(编码)`.
    pub scope: String,
    pub parent_code: String,
    pub revision: i64,
    /// When the report was computed, unix seconds.
    pub made_at: i64,
    pub summary: Vec<Line>,
    /// In the report's order of kinds; only kinds that occur.
    pub sections: Vec<Section>,
    /// Defects under the parent left out because they name single households the caller may not see.
    pub withheld: usize,
}

/// `名称(编码)`, or the code alone when the feature has no name of its own.
fn named(atlas: &Atlas, layer: Layer, code: &str) -> String {
    match atlas.layer(layer).and_then(|l| l.get(code)) {
        Some(f) if f.name() != code => format!("{}({code})", f.name()),
        _ => code.to_string(),
    }
}

/// The layer among towns, communities and grids that holds `code`.
fn area_layer(atlas: &Atlas, code: &str) -> Option<Layer> {
    [Layer::Grids, Layer::Communities, Layer::Towns].into_iter().find(|l| atlas.layer(*l).is_some_and(|li| li.index_of(code).is_some()))
}

/// A point inside the defect's place, lon/lat.
fn point(place: &Place, crs: MetricCrs) -> Option<(f64, f64)> {
    let inside = |g: &Geometry<f64>| g.interior_point();
    match place {
        Place::LonLat(g) => inside(g).map(|p| (p.x(), p.y())),
        Place::Metres(g) => inside(g).and_then(|p| crs.unproject(p.x(), p.y()).ok()).map(|c| (c.x, c.y)),
    }
}

fn row(atlas: &Atlas, d: &Defect, chain: &[String], crs: MetricCrs) -> Row {
    let (mut towns, mut communities, mut grids, mut involved) = (vec![], vec![], vec![], vec![]);
    // The children at fault first (a unit's or household's other codes are grids), then the parent's chain.
    for (i, code) in d.codes.iter().chain(chain).enumerate() {
        if i == 0 && matches!(d.layer, Layer::Units | Layer::Households) {
            involved.push(if d.layer == Layer::Units { named(atlas, Layer::Units, code) } else { format!("户码 {code}") });
            continue;
        }
        let list = match area_layer(atlas, code) {
            Some(Layer::Grids) => &mut grids,
            Some(Layer::Communities) => &mut communities,
            Some(Layer::Towns) => &mut towns,
            _ => continue,
        };
        let layer = area_layer(atlas, code).expect("classified above");
        let text = named(atlas, layer, code);
        if !list.contains(&text) {
            list.push(text);
        }
    }
    // A grid's community and town, when the chain did not give them (a grid named only among the codes).
    for g in d.codes.iter().filter(|c| area_layer(atlas, c) == Some(Layer::Grids)) {
        let grid = atlas.layer(Layer::Grids).and_then(|l| l.get(g));
        if let Some(c) = grid.and_then(|f| f.nonempty_prop("community_code")) {
            let text = named(atlas, Layer::Communities, c);
            if !communities.contains(&text) {
                communities.push(text);
            }
        }
    }
    Row {
        what: d.message.clone(),
        town: towns.join("、"),
        community: communities.join("、"),
        grid: grids.join("、"),
        involved: involved.join("、"),
        lonlat: point(&d.place, crs),
        area_m2: d.area_m2,
        width_m: d.width_m,
    }
}

fn line(r: &SummaryRow, counts: BTreeMap<Kind, usize>) -> Line {
    Line {
        layer_zh: r.layer.name_zh(),
        name: r.name.clone(),
        code: r.code.clone(),
        coverage_pct: r.coverage_pct.map(|v| floor_pct(v, 1)),
        gap_m2: r.gap_m2,
        households: r.households,
        households_uncovered: r.households_uncovered,
        counts,
    }
}

/// The evidence under `parent` (a county, town, community or grid code the caller checked; the whole report
/// when None), with the household defects only for a caller who `sees_households`.
pub fn evidence(atlas: &Atlas, m: &Coverage, parent: Option<&str>, sees_households: bool) -> Evidence {
    let crs = MetricCrs { epsg: m.report.crs_epsg };
    let county = m.report.summary.iter().find(|r| r.layer == Layer::County);
    let parent_code = parent.map(str::to_string).or_else(|| county.map(|c| c.code.clone())).unwrap_or_default();
    let listed: Vec<(usize, Kind)> = m.visible(parent, None, sees_households).collect();
    let withheld = m.visible(parent, None, true).count() - listed.len();

    let mut sections: Vec<Section> = Vec::new();
    for kind in Kind::ALL {
        let rows: Vec<Row> =
            listed.iter().filter(|(_, k)| *k == kind).map(|(i, _)| row(atlas, &m.report.defects[*i], &m.features[*i].2, crs)).collect();
        if !rows.is_empty() {
            sections.push(Section { kind, rows });
        }
    }

    let counts_in = |code: &str| -> BTreeMap<Kind, usize> {
        let mut out = BTreeMap::new();
        for (i, k) in &listed {
            if m.features[*i].2.iter().any(|c| c == code) {
                *out.entry(*k).or_default() += 1;
            }
        }
        out
    };
    // The whole report (no parent) also lists defects outside the county (a household beyond its boundary):
    // the top line counts every listed defect, so that it adds up to the sheets.
    let all: BTreeMap<Kind, usize> = listed.iter().fold(BTreeMap::new(), |mut out, (_, k)| {
        *out.entry(*k).or_default() += 1;
        out
    });
    let mut summary = Vec::new();
    match m.report.summary.iter().find(|r| r.code == parent_code) {
        Some(r) => summary.push(line(r, if parent.is_none() { all } else { counts_in(&r.code) })),
        None if area_layer(atlas, &parent_code) == Some(Layer::Grids) => {
            // A grid has no summary row of its own: its households by the one placement rule.
            let gi = atlas.layer(Layer::Grids).and_then(|l| l.index_of(&parent_code));
            let households = gi.and_then(|g| m.report.households_per_grid.as_ref().map(|h| h[g]));
            summary.push(Line {
                layer_zh: Layer::Grids.name_zh(),
                name: atlas.layer(Layer::Grids).and_then(|l| l.get(&parent_code)).map_or_else(|| parent_code.clone(), |f| f.name().to_string()),
                code: parent_code.clone(),
                coverage_pct: None,
                gap_m2: None,
                households,
                households_uncovered: None,
                counts: counts_in(&parent_code),
            });
        }
        None => {}
    }
    for (r, (_, chain)) in m.report.summary.iter().zip(&m.rows) {
        if r.layer == Layer::Communities && r.code != parent_code && chain.contains(&parent_code) {
            summary.push(line(r, counts_in(&r.code)));
        }
    }

    let scope = area_layer(atlas, &parent_code).map_or_else(
        || county.map_or_else(|| parent_code.clone(), |c| format!("{}({})", c.name, c.code)),
        |l| named(atlas, l, &parent_code),
    );
    Evidence {
        county: county.map_or_else(String::new, |c| c.name.clone()),
        scope,
        parent_code,
        revision: m.report.revision,
        made_at: m.made_at,
        summary,
        sections,
        withheld,
    }
}

/// Unix seconds as Beijing time, `2026-12-07 23:50`: the time people there read.
pub fn beijing_time(unix_s: i64) -> String {
    let t = clock::rfc3339(unix_s + 8 * 3600);
    format!("{} {}", &t[..10], &t[11..16])
}

impl Evidence {
    /// The line above every sheet and page: what, where, which data, when.
    pub fn heading(&self) -> String {
        let mut s = format!(
            "{}覆盖检查证据 · 范围 {} · 数据版本 {} · 检查于 {}(北京时间)",
            self.county,
            self.scope,
            self.revision,
            beijing_time(self.made_at)
        );
        if self.withheld > 0 {
            s.push_str(&format!(" · 另有 {} 处涉及单户的问题未列出(登录后可见)", self.withheld));
        }
        s
    }

    /// Listed defects in all.
    pub fn total(&self) -> usize {
        self.sections.iter().map(|s| s.rows.len()).sum()
    }
}

/// A kind's sheet name: its Chinese label, without the characters a sheet name may not hold (`/` and the like).
pub fn sheet_name(kind: Kind) -> String {
    kind.label_zh().replace(['/', '\\', '?', '*', '[', ']', ':'], "、")
}

fn opt_num(v: Option<f64>, places: i32) -> Cell {
    let f = 10f64.powi(places);
    // `+ 0.0` turns a rounded -0 into 0.
    v.map_or_else(|| Cell::Text(String::new()), |v| Cell::Number((v * f).round() / f + 0.0))
}

fn opt_count(v: Option<u64>) -> Cell {
    v.map_or_else(|| Cell::Text("—".into()), |v| Cell::Number(v as f64))
}

/// The workbook: 汇总 first, then a sheet per kind that occurs, in the report's order; Chinese headers.
pub fn tables(e: &Evidence) -> Vec<Table> {
    let heading = e.heading();
    let kinds: Vec<Kind> = e.sections.iter().map(|s| s.kind).collect();
    let mut headers: Vec<String> =
        ["范围", "名称", "编码", "覆盖率(%)", "缺口(平方米)", "户数", "未入格户数", "问题合计"].iter().map(|h| h.to_string()).collect();
    headers.extend(kinds.iter().map(|k| k.label_zh().to_string()));
    let mut summary = Table { name: "汇总".into(), title: Some(heading.clone()), headers, rows: vec![] };
    for l in &e.summary {
        let mut r: Vec<Cell> = vec![
            l.layer_zh.into(),
            l.name.clone().into(),
            l.code.clone().into(),
            l.coverage_pct.map_or_else(|| Cell::Text("—".into()), Cell::Number),
            opt_num(l.gap_m2, 1),
            opt_count(l.households),
            opt_count(l.households_uncovered),
            l.counts.values().sum::<usize>().into(),
        ];
        r.extend(kinds.iter().map(|k| Cell::from(l.counts.get(k).copied().unwrap_or(0))));
        summary.push(r);
    }
    let mut out = vec![summary];
    for s in &e.sections {
        let mut t = Table::new(
            &sheet_name(s.kind),
            &["序号", "问题", "镇/街道", "社区", "网格", "涉及", "位置(经度, 纬度)", "面积(平方米)", "宽度(米)", "处理建议"],
        );
        t.title = Some(format!("{} {} 处 · {}", s.kind.label_zh(), s.rows.len(), heading));
        for (i, r) in s.rows.iter().enumerate() {
            t.push(vec![
                (i + 1).into(),
                r.what.clone().into(),
                r.town.clone().into(),
                r.community.clone().into(),
                r.grid.clone().into(),
                r.involved.clone().into(),
                r.place().into(),
                opt_num(r.area_m2, 1),
                opt_num(r.width_m, 2),
                s.kind.advice_zh().into(),
            ]);
        }
        out.push(t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_the_kinds_labels_as_excel_allows_them() {
        assert_eq!(sheet_name(Kind::BlindSpot), "盲区");
        assert_eq!(sheet_name(Kind::UnitSplit), "巷道、楼栋跨网格");
        assert!(Kind::ALL.iter().all(|k| sheet_name(*k).chars().count() <= 31));
    }

    #[test]
    fn beijing_time_is_eight_hours_ahead() {
        assert_eq!(beijing_time(1_700_000_000), "2023-11-15 06:13");
    }
}
