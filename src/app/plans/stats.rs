//! A draft's live statistics, computed on a blocking thread (they take from milliseconds to seconds).

use super::Plans;
use super::error::{Error, Result};
use crate::atlas::coverage::Settings;
use crate::atlas::plan::Draft;
use crate::atlas::plan::stats::Stats;

impl Plans<'_> {
    /// The statistics of `draft` against the published plan; the draft comes back with them.
    pub async fn stats(&self, draft: Draft) -> Result<(Draft, Stats)> {
        let atlas = self.atlas.clone();
        let (draft, stats) = tokio::task::spawn_blocking(move || {
            let s = draft.stats(&atlas, &Settings::default());
            s.map(|s| (draft, s))
        })
        .await
        .map_err(|e| Error::Internal(e.into()))??;
        Ok((draft, stats))
    }
}
