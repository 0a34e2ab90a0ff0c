//! `gridmap import DIR | FILE --layer L`: the arguments of [`crate::app::import`].

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::StoreArgs;
use crate::app::import;
use crate::model::Layer;
use crate::model::crs::InputCrs;
use crate::store::AnyStore;

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// A dataset directory, or one GeoJSON file with --layer
    pub path: PathBuf,
    /// The layer a single file holds (county, towns, communities, villages, grids, units, households)
    #[arg(long)]
    pub layer: Option<Layer>,
    /// CRS of the input: wgs84, cgcs2000, gcj02, bd09 or EPSG:NNNN [default: the file's crs member, else wgs84]
    #[arg(long)]
    pub crs: Option<InputCrs>,
    /// Repair invalid geometry (as ST_MakeValid does) instead of refusing it
    #[arg(long)]
    pub repair: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let store = AnyStore::open(&args.store.location()).await.context("opening the store")?;
    let actor = super::cli_actor();
    match args.layer {
        Some(layer) => import::import_file(&store, &args.path, layer, args.crs, args.repair, &actor).await?,
        None => import::import_dir(&store, &args.path, args.crs, args.repair, &actor).await?,
    }
    Ok(())
}
