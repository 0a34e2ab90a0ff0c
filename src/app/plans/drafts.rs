//! Opening a draft from the community's published grids, listing, showing, renaming and deleting drafts.

use serde_json::{Map, Value, json};

use super::content::{BaseGrid, Content, base_of};
use super::error::{Error, Result};
use super::stale::staleness;
use super::{Caller, Plans, Privacy};
use crate::atlas::plan::Draft;
use crate::atlas::plan::stats::Stats;
use crate::store::accounts::AuditRecord;
use crate::store::{NewPlan, PlanRecord, PlanSave, PlanStore, StepWrite};

/// A draft as it stands, as the caller may see it: its record, its grids, its statistics, its steps and
/// whether the community's plan moved on under it.
pub struct Shown {
    pub record: PlanRecord,
    /// The version of the community's plan now.
    pub current_version: i64,
    pub stale: bool,
    /// The edits of the applied steps, oldest first.
    pub steps: Vec<Value>,
    /// By draft id: the grid's properties as shown, and its geometry (lon/lat).
    pub grids: Vec<(String, Map<String, Value>, geo::MultiPolygon<f64>)>,
    /// With the managers' names as shown.
    pub stats: Stats,
}

/// A plan's name, trimmed; a plan needs one.
pub(super) fn plan_name(name: &str) -> Result<&str> {
    match name.trim() {
        "" => Err(Error::BadInput("草案需要名称 (a plan needs a name)".into())),
        name => Ok(name),
    }
}

impl Plans<'_> {
    /// Opens a draft of `community` named `name` by the caller, copied from the published grids.
    pub async fn open(&self, who: &Caller, privacy: &impl Privacy, community: &str, name: &str) -> Result<Shown> {
        let name = plan_name(name)?;
        self.known_community(community)?;
        self.in_scope(who, community)?;
        let draft = Draft::from_atlas(&self.atlas, community)?;
        self.open_draft(who, privacy, name, draft, json!({ "name": name, "community": community })).await
    }

    /// Stores `draft` as a new draft named `name` by the caller over the published plan as it is now, audited
    /// with `detail` (the community and scope already checked).
    pub(super) async fn open_draft(&self, who: &Caller, privacy: &impl Privacy, name: &str, draft: Draft, detail: Value) -> Result<Shown> {
        let community = draft.community.clone();
        let base_version = self.store.plan_version(&community).await?;
        let content = Content { base: base_of(&self.atlas, &community), draft };
        let new = NewPlan { community, name: name.to_string(), author: who.actor.clone(), base_version, content: content.to_value()? };
        let rec = self.store.create_plan(&new, &who.audit("plan.create", detail)).await?;
        self.show_content(privacy, rec, content).await
    }

    /// The drafts the caller's scope covers, of `community` (which must exist) or of all.
    pub async fn list(&self, who: &Caller, community: Option<&str>) -> Result<Vec<PlanRecord>> {
        if let Some(c) = community {
            self.known_community(c)?;
        }
        let plans = self.store.plans(community).await?;
        Ok(plans.into_iter().filter(|p| self.in_scope(who, &p.community).is_ok()).collect())
    }

    /// Draft `id` with its statistics.
    pub async fn show(&self, who: &Caller, privacy: &impl Privacy, id: i64) -> Result<Shown> {
        let (rec, content) = self.load(who, id).await?;
        self.show_content(privacy, rec, content).await
    }

    /// Renames draft `id`, audited; the draft is otherwise unchanged.
    pub async fn rename(&self, who: &Caller, id: i64, name: &str) -> Result<PlanRecord> {
        let name = plan_name(name)?;
        let (rec, content) = self.load(who, id).await?;
        let audit = who.audit("plan.rename", json!({ "plan": id, "name": name }));
        self.save(&rec, name, &content, StepWrite::Keep, &audit).await
    }

    /// Deletes draft `id` and its steps, audited.
    pub async fn delete(&self, who: &Caller, id: i64) -> Result<()> {
        let (rec, _) = self.load(who, id).await?;
        let audit = who.audit("plan.delete", json!({ "plan": id, "name": rec.name, "community": rec.community }));
        if !self.store.delete_plan(id, &audit).await? {
            return Err(Error::NotFound(format!("草案 {id} 不存在 (plan {id} does not exist)")));
        }
        Ok(())
    }

    /// [`Plans::shown`] after computing the statistics.
    async fn show_content(&self, privacy: &impl Privacy, rec: PlanRecord, content: Content) -> Result<Shown> {
        let (draft, stats) = self.stats(content.draft).await?;
        self.shown(privacy, rec, &content.base, &draft, stats).await
    }

    /// A draft as shown, its statistics already computed.
    pub(super) async fn shown(&self, privacy: &impl Privacy, record: PlanRecord, base: &[BaseGrid], draft: &Draft, mut stats: Stats) -> Result<Shown> {
        let atlas = &self.atlas;
        let current_version = self.store.plan_version(&record.community).await?;
        let steps = self.store.plan_edits(record.id).await?;
        let stale = staleness(record.base_version, current_version, base, || base_of(atlas, &record.community)).is_stale();
        for g in &mut stats.grids {
            g.manager = g.manager.as_deref().map(|m| privacy.staff_name(atlas, &g.id, m));
        }
        let grids = draft
            .grids
            .iter()
            .map(|(id, g)| (id.clone(), privacy.grid_properties(atlas, id, &g.properties), g.geometry.clone()))
            .collect();
        Ok(Shown { record, current_version, stale, steps, grids, stats })
    }

    /// Saves `content` over what was read as `rec`, moving its steps by `step`, with its audit entry; a
    /// conflict when another save came first (nothing is written then).
    pub(super) async fn save(&self, rec: &PlanRecord, name: &str, content: &Content, step: StepWrite<'_>, audit: &AuditRecord) -> Result<PlanRecord> {
        let value = content.to_value()?;
        self.store
            .save_plan(&PlanSave { id: rec.id, expected_edits: rec.edits, name, content: &value, step, audit })
            .await?
            .ok_or_else(|| {
                Error::Conflict(format!("草案 {} 刚被另一个请求修改，请重新加载后再试 (plan {} was changed by another request meanwhile; reload it and try again)", rec.id, rec.id))
            })
    }
}
