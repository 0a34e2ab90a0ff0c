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

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::access::{Credential, Principal, SESSION_COOKIE};
use super::error::{Error, Result};
use super::extract::{JsonBody, Path, Query};
use crate::accounts::{Account, clock};
use crate::app::accounts;
use crate::store::AccountStore;

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

#[derive(Deserialize)]
struct LoginBody {
    username: String,
    password: String,
}

fn session_cookie(value: &str, max_age: i64) -> String {
    format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}")
}

fn account_json(a: &Account) -> Value {
    json!({
        "username": a.username, "display_name": a.display_name, "role": a.role, "role_name": a.role.name_zh(),
        "scope": a.scope, "must_change_password": a.must_change_password,
    })
}

async fn login(State(state): State<AppState>, who: Principal, JsonBody(b): JsonBody<LoginBody>) -> Result<Response> {
    let session = accounts::login(state.store(), state.throttle(), &b.username, &b.password, &who.address).await?;
    Ok((
        [(header::SET_COOKIE, session_cookie(&session.token, session.max_age))],
        Json(json!({ "signed_in": true, "account": account_json(&session.account), "csrf": session.csrf })),
    )
        .into_response())
}

async fn logout(State(state): State<AppState>, who: Principal) -> Result<Response> {
    match &who.credential {
        Credential::Session { token_hash, .. } | Credential::Api { token_hash, .. } => {
            accounts::logout(state.store(), token_hash, &who.as_actor()).await?;
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

async fn change_password(State(state): State<AppState>, who: Principal, JsonBody(b): JsonBody<PasswordBody>) -> Result<Json<Value>> {
    let Some(account) = &who.account else { return Err(Error::Unauthorized("请先登录 (sign in first)".into())) };
    let keep = match who.credential {
        Credential::Session { id, .. } | Credential::Api { id, .. } => Some(id),
        _ => None,
    };
    let ended =
        accounts::change_password(state.store(), account, &b.old_password, &b.new_password, keep, &who.as_actor()).await?;
    Ok(Json(json!({ "changed": true, "revoked_credentials": ended })))
}

fn signed_in(who: &Principal) -> Result<&Account> {
    who.account.as_ref().ok_or_else(|| Error::Forbidden("服务器令牌没有自己的令牌 (the server token has no tokens of its own)".into()))
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

async fn create_token(State(state): State<AppState>, who: Principal, JsonBody(b): JsonBody<TokenBody>) -> Result<Json<Value>> {
    let a = signed_in(&who)?;
    let label = b.label.unwrap_or_else(|| "api".into());
    let t = accounts::issue_token_for(state.store(), a, b.days.unwrap_or(90), &label, &who.as_actor()).await?;
    Ok(Json(json!({ "id": t.id, "token": t.token, "label": t.label, "expires_at": clock::rfc3339(t.expires_at) })))
}

async fn revoke_token(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<Json<Value>> {
    let a = signed_in(&who)?;
    accounts::revoke_token(state.store(), a, id, &who.as_actor()).await?;
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
        return Err(Error::BadRequest(format!("条数 limit {limit} 须在 1 到 100000 之间 (limit {limit} must be between 1 and 100000)")));
    }
    let entries = state.store().audit(limit, q.before).await?;
    // The head of the hash chain, for the admin to write down elsewhere: `gridmap audit verify` checks the log
    // up to it.
    let head = state.store().audit_head().await?;
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(json!({ "entries": entries, "chain": head })).into_response()),
        "csv" => {
            // Each row carries its hash; the head's travels in a header too, as the file may start lower down.
            let mut out = String::from("id,at,actor,action,address,households,detail,hash\n");
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
                    cell(e.hash.as_deref().unwrap_or("")),
                ];
                out.push_str(&row.join(","));
                out.push('\n');
            }
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, "attachment; filename=\"audit.csv\"".to_string()),
                    (header::HeaderName::from_static("x-gridmap-audit-head"), format!("{} {}", head.head_id.unwrap_or(0), head.head_hash)),
                ],
                out,
            )
                .into_response())
        }
        other => Err(Error::BadRequest(format!("格式 {other} 不可用，可选 json、csv (format {other:?} is not one of json, csv)"))),
    }
}
