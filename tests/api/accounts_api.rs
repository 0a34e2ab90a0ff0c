//! Accounts over HTTP on the mini dataset: sign-in with the one-time password, forced password change,
//! CSRF on cookie writes, no lock after failures, bearer tokens, scope-aware masking, the audit log, headers.

use crate::common;

use crate::common::{spawn_app_seeded, write_mini};
use gridmap::accounts::{Role, Scope};
use gridmap::store::{AccountStore, AnyStore};
use serde_json::{Value, json};

async fn open_store(app: &common::TestApp) -> AnyStore {
    AnyStore::open(&app.location).await.unwrap()
}

/// Adds an account and signs it in through the API, changing its one-time password; returns a client with
/// the session cookie and the CSRF token.
async fn signed_in(app: &common::TestApp, store: &AnyStore, user: &str, role: Role, scope: Scope) -> (reqwest::Client, String) {
    let one_time = gridmap::app::accounts::add_account(store, user, role, scope, None, "test").await.unwrap();
    let client = reqwest::Client::new();
    let r = client.post(app.url("/api/v1/auth/login")).json(&json!({"username": user, "password": one_time})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let set_cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", cookie.parse().unwrap());
    let client = reqwest::Client::builder().default_headers(headers).build().unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["account"]["must_change_password"], true);
    let csrf = body["csrf"].as_str().unwrap().to_string();
    // Nothing but the password change until then.
    let r = client.get(app.url("/api/v1/layers/households")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let new_pw = format!("{user}-新密码-2026");
    let r = client
        .post(app.url("/api/v1/auth/password"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"old_password": one_time, "new_password": new_pw}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    (client, csrf)
}

fn households(body: &Value) -> Vec<(String, String)> {
    body["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["properties"]["code"].as_str().unwrap().to_string(), f["properties"]["head"].as_str().unwrap_or("").to_string()))
        .collect()
}

#[tokio::test]
async fn roles_and_scopes_mask_per_household_and_reads_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    let store = open_store(&app).await;

    // Anonymous: a viewer, everything masked, security headers present.
    let r = app.client.get(app.url("/api/v1/layers/households")).send().await.unwrap();
    let csp = r.headers().get("content-security-policy").unwrap().to_str().unwrap().to_string();
    assert!(csp.contains("worker-src 'self' blob:") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(r.headers().get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(r.headers().get("x-frame-options").unwrap(), "DENY");
    let anon: Value = r.json().await.unwrap();
    assert!(households(&anon).iter().all(|(_, h)| h.contains('*')), "{anon}");

    // A grid manager of grid 001: H0001 (roster grid 001) in full, the others masked.
    let (gm, _) = signed_in(&app, &store, "gm1", Role::GridManager, "grids:610522001001001".parse().unwrap()).await;
    let body: Value = gm.get(app.url("/api/v1/layers/households")).send().await.unwrap().json().await.unwrap();
    for (code, head) in households(&body) {
        let full = code == "H0001" || code == "H0002";
        assert_eq!(!head.contains('*'), full, "{code} {head}");
    }
    // A planner sees nothing personal, even county-wide.
    let (pl, _) = signed_in(&app, &store, "planner1", Role::Planner, Scope::County).await;
    let body: Value = pl.get(app.url("/api/v1/layers/households")).send().await.unwrap().json().await.unwrap();
    assert!(households(&body).iter().all(|(_, h)| h.contains('*')));
    // The planner may not apply a reassignment; the secretary of the other community may not either.
    let r = pl.post(app.url("/api/v1/crosswalk/reassignment")).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 403);

    // The audit log: the grid manager's unmasked read is there with its household codes; sign-ins too.
    let entries = store.audit(100, None).await.unwrap();
    let read = entries.iter().find(|e| e.action == "read.personal" && e.actor == "gm1").expect("audited read");
    assert_eq!(read.households, vec!["H0001".to_string(), "H0002".to_string()]);
    assert!(read.address.starts_with("127.0.0.1:"), "{}", read.address);
    assert!(entries.iter().any(|e| e.action == "auth.login" && e.actor == "planner1"));
    assert!(!entries.iter().any(|e| e.action == "read.personal" && e.actor == "planner1"));

    // Only the admin reads the audit log.
    assert_eq!(gm.get(app.url("/api/v1/audit")).send().await.unwrap().status(), 403);
    assert_eq!(app.client.get(app.url("/api/v1/audit")).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn csrf_lock_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    let store = open_store(&app).await;
    let (sec, csrf) = signed_in(&app, &store, "sec1", Role::Secretary, "community:610522001001".parse().unwrap()).await;

    // A cookie write without the CSRF header is refused; with it, the token is issued.
    let r = sec.post(app.url("/api/v1/auth/tokens")).json(&json!({"label": "x", "days": 1})).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = sec.post(app.url("/api/v1/auth/tokens")).header("x-csrf-token", &csrf).json(&json!({"label": "x", "days": 1})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    let token = t["token"].as_str().unwrap().to_string();
    // The bearer token works without CSRF, unmasks the secretary's community, and can be revoked.
    let bearer = |path: &str| app.client.get(app.url(path)).bearer_auth(&token).send();
    let body: Value = bearer("/api/v1/grids/610522001001001/households").await.unwrap().json().await.unwrap();
    assert_eq!(body["masked"], false, "{body}");
    assert_eq!(body["households"][0]["head"], "张三");
    let r = sec.delete(app.url(&format!("/api/v1/auth/tokens/{}", t["id"]))).header("x-csrf-token", &csrf).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(bearer("/api/v1/meta").await.unwrap().status(), 401);

    // Wrong passwords slow that address down but never lock the account (`login_hardening`).
    for _ in 0..5 {
        let r = app.client.post(app.url("/api/v1/auth/login")).json(&json!({"username": "sec1", "password": "wrong-wrong"})).send().await.unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = app.client.post(app.url("/api/v1/auth/login")).json(&json!({"username": "sec1", "password": "sec1-新密码-2026"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // The audit log refuses changes from anywhere.
    if let AnyStore::Gpkg(g) = &store {
        assert!(sqlx::query("DELETE FROM gridmap_audit").execute(g.pool()).await.is_err());
    }
}
