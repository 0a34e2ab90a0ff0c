//! The shapes of the bodies that are written as JSON values rather than from a typed struct: the error body
//! ([`crate::http::error::Error::body`]), GeoJSON streamed feature by feature, and the answers the application
//! layer assembles ([`crate::app::locate`], the coverage and crosswalk memos, a draft's diff). They are
//! described here for the document, never built; each names where its body is made.
#![allow(dead_code)]

use serde_json::{Map, Value};
use utoipa::ToSchema;

/// The one error body of every 4xx (`{"error": {"status", "message", ...}}`), made by `http::error::Error::body`.
#[derive(ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong and where, Chinese first then English.
#[derive(ToSchema)]
pub struct ErrorDetail {
    /// The HTTP status again.
    #[schema(example = 400)]
    pub status: u16,
    #[schema(example = "参数 bbox 有误 (bbox: expected west,south,east,north in degrees)")]
    pub message: String,
    /// Only on a publish's 422: the defects still to fix or acknowledge.
    pub unacknowledged: Option<Vec<Unacknowledged>>,
}

/// A defect a publication has not acknowledged.
#[derive(ToSchema)]
pub struct Unacknowledged {
    /// What `acknowledge[].defect` names.
    pub id: String,
    pub kind: String,
    pub codes: Vec<String>,
    pub message: String,
}

/// A GeoJSON FeatureCollection (RFC 7946), lon/lat.
#[derive(ToSchema)]
pub struct FeatureCollection {
    /// `FeatureCollection`.
    #[schema(example = "FeatureCollection")]
    pub r#type: String,
    /// The layer's name (`grids`, `defects`, ...).
    pub name: Option<String>,
    pub features: Vec<Feature>,
    /// True when households were left out for a caller who may not see them.
    pub withheld: Option<bool>,
    /// Why they were left out.
    pub message: Option<String>,
}

/// A GeoJSON Feature: `code` and the layer's properties (personal data masked per caller as `张*`,
/// `139****1234`); grids and units carry `household_count`; defects carry `kind`, `codes`, `area_m2`, `width_m`
/// and a description.
#[derive(ToSchema)]
pub struct Feature {
    /// `Feature`.
    pub r#type: String,
    pub id: Option<String>,
    /// A GeoJSON geometry.
    pub geometry: Map<String, Value>,
    pub properties: Map<String, Value>,
}

/// A point as asked: its coordinates and CRS.
#[derive(ToSchema)]
pub struct QueryPoint {
    pub lon: f64,
    pub lat: f64,
    /// `wgs84`, `gcj02` or `bd09`.
    pub crs: String,
}

/// A feature of the chain as the caller may see it: code, name, and its layer's people (secretary, manager,
/// heads) masked unless the caller's role and scope cover it.
pub type ChainLink = Option<Map<String, Value>>;

/// The locate answer, made by `app::locate::locate_json`.
#[derive(ToSchema)]
pub struct Located {
    pub query: QueryPoint,
    /// The point in CGCS2000 lon/lat after conversion from `crs`.
    pub lonlat: [f64; 2],
    /// False (with every level null and a `message`) when the point is far outside the county.
    pub inside_county: bool,
    #[schema(value_type = Option<Object>)]
    pub county: ChainLink,
    #[schema(value_type = Option<Object>)]
    pub town: ChainLink,
    #[schema(value_type = Option<Object>)]
    pub community: ChainLink,
    /// The legacy village (原行政村) the point lies in.
    #[schema(value_type = Option<Object>)]
    pub village: ChainLink,
    #[schema(value_type = Option<Object>)]
    pub grid: ChainLink,
    /// The lane or building (巷道楼栋).
    #[schema(value_type = Option<Object>)]
    pub unit: ChainLink,
    /// The household at the point or the nearest within `radius_m`, with its distance; null for a caller who
    /// may not see households.
    #[schema(value_type = Option<Object>)]
    pub household: ChainLink,
    pub households_withheld: Option<bool>,
    /// Other features claiming the point where layers overlap, by layer.
    pub also: Map<String, Value>,
    pub radius_m: f64,
    /// Whether personal data in this answer are masked.
    pub masked: bool,
    pub message: Option<String>,
}

/// A household as the caller may see it, with its point, chain and distance where asked.
pub type HouseholdEntry = Map<String, Value>;

/// The nearest households, made by `app::locate::nearest_json`.
#[derive(ToSchema)]
pub struct Nearest {
    pub query: QueryPoint,
    pub lonlat: [f64; 2],
    pub k: u32,
    pub radius_m: Option<f64>,
    /// Nearest first, each with `distance_m`; empty for a caller who may not see households.
    #[schema(value_type = Vec<Object>)]
    pub households: Vec<HouseholdEntry>,
    pub masked: bool,
    pub withheld: bool,
    pub message: Option<String>,
}

/// Search hits, made by `app::locate::search_json`.
#[derive(ToSchema)]
pub struct SearchHits {
    pub query: String,
    pub count: u32,
    /// Best first: each with `layer`, `code`, `name`, what matched, its `lonlat`, `bbox` and chain.
    #[schema(value_type = Vec<Object>)]
    pub hits: Vec<Map<String, Value>>,
    pub masked: bool,
}

/// A grid's or unit's households, made by `app::locate::households_json`. The grid or unit itself is under
/// `grid` or `unit`.
#[derive(ToSchema)]
pub struct HouseholdsOf {
    /// `grids` or `units`.
    pub layer: String,
    pub chain: Map<String, Value>,
    /// West, south, east, north in degrees.
    pub bbox: Option<[f64; 4]>,
    pub lonlat: Option<[f64; 2]>,
    pub count: u32,
    /// Households lying in it.
    pub lies_in_count: u32,
    /// Households its roster names (they may lie elsewhere).
    pub on_roster_count: u32,
    /// Each flagged `lies_in` and `on_roster`; empty for a caller who may not see households.
    #[schema(value_type = Vec<Object>)]
    pub households: Vec<HouseholdEntry>,
    pub masked: bool,
    pub withheld: bool,
    pub message: Option<String>,
}

/// The thresholds the report was computed with.
#[derive(ToSchema)]
pub struct CoverageSettings {
    pub sliver_width_m: f64,
    pub min_area_m2: f64,
    /// The household band per grid, `[min, max]`.
    pub target_households: [u64; 2],
}

/// The coverage summary, made by `http::coverage::summary` from the report of `app::coverage`.
#[derive(ToSchema)]
pub struct CoverageSummary {
    /// One row per county, town and community (or below `parent`): areas, households covered and uncovered,
    /// grids, staffing and defects by kind.
    #[schema(value_type = Vec<Object>)]
    pub summary: Vec<Map<String, Value>>,
    /// Defects by kind (`blind_spot`, `sliver`, `overlap`, `household_uncovered`, ...).
    pub counts: Map<String, Value>,
    /// The county-wide figures every view shows: households of the dataset (in communities, outside every
    /// community, outside the county), uncovered, the floored coverage percentage, the gap, all defects.
    #[schema(value_type = Object)]
    pub totals: Map<String, Value>,
    pub settings: CoverageSettings,
    pub revision: i64,
    /// The metric CRS the areas were computed in.
    pub crs: String,
    pub elapsed_ms: f64,
}

/// The crosswalk's totals.
#[derive(ToSchema)]
pub struct CrosswalkSummary {
    pub villages: u32,
    pub communities: u32,
    /// Legacy villages lying in more than one community.
    pub split_villages: u32,
    /// Villages most of whose area lies outside the community they were merged into.
    pub villages_mostly_outside_target: u32,
    pub cross_boundary_households: u32,
}

/// The merger crosswalk, made by `http::crosswalk::crosswalk` from `atlas::crosswalk`.
#[derive(ToSchema)]
pub struct Crosswalk {
    pub summary: CrosswalkSummary,
    /// Per legacy village: its area and households per community, `split`, `target_holds_most`.
    #[schema(value_type = Vec<Object>)]
    pub villages: Vec<Map<String, Value>>,
    /// Per community: the villages it is made of, with shares.
    #[schema(value_type = Vec<Object>)]
    pub communities: Vec<Map<String, Value>>,
}

/// Cross-boundary households.
#[derive(ToSchema)]
pub struct CrossHouseholds {
    pub count: u32,
    /// Each with its registered village and community, the community and grid it lies in, its roster grid and
    /// the `reasons`; empty for a caller who may not see households.
    #[schema(value_type = Vec<Object>)]
    pub households: Vec<HouseholdEntry>,
    pub withheld: Option<bool>,
    pub message: Option<String>,
}

/// A grid of a draft's diff: its code before and after publishing and its manager.
#[derive(ToSchema)]
pub struct DiffGrid {
    /// The draft id.
    pub id: String,
    /// The code it gets on publishing.
    pub code: String,
    pub name: Option<String>,
    pub manager: Option<String>,
    /// How it got its code: kept, renumbered or new.
    pub how: String,
    /// The published grid it continues (code, name, manager), if any.
    #[schema(value_type = Option<Object>)]
    pub before: Option<Map<String, Value>>,
}

/// What publishing a draft would do, made by `http::plans::compare::diff`.
#[derive(ToSchema)]
pub struct Diff {
    pub community: String,
    pub renumber: bool,
    pub grids: Vec<DiffGrid>,
    /// Ids of the grids whose code, outline or manager change.
    pub grids_changed: Vec<String>,
    /// Codes going out of use (code, name, manager).
    #[schema(value_type = Vec<Object>)]
    pub retired: Vec<Map<String, Value>>,
    /// `household`, `from`, `from_manager`, `to`, `to_manager`, `why`.
    #[schema(value_type = Vec<Object>)]
    pub households: Vec<Map<String, Value>>,
    /// `unit`, `name`, `from`, `from_manager`, `to`, `to_manager`.
    #[schema(value_type = Vec<Object>)]
    pub units: Vec<Map<String, Value>>,
    pub households_moved: u32,
    pub units_moved: u32,
}

/// One side of a comparison.
#[derive(ToSchema)]
pub struct Side {
    /// The reference as asked (`published`, `v:N`, a draft id).
    pub r#ref: String,
    pub label: String,
    /// Its grids (id, name, manager), lon/lat.
    pub grids: FeatureCollection,
}

/// Two plans side by side, made by `http::plans::compare::compare`.
#[derive(ToSchema)]
pub struct Comparison {
    pub community: String,
    pub a: Side,
    pub b: Side,
    /// Households lying in another grid under `b` than under `a`, with both managers.
    #[schema(value_type = Vec<Object>)]
    pub households: Vec<Map<String, Value>>,
    #[schema(value_type = Vec<Object>)]
    pub units: Vec<Map<String, Value>>,
    pub households_unchanged: u32,
}
