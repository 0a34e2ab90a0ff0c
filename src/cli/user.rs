//! `gridmap user add|list|disable|enable|reset|token`: accounts from the command line, on the same store as
//! `serve` (`--store PATH` / `--database-url URL`). Every change is written to the audit log as `cli:$USER`.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::json;

use super::StoreArgs;
use crate::accounts::{Role, Scope, check_username, clock, password, secret};
use crate::store::AnyStore;
use crate::store::accounts::{AccountStore, AuditRecord, NewAccount, NewToken, TokenKind};

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

/// Who runs the command, for the audit log.
fn cli_actor() -> String {
    format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()))
}

/// A command's audit entry.
fn record(action: &str, detail: serde_json::Value) -> AuditRecord {
    AuditRecord { actor: cli_actor(), action: action.into(), address: "cli".into(), households: vec![], detail }
}

async fn audit(store: &AnyStore, action: &str, detail: serde_json::Value) -> anyhow::Result<()> {
    store.append_audit(&record(action, detail)).await?;
    Ok(())
}

/// Creates an account with a fresh one-time password, audited; returns the password.
pub async fn add_account(store: &AnyStore, username: &str, role: Role, scope: Scope, name: Option<&str>, actor: &str) -> anyhow::Result<String> {
    check_username(username).map_err(anyhow::Error::msg)?;
    let one_time = password::one_time();
    let hash = password::hash(&one_time).map_err(anyhow::Error::msg)?;
    let a = NewAccount {
        username: username.into(),
        display_name: name.unwrap_or(username).into(),
        password_hash: hash,
        role,
        scope: scope.clone(),
        must_change_password: true,
    };
    let r = AuditRecord {
        actor: actor.into(),
        action: "account.add".into(),
        address: "cli".into(),
        households: vec![],
        detail: json!({ "username": username, "role": role, "scope": scope }),
    };
    store.create_account(&a, &r).await?;
    Ok(one_time)
}

/// Issues an API token for `username` valid `days` days; returns its id, the token (shown once) and its expiry
/// (unix seconds).
pub async fn issue_token(store: &AnyStore, username: &str, days: i64, label: &str) -> anyhow::Result<(i64, String, i64)> {
    if !(1..=crate::accounts::MAX_TOKEN_DAYS).contains(&days) {
        bail!("--days {days} must be between 1 and {}", crate::accounts::MAX_TOKEN_DAYS);
    }
    let Some(a) = store.account(username).await? else { bail!("no account {username:?}") };
    let token = secret::new_secret("gm_");
    let expires_at = clock::now() + days * 86_400;
    let id = store
        .insert_token(&NewToken {
            token_hash: secret::digest(&token),
            account_id: a.id,
            kind: TokenKind::Api,
            label: label.into(),
            csrf: String::new(),
            expires_at,
        })
        .await?;
    Ok((id, token, expires_at))
}

pub async fn run(args: UserArgs) -> anyhow::Result<()> {
    let store = AnyStore::open(&args.store.location()).await.context("opening the store")?;
    match args.action {
        UserAction::Add { username, role, scope, name } => {
            let p = add_account(&store, &username, role, scope, name.as_deref(), &cli_actor()).await?;
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
            store.set_enabled(&username, false, &record("account.disable", json!({ "username": username }))).await?;
            println!("{username}: disabled, its sessions and tokens revoked");
        }
        UserAction::Enable { username } => {
            store.set_enabled(&username, true, &record("account.enable", json!({ "username": username }))).await?;
            println!("{username}: enabled");
        }
        UserAction::Reset { username } => {
            let p = password::one_time();
            let audit = record("account.reset", json!({ "username": username }));
            store.set_password(&username, &password::hash(&p).map_err(anyhow::Error::msg)?, true, Some(&audit)).await?;
            println!("{username}: one-time password {p} (to be changed at first sign-in)");
        }
        UserAction::Token { username, days, label } => {
            let (id, token, expires_at) = issue_token(&store, &username, days, &label).await?;
            audit(&store, "auth.token_created", json!({ "username": username, "id": id, "label": label, "days": days })).await?;
            println!("{token}");
            eprintln!("{username}: API token {id} ({label}), expires {}", clock::rfc3339(expires_at));
        }
    }
    Ok(())
}
