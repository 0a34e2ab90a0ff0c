//! The publishing rule for who a draft's grids are: which published grid each one continues (keeping its code,
//! name and manager) and which are new. Bookmarks, printed wall charts and plates name grids by code, so a
//! publication must not move a code to another place unless the planner asks for it.
//!
//! - A draft grid whose id is a published code of the community continues that grid (a draft copies the
//!   published grids under their codes; a split leaves the code on its largest piece, a merge on the grid kept).
//! - A draft grid with another id (`new-N`) continues a published grid the draft no longer has when it holds
//!   most of that grid's area, or has the same manager.
//! - Every other grid is new: it gets the community's next free sequence numbers, given among the new grids by
//!   the coding rule (`numbering::reading_order`), and a standard name (`…第N网格`) in the siblings' form.
//! - Renumbering the whole community is a choice (`renumber`): then every grid is coded by the coding rule and
//!   standard names follow their number; managers and other properties stay with their grid.
//!
//! The draft's diff and the publication both read [`identities`], so what the planner is shown is what is
//! written.

use std::collections::BTreeMap;

use geo::{Area, BooleanOps, Centroid, Geometry};
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Draft, PlanError, published_grids};
use crate::atlas::Atlas;
use crate::atlas::numbering::reading_order;
use crate::model::code::{CommunityCode, GridCode};
use crate::model::Layer;

/// A published grid as it was.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Before {
    pub code: String,
    pub name: String,
    pub manager: Option<String>,
}

/// How a draft grid got its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// It is a published grid and keeps its code.
    Kept,
    /// It took over a published grid the draft no longer has (most of its area, or its manager).
    Inherited,
    /// A new grid, with the community's next free code.
    New,
    /// Coded afresh by the coding rule, as the planner chose to renumber.
    Renumbered,
}

/// Who one live draft grid is once published.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Identity {
    /// The draft id.
    pub id: String,
    pub code: String,
    /// The properties publishing writes (code first, as the data contract orders them).
    #[serde(skip)]
    pub properties: Map<String, Value>,
    /// The published grid it continues.
    pub before: Option<Before>,
    pub how: How,
}

impl Identity {
    pub fn name(&self) -> &str {
        self.properties.get("name").and_then(Value::as_str).unwrap_or("")
    }

    pub fn manager(&self) -> Option<&str> {
        self.properties.get("manager").and_then(Value::as_str).filter(|s| !s.trim().is_empty())
    }
}

/// Who the draft's grids are once published.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Identities {
    /// Every live grid of the draft (of positive area), by code.
    pub grids: Vec<Identity>,
    /// Published grids no draft grid continues: their codes go out of use.
    pub retired: Vec<Before>,
    pub renumber: bool,
}

impl Identities {
    /// Draft id → code.
    pub fn codes(&self) -> BTreeMap<String, String> {
        self.grids.iter().map(|g| (g.id.clone(), g.code.clone())).collect()
    }

    /// The grids whose code, name or manager publishing changes (new grids included), and the retired ones.
    pub fn changed(&self) -> impl Iterator<Item = &Identity> {
        self.grids.iter().filter(|g| match &g.before {
            Some(b) => b.code != g.code || b.name != g.name() || b.manager.as_deref() != g.manager(),
            None => true,
        })
    }
}

/// Who each live grid of `draft` is once published (see the module's rule). `renumber` codes every grid by the
/// coding rule instead.
pub fn identities(draft: &Draft, atlas: &Atlas, renumber: bool) -> Result<Identities, PlanError> {
    let community: CommunityCode =
        draft.community.parse().map_err(|e: crate::model::code::CodeError| PlanError::Invalid(e.to_string()))?;
    let live: Vec<(&String, &super::DraftGrid)> = draft.grids.iter().filter(|(_, g)| g.geometry.unsigned_area() > 0.0).collect();
    if live.len() >= 1000 {
        return Err(PlanError::Invalid("一个社区最多编 999 个网格".into()));
    }
    let published = published_grids(atlas, &draft.community);
    let before_of = |f: &crate::model::Feature| Before {
        code: f.code.clone(),
        name: f.name().to_string(),
        manager: f.nonempty_prop("manager").map(str::to_string),
    };
    let by_code: BTreeMap<&str, &crate::model::Feature> = published.iter().map(|f| (f.code.as_str(), *f)).collect();

    // Which published grid each live draft grid continues: its own code, else a vanished grid it mostly is.
    let mut continues: Vec<Option<&crate::model::Feature>> = live.iter().map(|(id, _)| by_code.get(id.as_str()).copied()).collect();
    let claimed: std::collections::BTreeSet<&str> = continues.iter().flatten().map(|f| f.code.as_str()).collect();
    let vanished: Vec<&crate::model::Feature> = published.iter().copied().filter(|f| !claimed.contains(f.code.as_str())).collect();
    let mut pairs = Vec::new();
    for (k, (_, g)) in live.iter().enumerate() {
        if continues[k].is_some() {
            continue;
        }
        let manager = g.properties.get("manager").and_then(Value::as_str).filter(|s| !s.trim().is_empty());
        for (v, f) in vanished.iter().enumerate() {
            let pm = super::geometry::oriented_mp(&f.geometry);
            let whole = pm.unsigned_area();
            let shared = if whole > 0.0 { pm.intersection(&g.geometry).unsigned_area() / whole } else { 0.0 };
            let same_manager = manager.is_some() && manager == f.nonempty_prop("manager");
            if shared > 0.5 || same_manager {
                pairs.push((same_manager, shared, k, v));
            }
        }
    }
    // The closest continuations first: the same manager, then the larger share of the old grid.
    pairs.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)).then(a.3.cmp(&b.3)));
    let mut taken = vec![false; vanished.len()];
    for (_, _, k, v) in pairs {
        if continues[k].is_none() && !taken[v] {
            continues[k] = Some(vanished[v]);
            taken[v] = true;
        }
    }

    // The coding rule's order, for new grids (or for all when renumbering).
    let crs = atlas.crs;
    let mut centroids = Vec::with_capacity(live.len());
    let mut mean_m2 = 0.0;
    for (_, g) in &live {
        let m = crs.project_geometry(&Geometry::MultiPolygon(g.geometry.clone())).map_err(|e| PlanError::Invalid(e.to_string()))?;
        mean_m2 += m.unsigned_area() / live.len() as f64;
        centroids.push(m.centroid().map_or(geo::Coord::default(), |p| p.0));
    }
    let order = reading_order(&centroids, mean_m2.sqrt());
    let prefix = name_prefix(atlas, &draft.community, &published);

    let mut seq_of: Vec<Option<u16>> = vec![None; live.len()];
    if renumber {
        for (n, &k) in order.iter().enumerate() {
            seq_of[k] = Some(n as u16 + 1);
        }
    } else {
        let used = published.iter().filter_map(|f| f.code.parse::<GridCode>().ok()).map(|c| c.sequence()).max().unwrap_or(0);
        let mut next = used;
        for &k in &order {
            if continues[k].is_none() {
                next += 1;
                if next > 999 {
                    return Err(PlanError::Invalid(format!("社区 {} 的网格编号已用到 999,请选择全社区重新编号", draft.community)));
                }
                seq_of[k] = Some(next);
            }
        }
    }

    let mut grids = Vec::with_capacity(live.len());
    for (k, (id, g)) in live.iter().enumerate() {
        let old = continues[k];
        // A grid taking over a vanished one takes its name and manager unless the draft gives its own.
        let mut props = old.filter(|f| f.code != **id).map(|f| f.properties.clone()).unwrap_or_default();
        for (key, v) in &g.properties {
            if !(v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty())) || !props.contains_key(key) {
                props.insert(key.clone(), v.clone());
            }
        }
        let (code, how) = match (seq_of[k], old) {
            (Some(seq), _) if renumber => (GridCode::new(&community, seq).to_string(), How::Renumbered),
            (Some(seq), _) => (GridCode::new(&community, seq).to_string(), How::New),
            (None, Some(f)) if f.code == **id => (f.code.clone(), How::Kept),
            (None, Some(f)) => (f.code.clone(), How::Inherited),
            (None, None) => unreachable!("a grid continuing none has a sequence number"),
        };
        let standard = props.get("name").and_then(Value::as_str).is_none_or(|n| n.trim().is_empty() || is_standard_name(n));
        if seq_of[k].is_some() && standard {
            let seq = seq_of[k].unwrap_or_default();
            props.insert("name".into(), format!("{prefix}第{seq}网格").into());
        }
        props.insert("community_code".into(), draft.community.clone().into());
        let mut ordered = Map::new();
        ordered.insert("code".into(), code.clone().into());
        for (key, v) in props {
            if key != "code" {
                ordered.insert(key, v);
            }
        }
        grids.push(Identity { id: (*id).clone(), code, properties: ordered, before: old.map(before_of), how });
    }
    grids.sort_by(|a, b| a.code.cmp(&b.code));
    let continued: std::collections::BTreeSet<&str> = grids.iter().filter_map(|g| g.before.as_ref()).map(|b| b.code.as_str()).collect();
    let retired = published.iter().filter(|f| !continued.contains(f.code.as_str())).map(|f| before_of(f)).collect();
    Ok(Identities { grids, retired, renumber })
}

/// What goes before `第N网格` in a standard name: the form the community's grids already use (`南头村`), else
/// the community's name without `居委会` / `村委会`.
fn name_prefix(atlas: &Atlas, community: &str, published: &[&crate::model::Feature]) -> String {
    let sibling = published.iter().map(|f| f.name()).find(|n| is_standard_name(n)).and_then(|n| n.rsplit_once('第')).map(|(p, _)| p.to_string());
    sibling.unwrap_or_else(|| {
        atlas
            .layer(Layer::Communities)
            .and_then(|c| c.get(community))
            .map(|f| f.name().trim_end_matches("居委会").trim_end_matches("村委会").to_string())
            .unwrap_or_default()
    })
}

/// `…第N网格`: a name the numbering owns.
pub fn is_standard_name(name: &str) -> bool {
    name.strip_suffix("网格")
        .and_then(|s| s.rsplit_once('第'))
        .is_some_and(|(_, n)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::Edit;
    use super::*;

    #[test]
    fn an_unchanged_or_reshaped_draft_keeps_every_code_name_and_manager() {
        let atlas = atlas(4);
        let mut d = draft(&atlas);
        let h = D / 2.0;
        d.apply(&atlas, &Edit::MoveVertex { from: [X0 + h, Y0], to: [X0 + h + 0.001, Y0], snap_m: Some(0.1) }).unwrap();
        let ids = identities(&d, &atlas, false).unwrap();
        let got: Vec<(&str, &str, &str, Option<&str>, How)> = ids.grids.iter().map(|g| (g.id.as_str(), g.code.as_str(), g.name(), g.manager(), g.how)).collect();
        assert_eq!(got, vec![(A, A, "南新社区第1网格", Some("李娜"), How::Kept), (B, B, "南新社区第2网格", Some("张伟"), How::Kept)]);
        assert_eq!(ids.changed().count(), 0);
        assert!(ids.retired.is_empty());
    }

    #[test]
    fn a_split_keeps_the_old_codes_and_gives_the_new_piece_the_next_free_code() {
        let atlas = atlas(4);
        let mut d = draft(&atlas);
        // The west strip of A (the smaller piece) is new-1; under the coding rule it would be 001.
        d.apply(&atlas, &Edit::Split { grid: A.into(), line: vec![[X0 + 0.002, Y0], [X0 + 0.002, Y0 + D]] }).unwrap();
        let ids = identities(&d, &atlas, false).unwrap();
        assert_eq!(ids.codes(), BTreeMap::from([(A.to_string(), A.to_string()), (B.to_string(), B.to_string()), ("new-1".to_string(), "610522001001003".to_string())]));
        let new = ids.grids.iter().find(|g| g.id == "new-1").unwrap();
        assert_eq!((new.name(), new.manager(), new.how, new.before.is_none()), ("南新社区第3网格", None, How::New, true));
        assert_eq!(ids.changed().map(|g| g.id.as_str()).collect::<Vec<_>>(), vec!["new-1"]);

        // Renumbering is a choice: then the coding rule gives 001 to the west strip, managers stay with their grid.
        let all = identities(&d, &atlas, true).unwrap();
        let got: Vec<(&str, &str, &str, Option<&str>)> = all.grids.iter().map(|g| (g.id.as_str(), g.code.as_str(), g.name(), g.manager())).collect();
        assert_eq!(got, vec![
            ("new-1", "610522001001001", "南新社区第1网格", None),
            (A, "610522001001002", "南新社区第2网格", Some("李娜")),
            (B, "610522001001003", "南新社区第3网格", Some("张伟")),
        ]);
        assert!(all.grids.iter().all(|g| g.how == How::Renumbered));
        assert_eq!(all.grids[1].before.as_ref().map(|b| b.code.as_str()), Some(A));
    }

    #[test]
    fn a_new_grid_holding_most_of_a_vanished_grid_continues_it() {
        let atlas = atlas(4);
        let mut d = draft(&atlas);
        // B's outline under a new id, as a proposal would draw it: it continues B, code, name and manager.
        let b = d.grids.remove(B).unwrap();
        d.grids.insert("new-1".into(), super::super::DraftGrid { properties: Map::new(), geometry: b.geometry });
        let ids = identities(&d, &atlas, false).unwrap();
        let g = ids.grids.iter().find(|g| g.id == "new-1").unwrap();
        assert_eq!((g.code.as_str(), g.name(), g.manager(), g.how), (B, "南新社区第2网格", Some("张伟"), How::Inherited));
        assert_eq!(ids.changed().count(), 0);

        // Merged away: B's code is retired, A keeps its own.
        let mut d = draft(&atlas);
        d.apply(&atlas, &Edit::Merge { grid: A.into(), with: B.into() }).unwrap();
        let ids = identities(&d, &atlas, false).unwrap();
        assert_eq!(ids.codes(), BTreeMap::from([(A.to_string(), A.to_string())]));
        assert_eq!(ids.retired.iter().map(|b| b.code.as_str()).collect::<Vec<_>>(), vec![B]);
    }

    #[test]
    fn standard_names_are_recognised() {
        assert!(is_standard_name("南新社区第12网格"));
        assert!(!is_standard_name("南新社区老街网格"));
        assert!(!is_standard_name("第网格"));
    }
}
