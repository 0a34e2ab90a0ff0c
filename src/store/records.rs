//! The records the store reads and writes, for every role and both backends: what a caller hands in (a new
//! account, a draft, a publication, a change) and what it gets back (an audit entry, a draft, a version).
//!
//! They are plain data, here apart from the queries, so that the role traits, the shared SQL and the backends
//! all import them from one place and none of them imports another.

use serde::Serialize;
use serde_json::Value;

use crate::accounts::{Role, Scope};
use crate::model::Feature;

// Accounts, credentials and the audit log.

/// A new account.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub scope: Scope,
    pub must_change_password: bool,
}

/// Which kind of bearer secret a token row holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// A browser session (cookie), with a CSRF token.
    Session,
    /// An API or CLI token (`Authorization: Bearer`).
    Api,
}

impl TokenKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TokenKind::Session => "session",
            TokenKind::Api => "api",
        }
    }
}

/// A credential to store: the hash of its secret, never the secret.
#[derive(Clone, Debug)]
pub struct NewToken {
    pub token_hash: String,
    pub account_id: i64,
    pub kind: TokenKind,
    pub label: String,
    pub csrf: String,
    pub expires_at: i64,
}

/// A stored credential.
#[derive(Clone, Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    #[serde(skip)]
    pub account_id: i64,
    pub kind: TokenKind,
    pub label: String,
    #[serde(skip)]
    pub csrf: String,
    pub created_at: String,
    /// Unix seconds.
    pub expires_at: i64,
    pub revoked: bool,
}

/// What an audit entry records.
#[derive(Clone, Debug, Default)]
pub struct AuditRecord {
    /// The account's username, `token` for the server's configured token, `anonymous`, or `cli:USER`.
    pub actor: String,
    /// `auth.login`, `auth.login_failed`, `import`, `crosswalk.reassign`, `read.personal`, ...
    pub action: String,
    /// The client's address, or `cli`.
    pub address: String,
    /// Household codes whose personal data the response carried unmasked.
    pub households: Vec<String>,
    pub detail: Value,
}

/// An audit entry as read back.
#[derive(Clone, Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// UTC, RFC 3339.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub address: String,
    pub households: Vec<String>,
    pub detail: Value,
    /// Its link in the hash chain (see `store::audit_chain`); None only for an entry written out of band.
    pub hash: Option<String>,
}

// Drafts, publications and the plan history.

/// A stored draft.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PlanRecord {
    pub id: i64,
    pub community: String,
    pub name: String,
    /// Free text for now: whoever the request said it was.
    pub author: String,
    /// UTC, RFC 3339.
    pub created_at: String,
    pub updated_at: String,
    /// The community's plan version the draft was copied from.
    pub base_version: i64,
    /// How many times the draft was saved: what a save compares against.
    pub edits: i64,
    /// Steps applied (what undo can take back, newest last).
    pub steps_done: i64,
    /// Steps kept: the applied ones and those undone after them (what redo can put back).
    pub steps_total: i64,
    /// The draft itself (`Value::Null` in listings).
    #[serde(skip_serializing_if = "Value::is_null")]
    pub content: Value,
}

/// A draft to create.
#[derive(Clone, Debug)]
pub struct NewPlan {
    pub community: String,
    pub name: String,
    pub author: String,
    pub base_version: i64,
    pub content: Value,
}

/// What a save changes.
#[derive(Clone, Debug)]
pub struct PlanSave<'a> {
    pub id: i64,
    /// The `edits` the caller read: the save is refused when another save came first.
    pub expected_edits: i64,
    pub name: &'a str,
    pub content: &'a Value,
    /// What happens to the draft's steps, in the same transaction.
    pub step: StepWrite<'a>,
    /// The save's audit entry, written in the same transaction.
    pub audit: &'a AuditRecord,
}

/// How a save moves a draft's steps.
#[derive(Clone, Copy, Debug)]
pub enum StepWrite<'a> {
    /// None (a rename, or an edit that changed nothing).
    Keep,
    /// A new step after the applied ones; the undone ones are dropped (they can no longer be redone).
    Push { edit: &'a Value, step: &'a Value },
    /// Step `seq` (the newest applied) is now undone.
    Undo(i64),
    /// Step `seq` (the oldest undone) is applied again.
    Redo(i64),
}

/// Which step [`super::PlanStore::plan_step`] finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    /// The newest applied step.
    Undo,
    /// The oldest undone step.
    Redo,
}

/// A publication: the community's grids replaced and its units and households moved, in one transaction.
#[derive(Clone, Debug)]
pub struct Publication {
    pub plan_id: i64,
    pub plan_name: String,
    pub community: String,
    /// The plan version the draft was based on: publishing fails with [`super::Error::Stale`] unless it is
    /// still the community's current one.
    pub base_version: i64,
    pub published_by: String,
    /// The community's grids as they were (kept in the history).
    pub grids_before: Vec<Feature>,
    /// Every grid the community has after publication.
    pub grids: Vec<Feature>,
    /// Units whose properties change (matched by code).
    pub units: Vec<Feature>,
    /// Households whose properties change (matched by code).
    pub households: Vec<Feature>,
    /// The change log's detail.
    pub detail: Value,
    /// The publication's audit entry, written in its transaction.
    pub audit: AuditRecord,
}

/// One published version of a community's plan.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PlanVersion {
    pub community: String,
    pub version: i64,
    pub published_by: String,
    /// UTC, RFC 3339.
    pub published_at: String,
    pub plan_name: String,
    /// GeoJSON FeatureCollections of the community's grids before and after.
    pub grids_before: Value,
    pub grids_after: Value,
}

// The change log.

/// What a write records in the change log: who, what kind of change, and its details.
#[derive(Clone, Debug)]
pub struct ChangeRecord {
    pub actor: String,
    pub action: String,
    pub detail: Value,
    /// The write's audit entry, appended in the same transaction (a request's write; none for the store's
    /// own bookkeeping).
    pub audit: Option<AuditRecord>,
}

/// A change-log entry as read back.
#[derive(Clone, Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ChangeEntry {
    pub id: i64,
    /// UTC, RFC 3339.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: Value,
}

// Visits (民情联系).

/// A visit to record. Times are RFC 3339 UTC (`YYYY-MM-DDTHH:MM:SSZ`), as [`crate::accounts::clock::rfc3339`]
/// writes them.
#[derive(Clone, Debug, PartialEq)]
pub struct NewVisit {
    /// Made on the phone: a resend with the same id finds the first visit.
    pub client_id: String,
    pub household: String,
    /// The household's grid and community when it was visited.
    pub grid: Option<String>,
    pub community: Option<String>,
    /// 走访, 电话 or 上门服务.
    pub kind: String,
    pub note: String,
    pub tags: Vec<String>,
    pub visited_at: String,
    /// The username that records it.
    pub account: String,
    /// The phone's position (lon/lat), when it gave one.
    pub lonlat: Option<(f64, f64)>,
    /// From that position to the household, metres.
    pub distance_m: Option<f64>,
    /// Farther from the household than the server's set distance.
    pub flagged_far: bool,
}

/// A stored visit.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Visit {
    pub id: i64,
    pub client_id: String,
    pub household: String,
    pub grid: Option<String>,
    pub community: Option<String>,
    /// 走访, 电话 or 上门服务.
    pub kind: String,
    pub note: String,
    pub tags: Vec<String>,
    /// UTC, RFC 3339: when the visit took place.
    pub visited_at: String,
    /// UTC, RFC 3339: when the server stored it.
    pub recorded_at: String,
    pub account: String,
    /// `[lon, lat]` of the phone, when it gave one (withheld where the household is masked).
    #[schema(value_type = Option<Vec<f64>>)]
    pub lonlat: Option<[f64; 2]>,
    pub distance_m: Option<f64>,
    pub flagged_far: bool,
}

/// Which visits [`super::VisitStore::visits`] lists: those of one household or of some grids (the grid at the
/// time of the visit), visited at or after `since`, newest first.
#[derive(Clone, Debug, Default)]
pub struct VisitFilter {
    pub household: Option<String>,
    pub grids: Option<Vec<String>>,
    /// RFC 3339 UTC.
    pub since: Option<String>,
    pub limit: i64,
}
