//! What publishing a draft writes: every grid of the community coded afresh by the coding rule (west to east,
//! then north to south: `numbering::reading_order`), units and households moved to the grid they lie in, and
//! the defects that must be acknowledged first.
//!
//! Grids named in the standard form (`南新社区第3网格`) are renamed with their new number; other names are kept.
//! A unit goes to the draft grid owning its representative point (`atlas::placement`) (else where the draft assigned it); unit
//! codes themselves are not recoded. A household goes to the draft grid it lies in; an uncovered household keeps
//! its roster grid (it is a defect someone acknowledged).

use std::collections::BTreeMap;

use geo::{Area, Centroid, Geometry};
use serde::Deserialize;
use serde_json::Value;

use super::stats::{DraftDefect, Stats};
use super::{Draft, PlanError};
use crate::atlas::Atlas;
use crate::atlas::placement::Outlines;
use crate::atlas::numbering::reading_order;
use crate::model::code::{CommunityCode, GridCode};
use crate::model::{Feature, Layer};

/// A publisher's acknowledgement of one defect, with the reason it is accepted.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Acknowledgement {
    pub defect: String,
    pub reason: String,
}

/// The writes of a publication.
#[derive(Clone, Debug)]
pub struct Publication {
    /// Every grid of the community, coded by the rule.
    pub grids: Vec<Feature>,
    /// Draft id → new grid code.
    pub codes: BTreeMap<String, String>,
    /// Units whose grid changes.
    pub units: Vec<Feature>,
    /// Households whose roster grid changes.
    pub households: Vec<Feature>,
    /// Defects not acknowledged with a reason: publishing must be refused while there are any.
    pub unacknowledged: Vec<DraftDefect>,
}

impl Draft {
    /// The publication of this draft given its `stats` and the publisher's acknowledgements.
    pub fn publication(&self, atlas: &Atlas, stats: &Stats, acks: &[Acknowledgement]) -> Result<Publication, PlanError> {
        let community: CommunityCode =
            self.community.parse().map_err(|e: crate::model::code::CodeError| PlanError::Invalid(e.to_string()))?;
        let unacknowledged: Vec<DraftDefect> = stats
            .defects
            .iter()
            .filter(|d| !acks.iter().any(|a| a.defect == d.id && !a.reason.trim().is_empty()))
            .cloned()
            .collect();
        let live: Vec<(&String, &super::DraftGrid)> = self.grids.iter().filter(|(_, g)| g.geometry.unsigned_area() > 0.0).collect();
        if live.len() >= 1000 {
            return Err(PlanError::Invalid("a community can number at most 999 grids".into()));
        }
        let crs = atlas.crs;
        let mut centroids = Vec::with_capacity(live.len());
        let mut mean_m2 = 0.0;
        for (_, g) in &live {
            let m = crs.project_geometry(&Geometry::MultiPolygon(g.geometry.clone())).map_err(|e| PlanError::Invalid(e.to_string()))?;
            mean_m2 += m.unsigned_area() / live.len() as f64;
            centroids.push(m.centroid().map_or(geo::Coord::default(), |p| p.0));
        }
        let order = reading_order(&centroids, mean_m2.sqrt());
        let prefix = atlas
            .layer(Layer::Communities)
            .and_then(|c| c.get(&self.community))
            .map(|f| f.name().trim_end_matches("居委会").trim_end_matches("村委会").to_string())
            .unwrap_or_default();
        let mut codes = BTreeMap::new();
        let mut grids = Vec::with_capacity(live.len());
        for (seq, &i) in order.iter().enumerate() {
            let (id, g) = live[i];
            let code = GridCode::new(&community, seq as u16 + 1).to_string();
            let mut props = g.properties.clone();
            let standard = props.get("name").and_then(Value::as_str).is_none_or(is_standard_name);
            props.insert("code".into(), code.clone().into());
            if standard {
                props.insert("name".into(), format!("{prefix}第{}网格", seq + 1).into());
            }
            props.insert("community_code".into(), self.community.clone().into());
            // Keep the contract's key order: code first.
            let mut ordered = serde_json::Map::new();
            ordered.insert("code".into(), code.clone().into());
            for (k, v) in props {
                if k != "code" {
                    ordered.insert(k, v);
                }
            }
            codes.insert(id.clone(), code.clone());
            grids.push(Feature { code, properties: ordered, geometry: Geometry::MultiPolygon(g.geometry.clone()) });
        }

        let mut units = Vec::new();
        if let Some(ul) = atlas.layer(Layer::Units) {
            // The draft grid owning the unit's representative point, by the one placement rule.
            let live_mps: Vec<&geo::MultiPolygon<f64>> = live.iter().map(|(_, g)| &g.geometry).collect();
            let outlines = Outlines::of_lonlat(crs, &live_mps).map_err(|e| PlanError::Invalid(e.to_string()))?;
            let points = atlas.points(Layer::Units);
            for (u, f) in ul.features.iter().enumerate() {
                let located = points.get(u).and_then(|(m, ll)| outlines.owner(m, ll)).map(|k| live[k].0.clone());
                let Some(id) = located.or_else(|| self.units.get(&f.code).cloned()) else { continue };
                let Some(code) = codes.get(&id) else { continue };
                if f.str_prop("grid_code") != Some(code.as_str()) {
                    let mut u = f.clone();
                    u.properties.insert("grid_code".into(), code.clone().into());
                    units.push(u);
                }
            }
        }
        let mut households = Vec::new();
        if let Some(hl) = atlas.layer(Layer::Households) {
            for (household, id) in &stats.placement {
                let (Some(f), Some(code)) = (hl.get(household), codes.get(id)) else { continue };
                if f.str_prop("grid_code") != Some(code.as_str()) {
                    let mut h = f.clone();
                    h.properties.insert("grid_code".into(), code.clone().into());
                    households.push(h);
                }
            }
        }
        Ok(Publication { grids, codes, units, households, unacknowledged })
    }
}

/// `…第N网格`: a name the numbering owns.
fn is_standard_name(name: &str) -> bool {
    name.strip_suffix("网格")
        .and_then(|s| s.rsplit_once('第'))
        .is_some_and(|(_, n)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::Edit;
    use super::*;
    use crate::atlas::coverage::Settings;

    #[test]
    fn a_split_is_numbered_by_the_coding_rule_and_moves_households() {
        let atlas = atlas(10);
        let mut d = draft(&atlas);
        // Split the west grid A lengthwise at 0.002°: the west strip (the smaller) becomes new-1.
        d.apply(&atlas, &Edit::Split { grid: A.into(), line: vec![[X0 + 0.002, Y0], [X0 + 0.002, Y0 + D]] }).unwrap();
        let settings = Settings { target_households: (1, 15), ..Default::default() };
        let stats = d.stats(&atlas, &settings).unwrap();
        let p = d.publication(&atlas, &stats, &[]).unwrap();
        // One row (all centroids at mid-height), west to east: new-1, A, B.
        assert_eq!(p.grids.len(), 3);
        let names: Vec<&str> = p.grids.iter().map(|g| g.name()).collect();
        assert_eq!(names, vec!["南新社区第1网格", "南新社区第2网格", "南新社区第3网格"]);
        assert_eq!(p.codes["new-1"], "610522001001001");
        assert_eq!(p.codes[A], "610522001001002");
        assert_eq!(p.codes[B], "610522001001003");
        assert_eq!(p.grids[2].str_prop("manager"), Some("张伟"), "properties follow the grid");
        assert_eq!(p.grids[2].code, "610522001001003");
        // A's 5 western households lie in new-1, coded 001 as before: unchanged. Its 5 eastern ones go to 002,
        // B's 10 to 003.
        assert_eq!(p.households.len(), 15);
        assert!(p.households.iter().all(|h| h.str_prop("grid_code") != Some("610522001001001")));
        // B's building follows B to 003; A's lies in new-1, 001 as before.
        assert_eq!(
            p.units.iter().map(|u| (u.code.as_str(), u.str_prop("grid_code").unwrap())).collect::<Vec<_>>(),
            vec![("610522001001002001", "610522001001003")]
        );
        // The new grid has no manager: that defect must be acknowledged.
        assert_eq!(p.unacknowledged.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), vec!["grid_unstaffed:new-1"]);
        let ack = Acknowledgement { defect: "grid_unstaffed:new-1".into(), reason: "网格员下月到岗".into() };
        assert!(d.publication(&atlas, &stats, &[ack]).unwrap().unacknowledged.is_empty());
        let blank = Acknowledgement { defect: "grid_unstaffed:new-1".into(), reason: " ".into() };
        assert_eq!(d.publication(&atlas, &stats, &[blank]).unwrap().unacknowledged.len(), 1, "a reason is required");
    }

    #[test]
    fn standard_names_are_recognised() {
        assert!(is_standard_name("南新社区第12网格"));
        assert!(!is_standard_name("南新社区老街网格"));
        assert!(!is_standard_name("第网格"));
    }
}
