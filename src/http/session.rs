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
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::access::{Credential, Principal, SESSION_COOKIE};
use super::error::{Error, Result};
use super::extract::{JsonBody, Path, Query};
use crate::accounts::{Account, Role, Scope, clock};
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

#[derive(Deserialize, ToSchema)]
pub(super) struct LoginBody {
    username: String,
    password: String,
}

fn session_cookie(value: &str, max_age: i64) -> String {
    format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}")
}

/// The signed-in account as the page shows it.
#[derive(Serialize, ToSchema)]
pub(super) struct AccountView {
    username: String,
    display_name: String,
    /// `admin`, `planner`, `secretary`, `grid_manager` or `viewer`.
    #[schema(value_type = String)]
    role: Role,
    /// The role's Chinese name, e.g. 规划员.
    role_name: &'static str,
    /// `county`, `town:CODE`, `community:CODE` or `grids:CODE,CODE`.
    #[schema(value_type = String)]
    scope: Scope,
    must_change_password: bool,
}

fn account_view(a: &Account) -> AccountView {
    AccountView {
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        role: a.role,
        role_name: a.role.name_zh(),
        scope: a.scope.clone(),
        must_change_password: a.must_change_password,
    }
}

/// A sign-in: the account and the session's CSRF token (the cookie travels in `Set-Cookie`).
#[derive(Serialize, ToSchema)]
pub(super) struct SignedIn {
    signed_in: bool,
    account: AccountView,
    /// Sent back as `X-CSRF-Token` on every cookie-authenticated write.
    csrf: String,
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    summary = "登录: 会话 Cookie 与 CSRF 令牌 (sign in)",
    description = "会话 Cookie 为 HttpOnly、SameSite=Strict; 之后每个带 Cookie 的写请求须带 `X-CSRF-Token` (the session cookie; every \
        cookie-authenticated write sends the CSRF token back). 用户名不存在与密码错误的回答相同; 连续失败后限速 (429).",
    request_body = LoginBody,
    responses((status = 200, description = "已登录 (signed in)", body = SignedIn,
            headers(("set-cookie" = String, description = "gridmap_session=...; HttpOnly; SameSite=Strict"))),
        (status = 401, description = "用户名或密码错误 (wrong username or password)", body = super::api_doc::bodies::ErrorBody),
        (status = 423, description = "账户已锁定或停用 (account locked)", body = super::api_doc::bodies::ErrorBody),
        (status = 429, description = "尝试过多, 稍后再试 (too many attempts: see Retry-After)", body = super::api_doc::bodies::ErrorBody,
            headers(("retry-after" = u64, description = "秒 (seconds)")))))]
pub(super) async fn login(State(state): State<AppState>, who: Principal, JsonBody(b): JsonBody<LoginBody>) -> Result<Response> {
    let session = accounts::login(state.store(), state.throttle(), &b.username, &b.password, &who.address).await?;
    Ok((
        [(header::SET_COOKIE, session_cookie(&session.token, session.max_age))],
        Json(SignedIn { signed_in: true, account: account_view(&session.account), csrf: session.csrf }),
    )
        .into_response())
}

/// After signing out.
#[derive(Serialize, ToSchema)]
pub(super) struct SignedOut {
    /// Always false.
    signed_in: bool,
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    summary = "退出: 结束本会话或撤销所用令牌 (sign out)",
    responses((status = 200, description = "已退出 (signed out)", body = SignedOut)))]
pub(super) async fn logout(State(state): State<AppState>, who: Principal) -> Result<Response> {
    match &who.credential {
        Credential::Session { token_hash, .. } | Credential::Api { token_hash, .. } => {
            accounts::logout(state.store(), token_hash, &who.as_actor()).await?;
        }
        Credential::None | Credential::ServerToken => {}
    }
    Ok(([(header::SET_COOKIE, session_cookie("", 0))], Json(SignedOut { signed_in: false })).into_response())
}

/// Who the caller is.
#[derive(Serialize, ToSchema)]
pub(super) struct Me {
    signed_in: bool,
    /// The name the logs record: the username, `token` or `anonymous`.
    actor: String,
    /// `viewer` for anonymous callers.
    #[schema(value_type = String)]
    role: Role,
    #[schema(value_type = String)]
    scope: Scope,
    account: Option<AccountView>,
    /// The session's CSRF token (only for a cookie session).
    csrf: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    summary = "当前调用者: 角色、范围与 CSRF 令牌 (who am I)",
    responses((status = 200, description = "调用者 (the caller)", body = Me)))]
pub(super) async fn me(who: Principal) -> Json<Me> {
    let csrf = match &who.credential {
        Credential::Session { csrf, .. } => Some(csrf.clone()),
        _ => None,
    };
    Json(Me {
        signed_in: who.signed_in(),
        actor: who.actor(),
        role: who.role(),
        scope: who.scope(),
        account: who.account.as_ref().map(account_view),
        csrf,
    })
}

#[derive(Deserialize, ToSchema)]
pub(super) struct PasswordBody {
    old_password: String,
    new_password: String,
}

/// A changed password.
#[derive(Serialize, ToSchema)]
pub(super) struct PasswordChanged {
    changed: bool,
    /// The account's other sessions and tokens, ended.
    revoked_credentials: u64,
}

#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth",
    summary = "修改密码, 并结束该账户的其他会话与令牌 (change the password)",
    description = "一次性密码须先经此修改, 才能调用其他接口 (a one-time password must be changed here before anything else).",
    request_body = PasswordBody,
    responses((status = 200, description = "已修改 (changed)", body = PasswordChanged),
        (status = 401, description = "未登录 (sign in first)", body = super::api_doc::bodies::ErrorBody),
        (status = 403, description = "旧密码错误 (wrong old password)", body = super::api_doc::bodies::ErrorBody),
        (status = 422, description = "新密码太弱 (the new password is too weak)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn change_password(State(state): State<AppState>, who: Principal, JsonBody(b): JsonBody<PasswordBody>) -> Result<Json<PasswordChanged>> {
    let Some(account) = &who.account else { return Err(Error::Unauthorized("请先登录 (sign in first)".into())) };
    let keep = match who.credential {
        Credential::Session { id, .. } | Credential::Api { id, .. } => Some(id),
        _ => None,
    };
    let ended =
        accounts::change_password(state.store(), account, &b.old_password, &b.new_password, keep, &who.as_actor()).await?;
    Ok(Json(PasswordChanged { changed: true, revoked_credentials: ended }))
}

fn signed_in(who: &Principal) -> Result<&Account> {
    who.account.as_ref().ok_or_else(|| Error::Forbidden("服务器令牌没有自己的令牌 (the server token has no tokens of its own)".into()))
}

/// The caller's credentials (sessions and API tokens; never their secrets).
#[derive(Serialize, ToSchema)]
pub(super) struct Tokens {
    tokens: Vec<crate::store::accounts::TokenInfo>,
}

#[utoipa::path(get, path = "/api/v1/auth/tokens", tag = "auth",
    summary = "我的会话与 API 令牌 (my sessions and API tokens)",
    responses((status = 200, description = "令牌, 不含密钥 (tokens, without their secrets)", body = Tokens)))]
pub(super) async fn list_tokens(State(state): State<AppState>, who: Principal) -> Result<Json<Tokens>> {
    let a = signed_in(&who)?;
    Ok(Json(Tokens { tokens: state.store().tokens_of(a.id).await? }))
}

#[derive(Deserialize, ToSchema)]
pub(super) struct TokenBody {
    /// 用途 (what it is for), 默认 `api`
    label: Option<String>,
    /// 有效天数, 默认 90 (days valid)
    days: Option<i64>,
}

/// A new API token: its secret is shown this once.
#[derive(Serialize, ToSchema)]
pub(super) struct Issued {
    id: i64,
    /// `gm_...`: send as `Authorization: Bearer gm_...`, or `?token=gm_...` on reads.
    token: String,
    label: String,
    /// UTC, RFC 3339.
    expires_at: String,
}

#[utoipa::path(post, path = "/api/v1/auth/tokens", tag = "auth",
    summary = "新建 API 令牌, 密钥只显示这一次 (issue an API token, shown once)",
    request_body = TokenBody,
    responses((status = 200, description = "新令牌 (the token)", body = Issued),
        (status = 422, description = "有效天数超出范围 (days out of range)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn create_token(State(state): State<AppState>, who: Principal, JsonBody(b): JsonBody<TokenBody>) -> Result<Json<Issued>> {
    let a = signed_in(&who)?;
    let label = b.label.unwrap_or_else(|| "api".into());
    let t = accounts::issue_token_for(state.store(), a, b.days.unwrap_or(90), &label, &who.as_actor()).await?;
    Ok(Json(Issued { id: t.id, token: t.token, label: t.label, expires_at: clock::rfc3339(t.expires_at) }))
}

/// A revoked token.
#[derive(Serialize, ToSchema)]
pub(super) struct Revoked {
    /// Its id.
    revoked: i64,
}

#[utoipa::path(delete, path = "/api/v1/auth/tokens/{id}", tag = "auth",
    summary = "撤销我的一个令牌 (revoke one of my tokens)",
    params(("id" = i64, Path, description = "令牌 id (the token's id)")),
    responses((status = 200, description = "已撤销 (revoked)", body = Revoked),
        (status = 404, description = "没有此令牌 (no such token of yours)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn revoke_token(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<Json<Revoked>> {
    let a = signed_in(&who)?;
    accounts::revoke_token(state.store(), a, id, &who.as_actor()).await?;
    Ok(Json(Revoked { revoked: id }))
}

/// Every account.
#[derive(Serialize, ToSchema)]
pub(super) struct Accounts {
    accounts: Vec<Account>,
}

#[utoipa::path(get, path = "/api/v1/accounts", tag = "admin",
    summary = "全部账户 (every account)",
    responses((status = 200, description = "账户 (accounts)", body = Accounts)))]
pub(super) async fn list_accounts(State(state): State<AppState>) -> Result<Json<Accounts>> {
    Ok(Json(Accounts { accounts: state.store().accounts().await? }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct AuditQuery {
    /// 条数 (1 到 100000, 默认 200) (how many entries)
    #[param(minimum = 1, maximum = 100000)]
    limit: Option<i64>,
    /// 只看此 id 之前的条目, 用于翻页 (entries before this id)
    before: Option<i64>,
    /// json (默认) 或 csv (output format)
    format: Option<String>,
}

/// Audit entries, newest first, and the head of the hash chain.
#[derive(Serialize, ToSchema)]
pub(super) struct Audit {
    entries: Vec<crate::store::accounts::AuditEntry>,
    /// Write the head down elsewhere: `gridmap audit verify` checks the log up to it.
    chain: crate::store::audit_chain::ChainHead,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "admin",
    summary = "审计日志, 最新在前, 附哈希链头 (the audit log with its hash chain head)",
    params(AuditQuery),
    responses((status = 200, description = "审计条目 (audit entries)", content((Audit = "application/json"), (String = "text/csv")),
        headers(("x-gridmap-audit-head" = String, description = "csv: 链头 id 与哈希 (the chain head's id and hash)")))))]
pub(super) async fn audit(State(state): State<AppState>, Query(q): Query<AuditQuery>) -> Result<Response> {
    let limit = q.limit.unwrap_or(200);
    if !(1..=100_000).contains(&limit) {
        return Err(Error::BadRequest(format!("条数 limit {limit} 须在 1 到 100000 之间 (limit {limit} must be between 1 and 100000)")));
    }
    let entries = state.store().audit(limit, q.before).await?;
    // The head of the hash chain, for the admin to write down elsewhere: `gridmap audit verify` checks the log
    // up to it.
    let head = state.store().audit_head().await?;
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(Audit { entries, chain: head }).into_response()),
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
