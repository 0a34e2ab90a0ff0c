//! Dataset or store → atlas, the one way: `check`, `crosswalk`, `locate` read a dataset directory or a store
//! through [`analysable`]; `serve` and the state's reload build a store's atlas through [`store_atlas`]. Both
//! end in [`build`].

use std::path::PathBuf;

use super::error::{Error, Result};
use crate::atlas::Atlas;
use crate::model::crs::InputCrs;
use crate::model::geojson_io::{ParsedProblem, read_dir};
use crate::model::validate::dataset_problems;
use crate::model::{Dataset, Layer};
use crate::store::{AnyStore, HouseholdProps, LayerStore, Location};

/// Where an analysis reads its data.
#[derive(Clone, Debug)]
pub enum Source {
    /// A dataset directory in the data contract's form, in `crs` (default: each file's, else lon/lat).
    Dir { path: PathBuf, crs: Option<InputCrs> },
    /// A store, which must exist and hold some layers: reading creates none.
    Store(Location),
}

/// An atlas to analyse, with what only the parser saw (an unclosed ring is closed on reading, so the atlas
/// cannot see it).
pub struct Analysable {
    pub atlas: Atlas,
    pub parse_problems: Vec<(Layer, ParsedProblem)>,
}

/// Most dataset problems an error lists.
const LISTED: usize = 30;

/// Reads `source`, refuses a dataset whose codes and parents are wrong (nothing computed over it could be
/// trusted), and builds its atlas. Every refusal is [`Error::BadInput`].
pub async fn analysable(source: &Source) -> Result<Analysable> {
    analysable_with(source, HouseholdProps::All).await
}

/// [`analysable`], decoding from a store only the households' properties `props` names (a check reads no
/// household's personal fields: they stay in the store). A directory is always read whole.
pub async fn analysable_with(source: &Source, props: HouseholdProps) -> Result<Analysable> {
    let (ds, parse_problems, revision) = match source {
        Source::Dir { path, crs } => {
            let (ds, parsed) = read_dir(path, *crs).map_err(|e| Error::BadInput(e.to_string()))?;
            (ds, parsed, 0)
        }
        Source::Store(loc) => {
            let store = open_existing(loc).await?;
            let t = std::time::Instant::now();
            let ds = store.load_with(props).await?;
            tracing::debug!(ms = t.elapsed().as_millis(), "store read");
            if ds.layers.is_empty() {
                return Err(Error::BadInput(format!(
                    "{} holds no layers: import a dataset first, or give a dataset directory",
                    store.describe()
                )));
            }
            (ds, Vec::new(), store.revision().await?)
        }
    };
    let t = std::time::Instant::now();
    validate(&ds)?;
    tracing::debug!(ms = t.elapsed().as_millis(), "codes and parents checked");
    Ok(Analysable { atlas: build(ds, revision).await?, parse_problems })
}

/// The atlas of what `store` holds now. Its layers were checked when they were written, so they are not
/// checked again: a server keeps serving a store it has served before.
pub async fn store_atlas(store: &AnyStore) -> Result<Atlas> {
    let (revision, ds) = read_store(store).await?;
    build(ds, revision).await
}

/// What `store` holds now, with its revision read first: a write landing during the read makes the atlas
/// older than it says, never newer.
pub async fn read_store(store: &AnyStore) -> Result<(i64, Dataset)> {
    Ok((store.revision().await?, store.load().await?))
}

/// Builds the atlas of `ds` at `revision` on a blocking thread (projection and R-trees take a while).
pub async fn build(ds: Dataset, revision: i64) -> Result<Atlas> {
    let t = std::time::Instant::now();
    let atlas = tokio::task::spawn_blocking(move || Atlas::from_dataset(ds, revision)).await??;
    tracing::debug!(ms = t.elapsed().as_millis(), "atlas built");
    Ok(atlas)
}

/// Opens a store that must already exist (a GeoPackage file is not created by reading it).
async fn open_existing(loc: &Location) -> Result<AnyStore> {
    if let Location::Gpkg(p) = loc
        && !p.exists()
    {
        return Err(Error::BadInput(format!(
            "{}: no such store; give a dataset directory, --store PATH or --database-url URL",
            p.display()
        )));
    }
    AnyStore::open(loc).await.map_err(Error::OpenStore)
}

/// Refuses bad or duplicate codes and missing parents, listing the first [`LISTED`] by file.
fn validate(ds: &Dataset) -> Result<()> {
    let problems = dataset_problems(ds);
    if problems.is_empty() {
        return Ok(());
    }
    let mut list: Vec<String> = problems.iter().take(LISTED).map(|p| format!("  {}: {p}", p.layer.file_name())).collect();
    if problems.len() > LISTED {
        list.push(format!("  ... and {} more", problems.len() - LISTED));
    }
    Err(Error::BadInput(format!(
        "the dataset cannot be analysed (codes and parents must be right first):\n{}",
        list.join("\n")
    )))
}
