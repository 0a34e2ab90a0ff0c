//! A dataset as a GeoPackage file, returned as bytes: for downloads that open in QGIS (a plan's grids, lanes
//! and buildings and community). Written through the store's own GeoPackage code, so the file is what a
//! GeoPackage store would hold.

use crate::model::Dataset;
use crate::store::gpkg::GpkgStore;
use crate::store::LayerStore;

/// Why a GeoPackage could not be written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("temporary GeoPackage file: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] crate::store::Error),
}

/// `ds` written to a fresh GeoPackage file (in a temporary directory, removed after), as bytes.
pub async fn dataset_bytes(ds: &Dataset) -> Result<Vec<u8>, Error> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("export.gpkg");
    {
        let g = GpkgStore::open(&path).await?;
        g.replace_layers(ds).await?;
        g.pool().close().await;
    }
    Ok(tokio::fs::read(&path).await?)
}
