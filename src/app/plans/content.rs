//! The draft format: what the store keeps as a draft's content.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::{Error, Result};
use crate::atlas::Atlas;
use crate::atlas::plan::{Draft, published_grids};
use crate::model::geojson_io::geometry_json;
use crate::store::PlanRecord;

/// What the store keeps as a draft's content: the draft, and the community's published grids it was copied
/// from (to see changes made by other means than publishing, e.g. an import). Its steps are rows of their own.
#[derive(Serialize, Deserialize)]
pub struct Content {
    pub draft: Draft,
    pub base: Vec<BaseGrid>,
}

/// A published grid as a draft's base remembers it.
#[derive(Serialize, Deserialize, PartialEq, Debug)]
pub struct BaseGrid {
    pub code: String,
    /// GeoJSON, lon/lat.
    pub geometry: Value,
}

/// The community's published grids in `atlas`, as a draft's base: sorted by code.
pub fn base_of(atlas: &Atlas, community: &str) -> Vec<BaseGrid> {
    let mut v: Vec<BaseGrid> = published_grids(atlas, community)
        .into_iter()
        .map(|f| BaseGrid { code: f.code.clone(), geometry: geometry_json(&f.geometry) })
        .collect();
    v.sort_by(|a, b| a.code.cmp(&b.code));
    v
}

impl Content {
    /// The content of a stored draft; a record that does not read back is a broken record, not bad input.
    pub fn of(rec: &PlanRecord) -> Result<Content> {
        serde_json::from_value(rec.content.clone()).map_err(|e| Error::Internal(anyhow::anyhow!("plan {} content: {e}", rec.id)))
    }

    /// The content as the store keeps it.
    pub fn to_value(&self) -> Result<Value> {
        serde_json::to_value(self).map_err(|e| Error::Internal(e.into()))
    }
}
