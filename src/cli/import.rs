//! `gridmap import DIR | FILE --layer L`: the arguments of [`crate::app::import`] and
//! [`crate::app::import_source`], and the report of what was read.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::StoreArgs;
use crate::app::import;
use crate::app::import_source::{self, Options, Report};
use crate::import::columns::parse_map;
use crate::model::Layer;
use crate::model::crs::InputCrs;
use crate::store::AnyStore;

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// A dataset directory, or one file with --layer: GeoJSON, Shapefile (.shp or .zip), KML/KMZ, GeoPackage, CSV, XLSX
    pub path: PathBuf,
    /// The layer a single file holds (county, towns, communities, villages, grids, units, households, addresses)
    #[arg(long)]
    pub layer: Option<Layer>,
    /// CRS of the input: wgs84, cgcs2000, gcj02, bd09 or EPSG:NNNN [default: the file's own (.prj, GeoPackage srs, KML), else refused]
    #[arg(long)]
    pub crs: Option<InputCrs>,
    /// Source columns to contract properties, e.g. 户主=head,门牌=address,X=lon,Y=lat (Chinese headers are recognised without it)
    #[arg(long)]
    pub map: Option<String>,
    /// The GeoPackage table to read, where the file holds several
    #[arg(long)]
    pub table: Option<String>,
    /// Read, map and check everything, and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Repair invalid geometry (as ST_MakeValid does) instead of refusing it
    #[arg(long)]
    pub repair: bool,
    /// Import features lying wholly outside the county (or the parent they name) instead of refusing them
    #[arg(long)]
    pub allow_outside: bool,
    /// A household roster without coordinates, matched to the stored door plates by address: store only the rows
    /// placed, leaving out the ambiguous and unmatched ones (listed in the report) instead of refusing them all
    #[arg(long, requires = "layer")]
    pub placed_only: bool,
    /// Replace every stored layer: those the dataset directory does not hold are emptied (a directory only)
    #[arg(long, conflicts_with = "layer")]
    pub replace_all: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let store = AnyStore::open(&args.store.location()).await.context("opening the store")?;
    let actor = super::cli_actor();
    match args.layer {
        Some(layer) => {
            let opts = Options {
                crs: args.crs,
                map: parse_map(args.map.as_deref().unwrap_or_default()).map_err(anyhow::Error::msg)?,
                table: args.table,
                repair: args.repair,
                dry_run: args.dry_run,
                allow_outside: args.allow_outside,
                placed_only: args.placed_only,
            };
            let report = import_source::import_source(&store, &args.path, layer, &opts, &actor).await?;
            eprint!("{}", describe(&report, layer));
        }
        None => {
            let allow = import::Allow { outside: args.allow_outside, replace_all: args.replace_all };
            import::import_dir(&store, &args.path, args.crs, args.repair, allow, &actor).await?
        }
    }
    Ok(())
}

/// The report, in Chinese first, on stderr (stdout stays free for pipes).
fn describe(r: &Report, layer: Layer) -> String {
    let mut s = format!(
        "格式 {}，坐标系 {}，编码 {}，{} 个要素 → {}（{}）\n",
        r.format,
        r.crs,
        r.encoding,
        r.features,
        layer.name_zh(),
        layer
    );
    for (src, dst) in &r.columns {
        s.push_str(&format!("  列 {src} → {dst}\n"));
    }
    if !r.located_parents.is_empty() {
        s.push_str(&format!("按位置确定上级 {} 个（parents found by location）:\n", r.located_parents.len()));
        for (f, p) in r.located_parents.iter().take(20) {
            s.push_str(&format!("  {f} → {p}\n"));
        }
    }
    if !r.generated_codes.is_empty() {
        s.push_str(&format!("按编码规则生成编码 {} 个（codes generated）: {}\n", r.generated_codes.len(), r.generated_codes.iter().take(20).cloned().collect::<Vec<_>>().join(", ")));
    }
    if let Some(m) = &r.matched {
        s.push_str(&crate::app::roster_match::describe(m, !r.written));
    }
    for f in &r.flags {
        s.push_str(&format!("请核对（check）: {f}\n"));
    }
    s.push_str(if r.written { "已导入（imported）\n" } else { "试运行，未写入（dry run, nothing written）\n" });
    s
}
