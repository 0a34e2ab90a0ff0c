//! Errors keep their meaning: every route of the API, called as the county admin (so that authorisation is not
//! what answers) with an unknown id or code, or with bad input where it takes no id, answers a 4xx and never a
//! 5xx; so do the conflicting writes (a second publish of a stale draft, a draft deleted twice, a token revoked
//! twice, ...) and bodies that are not what a route takes. Every error body has the one format,
//! `{"error": {"status", "message", ...}}`.
//!
//! On the GeoPackage store and on PostGIS. The routes are taken from the access table (`gridmap::http::access::RULES`): a route without a case here
//! fails the test, so a new route cannot be forgotten.

use crate::common;

use std::collections::BTreeSet;

use crate::common::{TestApp, spawn_app_seeded, write_mini};
use gridmap::accounts::Role;
use serde_json::{Value, json};

const C: &str = "610522001001";
/// Codes and ids that are nowhere in the mini dataset or the store.
const NO_COMMUNITY: &str = "610522999999";
const NO_GRID: &str = "610522999999999";
const NO_PLAN: i64 = 999_999;

/// What a call must answer.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// This 4xx status.
    Status(u16),
    /// A 2xx: the route takes no id, code or input to get wrong (health, who am I, ...).
    NoInput,
    /// This 4xx status as a page for people (`/g/{code}`), saying so in Chinese.
    Page(u16),
}
use Expect::*;

struct Case {
    method: &'static str,
    /// The route as the access table names it.
    route: &'static str,
    path: String,
    body: Option<Value>,
    expect: Expect,
}

fn case(method: &'static str, route: &'static str, path: &str, body: Option<Value>, expect: Expect) -> Case {
    Case { method, route, path: path.to_string(), body, expect }
}

/// One call per route with an unknown id or code (or bad input where the route takes neither). Logout comes
/// last: it ends the credential.
fn unknown_cases() -> Vec<Case> {
    let plan = |tail: &str| format!("/api/v1/plans/{NO_PLAN}{tail}");
    vec![
        case("GET", "/health", "/health", None, NoInput),
        case("GET", "/api/v1/meta", "/api/v1/meta", None, NoInput),
        case("GET", "/api/v1/layers/{layer}", "/api/v1/layers/roads", None, Status(404)),
        case("GET", "/api/v1/layers/{layer}/export", "/api/v1/layers/roads/export", None, Status(404)),
        case("POST", "/api/v1/imports", "/api/v1/imports?layer=roads&name=a.geojson", None, Status(400)),
        // The test server has no 天地图 key.
        case("GET", "/api/v1/basemap/tianditu/{layer}/{z}/{x}/{y}", "/api/v1/basemap/tianditu/vec/1/0/0", None, Status(404)),
        case("POST", "/api/v1/imports/{id}/preview", "/api/v1/imports/999999/preview", Some(json!({})), Status(404)),
        case("POST", "/api/v1/imports/{id}/commit", "/api/v1/imports/999999/commit", Some(json!({"crs": "wgs84", "extra": 1})), Status(400)),
        case("DELETE", "/api/v1/imports/{id}", "/api/v1/imports/999999", None, Status(404)),
        case("GET", "/api/v1/layers/{layer}/export", "/api/v1/layers/grids/export?format=dwg", None, Status(400)),
        case("GET", "/api/v1/layers/{layer}/export", "/api/v1/layers/grids/export?encoding=big5", None, Status(400)),
        case("GET", "/api/v1/locate", "/api/v1/locate?lon=east&lat=34.5", None, Status(400)),
        case("GET", "/api/v1/search", "/api/v1/search?q=", None, Status(400)),
        case("GET", "/api/v1/nearest", "/api/v1/nearest?lon=110.2", None, Status(400)),
        case("GET", "/api/v1/grids/{code}/households", &format!("/api/v1/grids/{NO_GRID}/households"), None, Status(404)),
        case("GET", "/api/v1/grids/{code}/wallchart.png", &format!("/api/v1/grids/{NO_GRID}/wallchart.png"), None, Status(404)),
        case("GET", "/api/v1/grids/{code}/plates.png", &format!("/api/v1/grids/{NO_GRID}/plates.png"), None, Status(404)),
        case("GET", "/api/v1/grids/{code}/plates.pdf", &format!("/api/v1/grids/{NO_GRID}/plates.pdf?size=270x170"), None, Status(404)),
        case("GET", "/api/v1/communities/{code}/plates.png", &format!("/api/v1/communities/{NO_COMMUNITY}/plates.png"), None, Status(404)),
        case("GET", "/api/v1/communities/{code}/plates.pdf", &format!("/api/v1/communities/{C}/plates.pdf?size=1x1"), None, Status(400)),
        case("GET", "/api/v1/units/{code}/plates.png", &format!("/api/v1/units/{NO_GRID}001/plates.png"), None, Status(404)),
        case("GET", "/api/v1/units/{code}/plates.pdf", &format!("/api/v1/units/{NO_GRID}001/plates.pdf"), None, Status(404)),
        case("GET", "/api/v1/grids/{code}/plates.png", &format!("/api/v1/grids/{C}001/plates.png?of=households"), None, Status(400)),
        // The mini dataset has no door plates: nothing to print.
        case("GET", "/api/v1/grids/{code}/plates.pdf", &format!("/api/v1/grids/{C}001/plates.pdf?of=plates"), None, Status(422)),
        case("GET", "/api/v1/grids/{code}/notice.png", &format!("/api/v1/grids/{NO_GRID}/notice.png"), None, Status(404)),
        case("GET", "/api/v1/grids/{code}/notice.pdf", &format!("/api/v1/grids/{NO_GRID}/notice.pdf?paper=B5"), None, Status(400)),
        case("GET", "/api/v1/units/{code}/households", &format!("/api/v1/units/{NO_GRID}001/households"), None, Status(404)),
        case("GET", "/api/v1/crosswalk", "/api/v1/crosswalk?format=pdf", None, Status(400)),
        case("GET", "/api/v1/crosswalk/households", &format!("/api/v1/crosswalk/households?community={NO_COMMUNITY}"), None, Status(404)),
        case("GET", "/api/v1/crosswalk/reassignment", &format!("/api/v1/crosswalk/reassignment?community={NO_COMMUNITY}"), None, Status(404)),
        case("POST", "/api/v1/crosswalk/reassignment", "/api/v1/crosswalk/reassignment", Some(json!({"community": NO_COMMUNITY})), Status(404)),
        case("GET", "/api/v1/changes", "/api/v1/changes?limit=0", None, Status(400)),
        case("POST", "/api/v1/visits", "/api/v1/visits", Some(json!({"household": "H9999", "kind": "走访", "client_id": "errors-visit-0001"})), Status(404)),
        case("GET", "/api/v1/visits", "/api/v1/visits?household=H9999", None, Status(404)),
        case("GET", "/api/v1/coverage/contact", &format!("/api/v1/coverage/contact?parent={NO_COMMUNITY}"), None, Status(404)),
        case("GET", "/api/v1/coverage/contact.xlsx", &format!("/api/v1/coverage/contact.xlsx?parent={NO_COMMUNITY}"), None, Status(404)),
        case("GET", "/api/v1/coverage", &format!("/api/v1/coverage?parent={NO_COMMUNITY}"), None, Status(404)),
        case("GET", "/api/v1/coverage/evidence.xlsx", &format!("/api/v1/coverage/evidence.xlsx?parent={NO_COMMUNITY}"), None, Status(404)),
        case("GET", "/api/v1/coverage/evidence.pdf", &format!("/api/v1/coverage/evidence.pdf?parent={NO_GRID}"), None, Status(404)),
        case("GET", "/api/v1/coverage/defects", &format!("/api/v1/coverage/defects?parent={NO_COMMUNITY}"), None, Status(404)),
        case("POST", "/api/v1/auth/login", "/api/v1/auth/login", Some(json!({"username": "nobody", "password": "wrong-password"})), Status(401)),
        case("GET", "/api/v1/auth/me", "/api/v1/auth/me", None, NoInput),
        case(
            "POST",
            "/api/v1/auth/password",
            "/api/v1/auth/password",
            Some(json!({"old_password": "not-the-password", "new_password": "another-long-password-2026"})),
            Status(403),
        ),
        case("GET", "/api/v1/auth/tokens", "/api/v1/auth/tokens", None, NoInput),
        case("POST", "/api/v1/auth/tokens", "/api/v1/auth/tokens", Some(json!({"label": "x", "days": 0})), Status(400)),
        case("DELETE", "/api/v1/auth/tokens/{id}", &format!("/api/v1/auth/tokens/{NO_PLAN}"), None, Status(404)),
        case("GET", "/api/v1/accounts", "/api/v1/accounts", None, NoInput),
        case("GET", "/api/v1/audit", "/api/v1/audit?format=pdf", None, Status(400)),
        case("GET", "/api/v1/plans", &format!("/api/v1/plans?community={NO_COMMUNITY}"), None, Status(404)),
        case("POST", "/api/v1/plans", "/api/v1/plans", Some(json!({"community": NO_COMMUNITY, "name": "无"})), Status(404)),
        case("GET", "/api/v1/plans/versions", &format!("/api/v1/plans/versions?community={NO_COMMUNITY}"), None, Status(404)),
        case("GET", "/api/v1/plans/compare", &format!("/api/v1/plans/compare?community={NO_COMMUNITY}&b=published"), None, Status(404)),
        case("GET", "/api/v1/plans/{id}", &plan(""), None, Status(404)),
        case("PATCH", "/api/v1/plans/{id}", &plan(""), Some(json!({"name": "无"})), Status(404)),
        case("DELETE", "/api/v1/plans/{id}", &plan(""), None, Status(404)),
        case("POST", "/api/v1/plans/{id}/edits", &plan("/edits"), Some(json!({"op": "merge", "grid": NO_GRID, "with": NO_GRID})), Status(404)),
        case("POST", "/api/v1/plans/{id}/undo", &plan("/undo"), None, Status(404)),
        case("POST", "/api/v1/plans/{id}/redo", &plan("/redo"), None, Status(404)),
        case("GET", "/api/v1/plans/{id}/diff", &plan("/diff"), None, Status(404)),
        case("POST", "/api/v1/plans/{id}/publish", &plan("/publish"), Some(json!({})), Status(404)),
        case("GET", "/api/v1/plans/{id}/export", &plan("/export?format=gpkg"), None, Status(404)),
        case("GET", "/api/v1/plans/{id}/grids/{grid}/wallchart.png", &plan(&format!("/grids/{NO_GRID}/wallchart.png")), None, Status(404)),
        case("GET", "/ogcapi", "/ogcapi", None, NoInput),
        case("GET", "/ogcapi/conformance", "/ogcapi/conformance", None, NoInput),
        case("GET", "/ogcapi/api", "/ogcapi/api", None, NoInput),
        case("GET", "/api/openapi.json", "/api/openapi.json", None, NoInput),
        case("GET", "/api/docs", "/api/docs", None, NoInput),
        case("GET", "/ogcapi/collections", "/ogcapi/collections", None, NoInput),
        case("GET", "/ogcapi/collections/{collection}", "/ogcapi/collections/roads", None, Status(404)),
        case("GET", "/ogcapi/collections/{collection}/items", "/ogcapi/collections/roads/items", None, Status(404)),
        case("GET", "/ogcapi/collections/{collection}/items/{item}", &format!("/ogcapi/collections/grids/items/{NO_GRID}"), None, Status(404)),
        case("GET", "/g/{code}", &format!("/g/{NO_GRID}"), None, Page(404)),
        case("GET", "/tiles/{name}", "/tiles/roads.json", None, Status(404)),
        case("GET", "/tiles/{name}/{z}/{x}/{y}", "/tiles/roads/10/0/0.mvt", None, Status(404)),
        case("POST", "/api/v1/auth/logout", "/api/v1/auth/logout", Some(json!({})), NoInput),
    ]
}

/// Sends a request (a JSON body if any) and returns the status and the body as JSON (a string if it is not).
async fn send(app: &TestApp, who: &reqwest::Client, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    crate::common::send_json(who, reqwest::Method::from_bytes(method.as_bytes()).unwrap(), &app.url(path), body).await
}

/// Why `body` is not the one error body for `status`, if it is not.
fn not_the_error_format(status: u16, body: &Value) -> Option<String> {
    let e = &body["error"];
    let ok = e.is_object()
        && e["status"].as_u64() == Some(status as u64)
        && e["message"].as_str().is_some_and(|m| !m.trim().is_empty())
        && body.as_object().is_some_and(|o| o.len() == 1);
    (!ok).then(|| format!("not {{\"error\": {{\"status\": {status}, \"message\", ...}}}}: {body}"))
}

/// What is wrong with an answer `(status, body)` expected to be `expect`, if anything.
fn check(expect: Expect, status: u16, body: &Value) -> Option<String> {
    match expect {
        _ if status >= 500 => Some(format!("status {status}: {body}")),
        NoInput if (200..300).contains(&status) => None,
        NoInput => Some(format!("status {status}, expected 2xx: {body}")),
        Status(s) if s != status => Some(format!("status {status}, expected {s}: {body}")),
        Status(_) => not_the_error_format(status, body),
        Page(s) if s != status => Some(format!("status {status}, expected {s}: {body}")),
        Page(_) => (!body.as_str().is_some_and(|b| b.contains("未找到"))).then(|| format!("not a page saying 未找到: {body}")),
    }
}

#[test]
fn every_route_of_the_access_table_has_a_case() {
    let rules: BTreeSet<(&str, &str)> = gridmap::http::access::RULES.iter().map(|r| (r.method, r.path)).collect();
    let cases: BTreeSet<(&str, &str)> = unknown_cases().iter().map(|c| (c.method, c.route)).collect();
    let missing: Vec<_> = rules.difference(&cases).collect();
    assert!(missing.is_empty(), "routes without an unknown-id case here: {missing:?}");
    let stale: Vec<_> = cases.difference(&rules).collect();
    assert!(stale.is_empty(), "cases for routes the access table does not have: {stale:?}");
}

async fn unknown_ids_and_codes(app: &TestApp) {
    let admin = TestApp::client_with(&app.token_for("admin1", Role::Admin, "county").await);
    let mut failures = Vec::new();
    for c in unknown_cases() {
        let (status, body) = send(app, &admin, c.method, &c.path, c.body.as_ref()).await;
        if let Some(why) = check(c.expect, status, &body) {
            failures.push(format!("{} {}: {why}", c.method, c.path));
        }
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn unknown_ids_and_codes_are_4xx_in_one_format_on_gpkg() {
    let dir = tempfile::tempdir().unwrap();
    unknown_ids_and_codes(&spawn_app_seeded(&write_mini(dir.path())).await).await;
}

#[tokio::test]
async fn unknown_ids_and_codes_are_4xx_in_one_format_on_postgis() {
    let dir = tempfile::tempdir().unwrap();
    unknown_ids_and_codes(&common::spawn_app_postgis(&write_mini(dir.path())).await).await;
}

/// `{"op": ..}` edits and acknowledgements aside, bodies that are not what a route takes.
#[tokio::test]
async fn bad_bodies_say_what_and_where_in_one_format() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    let token = app.token_for("admin1", Role::Admin, "county").await;
    let admin = TestApp::client_with(&token);
    let (s, plan) = send(&app, &admin, "POST", "/api/v1/plans", Some(&json!({"community": C, "name": "甲稿"}))).await;
    assert_eq!(s, 201, "{plan}");
    let id = plan["id"].as_i64().unwrap();
    let raw = |path: &str, content_type: Option<&str>, body: &str| {
        let mut r = admin.post(app.url(path)).body(body.to_string());
        if let Some(t) = content_type {
            r = r.header("content-type", t);
        }
        r
    };
    let json_type = Some("application/json");
    // Over the 1 MiB limit (a character of three bytes).
    let big = format!("{{\"community\": \"{C}\", \"name\": \"{}\"}}", "长".repeat(1 << 19));
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, &str)> = vec![
        ("no content type", raw("/api/v1/plans", None, r#"{"community": "610522001001", "name": "x"}"#), 415, "Content-Type"),
        ("not JSON", raw("/api/v1/plans", json_type, r#"{"community": "610522001001", "name": }"#), 400, "line 1 column"),
        ("a missing field", raw("/api/v1/plans", json_type, r#"{"name": "x"}"#), 422, "community"),
        ("a field of the wrong type", raw("/api/v1/plans", json_type, r#"{"community": 610522001001, "name": "x"}"#), 422, "community"),
        ("a field the route does not take", raw("/api/v1/plans", json_type, r#"{"community": "610522001001", "name": "x", "author": "冒名者"}"#), 400, "author"),
        ("an unknown edit", raw(&format!("/api/v1/plans/{id}/edits"), json_type, r#"{"op": "paint"}"#), 422, "paint"),
        (
            "an acknowledgement without its reason",
            raw(&format!("/api/v1/plans/{id}/publish"), json_type, r#"{"acknowledge": [{"defect": "x"}]}"#),
            422,
            "acknowledge[0]",
        ),
        ("a login without JSON", raw("/api/v1/auth/login", Some("application/x-www-form-urlencoded"), "username=a&password=b"), 415, "Content-Type"),
        ("a reassignment naming who applies it", raw("/api/v1/crosswalk/reassignment", json_type, r#"{"applied_by": "王秀兰"}"#), 400, "applied_by"),
        ("a body over the limit", raw("/api/v1/plans", json_type, &big), 413, "length limit"),
    ];
    let mut failures = Vec::new();
    for (what, request, expect, says) in cases {
        let r = request.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        let why = check(Status(expect), status, &body).or_else(|| {
            let message = body["error"]["message"].as_str().unwrap_or_default();
            (!message.contains(says)).then(|| format!("the message does not say {says:?}: {message}"))
        });
        if let Some(why) = why {
            failures.push(format!("{what}: {why}"));
        }
    }
    // Bad path parameters are refused in the same format.
    let (s, v) = send(&app, &admin, "GET", "/api/v1/plans/first", None).await;
    if let Some(why) = check(Status(400), s, &v) {
        failures.push(format!("a plan id that is not a number: {why}"));
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
    let (_, after) = send(&app, &admin, "GET", &format!("/api/v1/plans/{id}"), None).await;
    assert_eq!(after["edits"], plan["edits"], "no refused body changed the draft");
}

/// Writes that conflict with what the store holds: 4xx, nothing written, one error format.
async fn conflicting_writes(app: &TestApp) {
    let token = app.token_for("admin1", Role::Admin, "county").await;
    let admin = TestApp::client_with(&token);
    let mut failures = Vec::new();
    let mut expect = |what: &str, (status, body): (u16, Value), e: Expect| {
        if let Some(why) = check(e, status, &body) {
            failures.push(format!("{what}: {why}"));
        }
        body
    };

    // Two drafts of one community; the first is published (its defects acknowledged), the second is then stale.
    let a = expect("a first draft", send(app, &admin, "POST", "/api/v1/plans", Some(&json!({"community": C, "name": "甲稿"}))).await, NoInput);
    let b = expect("a second draft", send(app, &admin, "POST", "/api/v1/plans", Some(&json!({"community": C, "name": "乙稿"}))).await, NoInput);
    let (pa, pb) = (format!("/api/v1/plans/{}", a["id"]), format!("/api/v1/plans/{}", b["id"]));
    expect("nothing to undo", send(app, &admin, "POST", &format!("{pa}/undo"), None).await, Status(422));
    expect("nothing to redo", send(app, &admin, "POST", &format!("{pa}/redo"), None).await, Status(422));
    let refused = expect("a publication with defects unacknowledged", send(app, &admin, "POST", &format!("{pa}/publish"), Some(&json!({}))).await, Status(422));
    let ack: Vec<Value> = refused["error"]["unacknowledged"]
        .as_array()
        .map(|d| d.iter().map(|d| json!({"defect": d["id"], "reason": "试点"})).collect())
        .unwrap_or_default();
    expect("the publication", send(app, &admin, "POST", &format!("{pa}/publish"), Some(&json!({"acknowledge": ack}))).await, NoInput);
    expect("publishing it again", send(app, &admin, "POST", &format!("{pa}/publish"), Some(&json!({"acknowledge": ack}))).await, Status(404));
    let stale = expect("publishing the stale draft", send(app, &admin, "POST", &format!("{pb}/publish"), Some(&json!({"acknowledge": ack}))).await, Status(409));
    assert!(stale["error"]["message"].as_str().is_some_and(|m| m.contains("nothing was changed")), "{stale}");
    expect("editing the published draft", send(app, &admin, "POST", &format!("{pa}/edits"), Some(&json!({"op": "merge", "grid": "x", "with": "y"}))).await, Status(404));
    expect("renaming the published draft", send(app, &admin, "PATCH", &pa, Some(&json!({"name": "丙稿"}))).await, Status(404));
    expect("a wall chart of a grid not in the draft", send(app, &admin, "GET", &format!("{pb}/grids/{NO_GRID}/wallchart.png"), None).await, Status(404));
    expect("a version never published", send(app, &admin, "GET", &format!("/api/v1/plans/compare?community={C}&b=v:7"), None).await, Status(404));
    expect("deleting the stale draft", send(app, &admin, "DELETE", &pb, None).await, NoInput);
    expect("deleting it again", send(app, &admin, "DELETE", &pb, None).await, Status(404));

    // A token revoked twice.
    let t = expect("a token", send(app, &admin, "POST", "/api/v1/auth/tokens", Some(&json!({"label": "一次", "days": 1}))).await, NoInput);
    let revoke = format!("/api/v1/auth/tokens/{}", t["id"]);
    expect("revoking it", send(app, &admin, "DELETE", &revoke, None).await, NoInput);
    expect("revoking it again", send(app, &admin, "DELETE", &revoke, None).await, Status(404));
    // A reassignment applied twice is no error: the second finds nothing to do.
    let once = json!({"community": C});
    expect("a reassignment", send(app, &admin, "POST", "/api/v1/crosswalk/reassignment", Some(&once)).await, NoInput);
    expect("the same reassignment again", send(app, &admin, "POST", "/api/v1/crosswalk/reassignment", Some(&once)).await, NoInput);
    // A revoked credential is refused, in the same format.
    let (s, v) = send(app, &TestApp::client_with(t["token"].as_str().unwrap_or_default()), "GET", "/api/v1/auth/tokens", None).await;
    expect("the revoked token", (s, v), Status(401));
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn conflicting_writes_are_4xx_in_one_format_on_gpkg() {
    let dir = tempfile::tempdir().unwrap();
    conflicting_writes(&spawn_app_seeded(&write_mini(dir.path())).await).await;
}

#[tokio::test]
async fn conflicting_writes_are_4xx_in_one_format_on_postgis() {
    let dir = tempfile::tempdir().unwrap();
    conflicting_writes(&common::spawn_app_postgis(&write_mini(dir.path())).await).await;
}
