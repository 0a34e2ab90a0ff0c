//! `gridmap user add|list|disable|enable|reset|token`: accounts from the command line, on the same store as
//! `serve` (`--store PATH` / `--database-url URL`), through [`crate::app::accounts`]. Every change is written
//! to the audit log as `cli:$USER`.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use super::StoreArgs;
use crate::accounts::{Role, Scope, clock};
use crate::app::accounts::{self, Actor};
use crate::store::{AccountStore, AnyStore};

#[derive(Args, Debug)]
pub struct UserArgs {
    #[command(subcommand)]
    pub action: UserAction,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Subcommand, Debug)]
pub enum UserAction {
    /// Add an account; prints a one-time password to change at first sign-in
    Add {
        username: String,
        /// admin, planner, secretary, grid_manager or viewer
        #[arg(long)]
        role: Role,
        /// county, town:CODE, community:CODE or grids:CODE,CODE [default: county]
        #[arg(long, default_value = "county")]
        scope: Scope,
        /// The person's name as shown on the page [default: the username]
        #[arg(long)]
        name: Option<String>,
    },
    /// List accounts
    List,
    /// Disable an account and revoke its sessions and tokens
    Disable { username: String },
    /// Enable a disabled account
    Enable { username: String },
    /// Set a new one-time password (printed) and unlock the account
    Reset { username: String },
    /// Issue an API token for scripts and the CLI (printed once)
    Token {
        username: String,
        #[arg(long, default_value_t = 90)]
        days: i64,
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

pub async fn run(args: UserArgs) -> anyhow::Result<()> {
    let store = AnyStore::open(&args.store.location()).await.context("opening the store")?;
    let by = Actor::cli();
    match args.action {
        UserAction::Add { username, role, scope, name } => {
            let p = accounts::add_account(&store, &username, role, scope, name.as_deref(), &by.name).await?;
            println!("{username}: one-time password {p} (to be changed at first sign-in)");
        }
        UserAction::List => {
            println!("{:<20} {:<14} {:<40} {:<8} display name", "username", "role", "scope", "state");
            for a in store.accounts().await? {
                let state = if !a.enabled {
                    "disabled"
                } else if a.locked_at(clock::now()) {
                    "locked"
                } else {
                    "enabled"
                };
                println!("{:<20} {:<14} {:<40} {:<8} {}", a.username, a.role.as_str(), a.scope.to_string(), state, a.display_name);
            }
        }
        UserAction::Disable { username } | UserAction::Enable { username } if username.is_empty() => bail!("no username"),
        UserAction::Disable { username } => {
            accounts::set_enabled(&store, &username, false, &by).await?;
            println!("{username}: disabled, its sessions and tokens revoked");
        }
        UserAction::Enable { username } => {
            accounts::set_enabled(&store, &username, true, &by).await?;
            println!("{username}: enabled");
        }
        UserAction::Reset { username } => {
            let p = accounts::reset_password(&store, &username, &by).await?;
            println!("{username}: one-time password {p} (to be changed at first sign-in)");
        }
        UserAction::Token { username, days, label } => {
            let t = accounts::issue_token(&store, &username, days, &label, &by).await?;
            println!("{}", t.token);
            eprintln!("{username}: API token {} ({label}), expires {}", t.id, clock::rfc3339(t.expires_at));
        }
    }
    Ok(())
}
