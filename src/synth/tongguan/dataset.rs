//! The layers in the data contract's form: codes, names, people and properties, geometry in rounded
//! lon/lat.
//!
//! Numbering follows the coding rule everywhere (west to east, then north to south): grids inside their
//! community, units inside their grid, buildings inside their community; lanes are grouped into villager
//! groups (村民小组) of about 36 households, numbered across the village.

use std::collections::BTreeMap;

use anyhow::Result;
use geo::{Area, Centroid, Coord, Geometry, LineString, MultiPolygon, Point, Polygon};
use rand::Rng;
use serde_json::{Map, Value, json};

use super::layers::{Level, round_deg};
use super::people::{chinese_number, name, name_with, phone};
use super::plates::{Door, door_plates};
use super::roster::Roster;
use super::settlement::{Home, Settlement, UnitKind, rng_for};
use super::sources::Sources;
use super::territory::Territory;
use super::villages::VillageName;
use crate::atlas::numbering::reading_order;
use crate::model::code::{CommunityCode, GridCode, UnitCode};
use crate::model::{Dataset, Feature, Layer};

/// Households a grid is meant to hold (the target band is the checker's business).
pub const TARGET_HOUSEHOLDS: u32 = 400;

/// Codes of every grid: community code + 3-digit sequence in reading order of the grids' centroids.
pub fn grid_codes(t: &Territory, grid_polys_m: &BTreeMap<u32, MultiPolygon<f64>>) -> Vec<String> {
    let mut codes = vec![String::new(); t.grids.len()];
    for (ci, c) in t.comms.iter().enumerate() {
        let gs: Vec<usize> = (0..t.grids.len()).filter(|&g| t.grids[g].comm == ci).collect();
        let cents: Vec<Coord<f64>> =
            gs.iter().map(|&g| grid_polys_m[&(g as u32)].centroid().map_or(t.grids[g].seed_m, |p| p.0)).collect();
        let mean_area: f64 =
            gs.iter().map(|&g| grid_polys_m[&(g as u32)].unsigned_area()).sum::<f64>() / gs.len().max(1) as f64;
        let community: CommunityCode = c.code.parse().expect("official community codes are 12 digits");
        for (seq, &o) in reading_order(&cents, mean_area.sqrt() * 0.8).iter().enumerate() {
            codes[gs[o]] = GridCode::new(&community, seq as u16 + 1).to_string();
        }
    }
    codes
}

pub struct Assembled {
    pub ds: Dataset,
    pub unit_codes: Vec<String>,
    pub household_codes: Vec<String>,
}

pub struct Inputs<'a> {
    pub t: &'a Territory,
    pub src: &'a Sources,
    pub villages: &'a [VillageName],
    pub polys_ll: &'a BTreeMap<Level, BTreeMap<u32, MultiPolygon<f64>>>,
    pub grid_codes: &'a [String],
    pub settlement: &'a Settlement,
    pub roster: &'a Roster,
    /// The grid planted with no manager.
    pub unstaffed: Option<usize>,
    pub seed: u64,
}

pub fn assemble(i: &Inputs) -> Result<Assembled> {
    let t = i.t;
    let s = i.settlement;
    let mut ds = Dataset::default();
    let feature = |code: String, props: Map<String, Value>, geometry: Geometry<f64>| {
        let mut all = Map::new();
        all.insert("code".into(), code.clone().into());
        all.extend(props);
        Feature { code, properties: all, geometry }
    };
    let poly = |lvl: Level, l: u32| Geometry::MultiPolygon(i.polys_ll[&lvl][&l].clone());

    let county_code = i.src.county_code.clone();
    ds.layers.insert(
        Layer::County,
        vec![feature(county_code.clone(), obj(json!({"name": i.src.county_name})), poly(Level::County, 0))],
    );

    let mut towns = Vec::new();
    for (ti, tw) in t.towns.iter().enumerate() {
        towns.push(feature(
            tw.code.clone(),
            obj(json!({"name": tw.name, "county_code": county_code})),
            poly(Level::Town, ti as u32),
        ));
    }
    ds.layers.insert(Layer::Towns, towns);

    let short = |ci: usize| {
        let n = &t.comms[ci].name;
        n.strip_suffix("居委会").or_else(|| n.strip_suffix("委会")).unwrap_or(n).to_string()
    };
    let mut comms = Vec::new();
    for (ci, c) in t.comms.iter().enumerate() {
        let mut rng = rng_for(i.seed, 0x5EC, ci as u64);
        comms.push(feature(
            c.code.clone(),
            obj(json!({
                "name": c.name,
                "town_code": t.towns[c.town].code,
                "kind": if c.urban { "urban" } else { "rural" },
                "secretary": name(&mut rng, 0.6),
                "secretary_phone": phone(&mut rng),
            })),
            poly(Level::Community, ci as u32),
        ));
    }
    ds.layers.insert(Layer::Communities, comms);

    let mut vills = Vec::new();
    for (vi, v) in i.villages.iter().enumerate() {
        vills.push(feature(
            v.code.clone(),
            obj(json!({
                "name": v.name,
                "town_code": v.town_code_then,
                "merged_into": t.comms[t.villages[vi].comm].code,
                "town_name": v.town_name_then,
                "name_source": v.name_source,
            })),
            poly(Level::Village, vi as u32),
        ));
    }
    ds.layers.insert(Layer::Villages, vills);

    let mut grids = Vec::new();
    for (gi, g) in t.grids.iter().enumerate() {
        let mut rng = rng_for(i.seed, 0x6_A1D0, gi as u64);
        let seq: u16 = i.grid_codes[gi][12..].parse()?;
        let mut props = obj(json!({
            "name": format!("{}第{}网格", short(g.comm), seq),
            "community_code": t.comms[g.comm].code,
        }));
        let (mgr, mgr_phone) = (name(&mut rng, 0.55), phone(&mut rng));
        if i.unstaffed != Some(gi) {
            props.insert("manager".into(), mgr.into());
            props.insert("manager_phone".into(), mgr_phone.into());
        }
        props.insert("target_households".into(), TARGET_HOUSEHOLDS.into());
        grids.push(feature(i.grid_codes[gi].clone(), props, poly(Level::Grid, gi as u32)));
    }
    ds.layers.insert(Layer::Grids, grids);

    // Units: codes in reading order inside their grid.
    let mut unit_codes = vec![String::new(); s.units.len()];
    for gi in 0..t.grids.len() {
        let us: Vec<usize> = (0..s.units.len()).filter(|&u| s.units[u].grid == gi).collect();
        let cents: Vec<Coord<f64>> = us.iter().map(|&u| s.units[u].centre_m).collect();
        let grid: GridCode = i.grid_codes[gi].parse()?;
        for (seq, &o) in reading_order(&cents, 40.0).iter().enumerate() {
            unit_codes[us[o]] = UnitCode::new(&grid, seq as u16 + 1).to_string();
        }
    }
    // Buildings: numbers (号楼) in reading order inside their community.
    let mut building_no = vec![0u32; s.units.len()];
    for ci in 0..t.comms.len() {
        let bs: Vec<usize> = (0..s.units.len())
            .filter(|&u| s.units[u].kind == UnitKind::Building && t.grids[s.units[u].grid].comm == ci)
            .collect();
        let cents: Vec<Coord<f64>> = bs.iter().map(|&u| s.units[u].centre_m).collect();
        for (n, &o) in reading_order(&cents, 40.0).iter().enumerate() {
            building_no[bs[o]] = n as u32 + 1;
        }
    }
    // Lanes: villager groups of about 36 households, numbered across the village; house numbers in a group.
    let mut lanes_by_village: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (u, unit) in s.units.iter().enumerate() {
        if unit.kind == UnitKind::Lane {
            lanes_by_village.entry(unit.village).or_default().push(u);
        }
    }
    let mut group_of = vec![0u32; s.units.len()];
    let mut lane_in_group = vec![0u32; s.units.len()];
    let mut house_no = vec![0u32; s.households.len()];
    let mut group_members: BTreeMap<(usize, u32), Vec<usize>> = BTreeMap::new();
    for (&v, lanes) in &lanes_by_village {
        let mut lanes = lanes.clone();
        lanes.sort_by(|&a, &b| unit_codes[a].cmp(&unit_codes[b]));
        let (mut group, mut in_group, mut lane_k, mut last_grid) = (0u32, 0usize, 0u32, usize::MAX);
        for u in lanes {
            let unit = &s.units[u];
            if group == 0 || in_group >= 36 || unit.grid != last_grid {
                group += 1;
                in_group = 0;
                lane_k = 0;
                last_grid = unit.grid;
            }
            lane_k += 1;
            group_of[u] = group;
            lane_in_group[u] = lane_k;
            for &h in &unit.households {
                in_group += 1;
                house_no[h] = in_group as u32;
            }
            group_members.entry((v, group)).or_default().push(u);
        }
    }

    // Household heads and phones first: unit heads are chosen among them.
    let mut heads = Vec::with_capacity(s.households.len());
    let mut phones = Vec::with_capacity(s.households.len());
    let mut tags: Vec<Vec<&'static str>> = Vec::with_capacity(s.households.len());
    for (hi, h) in s.households.iter().enumerate() {
        let mut rng = rng_for(i.seed, 0x4EAD, hi as u64);
        let lineage =
            h.unit.filter(|&u| s.units[u].kind == UnitKind::Lane).map(|u| &i.villages[s.units[u].village].surnames);
        let head = match lineage {
            Some(ls) if rng.gen_bool(0.55) => {
                let sn = ls[rng.gen_range(0..ls.len())];
                name_with(&mut rng, sn, if h.male_head { 1.0 } else { 0.0 })
            }
            _ => name(&mut rng, if h.male_head { 1.0 } else { 0.0 }),
        };
        heads.push(head);
        phones.push(phone(&mut rng));
        let mut tg = Vec::new();
        if h.members == 1 && rng.gen_bool(0.45) {
            tg.push("elderly_alone");
        }
        if rng.gen_bool(0.02) {
            tg.push("disabled");
        }
        if rng.gen_bool(0.035) {
            tg.push("low_income");
        }
        tags.push(tg);
    }

    let mut units = Vec::new();
    for (u, unit) in s.units.iter().enumerate() {
        let mut rng = rng_for(i.seed, 0x0417, u as u64);
        let hh = &unit.households;
        let head_h = hh.get(hh.len() / 2).copied();
        let (name_, leader) = match unit.kind {
            UnitKind::Lane => {
                let v = &i.villages[unit.village];
                let g = group_of[u];
                let members = &group_members[&(unit.village, g)];
                // The group leader lives in the group: the head of a household of its first lane.
                let first = &s.units[members[0]].households;
                let leader = first.get(rng.gen_range(0..first.len().max(1))).map(|&h| heads[h].clone());
                (format!("{}{}组{}巷", v.address_name(), chinese_number(g), lane_in_group[u]), leader)
            }
            UnitKind::Building => {
                let leader = hh.get(rng.gen_range(0..hh.len().max(1))).map(|&h| heads[h].clone());
                (format!("{}{}号楼", short(t.grids[unit.grid].comm), building_no[u]), leader)
            }
        };
        let mut props = obj(json!({
            "name": name_,
            "grid_code": i.grid_codes[unit.grid],
            "kind": if unit.kind == UnitKind::Lane { "lane" } else { "building" },
        }));
        let leader = leader.unwrap_or_else(|| name(&mut rng, 0.7));
        props.insert("leader".into(), leader.into());
        if let Some(h) = head_h {
            props.insert("head".into(), heads[h].clone().into());
            props.insert("head_phone".into(), phones[h].clone().into());
        }
        units.push(feature(
            unit_codes[u].clone(),
            props,
            Geometry::MultiPolygon(MultiPolygon(vec![to_ll_poly(t, &unit.poly_m)?])),
        ));
    }
    ds.layers.insert(Layer::Units, units);

    // Households: a roster serial in order of grid, unit and address.
    let mut order: Vec<usize> = (0..s.households.len()).collect();
    let key = |h: usize| {
        let hh = &s.households[h];
        let unit = hh.unit.map_or("~".to_string(), |u| unit_codes[u].clone());
        (i.grid_codes[hh.grid].clone(), unit, h)
    };
    order.sort_by_key(|&h| key(h));
    let mut household_codes = vec![String::new(); s.households.len()];
    for (n, &h) in order.iter().enumerate() {
        household_codes[h] = format!("{county_code}{:07}", n + 1);
    }
    let mut hhs = Vec::new();
    let mut doors = Vec::new();
    for &h in &order {
        let hh = &s.households[h];
        let reg = &i.roster.reg[h];
        let town = &t.towns[t.comms[t.grids[hh.grid].comm].town].name;
        // The street (the part before the number) and the number of a household's door, where it has one.
        let door = match (&hh.home, hh.unit) {
            (Home::Flat { stair, room, .. }, Some(u)) => {
                Some((u, short(t.grids[hh.grid].comm), format!("{}号楼{}单元{}", building_no[u], stair, room)))
            }
            (Home::Courtyard(_), Some(u)) => Some((
                u,
                format!("{}{}组", i.villages[s.units[u].village].address_name(), chinese_number(group_of[u])),
                format!("{}号", house_no[h]),
            )),
            _ => None,
        };
        let address = match &door {
            Some((_, street, number)) => format!("{}{}{}{}", i.src.county_name, town, street, number),
            // Outside every unit: the roster still carries an address of its village, with no number.
            None => format!("{}{}{}", i.src.county_name, town, i.villages[reg.village].address_name()),
        };
        let mut props = obj(json!({
            "grid_code": i.grid_codes[reg.grid],
            "unit_code": reg.unit.map_or(String::new(), |u| unit_codes[u].clone()),
            "village_code": i.villages[reg.village].code,
            "address": address,
            "head": heads[h],
            "members": hh.members,
            "phone": phones[h],
        }));
        if !tags[h].is_empty() {
            props.insert("tags".into(), json!(tags[h]));
        }
        let geometry = match &hh.home {
            Home::Courtyard(p) => Geometry::MultiPolygon(MultiPolygon(vec![to_ll_poly(t, p)?])),
            Home::Flat { at, .. } => {
                let ll = t.crs.unproject(at.x, at.y)?;
                Geometry::Point(Point::new(round_deg(ll.x), round_deg(ll.y)))
            }
        };
        if let Some((u, street, number)) = door {
            doors.push(Door {
                address: address.clone(),
                street,
                number,
                unit_code: unit_codes[u].clone(),
                community_code: t.comms[t.grids[s.units[u].grid].comm].code.clone(),
                home: geometry.clone(),
            });
        }
        hhs.push(feature(household_codes[h].clone(), props, geometry));
    }
    ds.layers.insert(Layer::Households, hhs);
    ds.layers.insert(Layer::Addresses, door_plates(&doors));

    for fs in ds.layers.values_mut() {
        fs.sort_by(|a, b| a.code.cmp(&b.code));
    }
    Ok(Assembled { ds, unit_codes, household_codes })
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// A metre polygon in rounded lon/lat.
pub fn to_ll_poly(t: &Territory, p: &Polygon<f64>) -> Result<Polygon<f64>> {
    let ext = super::layers::to_lonlat(t, &p.exterior().0)?;
    let ints =
        p.interiors().iter().map(|r| super::layers::to_lonlat(t, &r.0).map(LineString)).collect::<Result<Vec<_>>>()?;
    Ok(Polygon::new(LineString(ext), ints))
}
