//! A dataset as a GeoPackage file, returned as bytes: for downloads that open in QGIS (a plan's grids, lanes
//! and buildings and community). Written through the store's own GeoPackage code, so the file is what a
//! GeoPackage store would hold.

use crate::model::{Dataset, Feature, Layer};
use crate::store::gpkg::GpkgStore;
use crate::store::LayerStore;

/// Why a GeoPackage could not be written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("temporary GeoPackage file: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    #[error("GeoPackage: {0}")]
    Sql(#[from] sqlx::Error),
}

/// `ds` written to a fresh GeoPackage file (in a temporary directory, removed after), as bytes.
pub async fn dataset_bytes(ds: &Dataset) -> Result<Vec<u8>, Error> {
    bytes_of(ds, None).await
}

/// One layer as a GeoPackage holding that table alone: the store's other tables (empty here) are dropped from
/// the file, so QGIS lists just the layer.
pub async fn layer_bytes(layer: Layer, features: &[Feature]) -> Result<Vec<u8>, Error> {
    bytes_of(&Dataset { layers: [(layer, features.to_vec())].into_iter().collect() }, Some(layer)).await
}

/// `ds` written through the store's own GeoPackage code; with `only`, every other table dropped.
async fn bytes_of(ds: &Dataset, only: Option<Layer>) -> Result<Vec<u8>, Error> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("export.gpkg");
    {
        let g = GpkgStore::open(&path).await?;
        g.replace_layers(ds).await?;
        if let Some(layer) = only {
            let others: Vec<(String,)> = sqlx::query_as("SELECT table_name FROM gpkg_contents WHERE table_name <> ?")
                .bind(layer.name())
                .fetch_all(g.pool())
                .await?;
            for (t,) in others {
                sqlx::query("DELETE FROM gpkg_geometry_columns WHERE table_name = ?").bind(&t).execute(g.pool()).await?;
                sqlx::query("DELETE FROM gpkg_contents WHERE table_name = ?").bind(&t).execute(g.pool()).await?;
                sqlx::query(&format!("DROP TABLE \"{}\"", t.replace('"', "\"\""))).execute(g.pool()).await?;
            }
            sqlx::query("VACUUM").execute(g.pool()).await?;
        }
        g.pool().close().await;
    }
    Ok(tokio::fs::read(&path).await?)
}
