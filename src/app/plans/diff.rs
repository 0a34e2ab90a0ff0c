//! What publishing a draft would do, shown before the button: the grids' codes, names and managers before and
//! after, the codes going out of use, and the households and the lanes and buildings whose grid changes, with
//! the managers on both sides. It is the publication itself (`Draft::publication`), not an estimate, so the
//! draft's diff, the publish dialog and what is written are one list.

use std::collections::BTreeSet;

use super::error::Result;
use super::{Caller, Plans, Privacy};
use crate::atlas::plan::compare::Change;
use crate::atlas::plan::identity::Identities;
use crate::model::Layer;

/// A household whose grid publishing changes, or that the draft leaves outside every grid.
pub struct HouseholdChange {
    pub change: Change,
    pub why: Why,
}

/// Why a household is listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// The draft moves it into another grid: its roster follows.
    Moved,
    /// The draft does not move it, but it lies in another grid than its roster names: publishing puts the
    /// roster right.
    Roster,
    /// The draft leaves it outside every grid: its roster keeps its grid (a defect to fix or acknowledge).
    Uncovered,
}

impl Why {
    pub fn as_str(self) -> &'static str {
        match self {
            Why::Moved => "moved",
            Why::Roster => "roster",
            Why::Uncovered => "uncovered",
        }
    }
}

/// What publishing a draft would write.
pub struct Diff {
    pub community: String,
    /// Codes, names and managers (as published, unmasked: the caller's face masks managers).
    pub identities: Identities,
    /// By household code (`name` is none); those `Why::Uncovered` are not written.
    pub households: Vec<HouseholdChange>,
    /// By unit code, with the unit's name.
    pub units: Vec<Change>,
}

impl Plans<'_> {
    /// What publishing draft `id` would do (`renumber`: with the whole community renumbered), managers as the
    /// caller may see them.
    pub async fn diff(&self, who: &Caller, privacy: &impl Privacy, id: i64, renumber: bool) -> Result<Diff> {
        let (_, content) = self.load(who, id).await?;
        let (draft, stats) = self.stats(content.draft).await?;
        let atlas = &self.atlas;
        let p = draft.publication(atlas, &stats, &[], renumber)?;
        let published_manager = |code: &str| -> Option<String> {
            let f = atlas.layer(Layer::Grids).and_then(|g| g.get(code));
            f.and_then(|f| f.nonempty_prop("manager")).map(|m| privacy.staff_name(atlas, code, m))
        };
        let new_manager = |code: &str| -> Option<String> {
            let g = p.identities.grids.iter().find(|g| g.code == code)?;
            g.manager().map(|m| privacy.staff_name(atlas, &g.id, m))
        };
        let change = |layer: Layer, f: &crate::model::Feature| {
            let before = atlas.layer(layer).and_then(|l| l.get(&f.code));
            let from = before.and_then(|b| b.nonempty_prop("grid_code")).map(str::to_string);
            let to = f.nonempty_prop("grid_code").map(str::to_string);
            Change {
                code: f.code.clone(),
                name: (layer == Layer::Units).then(|| f.name().to_string()),
                from_manager: from.as_deref().and_then(published_manager),
                to_manager: to.as_deref().and_then(new_manager),
                from,
                to,
            }
        };
        let moved: BTreeSet<&str> = stats.moves.iter().map(|m| m.household.as_str()).collect();
        let mut households: Vec<HouseholdChange> = p
            .households
            .iter()
            .map(|f| HouseholdChange { change: change(Layer::Households, f), why: if moved.contains(f.code.as_str()) { Why::Moved } else { Why::Roster } })
            .collect();
        // Households the draft leaves outside every grid are not written, but the planner must see them.
        let hl = atlas.layer(Layer::Households);
        for m in stats.moves.iter().filter(|m| m.to.is_none()) {
            let Some(f) = hl.and_then(|l| l.get(&m.household)) else { continue };
            // From the published grid it lies in (its roster stays as it is).
            let mut c = change(Layer::Households, f);
            (c.from, c.to, c.to_manager) = (m.from.clone(), None, None);
            c.from_manager = m.from.as_deref().and_then(published_manager);
            households.push(HouseholdChange { change: c, why: Why::Uncovered });
        }
        households.sort_by(|a, b| a.change.code.cmp(&b.change.code));
        let units = p.units.iter().map(|f| change(Layer::Units, f)).collect();
        Ok(Diff { community: draft.community.clone(), identities: p.identities, households, units })
    }
}
