//! The real inputs, read from `geodata/sources/`: the county boundary, the official towns and communities,
//! and the partial list of pre-2015 village names.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use geo::{Coord, LineString};
use serde_json::Value;

/// File names inside the sources directory (copied unchanged from the project's shared data).
pub const COUNTY_FILE: &str = "tongguan_county_wgs84.geojson";
pub const DIVISIONS_FILE: &str = "tongguan_divisions.json";
pub const LEGACY_FILE: &str = "tongguan_legacy_names.json";

/// One official community (NBS 统计用区划代码).
#[derive(Clone, Debug)]
pub struct CommunitySrc {
    pub code: String,
    /// The official name, e.g. 吴村中心社区居委会.
    pub name: String,
    /// 居委会 or 村委会.
    pub nbs_type: String,
}

impl CommunitySrc {
    /// The name people use: the official name without 居委会 / 委会 (吴村中心社区, 老虎城村).
    pub fn short_name(&self) -> String {
        let n = self.name.strip_suffix("居委会").or_else(|| self.name.strip_suffix("委会")).unwrap_or(&self.name);
        n.to_string()
    }

    /// The bare place name (吴村中心, 老虎城): without 社区 / 村 and the committee suffix.
    pub fn base_name(&self) -> String {
        let s = self.short_name();
        s.strip_suffix("社区").or_else(|| s.strip_suffix("村")).unwrap_or(&s).to_string()
    }

    pub fn is_urban(&self) -> bool {
        self.nbs_type == "居委会"
    }
}

#[derive(Clone, Debug)]
pub struct TownSrc {
    pub code: String,
    pub name: String,
    pub communities: Vec<CommunitySrc>,
}

/// Pre-2015 names of one town as seen in public sources.
#[derive(Clone, Debug, Default)]
pub struct LegacyTown {
    /// The key as written in the file, e.g. "城关镇 (now 城关街道)".
    pub key: String,
    pub villages: Vec<String>,
    pub residents_committees: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Sources {
    pub county_code: String,
    pub county_name: String,
    /// The county's exterior ring, lon/lat, as in the source file.
    pub county_ring_lonlat: LineString<f64>,
    pub towns: Vec<TownSrc>,
    pub legacy: Vec<LegacyTown>,
}

impl Sources {
    /// The legacy names for a current town (matched on the town name at the start of the file's key, with
    /// 城关街道 matching the 城关镇 of the time).
    pub fn legacy_for(&self, town_name: &str) -> LegacyTown {
        let then = if town_name == "城关街道" { "城关镇" } else { town_name };
        self.legacy.iter().find(|l| l.key.starts_with(then)).cloned().unwrap_or_default()
    }
}

pub fn read(dir: &Path) -> Result<Sources> {
    let load = |f: &str| -> Result<Value> {
        let p = dir.join(f);
        let text = fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", p.display()))
    };

    let county = load(COUNTY_FILE)?;
    let feat = county["features"].get(0).context("county file has no feature")?;
    let geom = &feat["geometry"];
    let rings = match geom["type"].as_str() {
        Some("Polygon") => &geom["coordinates"],
        Some("MultiPolygon") => {
            let parts = geom["coordinates"].as_array().context("bad MultiPolygon")?;
            if parts.len() != 1 {
                bail!("the county boundary has {} parts; one is expected", parts.len());
            }
            &parts[0]
        }
        other => bail!("unexpected county geometry {other:?}"),
    };
    let ext = rings.get(0).and_then(Value::as_array).context("county has no exterior ring")?;
    let coords: Vec<Coord<f64>> = ext
        .iter()
        .map(|c| {
            let x = c.get(0).and_then(Value::as_f64);
            let y = c.get(1).and_then(Value::as_f64);
            match (x, y) {
                (Some(x), Some(y)) => Ok(Coord { x, y }),
                _ => bail!("bad coordinate {c}"),
            }
        })
        .collect::<Result<_>>()?;

    let div = load(DIVISIONS_FILE)?;
    let s = |v: &Value, k: &str| -> Result<String> {
        v[k].as_str().map(str::to_string).with_context(|| format!("missing {k} in {DIVISIONS_FILE}"))
    };
    let mut towns = Vec::new();
    for t in div["towns"].as_array().context("no towns")? {
        let mut communities = Vec::new();
        for c in t["communities"].as_array().context("no communities")? {
            communities.push(CommunitySrc { code: s(c, "code")?, name: s(c, "name")?, nbs_type: s(c, "nbs_type")? });
        }
        towns.push(TownSrc { code: s(t, "code")?, name: s(t, "name")?, communities });
    }

    let leg = load(LEGACY_FILE)?;
    let strings = |v: &Value| -> Vec<String> {
        v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
    };
    let mut legacy = Vec::new();
    if let Some(m) = leg["towns"].as_object() {
        for (key, v) in m {
            legacy.push(LegacyTown {
                key: key.clone(),
                villages: strings(&v["villages"]),
                residents_committees: strings(&v["residents_committees"]),
            });
        }
    }

    Ok(Sources {
        county_code: s(&div["county"], "code")?,
        county_name: s(&div["county"], "name")?,
        county_ring_lonlat: LineString(coords),
        towns,
        legacy,
    })
}
