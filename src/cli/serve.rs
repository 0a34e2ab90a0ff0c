//! `gridmap serve`: start the application ([`crate::app::startup`]) and serve it (over HTTP: the binary passes
//! the server in).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::{Serve, StoreArgs};
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
}

pub async fn run(args: ServeArgs, serve: Serve) -> anyhow::Result<()> {
    let state = startup::open_state(&args.store.location(), &args.seed).await?.with_token(args.token.as_deref()).with_public(
        crate::app::publication::Public { url: args.public_url.clone(), people: args.publish_people },
    );
    if let Some(p) = startup::first_admin(state.store()).await? {
        // Printed, not logged: it must reach the person starting the server once and no log file.
        eprintln!("\n  No accounts yet: created county admin \"admin\" with one-time password {p}\n  Sign in at the map page and change it; it is not shown again.\n");
    }
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    serve(listener, state).await?;
    Ok(())
}
