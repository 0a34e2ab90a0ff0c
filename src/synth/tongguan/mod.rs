//! The Tongguan default dataset (`geodata/`, `gridmap generate`) in the data contract's form.
//!
//! The real county boundary and official town and community names and codes, with synthetic villages, grids,
//! lanes, buildings and households laid where people live, and defects planted where mergers and
//! hand-digitising put them. Same seed, same bytes.

/// The whole generation in memory, from the sources to the census of what was made.
pub mod build;
/// The layers in the contract's form: codes, names, people, properties.
pub mod dataset;
/// Planted line defects: slivers, overlaps and blind spots drawn on shared arcs.
pub mod defects;
/// Approximate seats, household counts and habitability: where people live.
pub mod gazetteer;
/// Polygon layers assembled from the shared arcs, in metres and in rounded lon/lat.
pub mod layers;
/// Seeded gradient noise and domain warping, for boundaries that wander.
pub mod noise;
/// Synthetic names and obviously fake phone numbers.
pub mod people;
/// The county as a raster of labelled pixels in metres.
pub mod raster;
/// What was generated, in words: the printed summary, README.md and planted_defects.json.
pub mod report;
/// The door plates (门牌): one per household address that names a door.
pub mod plates;
/// The household roster and the roster defects planted in it.
pub mod roster;
/// Lanes, buildings and households laid out inside their grids.
pub mod settlement;
/// The real inputs: county boundary, official divisions, legacy village names.
pub mod sources;
/// Labelling the raster with towns, communities, legacy villages and grids.
pub mod territory;
/// Tracing shared boundary arcs, snapping them to the county edge, and chaining them into polygons.
pub mod topology;
/// A census of the written dataset: validity, shared edges, tiling, every defect measured.
pub mod verify;
/// Names and codes of the 93 pre-2015 villages.
pub mod villages;
/// The generated dataset written as a directory: the layers, README.md and planted_defects.json.
pub mod write;
