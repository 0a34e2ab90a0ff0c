//! Accounts, credentials and the audit log in the store, for both backends.
//!
//! The SQL is the same text for SQLite and PostgreSQL (`$N` parameters, plain types), so one macro expands it
//! for each backend's pool; [`AnyStore`] dispatches. The audit log has no update or delete path here, and each
//! backend's triggers refuse one from anywhere else.

use serde::Serialize;
use serde_json::Value;
use sqlx::Row;

use super::gpkg::GpkgStore;
use super::postgis::PostgisStore;
use super::{AnyStore, Error, HasDb, Result};
use crate::accounts::{Account, Role, Scope, clock};

/// A new account.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub scope: Scope,
    pub must_change_password: bool,
}

/// Which kind of bearer secret a token row holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// A browser session (cookie), with a CSRF token.
    Session,
    /// An API or CLI token (`Authorization: Bearer`).
    Api,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Session => "session",
            TokenKind::Api => "api",
        }
    }
}

/// A credential to store: the hash of its secret, never the secret.
#[derive(Clone, Debug)]
pub struct NewToken {
    pub token_hash: String,
    pub account_id: i64,
    pub kind: TokenKind,
    pub label: String,
    pub csrf: String,
    pub expires_at: i64,
}

/// A stored credential.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TokenInfo {
    pub id: i64,
    #[serde(skip)]
    pub account_id: i64,
    pub kind: TokenKind,
    pub label: String,
    #[serde(skip)]
    pub csrf: String,
    pub created_at: String,
    /// Unix seconds.
    pub expires_at: i64,
    pub revoked: bool,
}

/// What an audit entry records.
#[derive(Clone, Debug, Default)]
pub struct AuditRecord {
    /// The account's username, `token` for the server's configured token, `anonymous`, or `cli:USER`.
    pub actor: String,
    /// `auth.login`, `auth.login_failed`, `import`, `crosswalk.reassign`, `read.personal`, ...
    pub action: String,
    /// The client's address, or `cli`.
    pub address: String,
    /// Household codes whose personal data the response carried unmasked.
    pub households: Vec<String>,
    pub detail: Value,
}

/// An audit entry as read back.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    /// UTC, RFC 3339.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub address: String,
    pub households: Vec<String>,
    pub detail: Value,
}

const ACCOUNT_COLUMNS: &str = "id, username, display_name, password_hash, role, scope, enabled, \
    must_change_password, failed_logins, locked_until, created_at";
const TOKEN_COLUMNS: &str = "id, account_id, kind, label, csrf, created_at, expires_at, revoked";

fn corrupt(username: &str, reason: String) -> Error {
    Error::Corrupt { layer: "gridmap_accounts".into(), code: username.into(), reason }
}

fn account_from<R: Row>(r: &R) -> Result<Account>
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

fn token_from<R: Row>(r: &R) -> Result<TokenInfo>
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

fn audit_from<R: Row>(r: &R) -> Result<AuditEntry>
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

/// A unique-key violation becomes [`Error::Exists`].
fn exists_or(e: sqlx::Error, what: &str) -> Error {
    match e.as_database_error() {
        Some(d) if d.is_unique_violation() => Error::Exists(what.to_string()),
        _ => Error::Db(e),
    }
}

macro_rules! account_queries {
    ($store:ty) => {
        impl $store {
            /// Creates an account with its audit entry, in one transaction; [`Error::Exists`] if the username
            /// is taken (then nothing is written).
            pub async fn create_account(&self, a: &NewAccount, audit: &AuditRecord) -> Result<Account> {
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
                .map_err(|e| exists_or(e, &format!("account {:?}", a.username)))?;
                Self::audit_in(&mut tx, audit).await?;
                tx.commit().await?;
                self.account(&a.username).await?.ok_or_else(|| Error::NotFound {
                    layer: "gridmap_accounts".into(),
                    code: a.username.clone(),
                })
            }

            /// The account named `username`, if any.
            pub async fn account(&self, username: &str) -> Result<Option<Account>> {
                let row = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM gridmap_accounts WHERE username = $1"))
                    .bind(username)
                    .fetch_optional(self.pool())
                    .await?;
                row.as_ref().map(account_from).transpose()
            }

            /// Every account, by username.
            pub async fn accounts(&self) -> Result<Vec<Account>> {
                let rows = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM gridmap_accounts ORDER BY username"))
                    .fetch_all(self.pool())
                    .await?;
                rows.iter().map(account_from).collect()
            }

            /// How many accounts exist.
            pub async fn account_count(&self) -> Result<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM gridmap_accounts").fetch_one(self.pool()).await?)
            }

            /// Sets a new password hash (and whether it is one-time); clears failures and any lock; with `audit`,
            /// its entry lands in the same transaction.
            pub async fn set_password(&self, username: &str, hash: &str, must_change: bool, audit: Option<&AuditRecord>) -> Result<()> {
                let mut tx = self.pool().begin().await?;
                let done = sqlx::query(
                    "UPDATE gridmap_accounts SET password_hash = $1, must_change_password = $2, failed_logins = 0, \
                     locked_until = 0 WHERE username = $3",
                )
                .bind(hash)
                .bind(must_change)
                .bind(username)
                .execute(&mut *tx)
                .await?;
                found(done.rows_affected(), username)?;
                if let Some(audit) = audit {
                    Self::audit_in(&mut tx, audit).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            /// Enables or disables an account, audited, in one transaction. Disabling also revokes every
            /// credential it holds.
            pub async fn set_enabled(&self, username: &str, enabled: bool, audit: &AuditRecord) -> Result<()> {
                let mut tx = self.pool().begin().await?;
                let done = sqlx::query("UPDATE gridmap_accounts SET enabled = $1 WHERE username = $2")
                    .bind(enabled)
                    .bind(username)
                    .execute(&mut *tx)
                    .await?;
                found(done.rows_affected(), username)?;
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

            /// Counts a failed sign-in; the `lock_after`th in a row locks the account until `locked_until`.
            /// Returns the account as it now is.
            pub async fn login_failed(&self, username: &str, lock_after: i64, locked_until: i64) -> Result<Option<Account>> {
                sqlx::query(
                    "UPDATE gridmap_accounts SET failed_logins = failed_logins + 1, locked_until = CASE \
                     WHEN failed_logins + 1 >= $1 THEN $2 ELSE locked_until END WHERE username = $3",
                )
                .bind(lock_after)
                .bind(locked_until)
                .bind(username)
                .execute(self.pool())
                .await?;
                self.account(username).await
            }

            /// Clears the failure count after a successful sign-in.
            pub async fn login_succeeded(&self, username: &str) -> Result<()> {
                sqlx::query("UPDATE gridmap_accounts SET failed_logins = 0, locked_until = 0 WHERE username = $1")
                    .bind(username)
                    .execute(self.pool())
                    .await?;
                Ok(())
            }

            /// Stores a credential; returns its id.
            pub async fn insert_token(&self, t: &NewToken) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO gridmap_tokens (token_hash, account_id, kind, label, csrf, created_at, expires_at, revoked) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(&t.token_hash)
                .bind(t.account_id)
                .bind(t.kind.as_str())
                .bind(&t.label)
                .bind(&t.csrf)
                .bind(clock::rfc3339(clock::now()))
                .bind(t.expires_at)
                .bind(false)
                .fetch_one(self.pool())
                .await?)
            }

            /// The live credential with this hash (not revoked, not expired at `now`) and its enabled account.
            pub async fn credential(&self, token_hash: &str, now: i64) -> Result<Option<(TokenInfo, Account)>> {
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
            pub async fn tokens_of(&self, account_id: i64) -> Result<Vec<TokenInfo>> {
                let rows = sqlx::query(&format!(
                    "SELECT {TOKEN_COLUMNS} FROM gridmap_tokens WHERE account_id = $1 ORDER BY id DESC"
                ))
                .bind(account_id)
                .fetch_all(self.pool())
                .await?;
                rows.iter().map(token_from).collect()
            }

            /// Revokes credential `id` of `account_id`; whether there was one to revoke.
            pub async fn revoke_token(&self, account_id: i64, id: i64) -> Result<bool> {
                let done = sqlx::query("UPDATE gridmap_tokens SET revoked = $1 WHERE id = $2 AND account_id = $3 AND NOT revoked")
                    .bind(true)
                    .bind(id)
                    .bind(account_id)
                    .execute(self.pool())
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            /// Revokes the credential with this hash (sign-out).
            pub async fn revoke_token_hash(&self, token_hash: &str) -> Result<()> {
                sqlx::query("UPDATE gridmap_tokens SET revoked = $1 WHERE token_hash = $2")
                    .bind(true)
                    .bind(token_hash)
                    .execute(self.pool())
                    .await?;
                Ok(())
            }

            /// Revokes every credential of an account but `keep` (a password change ends other sessions).
            pub async fn revoke_all_tokens(&self, account_id: i64, keep: Option<i64>) -> Result<u64> {
                let done = sqlx::query("UPDATE gridmap_tokens SET revoked = $1 WHERE account_id = $2 AND id <> $3 AND NOT revoked")
                    .bind(true)
                    .bind(account_id)
                    .bind(keep.unwrap_or(-1))
                    .execute(self.pool())
                    .await?;
                Ok(done.rows_affected())
            }

            /// Appends an entry to the audit log; returns its id.
            pub async fn append_audit(&self, r: &AuditRecord) -> Result<i64> {
                let mut tx = self.pool().begin().await?;
                let id = Self::audit_in(&mut tx, r).await?;
                tx.commit().await?;
                Ok(id)
            }

            /// Appends an audit entry inside a write's transaction: the write and its record land together
            /// or not at all.
            pub(crate) async fn audit_in(tx: &mut sqlx::Transaction<'_, <Self as HasDb>::Db>, r: &AuditRecord) -> Result<i64> {
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

            /// Audit entries, newest first: at most `limit`, with ids below `before` when given.
            pub async fn audit(&self, limit: i64, before: Option<i64>) -> Result<Vec<AuditEntry>> {
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
}

fn found(rows: u64, username: &str) -> Result<()> {
    if rows == 0 {
        return Err(Error::NotFound { layer: "gridmap_accounts".into(), code: username.into() });
    }
    Ok(())
}

account_queries!(GpkgStore);
account_queries!(PostgisStore);

super::dispatch! {
    /// Creates an account with its audit entry; [`Error::Exists`] if the username is taken.
    fn create_account(&self, a: &NewAccount, audit: &AuditRecord) -> Result<Account>;
    /// The account named `username`, if any.
    fn account(&self, username: &str) -> Result<Option<Account>>;
    /// Every account, by username.
    fn accounts(&self) -> Result<Vec<Account>>;
    /// How many accounts exist.
    fn account_count(&self) -> Result<i64>;
    /// Sets a new password hash, audited if given; clears failures and any lock.
    fn set_password(&self, username: &str, hash: &str, must_change: bool, audit: Option<&AuditRecord>) -> Result<()>;
    /// Enables or disables an account, audited (disabling revokes its credentials).
    fn set_enabled(&self, username: &str, enabled: bool, audit: &AuditRecord) -> Result<()>;
    /// Counts a failed sign-in, locking at the `lock_after`th in a row.
    fn login_failed(&self, username: &str, lock_after: i64, locked_until: i64) -> Result<Option<Account>>;
    /// Clears the failure count.
    fn login_succeeded(&self, username: &str) -> Result<()>;
    /// Stores a credential.
    fn insert_token(&self, t: &NewToken) -> Result<i64>;
    /// The live credential with this hash and its enabled account.
    fn credential(&self, token_hash: &str, now: i64) -> Result<Option<(TokenInfo, Account)>>;
    /// The credentials of an account.
    fn tokens_of(&self, account_id: i64) -> Result<Vec<TokenInfo>>;
    /// Revokes one credential of an account.
    fn revoke_token(&self, account_id: i64, id: i64) -> Result<bool>;
    /// Revokes the credential with this hash.
    fn revoke_token_hash(&self, token_hash: &str) -> Result<()>;
    /// Revokes every credential of an account but `keep`.
    fn revoke_all_tokens(&self, account_id: i64, keep: Option<i64>) -> Result<u64>;
    /// Appends an audit entry.
    fn append_audit(&self, r: &AuditRecord) -> Result<i64>;
    /// Audit entries, newest first.
    fn audit(&self, limit: i64, before: Option<i64>) -> Result<Vec<AuditEntry>>;
}
