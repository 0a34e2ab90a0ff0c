//! Who may call what: one table of every API route with its policy, and the middleware that resolves the
//! caller (session cookie or bearer token), enforces the table, checks CSRF on cookie-authenticated writes, and
//! audits responses that carried unmasked personal data.
//!
//! A route the table does not name is refused to everyone (and logged); the authorisation-matrix test
//! (`tests/api/authz_matrix.rs`) fails when a route in `src/http` has no entry here.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use subtle::ConstantTimeEq;

use super::AppState;
use super::error::Error;
use super::privacy::{Access, Viewer};
use crate::accounts::{Account, Role, Scope, clock, secret};
use crate::app::accounts::Actor;
use crate::store::accounts::{AuditRecord, TokenKind};
use crate::store::AccountStore;

/// What a route requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Anyone, even an account that must still change its one-time password (health, sign-in, sign-out).
    Public,
    /// Anyone; anonymous callers are viewers of the whole county (personal data masked).
    Anyone,
    /// Any signed-in account.
    SignedIn,
    /// Signed in with one of these roles.
    Roles(&'static [Role]),
}

/// One API route and its policy.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub method: &'static str,
    pub path: &'static str,
    pub policy: Policy,
}

const fn rule(method: &'static str, path: &'static str, policy: Policy) -> Rule {
    Rule { method, path, policy }
}

const ADMIN: &[Role] = &[Role::Admin];
const APPLIES_REASSIGNMENT: &[Role] = &[Role::Admin, Role::Secretary];
const READS_CHANGES: &[Role] = &[Role::Admin, Role::Planner, Role::Secretary, Role::GridManager];
/// Planners draft and publish grids; secretaries follow their community's drafts; both within their scope.
const PLANS: &[Role] = &[Role::Admin, Role::Planner];
/// The web import: the county admin, and planners and secretaries within their scope.
const IMPORTS: &[Role] = &[Role::Admin, Role::Planner, Role::Secretary];
const READS_PLANS: &[Role] = &[Role::Admin, Role::Planner, Role::Secretary];
/// The roles who visit households and may see them in full: each within their scope (the handler checks it).
const VISITS: &[Role] = &[Role::Admin, Role::Secretary, Role::GridManager];
/// Contact coverage: the visiting roles and planners, each within their scope.
const READS_CONTACT: &[Role] = &[Role::Admin, Role::Planner, Role::Secretary, Role::GridManager];

/// Every API route. The static page (the fallback) is public.
pub const RULES: &[Rule] = &[
    rule("GET", "/health", Policy::Public),
    rule("GET", "/api/v1/meta", Policy::Public),
    rule("GET", "/api/v1/layers/{layer}", Policy::Anyone),
    rule("GET", "/api/v1/layers/{layer}/export", Policy::Anyone),
    // The map's basemap is everyone's, as the map is.
    rule("GET", "/api/v1/basemap/tianditu/{layer}/{z}/{x}/{y}", Policy::Anyone),
    rule("POST", "/api/v1/imports", Policy::Roles(IMPORTS)),
    rule("POST", "/api/v1/imports/{id}/preview", Policy::Roles(IMPORTS)),
    rule("POST", "/api/v1/imports/{id}/commit", Policy::Roles(IMPORTS)),
    rule("DELETE", "/api/v1/imports/{id}", Policy::Roles(IMPORTS)),
    rule("GET", "/api/v1/locate", Policy::Anyone),
    rule("GET", "/api/v1/search", Policy::Anyone),
    rule("GET", "/api/v1/nearest", Policy::Anyone),
    rule("GET", "/api/v1/grids/{code}/households", Policy::Anyone),
    rule("GET", "/api/v1/grids/{code}/wallchart.png", Policy::Anyone),
    // Plates and the notice carry public data only: whoever may print the wall chart may print them.
    rule("GET", "/api/v1/grids/{code}/plates.png", Policy::Anyone),
    rule("GET", "/api/v1/grids/{code}/plates.pdf", Policy::Anyone),
    rule("GET", "/api/v1/communities/{code}/plates.png", Policy::Anyone),
    rule("GET", "/api/v1/communities/{code}/plates.pdf", Policy::Anyone),
    rule("GET", "/api/v1/units/{code}/plates.png", Policy::Anyone),
    rule("GET", "/api/v1/units/{code}/plates.pdf", Policy::Anyone),
    rule("GET", "/api/v1/grids/{code}/notice.png", Policy::Anyone),
    rule("GET", "/api/v1/grids/{code}/notice.pdf", Policy::Anyone),
    rule("GET", "/api/v1/units/{code}/households", Policy::Anyone),
    rule("GET", "/api/v1/crosswalk", Policy::Anyone),
    rule("GET", "/api/v1/crosswalk/households", Policy::Anyone),
    rule("GET", "/api/v1/crosswalk/reassignment", Policy::Anyone),
    rule("POST", "/api/v1/crosswalk/reassignment", Policy::Roles(APPLIES_REASSIGNMENT)),
    rule("GET", "/api/v1/changes", Policy::Roles(READS_CHANGES)),
    rule("GET", "/api/v1/coverage", Policy::Anyone),
    rule("GET", "/api/v1/coverage/defects", Policy::Anyone),
    // The evidence lists the defects as /api/v1/coverage/defects does, masked the same way.
    rule("GET", "/api/v1/coverage/evidence.xlsx", Policy::Anyone),
    rule("GET", "/api/v1/coverage/evidence.pdf", Policy::Anyone),
    rule("GET", "/api/v1/coverage/contact", Policy::Roles(READS_CONTACT)),
    rule("GET", "/api/v1/coverage/contact.xlsx", Policy::Roles(READS_CONTACT)),
    rule("POST", "/api/v1/visits", Policy::Roles(VISITS)),
    rule("GET", "/api/v1/visits", Policy::Roles(VISITS)),
    rule("POST", "/api/v1/auth/login", Policy::Public),
    rule("POST", "/api/v1/auth/logout", Policy::Public),
    rule("GET", "/api/v1/auth/me", Policy::Public),
    rule("POST", "/api/v1/auth/password", Policy::Public),
    rule("GET", "/api/v1/auth/tokens", Policy::SignedIn),
    rule("POST", "/api/v1/auth/tokens", Policy::SignedIn),
    rule("DELETE", "/api/v1/auth/tokens/{id}", Policy::SignedIn),
    rule("GET", "/api/v1/accounts", Policy::Roles(ADMIN)),
    rule("GET", "/api/v1/audit", Policy::Roles(ADMIN)),
    rule("GET", "/api/v1/plans", Policy::Roles(READS_PLANS)),
    rule("POST", "/api/v1/plans", Policy::Roles(PLANS)),
    rule("GET", "/api/v1/plans/versions", Policy::Roles(READS_PLANS)),
    rule("GET", "/api/v1/plans/compare", Policy::Roles(READS_PLANS)),
    rule("GET", "/api/v1/plans/{id}", Policy::Roles(READS_PLANS)),
    rule("PATCH", "/api/v1/plans/{id}", Policy::Roles(PLANS)),
    rule("DELETE", "/api/v1/plans/{id}", Policy::Roles(PLANS)),
    rule("POST", "/api/v1/plans/{id}/edits", Policy::Roles(PLANS)),
    rule("POST", "/api/v1/plans/{id}/undo", Policy::Roles(PLANS)),
    rule("POST", "/api/v1/plans/{id}/redo", Policy::Roles(PLANS)),
    rule("GET", "/api/v1/plans/{id}/diff", Policy::Roles(READS_PLANS)),
    rule("POST", "/api/v1/plans/{id}/publish", Policy::Roles(PLANS)),
    rule("GET", "/api/v1/plans/{id}/export", Policy::Roles(READS_PLANS)),
    rule("GET", "/api/v1/plans/{id}/grids/{grid}/wallchart.png", Policy::Roles(READS_PLANS)),
    rule("GET", "/ogcapi", Policy::Anyone),
    rule("GET", "/ogcapi/conformance", Policy::Anyone),
    rule("GET", "/ogcapi/api", Policy::Anyone),
    rule("GET", "/ogcapi/collections", Policy::Anyone),
    rule("GET", "/ogcapi/collections/{collection}", Policy::Anyone),
    rule("GET", "/ogcapi/collections/{collection}/items", Policy::Anyone),
    rule("GET", "/ogcapi/collections/{collection}/items/{item}", Policy::Anyone),
    rule("GET", "/tiles/{name}", Policy::Anyone),
    rule("GET", "/tiles/{name}/{z}/{x}/{y}", Policy::Anyone),
    rule("GET", "/g/{code}", Policy::Public),
    rule("GET", "/api/openapi.json", Policy::Public),
    rule("GET", "/api/docs", Policy::Public),
];

/// The rule for a request, `HEAD` answered as `GET`.
pub fn rule_for(method: &Method, path: &str) -> Option<&'static Rule> {
    let m = if method == Method::HEAD { "GET" } else { method.as_str() };
    RULES.iter().find(|r| r.method == m && r.path == path)
}

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "gridmap_session";
/// The header a cookie-authenticated write must carry, equal to the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the caller proved who they are.
#[derive(Clone, Debug, PartialEq)]
pub enum Credential {
    /// Nothing (anonymous).
    None,
    /// A browser session cookie.
    Session { id: i64, token_hash: String, csrf: String },
    /// An API token (`Authorization: Bearer gm_...`).
    Api { id: i64, token_hash: String },
    /// The token the server was started with (`serve --token`): a county admin for scripts.
    ServerToken,
}

/// The caller of a request.
#[derive(Clone, Debug)]
pub struct Principal {
    pub account: Option<Account>,
    pub credential: Credential,
    /// The client's address (`ip:port`), or `unknown`.
    pub address: String,
}

impl Principal {
    fn anonymous(address: String) -> Principal {
        Principal { account: None, credential: Credential::None, address }
    }

    /// The role: the account's, admin for the server token, viewer for anonymous callers.
    pub fn role(&self) -> Role {
        match (&self.account, &self.credential) {
            (Some(a), _) => a.role,
            (None, Credential::ServerToken) => Role::Admin,
            _ => Role::Viewer,
        }
    }

    pub fn scope(&self) -> Scope {
        self.account.as_ref().map_or(Scope::County, |a| a.scope.clone())
    }

    /// The name the audit log and change log record.
    pub fn actor(&self) -> String {
        match (&self.account, &self.credential) {
            (Some(a), _) => a.username.clone(),
            (None, Credential::ServerToken) => "token".into(),
            _ => "anonymous".into(),
        }
    }

    pub fn signed_in(&self) -> bool {
        self.credential != Credential::None
    }

    /// This caller as the use cases record them.
    pub fn as_actor(&self) -> Actor {
        Actor { name: self.actor(), address: self.address.clone() }
    }

    /// An audit record of `action` by this caller.
    pub fn audit(&self, action: &str, detail: serde_json::Value) -> AuditRecord {
        self.as_actor().record(action, detail)
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Principal>().cloned().unwrap_or_else(|| Principal::anonymous("unknown".into())))
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
}

/// `?token=T` of a read without an `Authorization` header, as the bearer header it stands for.
fn query_token(method: &Method, req: &Request) -> Option<axum::http::HeaderValue> {
    if !matches!(*method, Method::GET | Method::HEAD) || req.headers().contains_key(AUTHORIZATION) {
        return None;
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.uri().query()?).ok()?;
    let token = pairs.into_iter().rev().find(|(k, _)| k == "token").map(|(_, v)| v)?;
    format!("Bearer {}", token.trim()).parse().ok()
}

/// Resolves the caller. A bearer token that is not valid is an error (401); a stale session cookie is ignored
/// (the caller is anonymous), so an expired session does not break the public page.
pub async fn resolve(state: &AppState, headers: &HeaderMap, address: String) -> Result<Principal, Error> {
    let now = clock::now();
    if let Some(token) = bearer(headers) {
        if state.token().matches(token) {
            return Ok(Principal { account: None, credential: Credential::ServerToken, address });
        }
        let hash = secret::digest(token);
        return match state.store().credential(&hash, now).await? {
            Some((t, a)) if t.kind == TokenKind::Api => {
                Ok(Principal { account: Some(a), credential: Credential::Api { id: t.id, token_hash: hash }, address })
            }
            _ => Err(Error::Unauthorized("令牌无效、已过期或已撤销 (invalid, expired or revoked token)".into())),
        };
    }
    if let Some(c) = cookie(headers, SESSION_COOKIE) {
        let hash = secret::digest(c);
        if let Some((t, a)) = state.store().credential(&hash, now).await?
            && t.kind == TokenKind::Session
        {
            let credential = Credential::Session { id: t.id, token_hash: hash, csrf: t.csrf };
            return Ok(Principal { account: Some(a), credential, address });
        }
    }
    Ok(Principal::anonymous(address))
}

/// Whether `principal` may call a route with `policy` (before scope checks inside the handler).
pub fn permits(policy: Policy, principal: &Principal) -> Result<(), Error> {
    let must_change = principal.account.as_ref().is_some_and(|a| a.must_change_password);
    if must_change && policy != Policy::Public {
        return Err(Error::Forbidden("请先修改一次性密码 (change the one-time password first)".into()));
    }
    match policy {
        Policy::Public | Policy::Anyone => Ok(()),
        Policy::SignedIn | Policy::Roles(_) if !principal.signed_in() => {
            Err(Error::Unauthorized("请先登录 (sign in first)".into()))
        }
        Policy::SignedIn => Ok(()),
        Policy::Roles(roles) if roles.contains(&principal.role()) => Ok(()),
        Policy::Roles(_) => Err(Error::Forbidden("您的角色无权执行此操作 (your role does not allow this)".into())),
    }
}

/// The middleware on every API route: resolve, authorise, check CSRF, run, audit.
pub async fn authorize(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let address = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.to_string());
    let path = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_default();
    let method = req.method().clone();
    let Some(rule) = rule_for(&method, &path) else {
        tracing::error!(%method, %path, "route without an access rule: refused");
        return Error::Forbidden("此路径没有访问规则 (no access rule for this route)".into()).into_response();
    };
    let mut req = req;
    if let Some(token) = query_token(&method, &req) {
        // GDAL and QGIS can only append a query to every request: `?token=` stands for the bearer header.
        req.headers_mut().insert(AUTHORIZATION, token);
    }
    let principal = match resolve(&state, req.headers(), address).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if let Err(e) = permits(rule.policy, &principal) {
        return e.into_response();
    }
    let unsafe_method = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    if let (true, Credential::Session { csrf, .. }) = (unsafe_method, &principal.credential) {
        let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !bool::from(sent.as_bytes().ct_eq(csrf.as_bytes())) || csrf.is_empty() {
            return Error::Forbidden("缺少或错误的 CSRF 令牌 (missing or wrong X-CSRF-Token)".into()).into_response();
        }
    }
    let access = Access::new(Viewer { actor: principal.actor(), role: principal.role(), scope: principal.scope() });
    req.extensions_mut().insert(access.clone());
    req.extensions_mut().insert(principal.clone());
    let response = next.run(req).await;
    let shown = access.shown_households();
    if !shown.is_empty() && response.status().is_success() {
        let mut record = principal.audit("read.personal", json!({ "method": method.as_str(), "route": path }));
        record.households = shown;
        if let Err(e) = state.audit_writer().append(record).await {
            // The response carried personal data that could not be audited: withhold it.
            tracing::error!(error = %e, "audit write failed");
            return Error::Internal(anyhow::anyhow!("audit write failed: {e}")).into_response();
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_name() {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, "a=1; gridmap_session=abc ; b=2".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn policies_refuse_by_role_and_must_change() {
        let anon = Principal::anonymous("x".into());
        assert!(permits(Policy::Anyone, &anon).is_ok());
        assert!(matches!(permits(Policy::SignedIn, &anon), Err(Error::Unauthorized(_))));
        let token = Principal { account: None, credential: Credential::ServerToken, address: "x".into() };
        assert!(permits(Policy::Roles(ADMIN), &token).is_ok());
        assert!(matches!(permits(Policy::Roles(&[Role::Secretary]), &token), Err(Error::Forbidden(_))));
    }

    #[test]
    fn every_rule_is_unique() {
        for (i, a) in RULES.iter().enumerate() {
            assert!(!RULES[i + 1..].iter().any(|b| a.method == b.method && a.path == b.path), "{a:?} twice");
        }
    }
}
