//! A layer as a file another tool opens (`GET /api/v1/layers/{layer}/export`): the features the caller may
//! read, their properties masked exactly as the layer's GeoJSON read masks them, written by
//! [`crate::export::layer_file`].

use super::error::{Error, Result};
use super::privacy::Access;
use crate::atlas::Atlas;
use crate::export::layer_file::{self, DbfEncoding, FileFormat};
use crate::model::{Feature, Layer};

/// A written export: its bytes, and what to call and label them.
pub struct LayerFile {
    pub bytes: Vec<u8>,
    pub format: FileFormat,
    pub file_name: String,
}

/// `layer` of `atlas` in `format` (default a Shapefile zip) and `encoding` (default UTF-8), as `access` may see it.
pub async fn export_layer(atlas: &Atlas, access: &Access, layer: &str, format: Option<&str>, encoding: Option<&str>) -> Result<LayerFile> {
    let layer: Layer = layer.parse().map_err(|e: crate::model::layer::UnknownLayer| Error::NotFound(e.to_string()))?;
    let format: FileFormat = format.map_or(Ok(FileFormat::Shapefile), str::parse).map_err(Error::BadInput)?;
    let encoding: DbfEncoding = encoding.map_or(Ok(DbfEncoding::Utf8), str::parse).map_err(Error::BadInput)?;
    if layer == Layer::Households && !access.sees_households() {
        return Err(Error::OutOfScope(super::privacy::WITHHELD.to_string()));
    }
    let features: Vec<Feature> = atlas.layer(layer).map_or_else(Vec::new, |idx| {
        (0..idx.len())
            .map(|i| {
                let f = &idx.features[i];
                Feature { code: f.code.clone(), properties: access.properties(atlas, layer, i), geometry: f.geometry.clone() }
            })
            .collect()
    });
    let bytes = layer_file::write(layer, &features, format, encoding).await.map_err(|e| Error::Internal(e.to_string()))?;
    Ok(LayerFile { bytes, format, file_name: format!("{}.{}", layer.name(), format.extension()) })
}
