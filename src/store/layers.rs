//! The layers' role: the seven layers of a county, the change log and the revision that caches compare
//! against. Both backends implement it; [`super::AnyStore`] forwards to either.

use std::future::Future;

use super::error::{Error, Result};
use super::records::{AuditRecord, ChangeEntry, ChangeRecord};
use crate::model::{Dataset, Feature, Layer};

/// The layers, their change log and their revision.
pub trait LayerStore: Send + Sync {
    /// Every non-empty layer in the store.
    fn load(&self) -> impl Future<Output = Result<Dataset>> + Send;

    /// Replaces each layer present in `ds` by its features, in one transaction: all of it lands, or nothing.
    /// Two features with one code fail it with [`Error::Exists`].
    fn replace_layers(&self, ds: &Dataset) -> impl Future<Output = Result<()>> + Send;

    /// [`LayerStore::replace_layers`] with the import's audit entry in the same transaction.
    fn import_layers(&self, ds: &Dataset, audit: &AuditRecord) -> impl Future<Output = Result<()>> + Send;

    /// Updates existing features (matched by code) and appends `record` to the change log, in one
    /// transaction. A code that is not stored fails the whole write with [`Error::NotFound`].
    fn update_features(
        &self,
        layer: Layer,
        features: &[Feature],
        record: &ChangeRecord,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The newest change-log entries, newest first.
    fn changes(&self, limit: i64) -> impl Future<Output = Result<Vec<ChangeEntry>>> + Send;

    /// A number that grows with every committed write: what caches compare against.
    fn revision(&self) -> impl Future<Output = Result<i64>> + Send;

    /// A short description for logs ("GeoPackage data/gridmap.gpkg", "PostGIS 127.0.0.1:5432/gridmap").
    fn describe(&self) -> String;
}

/// A stored row as read, before decoding: code, properties JSON text, geometry blob.
pub(crate) type RawRow = (String, String, Vec<u8>);

/// Decodes a layer's rows into features, in parallel on a blocking thread (a county of a million households is
/// a million JSON texts and blobs; reading them is one sequential SQL scan, decoding them need not be).
pub(crate) async fn decode_rows(layer: Layer, rows: Vec<RawRow>, geometry: GeometryCodec) -> Result<Vec<Feature>> {
    use rayon::prelude::*;
    let decode = move || {
        let mut rows = rows.into_iter();
        let chunks: Vec<Vec<RawRow>> =
            std::iter::from_fn(|| Some(rows.by_ref().take(8192).collect::<Vec<_>>()).filter(|c| !c.is_empty())).collect();
        let decoded: Vec<Vec<Feature>> =
            chunks.into_par_iter().map(|c| decode_chunk(layer, c, geometry)).collect::<Result<_>>()?;
        Ok(decoded.into_iter().flatten().collect())
    };
    tokio::task::spawn_blocking(decode).await.map_err(|e| Error::Geometry(format!("decoding {layer}: {e}")))?
}

/// A backend's geometry blob decoder.
pub(crate) type GeometryCodec = fn(&[u8]) -> Result<geo::Geometry<f64>>;

/// Decodes rows into features, in order.
pub(crate) fn decode_chunk(layer: Layer, rows: Vec<RawRow>, geometry: GeometryCodec) -> Result<Vec<Feature>> {
    rows.into_iter()
        .map(|(code, props, blob)| {
            Ok(Feature { properties: parse_properties(layer.name(), &code, &props)?, geometry: geometry(&blob)?, code })
        })
        .collect()
}

/// Parses a stored properties JSON text back into an object.
pub(crate) fn parse_properties(layer: &str, code: &str, text: &str) -> Result<serde_json::Map<String, serde_json::Value>> {
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        Ok(_) => Err(Error::Corrupt { layer: layer.into(), code: code.into(), reason: "not an object".into() }),
        Err(e) => Err(Error::Corrupt { layer: layer.into(), code: code.into(), reason: e.to_string() }),
    }
}
