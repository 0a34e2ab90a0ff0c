//! Coverage completeness ("no blind spots"): every rule of the data contract checked over an atlas, exactly.
//!
//! The rules (DATA.md, "The rules a dataset is checked against") are computed in metres from the atlas, so the
//! same check runs on a directory of files, a GeoPackage or PostGIS. Each rule lives in its own file; this one
//! defines the report and runs them, in parallel where they are independent. A dataset with only some layers
//! gets the rules that apply to the layers it has.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;
use std::time::Instant;

use geo::{Area, BooleanOps, BoundingRect, Coord, Geometry, InteriorPoint, MultiPolygon, Polygon};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Atlas, LayerIndex};
use crate::model::{Feature, Layer};

/// A raster index for exact point location at millions of points a second.
pub mod cells;
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

/// The kind of a defect (DATA.md). A gap is reported as `blind_spot` or `sliver` by its width.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    BlindSpot,
    Sliver,
    Overlap,
    OutsideParent,
    UnitSplit,
    UnitOrphan,
    UnitMismatch,
    HouseholdUncovered,
    HouseholdSplit,
    HouseholdMismatch,
    GridUnstaffed,
    GridOverloaded,
    GridUnderloaded,
    InvalidGeometry,
    GridNoncontiguous,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 15] = [
        Kind::BlindSpot,
        Kind::Sliver,
        Kind::Overlap,
        Kind::OutsideParent,
        Kind::UnitSplit,
        Kind::UnitOrphan,
        Kind::UnitMismatch,
        Kind::HouseholdUncovered,
        Kind::HouseholdSplit,
        Kind::HouseholdMismatch,
        Kind::GridUnstaffed,
        Kind::GridOverloaded,
        Kind::GridUnderloaded,
        Kind::InvalidGeometry,
        Kind::GridNoncontiguous,
    ];

    /// The name in reports and URLs.
    ///
    /// ```
    /// use gridmap::atlas::coverage::Kind;
    /// assert_eq!(Kind::BlindSpot.name(), "blind_spot");
    /// assert_eq!("blind_spot".parse::<Kind>().unwrap(), Kind::BlindSpot);
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Kind::BlindSpot => "blind_spot",
            Kind::Sliver => "sliver",
            Kind::Overlap => "overlap",
            Kind::OutsideParent => "outside_parent",
            Kind::UnitSplit => "unit_split",
            Kind::UnitOrphan => "unit_orphan",
            Kind::UnitMismatch => "unit_mismatch",
            Kind::HouseholdUncovered => "household_uncovered",
            Kind::HouseholdSplit => "household_split",
            Kind::HouseholdMismatch => "household_mismatch",
            Kind::GridUnstaffed => "grid_unstaffed",
            Kind::GridOverloaded => "grid_overloaded",
            Kind::GridUnderloaded => "grid_underloaded",
            Kind::InvalidGeometry => "invalid_geometry",
            Kind::GridNoncontiguous => "grid_noncontiguous",
        }
    }

    /// The rule of DATA.md the kind breaks: `gap` for blind spots and slivers, else the kind itself.
    ///
    /// ```
    /// use gridmap::atlas::coverage::Kind;
    /// assert_eq!(Kind::Sliver.rule(), "gap");
    /// assert_eq!(Kind::Overlap.rule(), "overlap");
    /// ```
    pub fn rule(self) -> &'static str {
        match self {
            Kind::BlindSpot | Kind::Sliver => "gap",
            k => k.name(),
        }
    }

    /// Chinese label, for people.
    ///
    /// ```
    /// use gridmap::atlas::coverage::Kind;
    /// assert_eq!(Kind::BlindSpot.label_zh(), "盲区");
    /// ```
    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::BlindSpot => "盲区",
            Kind::Sliver => "缝隙",
            Kind::Overlap => "重叠",
            Kind::OutsideParent => "越界",
            Kind::UnitSplit => "巷道/楼栋跨网格",
            Kind::UnitOrphan => "巷道/楼栋不在网格内",
            Kind::UnitMismatch => "巷道/楼栋归属不符",
            Kind::HouseholdUncovered => "住户未入格",
            Kind::HouseholdSplit => "住户跨网格",
            Kind::HouseholdMismatch => "住户归属不符",
            Kind::GridUnstaffed => "网格无网格员",
            Kind::GridOverloaded => "网格户数过多",
            Kind::GridUnderloaded => "网格户数过少",
            Kind::InvalidGeometry => "几何无效",
            Kind::GridNoncontiguous => "网格不连续",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A defect kind that is not one of the report's.
#[derive(Debug, thiserror::Error)]
#[error("unknown defect kind {0:?}: expected gap or one of blind_spot, sliver, overlap, outside_parent, unit_split, unit_orphan, unit_mismatch, household_uncovered, household_split, household_mismatch, grid_unstaffed, grid_overloaded, grid_underloaded, invalid_geometry, grid_noncontiguous")]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Kind, UnknownKind> {
        Kind::ALL.into_iter().find(|k| k.name() == s).ok_or_else(|| UnknownKind(s.to_string()))
    }
}

/// Where a defect is: geometry in the atlas's metres, or already in stored lon/lat.
#[derive(Clone, Debug, PartialEq)]
pub enum Place {
    Metres(Geometry<f64>),
    LonLat(Geometry<f64>),
}

/// One defect.
#[derive(Clone, Debug, PartialEq)]
pub struct Defect {
    pub kind: Kind,
    /// The layer of the children (the features at fault).
    pub layer: Layer,
    /// The code of the parent the defect is in.
    pub parent: Option<String>,
    /// The codes of the children involved.
    pub codes: Vec<String>,
    /// Areal kinds: the area, m².
    pub area_m2: Option<f64>,
    /// Gaps: the diameter of the largest inscribed circle, m.
    pub width_m: Option<f64>,
    /// One sentence for people.
    pub message: String,
    /// Invalid geometry: the reason as the validator gives it.
    pub reason: Option<String>,
    pub place: Place,
}

impl Defect {
    /// An `invalid_geometry` defect: the feature, the validator's reason and where (lon/lat).
    ///
    /// ```
    /// use gridmap::atlas::coverage::{Defect, Kind};
    /// use gridmap::model::{Feature, Layer};
    /// let f = Feature {
    ///     code: "610522001001001".into(),
    ///     properties: serde_json::json!({"code": "610522001001001", "community_code": "610522001001"}).as_object().unwrap().clone(),
    ///     geometry: geo::Geometry::Point(geo::Point::new(110.2, 34.5)),
    /// };
    /// let d = Defect::invalid_geometry(Layer::Grids, &f, "unclosed ring", geo::coord! { x: 110.2, y: 34.5 });
    /// assert_eq!((d.kind, d.parent.as_deref()), (Kind::InvalidGeometry, Some("610522001001")));
    /// assert!(d.message.contains("unclosed ring"));
    /// ```
    pub fn invalid_geometry(layer: Layer, f: &Feature, reason: &str, at: Coord<f64>) -> Defect {
        let parent = layer.parent().and_then(|(key, _)| f.nonempty_prop(key).map(str::to_string));
        Defect {
            kind: Kind::InvalidGeometry,
            layer,
            parent: parent.or_else(|| Some(f.code.clone())),
            codes: vec![f.code.clone()],
            area_m2: None,
            width_m: None,
            message: format!("{}的几何无效:{}(已按修复后的几何继续检查)。", who(layer, f), reason),
            reason: Some(reason.to_string()),
            place: Place::LonLat(Geometry::Point(geo::Point(at))),
        }
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

/// The parent/child pairs whose coverage is checked, with the property naming the parent.
const FAMILIES: [(Layer, Layer, &str); 3] = [
    (Layer::County, Layer::Towns, "county_code"),
    (Layer::Towns, Layer::Communities, "town_code"),
    (Layer::Communities, Layer::Grids, "community_code"),
];

static EMPTY_MP: MultiPolygon<f64> = MultiPolygon(Vec::new());

fn as_mp(g: &Geometry<f64>) -> &MultiPolygon<f64> {
    match g {
        Geometry::MultiPolygon(mp) => mp,
        _ => &EMPTY_MP,
    }
}

/// One parent's result.
struct ParentResult {
    family: usize,
    parent: usize,
    children: Vec<usize>,
    cover: gaps::Cover,
    /// Gap pieces reported: lon/lat polygon, metre polygon, area, width.
    gaps: Vec<(Polygon<f64>, Polygon<f64>, f64, f64)>,
    overlaps: Vec<overlaps::Overlap>,
    overlap_m2: f64,
    /// Spill per child (index into `children`): lon/lat pieces and area in m².
    spill: Vec<(usize, Vec<Polygon<f64>>, f64)>,
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
        let grid_polys: Vec<&MultiPolygon<f64>> = grids.map_or(Vec::new(), |g| g.geoms_m.iter().map(as_mp).collect());
        let cells = cells::CellIndex::build(&grid_polys, None);
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
                            households::locate(&h.geoms_m, &grid_polys, &cells, settings.min_area_m2)
                        });
                        (l, t.elapsed().as_secs_f64() * 1e3)
                    },
                )
            },
            || {
                let t = Instant::now();
                (self.unit_findings(&grid_polys, &cells, settings), t.elapsed().as_secs_f64() * 1e3)
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
        let per_grid = out.households(located.as_ref(), &parents, tol, &grid_polys);
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
        }
    }

    fn parent_results(&self, settings: &Settings, tol: f64) -> Vec<ParentResult> {
        let mut jobs: Vec<(usize, usize, Vec<usize>)> = Vec::new();
        for (f, (pl, cl, key)) in FAMILIES.iter().enumerate() {
            let (Some(pi), Some(ci)) = (self.layer(*pl), self.layer(*cl)) else { continue };
            let mut kids: Vec<Vec<usize>> = vec![Vec::new(); pi.len()];
            for (c, feat) in ci.features.iter().enumerate() {
                if let Some(p) = feat.str_prop(key).and_then(|code| pi.index_of(code)) {
                    kids[p].push(c);
                }
            }
            jobs.extend(kids.into_iter().enumerate().map(|(p, k)| (f, p, k)));
        }
        let repaired: HashMap<Layer, std::collections::HashSet<usize>> =
            self.layers().map(|(l, li)| (l, li.problems.iter().map(|(i, _)| *i).collect())).collect();
        // Topology is decided in the stored lon/lat, where neighbours' vertices are shared as they were drawn;
        // every piece is then measured in metres. Overlaying the projected geometry instead would turn a vertex
        // lying on a neighbour's straight edge (a T-junction, exact in lon/lat) into a millimetre-wide phantom
        // sliver, because a straight edge in lon/lat is not straight in Gauss-Kruger metres.
        let crs = self.crs;
        let to_m = |p: &Polygon<f64>| -> Polygon<f64> {
            match crs.project_geometry(&Geometry::Polygon(p.clone())) {
                Ok(Geometry::Polygon(m)) => m,
                _ => Polygon::new(geo::LineString::new(vec![]), vec![]),
            }
        };
        // Big parents first, so the county's overlay does not start last.
        jobs.sort_by_key(|j| std::cmp::Reverse(j.2.len()));
        jobs.into_par_iter()
            .with_max_len(1)
            .map(|(family, parent, children)| {
                let (pl, cl, _) = FAMILIES[family];
                let (pi, ci) = (self.layer(pl).unwrap(), self.layer(cl).unwrap());
                let kids_ll: Vec<Cow<'_, MultiPolygon<f64>>> = children.iter().map(|&c| lonlat_mp(&repaired[&cl], ci, c)).collect();
                let kids: Vec<&MultiPolygon<f64>> = kids_ll.iter().map(|c| c.as_ref()).collect();
                let parent_ll = lonlat_mp(&repaired[&pl], pi, parent);
                let ll = gaps::cover(&parent_ll, &kids);
                let measured = |ps: &[Polygon<f64>]| -> Vec<(Polygon<f64>, Polygon<f64>, f64)> {
                    ps.iter().map(|p| {
                        let m = to_m(p);
                        let a = m.unsigned_area();
                        (p.clone(), m, a)
                    }).collect()
                };
                let gap_pieces = measured(&ll.gaps);
                let out_pieces = measured(&ll.outside);
                let cover = gaps::Cover {
                    area_m2: pi.geoms_m[parent].unsigned_area(),
                    children_area_m2: children.iter().map(|&c| ci.geoms_m[c].unsigned_area()).sum(),
                    gaps: gap_pieces.iter().map(|g| g.1.clone()).collect(),
                    outside: out_pieces.iter().map(|g| g.1.clone()).collect(),
                };
                let gaps: Vec<(Polygon<f64>, Polygon<f64>, f64, f64)> = gap_pieces
                    .into_iter()
                    .filter(|(_, _, a)| *a >= settings.min_area_m2 && *a > 0.0)
                    .map(|(ll, m, a)| {
                        let w = inscribed::width(&m);
                        (ll, m, a, w)
                    })
                    .collect();
                // The excess is measured in metres; where projection bends edges that are shared in lon/lat it
                // is not quite zero, which only costs a pairwise search that finds nothing.
                let overlaps: Vec<overlaps::Overlap> = if cover.excess_m2().abs() > tol {
                    // Bisection works in the overlay's own units (lon/lat degrees²): scale by the parent.
                    let per_m2 = parent_ll.unsigned_area() / cover.area_m2.max(f64::MIN_POSITIVE);
                    let excess_ll = kids.iter().map(|k| k.unsigned_area()).sum::<f64>()
                        - (parent_ll.unsigned_area() - ll.gap_m2() + ll.outside_m2());
                    overlaps::overlaps_by_bisection(&kids, excess_ll.max(cover.excess_m2() * per_m2), tol * per_m2)
                        .into_iter()
                        .map(|mut o| {
                            o.pieces.retain(|p| to_m(p).unsigned_area() > 0.0);
                            o
                        })
                        .filter(|o| !o.pieces.is_empty())
                        .collect()
                } else {
                    Vec::new()
                };
                let pieces: Vec<&Polygon<f64>> = overlaps.iter().flat_map(|o| o.pieces.iter()).collect();
                let overlap_m2 = if overlaps.len() > 1 {
                    let owned: Vec<Polygon<f64>> = pieces.iter().map(|p| (*p).clone()).collect();
                    geo::unary_union(&owned).0.iter().map(|p| to_m(p).unsigned_area()).sum()
                } else {
                    pieces.iter().map(|p| to_m(p).unsigned_area()).sum()
                };
                let spill: Vec<(usize, Vec<Polygon<f64>>, f64)> = spill_by_child(&out_pieces, &kids)
                    .into_iter()
                    .map(|(k, ps)| {
                        let a = ps.iter().map(|p| to_m(p).unsigned_area()).sum();
                        (k, ps, a)
                    })
                    .collect();
                ParentResult { family, parent, children, cover, gaps, overlaps, overlap_m2, spill }
            })
            .collect()
    }

    fn unit_findings(&self, grid_polys: &[&MultiPolygon<f64>], cells: &cells::CellIndex, s: &Settings) -> Vec<(usize, units::UnitFinding)> {
        let (Some(ui), Some(gi)) = (self.layer(Layer::Units), self.layer(Layer::Grids)) else { return Vec::new() };
        let polys: Vec<&MultiPolygon<f64>> = ui.geoms_m.iter().map(as_mp).collect();
        let named: Vec<Option<usize>> = ui.features.iter().map(|f| f.str_prop("grid_code").and_then(|c| gi.index_of(c))).collect();
        units::check(&polys, &named, grid_polys, cells, s.min_area_m2)
    }
}

/// A point standing for a household: its door point, or a point inside its outline (the centroid of a convex
/// courtyard; an interior point otherwise).
fn representative(g: &Geometry<f64>) -> Coord<f64> {
    use geo::Centroid;
    match g {
        Geometry::Point(p) => p.0,
        Geometry::MultiPolygon(mp) => match mp.centroid() {
            Some(c) if cells::contains_xy(mp, c.0) => c.0,
            _ => mp.interior_point().map_or(Coord::default(), |p| p.0),
        },
        other => other.interior_point().map_or(Coord::default(), |p| p.0),
    }
}

/// A feature's polygonal geometry in the stored lon/lat, repaired as the atlas repaired it when invalid.
fn lonlat_mp<'a>(repaired: &std::collections::HashSet<usize>, li: &'a LayerIndex, i: usize) -> Cow<'a, MultiPolygon<f64>> {
    if repaired.contains(&i) {
        match crate::model::validate::repair(&li.features[i].geometry) {
            Geometry::MultiPolygon(mp) => Cow::Owned(mp),
            _ => Cow::Borrowed(&EMPTY_MP),
        }
    } else {
        Cow::Borrowed(as_mp(&li.features[i].geometry))
    }
}

/// Attributes the spill of a parent's children (pieces outside the parent: lon/lat, metres, m²) to the
/// children it comes from (lon/lat pieces per child).
fn spill_by_child(outside: &[(Polygon<f64>, Polygon<f64>, f64)], kids: &[&MultiPolygon<f64>]) -> Vec<(usize, Vec<Polygon<f64>>)> {
    let mut by_child: BTreeMap<usize, Vec<Polygon<f64>>> = BTreeMap::new();
    for (piece, _, area) in outside {
        if *area <= 0.0 {
            continue;
        }
        let Some(pb) = piece.bounding_rect() else { continue };
        for (k, kid) in kids.iter().enumerate() {
            let Some(kb) = kid.bounding_rect() else { continue };
            if kb.min().x > pb.max().x || pb.min().x > kb.max().x || kb.min().y > pb.max().y || pb.min().y > kb.max().y {
                continue;
            }
            let part = MultiPolygon(vec![piece.clone()]).intersection(*kid);
            if part.unsigned_area() > 0.0 {
                by_child.entry(k).or_default().extend(part.0);
            }
        }
    }
    by_child.into_iter().collect()
}

/// Builds defects and summary rows from the rules' results.
struct Assembly<'a> {
    atlas: &'a Atlas,
    settings: &'a Settings,
    defects: Vec<Defect>,
    /// Households per (layer, index): inside, uncovered.
    households: HashMap<(Layer, usize), (u64, u64)>,
    has_households: bool,
}

fn who(layer: Layer, f: &Feature) -> String {
    let name = f.name();
    if name == f.code { format!("{}{}", layer.name_zh(), f.code) } else { format!("{}「{}」({})", layer.name_zh(), name, f.code) }
}

fn mpoly(p: Vec<Polygon<f64>>) -> Geometry<f64> {
    Geometry::MultiPolygon(MultiPolygon(p))
}

impl<'a> Assembly<'a> {
    fn new(atlas: &'a Atlas, settings: &'a Settings) -> Self {
        Assembly { atlas, settings, defects: Vec::new(), households: HashMap::new(), has_households: atlas.layer(Layer::Households).is_some() }
    }

    fn parent_code(&self, layer: Layer, f: &Feature) -> Option<String> {
        layer.parent().and_then(|(key, _)| f.nonempty_prop(key).map(str::to_string))
    }

    fn validity(&mut self) {
        for (layer, li) in self.atlas.layers() {
            for (i, p) in &li.problems {
                self.defects.push(Defect::invalid_geometry(layer, &li.features[*i], &p.reason, p.location));
            }
        }
        if let Some(gi) = self.atlas.layer(Layer::Grids) {
            for (i, g) in gi.geoms_m.iter().enumerate() {
                let parts = validity::detached_parts(g);
                if parts.is_empty() {
                    continue;
                }
                let f = &gi.features[i];
                let area: f64 = parts.iter().map(|p| p.unsigned_area()).sum();
                self.defects.push(Defect {
                    kind: Kind::GridNoncontiguous,
                    layer: Layer::Grids,
                    parent: self.parent_code(Layer::Grids, f),
                    codes: vec![f.code.clone()],
                    area_m2: Some(area),
                    width_m: None,
                    message: format!("{}由 {} 块互不相连的部分组成(主体之外 {:.1} 平方米)。", who(Layer::Grids, f), parts.len() + 1, area),
                    reason: None,
                    place: Place::Metres(mpoly(parts)),
                });
            }
        }
    }

    fn parents(&mut self, results: &[ParentResult]) {
        let s = self.settings;
        let mut sorted: Vec<&ParentResult> = results.iter().collect();
        sorted.sort_by_key(|r| (r.family, r.parent));
        for r in sorted {
            let (pl, cl, _) = FAMILIES[r.family];
            let (pi, ci) = (self.atlas.layer(pl).unwrap(), self.atlas.layer(cl).unwrap());
            let pf = &pi.features[r.parent];
            for (poly_ll, poly, area, width) in &r.gaps {
                let blind = *width > s.sliver_width_m;
                let message = if blind {
                    format!("{}内有 {:.1} 平方米未被任何{}覆盖(盲区,最宽 {:.1} 米)。", who(pl, pf), area, cl.name_zh(), width)
                } else {
                    format!("{}内有 {:.1} 平方米的缝隙未被任何{}覆盖(最宽 {:.2} 米)。", who(pl, pf), area, cl.name_zh(), width)
                };
                let codes = touching(poly, &r.children, ci);
                self.defects.push(Defect {
                    kind: if blind { Kind::BlindSpot } else { Kind::Sliver },
                    layer: cl,
                    parent: Some(pf.code.clone()),
                    codes,
                    area_m2: Some(*area),
                    width_m: Some(*width),
                    message,
                    reason: None,
                    place: Place::LonLat(mpoly(vec![poly_ll.clone()])),
                });
            }
            for o in &r.overlaps {
                let (a, b) = (&ci.features[r.children[o.a]], &ci.features[r.children[o.b]]);
                for piece in &o.pieces {
                    let area = self.atlas.crs.project_geometry(&Geometry::Polygon(piece.clone())).map_or(0.0, |g| g.unsigned_area());
                    if area < s.min_area_m2 {
                        continue;
                    }
                    self.defects.push(Defect {
                        kind: Kind::Overlap,
                        layer: cl,
                        parent: Some(pf.code.clone()),
                        codes: vec![a.code.clone(), b.code.clone()],
                        area_m2: Some(area),
                        width_m: None,
                        message: format!("{}与{}重叠 {:.1} 平方米。", who(cl, a), who(cl, b), area),
                        reason: None,
                        place: Place::LonLat(mpoly(vec![piece.clone()])),
                    });
                }
            }
            for (k, pieces, area) in &r.spill {
                if *area < s.min_area_m2 {
                    continue;
                }
                let cf = &ci.features[r.children[*k]];
                self.defects.push(Defect {
                    kind: Kind::OutsideParent,
                    layer: cl,
                    parent: Some(pf.code.clone()),
                    codes: vec![cf.code.clone()],
                    area_m2: Some(*area),
                    width_m: None,
                    message: format!("{}有 {:.1} 平方米位于其所属{}之外。", who(cl, cf), area, who(pl, pf)),
                    reason: None,
                    place: Place::LonLat(mpoly(pieces.clone())),
                });
            }
        }
    }

    /// Household defects and counts per parent; returns households per grid.
    fn households(&mut self, located: Option<&households::Located>, parents: &[ParentResult], tol: f64, grid_polys: &[&MultiPolygon<f64>]) -> Option<Vec<u64>> {
        let hi = self.atlas.layer(Layer::Households)?;
        let gi = self.atlas.layer(Layer::Grids);
        // Which features spill out of their parent: for those, a household's parent is found by location, not by
        // following codes upwards.
        let mut spills: HashMap<(Layer, usize), bool> = HashMap::new();
        for r in parents {
            let cl = FAMILIES[r.family].1;
            for (k, _, a) in &r.spill {
                if *a >= tol {
                    spills.insert((cl, r.children[*k]), true);
                }
            }
        }
        // Each feature's parent index by code (None where its parent is unknown or it spills out of it, so the
        // household's parent is then found by location): arrays, not hash lookups, for a million households.
        let parent_index = |layer: Layer| -> Vec<Option<u32>> {
            let (Some(li), Some((key, pl))) = (self.atlas.layer(layer), layer.parent()) else { return Vec::new() };
            let Some(pli) = self.atlas.layer(pl) else { return vec![None; li.len()] };
            (0..li.len())
                .map(|i| {
                    if spills.contains_key(&(layer, i)) {
                        return None;
                    }
                    li.features[i].str_prop(key).and_then(|c| pli.index_of(c)).map(|p| p as u32)
                })
                .collect()
        };
        let parents_of: HashMap<Layer, Vec<Option<u32>>> =
            [Layer::Grids, Layer::Communities, Layer::Towns].into_iter().map(|l| (l, parent_index(l))).collect();
        let (pg, pc, pt) = (&parents_of[&Layer::Grids], &parents_of[&Layer::Communities], &parents_of[&Layer::Towns]);
        let layers = [Layer::Communities, Layer::Towns, Layer::County].map(|l| self.atlas.layer(l));
        let up = |layer: Layer, i: Option<usize>, at: Coord<f64>| -> Option<usize> {
            let (table, pli) = match layer {
                Layer::Grids => (pg, layers[0]?),
                Layer::Communities => (pc, layers[1]?),
                _ => (pt, layers[2]?),
            };
            match i.and_then(|i| table.get(i).copied().flatten()) {
                Some(p) => Some(p as usize),
                None => locate_in(pli, at),
            }
        };
        let n = hi.len();
        let grid_of: Vec<u32> = located.map_or_else(|| vec![households::NONE; n], |l| l.grid.clone());
        let rep: Vec<Coord<f64>> = hi.geoms_m.par_iter().with_min_len(8192).map(representative).collect();
        // Counts per community, town and county (by following grid → community → town → county where nothing
        // spills), in parallel chunks.
        let (nc, nt, nk) = [Layer::Communities, Layer::Towns, Layer::County].map(|l| self.atlas.layer(l).map_or(0, LayerIndex::len)).into();
        let counts = (0..n)
            .into_par_iter()
            .with_min_len(8192)
            .fold(
                || (vec![(0u64, 0u64); nc], vec![(0u64, 0u64); nt], vec![(0u64, 0u64); nk]),
                |mut acc, h| {
                    let g = (grid_of[h] != households::NONE).then_some(grid_of[h] as usize);
                    let uncovered = u64::from(g.is_none());
                    let c = if gi.is_some() { up(Layer::Grids, g, rep[h]) } else { self.atlas.layer(Layer::Communities).and_then(|l| locate_in(l, rep[h])) };
                    if let Some(c) = c {
                        acc.0[c].0 += 1;
                        acc.0[c].1 += uncovered;
                    }
                    let t = if c.is_some() || self.atlas.layer(Layer::Communities).is_some() { up(Layer::Communities, c, rep[h]) } else { self.atlas.layer(Layer::Towns).and_then(|l| locate_in(l, rep[h])) };
                    if let Some(t) = t {
                        acc.1[t].0 += 1;
                        acc.1[t].1 += uncovered;
                    }
                    let k = if t.is_some() || self.atlas.layer(Layer::Towns).is_some() { up(Layer::Towns, t, rep[h]) } else { self.atlas.layer(Layer::County).and_then(|l| locate_in(l, rep[h])) };
                    if let Some(k) = k {
                        acc.2[k].0 += 1;
                        acc.2[k].1 += uncovered;
                    }
                    acc
                },
            )
            .reduce(
                || (vec![(0, 0); nc], vec![(0, 0); nt], vec![(0, 0); nk]),
                |mut a, b| {
                    for (x, y) in a.0.iter_mut().zip(b.0) {
                        *x = (x.0 + y.0, x.1 + y.1);
                    }
                    for (x, y) in a.1.iter_mut().zip(b.1) {
                        *x = (x.0 + y.0, x.1 + y.1);
                    }
                    for (x, y) in a.2.iter_mut().zip(b.2) {
                        *x = (x.0 + y.0, x.1 + y.1);
                    }
                    a
                },
            );
        for (layer, v) in [(Layer::Communities, counts.0), (Layer::Towns, counts.1), (Layer::County, counts.2)] {
            for (i, c) in v.into_iter().enumerate() {
                self.households.insert((layer, i), c);
            }
        }
        let gi = gi?;
        let located = located?;
        let mut per_grid = vec![0u64; gi.len()];
        let split_set: HashMap<usize, &households::Split> = located.splits.iter().map(|s| (s.household, s)).collect();
        let community_of = |h: usize| -> Option<String> {
            self.atlas.layer(Layer::Communities).and_then(|l| locate_in(l, rep[h])).map(|c| self.atlas.layer(Layer::Communities).unwrap().features[c].code.clone())
        };
        for &g in &grid_of {
            if g != households::NONE {
                per_grid[g as usize] += 1;
            }
        }
        // The households with something to report, found in parallel: split, uncovered, or on another roster.
        let suspects: Vec<usize> = (0..n)
            .into_par_iter()
            .with_min_len(8192)
            .filter(|&h| {
                let g = grid_of[h];
                g == households::NONE
                    || split_set.contains_key(&h)
                    || hi.features[h].nonempty_prop("grid_code") != Some(gi.features[g as usize].code.as_str())
            })
            .collect();
        for h in suspects {
            let g = grid_of[h];
            let f = &hi.features[h];
            if let Some(s) = split_set.get(&h) {
                let names: Vec<&str> = s.grids.iter().map(|&g| gi.features[g].code.as_str()).collect();
                let mut message = format!("住户 {} 的院落跨越网格边界(涉及网格 {}", f.code, names.join("、"));
                if s.outside_m2 > 0.0 {
                    message.push_str(&format!(",另有 {:.1} 平方米不在任何网格内", s.outside_m2));
                }
                message.push_str(")。");
                let mut codes = vec![f.code.clone()];
                codes.extend(names.iter().map(|c| c.to_string()));
                self.defects.push(Defect {
                    kind: Kind::HouseholdSplit,
                    layer: Layer::Households,
                    parent: names.first().map(|c| c.to_string()).or_else(|| community_of(h)),
                    codes,
                    area_m2: None,
                    width_m: None,
                    message,
                    reason: None,
                    place: Place::LonLat(f.geometry.clone()),
                });
                continue;
            }
            if g == households::NONE {
                let roster = f.nonempty_prop("grid_code");
                let message = match roster {
                    Some(r) => format!("住户 {} 不在任何网格内(名册登记在网格 {})。", f.code, r),
                    None => format!("住户 {} 不在任何网格内。", f.code),
                };
                let mut codes = vec![f.code.clone()];
                codes.extend(roster.map(str::to_string));
                self.defects.push(Defect {
                    kind: Kind::HouseholdUncovered,
                    layer: Layer::Households,
                    parent: community_of(h),
                    codes,
                    area_m2: None,
                    width_m: None,
                    message,
                    reason: None,
                    place: Place::LonLat(f.geometry.clone()),
                });
                continue;
            }
            let actual = &gi.features[g as usize].code;
            let roster = f.nonempty_prop("grid_code");
            if roster == Some(actual.as_str()) {
                continue;
            }
            // In two overlapping grids, one of them the roster's: not a roster error (the overlap is reported).
            if let Some(r) = roster.and_then(|r| gi.index_of(r))
                && cells::contains_xy(grid_polys[r], rep[h])
            {
                continue;
            }
            let message = match roster {
                Some(r) => format!("住户 {} 名册登记在网格 {},实际位于网格 {}。", f.code, r, actual),
                None => format!("住户 {} 名册未登记网格,实际位于网格 {}。", f.code, actual),
            };
            let mut codes = vec![f.code.clone(), actual.clone()];
            codes.extend(roster.map(str::to_string));
            self.defects.push(Defect {
                kind: Kind::HouseholdMismatch,
                layer: Layer::Households,
                parent: Some(actual.clone()),
                codes,
                area_m2: None,
                width_m: None,
                message,
                reason: None,
                place: Place::LonLat(f.geometry.clone()),
            });
        }
        Some(per_grid)
    }

    fn units(&mut self, found: &[(usize, units::UnitFinding)]) {
        let (Some(ui), Some(gi)) = (self.atlas.layer(Layer::Units), self.atlas.layer(Layer::Grids)) else { return };
        for (u, finding) in found {
            let f = &ui.features[*u];
            let named = f.nonempty_prop("grid_code").map(str::to_string);
            let (kind, codes, message) = match finding {
                units::UnitFinding::Split(gs) => {
                    let names: Vec<String> = gs.iter().map(|&g| gi.features[g].code.clone()).collect();
                    let message = format!("{}跨越 {} 个网格:{}。", who(Layer::Units, f), names.len(), names.join("、"));
                    (Kind::UnitSplit, names, message)
                }
                units::UnitFinding::Orphan => (Kind::UnitOrphan, vec![], format!("{}不在任何网格内。", who(Layer::Units, f))),
                units::UnitFinding::Mismatch(g) => {
                    let actual = gi.features[*g].code.clone();
                    let message = match &named {
                        Some(n) => format!("{}登记属于网格 {},实际位于网格 {}。", who(Layer::Units, f), n, actual),
                        None => format!("{}未登记网格,实际位于网格 {}。", who(Layer::Units, f), actual),
                    };
                    (Kind::UnitMismatch, vec![actual], message)
                }
            };
            let mut all = vec![f.code.clone()];
            all.extend(codes);
            self.defects.push(Defect {
                kind,
                layer: Layer::Units,
                parent: named,
                codes: all,
                area_m2: None,
                width_m: None,
                message,
                reason: None,
                place: Place::LonLat(f.geometry.clone()),
            });
        }
    }

    fn staffing(&mut self, per_grid: Option<&[u64]>) {
        let Some(gi) = self.atlas.layer(Layer::Grids) else { return };
        let band = self.settings.target_households;
        for (g, finding) in staffing::staffing(&gi.features, per_grid, band) {
            let f = &gi.features[g];
            let own = f.int_prop("target_households").map(|t| format!("(本网格目标 {t} 户)")).unwrap_or_default();
            let (kind, message) = match finding {
                staffing::StaffFinding::Unstaffed => (Kind::GridUnstaffed, format!("{}没有网格员。", who(Layer::Grids, f))),
                staffing::StaffFinding::Overloaded(n) => {
                    (Kind::GridOverloaded, format!("{}有 {} 户,超过目标上限 {} 户{}。", who(Layer::Grids, f), n, band.1, own))
                }
                staffing::StaffFinding::Underloaded(n) => {
                    (Kind::GridUnderloaded, format!("{}只有 {} 户,低于目标下限 {} 户{}。", who(Layer::Grids, f), n, band.0, own))
                }
            };
            self.defects.push(Defect {
                kind,
                layer: Layer::Grids,
                parent: self.parent_code(Layer::Grids, f),
                codes: vec![f.code.clone()],
                area_m2: None,
                width_m: None,
                message,
                reason: None,
                place: Place::LonLat(f.geometry.clone()),
            });
        }
    }

    fn summary(&self, parents: &[ParentResult]) -> Vec<SummaryRow> {
        let by_parent: HashMap<(Layer, usize), &ParentResult> = parents.iter().map(|r| ((FAMILIES[r.family].0, r.parent), r)).collect();
        // Ancestry by code (county, towns, communities, grids), to count defects in descendants.
        let mut up: HashMap<&str, &str> = HashMap::new();
        for layer in [Layer::Towns, Layer::Communities, Layer::Grids] {
            let (Some(li), Some((key, _))) = (self.atlas.layer(layer), layer.parent()) else { continue };
            for f in &li.features {
                if let Some(p) = f.str_prop(key) {
                    up.insert(f.code.as_str(), p);
                }
            }
        }
        let mut defects_in: HashMap<&str, u64> = HashMap::new();
        for d in &self.defects {
            let mut at = d.parent.as_deref();
            let mut steps = 0;
            while let Some(code) = at {
                *defects_in.entry(code).or_default() += 1;
                at = up.get(code).copied();
                steps += 1;
                if steps > 8 {
                    break;
                }
            }
        }
        let mut grids_in: HashMap<&str, u64> = HashMap::new();
        if let Some(gi) = self.atlas.layer(Layer::Grids) {
            for f in &gi.features {
                let mut at = f.str_prop("community_code");
                while let Some(code) = at {
                    *grids_in.entry(code).or_default() += 1;
                    at = up.get(code).copied();
                }
            }
        }
        let has_grids = self.atlas.layer(Layer::Grids).is_some();
        let row = |layer: Layer, i: usize| -> SummaryRow {
            let li = self.atlas.layer(layer).unwrap();
            let f = &li.features[i];
            let r = by_parent.get(&(layer, i));
            let area_m2 = r.map_or_else(|| li.geoms_m[i].unsigned_area(), |r| r.cover.area_m2);
            let gap_m2 = r.map(|r| r.cover.gap_m2());
            let covered_m2 = gap_m2.map(|g| (area_m2 - g).max(0.0));
            let hh = self.households.get(&(layer, i)).copied();
            SummaryRow {
                code: f.code.clone(),
                layer,
                name: f.name().to_string(),
                parent: layer.parent().and_then(|(key, _)| f.str_prop(key).map(str::to_string)),
                area_m2,
                covered_m2,
                gap_m2,
                overlap_m2: r.map(|r| r.overlap_m2),
                households: self.has_households.then(|| hh.map_or(0, |h| h.0)),
                households_uncovered: (self.has_households && has_grids).then(|| hh.map_or(0, |h| h.1)),
                coverage_pct: covered_m2.map(|c| if area_m2 > 0.0 { 100.0 * c / area_m2 } else { 100.0 }),
                grids: has_grids.then(|| grids_in.get(f.code.as_str()).copied().unwrap_or(0)),
                defects: defects_in.get(f.code.as_str()).copied().unwrap_or(0),
            }
        };
        let mut out = Vec::new();
        let county = self.atlas.layer(Layer::County);
        let towns = self.atlas.layer(Layer::Towns);
        let communities = self.atlas.layer(Layer::Communities);
        if let Some(k) = county {
            out.extend((0..k.len()).map(|i| row(Layer::County, i)));
        }
        // Each town followed by its communities; communities whose town is unknown come last.
        let mut placed = vec![false; communities.map_or(0, LayerIndex::len)];
        if let Some(t) = towns {
            for i in 0..t.len() {
                out.push(row(Layer::Towns, i));
                if let Some(c) = communities {
                    for (j, f) in c.features.iter().enumerate() {
                        if f.str_prop("town_code") == Some(t.features[i].code.as_str()) {
                            placed[j] = true;
                            out.push(row(Layer::Communities, j));
                        }
                    }
                }
            }
        }
        for (j, done) in placed.iter().enumerate() {
            if !done {
                out.push(row(Layer::Communities, j));
            }
        }
        out
    }
}

/// The codes of the children whose boundary the polygon touches (the neighbours of a gap), in order.
fn touching(poly: &Polygon<f64>, children: &[usize], ci: &LayerIndex) -> Vec<String> {
    let Some(pb) = poly.bounding_rect() else { return Vec::new() };
    let grow = 0.01;
    let env = rstar::AABB::from_corners([pb.min().x - grow, pb.min().y - grow], [pb.max().x + grow, pb.max().y + grow]);
    let mut out: Vec<usize> = ci
        .tree
        .locate_in_envelope_intersecting(&env)
        .map(|e| e.data)
        .filter(|i| children.contains(i))
        .filter(|&i| {
            let kid = as_mp(&ci.geoms_m[i]);
            poly.exterior().0.iter().any(|c| kid.0.iter().any(|p| near_boundary(p, *c, grow)))
        })
        .collect();
    out.sort_unstable();
    out.into_iter().map(|i| ci.features[i].code.clone()).collect()
}

fn near_boundary(p: &Polygon<f64>, c: Coord<f64>, d: f64) -> bool {
    std::iter::once(p.exterior()).chain(p.interiors()).any(|r| {
        r.0.windows(2).any(|w| {
            let (a, b) = (w[0], w[1]);
            let (dx, dy) = (b.x - a.x, b.y - a.y);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 { (((c.x - a.x) * dx + (c.y - a.y) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
            let (ex, ey) = (a.x + t * dx - c.x, a.y + t * dy - c.y);
            ex * ex + ey * ey <= d * d
        })
    })
}

/// The feature of a polygonal layer containing `at` (metres), through its R-tree.
fn locate_in(li: &LayerIndex, at: Coord<f64>) -> Option<usize> {
    let mut hits: Vec<usize> = li.tree.locate_all_at_point(&[at.x, at.y]).map(|e| e.data).collect();
    hits.sort_unstable();
    hits.into_iter().find(|&i| cells::contains_xy(as_mp(&li.geoms_m[i]), at))
}
