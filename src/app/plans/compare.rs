//! Two plans of a community side by side: the published plan, a published version or a draft, and the
//! households and units that lie in another grid under B than under A, with both managers.

use serde_json::Value;

use super::error::{Error, Result};
use super::{Caller, Plans, Privacy};
use crate::atlas::plan::compare::{Comparison, PlanGrid, compare, published};
use crate::model::Layer;
use crate::store::PlanStore;

/// One side of a comparison, resolved.
pub struct Side {
    /// As the caller named it: `published`, `v:N` or `draft:ID`.
    pub reference: String,
    /// As a person reads it (现行方案, 第 N 版 (...), 草案 ...).
    pub label: String,
    pub grids: Vec<PlanGrid>,
}

/// A comparison of plan `a` with plan `b` of `community`.
pub struct Compared {
    pub community: String,
    pub a: Side,
    pub b: Side,
    pub changes: Comparison,
}

impl Plans<'_> {
    /// Compares plan `a` (the published plan if none) with plan `b` of `community`, names as the caller may
    /// see them.
    pub async fn compare<P: Privacy + Clone + 'static>(&self, who: &Caller, privacy: &P, community: &str, a: Option<&str>, b: &str) -> Result<Compared> {
        self.known_community(community)?;
        self.in_scope(who, community)?;
        let a = self.side(who, privacy, community, a.unwrap_or("published")).await?;
        let b = self.side(who, privacy, community, b).await?;
        let (ga, gb, at, p) = (a.grids.clone(), b.grids.clone(), self.atlas.clone(), privacy.clone());
        let changes = tokio::task::spawn_blocking(move || {
            compare(&at, &ga, &gb, |layer, i| {
                let f = &at.layer(layer)?.features[i];
                match layer {
                    Layer::Households => f.nonempty_prop("head").map(|h| p.householder_name(&at, &f.code, h)),
                    _ => Some(f.name().to_string()),
                }
            })
        })
        .await
        .map_err(|e| Error::Internal(e.into()))?;
        Ok(Compared { community: community.to_string(), a, b, changes })
    }

    /// `published`, `v:N` (the grids published as version N; `v:0` the grids before the first publication) or
    /// `draft:ID`.
    async fn side(&self, who: &Caller, privacy: &impl Privacy, community: &str, reference: &str) -> Result<Side> {
        let atlas = &self.atlas;
        let manager_of = |code: &str, m: &str| privacy.staff_name(atlas, code, m);
        let bad = || Error::BadInput(format!("方案引用 {reference} 有误，应为 published、v:N（已发布的版本）或 draft:ID (plan {reference:?}: one of published, v:N (a published version) or draft:ID)"));
        let side = |label: &str, grids: Vec<PlanGrid>| Side { reference: reference.into(), label: label.into(), grids };
        if reference == "published" {
            return Ok(side("现行方案", published(atlas, community, manager_of)));
        }
        if let Some(v) = reference.strip_prefix("v:") {
            let v: i64 = v.parse().map_err(|_| bad())?;
            let versions = self.store.plan_versions(community).await?;
            let (fc, label) = if v == 0 {
                match versions.first() {
                    Some(first) => (first.grids_before.clone(), "首次发布前".to_string()),
                    None => return Ok(side("现行方案", published(atlas, community, manager_of))),
                }
            } else {
                let found = versions
                    .iter()
                    .find(|x| x.version == v)
                    .ok_or_else(|| Error::NotFound(format!("社区 {community} 没有已发布的第 {v} 版 (community {community} has no published version {v})")))?;
                (found.grids_after.clone(), format!("第 {v} 版 ({} {})", found.plan_name, &found.published_at[..10.min(found.published_at.len())]))
            };
            let read = crate::model::geojson_io::parse_layer(&fc.to_string(), &format!("version {v}"), Layer::Grids, None)
                .map_err(|e| Error::Internal(anyhow::anyhow!("stored version {v}: {e}")))?;
            return Ok(side(&label, read.features.iter().map(|f| PlanGrid::of_feature(f, manager_of)).collect()));
        }
        let id: i64 = reference.strip_prefix("draft:").ok_or_else(bad)?.parse().map_err(|_| bad())?;
        let (rec, content) = self.load(who, id).await?;
        if rec.community != community {
            return Err(Error::BadInput(format!("草案 {id} 属于社区 {}，不属于 {community} (plan {id} is a draft of community {}, not {community})", rec.community, rec.community)));
        }
        let grids = content
            .draft
            .grids
            .iter()
            .map(|(gid, g)| PlanGrid {
                id: gid.clone(),
                name: g.properties.get("name").and_then(Value::as_str).map(str::to_string),
                manager: g.properties.get("manager").and_then(Value::as_str).filter(|m| !m.is_empty()).map(|m| manager_of(gid, m)),
                geometry: g.geometry.clone(),
            })
            .collect();
        Ok(side(&format!("草案 {} ({})", rec.name, rec.author), grids))
    }
}
