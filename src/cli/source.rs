//! Where an analysis command reads its data: a dataset directory, or a store ([`crate::app::load::Source`]).

use std::path::{Path, PathBuf};

use clap::Args;

use super::StoreArgs;
use crate::app::load::Source;
use crate::model::crs::InputCrs;

/// A dataset directory (DIR), or a store (--store / --database-url; the default store when neither is given).
#[derive(Args, Debug, Clone)]
pub struct SourceArgs {
    /// A dataset directory in the data contract's form (read as is; invalid geometry is reported and repaired)
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
}

impl SourceArgs {
    /// The source these arguments name.
    pub fn source(&self) -> Source {
        source(self.dir.as_deref(), None, &self.store)
    }
}

/// `dir` in `crs` if given, else the store.
pub fn source(dir: Option<&Path>, crs: Option<InputCrs>, store: &StoreArgs) -> Source {
    match dir {
        Some(path) => Source::Dir { path: path.to_path_buf(), crs },
        None => Source::Store(store.location()),
    }
}
