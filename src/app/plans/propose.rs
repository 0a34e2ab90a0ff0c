//! Opening a draft that holds a proposal of the community's grids ([`crate::atlas::propose`]): the one use case
//! the API and `gridmap propose` call. The proposal is computed on a blocking thread (it takes up to seconds);
//! the draft is then stored, shown, edited and published as any other.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use super::error::{Error, Result};
use super::{Caller, Plans, Privacy, Shown};
use crate::atlas::Atlas;
use crate::atlas::coverage::Settings;
use crate::atlas::propose::{Options, Proposal, ProposedGrid, propose};
use crate::model::{Feature, Layer};

/// A proposed draft as shown, with what the proposal says of itself.
pub struct Proposed {
    pub shown: Shown,
    pub summary: Summary,
}

/// What a proposal says of itself beside the draft's own statistics.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// The options as applied (defaults filled in).
    pub options: Options,
    /// The proposed grids (locked grids are not listed), in reading order.
    pub grids: Vec<ProposedGrid>,
    /// Households whose lane or building is proposed in another grid than its published one.
    pub households_changing_manager: u64,
    /// Why the band is not met everywhere, when it is not (Chinese first); empty when every grid is in it.
    pub warnings: Vec<String>,
}

impl Summary {
    fn of(options: Options, p: &Proposal) -> Summary {
        Summary {
            options,
            grids: p.grids.clone(),
            households_changing_manager: p.households_changing_manager,
            warnings: p.reason.iter().cloned().collect(),
        }
    }
}

/// A proposal as files would hold it: what publishing it would write.
pub struct ProposedLayers {
    /// The community's grids coded by the publishing rule, with their `households` and `draft_id`.
    pub grids: Vec<Feature>,
    /// The community's lanes and buildings, each with the `grid_code` it would belong to.
    pub units: Vec<Feature>,
    pub summary: Summary,
}

/// Refuses a community the atlas does not have: for a proposal it is an option like the others (422).
fn known(atlas: &Atlas, community: &str) -> Result<()> {
    match atlas.layer(Layer::Communities).and_then(|l| l.get(community)) {
        Some(_) => Ok(()),
        None => Err(Error::Refused(format!("社区 {community} 不存在 (community {community} is not in the atlas)"))),
    }
}

/// The proposal for `community` under `opts`; an unknown community or an option out of range is
/// [`Error::Refused`], saying which. Blocking: up to seconds.
pub fn proposal_for(atlas: &Atlas, community: &str, opts: &Options) -> Result<Proposal> {
    known(atlas, community)?;
    Ok(propose(atlas, community, opts)?)
}

/// Proposal `p` (made under `opts`) as its published layers would be, without storing a draft
/// (`gridmap propose --out`). Blocking: the draft's statistics are computed.
pub fn layers_of(atlas: &Atlas, p: &Proposal, opts: &Options) -> Result<ProposedLayers> {
    let stats = p.draft.stats(atlas, &Settings::default())?;
    let publication = p.draft.publication(atlas, &stats, &[], false)?;
    let draft_id: BTreeMap<&String, &String> = publication.codes.iter().map(|(d, c)| (c, d)).collect();
    let grids = publication
        .grids
        .iter()
        .map(|f| {
            let mut f = f.clone();
            let did = draft_id.get(&f.code).map(|s| s.to_string()).unwrap_or_default();
            if let Some(g) = stats.grids.iter().find(|g| g.id == did) {
                f.properties.insert("households".into(), g.households.into());
            }
            f.properties.insert("draft_id".into(), did.into());
            f
        })
        .collect();
    let moved: BTreeMap<&str, &Feature> = publication.units.iter().map(|u| (u.code.as_str(), u)).collect();
    let units = atlas.layer(Layer::Units).map_or(vec![], |l| {
        l.features
            .iter()
            .filter(|f| p.draft.units.contains_key(&f.code))
            .map(|f| moved.get(f.code.as_str()).map_or_else(|| f.clone(), |m| (*m).clone()))
            .collect()
    });
    Ok(ProposedLayers { grids, units, summary: Summary::of(opts.clone(), p) })
}

impl Plans<'_> {
    /// Opens a draft of `community` named `name` by the caller, holding the proposal under `opts` (computed
    /// off the async runtime).
    pub async fn open_proposed(&self, who: &Caller, privacy: &impl Privacy, community: &str, name: &str, opts: Options) -> Result<Proposed> {
        super::drafts::plan_name(name)?;
        if self.atlas.layer(Layer::Communities).and_then(|l| l.get(community)).is_some() {
            self.in_scope(who, community)?;
        }
        let (atlas, c, o) = (self.atlas.clone(), community.to_string(), opts.clone());
        let p = tokio::task::spawn_blocking(move || proposal_for(&atlas, &c, &o)).await.map_err(|e| Error::Internal(e.into()))??;
        self.open_proposal(who, privacy, name, p, opts).await
    }

    /// Opens a draft named `name` by the caller holding proposal `p`, made under `opts`, audited with them.
    pub async fn open_proposal(&self, who: &Caller, privacy: &impl Privacy, name: &str, p: Proposal, opts: Options) -> Result<Proposed> {
        let name = super::drafts::plan_name(name)?;
        let community = p.draft.community.clone();
        self.in_scope(who, &community)?;
        let summary = Summary::of(opts, &p);
        let detail = json!({ "name": name, "community": community, "propose": summary.options });
        let shown = self.open_draft(who, privacy, name, p.draft, detail).await?;
        Ok(Proposed { shown, summary })
    }
}
