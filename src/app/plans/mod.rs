//! The plan workflow: planners' drafts of a community's grids, from opening one over the published plan to
//! publishing it, free of any face (HTTP or CLI).
//!
//! A draft is kept in the store after every edit (its `edits` count guards against two requests overwriting
//! each other), each edit with its step and its audit entry in one transaction. Publishing is refused when the
//! community's plan moved on since the draft was copied (another draft was published, or its grids were
//! changed by an import), and while any defect of the draft is not acknowledged with a reason.
//!
//! Every use case is a method of [`Plans`], the workflow over one store and the atlas snapshot a request holds,
//! and answers a typed [`Error`] the face maps to its own status.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::accounts::Scope;
use crate::atlas::Atlas;
use crate::model::{Feature, Layer};
use crate::store::AnyStore;
use crate::store::accounts::AuditRecord;

/// Two plans of a community side by side: published, a published version or a draft.
pub mod compare;
/// The draft format the store keeps: the draft and the published grids it was copied from.
pub mod content;
/// What a draft moves against the published plan: households, lanes and buildings.
pub mod diff;
/// Opening a draft from the published grids, listing, showing, renaming and deleting drafts.
pub mod drafts;
/// Applying an edit, undo or redo, saved with its step and its audit entry.
pub mod edits;
/// The workflow's error type.
pub mod error;
/// A draft as it would be published, as GeoJSON or GeoPackage; a draft grid's wall chart.
pub mod export;
/// Loading a draft, refused outside the caller's scope.
pub mod load;
/// Opening a draft holding a proposal of the community's grids.
pub mod propose;
/// Publishing a draft (with its acknowledgements) and the community's published versions.
pub mod publish;
/// The staleness rule.
pub mod stale;
/// A draft's live statistics, computed off the async runtime.
pub mod stats;

pub use drafts::Shown;
pub use edits::Change;
pub use error::{Error, Result};
pub use propose::{Proposed, Summary};

/// The plan workflow over `store` and one atlas snapshot (a request holds one for its whole run, so a reload
/// never changes data under it).
pub struct Plans<'a> {
    store: &'a AnyStore,
    atlas: Arc<Atlas>,
}

impl<'a> Plans<'a> {
    pub fn new(store: &'a AnyStore, atlas: Arc<Atlas>) -> Self {
        Plans { store, atlas }
    }

    /// The atlas snapshot the workflow reads.
    pub fn atlas(&self) -> &Arc<Atlas> {
        &self.atlas
    }
}

/// Who asks: the name drafts and audit entries record, the scope their drafts must lie in, and where they
/// called from.
#[derive(Clone, Debug)]
pub struct Caller {
    pub actor: String,
    pub scope: Scope,
    /// `ip:port`, or `unknown`.
    pub address: String,
}

impl Caller {
    /// An audit record of `action` by this caller.
    pub fn audit(&self, action: &str, detail: Value) -> AuditRecord {
        AuditRecord { actor: self.actor.clone(), action: action.into(), address: self.address.clone(), households: vec![], detail }
    }
}

/// How people's names and personal properties are shown to the caller: the privacy policy, which the face
/// applies per request (and which records the households it showed in full).
pub trait Privacy: Send + Sync {
    /// A name on the staff of grid `grid` (a published code, or a draft id), as shown.
    fn staff_name(&self, atlas: &Atlas, grid: &str, name: &str) -> String;
    /// The properties of grid `grid` (a published code, or a draft id), as shown.
    fn grid_properties(&self, atlas: &Atlas, grid: &str, properties: &Map<String, Value>) -> Map<String, Value>;
    /// The properties of feature `f` of `layer`, as shown.
    fn feature_properties(&self, atlas: &Atlas, layer: Layer, f: &Feature) -> Map<String, Value>;
    /// The name of household `code`'s head, as shown.
    fn householder_name(&self, atlas: &Atlas, code: &str, name: &str) -> String;
}

/// Names and properties exactly as stored: for the store's own operator (the command line).
pub struct AsStored;

impl Privacy for AsStored {
    fn staff_name(&self, _: &Atlas, _: &str, name: &str) -> String {
        name.to_string()
    }

    fn grid_properties(&self, _: &Atlas, _: &str, properties: &Map<String, Value>) -> Map<String, Value> {
        properties.clone()
    }

    fn feature_properties(&self, _: &Atlas, _: Layer, f: &Feature) -> Map<String, Value> {
        f.properties.clone()
    }

    fn householder_name(&self, _: &Atlas, _: &str, name: &str) -> String {
        name.to_string()
    }
}
