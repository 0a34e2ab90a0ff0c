//! A draft's diff against the published plan: the households and the lanes and buildings it moves to another
//! grid, with the managers on both sides.

use serde_json::Value;

use super::error::Result;
use super::{Caller, Plans, Privacy};
use crate::atlas::placement::Outlines;
use crate::atlas::plan::compare::Change;
use crate::model::Layer;

/// What a draft moves.
pub struct Diff {
    pub community: String,
    /// By household code (`name` is none).
    pub households: Vec<Change>,
    /// By unit code, with the unit's name.
    pub units: Vec<Change>,
}

impl Plans<'_> {
    /// What draft `id` moves against the published plan, managers as the caller may see them.
    pub async fn diff(&self, who: &Caller, privacy: &impl Privacy, id: i64) -> Result<Diff> {
        let (_, content) = self.load(who, id).await?;
        let (draft, stats) = self.stats(content.draft).await?;
        let atlas = &self.atlas;
        let draft_manager = |id: &str| -> Option<String> {
            let p = draft.grids.get(id).map(|g| &g.properties);
            let m = p.and_then(|p| p.get("manager")).and_then(Value::as_str).filter(|s| !s.is_empty());
            m.map(|m| privacy.staff_name(atlas, id, m))
        };
        let published_manager = |code: &str| -> Option<String> {
            let f = atlas.layer(Layer::Grids).and_then(|g| g.get(code));
            f.and_then(|f| f.nonempty_prop("manager")).map(|m| privacy.staff_name(atlas, code, m))
        };
        let households = stats
            .moves
            .iter()
            .map(|m| Change {
                code: m.household.clone(),
                name: None,
                from: m.from.clone(),
                from_manager: m.from.as_deref().and_then(published_manager),
                to: m.to.clone(),
                to_manager: m.to.as_deref().and_then(draft_manager),
            })
            .collect();
        // Units: the published grid they name against the draft grid they lie in.
        let mut units = Vec::new();
        if let Some(ul) = atlas.layer(Layer::Units) {
            // The draft grid owning the unit's representative point, by the one placement rule (as publishing
            // places it).
            let (ids, mps): (Vec<&String>, Vec<&geo::MultiPolygon<f64>>) = draft.grids.iter().map(|(id, g)| (id, &g.geometry)).unzip();
            let outlines = Outlines::of_lonlat(atlas.crs, &mps).map_err(|e| super::Error::Internal(e.into()))?;
            let points = atlas.points(Layer::Units);
            for (u, f) in ul.features.iter().enumerate() {
                let Some(k) = points.get(u).and_then(|(m, ll)| outlines.owner(m, ll)) else { continue };
                let to = ids[k];
                let from = f.str_prop("grid_code");
                if from != Some(to.as_str()) {
                    units.push(Change {
                        code: f.code.clone(),
                        name: Some(f.name().to_string()),
                        from: from.map(str::to_string),
                        from_manager: from.and_then(published_manager),
                        to: Some(to.clone()),
                        to_manager: draft_manager(to),
                    });
                }
            }
        }
        Ok(Diff { community: draft.community.clone(), households, units })
    }
}
