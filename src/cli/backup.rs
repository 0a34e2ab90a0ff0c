//! `gridmap backup FILE` and `gridmap restore FILE`: the arguments and output over [`crate::app::backup`].

use std::path::PathBuf;

use clap::Args;

use super::StoreArgs;
use crate::app::backup;

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The copy to write (must not exist): a GeoPackage file, or a pg_dump custom-format file for PostGIS
    pub file: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The backup to restore from
    pub file: PathBuf,
    /// Replace an existing GeoPackage store (stop the server on it first)
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let w = backup::backup(&args.store.location(), &args.file).await?;
    eprintln!("备份完成 (backup written): {} ({} bytes)", w.path.display(), w.bytes);
    Ok(())
}

pub async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    backup::restore(&args.file, &args.store.location(), args.force).await?;
    eprintln!("已从 {} 恢复 (restored)", args.file.display());
    Ok(())
}
