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

/// Parses a stored properties JSON text back into an object.
pub(crate) fn parse_properties(layer: &str, code: &str, text: &str) -> Result<serde_json::Map<String, serde_json::Value>> {
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        Ok(_) => Err(Error::Corrupt { layer: layer.into(), code: code.into(), reason: "not an object".into() }),
        Err(e) => Err(Error::Corrupt { layer: layer.into(), code: code.into(), reason: e.to_string() }),
    }
}
