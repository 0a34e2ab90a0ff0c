//! Loading a draft, refused outside the caller's scope (a planner of one town may not draft another's grids).

use super::content::Content;
use super::error::{Error, Result};
use super::{Caller, Plans};
use crate::model::Layer;
use crate::store::{PlanRecord, PlanStore};

impl Plans<'_> {
    /// Refuses a caller whose scope does not cover all of `community`.
    pub fn in_scope(&self, who: &Caller, community: &str) -> Result<()> {
        let found = self.atlas.layer(Layer::Communities).and_then(|l| l.get(community));
        let town = found.and_then(|f| f.nonempty_prop("town_code"));
        if who.scope.covers_community(community, town) {
            Ok(())
        } else {
            // Named by its name: the person reads it; the codes follow for support.
            let name = found.map_or(community, |f| f.name());
            Err(Error::OutOfScope(format!(
                "{name}不在您的权限范围内, 无法操作 (community {community} is outside your scope {})",
                who.scope
            )))
        }
    }

    /// Refuses a community the atlas does not have.
    pub fn known_community(&self, community: &str) -> Result<()> {
        match self.atlas.layer(Layer::Communities).and_then(|l| l.get(community)) {
            Some(_) => Ok(()),
            None => Err(Error::NotFound(format!("社区 {community} 不在当前数据中 (community {community} is not in the atlas)"))),
        }
    }

    /// Plan `id` and its content, if the caller's scope covers its community.
    pub async fn load(&self, who: &Caller, id: i64) -> Result<(PlanRecord, Content)> {
        let rec = self.store.plan(id).await?.ok_or_else(|| Error::NotFound(format!("草案 {id} 不存在 (plan {id} does not exist)")))?;
        self.in_scope(who, &rec.community)?;
        let content = Content::of(&rec)?;
        Ok((rec, content))
    }
}
