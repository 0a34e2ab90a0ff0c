//! `gridmap import`: read, validate against what is stored, and write in one transaction, or write nothing.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

use super::StoreArgs;
use crate::model::crs::InputCrs;
use crate::model::geojson_io::{ParsedProblem, read_dir, read_layer_file};
use crate::model::validate::{dataset_problems, geometry_problems, repair};
use crate::model::{Dataset, Layer};
use crate::store::accounts::AuditRecord;
use crate::store::{AnyStore, LayerStore};

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
    let ds = match args.layer {
        Some(layer) => {
            if args.path.is_dir() {
                bail!("{}: --layer takes a file, not a directory", args.path.display());
            }
            let read = read_layer_file(&args.path, layer, args.crs)?;
            let problems = read.problems.into_iter().map(|p| (layer, p)).collect();
            let mut ds = Dataset::default();
            ds.layers.insert(layer, read.features);
            prepare(ds, problems, &args.path, args.repair)?
        }
        None => {
            let (ds, problems) = read_dir(&args.path, args.crs)?;
            prepare(ds, problems, &args.path, args.repair)?
        }
    };
    let actor = format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()));
    write_checked(&store, ds, &args.path, &actor).await
}

/// The audit entry of an import of `ds` from `source`.
fn import_record(ds: &Dataset, source: &Path, actor: &str) -> AuditRecord {
    let layers: Vec<&str> = ds.layers.keys().map(|l| l.name()).collect();
    AuditRecord {
        actor: actor.to_string(),
        action: "import".into(),
        address: "cli".into(),
        households: vec![],
        detail: serde_json::json!({ "path": source.display().to_string(), "layers": layers }),
    }
}

/// Imports a dataset directory as `gridmap import DIR` does, audited as `actor`.
pub async fn import_dir(store: &AnyStore, dir: &Path, crs: Option<InputCrs>, repair_geometry: bool, actor: &str) -> anyhow::Result<()> {
    let (ds, problems) = read_dir(dir, crs)?;
    let ds = prepare(ds, problems, dir, repair_geometry)?;
    write_checked(store, ds, dir, actor).await
}

/// Refuses invalid geometry with every reason and location, or repairs it when asked.
fn prepare(mut ds: Dataset, mut problems: Vec<(Layer, ParsedProblem)>, source: &Path, repair_geometry: bool) -> anyhow::Result<Dataset> {
    for (layer, features) in &ds.layers {
        for f in features {
            problems.extend(
                geometry_problems(&f.geometry)
                    .into_iter()
                    .map(|problem| (*layer, ParsedProblem { code: f.code.clone(), problem })),
            );
        }
    }
    if problems.is_empty() {
        return Ok(ds);
    }
    if repair_geometry {
        let codes: std::collections::HashSet<(Layer, String)> =
            problems.iter().map(|(l, p)| (*l, p.code.clone())).collect();
        for (layer, features) in ds.layers.iter_mut() {
            for f in features.iter_mut().filter(|f| codes.contains(&(*layer, f.code.clone()))) {
                f.geometry = repair(&f.geometry);
            }
        }
        tracing::warn!(features = codes.len(), "repaired invalid geometry");
        return Ok(ds);
    }
    let mut msg = format!("{}: invalid geometry, nothing imported (use --repair to repair it):", source.display());
    for (layer, p) in problems.iter().take(50) {
        msg.push_str(&format!(
            "\n  {}: {} {}: {} at ({:.7}, {:.7})",
            layer.file_name(),
            layer,
            p.code,
            p.problem.reason,
            p.problem.location.x,
            p.problem.location.y
        ));
    }
    if problems.len() > 50 {
        msg.push_str(&format!("\n  ... and {} more", problems.len() - 50));
    }
    bail!(msg)
}

/// Checks codes and parents against the store as it would be after the import, then writes in one transaction.
async fn write_checked(store: &AnyStore, ds: Dataset, source: &Path, actor: &str) -> anyhow::Result<()> {
    let stored = store.load().await?;
    let after = stored.overlaid(&ds);
    let problems = dataset_problems(&after);
    // Report only what this import is responsible for: problems in its layers or caused by them.
    if !problems.is_empty() {
        let mut msg = format!("{}: nothing imported:", source.display());
        for p in problems.iter().take(50) {
            msg.push_str(&format!("\n  {}: {p}", p.layer.file_name()));
        }
        if problems.len() > 50 {
            msg.push_str(&format!("\n  ... and {} more", problems.len() - 50));
        }
        bail!(msg);
    }
    // The layers and the import's audit entry land together, or neither does.
    store.import_layers(&ds, &import_record(&ds, source, actor)).await.context("writing to the store (nothing was changed)")?;
    for (layer, n) in ds.counts() {
        tracing::info!(%layer, features = n, "imported");
    }
    Ok(())
}
