//! `gridmap serve`: open the store (seeding an empty one from geodata/), build the atlas, serve HTTP.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;

use super::StoreArgs;
use crate::atlas::Atlas;
use crate::http::{self, AppState};
use crate::store::{AccountStore, AnyStore, LayerStore};

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
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let state = open_state(&args.store, &args.seed).await?.with_token(args.token.as_deref());
    first_admin(state.store()).await?;
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    http::serve(listener, state).await?;
    Ok(())
}

/// Opens the store, seeds it from `seed` if it holds nothing, and builds the atlas.
pub async fn open_state(store: &StoreArgs, seed: &std::path::Path) -> anyhow::Result<AppState> {
    let store = AnyStore::open(&store.location()).await.context("opening the store")?;
    let mut ds = store.load().await?;
    if ds.layers.is_empty() && seed.is_dir() {
        tracing::info!(store = %store.describe(), seed = %seed.display(), "empty store: importing the seed dataset");
        // Audited as `serve`: the seed import of an empty store.
        super::import::import_dir(&store, seed, None, false, "serve").await?;
        ds = store.load().await?;
    }
    let revision = store.revision().await?;
    let t = Instant::now();
    let atlas = tokio::task::spawn_blocking(move || Atlas::build(&ds, revision)).await??;
    tracing::info!(store = %store.describe(), counts = ?atlas.counts(), ms = t.elapsed().as_millis() as u64, "atlas built");
    Ok(AppState::new(store, atlas))
}

/// A store with no accounts gets its county admin `admin`, with a one-time password printed once to the
/// console (it is stored only as a hash) and to be changed at first sign-in.
pub async fn first_admin(store: &AnyStore) -> anyhow::Result<()> {
    if store.account_count().await? > 0 {
        return Ok(());
    }
    let p = super::user::add_account(store, "admin", crate::accounts::Role::Admin, crate::accounts::Scope::County, Some("县级管理员"), "serve").await?;
    // Printed, not logged: it must reach the person starting the server once and no log file.
    eprintln!("\n  No accounts yet: created county admin \"admin\" with one-time password {p}\n  Sign in at the map page and change it; it is not shown again.\n");
    Ok(())
}
