//! The coverage report ("no blind spots") of an atlas with the default settings, computed once per atlas (the
//! atlas is rebuilt whenever the data change, so it is never stale) and prepared for filtering by parent and
//! kind.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::atlas::Atlas;
use crate::atlas::coverage::{Kind, Report, Settings, report};
use crate::model::Layer;
use crate::model::crs::MetricCrs;

/// The report of an atlas with the default settings, with what requests filter on prepared.
pub struct Coverage {
    pub report: Report,
    /// Each summary row as JSON, and the codes of it and its ancestors.
    pub rows: Vec<(Value, Vec<String>)>,
    /// Each defect as a GeoJSON Feature (lon/lat), its kind, and the codes of its parent and the parent's
    /// ancestors.
    pub features: Vec<(Value, Kind, Vec<String>)>,
    /// The county-wide figures every view shows (the top bar, the headline, the table's totals).
    pub totals: Value,
    /// When the report was computed, unix seconds.
    pub made_at: i64,
}

impl Coverage {
    /// The defects a caller gets (index into `report.defects` and `features`, and the kind): those of `kinds`
    /// (all when None) under `parent` (the whole report when None), without the defects naming single
    /// households for a caller who may not see households. The one filter of every defect list served.
    pub fn visible<'a>(
        &'a self,
        parent: Option<&'a str>,
        kinds: Option<&'a [Kind]>,
        sees_households: bool,
    ) -> impl Iterator<Item = (usize, Kind)> + 'a {
        self.features.iter().enumerate().filter_map(move |(i, (v, kind, chain))| {
            let hidden = kinds.is_some_and(|ks| !ks.contains(kind))
                || parent.is_some_and(|p| !chain.iter().any(|c| c == p))
                || (!sees_households && names_household(*kind, v));
            (!hidden).then_some((i, *kind))
        })
    }
}

/// The county-wide figures, so that the top bar, the coverage headline and the sum of the table agree: every
/// household of the dataset is counted once, as lying in a community, in the county outside every community,
/// or outside the county; the coverage percentage is floored ([`report::floor_pct`]).
fn totals(atlas: &Atlas, r: &Report) -> Value {
    let households = atlas.layer(Layer::Households).map(|l| l.features.len() as u64);
    let county = r.summary.iter().find(|row| row.layer == Layer::County);
    let in_county = county.and_then(|c| c.households);
    let in_communities: Option<u64> =
        households.map(|_| r.summary.iter().filter(|row| row.layer == Layer::Communities).filter_map(|row| row.households).sum());
    let minus = |a: Option<u64>, b: Option<u64>| a.zip(b).map(|(a, b)| a.saturating_sub(b));
    serde_json::json!({
        "households": households,
        "households_in_communities": in_communities,
        "households_outside_communities": minus(in_county, in_communities),
        "households_outside_county": minus(households, in_county),
        "households_uncovered": county.and_then(|c| c.households_uncovered),
        "coverage_pct": county.and_then(|c| c.coverage_pct).map(|v| report::floor_pct(v, 4)),
        "gap_m2": county.and_then(|c| c.gap_m2),
        "defects": r.defects.len(),
        "communities": r.summary.iter().filter(|row| row.layer == Layer::Communities).count(),
    })
}

/// Code → parent code over county, towns, communities and grids.
fn ancestry(atlas: &Atlas) -> HashMap<String, String> {
    let mut up = HashMap::new();
    for layer in [Layer::Towns, Layer::Communities, Layer::Grids] {
        let (Some(li), Some((key, _))) = (atlas.layer(layer), layer.parent()) else { continue };
        for f in &li.features {
            if let Some(p) = f.str_prop(key) {
                up.insert(f.code.clone(), p.to_string());
            }
        }
    }
    up
}

fn chain(up: &HashMap<String, String>, start: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = start.map(str::to_string);
    while let Some(code) = at {
        if out.contains(&code) || out.len() > 8 {
            break;
        }
        at = up.get(&code).cloned();
        out.push(code);
    }
    out
}

fn compute(atlas: &Atlas) -> Coverage {
    let report = atlas.coverage(&Settings::default());
    tracing::info!(revision = atlas.revision, ms = report.elapsed_ms as u64, defects = report.defects.len(), "coverage computed");
    let up = ancestry(atlas);
    let crs = MetricCrs { epsg: report.crs_epsg };
    let rows = report.summary.iter().map(|r| (report::summary_row_json(r), chain(&up, Some(&r.code)))).collect();
    let features = report
        .defects
        .iter()
        .map(|d| (report::defect_feature(d, crs), d.kind, chain(&up, d.parent.as_deref())))
        .collect();
    let totals = totals(atlas, &report);
    Coverage { report, rows, features, totals, made_at: crate::accounts::clock::now() }
}

/// The coverage of `atlas`, computed on first use (the state warms each new atlas with it).
pub fn of(atlas: &Atlas) -> Arc<Coverage> {
    atlas.memo(|| compute(atlas))
}

/// Whether a defect is about single households (their codes and points): a household kind, or any defect of
/// the households layer.
pub fn names_household(kind: Kind, defect: &Value) -> bool {
    matches!(kind, Kind::HouseholdUncovered | Kind::HouseholdSplit | Kind::HouseholdMismatch)
        || defect["properties"]["layer"] == "households"
}
