//! Importing a dataset directory (one layer file comes through `app::import_source`): read, validate against what is stored, and write the layers
//! and their audit entry in one transaction, or write nothing. `gridmap import` and the first-serve seed share it.

use std::path::Path;

use super::error::{Error, Result};
use crate::model::crs::InputCrs;
use crate::model::geojson_io::{ParsedProblem, read_dir};
use crate::model::validate::{dataset_problems, geometry_problems, repair};
use crate::model::{Dataset, Layer};
use crate::store::accounts::AuditRecord;
use crate::store::{AnyStore, LayerStore};

/// Most problems a refusal lists.
const LISTED: usize = 50;

/// Imports a dataset directory (the layers it holds replace those stored), audited as `actor`.
pub async fn import_dir(store: &AnyStore, dir: &Path, crs: Option<InputCrs>, repair_geometry: bool, actor: &str) -> Result<()> {
    let (ds, problems) = read_dir(dir, crs).map_err(|e| Error::BadInput(e.to_string()))?;
    let ds = prepare(ds, problems, dir, repair_geometry)?;
    write_checked(store, ds, dir, actor, false).await
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

/// Refuses invalid geometry with every reason and location, or repairs it when asked.
pub(super) fn prepare(mut ds: Dataset, mut problems: Vec<(Layer, ParsedProblem)>, source: &Path, repair_geometry: bool) -> Result<Dataset> {
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
    for (layer, p) in problems.iter().take(LISTED) {
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
    if problems.len() > LISTED {
        msg.push_str(&format!("\n  ... and {} more", problems.len() - LISTED));
    }
    Err(Error::Invalid(msg))
}

/// Checks codes and parents against the store as it would be after the import, then writes in one transaction.
pub(super) async fn write_checked(store: &AnyStore, ds: Dataset, source: &Path, actor: &str, dry_run: bool) -> Result<()> {
    let stored = store.load().await?;
    let after = stored.overlaid(&ds);
    let problems = dataset_problems(&after);
    if !problems.is_empty() {
        let mut msg = format!("{}: nothing imported:", source.display());
        for p in problems.iter().take(LISTED) {
            msg.push_str(&format!("\n  {}: {p}", p.layer.file_name()));
        }
        if problems.len() > LISTED {
            msg.push_str(&format!("\n  ... and {} more", problems.len() - LISTED));
        }
        return Err(Error::Invalid(msg));
    }
    if dry_run {
        return Ok(());
    }
    // The layers and the import's audit entry land together, or neither does.
    store.import_layers(&ds, &import_record(&ds, source, actor)).await?;
    for (layer, n) in ds.counts() {
        tracing::info!(%layer, features = n, "imported");
    }
    Ok(())
}
