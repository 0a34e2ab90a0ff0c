//! Accounts: who may use gridmap, in which role and over which part of the county.
//!
//! The store keeps accounts, credentials (sessions and API tokens, by hash) and the audit log
//! ([`crate::store::accounts`]); this module holds what they mean.

/// Roles and scopes: what an account may do, and where.
pub mod role;
/// Password hashing (argon2id) and one-time passwords.
pub mod password;
/// Session and API token secrets: random, stored only as hashes.
pub mod secret;
/// UTC timestamps as the store and the audit log write them.
pub mod clock;

pub use role::{Role, Scope};

use serde::Serialize;

/// An account as stored.
#[derive(Clone, Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// argon2 PHC string; never serialised.
    #[serde(skip)]
    pub password_hash: String,
    /// `admin`, `planner`, `secretary`, `grid_manager` or `viewer`.
    #[schema(value_type = String)]
    pub role: Role,
    /// `county`, `town:CODE`, `community:CODE` or `grids:CODE,CODE`.
    #[schema(value_type = String)]
    pub scope: Scope,
    pub enabled: bool,
    /// Set for a one-time password: the account must change it before doing anything else.
    pub must_change_password: bool,
    /// Consecutive failed sign-ins since the last success.
    pub failed_logins: i64,
    /// Unix seconds until which sign-in is refused (0: not locked).
    pub locked_until: i64,
    /// UTC, RFC 3339.
    pub created_at: String,
}

impl Account {
    /// Whether the account is locked at `now` (unix seconds).
    pub fn locked_at(&self, now: i64) -> bool {
        self.locked_until > now
    }
}

/// Failed sign-ins in a row after which an account is locked.
pub const LOCK_AFTER_FAILURES: i64 = 5;
/// How long a lock lasts, seconds.
pub const LOCK_SECONDS: i64 = 15 * 60;
/// How long a browser session lasts, seconds.
pub const SESSION_SECONDS: i64 = 12 * 3600;
/// Longest lifetime of an API token, days.
pub const MAX_TOKEN_DAYS: i64 = 366;

/// Checks a username: 2 to 32 characters of ASCII letters, digits, `.`, `_` or `-`.
///
/// ```
/// use gridmap::accounts::check_username;
/// assert!(check_username("wang.xl").is_ok());
/// assert!(check_username("a").is_err() && check_username("王 秀").is_err());
/// ```
pub fn check_username(u: &str) -> Result<(), String> {
    let ok = (2..=32).contains(&u.len()) && u.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok { Ok(()) } else { Err(format!("username {u:?}: 2 to 32 letters, digits, '.', '_' or '-'")) }
}
