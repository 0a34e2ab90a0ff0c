//! Names and codes of the 93 pre-2015 villages and residents' committees.
//!
//! Codes follow the NBS pattern of the time: the town code of the time, then `0xx` for residents' committees
//! and `2xx` for villages, numbered in reading order. Before 2015 the seat was 城关镇 (610522100), so its
//! villages carry that prefix. Where a community kept the code of the village it grew from (老虎城村委会 is
//! 610522102206), that village gets the same code. Names come from the public partial list where the town
//! matches; the rest are synthetic and marked so.

use std::collections::{BTreeMap, BTreeSet};

use geo::Coord;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::gazetteer::{town_code_of_the_time, town_name_of_the_time};
use super::people::SURNAMES;
use super::sources::Sources;
use super::territory::Territory;
use crate::atlas::numbering::reading_order;

/// Communities whose name merges those of the villages they grew from.
const MERGED_FROM: &[(&str, &[&str])] = &[("610522001209", &["上屯", "下屯"])];

#[derive(Clone, Debug)]
pub struct VillageName {
    pub code: String,
    /// Place name alone (老虎城, 秦岭).
    pub base: String,
    /// Committee name (老虎城村委会, 秦岭居委会).
    pub name: String,
    /// Residents' committee (`0xx`) rather than village (`2xx`).
    pub rc: bool,
    pub town_code_then: String,
    pub town_name_then: String,
    /// "legacy_list" or "synthetic".
    pub name_source: &'static str,
    /// The lineages most householders belong to.
    pub surnames: Vec<&'static str>,
}

impl VillageName {
    /// The village as written in an address: 老虎城村 (a name ending in 村 is not doubled).
    pub fn address_name(&self) -> String {
        if self.rc {
            format!("{}社区", self.base)
        } else if self.base.ends_with('村') {
            self.base.clone()
        } else {
            format!("{}村", self.base)
        }
    }
}

/// Names and codes for every village of `t`, in `t.villages` order.
pub fn name_villages(t: &Territory, src: &Sources, rng: &mut ChaCha8Rng) -> Vec<VillageName> {
    let mut out: Vec<Option<VillageName>> = vec![None; t.villages.len()];
    let mut taken: BTreeSet<String> = BTreeSet::new();
    // Every real name anywhere is off limits for synthetic ones.
    let mut real: BTreeSet<String> = BTreeSet::new();
    for l in &src.legacy {
        real.extend(l.villages.iter().cloned());
        real.extend(l.residents_committees.iter().cloned());
    }
    for tw in &src.towns {
        for c in &tw.communities {
            real.insert(c.base_name());
        }
    }

    for (ti, town) in t.towns.iter().enumerate() {
        let src_town = &src.towns[ti];
        let legacy = src.legacy_for(&town.name);
        let mut pool_v: Vec<String> = legacy.villages.clone();
        let mut pool_rc: Vec<String> = legacy.residents_committees.clone();
        // (village index, name, rc, source)
        let mut assigned: BTreeMap<usize, (String, bool, &'static str)> = BTreeMap::new();
        let take = |pool: &mut Vec<String>, name: &str| -> bool {
            if let Some(p) = pool.iter().position(|n| n == name) {
                pool.remove(p);
                true
            } else {
                false
            }
        };
        let vills_of = |ci: usize| -> Vec<usize> {
            t.villages.iter().enumerate().filter(|(_, v)| v.comm == ci).map(|(i, _)| i).collect()
        };

        // Principal settlements first: a listed name matching the community, a merged-from pair, or the
        // community's own name.
        for (k, &ci) in town.comms.iter().enumerate() {
            let comm = &src_town.communities[k];
            let base = comm.base_name();
            let vs = vills_of(ci);
            let principal = vs[0];
            if let Some((_, names)) = MERGED_FROM.iter().find(|(code, _)| *code == comm.code) {
                for (n, name) in names.iter().enumerate() {
                    if n < vs.len() && take(&mut pool_v, name) {
                        assigned.insert(vs[n], (name.to_string(), false, "legacy_list"));
                    }
                }
                continue;
            }
            let matched_rc = pool_rc.iter().find(|n| base.starts_with(n.as_str())).cloned();
            let matched_v = pool_v.iter().find(|n| base.starts_with(n.as_str())).cloned();
            if let Some(n) = matched_rc {
                take(&mut pool_rc, &n);
                assigned.insert(principal, (n, true, "legacy_list"));
            } else if let Some(n) = matched_v {
                take(&mut pool_v, &n);
                assigned.insert(principal, (n, false, "legacy_list"));
            } else if !comm.is_urban() {
                assigned.insert(principal, (base.clone(), false, "synthetic"));
            } else if legacy.residents_committees.is_empty()
                && k == town.comms.iter().position(|&c| t.comms[c].urban).unwrap_or(usize::MAX)
            {
                // A town with no listed committee: its seat's community grew from one.
                assigned.insert(principal, (base.clone(), true, "synthetic"));
            }
        }
        // Listed residents' committees go to the town's urban communities that have none yet.
        for &ci in &town.comms {
            if !t.comms[ci].urban || pool_rc.is_empty() {
                continue;
            }
            let vs = vills_of(ci);
            if vs.iter().any(|v| assigned.get(v).is_some_and(|a| a.1)) {
                continue;
            }
            if let Some(&slot) = vs.iter().find(|v| !assigned.contains_key(v)) {
                let n = pool_rc.remove(0);
                assigned.insert(slot, (n, true, "legacy_list"));
            }
        }
        // Remaining listed village names to the remaining slots, shuffled.
        let mut free: Vec<usize> =
            town.comms.iter().flat_map(|&ci| vills_of(ci)).filter(|v| !assigned.contains_key(v)).collect();
        for i in (1..free.len()).rev() {
            let j = rng.gen_range(0..=i);
            free.swap(i, j);
        }
        for slot in free {
            let (name, source) = if !pool_v.is_empty() {
                (pool_v.remove(0), "legacy_list")
            } else {
                let n = synthetic_name(rng, &real, &taken);
                taken.insert(n.clone());
                (n, "synthetic")
            };
            assigned.insert(slot, (name, false, source));
        }

        // Codes: in reading order of the seats, residents' committees 0xx, villages 2xx; a rural community's
        // principal village keeps the community's own code where the town code is unchanged.
        let then = town_code_of_the_time(&town.code);
        let then_name = town_name_of_the_time(&town.name);
        let idx: Vec<usize> = assigned.keys().copied().collect();
        let seats: Vec<Coord<f64>> = idx.iter().map(|&v| t.villages[v].seat_m).collect();
        let order = reading_order(&seats, 1500.0);
        let mut used: BTreeSet<u32> = BTreeSet::new();
        let mut fixed: BTreeMap<usize, u32> = BTreeMap::new();
        if then == town.code {
            for &v in &idx {
                let c = &t.comms[t.villages[v].comm];
                let (name, rc, _) = &assigned[&v];
                let num: u32 = c.code[9..].parse().unwrap_or(0);
                let comm_base = src_town.communities.iter().find(|s| s.code == c.code).map(|s| s.base_name());
                if t.villages[v].principal && !rc && num >= 200 && comm_base.as_deref() == Some(name.as_str()) {
                    fixed.insert(v, num);
                    used.insert(num);
                }
            }
        }
        let (mut next_rc, mut next_v) = (1u32, 201u32);
        for &o in &order {
            let v = idx[o];
            let rc = assigned[&v].1;
            let num = if let Some(&n) = fixed.get(&v) {
                n
            } else {
                let next = if rc { &mut next_rc } else { &mut next_v };
                while used.contains(next) {
                    *next += 1;
                }
                let n = *next;
                *next += 1;
                n
            };
            used.insert(num);
            let (base, rc, source) = assigned[&v].clone();
            taken.insert(base.clone());
            let surnames = lineages(&base, rng);
            out[v] = Some(VillageName {
                code: format!("{then}{num:03}"),
                name: format!("{base}{}", if rc { "居委会" } else { "村委会" }),
                base,
                rc,
                town_code_then: then.clone(),
                town_name_then: then_name.clone(),
                name_source: source,
                surnames,
            });
        }
    }
    out.into_iter().map(|v| v.expect("every village named")).collect()
}

/// A plausible village name not used anywhere else: 高家坡, 东堡, 李家寨.
fn synthetic_name(rng: &mut ChaCha8Rng, real: &BTreeSet<String>, taken: &BTreeSet<String>) -> String {
    const PLACE: &[&str] = &["堡", "寨", "营", "坡", "沟", "庄", "城", "渠", "湾", "岭", "洼", "原", "店", "滩"];
    const DIR: &[&str] = &["东", "西", "南", "北", "上", "下", "前", "后", "中"];
    loop {
        let s = SURNAMES[rng.gen_range(0..SURNAMES.len())];
        let p = PLACE[rng.gen_range(0..PLACE.len())];
        let name = match rng.gen_range(0..3) {
            0 | 1 => format!("{s}家{p}"),
            _ => format!("{}{s}{p}", DIR[rng.gen_range(0..DIR.len())]),
        };
        if !real.contains(&name) && !taken.contains(&name) {
            return name;
        }
    }
}

/// The village's main lineages: the surname in its name (周家城: 周) and one or two common ones.
fn lineages(name: &str, rng: &mut ChaCha8Rng) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for s in SURNAMES {
        if name.contains(&format!("{s}家")) || (name.chars().count() == 3 && name.contains(s)) {
            out.push(s);
            break;
        }
    }
    while out.len() < 2 {
        let s = SURNAMES[rng.gen_range(0..SURNAMES.len().min(24))];
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}
