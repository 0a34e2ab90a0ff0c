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
    Coverage { report, rows, features }
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
