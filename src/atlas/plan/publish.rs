//! What publishing a draft writes: the grids with the codes, names and managers the publishing rule gives them
//! (`identity`: a grid that persists keeps its code; only new grids get new codes, unless the whole community is
//! renumbered), units and households moved to the grid they lie in, and the defects that must be acknowledged
//! first.
//!
//! A unit goes to the draft grid owning its representative point (`atlas::placement`) (else where the draft assigned it); unit
//! codes themselves are not recoded. A household goes to the draft grid it lies in; an uncovered household keeps
//! its roster grid (it is a defect someone acknowledged).

use std::collections::BTreeMap;

use geo::Geometry;
use serde::Deserialize;

use super::stats::{DraftDefect, Stats};
use super::identity::{Identities, identities};
use super::{Draft, PlanError};
use crate::atlas::Atlas;
use crate::atlas::placement::Outlines;
use crate::model::{Feature, Layer};

/// A publisher's acknowledgement of one defect, with the reason it is accepted.
#[derive(Clone, Debug, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Acknowledgement {
    /// The defect's id, as the draft's statistics and the 422 name it.
    pub defect: String,
    /// Why it is accepted (the history keeps it).
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
    /// Who each grid is: code, name and manager before and after.
    pub identities: Identities,
}

impl Draft {
    /// The publication of this draft given its `stats` and the publisher's acknowledgements: codes, names and
    /// managers by the publishing rule (`identity`), all grids coded afresh when `renumber`.
    pub fn publication(&self, atlas: &Atlas, stats: &Stats, acks: &[Acknowledgement], renumber: bool) -> Result<Publication, PlanError> {
        let unacknowledged: Vec<DraftDefect> = stats
            .defects
            .iter()
            .filter(|d| !acks.iter().any(|a| a.defect == d.id && !a.reason.trim().is_empty()))
            .cloned()
            .collect();
        let identities = identities(self, atlas, renumber)?;
        let codes = identities.codes();
        let crs = atlas.crs;
        let grids: Vec<Feature> = identities
            .grids
            .iter()
            .map(|g| Feature { code: g.code.clone(), properties: g.properties.clone(), geometry: Geometry::MultiPolygon(self.grids[&g.id].geometry.clone()) })
            .collect();
        let live: Vec<(&String, &super::DraftGrid)> = identities.grids.iter().map(|g| (&g.id, &self.grids[&g.id])).collect();

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
        Ok(Publication { grids, codes, units, households, unacknowledged, identities })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::Edit;
    use super::*;
    use crate::atlas::coverage::Settings;

    #[test]
    fn a_split_keeps_the_codes_or_renumbers_by_the_coding_rule_when_asked() {
        let atlas = atlas(10);
        let mut d = draft(&atlas);
        // Split the west grid A lengthwise at 0.002°: the west strip (the smaller) becomes new-1.
        d.apply(&atlas, &Edit::Split { grid: A.into(), line: vec![[X0 + 0.002, Y0], [X0 + 0.002, Y0 + D]] }).unwrap();
        let settings = Settings { target_households: (1, 15), ..Default::default() };
        let stats = d.stats(&atlas, &settings).unwrap();
        // By default A and B keep their codes; the west strip is new, 003; A's 5 western households go there.
        let kept = d.publication(&atlas, &stats, &[], false).unwrap();
        assert_eq!(kept.codes["new-1"], "610522001001003");
        assert_eq!((kept.codes[A].as_str(), kept.codes[B].as_str()), (A, B));
        assert_eq!(kept.households.len(), 5);
        assert!(kept.households.iter().all(|h| h.code.starts_with(&format!("H{A}")) && h.str_prop("grid_code") == Some("610522001001003")));
        // A's building lies in the west strip: it follows it to 003; B's stays.
        assert_eq!(kept.units.iter().map(|u| (u.code.as_str(), u.str_prop("grid_code").unwrap())).collect::<Vec<_>>(), vec![("610522001001001001", "610522001001003")]);
        // Renumbered: one row (all centroids at mid-height), west to east.
        let p = d.publication(&atlas, &stats, &[], true).unwrap();
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
        assert!(d.publication(&atlas, &stats, &[ack], false).unwrap().unacknowledged.is_empty());
        let blank = Acknowledgement { defect: "grid_unstaffed:new-1".into(), reason: " ".into() };
        assert_eq!(d.publication(&atlas, &stats, &[blank], false).unwrap().unacknowledged.len(), 1, "a reason is required");
    }
}
