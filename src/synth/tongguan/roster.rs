//! The household roster: which grid, unit and legacy village each household is registered in, and the
//! roster defects planted where real ones occur.
//!
//! Normally a household is registered where it lives. Planted: households near a grid line carried on the
//! neighbour grid's roster; households near a community line still registered in the village across it
//! (merged into the other community); households in a blind spot or just outside the county edge, on the
//! roster of the grid next to them but inside none.

use geo::{Contains, Coord, Point, Polygon};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::defects::{LineDefect, LineKind, SPACING_M};
use super::settlement::{Home, Household, Settlement, planted_row};

use super::territory::{COMM, GRID, Territory, VILL};

/// Where a household is on the roster.
#[derive(Clone, Debug)]
pub struct Registration {
    pub grid: usize,
    pub unit: Option<usize>,
    pub village: usize,
}

/// A planted roster defect: what, which households, where.
#[derive(Clone, Debug)]
pub struct PlantedSite {
    pub kind: &'static str,
    pub households: Vec<usize>,
    pub at_m: Coord<f64>,
    /// The grid or village the roster names instead.
    pub registered_as: String,
}

pub struct Roster {
    pub reg: Vec<Registration>,
    pub sites: Vec<PlantedSite>,
}

const WRONG_GRID_SITES: usize = 6;
const WRONG_GRID_PER_SITE: usize = 3;
const WRONG_VILLAGE_SITES: usize = 2;
const WRONG_VILLAGE_PER_SITE: usize = 4;
const FRINGE: usize = 4;
const BLIND_SPOT_HOUSEHOLDS: usize = 3;

/// Adds the households that lie outside every grid: a few in each blind spot, and a few just outside the
/// county edge. Returns their sites (households indexes filled in).
pub fn plant_outside(
    t: &Territory,
    s: &mut Settlement,
    defects: &[LineDefect],
    avoid: &mut Vec<Coord<f64>>,
    rng: &mut ChaCha8Rng,
) -> Vec<PlantedSite> {
    let mut sites = Vec::new();
    for d in defects.iter().filter(|d| d.kind == LineKind::BlindSpot) {
        let Some((c, (_, yards))) = super::settlement::fit_in_zone(&d.zone_m, &[BLIND_SPOT_HOUSEHOLDS], rng) else {
            tracing::warn!("the planted blind-spot courtyards do not fit the blind spot");
            continue;
        };
        let grid = d.grids[0];
        let mut hh = Vec::new();
        for y in yards {
            hh.push(s.households.len());
            s.households.push(Household {
                unit: None,
                grid,
                home: Home::Courtyard(y),
                members: 0,
                male_head: true,
                planted: Some("blind_spot"),
            });
        }
        sites.push(PlantedSite { kind: "household_uncovered", households: hh, at_m: c, registered_as: String::new() });
    }
    // County fringe: where the edge is most lived-in, a courtyard digitised 35 m beyond the boundary.
    let ring = &t.county_ring_m.0;
    let county = Polygon::new(t.county_ring_m.clone(), vec![]);
    let r = &t.raster;
    let mut cands: Vec<(f64, usize)> = Vec::new();
    for i in (0..ring.len() - 1).step_by(3) {
        let (a, b) = (ring[i], ring[i + 1]);
        let m = Coord { x: (a.x + b.x) / 2.0, y: (a.y + b.y) / 2.0 };
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len = (dx * dx + dy * dy).sqrt();
        if len < 20.0 {
            continue;
        }
        // Counter-clockwise ring: the outside is to the right.
        let (ox, oy) = (dy / len, -dx / len);
        let inner = Coord { x: m.x - 60.0 * ox, y: m.y - 60.0 * oy };
        let dens = r.pixel_at(inner).map_or(0.0, |k| f64::from(t.density[k]));
        cands.push((dens * rng.gen_range(0.5..1.0), i));
    }
    cands.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut placed = 0;
    for &(_, i) in &cands {
        if placed == FRINGE {
            break;
        }
        let (a, b) = (ring[i], ring[i + 1]);
        let m = Coord { x: (a.x + b.x) / 2.0, y: (a.y + b.y) / 2.0 };
        if avoid.iter().any(|q| dist(*q, m) < SPACING_M) {
            continue;
        }
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len = (dx * dx + dy * dy).sqrt();
        let (ox, oy) = (dy / len, -dx / len);
        let at = Coord { x: m.x + 35.0 * ox, y: m.y + 35.0 * oy };
        let yard = planted_row(at, dy.atan2(dx), 1, rng).remove(0);
        if yard.exterior().0.iter().any(|&p| county.contains(&Point(p))) {
            continue;
        }
        // On the roster of the grid just inside.
        let inner = Coord { x: m.x - 30.0 * ox, y: m.y - 30.0 * oy };
        let Some(k) = r.pixel_at(inner).filter(|&k| t.levels[GRID][k] != super::raster::NONE) else { continue };
        let grid = t.levels[GRID][k] as usize;
        let hi = s.households.len();
        s.households.push(Household {
            unit: None,
            grid,
            home: Home::Courtyard(yard),
            members: 0,
            male_head: true,
            planted: Some("county_fringe"),
        });
        sites.push(PlantedSite {
            kind: "household_uncovered",
            households: vec![hi],
            at_m: at,
            registered_as: String::new(),
        });
        avoid.push(m);
        placed += 1;
    }
    for site in &sites {
        for &h in &site.households {
            let mut hr = super::settlement::rng_for(0, 0x40_05E, h as u64 ^ 0xF00D);
            s.households[h].members = hr.gen_range(1..5);
            s.households[h].male_head = hr.gen_bool(0.78);
        }
    }
    sites
}

/// Registrations for every household, with the roster defects planted. `village_at` is the legacy village
/// at a point; `nearest_unit(grid, p)` the unit of a grid nearest to a point.
pub fn register(
    t: &Territory,
    s: &Settlement,
    village_at: &dyn Fn(Coord<f64>) -> usize,
    nearest_unit: &dyn Fn(usize, Coord<f64>) -> Option<usize>,
    avoid: &mut Vec<Coord<f64>>,
    rng: &mut ChaCha8Rng,
) -> Roster {
    let mut reg: Vec<Registration> = s
        .households
        .iter()
        .map(|h| {
            let unit = h.unit.or_else(|| nearest_unit(h.grid, h.centre_m()));
            Registration { grid: h.grid, unit, village: village_at(h.centre_m()) }
        })
        .collect();
    let mut sites = Vec::new();
    let r = &t.raster;
    // Households in order of a shuffled unit list, so sites spread over the county.
    let mut units: Vec<usize> = (0..s.units.len()).collect();
    for i in (1..units.len()).rev() {
        let j = rng.gen_range(0..=i);
        units.swap(i, j);
    }
    // The label across the nearest line of `level`, within `reach` pixels of a point, with the pixel.
    let across = |p: Coord<f64>, level: usize, reach: i64| -> Option<u16> {
        let k0 = r.pixel_at(p)?;
        let own = t.levels[level][k0];
        let (i0, j0) = ((k0 % r.w) as i64, (k0 / r.w) as i64);
        let mut best: Option<(i64, u16)> = None;
        for dj in -reach..=reach {
            for di in -reach..=reach {
                let (i, j) = (i0 + di, j0 + dj);
                if i < 0 || j < 0 || i >= r.w as i64 || j >= r.h as i64 {
                    continue;
                }
                let k = j as usize * r.w + i as usize;
                let l = t.levels[level][k];
                if l != own && l != super::raster::NONE && t.levels[GRID][k] != super::raster::NONE {
                    let d = di * di + dj * dj;
                    if best.is_none_or(|b| d < b.0) {
                        best = Some((d, l));
                    }
                }
            }
        }
        best.map(|b| b.1)
    };
    let lane_like =
        |u: usize| !s.units[u].households.is_empty() && s.households[s.units[u].households[0]].planted.is_none();
    // Units nearest a line of `level` first (how far their centre is from it), ties in shuffled order.
    let nearest_line_first = |level: usize| -> Vec<(f32, usize)> {
        let e = super::raster::edge_distance_m(r, &t.levels[level]);
        let mut v: Vec<(f32, usize)> = units
            .iter()
            .filter(|&&u| lane_like(u))
            .filter_map(|&u| r.pixel_at(s.units[u].centre_m).map(|k| (e[k], u)))
            .collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        v
    };
    // Neighbour grid's roster.
    let mut got = 0;
    for &(e, u) in &nearest_line_first(GRID) {
        let reach = (f64::from(e) / r.px_m).ceil() as i64 + 4;
        if got == WRONG_GRID_SITES {
            break;
        }
        if !lane_like(u) {
            continue;
        }
        let c = s.units[u].centre_m;
        if avoid.iter().any(|q| dist(*q, c) < SPACING_M) {
            continue;
        }
        let Some(other) = across(c, GRID, reach) else { continue };
        let other = other as usize;
        // The households of the unit nearest the other grid.
        let mut hh: Vec<usize> = s.units[u].households.clone();
        hh.truncate(WRONG_GRID_PER_SITE.max(1));
        if hh.len() < WRONG_GRID_PER_SITE {
            continue;
        }
        for &h in &hh {
            reg[h].grid = other;
            reg[h].unit = nearest_unit(other, s.households[h].centre_m());
        }
        let code = other.to_string();
        sites.push(PlantedSite { kind: "household_mismatch", households: hh, at_m: c, registered_as: code });
        avoid.push(c);
        got += 1;
    }
    // Still registered in the village across a community line.
    let mut got = 0;
    for &(e, u) in &nearest_line_first(COMM) {
        let reach = (f64::from(e) / r.px_m).ceil() as i64 + 4;
        if got == WRONG_VILLAGE_SITES {
            break;
        }
        if !lane_like(u) {
            continue;
        }
        let c = s.units[u].centre_m;
        if avoid.iter().any(|q| dist(*q, c) < SPACING_M) {
            continue;
        }
        let Some(k) = r.pixel_at(c) else { continue };
        // The village across: the nearest pixel of another community, its village.
        let Some(v_across) = across_village(t, c, reach) else { continue };
        if t.villages[v_across].comm == t.levels[COMM][k] as usize {
            continue;
        }
        let mut hh: Vec<usize> = s.units[u].households.clone();
        hh.truncate(WRONG_VILLAGE_PER_SITE);
        if hh.len() < WRONG_VILLAGE_PER_SITE {
            continue;
        }
        for &h in &hh {
            reg[h].village = v_across;
        }
        sites.push(PlantedSite {
            kind: "village_elsewhere",
            households: hh,
            at_m: c,
            registered_as: v_across.to_string(),
        });
        avoid.push(c);
        got += 1;
    }
    Roster { reg, sites }
}

/// The village of the nearest pixel in another community, within `reach` pixels.
fn across_village(t: &Territory, p: Coord<f64>, reach: i64) -> Option<usize> {
    let r = &t.raster;
    let k0 = r.pixel_at(p)?;
    let own = t.levels[COMM][k0];
    let (i0, j0) = ((k0 % r.w) as i64, (k0 / r.w) as i64);
    let mut best: Option<(i64, usize)> = None;
    for dj in -reach..=reach {
        for di in -reach..=reach {
            let (i, j) = (i0 + di, j0 + dj);
            if i < 0 || j < 0 || i >= r.w as i64 || j >= r.h as i64 {
                continue;
            }
            let k = j as usize * r.w + i as usize;
            let c = t.levels[COMM][k];
            if c != own && c != super::raster::NONE {
                let d = di * di + dj * dj;
                if best.is_none_or(|b| d < b.0) {
                    best = Some((d, t.levels[VILL][k] as usize));
                }
            }
        }
    }
    best.map(|b| b.1)
}

fn dist(a: Coord<f64>, b: Coord<f64>) -> f64 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}
