//! `gridmap propose COMMUNITY | all`: proposes a community's grids (or every community's), opening a draft in
//! the store for each, or with `--out DIR` writing what publishing the proposals would write as GeoJSON.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use super::StoreArgs;
use crate::accounts::Scope;
use crate::app::load::{self, Source};
use crate::app::plans::propose::{ProposedLayers, Summary, layers_of, proposal_for};
use crate::app::plans::{AsStored, Caller, Plans};
use crate::atlas::Atlas;
use crate::atlas::propose::{Options, Proposal};
use crate::model::Layer;
use crate::model::geojson_io::write_layer_file;
use crate::store::AnyStore;

#[derive(Args, Debug)]
pub struct ProposeArgs {
    /// The community's code, or `all` for every community of the county
    pub community: Option<String>,
    /// Every community of the county (the same as COMMUNITY `all`)
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Write grids.geojson, units.geojson and proposal.json here instead of opening drafts in the store
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// 网格数: how many grids (besides locked ones) [default: fitted to the band]
    #[arg(long, value_name = "N")]
    pub grids: Option<usize>,
    /// 每格户数: households per grid [default: 300..500]
    #[arg(long, value_name = "LO..HI", value_parser = parse_band)]
    pub band: Option<[u64; 2]>,
    /// 保留的网格: codes of published grids kept as they are
    #[arg(long, value_name = "CODE,..", value_delimiter = ',')]
    pub lock: Vec<String>,
    /// 形状规整: 0 households balanced above all, 1 regular shapes above all [default: 0.3]
    #[arg(long, value_name = "X")]
    pub compactness: Option<f64>,
    /// 少换网格员: weight of keeping households with their grid manager, 0 to ignore [default: 0.5]
    #[arg(long, value_name = "X")]
    pub keep_managers: Option<f64>,
    /// The seed: the same options and seed give the same proposal [default: 1]
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// The drafts' name [default: 自动划分]
    #[arg(long, value_name = "NAME", default_value = "自动划分")]
    pub name: String,
}

/// `LO..HI` (or `LO-HI`), both households.
fn parse_band(s: &str) -> Result<[u64; 2], String> {
    let (lo, hi) = s.split_once("..").or_else(|| s.split_once('-')).ok_or_else(|| format!("每格户数应写作 最少..最多, 如 300..500 (got {s:?})"))?;
    let n = |t: &str| t.trim().parse::<u64>().map_err(|_| format!("每格户数应写作 最少..最多, 如 300..500: {t:?} 不是户数"));
    Ok([n(lo)?, n(hi)?])
}

impl ProposeArgs {
    /// The options these arguments ask for, defaults filled in; for one community of many, only the locked
    /// codes that are its grids.
    fn options(&self, atlas: &Atlas, community: &str, many: bool) -> Options {
        let d = Options::default();
        let lock = if many {
            let ours = |c: &String| atlas.layer(Layer::Grids).and_then(|g| g.get(c)).is_some_and(|f| f.str_prop("community_code") == Some(community));
            self.lock.iter().filter(|c| ours(c)).cloned().collect()
        } else {
            self.lock.clone()
        };
        Options {
            target_households: self.band.unwrap_or(d.target_households),
            grids: self.grids,
            lock,
            compactness: self.compactness.unwrap_or(d.compactness),
            keep_managers: self.keep_managers.unwrap_or(d.keep_managers),
            seed: self.seed.unwrap_or(d.seed),
        }
    }
}

pub async fn run(a: ProposeArgs) -> anyhow::Result<i32> {
    let location = a.store.location();
    let atlas = Arc::new(load::analysable(&Source::Store(location.clone())).await?.atlas);
    let many = a.all || a.community.as_deref() == Some("all");
    let communities: Vec<String> = match (&a.community, many) {
        (_, true) => atlas.layer(Layer::Communities).map_or(vec![], |l| l.features.iter().map(|f| f.code.clone()).collect()),
        (Some(c), false) => vec![c.clone()],
        (None, false) => bail!("给出社区编码, 或 all / --all 划分全县每个社区 (give a community code, or all)"),
    };
    if many && a.grids.is_some() {
        eprintln!("注意: --grids 对每个社区都用 {} 个网格", a.grids.unwrap_or_default());
    }
    let started = std::time::Instant::now();
    let bar = many.then(|| {
        let b = ProgressBar::new(communities.len() as u64);
        b.set_style(ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} 个社区 {elapsed}").expect("template").progress_chars("=> "));
        b.set_prefix("自动划分");
        b
    });
    // Proposals are independent: one community per core.
    let results: Vec<(String, crate::app::plans::Result<Proposal>)> = {
        let (atlas, args, bar) = (atlas.clone(), &a, bar.clone());
        tokio::task::block_in_place(|| {
            communities
                .par_iter()
                .map(|c| {
                    let r = proposal_for(&atlas, c, &args.options(&atlas, c, many));
                    if let Some(b) = &bar {
                        b.inc(1);
                    }
                    (c.clone(), r)
                })
                .collect()
        })
    };
    if let Some(b) = &bar {
        b.finish();
    }
    let elapsed_s = started.elapsed().as_secs_f64();
    let mut failed = 0;
    let mut done: Vec<(String, Proposal)> = Vec::new();
    for (c, r) in results {
        match r {
            Ok(p) => done.push((c, p)),
            Err(e) if !many => bail!("{e}"),
            Err(e) => {
                eprintln!("社区 {c}: {e}");
                failed += 1;
            }
        }
    }
    let mut summaries = Vec::new();
    match &a.out {
        Some(dir) => {
            let mut layers = Vec::new();
            for (c, p) in &done {
                let l = layers_of(&atlas, p, &a.options(&atlas, c, many))?;
                summaries.push((c.clone(), l.summary.clone()));
                layers.push(l);
            }
            write_out(dir, &summaries, &layers)?;
        }
        None => {
            let store = AnyStore::open(&location).await.context("opening the store")?;
            let plans = Plans::new(&store, atlas.clone());
            let who = Caller { actor: super::cli_actor(), scope: Scope::County, address: "cli".into() };
            for (c, p) in done {
                let p = plans.open_proposal(&who, &AsStored, &a.name, p, a.options(&atlas, &c, many)).await?;
                eprintln!("社区 {c}: 草案 {} 「{}」 已建立", p.shown.record.id, p.shown.record.name);
                summaries.push((c, p.summary));
            }
        }
    }
    for (c, s) in &summaries {
        eprintln!("{}", summary_line(c, s));
    }
    eprintln!(
        "{} 个社区, 划分用时 {elapsed_s:.1} 秒{}",
        summaries.len(),
        if failed > 0 { format!(", {failed} 个未能划分") } else { String::new() }
    );
    Ok(if failed > 0 { 1 } else { 0 })
}

/// One line per community: grids, how many in the band, households changing manager, and any warning.
fn summary_line(community: &str, s: &Summary) -> String {
    let in_band = s.grids.iter().filter(|g| g.in_band).count();
    let mut line = format!(
        "社区 {community}: {} 个网格, {in_band} 个在每格 {}–{} 户内, {} 户换网格员",
        s.grids.len(),
        s.options.target_households[0],
        s.options.target_households[1],
        s.households_changing_manager
    );
    for w in &s.warnings {
        line.push_str(&format!("; {w}"));
    }
    line
}

/// The proposals as the data contract's layer files, and their figures by community.
fn write_out(dir: &std::path::Path, summaries: &[(String, Summary)], layers: &[ProposedLayers]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let grids: Vec<_> = layers.iter().flat_map(|l| l.grids.iter().cloned()).collect();
    let units: Vec<_> = layers.iter().flat_map(|l| l.units.iter().cloned()).collect();
    let write = |name: &str, layer: Layer, features: &[crate::model::Feature]| {
        let path = dir.join(name);
        write_layer_file(&path, layer, features).with_context(|| format!("writing {}", path.display()))
    };
    write("grids.geojson", Layer::Grids, &grids)?;
    write("units.geojson", Layer::Units, &units)?;
    let figures: serde_json::Map<String, serde_json::Value> = summaries.iter().map(|(c, s)| (c.clone(), serde_json::json!(s))).collect();
    let path = dir.join("proposal.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&figures)?).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("写入 {}: grids.geojson ({} 个网格), units.geojson ({} 个巷道/楼栋), proposal.json", dir.display(), grids.len(), units.len());
    Ok(())
}
