//! The merger crosswalk of an atlas, computed once per atlas; cross-boundary households and reassignment
//! proposals as one caller may see them (names masked by [`super::privacy`]).

use std::sync::Arc;

use super::privacy::{Access, View};
use crate::atlas::Atlas;
use crate::atlas::crosswalk::{CrossHousehold, Crosswalk};
use crate::atlas::reassign::Proposal;

/// The crosswalk of `atlas`, computed on first use (the state warms each new atlas with it).
pub fn of(atlas: &Arc<Atlas>) -> Arc<Memo> {
    atlas.memo(|| Memo(atlas.crosswalk()))
}

/// The crosswalk of an atlas, memoised on it.
pub struct Memo(pub Crosswalk);

/// Cross-boundary households as this request may see them.
/// None for a caller who may not see households ([`Access::sees_households`]).
pub fn visible(atlas: &Atlas, hh: &[CrossHousehold], access: &Access) -> Vec<CrossHousehold> {
    if !access.sees_households() {
        return Vec::new();
    }
    hh.iter()
        .map(|h| {
            let mut h = h.clone();
            let view = access.household_at(atlas, &h.code, h.located_grid.as_deref());
            h.head = h.head.map(|n| view.name(&n));
            h.address = h.address.map(|a| view.address(&a));
            let staff = h.located_grid.as_deref().map_or(View::Masked, |g| access.grid(atlas, g));
            h.located_manager = h.located_manager.map(|n| staff.name(&n));
            h
        })
        .collect()
}

/// A proposal as this request may see it.
/// A caller who may not see households gets the grids' counts without the moves of single households.
pub fn visible_proposal(atlas: &Atlas, mut p: Proposal, access: &Access) -> Proposal {
    if !access.sees_households() {
        p.moves.clear();
    }
    for m in &mut p.moves {
        let view = access.household_at(atlas, &m.household, Some(m.to_grid.as_str()));
        m.head = m.head.as_deref().map(|n| view.name(n));
    }
    for g in &mut p.grids {
        let view = access.grid(atlas, &g.grid);
        g.manager = g.manager.as_deref().map(|n| view.name(n));
    }
    for m in &mut p.managers {
        let full = m.grids.iter().any(|g| !access.grid(atlas, g).masked());
        m.manager = if full { View::Full } else { View::Masked }.name(&m.manager);
    }
    p
}
