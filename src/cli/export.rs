//! `gridmap export DIR`: every layer of the store as the contract's GeoJSON files.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::StoreArgs;
use crate::model::geojson_io::write_dir;
use crate::store::{AnyStore, LayerStore};

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Directory to write county.geojson ... households.geojson into
    pub dir: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn run(args: ExportArgs) -> anyhow::Result<()> {
    let store = AnyStore::open(&args.store.location()).await.context("opening the store")?;
    let ds = store.load().await?;
    write_dir(&args.dir, &ds).with_context(|| format!("writing {}", args.dir.display()))?;
    for (layer, n) in ds.counts() {
        eprintln!("{layer}: {n} features");
    }
    Ok(())
}
