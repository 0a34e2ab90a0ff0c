//! The polygon layers from the shared arcs: county, towns, communities, legacy villages and grids, in
//! metres (for laying out units) and in rounded lon/lat (for the files).
//!
//! Arcs are converted to lon/lat and rounded once; every polygon then reuses those rounded points, so
//! vertices shared in metres stay shared, bit for bit, in the files.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use geo::{Coord, MultiPolygon};

use super::territory::Territory;
use super::topology::{self, OUTSIDE, Topology};

/// Coordinates are written to 1e-7 degrees (about 1 cm): small files, and identical input rounds identically.
pub const DEGREE_STEP: f64 = 1e7;

pub fn round_deg(v: f64) -> f64 {
    (v * DEGREE_STEP).round() / DEGREE_STEP
}

/// A level of the hierarchy, as a function from atom to label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    County,
    Town,
    Community,
    Grid,
    Village,
}

/// The label of `atom` at `level` (OUTSIDE stays OUTSIDE).
pub fn label(t: &Territory, topo: &Topology, level: Level, atom: u32) -> u32 {
    if atom == OUTSIDE {
        return OUTSIDE;
    }
    let (g, v) = topo.atoms[atom as usize];
    let comm = t.grids[g as usize].comm;
    match level {
        Level::County => 0,
        Level::Town => t.comms[comm].town as u32,
        Level::Community => comm as u32,
        Level::Grid => u32::from(g),
        Level::Village => u32::from(v),
    }
}

/// Rounded lon/lat points for a metre polyline, consecutive duplicates dropped.
pub fn to_lonlat(t: &Territory, pts: &[Coord<f64>]) -> Result<Vec<Coord<f64>>> {
    let mut c = pts.to_vec();
    t.crs.unproject_coords(&mut c).context("unprojecting an arc")?;
    let mut out: Vec<Coord<f64>> = c.into_iter().map(|p| Coord { x: round_deg(p.x), y: round_deg(p.y) }).collect();
    out.dedup();
    Ok(out)
}

/// Every arc in rounded lon/lat, and the overrides likewise.
pub struct LonLatArcs {
    pub arcs: Vec<Vec<Coord<f64>>>,
    pub overrides: BTreeMap<(usize, u32), Vec<Coord<f64>>>,
}

pub fn lonlat_arcs(
    t: &Territory,
    topo: &Topology,
    overrides_m: &BTreeMap<(usize, u32), Vec<Coord<f64>>>,
) -> Result<LonLatArcs> {
    let arcs = topo.arcs.iter().map(|a| to_lonlat(t, &a.pts)).collect::<Result<Vec<_>>>()?;
    let mut overrides = BTreeMap::new();
    for (k, pts) in overrides_m {
        let mut ll = to_lonlat(t, pts)?;
        // The ends are the arc's own nodes: take them from the arc so they match bit for bit.
        let a = &arcs[k.0];
        ll[0] = a[0];
        let last = ll.len() - 1;
        ll[last] = *a.last().unwrap();
        ll.dedup();
        overrides.insert(*k, ll);
    }
    Ok(LonLatArcs { arcs, overrides })
}

/// Polygons of one level in the given coordinates (`overrides` apply only to the grid level).
pub fn level_polygons(
    t: &Territory,
    topo: &Topology,
    level: Level,
    coords: &[Vec<Coord<f64>>],
    overrides: &BTreeMap<(usize, u32), Vec<Coord<f64>>>,
) -> Result<BTreeMap<u32, MultiPolygon<f64>>> {
    let none = BTreeMap::new();
    let ov = if level == Level::Grid { overrides } else { &none };
    topology::polygons(topo, coords, |a| label(t, topo, level, a), ov)
        .with_context(|| format!("assembling the {level:?} polygons"))
}
