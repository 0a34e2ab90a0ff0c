//! `gridmap check`: the coverage rules of the data contract over a dataset directory or a store, as a report.
//!
//! Exit status: 0 when no defect is found above the thresholds, 1 when some are, 2 on bad input.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

use super::StoreArgs;
use super::source::source;
use crate::app::load::{self, Analysable};
use crate::atlas::coverage::{Defect, Report, Settings, report};
use crate::model::crs::MetricCrs;
use crate::model::crs::InputCrs;
use crate::store::HouseholdProps;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable table per town and community, then the defects
    Text,
    /// DATA.md's report: {"summary": [...], "defects": FeatureCollection}
    Json,
    /// The defects alone, as a GeoJSON FeatureCollection (opens in QGIS)
    Geojson,
    /// The summary rows as CSV
    Csv,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// A dataset directory in the data contract's form (invalid geometry is reported and repaired, not refused);
    /// without it, the store (--store / --database-url, default data/gridmap.gpkg) is checked
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// CRS of the directory's files: wgs84, cgcs2000, gcj02, bd09 or EPSG:NNNN [default: lon/lat]
    #[arg(long)]
    pub crs: Option<InputCrs>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// A gap no wider than this (diameter of its largest inscribed circle, metres) is a sliver, wider a blind spot
    #[arg(long, default_value_t = 2.0, value_name = "M")]
    pub sliver_width_m: f64,
    /// Gaps, overlaps and spill smaller than this (square metres) are not reported as defects
    #[arg(long, default_value_t = 1.0, value_name = "M2")]
    pub min_area_m2: f64,
    /// The band of households a grid should hold
    #[arg(long, default_value = "300..500", value_name = "MIN..MAX", value_parser = parse_band)]
    pub target_households: (u64, u64),
    /// Write the report to this file instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

fn parse_band(s: &str) -> Result<(u64, u64), String> {
    Settings::parse_band(s)
}

/// Runs the check; returns the exit status (0 clean, 1 defects). Bad input is an error (status 2).
pub async fn run(args: CheckArgs) -> anyhow::Result<i32> {
    if !(args.sliver_width_m.is_finite() && args.sliver_width_m >= 0.0) {
        bail!("--sliver-width-m {}: must be a number of metres, 0 or more", args.sliver_width_m);
    }
    if !(args.min_area_m2.is_finite() && args.min_area_m2 >= 0.0) {
        bail!("--min-area-m2 {}: must be a number of square metres, 0 or more", args.min_area_m2);
    }
    let settings = Settings { sliver_width_m: args.sliver_width_m, min_area_m2: args.min_area_m2, target_households: args.target_households };
    let Analysable { atlas, parse_problems } = load::analysable_with(&source(args.dir.as_deref(), args.crs, &args.store), HouseholdProps::Roster).await?;
    let report = tokio::task::spawn_blocking(move || {
        let mut report = atlas.coverage(&settings);
        // Problems only the parser sees (an unclosed ring is closed on reading).
        for (layer, p) in &parse_problems {
            if let Some(f) = atlas.layer(*layer).and_then(|l| l.get(&p.code)) {
                report.defects.push(Defect::invalid_geometry(*layer, f, &p.problem.reason, p.problem.location));
            }
        }
        // The process ends after the report: freeing a county's features one by one would take longer than
        // writing it.
        std::mem::forget(atlas);
        tracing::debug!(phases_ms = ?report.phases_ms, "coverage computed");
        report
    })
    .await?;
    match &args.out {
        // Written beside the target and renamed: an interrupted check leaves the previous report whole.
        Some(path) => {
            let tmp = path.with_extension("part");
            let file = std::fs::File::create(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
            let mut w = BufWriter::new(file);
            write_report(&mut w, &report, args.format).and_then(|_| w.flush()).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
        }
        None => {
            let mut w = BufWriter::new(std::io::stdout().lock());
            write_report(&mut w, &report, args.format)?;
            if matches!(args.format, Format::Json | Format::Geojson) {
                w.write_all(b"\n")?;
            }
            w.flush()?;
        }
    }
    let counts: Vec<String> = report.counts().iter().map(|(k, n)| format!("{k} {n}")).collect();
    tracing::info!(defects = report.defects.len(), ms = report.elapsed_ms as u64, "checked: {}", if counts.is_empty() { "no defects".into() } else { counts.join(", ") });
    let status = if report.defects.is_empty() { 0 } else { 1 };
    // As with the atlas: the process ends here, and a million defects freed one by one take longer than exiting.
    std::mem::forget(report);
    Ok(status)
}

/// The report in `format`, streamed: JSON and GeoJSON a feature at a time.
fn write_report(w: &mut impl Write, report: &Report, format: Format) -> std::io::Result<()> {
    match format {
        Format::Text => w.write_all(report::text(report, 50).as_bytes()),
        Format::Json => report::write_report_json(w, report),
        Format::Geojson => report::write_defects_geojson(w, report.defects.iter(), MetricCrs { epsg: report.crs_epsg }),
        Format::Csv => w.write_all(report::summary_csv(&report.summary).as_bytes()),
    }
}
