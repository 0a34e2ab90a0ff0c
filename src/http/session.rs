//! Signing in and out, changing one's password, API tokens; for the county admin, the accounts and the audit
//! log.
//!
//! - `POST /api/v1/auth/login` `{"username", "password"}`: a session cookie (HttpOnly, SameSite=Strict) and the
//!   session's CSRF token, which every cookie-authenticated write sends back as `X-CSRF-Token`. The sign-in
//!   itself needs `Content-Type: application/json`, which a cross-site form cannot send.
//! - `POST /api/v1/auth/logout`, `GET /api/v1/auth/me`, `POST /api/v1/auth/password`
//!   `{"old_password", "new_password"}` (ends the account's other sessions and tokens).
//! - `GET|POST /api/v1/auth/tokens` `{"label", "days"}`, `DELETE /api/v1/auth/tokens/{id}`: API tokens, shown once.
//! - `GET /api/v1/accounts`, `GET /api/v1/audit?limit=&before=&format=json|csv`: the admin's.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::access::{Credential, Principal, SESSION_COOKIE};
use super::error::{Error, Result};
use crate::accounts::{self, LOCK_AFTER_FAILURES, LOCK_SECONDS, MAX_TOKEN_DAYS, SESSION_SECONDS, clock, password, secret};
use crate::store::accounts::{AccountStore, NewToken, TokenKind};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/auth/me", get(me))
        .route("/api/v1/auth/password", post(change_password))
        .route("/api/v1/auth/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/auth/tokens/{id}", delete(revoke_token))
        .route("/api/v1/accounts", get(list_accounts))
        .route("/api/v1/audit", get(audit))
}

type JsonBody<T> = std::result::Result<Json<T>, axum::extract::rejection::JsonRejection>;

fn body<T>(b: JsonBody<T>) -> Result<T> {
    b.map(|Json(v)| v).map_err(|e| Error::BadRequest(format!("request body: {}", e.body_text())))
}

#[derive(Deserialize)]
struct LoginBody {
    username: String,
    password: String,
}

fn session_cookie(value: &str, max_age: i64) -> String {
    format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}")
}

fn account_json(a: &accounts::Account) -> Value {
    json!({
        "username": a.username, "display_name": a.display_name, "role": a.role, "role_name": a.role.name_zh(),
        "scope": a.scope, "must_change_password": a.must_change_password,
    })
}

async fn login(State(state): State<AppState>, who: Principal, b: JsonBody<LoginBody>) -> Result<Response> {
    let b = body(b)?;
    let store = state.store();
    let now = clock::now();
    let wrong = || Error::Unauthorized("用户名或密码错误 (wrong username or password)".into());
    let mut record = who.audit("auth.login_failed", json!({ "username": b.username }));
    record.actor = b.username.clone();
    let Some(account) = store.account(&b.username).await? else {
        store.append_audit(&record).await?;
        return Err(wrong());
    };
    if account.locked_at(now) {
        record.action = "auth.login_locked".into();
        store.append_audit(&record).await?;
        return Err(Error::Locked("登录失败次数过多，账户已暂时锁定，请稍后再试 (account locked after repeated failures)".into()));
    }
    // Verify before looking at `enabled`, so a disabled account answers like a wrong password.
    let ok = {
        let (p, h) = (b.password.clone(), account.password_hash.clone());
        tokio::task::spawn_blocking(move || password::verify(&p, &h)).await.map_err(|e| Error::Internal(e.into()))?
    };
    if !ok || !account.enabled {
        if !ok {
            store.login_failed(&account.username, LOCK_AFTER_FAILURES, now + LOCK_SECONDS).await?;
        }
        store.append_audit(&record).await?;
        return Err(wrong());
    }
    store.login_succeeded(&account.username).await?;
    let token = secret::new_secret("");
    let csrf = secret::new_secret("");
    store
        .insert_token(&NewToken {
            token_hash: secret::digest(&token),
            account_id: account.id,
            kind: TokenKind::Session,
            label: "browser".into(),
            csrf: csrf.clone(),
            expires_at: now + SESSION_SECONDS,
        })
        .await?;
    record.action = "auth.login".into();
    store.append_audit(&record).await?;
    Ok((
        [(header::SET_COOKIE, session_cookie(&token, SESSION_SECONDS))],
        Json(json!({ "signed_in": true, "account": account_json(&account), "csrf": csrf })),
    )
        .into_response())
}

async fn logout(State(state): State<AppState>, who: Principal) -> Result<Response> {
    match &who.credential {
        Credential::Session { token_hash, .. } | Credential::Api { token_hash, .. } => {
            state.store().revoke_token_hash(token_hash).await?;
            state.store().append_audit(&who.audit("auth.logout", json!({}))).await?;
        }
        Credential::None | Credential::ServerToken => {}
    }
    Ok(([(header::SET_COOKIE, session_cookie("", 0))], Json(json!({ "signed_in": false }))).into_response())
}

async fn me(who: Principal) -> Json<Value> {
    let csrf = match &who.credential {
        Credential::Session { csrf, .. } => Some(csrf.clone()),
        _ => None,
    };
    Json(json!({
        "signed_in": who.signed_in(),
        "actor": who.actor(),
        "role": who.role(),
        "scope": who.scope(),
        "account": who.account.as_ref().map(account_json),
        "csrf": csrf,
    }))
}

#[derive(Deserialize)]
struct PasswordBody {
    old_password: String,
    new_password: String,
}

async fn change_password(State(state): State<AppState>, who: Principal, b: JsonBody<PasswordBody>) -> Result<Json<Value>> {
    let b = body(b)?;
    let Some(account) = &who.account else { return Err(Error::Unauthorized("请先登录 (sign in first)".into())) };
    password::check_strength(&b.new_password, &account.username).map_err(Error::Unprocessable)?;
    if b.new_password == b.old_password {
        return Err(Error::Unprocessable("新密码不能与旧密码相同 (the new password must differ)".into()));
    }
    let (old, h, new) = (b.old_password.clone(), account.password_hash.clone(), b.new_password.clone());
    let hashed = tokio::task::spawn_blocking(move || password::verify(&old, &h).then(|| password::hash(&new)))
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    let Some(hashed) = hashed else {
        return Err(Error::Forbidden("旧密码错误 (wrong current password)".into()));
    };
    let hashed = hashed.map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
    // Its audit entry follows the revocations below, to count them.
    state.store().set_password(&account.username, &hashed, false, None).await?;
    let keep = match who.credential {
        Credential::Session { id, .. } | Credential::Api { id, .. } => Some(id),
        _ => None,
    };
    let ended = state.store().revoke_all_tokens(account.id, keep).await?;
    state.store().append_audit(&who.audit("auth.password", json!({ "revoked_credentials": ended }))).await?;
    Ok(Json(json!({ "changed": true, "revoked_credentials": ended })))
}

fn signed_in(who: &Principal) -> Result<&accounts::Account> {
    who.account.as_ref().ok_or_else(|| Error::Forbidden("the server token has no tokens of its own".into()))
}

async fn list_tokens(State(state): State<AppState>, who: Principal) -> Result<Json<Value>> {
    let a = signed_in(&who)?;
    Ok(Json(json!({ "tokens": state.store().tokens_of(a.id).await? })))
}

#[derive(Deserialize)]
struct TokenBody {
    label: Option<String>,
    days: Option<i64>,
}

async fn create_token(State(state): State<AppState>, who: Principal, b: JsonBody<TokenBody>) -> Result<Json<Value>> {
    let b = body(b)?;
    let a = signed_in(&who)?;
    let days = b.days.unwrap_or(90);
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        return Err(Error::BadRequest(format!("days {days} must be between 1 and {MAX_TOKEN_DAYS}")));
    }
    let label = b.label.unwrap_or_else(|| "api".into());
    let token = secret::new_secret("gm_");
    let expires_at = clock::now() + days * 86_400;
    let id = state
        .store()
        .insert_token(&NewToken {
            token_hash: secret::digest(&token),
            account_id: a.id,
            kind: TokenKind::Api,
            label: label.clone(),
            csrf: String::new(),
            expires_at,
        })
        .await?;
    state.store().append_audit(&who.audit("auth.token_created", json!({ "id": id, "label": label, "days": days }))).await?;
    Ok(Json(json!({ "id": id, "token": token, "label": label, "expires_at": clock::rfc3339(expires_at) })))
}

async fn revoke_token(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<Json<Value>> {
    let a = signed_in(&who)?;
    if !state.store().revoke_token(a.id, id).await? {
        return Err(Error::NotFound(format!("no live token {id} of yours")));
    }
    state.store().append_audit(&who.audit("auth.token_revoked", json!({ "id": id }))).await?;
    Ok(Json(json!({ "revoked": id })))
}

async fn list_accounts(State(state): State<AppState>) -> Result<Json<Value>> {
    Ok(Json(json!({ "accounts": state.store().accounts().await? })))
}

#[derive(Deserialize)]
struct AuditQuery {
    limit: Option<i64>,
    before: Option<i64>,
    format: Option<String>,
}

async fn audit(State(state): State<AppState>, Query(q): Query<AuditQuery>) -> Result<Response> {
    let limit = q.limit.unwrap_or(200);
    if !(1..=100_000).contains(&limit) {
        return Err(Error::BadRequest(format!("limit {limit} must be between 1 and 100000")));
    }
    let entries = state.store().audit(limit, q.before).await?;
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(json!({ "entries": entries })).into_response()),
        "csv" => {
            let mut out = String::from("id,at,actor,action,address,households,detail\n");
            let cell = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            for e in &entries {
                let row = [
                    e.id.to_string(),
                    cell(&e.at),
                    cell(&e.actor),
                    cell(&e.action),
                    cell(&e.address),
                    cell(&e.households.join(" ")),
                    cell(&e.detail.to_string()),
                ];
                out.push_str(&row.join(","));
                out.push('\n');
            }
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, "attachment; filename=\"audit.csv\"".to_string()),
                ],
                out,
            )
                .into_response())
        }
        other => Err(Error::BadRequest(format!("format {other:?} is not one of json, csv"))),
    }
}
