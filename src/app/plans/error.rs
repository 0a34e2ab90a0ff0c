//! What can go wrong in the plan workflow, named by what it means to the caller (each face maps it to its
//! own status).

use crate::atlas::plan::PlanError;
use crate::atlas::plan::stats::DraftDefect;

/// A plan workflow error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A plan, community, grid or published version that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The caller's scope does not cover the plan's community.
    #[error("{0}")]
    OutOfScope(String),
    /// A request that cannot mean anything: an empty name, a reference or a format of the wrong form.
    #[error("{0}")]
    BadInput(String),
    /// An edit, undo or redo the draft does not allow; the draft is unchanged.
    #[error("{0}")]
    Refused(String),
    /// Another request saved the draft first; nothing was written.
    #[error("{0}")]
    Conflict(String),
    /// The community's plan moved on since the draft was copied, so it cannot be published; nothing was written.
    #[error("{0}")]
    Stale(String),
    /// Defects of the draft neither fixed nor acknowledged with a reason: publishing is refused.
    #[error("草案有 {} 个缺陷既未修正也未注明理由确认，不能发布 ({} defect(s) of the draft are neither fixed nor acknowledged with a reason)", .0.len(), .0.len())]
    Unacknowledged(Vec<DraftDefect>),
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    /// A bug or a broken record: stored content that does not read back, a computation that did not finish.
    #[error("{0:#}")]
    Internal(#[from] anyhow::Error),
}

impl From<PlanError> for Error {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::UnknownCommunity(_) => Error::NotFound(e.to_string()),
            _ => Error::Refused(e.to_string()),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
