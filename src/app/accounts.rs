//! The account use cases both faces call: add, disable/enable, reset, sign-in and sign-out bookkeeping, password
//! change, API token issue and revocation. Each write has its audit entry.
//!
//! Each use case is one store call: the write and its audit entry land in one transaction, or neither does.
//! The attempts that write nothing but their audit entry (a sign-in for an unknown or locked account, or for a
//! disabled one) append just that.

use serde_json::json;

use super::error::{Error, Result};
use crate::accounts::{Account, MAX_TOKEN_DAYS, Role, SESSION_SECONDS, Scope, check_username, clock, password, secret};
use super::throttle::Throttle;
use crate::store::{AccountStore, AnyStore};
use crate::store::accounts::{AuditRecord, NewAccount, NewToken, TokenKind};

/// Who does something, as the audit log records them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// A username, `token` for the server's token, `anonymous`, or `cli:USER`.
    pub name: String,
    /// The client's address (`ip:port`), or `cli`.
    pub address: String,
}

impl Actor {
    /// Whoever runs the command line, as `cli:$USER`.
    pub fn cli() -> Actor {
        Actor { name: format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into())), address: "cli".into() }
    }

    /// An audit record of `action` by this actor.
    pub fn record(&self, action: &str, detail: serde_json::Value) -> AuditRecord {
        AuditRecord { actor: self.name.clone(), action: action.into(), address: self.address.clone(), households: vec![], detail }
    }
}

/// Creates an account with a fresh one-time password, audited as `actor` in the same transaction; returns the
/// password.
pub async fn add_account(store: &AnyStore, username: &str, role: Role, scope: Scope, name: Option<&str>, actor: &str) -> Result<String> {
    check_username(username).map_err(Error::BadInput)?;
    let one_time = password::one_time();
    let hash = password::hash(&one_time).map_err(Error::Internal)?;
    let a = NewAccount {
        username: username.into(),
        display_name: name.unwrap_or(username).into(),
        password_hash: hash,
        role,
        scope: scope.clone(),
        must_change_password: true,
    };
    let by = Actor { name: actor.into(), address: "cli".into() };
    let r = by.record("account.add", json!({ "username": username, "role": role, "scope": scope }));
    store.create_account(&a, &r).await?;
    Ok(one_time)
}

/// Enables or disables an account (disabling revokes its sessions and tokens), audited in the same transaction.
pub async fn set_enabled(store: &AnyStore, username: &str, enabled: bool, by: &Actor) -> Result<()> {
    let action = if enabled { "account.enable" } else { "account.disable" };
    store.set_enabled(username, enabled, &by.record(action, json!({ "username": username }))).await?;
    Ok(())
}

/// Sets a new one-time password and unlocks the account, audited in the same transaction; returns the password.
pub async fn reset_password(store: &AnyStore, username: &str, by: &Actor) -> Result<String> {
    let p = password::one_time();
    let hash = password::hash(&p).map_err(Error::Internal)?;
    store.set_password(username, &hash, true, Some(&by.record("account.reset", json!({ "username": username })))).await?;
    Ok(p)
}

/// An API token just issued: its secret is shown once and stored only as a hash.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    pub id: i64,
    pub token: String,
    pub label: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Issues an API token for `username` valid `days` days, audited as `auth.token_created`.
pub async fn issue_token(store: &AnyStore, username: &str, days: i64, label: &str, by: &Actor) -> Result<IssuedToken> {
    check_days(days)?;
    let Some(a) = store.account(username).await? else { return Err(Error::NotFound(format!("没有账户 {username} (no account {username:?})"))) };
    issue_token_for(store, &a, days, label, by).await
}

/// Issues an API token for account `a` valid `days` days, audited as `auth.token_created`.
pub async fn issue_token_for(store: &AnyStore, a: &Account, days: i64, label: &str, by: &Actor) -> Result<IssuedToken> {
    check_days(days)?;
    let token = secret::new_secret("gm_");
    let expires_at = clock::now() + days * 86_400;
    let new = NewToken {
        token_hash: secret::digest(&token),
        account_id: a.id,
        kind: TokenKind::Api,
        label: label.into(),
        csrf: String::new(),
        expires_at,
    };
    let audit = |id| by.record("auth.token_created", json!({ "username": a.username, "id": id, "label": label, "days": days }));
    let id = store.insert_token(&new, audit).await?;
    Ok(IssuedToken { id, token, label: label.into(), expires_at })
}

fn check_days(days: i64) -> Result<()> {
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        return Err(Error::BadInput(format!("有效天数 days {days} 须在 1 到 {MAX_TOKEN_DAYS} 之间 (days {days} must be between 1 and {MAX_TOKEN_DAYS})")));
    }
    Ok(())
}

/// Revokes live token `id` of account `a`, audited as `auth.token_revoked`; [`Error::NotFound`] if it has none.
pub async fn revoke_token(store: &AnyStore, a: &Account, id: i64, by: &Actor) -> Result<()> {
    if !store.revoke_token(a.id, id, &by.record("auth.token_revoked", json!({ "id": id }))).await? {
        return Err(Error::NotFound(format!("您没有有效的令牌 {id} (no live token {id} of yours)")));
    }
    Ok(())
}

/// A browser session just opened: the cookie's secret (stored only as a hash) and its CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub account: Account,
    pub token: String,
    pub csrf: String,
    /// Seconds the session lasts.
    pub max_age: i64,
}

/// Signs `username` in from `address`. Every attempt is audited under the username given: `auth.login`,
/// `auth.login_failed` (a wrong password, an unknown username or a disabled account, alike), or
/// `auth.login_throttled` (see [`Throttle`]).
///
/// An unknown username and a wrong password take the same steps (read the account, one argon2 verification,
/// against [`password::dummy_hash`] for an unknown one, one audit write) and give the same answer, so neither
/// the time nor the reply tells which accounts exist.
pub async fn login(store: &AnyStore, throttle: &Throttle, username: &str, given: &str, address: &str) -> Result<Session> {
    let now = clock::now();
    let by = Actor { name: username.into(), address: address.into() };
    let mut record = by.record("auth.login_failed", json!({ "username": username }));
    if let Err(retry_after_s) = throttle.check(username, address) {
        record.action = "auth.login_throttled".into();
        record.detail = json!({ "username": username, "retry_after_s": retry_after_s });
        store.append_audit(&record).await?;
        return Err(Error::Throttled(retry_after_s));
    }
    let account = store.account(username).await?;
    let ok = {
        let h = account.as_ref().map_or_else(|| password::dummy_hash().to_string(), |a| a.password_hash.clone());
        let p = given.to_string();
        tokio::task::spawn_blocking(move || password::verify(&p, &h)).await?
    };
    // Verified before looking at `enabled`, so a disabled account answers like a wrong password.
    let Some(account) = account.filter(|a| ok && a.enabled) else {
        throttle.failed(username, address);
        store.append_audit(&record).await?;
        return Err(Error::WrongCredentials);
    };
    throttle.succeeded(username, address);
    let token = secret::new_secret("");
    let csrf = secret::new_secret("");
    let session = NewToken {
        token_hash: secret::digest(&token),
        account_id: account.id,
        kind: TokenKind::Session,
        label: "browser".into(),
        csrf: csrf.clone(),
        expires_at: now + SESSION_SECONDS,
    };
    record.action = "auth.login".into();
    store.login_succeeded(&session, &record).await?;
    Ok(Session { account, token, csrf, max_age: SESSION_SECONDS })
}

/// Signs out: revokes the credential with `token_hash`, audited as `auth.logout`.
pub async fn logout(store: &AnyStore, token_hash: &str, by: &Actor) -> Result<()> {
    store.revoke_token_hash(token_hash, &by.record("auth.logout", json!({}))).await?;
    Ok(())
}

/// Changes `account`'s password from `old` to `new` and ends its other sessions and tokens (all but `keep`,
/// the credential making the change); audited as `auth.password` with how many it ended, which it returns.
pub async fn change_password(store: &AnyStore, account: &Account, old: &str, new: &str, keep: Option<i64>, by: &Actor) -> Result<u64> {
    password::check_strength(new, &account.username).map_err(Error::WeakPassword)?;
    if new == old {
        return Err(Error::WeakPassword("新密码不能与旧密码相同 (the new password must differ)".into()));
    }
    let (old, h, new) = (old.to_string(), account.password_hash.clone(), new.to_string());
    let hashed = tokio::task::spawn_blocking(move || password::verify(&old, &h).then(|| password::hash(&new))).await?;
    let Some(hashed) = hashed else { return Err(Error::WrongPassword) };
    let hashed = hashed.map_err(Error::Internal)?;
    // Its audit entry counts the revocations, so the store makes it once it has made them.
    let audit = |ended| by.record("auth.password", json!({ "revoked_credentials": ended }));
    Ok(store.change_password(&account.username, &hashed, keep, audit).await?)
}
