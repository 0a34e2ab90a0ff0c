//! What can go wrong in a store, in the store's own terms: both backends report a missing record as
//! [`Error::NotFound`], a duplicate as [`Error::Exists`] and a lost race to publish as [`Error::Stale`], so
//! that the faces above can tell a client what happened without knowing which database is underneath.

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("store {0}: {1}")]
    Open(String, String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("存储中没有 {layer} {code} ({layer} {code} is not in the store)")]
    NotFound { layer: String, code: String },
    #[error("已存在 (already exists): {0}")]
    Exists(String),
    #[error("geometry codec: {0}")]
    Geometry(String),
    #[error("stored properties of {layer} {code} are not a JSON object: {reason}")]
    Corrupt { layer: String, code: String, reason: String },
    #[error("社区 {community} 的方案已是第 {current} 版而不是第 {base} 版：此后已有发布 (the plan of community {community} is at version {current}, not {base}: it was published since)")]
    Stale { community: String, base: i64, current: i64 },
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// `code` of table `layer` is not stored.
    pub(crate) fn not_found(layer: &str, code: impl ToString) -> Self {
        Error::NotFound { layer: layer.into(), code: code.to_string() }
    }

    /// A database error of a write that adds a keyed record: a unique-key violation means `what` is already
    /// stored ([`Error::Exists`]); anything else stays a database error.
    pub(crate) fn exists_or(e: sqlx::Error, what: impl FnOnce() -> String) -> Self {
        match e.as_database_error() {
            Some(d) if d.is_unique_violation() => Error::Exists(what()),
            _ => Error::Db(e),
        }
    }
}

/// Fails with [`Error::NotFound`] when a write keyed by `code` touched no row.
pub(crate) fn found(rows_affected: u64, layer: &str, code: impl ToString) -> Result<()> {
    if rows_affected == 0 {
        return Err(Error::not_found(layer, code));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_that_touched_nothing_is_not_found() {
        assert!(found(1, "grids", "G1").is_ok());
        let e = found(0, "grids", "G1").unwrap_err();
        assert!(matches!(&e, Error::NotFound { layer, code } if layer == "grids" && code == "G1"), "{e}");
    }

    #[test]
    fn only_a_unique_violation_means_exists() {
        let e = Error::exists_or(sqlx::Error::RowNotFound, || "account \"x\"".into());
        assert!(matches!(e, Error::Db(sqlx::Error::RowNotFound)), "{e}");
    }
}
