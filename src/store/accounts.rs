//! Accounts, credentials and the audit log: the role both backends implement, and its SQL.
//!
//! The SQL is the same text for SQLite and PostgreSQL (`$N` parameters, plain types), so [`account_queries`]
//! expands it for a backend: each backend invokes it once with its database and the two statements in which
//! the backends differ (see [`account_queries`]). The audit log has no update or delete path here but the
//! one-time hashing of entries written before the hash chain ([`audit_chain`](super::audit_chain)), and each
//! backend's triggers refuse any other from anywhere else.

use std::future::Future;

use serde_json::Value;
use sqlx::Row;

use super::audit_chain::StoredEntry;
use super::error::{Error, Result};
use crate::accounts::Account;

pub use super::audit_chain::{Break, ChainHead};
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
    /// Appends entries to the audit log in one transaction, in order (all or none).
    fn append_audits(&self, rs: &[AuditRecord]) -> impl Future<Output = Result<()>> + Send;
    /// Audit entries, newest first: at most `limit`, with ids below `before` when given.
    fn audit(&self, limit: i64, before: Option<i64>) -> impl Future<Output = Result<Vec<AuditEntry>>> + Send;
    /// The audit log's last entry and its hash, and how many entries it holds, as stored (not verified).
    fn audit_head(&self) -> impl Future<Output = Result<ChainHead>> + Send;
    /// Walks the audit log's hash chain from the first entry: its head if every entry verifies, else the
    /// first that does not.
    fn audit_verify(&self) -> impl Future<Output = Result<std::result::Result<ChainHead, Break>>> + Send;
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
    let hash: Option<String> = r.try_get(7)?;
    Ok(AuditEntry {
        id: r.try_get(0)?,
        at: r.try_get(1)?,
        actor: r.try_get(2)?,
        action: r.try_get(3)?,
        address: r.try_get(4)?,
        households: serde_json::from_str(&households).unwrap_or_default(),
        detail: serde_json::from_str(&detail).unwrap_or(Value::String(detail)),
        hash,
    })
}

/// The columns [`stored_from`] reads.
pub(super) const STORED_AUDIT_COLUMNS: &str = "id, at, actor, action, address, households, detail, prev_hash, hash";

/// An audit entry as hashed: its stored text, not parsed.
pub(super) fn stored_from<R: Row>(r: &R) -> Result<StoredEntry>
where
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    Ok(StoredEntry {
        id: r.try_get(0)?,
        at: r.try_get(1)?,
        actor: r.try_get(2)?,
        action: r.try_get(3)?,
        address: r.try_get(4)?,
        households: r.try_get(5)?,
        detail: r.try_get(6)?,
        prev_hash: r.try_get(7)?,
        hash: r.try_get(8)?,
    })
}

/// How many entries a walk of the chain reads at a time.
pub(super) const AUDIT_PAGE: i64 = 5000;

/// Implements [`AccountStore`] for backend `$store`, whose `pool()` is of database `$db`, and gives it
/// `audit_in`: the audit entry every audited write appends inside its own transaction. Writes that several
/// methods make (`password_in`, `token_in`) take the caller's transaction the same way.
///
/// The audit chain is extended by one appender at a time, so that no two entries follow the same head:
/// `lock` is the statement that makes a transaction the only appender until it ends, and `head` selects the
/// head's hash (NULL for an empty log, '' for an unhashed head) and the id the next entry gets.
macro_rules! account_queries {
    ($store:ty, $db:ty, lock = $lock:literal, head = $head:literal) => {
        // In a block of its own, so that the names the SQL needs are imported here, not at the invocation.
        const _: () = {
            use $crate::accounts::{Account, clock};
            use $crate::store::accounts::{
                ACCOUNT_COLUMNS, AUDIT_PAGE, AccountStore, STORED_AUDIT_COLUMNS, TOKEN_COLUMNS, account_from,
                audit_from, stored_from, token_from,
            };
            use $crate::store::audit_chain::{Break, ChainHead, GENESIS, Walk, entry_hash};
            use $crate::store::error::{Error, Result, found};
            use $crate::store::records::{AuditEntry, AuditRecord, NewAccount, NewToken, TokenInfo};

            impl $store {
                /// Appends an audit entry inside a write's transaction: the write and its record land together
                /// or not at all. The entry is chained to the head under the appenders' lock, which the
                /// transaction then holds until it ends.
                pub(crate) async fn audit_in(tx: &mut sqlx::Transaction<'_, $db>, r: &AuditRecord) -> Result<i64> {
                    sqlx::query($lock).execute(&mut **tx).await?;
                    let (prev, id): (Option<String>, i64) = sqlx::query_as($head).fetch_one(&mut **tx).await?;
                    let prev = prev.unwrap_or_else(|| GENESIS.into());
                    let at = clock::rfc3339(clock::now());
                    let households = serde_json::to_string(&r.households).expect("strings serialise");
                    let detail = r.detail.to_string();
                    let hash = entry_hash(&prev, id, &at, &r.actor, &r.action, &r.address, &households, &detail);
                    sqlx::query(
                        "INSERT INTO gridmap_audit (id, at, actor, action, address, households, detail, prev_hash, hash) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(id)
                    .bind(&at)
                    .bind(&r.actor)
                    .bind(&r.action)
                    .bind(&r.address)
                    .bind(&households)
                    .bind(&detail)
                    .bind(&prev)
                    .bind(&hash)
                    .execute(&mut **tx)
                    .await?;
                    Ok(id)
                }

                /// Hashes, once, the entries written before the hash chain existed (those up to the id its
                /// migration recorded), chaining them from the genesis in id order; then forgets the mark, so
                /// an entry written without a hash later stays unhashed and fails verification. Done on open,
                /// before this process writes anything; a no-op once done.
                pub(crate) async fn backfill_audit_chain(&self) -> Result<u64> {
                    let mut tx = self.pool().begin().await?;
                    sqlx::query($lock).execute(&mut *tx).await?;
                    let upto: Option<String> =
                        sqlx::query_scalar("SELECT value FROM gridmap_meta WHERE key = 'audit_backfill_upto'")
                            .fetch_optional(&mut *tx)
                            .await?;
                    let Some(upto) = upto.and_then(|u| u.parse::<i64>().ok()) else { return Ok(0) };
                    let rows = sqlx::query(&format!(
                        "SELECT {STORED_AUDIT_COLUMNS} FROM gridmap_audit WHERE id <= $1 ORDER BY id"
                    ))
                    .bind(upto)
                    .fetch_all(&mut *tx)
                    .await?;
                    let mut prev = GENESIS.to_string();
                    let mut filled = 0;
                    for row in &rows {
                        let e = stored_from(row)?;
                        let hash = match e.hash {
                            Some(h) => h,
                            None => {
                                let h = e.expected_hash(&prev);
                                sqlx::query("UPDATE gridmap_audit SET prev_hash = $1, hash = $2 WHERE id = $3")
                                    .bind(&prev)
                                    .bind(&h)
                                    .bind(e.id)
                                    .execute(&mut *tx)
                                    .await?;
                                filled += 1;
                                h
                            }
                        };
                        prev = hash;
                    }
                    sqlx::query("DELETE FROM gridmap_meta WHERE key = 'audit_backfill_upto'").execute(&mut *tx).await?;
                    tx.commit().await?;
                    Ok(filled)
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

                /// Appends entries to the audit log in one transaction, in order.
                async fn append_audits(&self, rs: &[AuditRecord]) -> Result<()> {
                    let mut tx = self.pool().begin().await?;
                    for r in rs {
                        Self::audit_in(&mut tx, r).await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

                /// Audit entries, newest first: at most `limit`, with ids below `before` when given.
                async fn audit(&self, limit: i64, before: Option<i64>) -> Result<Vec<AuditEntry>> {
                    let rows = sqlx::query(
                        "SELECT id, at, actor, action, address, households, detail, hash FROM gridmap_audit \
                         WHERE id < $1 ORDER BY id DESC LIMIT $2",
                    )
                    .bind(before.unwrap_or(i64::MAX))
                    .bind(limit)
                    .fetch_all(self.pool())
                    .await?;
                    rows.iter().map(audit_from).collect()
                }

                /// The audit log's last entry and its hash, and how many entries it holds, as stored.
                async fn audit_head(&self) -> Result<ChainHead> {
                    let (entries, head_id, head_hash): (i64, Option<i64>, Option<String>) = sqlx::query_as(
                        "SELECT (SELECT COUNT(*) FROM gridmap_audit), \
                         (SELECT id FROM gridmap_audit ORDER BY id DESC LIMIT 1), \
                         (SELECT COALESCE(hash, '') FROM gridmap_audit ORDER BY id DESC LIMIT 1)",
                    )
                    .fetch_one(self.pool())
                    .await?;
                    Ok(ChainHead { entries, head_id, head_hash: head_hash.unwrap_or_else(|| GENESIS.into()) })
                }

                /// Walks the hash chain from the first entry, a page at a time.
                async fn audit_verify(&self) -> Result<std::result::Result<ChainHead, Break>> {
                    let mut walk = Walk::default();
                    let mut after = i64::MIN;
                    loop {
                        let rows = sqlx::query(&format!(
                            "SELECT {STORED_AUDIT_COLUMNS} FROM gridmap_audit WHERE id > $1 ORDER BY id LIMIT $2"
                        ))
                        .bind(after)
                        .bind(AUDIT_PAGE)
                        .fetch_all(self.pool())
                        .await?;
                        for row in &rows {
                            let e = stored_from(row)?;
                            if let Err(b) = walk.step(&e) {
                                return Ok(Err(b));
                            }
                            after = e.id;
                        }
                        if (rows.len() as i64) < AUDIT_PAGE {
                            return Ok(Ok(walk.head()));
                        }
                    }
                }
            }
        };
    };
}

pub(crate) use account_queries;
