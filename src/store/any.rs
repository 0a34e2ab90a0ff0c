//! Either backend, chosen at run time: one enum, and one macro that forwards every method of the four roles
//! to the backend it holds.

use std::path::PathBuf;

use serde_json::Value;

use super::accounts::AccountStore;
use super::audit_chain::{Break, ChainHead};
use super::error::Result;
use super::gpkg::GpkgStore;
use super::layers::{HouseholdProps, LayerStore};
use super::plans::PlanStore;
use super::postgis::PostgisStore;
use super::visits::VisitStore;
use super::records::{
    AuditEntry, AuditRecord, ChangeEntry, ChangeRecord, NewAccount, NewPlan, NewToken, NextStep, PlanRecord,
    PlanSave, PlanVersion, Publication, TokenInfo, NewVisit, Visit, VisitFilter,
};
use crate::accounts::Account;
use crate::model::{Dataset, Feature, Layer};

/// Where the store is: a GeoPackage file or a PostGIS database.
#[derive(Clone, Debug)]
pub enum Location {
    Gpkg(PathBuf),
    Postgis(String),
}

impl Location {
    /// `--database-url` (or DATABASE_URL) wins; otherwise `--store PATH`; otherwise the default file.
    pub fn from_options(store: Option<PathBuf>, database_url: Option<String>) -> Self {
        match (database_url, store) {
            (Some(url), _) => Location::Postgis(url),
            (None, Some(p)) => Location::Gpkg(p),
            (None, None) => Location::Gpkg(PathBuf::from(DEFAULT_GPKG)),
        }
    }
}

/// The default store file, relative to the working directory (the repository root).
pub const DEFAULT_GPKG: &str = "data/gridmap.gpkg";

/// Either backend, chosen at run time.
#[derive(Clone)]
pub enum AnyStore {
    Gpkg(GpkgStore),
    Postgis(PostgisStore),
}

impl AnyStore {
    /// Opens (creating if needed) the store at `loc`.
    pub async fn open(loc: &Location) -> Result<Self> {
        Ok(match loc {
            Location::Gpkg(p) => AnyStore::Gpkg(GpkgStore::open(p).await?),
            Location::Postgis(url) => AnyStore::Postgis(PostgisStore::connect(url).await?),
        })
    }
}

/// Calls the same expression on whichever backend `$store` holds, as `$s`.
macro_rules! dispatch {
    ($store:expr, $s:ident => $call:expr) => {
        match $store {
            AnyStore::Gpkg($s) => $call,
            AnyStore::Postgis($s) => $call,
        }
    };
}

impl LayerStore for AnyStore {
    async fn load_with(&self, props: HouseholdProps) -> Result<Dataset> {
        dispatch!(self, s => s.load_with(props).await)
    }
    async fn replace_layers(&self, ds: &Dataset) -> Result<()> {
        dispatch!(self, s => s.replace_layers(ds).await)
    }
    async fn import_layers(&self, ds: &Dataset, audit: &AuditRecord) -> Result<()> {
        dispatch!(self, s => s.import_layers(ds, audit).await)
    }
    async fn update_features(&self, layer: Layer, features: &[Feature], record: &ChangeRecord) -> Result<()> {
        dispatch!(self, s => s.update_features(layer, features, record).await)
    }
    async fn changes(&self, limit: i64) -> Result<Vec<ChangeEntry>> {
        dispatch!(self, s => s.changes(limit).await)
    }
    async fn revision(&self) -> Result<i64> {
        dispatch!(self, s => s.revision().await)
    }
    fn describe(&self) -> String {
        dispatch!(self, s => s.describe())
    }
}

impl AccountStore for AnyStore {
    async fn create_account(&self, a: &NewAccount, audit: &AuditRecord) -> Result<Account> {
        dispatch!(self, s => s.create_account(a, audit).await)
    }
    async fn account(&self, username: &str) -> Result<Option<Account>> {
        dispatch!(self, s => s.account(username).await)
    }
    async fn accounts(&self) -> Result<Vec<Account>> {
        dispatch!(self, s => s.accounts().await)
    }
    async fn account_count(&self) -> Result<i64> {
        dispatch!(self, s => s.account_count().await)
    }
    async fn set_password(&self, username: &str, hash: &str, must_change: bool, audit: Option<&AuditRecord>) -> Result<()> {
        dispatch!(self, s => s.set_password(username, hash, must_change, audit).await)
    }
    async fn set_enabled(&self, username: &str, enabled: bool, audit: &AuditRecord) -> Result<()> {
        dispatch!(self, s => s.set_enabled(username, enabled, audit).await)
    }
    async fn change_password(&self, username: &str, hash: &str, keep: Option<i64>, audit: impl FnOnce(u64) -> AuditRecord + Send) -> Result<u64> {
        dispatch!(self, s => s.change_password(username, hash, keep, audit).await)
    }
    async fn login_failed(&self, username: &str, lock_after: i64, locked_until: i64, audit: &AuditRecord) -> Result<Account> {
        dispatch!(self, s => s.login_failed(username, lock_after, locked_until, audit).await)
    }
    async fn login_succeeded(&self, session: &NewToken, audit: &AuditRecord) -> Result<i64> {
        dispatch!(self, s => s.login_succeeded(session, audit).await)
    }
    async fn insert_token(&self, t: &NewToken, audit: impl FnOnce(i64) -> AuditRecord + Send) -> Result<i64> {
        dispatch!(self, s => s.insert_token(t, audit).await)
    }
    async fn credential(&self, token_hash: &str, now: i64) -> Result<Option<(TokenInfo, Account)>> {
        dispatch!(self, s => s.credential(token_hash, now).await)
    }
    async fn tokens_of(&self, account_id: i64) -> Result<Vec<TokenInfo>> {
        dispatch!(self, s => s.tokens_of(account_id).await)
    }
    async fn revoke_token(&self, account_id: i64, id: i64, audit: &AuditRecord) -> Result<bool> {
        dispatch!(self, s => s.revoke_token(account_id, id, audit).await)
    }
    async fn revoke_token_hash(&self, token_hash: &str, audit: &AuditRecord) -> Result<()> {
        dispatch!(self, s => s.revoke_token_hash(token_hash, audit).await)
    }
    async fn append_audit(&self, r: &AuditRecord) -> Result<i64> {
        dispatch!(self, s => s.append_audit(r).await)
    }
    async fn append_audits(&self, rs: &[AuditRecord]) -> Result<()> {
        dispatch!(self, s => s.append_audits(rs).await)
    }
    async fn audit(&self, limit: i64, before: Option<i64>) -> Result<Vec<AuditEntry>> {
        dispatch!(self, s => s.audit(limit, before).await)
    }
    async fn audit_head(&self) -> Result<ChainHead> {
        dispatch!(self, s => s.audit_head().await)
    }
    async fn audit_verify(&self) -> Result<std::result::Result<ChainHead, Break>> {
        dispatch!(self, s => s.audit_verify().await)
    }
}

impl PlanStore for AnyStore {
    async fn create_plan(&self, plan: &NewPlan, audit: &AuditRecord) -> Result<PlanRecord> {
        dispatch!(self, s => s.create_plan(plan, audit).await)
    }
    async fn plans(&self, community: Option<&str>) -> Result<Vec<PlanRecord>> {
        dispatch!(self, s => s.plans(community).await)
    }
    async fn plan(&self, id: i64) -> Result<Option<PlanRecord>> {
        dispatch!(self, s => s.plan(id).await)
    }
    async fn save_plan(&self, save: &PlanSave<'_>) -> Result<Option<PlanRecord>> {
        dispatch!(self, s => s.save_plan(save).await)
    }
    async fn plan_step(&self, id: i64, which: NextStep) -> Result<Option<(i64, Value)>> {
        dispatch!(self, s => s.plan_step(id, which).await)
    }
    async fn plan_edits(&self, id: i64) -> Result<Vec<Value>> {
        dispatch!(self, s => s.plan_edits(id).await)
    }
    async fn delete_plan(&self, id: i64, audit: &AuditRecord) -> Result<bool> {
        dispatch!(self, s => s.delete_plan(id, audit).await)
    }
    async fn plan_version(&self, community: &str) -> Result<i64> {
        dispatch!(self, s => s.plan_version(community).await)
    }
    async fn publish_plan(&self, p: &Publication) -> Result<i64> {
        dispatch!(self, s => s.publish_plan(p).await)
    }
    async fn plan_versions(&self, community: &str) -> Result<Vec<PlanVersion>> {
        dispatch!(self, s => s.plan_versions(community).await)
    }
}

impl VisitStore for AnyStore {
    async fn record_visit(&self, v: &NewVisit, audit: impl FnOnce(i64) -> AuditRecord + Send) -> Result<(Visit, bool)> {
        dispatch!(self, s => s.record_visit(v, audit).await)
    }
    async fn visits(&self, filter: &VisitFilter) -> Result<Vec<Visit>> {
        dispatch!(self, s => s.visits(filter).await)
    }
    async fn visited_households(&self, since: &str) -> Result<Vec<String>> {
        dispatch!(self, s => s.visited_households(since).await)
    }
}
