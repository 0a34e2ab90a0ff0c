//! `gridmap locate LON LAT [--crs C] [DIR]`: who is responsible for a spot, from a dataset directory or the
//! store. Names and phones are masked unless `--unmasked`. Exit code 0 inside the county, 1 outside it.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::Value;

use super::StoreArgs;
use super::source::source;
use crate::accounts::{Role, Scope};
use crate::app::load;
use crate::app::locate::{MAX_RADIUS_M, locate_json, parse_point};
use crate::app::privacy::{Access, Viewer};
use crate::atlas::locate::DEFAULT_RADIUS_M;

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per level, for people.
    Text,
    /// The same JSON object as `GET /api/v1/locate`.
    Json,
}

#[derive(Args, Debug)]
#[command(allow_negative_numbers = true)]
pub struct LocateArgs {
    /// Longitude, degrees east
    pub lon: String,
    /// Latitude, degrees north
    pub lat: String,
    /// A dataset directory to read instead of the store
    pub dir: Option<PathBuf>,
    /// CRS of LON LAT: wgs84 (or cgcs2000), gcj02 (AMap, WeChat, Tencent) or bd09 (Baidu)
    #[arg(long, default_value = "wgs84")]
    pub crs: String,
    /// Report the nearest household within this many metres when none contains the point
    #[arg(long, default_value_t = DEFAULT_RADIUS_M)]
    pub radius_m: f64,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Show names and phone numbers in full (masked by default)
    #[arg(long)]
    pub unmasked: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Runs `gridmap locate`; returns the exit code (0 inside the county, 1 outside).
pub async fn run(args: LocateArgs) -> anyhow::Result<i32> {
    let p = parse_point(Some(&args.lon), Some(&args.lat), Some(&args.crs))?;
    if !(0.0..=MAX_RADIUS_M).contains(&args.radius_m) {
        anyhow::bail!("--radius-m {} must be between 0 and {MAX_RADIUS_M}", args.radius_m);
    }
    let atlas = load::analysable(&source(args.dir.as_deref(), None, &args.store)).await?.atlas;
    // The command line reads the store or files directly, so whoever runs it already holds the data: the
    // flag only chooses what is printed.
    let access = if args.unmasked {
        Access::new(Viewer { actor: "cli".into(), role: Role::Admin, scope: Scope::County })
    } else {
        // Masked people, households shown (as a planner sees them; anonymous callers get none).
        Access::new(Viewer { actor: "cli".into(), role: Role::Planner, scope: Scope::County })
    };
    let v = locate_json(&atlas, &p, args.radius_m, &access);
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&v)?),
        Format::Text => print!("{}", text(&v)),
    }
    Ok(if v["inside_county"].as_bool() == Some(true) { 0 } else { 1 })
}

/// The locate answer as lines for people.
pub fn text(v: &Value) -> String {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let mut out = String::new();
    let q = &v["query"];
    out.push_str(&format!(
        "点 {} {} ({}) → WGS84 {:.6}, {:.6}\n",
        q["lon"], q["lat"], s(&q["crs"]), v["lonlat"][0].as_f64().unwrap_or(f64::NAN), v["lonlat"][1].as_f64().unwrap_or(f64::NAN)
    ));
    let line = |label: &str, f: &Value, people: &[(&str, &str)]| -> Option<String> {
        if f.is_null() {
            return None;
        }
        let mut l = format!("{label:<8} {} {}", s(&f["name"]), s(&f["code"]));
        for (key, title) in people {
            if let Some(x) = f[*key].as_str() {
                l.push_str(&format!("  {title} {x}"));
            }
        }
        Some(l + "\n")
    };
    for (label, key, people) in [
        ("县", "county", &[][..]),
        ("镇/街道", "town", &[][..]),
        ("社区", "community", &[("secretary", "书记"), ("secretary_phone", "电话")][..]),
        ("原行政村", "village", &[][..]),
        ("网格", "grid", &[("manager", "网格员"), ("manager_phone", "电话")][..]),
        ("巷道/楼栋", "unit", &[("leader", "组长"), ("head", "巷长/楼长"), ("head_phone", "电话")][..]),
    ] {
        out.extend(line(label, &v[key], people));
    }
    let h = &v["household"];
    if !h.is_null() {
        let how = if h["match"] == "inside" { "点在其院落内".to_string() } else { format!("最近, {} 米", h["distance_m"]) };
        out.push_str(&format!(
            "{:<8} {} {} {} {}  ({how})\n",
            "户",
            s(&h["code"]),
            s(&h["head"]),
            s(&h["address"]),
            s(&h["phone"])
        ));
    }
    if let Some(also) = v["also"].as_object() {
        for (k, codes) in also {
            out.push_str(&format!("also in {k}: {codes}\n"));
        }
    }
    out.push_str(&s(&v["message"]));
    out.push('\n');
    out
}
