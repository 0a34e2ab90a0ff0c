//! `gridmap audit verify`: walks the audit log's hash chain on the store (`--store PATH` / `--database-url
//! URL`) and prints its head hash, to be written down elsewhere; exits 1 naming the first entry that does not
//! verify.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use super::StoreArgs;
use crate::store::{AccountStore, AnyStore, Location};

#[derive(Args, Debug)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub action: AuditAction,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Subcommand, Debug)]
pub enum AuditAction {
    /// Check that no audit entry was changed, deleted, inserted or reordered; print the head hash
    Verify,
}

/// Runs `gridmap audit ...`; returns the exit status (1 when the chain is broken).
pub async fn run(args: AuditArgs) -> anyhow::Result<i32> {
    let location = args.store.location();
    if let Location::Gpkg(p) = &location {
        // Opening would create an empty store: a chain that "verifies" where there is none.
        if !p.is_file() {
            bail!("没有存储文件 {} (no store file)", p.display());
        }
    }
    let store = AnyStore::open(&location).await.context("打开存储失败 (opening the store)")?;
    match args.action {
        AuditAction::Verify => match store.audit_verify().await? {
            Ok(head) => {
                println!(
                    "审计日志完好 (audit log verifies): {} 条 (entries), 末条 (head) #{}",
                    head.entries,
                    head.head_id.map_or_else(|| "-".to_string(), |id| id.to_string())
                );
                println!("末条哈希 (head hash): {}", head.head_hash);
                Ok(0)
            }
            Err(broken) => {
                eprintln!("{broken}");
                Ok(1)
            }
        },
    }
}
