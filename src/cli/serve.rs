//! `gridmap serve`: start the application ([`crate::app::startup`]) and serve it (over HTTP: the binary passes
//! the server in).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::{Serve, StoreArgs};
use crate::app::backup_schedule::{self, Period, Schedule};
use crate::app::startup;

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Dataset that seeds an empty store on first start
    #[arg(long, default_value = "geodata", value_name = "DIR")]
    pub seed: PathBuf,
    /// Server token: `Authorization: Bearer TOKEN` acts as a county admin (for scripts; prefer `gridmap user token`)
    #[arg(long, env = "GRIDMAP_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Public base URL of the plates' QR codes and pages (`URL/g/CODE`), e.g. https://gm.example.gov.cn
    #[arg(long, env = "GRIDMAP_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// What is public about the chain of people: `secretary=name+phone,manager=name+phone,head=name+phone` (the
    /// default); a post not named keeps name and phone; `all=name` publishes names only
    #[arg(long, value_name = "POST=FIELDS,...", default_value = "")]
    pub publish_people: crate::app::publication::Publication,
    /// Distance from a household beyond which a visit's phone position is flagged (never refused), metres
    #[arg(long, value_name = "METRES", default_value_t = crate::app::visits::DEFAULT_FAR_M, value_parser = far_m)]
    pub visit_far_m: f64,
    /// Directory for scheduled backups (consistent copies taken while serving), e.g. /var/backups/gridmap
    #[arg(long, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
    /// How often to back up into --backup-dir: a number and s, m, h or d
    #[arg(long, value_name = "PERIOD", default_value = "24h", requires = "backup_dir")]
    pub backup_every: Period,
    /// How many scheduled backups to keep (the oldest are removed)
    #[arg(long, value_name = "N", default_value_t = 7, value_parser = clap::value_parser!(u16).range(1..), requires = "backup_dir")]
    pub backup_keep: u16,
    /// 天地图 key (tk): the map offers 天地图 vector and imagery basemaps, fetched and cached by the server, so the
    /// key never reaches a browser; without it the map uses no online basemap
    #[arg(long, env = "GRIDMAP_TIANDITU_KEY", value_name = "KEY", hide_env_values = true)]
    pub tianditu_key: Option<String>,
    /// Where the basemap's tiles are kept (fetched once, served again with no internet)
    #[arg(long, value_name = "DIR", default_value = "tile-cache")]
    pub tile_cache: PathBuf,
    /// The tile URL template ({s} {layer} {z} {x} {y} {key}), for a mirror of 天地图 inside the county's network
    #[arg(long, value_name = "URL", requires = "tianditu_key")]
    pub tianditu_url: Option<String>,
}

pub async fn run(args: ServeArgs, serve: Serve) -> anyhow::Result<()> {
    let mut state = startup::open_state(&args.store.location(), &args.seed).await?.with_token(args.token.as_deref()).with_public(
        crate::app::publication::Public { url: args.public_url.clone(), people: args.publish_people },
    ).with_visit_far_m(args.visit_far_m);
    if let Some(key) = &args.tianditu_key {
        let t = crate::app::basemap::Tianditu::new(key.clone(), args.tianditu_url.clone(), args.tile_cache.clone())?;
        tracing::info!(cache = %args.tile_cache.display(), "天地图 basemap through the server");
        state = state.with_tianditu(t);
    }
    if let Some(p) = startup::first_admin(state.store()).await? {
        // Printed, not logged: it must reach the person starting the server once and no log file.
        eprintln!("\n  No accounts yet: created county admin \"admin\" with one-time password {p}\n  Sign in at the map page and change it; it is not shown again.\n");
    }
    if let Some(dir) = &args.backup_dir {
        let s = Schedule { dir: dir.clone(), every: args.backup_every.0, keep: usize::from(args.backup_keep) };
        tracing::info!(dir = %dir.display(), every_s = s.every.as_secs(), keep = s.keep, "scheduled backups");
        backup_schedule::spawn(state.store().clone(), args.store.location(), s);
    }
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    serve(listener, state).await?;
    Ok(())
}

/// A distance in metres: a positive number.
fn far_m(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(m) if m.is_finite() && m > 0.0 => Ok(m),
        _ => Err(format!("距离须为正数（米） (a positive number of metres): {s:?}")),
    }
}
