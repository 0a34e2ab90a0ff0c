//! Coverage completeness ("no blind spots"): every rule of the data contract checked over an atlas, exactly.
//!
//! The rules (DATA.md, "The rules a dataset is checked against") are computed in metres from the atlas, so the
//! same check runs on a directory of files, a GeoPackage or PostGIS. Each rule lives in its own file; this one
//! defines the report and runs them, in parallel where they are independent. A dataset with only some layers
//! gets the rules that apply to the layers it has.
//!
//! Households and units are placed as everywhere else (`atlas::placement`): through the atlas's one cell index
//! per layer, each household by the owner of its representative point.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use super::Atlas;
use super::placement::Outlines;
use crate::model::Layer;
use assemble::Assembly;

/// Turning the rules' results into defects, household counts and summary rows.
mod assemble;
/// The kinds of defect and a defect's record.
pub mod defect;
/// One overlay per parent: gaps, spill and sibling overlaps.
mod parents;
/// A parent against its children: gaps and spill, in one overlay each.
pub mod gaps;
/// Households against grids: located, uncovered, split.
pub mod households;
/// The width of a gap: the diameter of its largest inscribed circle.
pub mod inscribed;
/// Siblings that claim the same area.
pub mod overlaps;
/// The report as JSON, GeoJSON, CSV and text.
pub mod report;
/// Grid managers and household counts against the target band.
pub mod staffing;
/// Lanes and buildings against the grids they name.
pub mod units;
/// Grids in more than one piece.
pub mod validity;

pub use defect::{Defect, Kind, Place, UnknownKind};
/// The raster index moved up to the atlas (`atlas::cells`); kept here for the synthetic generator's path.
pub use super::cells;

/// The thresholds of a check.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Settings {
    /// A gap no wider than this (diameter of its largest inscribed circle) is a sliver, wider a blind spot.
    pub sliver_width_m: f64,
    /// Areal defects (gaps, overlaps, spill outside the parent) smaller than this are not reported (they are
    /// still counted in the summary's areas).
    pub min_area_m2: f64,
    /// The inclusive band of households a grid should hold.
    pub target_households: (u64, u64),
}

impl Default for Settings {
    fn default() -> Self {
        Settings { sliver_width_m: 2.0, min_area_m2: 1.0, target_households: (300, 500) }
    }
}

impl Settings {
    /// Parses a household band `MIN..MAX` (also `MIN-MAX`).
    ///
    /// ```
    /// use gridmap::atlas::coverage::Settings;
    /// assert_eq!(Settings::parse_band("300..500"), Ok((300, 500)));
    /// assert!(Settings::parse_band("500..300").is_err());
    /// ```
    pub fn parse_band(s: &str) -> Result<(u64, u64), String> {
        let (a, b) = s
            .split_once("..")
            .or_else(|| s.split_once('-'))
            .ok_or_else(|| format!("target households {s:?}: expected MIN..MAX, e.g. 300..500"))?;
        let num = |v: &str| v.trim().parse::<u64>().map_err(|_| format!("target households {s:?}: {v:?} is not a whole number"));
        let (a, b) = (num(a)?, num(b)?);
        if a > b {
            return Err(format!("target households {s:?}: MIN exceeds MAX"));
        }
        Ok((a, b))
    }
}

/// A row of the summary: one parent (county, town or community).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SummaryRow {
    pub code: String,
    pub layer: Layer,
    pub name: String,
    /// The parent's own parent (a community's town, a town's county).
    pub parent: Option<String>,
    pub area_m2: f64,
    /// None when the children's layer is absent (nothing to cover with).
    pub covered_m2: Option<f64>,
    pub gap_m2: Option<f64>,
    /// Area covered by two or more children.
    pub overlap_m2: Option<f64>,
    /// Households lying inside (None without a households layer).
    pub households: Option<u64>,
    /// Of those, households in no grid (None without grids or households).
    pub households_uncovered: Option<u64>,
    pub coverage_pct: Option<f64>,
    /// Grids lying in the parent by their community code.
    pub grids: Option<u64>,
    /// Defects in the parent or any of its descendants.
    pub defects: u64,
}

/// The result of a check.
#[derive(Clone, Debug)]
pub struct Report {
    pub settings: Settings,
    /// County first, then each town followed by its communities.
    pub summary: Vec<SummaryRow>,
    pub defects: Vec<Defect>,
    /// The atlas revision checked.
    pub revision: i64,
    /// Wall time of the check, ms.
    pub elapsed_ms: f64,
    /// The metric CRS the areas were measured in.
    pub crs_epsg: u32,
    /// Wall time of each phase, ms, in order.
    pub phases_ms: Vec<(&'static str, f64)>,
    /// Households lying in each grid (layer order), by the one placement rule; None without grids or
    /// households.
    pub households_per_grid: Option<Vec<u64>>,
}

impl Report {
    /// Defect counts by kind.
    ///
    /// ```
    /// use gridmap::atlas::Atlas;
    /// use gridmap::atlas::coverage::Settings;
    /// use gridmap::model::Dataset;
    /// let atlas = Atlas::build(&Dataset::default(), 0).unwrap();
    /// assert!(atlas.coverage(&Settings::default()).counts().is_empty());
    /// ```
    pub fn counts(&self) -> BTreeMap<Kind, usize> {
        let mut out = BTreeMap::new();
        for d in &self.defects {
            *out.entry(d.kind).or_default() += 1;
        }
        out
    }
}

impl Atlas {
    /// Checks every rule of the data contract that the atlas's layers allow.
    ///
    /// ```
    /// use gridmap::atlas::Atlas;
    /// use gridmap::atlas::coverage::{Kind, Settings};
    /// use gridmap::synth::lattice as synthetic;
    /// let mut spec = synthetic::Spec::with_grids(49, 0);
    /// spec.defects = false;
    /// let atlas = Atlas::build(&synthetic::build(&spec).dataset, 0).unwrap();
    /// let report = atlas.coverage(&Settings::default());
    /// // Grids sharing edges exactly: no gap, no overlap, full coverage.
    /// assert!(report.defects.iter().all(|d| !matches!(d.kind, Kind::BlindSpot | Kind::Sliver | Kind::Overlap)));
    /// assert_eq!(report.summary[0].coverage_pct, Some(100.0));
    /// ```
    pub fn coverage(&self, settings: &Settings) -> Report {
        let t0 = Instant::now();
        let mut phases = Vec::new();
        let mut lap = {
            let mut last = Instant::now();
            move |name: &'static str, phases: &mut Vec<(&'static str, f64)>| {
                phases.push((name, last.elapsed().as_secs_f64() * 1e3));
                last = Instant::now();
            }
        };
        let grids = self.layer(Layer::Grids);
        let grid_outlines = self.cells(Layer::Grids).unwrap_or_else(|| std::sync::Arc::new(Outlines::new(Vec::new(), Vec::new())));
        let (grid_polys, cells) = (grid_outlines.refs(), &grid_outlines.cells);
        let tol = (0.5 * settings.min_area_m2).max(1e-3);
        lap("cell index", &mut phases);

        // The overlays (gaps, spill, overlaps) run beside household and unit location; each side is parallel.
        let (((parents, parents_ms), (located, located_ms)), (found_units, units_ms)) = rayon::join(
            || {
                rayon::join(
                    || {
                        let t = Instant::now();
                        (self.parent_results(settings, tol), t.elapsed().as_secs_f64() * 1e3)
                    },
                    || {
                        let t = Instant::now();
                        let l = self.layer(Layer::Households).filter(|_| grids.is_some()).map(|h| {
                            households::locate(&h.geoms_m, &grid_polys, cells, settings.min_area_m2)
                        });
                        (l, t.elapsed().as_secs_f64() * 1e3)
                    },
                )
            },
            || {
                let t = Instant::now();
                let found = match (self.layer(Layer::Units), grids) {
                    (Some(ui), Some(gi)) => {
                        let polys: Vec<&geo::MultiPolygon<f64>> = ui.geoms_m.iter().map(parents::as_mp).collect();
                        let named: Vec<Option<usize>> = ui.features.iter().map(|f| f.str_prop("grid_code").and_then(|c| gi.index_of(c))).collect();
                        units::check(&polys, &named, &grid_polys, cells, settings.min_area_m2)
                    }
                    _ => Vec::new(),
                };
                (found, t.elapsed().as_secs_f64() * 1e3)
            },
        );
        lap("overlays and location (in parallel)", &mut phases);
        phases.push(("  of which gaps, spill, overlaps, widths", parents_ms));
        phases.push(("  of which households located", located_ms));
        phases.push(("  of which units", units_ms));

        let mut out = Assembly::new(self, settings);
        out.validity();
        out.parents(&parents);
        lap("validity and areal defects", &mut phases);
        let per_grid = out.households(located.as_ref(), &parents, tol);
        lap("household counts and defects", &mut phases);
        out.units(&found_units);
        out.staffing(per_grid.as_deref());
        let summary = out.summary(&parents);
        lap("units, staffing, summary", &mut phases);
        Report {
            settings: settings.clone(),
            summary,
            defects: out.defects,
            revision: self.revision,
            elapsed_ms: t0.elapsed().as_secs_f64() * 1e3,
            crs_epsg: self.crs.epsg,
            phases_ms: phases,
            households_per_grid: per_grid,
        }
    }
}
