//! Scheduled backups while the server runs: every period, one consistent copy through [`super::backup`] into
//! a directory, the oldest removed so that the last N remain, each audited as `backup.scheduled`. A failure is
//! logged and audited as `backup.failed` and tried again next period; it never stops the server.
//!
//! Copies are named `gridmap-YYYYMMDDTHHMMSSZ.gpkg` (a GeoPackage store) or `.dump` (pg_dump of PostGIS), so
//! that names sort by time and rotation touches no other file in the directory.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde_json::json;

use super::backup;
use crate::accounts::clock;
use crate::store::accounts::AuditRecord;
use crate::store::{AccountStore, AnyStore, Location};

/// A period as given on the command line: a whole number and a unit, `s`, `m`, `h` or `d` (`24h`, `2s`).
///
/// Parsed here rather than with a duration crate: four units are all a backup period needs.
///
/// ```
/// use gridmap::app::backup_schedule::Period;
/// assert_eq!("24h".parse::<Period>().unwrap().0.as_secs(), 86_400);
/// assert_eq!("2s".parse::<Period>().unwrap().0.as_secs(), 2);
/// assert!("0s".parse::<Period>().is_err());
/// assert!("1w".parse::<Period>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period(pub Duration);

impl FromStr for Period {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("周期 {s:?} 有误，应为数字加单位 s、m、h 或 d，如 24h (period: a number and s, m, h or d, e.g. 24h)");
        let s = s.trim();
        let unit = s.chars().last().ok_or_else(bad)?;
        let n: u64 = s[..s.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
        let secs = match unit {
            's' => n,
            'm' => n * 60,
            'h' => n * 3600,
            'd' => n * 86_400,
            _ => return Err(bad()),
        };
        if secs == 0 {
            return Err(bad());
        }
        Ok(Period(Duration::from_secs(secs)))
    }
}

/// Where, how often and how many.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub dir: PathBuf,
    pub every: Duration,
    /// At least 1.
    pub keep: usize,
}

/// The file name of a copy of `location` taken at `unix_s`.
fn file_name(location: &Location, unix_s: i64) -> String {
    let stamp: String = clock::rfc3339(unix_s).chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let ext = if matches!(location, Location::Postgis(_)) { "dump" } else { "gpkg" };
    format!("gridmap-{stamp}.{ext}")
}

/// The copies in `dir` this schedule made, oldest first.
pub fn copies(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    name.starts_with("gridmap-") && (name.ends_with(".gpkg") || name.ends_with(".dump"))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Takes one copy into `s.dir` and removes the oldest beyond `s.keep`; returns the copy and the removed.
pub async fn run_once(location: &Location, s: &Schedule) -> super::Result<(backup::Written, Vec<PathBuf>)> {
    std::fs::create_dir_all(&s.dir)
        .map_err(|e| super::Error::BadInput(format!("无法创建备份目录 {} (cannot create the backup directory): {e}", s.dir.display())))?;
    // Periods are whole seconds, so two copies never share a name; `backup` refuses one that exists.
    let to = s.dir.join(file_name(location, clock::now()));
    let written = backup::backup(location, &to).await?;
    let all = copies(&s.dir);
    let removed: Vec<PathBuf> = all.iter().take(all.len().saturating_sub(s.keep)).cloned().collect();
    for p in &removed {
        if let Err(e) = std::fs::remove_file(p) {
            tracing::warn!(file = %p.display(), error = %e, "could not remove an old backup");
        }
    }
    Ok((written, removed))
}

fn record(action: &str, detail: serde_json::Value) -> AuditRecord {
    AuditRecord { actor: "serve".into(), action: action.into(), address: "server".into(), households: vec![], detail }
}

/// Runs the schedule until the process ends: the first copy one period after start, then every period.
pub fn spawn(store: AnyStore, location: Location, s: Schedule) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + s.every, s.every);
        // A period missed (the machine slept) is not made up with a burst of copies.
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let audit = match run_once(&location, &s).await {
                Ok((w, removed)) => {
                    tracing::info!(file = %w.path.display(), bytes = w.bytes, removed = removed.len(), "scheduled backup written");
                    let removed: Vec<String> = removed.iter().map(|p| p.display().to_string()).collect();
                    record("backup.scheduled", json!({ "file": w.path.display().to_string(), "bytes": w.bytes, "removed": removed }))
                }
                Err(e) => {
                    tracing::error!(dir = %s.dir.display(), error = %e, "scheduled backup failed; retrying next period");
                    record("backup.failed", json!({ "dir": s.dir.display().to_string(), "error": e.to_string() }))
                }
            };
            if let Err(e) = store.append_audit(&audit).await {
                tracing::error!(error = %e, "could not audit the scheduled backup");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_time_and_say_the_backend() {
        let g = Location::Gpkg("x.gpkg".into());
        assert_eq!(file_name(&g, 1_700_000_000), "gridmap-20231114T221320Z.gpkg");
        assert!(file_name(&g, 1_700_000_000) < file_name(&g, 1_700_000_001));
        assert!(file_name(&Location::Postgis("postgres://x".into()), 0).ends_with(".dump"));
    }
}
