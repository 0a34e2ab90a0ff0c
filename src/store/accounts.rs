//! Accounts, credentials and the audit log: the role both backends implement, and its SQL.
//!
//! The SQL is the same text for SQLite and PostgreSQL (`$N` parameters, plain types), so [`account_queries`]
//! expands it for a backend: each backend invokes it once with its database. The audit log has no update or
//! delete path here, and each backend's triggers refuse one from anywhere else.

use std::future::Future;

use serde_json::Value;
use sqlx::Row;

use super::error::{Error, Result};
use crate::accounts::Account;

pub use super::records::{AuditEntry, AuditRecord, NewAccount, NewToken, TokenInfo, TokenKind};

/// Accounts, their sign-in state, their credentials (sessions and API tokens) and the append-only audit log.
pub trait AccountStore: Send + Sync {
    /// Creates an account with its audit entry, in one transaction; [`Error::Exists`] if the username is
    /// taken (then nothing is written).
    fn create_account(&self, a: &NewAccount, audit: &AuditRecord) -> impl Future<Output = Result<Account>> + Send;
    /// The account named `username`, if any.
    fn account(&self, username: &str) -> impl Future<Output = Result<Option<Account>>> + Send;
    /// Every account, by username.
    fn accounts(&self) -> impl Future<Output = Result<Vec<Account>>> + Send;
    /// How many accounts exist.
    fn account_count(&self) -> impl Future<Output = Result<i64>> + Send;
    /// Sets a new password hash (and whether it is one-time); clears failures and any lock; with `audit`, its
    /// entry lands in the same transaction. [`Error::NotFound`] for an unknown username.
    fn set_password(&self, username: &str, hash: &str, must_change: bool, audit: Option<&AuditRecord>) -> impl Future<Output = Result<()>> + Send;
    /// Enables or disables an account, audited, in one transaction. Disabling also revokes every credential
    /// it holds. [`Error::NotFound`] for an unknown username.
    fn set_enabled(&self, username: &str, enabled: bool, audit: &AuditRecord) -> impl Future<Output = Result<()>> + Send;
    /// Changes the password to one its holder chose (not one-time), clears failures and any lock, and revokes
    /// every other credential of the account but `keep`, with its audit entry (made from how many it revoked),
    /// in one transaction; returns that count. [`Error::NotFound`] for an unknown username.
    fn change_password(
        &self,
        username: &str,
        hash: &str,
        keep: Option<i64>,
        audit: impl FnOnce(u64) -> AuditRecord + Send,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// Counts a failed sign-in, audited, in one transaction; the `lock_after`th in a row locks the account until
    /// `locked_until`. Returns the account as it now is. [`Error::NotFound`] for an unknown username.
    fn login_failed(&self, username: &str, lock_after: i64, locked_until: i64, audit: &AuditRecord) -> impl Future<Output = Result<Account>> + Send;
    /// A successful sign-in: clears the failure count of the session's account and stores the session, with its
    /// audit entry, in one transaction; returns the session's id. [`Error::NotFound`] for an unknown account.
    fn login_succeeded(&self, session: &NewToken, audit: &AuditRecord) -> impl Future<Output = Result<i64>> + Send;
    /// Stores a credential with its audit entry (made from the new id), in one transaction; returns its id.
    /// [`Error::NotFound`] when its account does not exist (then nothing is written).
    fn insert_token(&self, t: &NewToken, audit: impl FnOnce(i64) -> AuditRecord + Send) -> impl Future<Output = Result<i64>> + Send;
    /// The live credential with this hash (not revoked, not expired at `now`) and its enabled account.
    fn credential(&self, token_hash: &str, now: i64) -> impl Future<Output = Result<Option<(TokenInfo, Account)>>> + Send;
    /// The credentials of an account, newest first.
    fn tokens_of(&self, account_id: i64) -> impl Future<Output = Result<Vec<TokenInfo>>> + Send;
    /// Revokes live credential `id` of `account_id` with its audit entry, in one transaction; whether there was
    /// one to revoke (when not, nothing is written).
    fn revoke_token(&self, account_id: i64, id: i64, audit: &AuditRecord) -> impl Future<Output = Result<bool>> + Send;
    /// Revokes the credential with this hash (sign-out) with its audit entry, in one transaction.
    /// [`Error::NotFound`] for an unknown hash (then nothing is written).
    fn revoke_token_hash(&self, token_hash: &str, audit: &AuditRecord) -> impl Future<Output = Result<()>> + Send;
    /// Appends an entry to the audit log; returns its id.
    fn append_audit(&self, r: &AuditRecord) -> impl Future<Output = Result<i64>> + Send;
    /// Audit entries, newest first: at most `limit`, with ids below `before` when given.
    fn audit(&self, limit: i64, before: Option<i64>) -> impl Future<Output = Result<Vec<AuditEntry>>> + Send;
}

pub(super) const ACCOUNT_COLUMNS: &str = "id, username, display_name, password_hash, role, scope, enabled, \
    must_change_password, failed_logins, locked_until, created_at";
pub(super) const TOKEN_COLUMNS: &str = "id, account_id, kind, label, csrf, created_at, expires_at, revoked";

fn corrupt(username: &str, reason: String) -> Error {
    Error::Corrupt { layer: "gridmap_accounts".into(), code: username.into(), reason }
}

pub(super) fn account_from<R: Row>(r: &R) -> Result<Account>
where
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> bool: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let username: String = r.try_get(1)?;
    let role: String = r.try_get(4)?;
    let scope: String = r.try_get(5)?;
    Ok(Account {
        id: r.try_get(0)?,
        display_name: r.try_get(2)?,
        password_hash: r.try_get(3)?,
        role: role.parse().map_err(|e| corrupt(&username, e))?,
        scope: scope.parse().map_err(|e| corrupt(&username, e))?,
        enabled: r.try_get(6)?,
        must_change_password: r.try_get(7)?,
        failed_logins: r.try_get(8)?,
        locked_until: r.try_get(9)?,
        created_at: r.try_get(10)?,
        username,
    })
}

pub(super) fn token_from<R: Row>(r: &R) -> Result<TokenInfo>
where
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> bool: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let kind: String = r.try_get(2)?;
    Ok(TokenInfo {
        id: r.try_get(0)?,
        account_id: r.try_get(1)?,
        kind: if kind == "session" { TokenKind::Session } else { TokenKind::Api },
        label: r.try_get(3)?,
        csrf: r.try_get(4)?,
        created_at: r.try_get(5)?,
        expires_at: r.try_get(6)?,
        revoked: r.try_get(7)?,
    })
}

pub(super) fn audit_from<R: Row>(r: &R) -> Result<AuditEntry>
where
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let households: String = r.try_get(5)?;
    let detail: String = r.try_get(6)?;
    Ok(AuditEntry {
        id: r.try_get(0)?,
        at: r.try_get(1)?,
        actor: r.try_get(2)?,
        action: r.try_get(3)?,
        address: r.try_get(4)?,
        households: serde_json::from_str(&households).unwrap_or_default(),
        detail: serde_json::from_str(&detail).unwrap_or(Value::String(detail)),
    })
}

/// Implements [`AccountStore`] for backend `$store`, whose `pool()` is of database `$db`, and gives it
/// `audit_in`: the audit entry every audited write appends inside its own transaction. Writes that several
/// methods make (`password_in`, `token_in`) take the caller's transaction the same way.
macro_rules! account_queries {
    ($store:ty, $db:ty) => {
        // In a block of its own, so that the names the SQL needs are imported here, not at the invocation.
        const _: () = {
            use $crate::accounts::{Account, clock};
            use $crate::store::accounts::{
                ACCOUNT_COLUMNS, AccountStore, TOKEN_COLUMNS, account_from, audit_from, token_from,
            };
            use $crate::store::error::{Error, Result, found};
            use $crate::store::records::{AuditEntry, AuditRecord, NewAccount, NewToken, TokenInfo};

            impl $store {
                /// Appends an audit entry inside a write's transaction: the write and its record land together
                /// or not at all.
                pub(crate) async fn audit_in(tx: &mut sqlx::Transaction<'_, $db>, r: &AuditRecord) -> Result<i64> {
                    Ok(sqlx::query_scalar(
                        "INSERT INTO gridmap_audit (at, actor, action, address, households, detail) \
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(clock::rfc3339(clock::now()))
                    .bind(&r.actor)
                    .bind(&r.action)
                    .bind(&r.address)
                    .bind(serde_json::to_string(&r.households).expect("strings serialise"))
                    .bind(r.detail.to_string())
                    .fetch_one(&mut **tx)
                    .await?)
                }

                /// Sets a password hash inside a write's transaction, clearing failures and any lock;
                /// [`Error::NotFound`] for an unknown username.
                async fn password_in(tx: &mut sqlx::Transaction<'_, $db>, username: &str, hash: &str, must_change: bool) -> Result<()> {
                    let done = sqlx::query(
                        "UPDATE gridmap_accounts SET password_hash = $1, must_change_password = $2, failed_logins = 0, \
                         locked_until = 0 WHERE username = $3",
                    )
                    .bind(hash)
                    .bind(must_change)
                    .bind(username)
                    .execute(&mut **tx)
                    .await?;
                    found(done.rows_affected(), "gridmap_accounts", username)
                }

                /// Stores a credential inside a write's transaction; returns its id. [`Error::NotFound`] when its
                /// account does not exist.
                async fn token_in(tx: &mut sqlx::Transaction<'_, $db>, t: &NewToken) -> Result<i64> {
                    // Only for an existing account: the GeoPackage file does not enforce the foreign key.
                    let id: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO gridmap_tokens (token_hash, account_id, kind, label, csrf, created_at, expires_at, revoked) \
                         SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS (SELECT 1 FROM gridmap_accounts WHERE id = $2) \
                         RETURNING id",
                    )
                    .bind(&t.token_hash)
                    .bind(t.account_id)
                    .bind(t.kind.as_str())
                    .bind(&t.label)
                    .bind(&t.csrf)
                    .bind(clock::rfc3339(clock::now()))
                    .bind(t.expires_at)
                    .bind(false)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(|e| Error::exists_or(e, || "a credential with this hash".into()))?;
                    id.ok_or_else(|| Error::not_found("gridmap_accounts", t.account_id))
                }
            }

            impl AccountStore for $store {
                /// Creates an account with its audit entry, in one transaction; [`Error::Exists`] if the username
                /// is taken (then nothing is written).
                async fn create_account(&self, a: &NewAccount, audit: &AuditRecord) -> Result<Account> {
                    let mut tx = self.pool().begin().await?;
                    sqlx::query(
                        "INSERT INTO gridmap_accounts (username, display_name, password_hash, role, scope, enabled, \
                         must_change_password, failed_logins, locked_until, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, $8)",
                    )
                    .bind(&a.username)
                    .bind(&a.display_name)
                    .bind(&a.password_hash)
                    .bind(a.role.as_str())
                    .bind(a.scope.to_string())
                    .bind(true)
                    .bind(a.must_change_password)
                    .bind(clock::rfc3339(clock::now()))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| Error::exists_or(e, || format!("account {:?}", a.username)))?;
                    Self::audit_in(&mut tx, audit).await?;
                    tx.commit().await?;
                    self.account(&a.username).await?.ok_or_else(|| Error::not_found("gridmap_accounts", &a.username))
                }

                /// The account named `username`, if any.
                async fn account(&self, username: &str) -> Result<Option<Account>> {
                    let row = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM gridmap_accounts WHERE username = $1"))
                        .bind(username)
                        .fetch_optional(self.pool())
                        .await?;
                    row.as_ref().map(account_from).transpose()
                }

                /// Every account, by username.
                async fn accounts(&self) -> Result<Vec<Account>> {
                    let rows = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM gridmap_accounts ORDER BY username"))
                        .fetch_all(self.pool())
                        .await?;
                    rows.iter().map(account_from).collect()
                }

                /// How many accounts exist.
                async fn account_count(&self) -> Result<i64> {
                    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM gridmap_accounts").fetch_one(self.pool()).await?)
                }

                /// Sets a new password hash (and whether it is one-time); clears failures and any lock; with `audit`,
                /// its entry lands in the same transaction.
                async fn set_password(&self, username: &str, hash: &str, must_change: bool, audit: Option<&AuditRecord>) -> Result<()> {
                    let mut tx = self.pool().begin().await?;
                    Self::password_in(&mut tx, username, hash, must_change).await?;
                    if let Some(audit) = audit {
                        Self::audit_in(&mut tx, audit).await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

                /// Enables or disables an account, audited, in one transaction. Disabling also revokes every
                /// credential it holds.
                async fn set_enabled(&self, username: &str, enabled: bool, audit: &AuditRecord) -> Result<()> {
                    let mut tx = self.pool().begin().await?;
                    let done = sqlx::query("UPDATE gridmap_accounts SET enabled = $1 WHERE username = $2")
                        .bind(enabled)
                        .bind(username)
                        .execute(&mut *tx)
                        .await?;
                    found(done.rows_affected(), "gridmap_accounts", username)?;
                    if !enabled {
                        sqlx::query(
                            "UPDATE gridmap_tokens SET revoked = $1 WHERE account_id = \
                             (SELECT id FROM gridmap_accounts WHERE username = $2)",
                        )
                        .bind(true)
                        .bind(username)
                        .execute(&mut *tx)
                        .await?;
                    }
                    Self::audit_in(&mut tx, audit).await?;
                    tx.commit().await?;
                    Ok(())
                }

                /// Changes the password to one its holder chose, clears failures and any lock, and revokes every
                /// other credential but `keep`, with its audit entry (made from how many it revoked), in one
                /// transaction; returns that count.
                async fn change_password(
                    &self,
                    username: &str,
                    hash: &str,
                    keep: Option<i64>,
                    audit: impl FnOnce(u64) -> AuditRecord + Send,
                ) -> Result<u64> {
                    let mut tx = self.pool().begin().await?;
                    Self::password_in(&mut tx, username, hash, false).await?;
                    let done = sqlx::query(
                        "UPDATE gridmap_tokens SET revoked = $1 WHERE account_id = \
                         (SELECT id FROM gridmap_accounts WHERE username = $2) AND id <> $3 AND NOT revoked",
                    )
                    .bind(true)
                    .bind(username)
                    .bind(keep.unwrap_or(-1))
                    .execute(&mut *tx)
                    .await?;
                    let ended = done.rows_affected();
                    Self::audit_in(&mut tx, &audit(ended)).await?;
                    tx.commit().await?;
                    Ok(ended)
                }

                /// Counts a failed sign-in, audited, in one transaction; the `lock_after`th in a row locks the
                /// account until `locked_until`. Returns the account as it now is.
                async fn login_failed(&self, username: &str, lock_after: i64, locked_until: i64, audit: &AuditRecord) -> Result<Account> {
                    let mut tx = self.pool().begin().await?;
                    let done = sqlx::query(
                        "UPDATE gridmap_accounts SET failed_logins = failed_logins + 1, locked_until = CASE \
                         WHEN failed_logins + 1 >= $1 THEN $2 ELSE locked_until END WHERE username = $3",
                    )
                    .bind(lock_after)
                    .bind(locked_until)
                    .bind(username)
                    .execute(&mut *tx)
                    .await?;
                    found(done.rows_affected(), "gridmap_accounts", username)?;
                    Self::audit_in(&mut tx, audit).await?;
                    tx.commit().await?;
                    self.account(username).await?.ok_or_else(|| Error::not_found("gridmap_accounts", username))
                }

                /// A successful sign-in: clears the failure count of the session's account and stores the
                /// session, with its audit entry, in one transaction; returns the session's id.
                async fn login_succeeded(&self, session: &NewToken, audit: &AuditRecord) -> Result<i64> {
                    let mut tx = self.pool().begin().await?;
                    let done = sqlx::query("UPDATE gridmap_accounts SET failed_logins = 0, locked_until = 0 WHERE id = $1")
                        .bind(session.account_id)
                        .execute(&mut *tx)
                        .await?;
                    found(done.rows_affected(), "gridmap_accounts", session.account_id)?;
                    let id = Self::token_in(&mut tx, session).await?;
                    Self::audit_in(&mut tx, audit).await?;
                    tx.commit().await?;
                    Ok(id)
                }

                /// Stores a credential with its audit entry (made from the new id), in one transaction; returns
                /// its id. [`Error::NotFound`] when its account does not exist.
                async fn insert_token(&self, t: &NewToken, audit: impl FnOnce(i64) -> AuditRecord + Send) -> Result<i64> {
                    let mut tx = self.pool().begin().await?;
                    let id = Self::token_in(&mut tx, t).await?;
                    Self::audit_in(&mut tx, &audit(id)).await?;
                    tx.commit().await?;
                    Ok(id)
                }

                /// The live credential with this hash (not revoked, not expired at `now`) and its enabled account.
                async fn credential(&self, token_hash: &str, now: i64) -> Result<Option<(TokenInfo, Account)>> {
                    let row = sqlx::query(&format!(
                        "SELECT {TOKEN_COLUMNS} FROM gridmap_tokens WHERE token_hash = $1 AND NOT revoked AND expires_at > $2"
                    ))
                    .bind(token_hash)
                    .bind(now)
                    .fetch_optional(self.pool())
                    .await?;
                    let Some(row) = row else { return Ok(None) };
                    let t = token_from(&row)?;
                    let a = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM gridmap_accounts WHERE id = $1"))
                        .bind(t.account_id)
                        .fetch_optional(self.pool())
                        .await?;
                    let a = a.as_ref().map(account_from).transpose()?;
                    Ok(a.filter(|a| a.enabled).map(|a| (t, a)))
                }

                /// The credentials of an account, newest first.
                async fn tokens_of(&self, account_id: i64) -> Result<Vec<TokenInfo>> {
                    let rows = sqlx::query(&format!(
                        "SELECT {TOKEN_COLUMNS} FROM gridmap_tokens WHERE account_id = $1 ORDER BY id DESC"
                    ))
                    .bind(account_id)
                    .fetch_all(self.pool())
                    .await?;
                    rows.iter().map(token_from).collect()
                }

                /// Revokes live credential `id` of `account_id` with its audit entry, in one transaction; whether
                /// there was one to revoke (when not, nothing is written).
                async fn revoke_token(&self, account_id: i64, id: i64, audit: &AuditRecord) -> Result<bool> {
                    let mut tx = self.pool().begin().await?;
                    let done = sqlx::query("UPDATE gridmap_tokens SET revoked = $1 WHERE id = $2 AND account_id = $3 AND NOT revoked")
                        .bind(true)
                        .bind(id)
                        .bind(account_id)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    Self::audit_in(&mut tx, audit).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                /// Revokes the credential with this hash (sign-out) with its audit entry, in one transaction.
                /// [`Error::NotFound`] for an unknown hash.
                async fn revoke_token_hash(&self, token_hash: &str, audit: &AuditRecord) -> Result<()> {
                    let mut tx = self.pool().begin().await?;
                    let done = sqlx::query("UPDATE gridmap_tokens SET revoked = $1 WHERE token_hash = $2")
                        .bind(true)
                        .bind(token_hash)
                        .execute(&mut *tx)
                        .await?;
                    // The hash names a secret: the error says which table, not which hash.
                    found(done.rows_affected(), "gridmap_tokens", "a credential with this hash")?;
                    Self::audit_in(&mut tx, audit).await?;
                    tx.commit().await?;
                    Ok(())
                }

                /// Appends an entry to the audit log; returns its id.
                async fn append_audit(&self, r: &AuditRecord) -> Result<i64> {
                    let mut tx = self.pool().begin().await?;
                    let id = Self::audit_in(&mut tx, r).await?;
                    tx.commit().await?;
                    Ok(id)
                }

                /// Audit entries, newest first: at most `limit`, with ids below `before` when given.
                async fn audit(&self, limit: i64, before: Option<i64>) -> Result<Vec<AuditEntry>> {
                    let rows = sqlx::query(
                        "SELECT id, at, actor, action, address, households, detail FROM gridmap_audit \
                         WHERE id < $1 ORDER BY id DESC LIMIT $2",
                    )
                    .bind(before.unwrap_or(i64::MAX))
                    .bind(limit)
                    .fetch_all(self.pool())
                    .await?;
                    rows.iter().map(audit_from).collect()
                }
            }
        };
    };
}

pub(crate) use account_queries;
