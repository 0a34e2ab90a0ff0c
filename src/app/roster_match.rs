//! A household roster without coordinates, placed by address: each row's address is matched to the stored door
//! plates ([`crate::import::address_match`]) and the household is stored at its plate's point (or, matched to a
//! lane or building by name, at the unit's representative point). The roster's `grid_code` is kept as the
//! roster says, so coverage shows the households registered in another grid than the one their door is in.
//!
//! Rows that end ambiguous or unmatched are listed; they refuse the import unless the person asks to store only
//! the rows placed (`--placed-only`). A dry run lists them and writes nothing.

use std::collections::BTreeMap;
use std::path::Path;

use geo::{Geometry, Point};
use serde_json::Value;

use super::error::{Error, Result};
use super::import_source::{Options, Report, listed};
use crate::import::SourceRead;
use crate::import::address_match::{Candidate, How, Matcher, Outcome};
use crate::import::columns::{self, Target};
use crate::model::{Feature, Layer};
use crate::store::AnyStore;

/// What matching a roster by address did.
#[derive(Clone, Debug, Default)]
pub struct Matched {
    pub rows: usize,
    /// Rows placed, by how (in words).
    pub placed: BTreeMap<&'static str, usize>,
    /// Row, address, candidates with their scores.
    pub ambiguous: Vec<(String, String, Vec<Candidate>)>,
    /// Row and address (empty: the row has none).
    pub unmatched: Vec<(String, String)>,
    /// Whether the ambiguous and unmatched rows were left out of what is stored (`--placed-only`).
    pub left_out: bool,
}

impl Matched {
    /// Rows placed.
    pub fn placed_rows(&self) -> usize {
        self.placed.values().sum()
    }
}

/// Whether a file of `layer` is a roster to place by address: households, no geometry and no coordinate
/// columns, an address column.
pub fn applies(layer: Layer, read: &SourceRead, plan: &[(String, Target)]) -> bool {
    layer == Layer::Households
        && read.rows.iter().all(|r| r.geometry.is_none())
        && !plan.iter().any(|(_, t)| matches!(t, Target::Lon | Target::Lat))
        && plan.iter().any(|(_, t)| *t == Target::Property("address".into()))
}

/// One candidate in words: `code (0.86)`.
fn candidate(c: &Candidate) -> String {
    format!("{} ({:.2})", c.code, c.score)
}

/// The roster's rows as households placed at their door plates, with the report.
pub async fn read_by_address(store: &AnyStore, path: &Path, read: &SourceRead, plan: &[(String, Target)], opts: &Options) -> Result<(Vec<Feature>, Report)> {
    let atlas = super::load::store_atlas(store).await?;
    let Some(plates) = atlas.layer(Layer::Addresses) else {
        return Err(Error::BadInput(format!(
            "{}: 文件没有坐标列，按地址定位需要已存的门牌地址图层，但库中没有；请先导入门牌（addresses.geojson），或提供经度/纬度列 \
             (no coordinate columns, and no door plates are stored to match the addresses against: import addresses first, or give lon/lat columns)",
            path.display()
        )));
    };
    let units = atlas.layer(Layer::Units);
    let unit_names: Vec<(String, String)> =
        units.map(|l| l.features.iter().map(|u| (u.code.clone(), u.name().to_string())).collect()).unwrap_or_default();
    let mut prefixes: Vec<String> = Vec::new();
    for layer in [Layer::County, Layer::Towns] {
        for f in atlas.layer(layer).map_or(&[][..], |l| &l.features[..]) {
            prefixes.push(f.name().to_string());
        }
    }
    let plate_list: Vec<(String, String)> =
        plates.features.iter().map(|f| (f.code.clone(), f.nonempty_prop("address").unwrap_or_default().to_string())).collect();
    let matcher = Matcher::new(&plate_list, &unit_names, &prefixes);
    let unit_points = atlas.points(Layer::Units);
    let mut m = Matched { rows: read.rows.len(), left_out: opts.placed_only, ..Matched::default() };
    let mut report = Report {
        format: read.format.to_string(),
        crs: "无坐标，按门牌地址定位（no coordinates: placed at door plates by address）".into(),
        encoding: read.encoding.clone().unwrap_or_default(),
        features: 0,
        columns: plan
            .iter()
            .filter_map(|(src, t)| match t {
                Target::Property(p) if p != src => Some((src.clone(), p.clone())),
                _ => None,
            })
            .collect(),
        ..Report::default()
    };
    let mut features = Vec::new();
    for row in &read.rows {
        let mapped = columns::apply(plan, &row.columns, |f| report.flags.push(format!("{}: {f}", row.place)));
        let address = mapped.properties.get("address").and_then(Value::as_str).unwrap_or_default().trim().to_string();
        let outcome = if address.is_empty() { Outcome::Unmatched } else { matcher.place(&address) };
        let (how, at) = match outcome {
            Outcome::Placed { how, at } => (how, at),
            Outcome::Ambiguous(c) => {
                m.ambiguous.push((row.place.clone(), address, c));
                continue;
            }
            Outcome::Unmatched => {
                m.unmatched.push((row.place.clone(), address));
                continue;
            }
        };
        // Where the household is stored, and the unit its door is in.
        let (point, unit) = if how == How::Unit {
            let i = units.and_then(|l| l.index_of(&at.code)).expect("a matched unit is stored");
            (unit_points.get(i).map(|(_, ll)| ll), Some(at.code.clone()))
        } else {
            let plate = plates.get(&at.code).expect("a matched plate is stored");
            let p = match plate.geometry {
                Geometry::Point(p) => Some(p.0),
                _ => None,
            };
            (p, plate.nonempty_prop("unit_code").map(str::to_string))
        };
        let Some(point) = point else {
            m.unmatched.push((row.place.clone(), address));
            continue;
        };
        *m.placed.entry(how.zh()).or_default() += 1;
        let mut properties = mapped.properties;
        let code = match properties.get("code") {
            Some(Value::String(s)) => s.trim().to_string(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        if code.is_empty() {
            return Err(Error::BadInput(format!("{}: {}: 没有户号（no household code; map a column to code with --map 列名=code）", path.display(), row.place)));
        }
        properties.insert("code".into(), Value::String(code.clone()));
        // The roster's grid is kept as it says (empty if it says none): coverage shows where it is wrong. The
        // unit and the legacy village, when the roster does not give them, are where the door is.
        properties.entry("grid_code").or_insert_with(|| Value::String(String::new()));
        properties.entry("unit_code").or_insert_with(|| Value::String(unit.unwrap_or_default()));
        if !properties.contains_key("village_code") {
            let village = atlas.owner(Layer::Villages, point).and_then(|i| atlas.layer(Layer::Villages)?.features.get(i)).map(|v| v.code.clone());
            properties.insert("village_code".into(), Value::String(village.unwrap_or_default()));
        }
        features.push(Feature { code, properties, geometry: Geometry::Point(Point(point)) });
    }
    report.features = features.len();
    let refused = !m.ambiguous.is_empty() || !m.unmatched.is_empty();
    if refused && !opts.dry_run && !opts.placed_only {
        let mut items: Vec<String> =
            m.ambiguous.iter().map(|(r, a, c)| format!("{r}: {a} 有多个可能的门牌（ambiguous）: {}", c.iter().map(candidate).collect::<Vec<_>>().join(", "))).collect();
        items.extend(m.unmatched.iter().map(|(r, a)| format!("{r}: {} 找不到门牌（unmatched）", if a.is_empty() { "（无地址）" } else { a })));
        return Err(Error::BadInput(listed(
            format!(
                "{}: 未写入任何数据：{} 行中 {} 行有多个可能的门牌，{} 行找不到门牌；请核对地址，或加 --placed-only 只导入已定位的 {} 行 \
                 (nothing imported: {} ambiguous and {} unmatched rows; check the addresses, or use --placed-only to store the {} rows placed):",
                path.display(),
                m.rows,
                m.ambiguous.len(),
                m.unmatched.len(),
                m.placed_rows(),
                m.ambiguous.len(),
                m.unmatched.len(),
                m.placed_rows()
            ),
            &items,
        )));
    }
    report.matched = Some(m);
    Ok((features, report))
}

/// The matching section of an import's report, Chinese first.
pub fn describe(m: &Matched, dry_run: bool) -> String {
    let mut s = format!(
        "按地址匹配门牌（matched by address）: {} 行，已定位 {}，多个可能 {}，找不到 {}\n",
        m.rows,
        m.placed_rows(),
        m.ambiguous.len(),
        m.unmatched.len()
    );
    for (how, n) in &m.placed {
        s.push_str(&format!("  {how}: {n}\n"));
    }
    for (r, a, c) in m.ambiguous.iter().take(50) {
        s.push_str(&format!("  多个可能（ambiguous） {r}: {a} → {}\n", c.iter().map(candidate).collect::<Vec<_>>().join(", ")));
    }
    for (r, a) in m.unmatched.iter().take(50) {
        s.push_str(&format!("  找不到（unmatched） {r}: {}\n", if a.is_empty() { "（无地址）" } else { a }));
    }
    let more = (m.ambiguous.len() + m.unmatched.len()).saturating_sub(100);
    if more > 0 {
        s.push_str(&format!("  ... 另有 {more} 行（and {more} more）\n"));
    }
    if m.ambiguous.len() + m.unmatched.len() > 0 {
        s.push_str(&if dry_run {
            "  试运行：导入时这些行会被拒绝，除非加 --placed-only 只导入已定位的行（a real import refuses them unless --placed-only）\n".to_string()
        } else {
            format!("  --placed-only：只导入了已定位的 {} 行，以上各行未导入（only the rows placed were stored）\n", m.placed_rows())
        });
    }
    s
}
