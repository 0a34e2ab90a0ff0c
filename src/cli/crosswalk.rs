//! `gridmap crosswalk`: legacy villages against communities, and cross-boundary households.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

use super::source::SourceArgs;
use crate::app::load;
use crate::export::{self, crosswalk as tables};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Json,
    Csv,
    Xlsx,
}

#[derive(Args, Debug)]
pub struct CrosswalkArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Output format (xlsx needs --out)
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// List cross-boundary households instead of villages (json, csv)
    #[arg(long)]
    pub households: bool,
    /// Write to this file instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub async fn run(args: CrosswalkArgs) -> anyhow::Result<()> {
    let atlas = load::analysable(&args.source.source()).await?.atlas;
    let cw = tokio::task::spawn_blocking(move || atlas.crosswalk()).await?;
    let bytes: Vec<u8> = match (args.format, args.households) {
        (Format::Json, false) => serde_json::to_vec_pretty(&serde_json::json!({
            "villages": cw.villages, "communities": cw.communities,
        }))?,
        (Format::Json, true) => serde_json::to_vec_pretty(&cw.households)?,
        (Format::Csv, false) => tables::villages_table(&cw).to_csv().into_bytes(),
        (Format::Csv, true) => tables::households_table(&cw.households).to_csv().into_bytes(),
        (Format::Xlsx, _) => {
            if args.out.is_none() {
                bail!("--format xlsx writes a binary file: give --out FILE.xlsx");
            }
            export::to_xlsx(&[
                tables::villages_table(&cw),
                tables::communities_table(&cw),
                tables::households_table(&cw.households),
            ])?
        }
    };
    match &args.out {
        Some(path) => std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?,
        None => std::io::stdout().write_all(&bytes)?,
    }
    let split = cw.villages.iter().filter(|v| v.split).count();
    eprintln!(
        "{} villages ({split} split across communities), {} communities, {} cross-boundary households",
        cw.villages.len(),
        cw.communities.len(),
        cw.households.len()
    );
    Ok(())
}
