//! Where an analysis command reads its data: a dataset directory, or a store.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::StoreArgs;
use crate::atlas::Atlas;
use crate::model::geojson_io::read_dir;
use crate::model::validate::dataset_problems;
use crate::store::{AnyStore, LayerStore};

/// A dataset directory (DIR), or a store (--store / --database-url; the default store when neither is given).
#[derive(Args, Debug, Clone)]
pub struct SourceArgs {
    /// A dataset directory in the data contract's form (read as is; invalid geometry is reported and repaired)
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Input that cannot be analysed (exit status 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

impl SourceArgs {
    /// Builds the atlas of the source. Bad input (unreadable files, bad or duplicate codes, missing parents) is
    /// a [`BadInput`] error.
    pub async fn atlas(&self) -> anyhow::Result<Atlas> {
        let (ds, revision) = match &self.dir {
            Some(dir) => {
                let (ds, _parse_problems) = read_dir(dir, None).map_err(|e| BadInput(e.to_string()))?;
                (ds, 0)
            }
            None => {
                let store = AnyStore::open(&self.store.location()).await.context("opening the store")?;
                (store.load().await?, store.revision().await?)
            }
        };
        let problems = dataset_problems(&ds);
        if !problems.is_empty() {
            let list: Vec<String> = problems.iter().take(20).map(|p| format!("  {}: {p}", p.layer.file_name())).collect();
            return Err(BadInput(format!("the dataset cannot be analysed:\n{}", list.join("\n"))).into());
        }
        Ok(tokio::task::spawn_blocking(move || Atlas::build(&ds, revision)).await??)
    }
}
