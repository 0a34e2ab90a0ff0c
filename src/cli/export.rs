//! `gridmap export DIR`: every layer of the store as the contract's GeoJSON files; `gridmap export FILE --layer L`:
//! one layer as a Shapefile zip, KML, GeoPackage or GeoJSON, or the household roster as XLSX.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;

use super::StoreArgs;
use crate::export::layer_file::{self, DbfEncoding, FileFormat};
use crate::model::geojson_io::write_dir;
use crate::model::Layer;
use crate::store::{AnyStore, LayerStore};

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// A directory to write county.geojson ... households.geojson into; with --layer, the file to write
    /// (.zip = Shapefile, .kml, .gpkg, .geojson, or .xlsx for the household roster)
    pub path: PathBuf,
    /// Write only this layer (county, towns, communities, villages, grids, units, households, addresses)
    #[arg(long)]
    pub layer: Option<Layer>,
    /// The file format, when the extension does not say it: shp, kml, gpkg, geojson, xlsx (households only)
    #[arg(long, requires = "layer")]
    pub format: Option<String>,
    /// The Shapefile's text encoding: utf-8 (default, declared in .cpg) or gbk
    #[arg(long, requires = "layer")]
    pub encoding: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// What `--layer` writes: a layer file, or the roster workbook.
enum Target {
    Layer(FileFormat),
    Roster,
}

fn target(path: &Path, format: Option<&str>) -> anyhow::Result<Target> {
    let name = match format {
        Some(f) => f.to_string(),
        None => path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase(),
    };
    if name.eq_ignore_ascii_case("xlsx") {
        return Ok(Target::Roster);
    }
    name.parse::<FileFormat>().map(Target::Layer).map_err(|e| {
        anyhow::anyhow!("{}: {e}；或 xlsx（住户名册 the household roster）。可用 --format 指定（or give --format）", path.display())
    })
}

pub async fn run(args: ExportArgs) -> anyhow::Result<()> {
    // Arguments are checked before the store is opened, so a typo costs nothing.
    let plan = match args.layer {
        None => None,
        Some(layer) => {
            let target = target(&args.path, args.format.as_deref())?;
            if matches!(target, Target::Roster) && layer != Layer::Households {
                bail!("xlsx 只用于住户名册（--layer households）：{layer} 请导出为 shp、kml、gpkg 或 geojson（xlsx is the household roster）");
            }
            let encoding: DbfEncoding = match &args.encoding {
                Some(e) => e.parse().map_err(anyhow::Error::msg)?,
                None => DbfEncoding::default(),
            };
            Some((layer, target, encoding))
        }
    };
    let store = AnyStore::open(&args.store.location()).await.context("opening the store")?;
    let ds = store.load().await?;
    let Some((layer, target, encoding)) = plan else {
        write_dir(&args.path, &ds).with_context(|| format!("writing {}", args.path.display()))?;
        for (layer, n) in ds.counts() {
            eprintln!("{layer}: {n} features");
        }
        return Ok(());
    };
    let n = ds.get(layer).len();
    let bytes = match target {
        Target::Layer(format) => layer_file::write(layer, ds.get(layer), format, encoding).await?,
        Target::Roster => {
            let atlas = tokio::task::spawn_blocking(move || crate::atlas::Atlas::from_dataset(ds, 0)).await??;
            crate::export::to_xlsx(&[crate::export::roster::roster_table(&atlas)])?
        }
    };
    std::fs::write(&args.path, bytes).with_context(|| format!("writing {}", args.path.display()))?;
    eprintln!("{layer}: {n} 个要素已写入 {}（{n} features written）", args.path.display());
    Ok(())
}
