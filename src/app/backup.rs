//! Consistent copies of the store, taken while the server runs and writes, and restoring one.
//!
//! - GeoPackage: `VACUUM INTO FILE`. SQLite writes the database as one read transaction sees it into a new
//!   file, without stopping the server's writers (WAL): every write committed before the copy began is in it,
//!   none half. Chosen over the online backup API (`sqlite3_backup_*`), which sqlx reaches only through its
//!   raw handle with unsafe code (the crate forbids it) and which starts over whenever the source is written
//!   during the copy. The copy goes to `FILE.partial`, passes `PRAGMA integrity_check`, then is renamed, so a
//!   backup that is there is whole.
//! - PostGIS: `pg_dump --format=custom`, one consistent snapshot (pg_dump reads in a single repeatable-read
//!   transaction); restored with `pg_restore --clean --if-exists --no-owner --single-transaction`. Both must be
//!   on the PATH (Debian: postgresql-client).
//!
//! Restoring a GeoPackage replaces the file (after checking the backup the same way), so the server on it
//! must be stopped first; an existing store is replaced only with `force` (an idle server holds no lock that
//! would tell it is running).

use std::path::{Path, PathBuf};
use std::process::Command;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use super::error::{Error, Result};
use crate::store::Location;

/// What a backup wrote.
#[derive(Clone, Debug)]
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
}

fn partial(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".partial");
    PathBuf::from(p)
}

/// `PRAGMA integrity_check` of the SQLite file at `path`: `Ok` if it says `ok`, else what it says.
pub async fn integrity_check(path: &Path) -> Result<()> {
    let opts = SqliteConnectOptions::new().filename(path).read_only(true);
    let mut conn = opts.connect().await.map_err(|e| Error::BadInput(format!("无法打开 {} (cannot open): {e}", path.display())))?;
    let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .map_err(|e| Error::BadInput(format!("{} 不是可用的 SQLite 文件 (not a usable SQLite file): {e}", path.display())))?;
    conn.close().await.ok();
    match rows.as_slice() {
        [(ok,)] if ok == "ok" => Ok(()),
        _ => Err(Error::Invalid(format!(
            "{} 未通过完整性检查 (failed integrity_check): {}",
            path.display(),
            rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>().join("; ")
        ))),
    }
}

/// Writes a consistent copy of the store at `from` to `to` (which must not exist).
pub async fn backup(from: &Location, to: &Path) -> Result<Written> {
    if to.exists() {
        return Err(Error::BadInput(format!("{} 已存在，不覆盖 (exists; choose a new file)", to.display())));
    }
    match from {
        Location::Gpkg(store) => {
            if !store.is_file() {
                return Err(Error::BadInput(format!("没有存储文件 {} (no store file)", store.display())));
            }
            let tmp = partial(to);
            let _ = std::fs::remove_file(&tmp);
            let mut conn = SqliteConnectOptions::new()
                .filename(store)
                .busy_timeout(std::time::Duration::from_secs(30))
                .connect()
                .await
                .map_err(|e| Error::BadInput(format!("无法打开存储 {} (cannot open the store): {e}", store.display())))?;
            let target = tmp.to_str().ok_or_else(|| Error::BadInput(format!("{} 不是 UTF-8 路径 (not a UTF-8 path)", tmp.display())))?;
            sqlx::query("VACUUM INTO ?")
                .bind(target)
                .execute(&mut conn)
                .await
                .map_err(|e| Error::Internal(format!("VACUUM INTO {}: {e}", tmp.display())))?;
            conn.close().await.ok();
            if let Err(e) = integrity_check(&tmp).await {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            std::fs::rename(&tmp, to).map_err(|e| Error::Internal(format!("rename {} → {}: {e}", tmp.display(), to.display())))?;
        }
        Location::Postgis(url) => {
            let tmp = partial(to);
            run_tool(Command::new("pg_dump").args(["--format=custom", "--no-owner", "--file"]).arg(&tmp).arg(url), "pg_dump")?;
            std::fs::rename(&tmp, to).map_err(|e| Error::Internal(format!("rename {} → {}: {e}", tmp.display(), to.display())))?;
        }
    }
    let bytes = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
    Ok(Written { path: to.to_path_buf(), bytes })
}

/// Restores the backup `from` into the store at `to`. A GeoPackage store is replaced whole (an existing one
/// only with `force`); a PostGIS database gets the dump's objects back in one transaction.
pub async fn restore(from: &Path, to: &Location, force: bool) -> Result<()> {
    if !from.is_file() {
        return Err(Error::BadInput(format!("没有备份文件 {} (no backup file)", from.display())));
    }
    match to {
        Location::Gpkg(store) => {
            integrity_check(from).await?;
            if !force && store.exists() {
                return Err(Error::BadInput(format!(
                    "{} 已存在：请先停止服务，再加 --force 覆盖 (the store exists: stop the server first, then --force to replace it)",
                    store.display()
                )));
            }
            let tmp = partial(store);
            std::fs::copy(from, &tmp).map_err(|e| Error::Internal(format!("copy {} → {}: {e}", from.display(), tmp.display())))?;
            for suffix in ["-wal", "-shm"] {
                let mut side = store.as_os_str().to_owned();
                side.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(side));
            }
            std::fs::rename(&tmp, store).map_err(|e| Error::Internal(format!("rename {} → {}: {e}", tmp.display(), store.display())))?;
            // Brings an older backup's schema up to date, and refuses a file that is not a gridmap store.
            crate::store::AnyStore::open(to).await.map_err(Error::OpenStore)?;
            Ok(())
        }
        Location::Postgis(url) => run_tool(
            Command::new("pg_restore")
                .args(["--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname"])
                .arg(url)
                .arg(from),
            "pg_restore",
        ),
    }
}

fn run_tool(cmd: &mut Command, name: &str) -> Result<()> {
    let out = cmd
        .output()
        .map_err(|e| Error::BadInput(format!("无法运行 {name}，请安装 postgresql-client ({name} could not be run: {e})")))?;
    if !out.status.success() {
        return Err(Error::BadInput(format!("{name} 失败 ({name} failed): {}", String::from_utf8_lossy(&out.stderr).trim())));
    }
    Ok(())
}
