//! Applying the merger's reassignment: the cross-boundary households of a community moved to the grids they
//! lie in, with the audit entry in the same store transaction, then the atlas reloaded.

use std::sync::Arc;

use serde_json::json;

use super::accounts::Actor;
use super::crosswalk::of;
use super::error::{Error, Result};
use super::state::AppState;
use crate::accounts::Scope;
use crate::atlas::Atlas;
use crate::atlas::reassign::Proposal;
use crate::model::Layer;
use crate::store::{ChangeRecord, LayerStore};

/// A reassignment as applied: the households moved, the revision and time of the write, and the proposal with
/// the atlas it was made from.
pub struct Applied {
    pub atlas: Arc<Atlas>,
    pub changed: usize,
    pub revision: i64,
    pub at: Option<String>,
    pub proposal: Proposal,
}

/// Moves the cross-boundary households lying in `community` (all of them when `None`, which only a county
/// scope may ask) to the grids they lie in, by `by` within `scope`: the households and the audit entry in one
/// store transaction, then the atlas reloaded. [`Error::OutOfScope`] outside the scope, [`Error::NotFound`]
/// for an unknown community; `changed` is 0 when nothing is to move.
pub async fn reassign(state: &AppState, community: Option<&str>, scope: &Scope, by: &Actor) -> Result<Applied> {
    let atlas = state.atlas();
    let a = atlas.clone();
    let memo = tokio::task::spawn_blocking(move || of(&a)).await?;
    let in_scope = match community {
        Some(c) => {
            let Some(f) = atlas.layer(Layer::Communities).and_then(|l| l.get(c)) else {
                return Err(Error::NotFound(format!("社区 {c} 不在数据中 (community {c:?} is not in the dataset)")));
            };
            scope.covers_community(c, f.nonempty_prop("town_code"))
        }
        None => *scope == Scope::County,
    };
    if !in_scope {
        // Named by its name: the person reads it; the codes follow for support.
        let name = community.and_then(|c| atlas.layer(Layer::Communities).and_then(|l| l.get(c))).map(|f| f.name().to_string());
        let (zh, en) = match community {
            Some(c) => (name.unwrap_or_else(|| c.to_string()), format!("community {c}")),
            None => ("全县".to_string(), "the whole county".to_string()),
        };
        return Err(Error::OutOfScope(format!("{zh}不在您的权限范围内, 无法调整 ({en} is outside your scope: {scope})")));
    }
    let p = atlas.reassignment(&memo.0.households, community);
    if p.moves.is_empty() {
        let revision = atlas.revision;
        return Ok(Applied { atlas, changed: 0, revision, at: None, proposal: p });
    }
    let moved = atlas.moved_households(&p.moves);
    let detail = json!({
        "community": community,
        "moves": p.moves.iter().map(|m| json!({ "household": m.household, "from": m.from_grid, "to": m.to_grid })).collect::<Vec<_>>(),
    });
    let audit = by.record("crosswalk.reassign", detail.clone());
    let record = ChangeRecord { actor: by.name.clone(), action: "crosswalk.reassign".into(), detail, audit: Some(audit) };
    state.store().update_features(Layer::Households, &moved, &record).await?;
    state.reload_if_changed().await?;
    let at = state.store().changes(1).await?.into_iter().next().map(|e| e.at);
    Ok(Applied { atlas, changed: moved.len(), revision: state.atlas().revision, at, proposal: p })
}
