//! Importing a dataset directory (one layer file comes through `app::import_source`): read, validate against what is stored, and write the layers
//! and their audit entry in one transaction, or write nothing. `gridmap import` and the first-serve seed share it.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::{Error, Result};
use crate::model::crs::InputCrs;
use crate::model::geojson_io::{ParsedProblem, read_dir};
use crate::model::outside::outside;
use crate::model::validate::{DatasetProblem, dataset_problems, geometry_problems, repair};
use crate::model::{Dataset, Layer};
use crate::store::accounts::AuditRecord;
use crate::store::{AnyStore, LayerStore};

/// Most problems a refusal lists.
const LISTED: usize = 50;

/// What an import may do that it refuses by default.
#[derive(Clone, Copy, Debug, Default)]
pub struct Allow {
    /// Write features lying wholly outside the county (or the parent they name).
    pub outside: bool,
    /// Replace every stored layer, emptying those the dataset does not hold, instead of just the layers it holds.
    pub replace_all: bool,
}

/// Imports a dataset directory (the layers it holds replace those stored, or every layer with
/// `allow.replace_all`), audited as `actor`.
pub async fn import_dir(store: &AnyStore, dir: &Path, crs: Option<InputCrs>, repair_geometry: bool, allow: Allow, actor: &str) -> Result<()> {
    let (ds, problems) = read_dir(dir, crs).map_err(|e| Error::BadInput(e.to_string()))?;
    let ds = prepare(ds, problems, dir, repair_geometry)?;
    write_checked(store, ds, dir, &super::accounts::Actor { name: actor.into(), address: "cli".into() }, false, allow).await
}

/// The audit entry of an import of `ds` from `source`.
fn import_record(ds: &Dataset, source: &Path, actor: &super::accounts::Actor) -> AuditRecord {
    let layers: Vec<&str> = ds.layers.keys().map(|l| l.name()).collect();
    AuditRecord {
        actor: actor.name.clone(),
        action: "import".into(),
        address: actor.address.clone(),
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

/// Checks codes, parents and place against the store as it would be after the import, then writes in one
/// transaction.
pub async fn write_checked(store: &AnyStore, ds: Dataset, source: &Path, actor: &super::accounts::Actor, dry_run: bool, allow: Allow) -> Result<()> {
    // Replacing every layer: the store after is the dataset alone; the layers it lacks are written empty.
    let stored = if allow.replace_all { Dataset::default() } else { store.load().await? };
    write_checked_over(store, &stored, ds, source, actor, dry_run, allow).await
}

/// [`write_checked`] against `stored`, the store as the caller has just loaded it (the web import loads it once
/// for the scope's merge and the checks).
pub async fn write_checked_over(
    store: &AnyStore,
    stored: &Dataset,
    ds: Dataset,
    source: &Path,
    actor: &super::accounts::Actor,
    dry_run: bool,
    allow: Allow,
) -> Result<()> {
    let after = if allow.replace_all { ds.clone() } else { stored.overlaid(&ds) };
    let problems = dataset_problems(&after);
    if !problems.is_empty() {
        return Err(Error::Invalid(refusal(&problems, &ds, source)));
    }
    if !allow.outside {
        let far = outside(&after, ds.layers.keys().copied());
        if !far.is_empty() {
            let mut msg = format!(
                "{}: 有要素完全位于县域或其上级之外，未导入任何数据；请核对坐标系（--crs），确需导入请加 --allow-outside \
                 (features lie wholly outside the county or their parent: nothing imported; check the CRS, or use \
                 --allow-outside to import them anyway):",
                source.display()
            );
            for o in &far {
                msg.push_str(&format!("\n  {}: {o}", o.layer.file_name()));
            }
            return Err(Error::Invalid(msg));
        }
    }
    if dry_run {
        return Ok(());
    }
    let mut written = ds;
    if allow.replace_all {
        for layer in Layer::ALL {
            written.layers.entry(layer).or_default();
        }
    }
    // The layers and the import's audit entry land together, or neither does.
    store.import_layers(&written, &import_record(&written, source, actor)).await?;
    for (layer, n) in written.counts() {
        tracing::info!(%layer, features = n, "imported");
    }
    Ok(())
}

/// The refusal of a dataset whose codes or parents do not hold. Problems of a layer the import keeps (it is not
/// in `ds`) come from the layers it replaces: each such layer is named once, with the way out; the imported
/// layers' own problems are listed feature by feature.
fn refusal(problems: &[DatasetProblem], ds: &Dataset, source: &Path) -> String {
    let mut msg = format!("{}: 未导入任何数据（nothing imported）:", source.display());
    let mut kept: BTreeMap<Layer, Vec<&DatasetProblem>> = BTreeMap::new();
    let mut own = Vec::new();
    for p in problems {
        if ds.has(p.layer) { own.push(p) } else { kept.entry(p.layer).or_default().push(p) }
    }
    let given: Vec<&str> = ds.layers.keys().map(|l| l.name()).collect();
    for (layer, ps) in &kept {
        let f = layer.file_name();
        msg.push_str(&format!(
            "\n  {f}: 保留的{}（{layer}）有 {} 个要素引用了本次导入替换掉的编码；请在数据集中一并提供 {f}，或用 --replace-all \
             替换全部图层（数据集中没有的图层将被清空） (the kept {layer} layer has {} feature(s) naming codes this import \
             of {} replaces: add {f} to the dataset, or use --replace-all to replace every layer and drop those not \
             given)。例如（e.g.）{}",
            layer.name_zh(),
            ps.len(),
            ps.len(),
            given.join(", "),
            ps[0],
        ));
    }
    for p in own.iter().take(LISTED) {
        msg.push_str(&format!("\n  {}: {p}", p.layer.file_name()));
    }
    if own.len() > LISTED {
        msg.push_str(&format!("\n  ... 另有 {} 条（and {} more）", own.len() - LISTED, own.len() - LISTED));
    }
    msg
}
