//! The data contract's model: layers, codes, features and their validity, in stored lon/lat.

/// Administrative codes as types, with their hierarchy by prefix.
pub mod code;
/// Input CRSs (GCJ-02, BD-09, EPSG via PROJ) and the metric CRS the atlas computes in.
pub mod crs;
/// Features and datasets.
pub mod feature;
/// Reading and writing layers as GeoJSON files, with errors that say where.
pub mod geojson_io;
/// Walking a GeoJSON document one feature at a time, so a layer file is never held whole as a JSON tree.
pub mod geojson_stream;
/// The layers and how they nest.
pub mod layer;
/// The bounds of an import: file size, feature count, text length, no control characters.
pub mod limits;
/// Features lying wholly outside the county or the parent they name.
pub mod outside;
/// Geometry and dataset validity, and geometry repair.
pub mod validate;

pub use feature::{Dataset, Feature};
pub use layer::Layer;
