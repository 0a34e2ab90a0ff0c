//! Publishing a draft: refused while the community's plan moved on under it (stale) or a defect is neither
//! fixed nor acknowledged with a reason; else the grids, units and rosters are written in one transaction
//! with the publication's audit entry. And the community's published versions.

use std::collections::BTreeMap;

use serde_json::json;

use super::content::base_of;
use super::error::{Error, Result};
use super::stale::{Staleness, staleness};
use super::{Caller, Plans};
use crate::atlas::plan::publish::Acknowledgement;
use crate::atlas::plan::published_grids;
use crate::model::Feature;
use crate::store::{self, PlanRecord, PlanStore, PlanVersion};

/// A publication that landed.
pub struct Published {
    /// The community's plan version it became.
    pub version: i64,
    pub community: String,
    pub published_by: String,
    /// Draft id → grid code.
    pub codes: BTreeMap<String, String>,
    pub grids: usize,
    pub households_moved: usize,
    pub units_moved: usize,
}

/// Why a stale draft is refused, for a person to act on.
fn stale_message(rec: &PlanRecord, why: Staleness) -> String {
    match why {
        Staleness::Published { current_version } => format!(
            "草案 {} 基于社区 {} 的第 {} 版网格，此后已发布第 {current_version} 版：请从已发布的方案新建草案（未做任何更改） \
             (plan {} of community {} was drafted from version {} of its grids, but version {current_version} has been \
             published since: open a new draft from the published plan (nothing was changed))",
            rec.id, rec.community, rec.base_version, rec.id, rec.community, rec.base_version
        ),
        Staleness::ChangedElsewhere | Staleness::Current => format!(
            "草案 {1} 起草后，社区 {0} 的网格已被导入或其他工具改动：请从已发布的方案新建草案（未做任何更改） \
             (the grids of community {0} were changed since plan {1} was drafted (by an import or another tool): \
             open a new draft from the published plan (nothing was changed))",
            rec.community, rec.id
        ),
    }
}

impl Plans<'_> {
    /// Publishes draft `id` with the caller's acknowledgements of its remaining defects, renumbering the whole
    /// community only when `renumber`. The draft is gone
    /// once published; the atlas is not reloaded here (the caller's face does that).
    pub async fn publish(&self, who: &Caller, id: i64, acknowledge: &[Acknowledgement], renumber: bool) -> Result<Published> {
        let (rec, content) = self.load(who, id).await?;
        let atlas = &self.atlas;
        let version = self.store.plan_version(&rec.community).await?;
        let why = staleness(rec.base_version, version, &content.base, || base_of(atlas, &rec.community));
        if why.is_stale() {
            return Err(Error::Stale(stale_message(&rec, why)));
        }
        let (draft, stats) = self.stats(content.draft).await?;
        let p = draft.publication(atlas, &stats, acknowledge, renumber)?;
        if !p.unacknowledged.is_empty() {
            return Err(Error::Unacknowledged(p.unacknowledged));
        }
        let grids_before: Vec<Feature> = published_grids(atlas, &rec.community).into_iter().cloned().collect();
        let detail = json!({
            "plan": rec.id,
            "name": rec.name,
            "community": rec.community,
            "codes": p.codes,
            "renumber": renumber,
            "retired": p.identities.retired.iter().map(|b| b.code.clone()).collect::<Vec<_>>(),
            "households_moved": p.households.len(),
            "units_moved": p.units.len(),
            "acknowledged": acknowledge.iter().map(|a| json!({ "defect": a.defect, "reason": a.reason })).collect::<Vec<_>>(),
        });
        let publication = store::Publication {
            plan_id: rec.id,
            plan_name: rec.name.clone(),
            community: rec.community.clone(),
            base_version: rec.base_version,
            published_by: who.actor.clone(),
            grids_before,
            grids: p.grids.clone(),
            units: p.units.clone(),
            households: p.households.clone(),
            detail: detail.clone(),
            // The version it becomes if it lands (else the transaction, and this entry, are rolled back).
            audit: who.audit("plan.publish", json!({ "version": rec.base_version + 1, "plan": detail })),
        };
        let version = match self.store.publish_plan(&publication).await {
            Ok(v) => v,
            Err(store::Error::Stale { current, .. }) => {
                return Err(Error::Stale(stale_message(&rec, Staleness::Published { current_version: current })));
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Published {
            version,
            community: rec.community,
            published_by: who.actor.clone(),
            codes: p.codes,
            grids: p.grids.len(),
            households_moved: p.households.len(),
            units_moved: p.units.len(),
        })
    }

    /// The published versions of `community`, oldest first.
    pub async fn versions(&self, who: &Caller, community: &str) -> Result<Vec<PlanVersion>> {
        self.known_community(community)?;
        self.in_scope(who, community)?;
        Ok(self.store.plan_versions(community).await?)
    }
}
