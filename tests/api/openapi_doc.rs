//! `/api/openapi.json` against the router, both ways: every `/api/v1` route declared in `src/http` (with its
//! method) is in the document and every operation of the document is declared and answered by the real server
//! (with path parameters filled from the default dataset); the document is well-formed OpenAPI 3 (every `$ref`
//! resolves, every path parameter declared, a 2xx on every operation, the access table's policy on each); and
//! `/api/docs` reads in headless Chromium with no script and nothing fetched from elsewhere.

use std::collections::BTreeSet;

use gridmap::accounts::Role;
use serde_json::{Value, json};

use crate::common::{self, TestApp, browser};

/// What the access middleware says of a method a path has no rule (and no handler) for.
const NO_RULE: &str = "no access rule for this route";

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// `(METHOD, path)` of every operation in the document.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in METHODS {
            if item.get(m).is_some() {
                out.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// Every `$ref` in `v`, with where it was found.
fn refs(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref" {
                    out.push((at.to_string(), x.as_str().unwrap_or("").to_string()));
                } else {
                    refs(x, &format!("{at}/{k}"), out);
                }
            }
        }
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| refs(x, &format!("{at}/{i}"), out)),
        _ => {}
    }
}

async fn document(app: &TestApp) -> Value {
    let r = TestApp::anonymous().get(app.url("/api/openapi.json")).send().await.unwrap();
    assert_eq!(r.status(), 200, "the document is public");
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    r.json().await.unwrap()
}

#[tokio::test]
async fn every_route_is_documented_and_every_operation_is_routed() {
    let app = common::spawn_app().await;
    let doc = document(&app).await;
    let in_doc = documented(&doc);
    let routed: BTreeSet<(String, String)> =
        common::declared_routes().into_iter().filter(|(_, p)| p.starts_with("/api/v1/")).collect();
    assert!(routed.len() > 30, "the route scan found only {routed:?}");
    let undocumented: Vec<_> = routed.difference(&in_doc).collect();
    assert!(undocumented.is_empty(), "routes the router serves but the document lacks: {undocumented:?}");
    let unrouted: Vec<_> = in_doc.difference(&routed).collect();
    assert!(unrouted.is_empty(), "operations in the document that no route declares: {unrouted:?}");
}

#[tokio::test]
async fn the_document_is_well_formed_openapi_3() {
    let app = common::spawn_app().await;
    let doc = document(&app).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{}", doc["openapi"]);
    assert!(doc["info"]["title"].as_str().unwrap().contains("网格"));
    let mut found = Vec::new();
    refs(&doc, "#", &mut found);
    assert!(found.len() > 50, "only {} $refs", found.len());
    for (at, r) in &found {
        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("{at}: $ref {r} is not local"));
        assert!(doc.pointer(pointer).is_some(), "{at}: $ref {r} does not resolve");
    }
    for scheme in ["session", "bearer", "token"] {
        assert!(doc["components"]["securitySchemes"][scheme].is_object(), "security scheme {scheme}");
    }
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            let Some(op) = item.get(m) else { continue };
            let at = format!("{} {path}", m.to_uppercase());
            assert!(ids.insert(op["operationId"].as_str().unwrap_or_else(|| panic!("{at}: no operationId")).to_string()), "{at}: operationId twice");
            let summary = op["summary"].as_str().unwrap_or_else(|| panic!("{at}: no summary"));
            assert!(summary.chars().next().is_some_and(|c| !c.is_ascii()), "{at}: summary not Chinese first: {summary}");
            let responses = op["responses"].as_object().unwrap_or_else(|| panic!("{at}: no responses"));
            assert!(responses.keys().any(|c| c.starts_with('2')), "{at}: no 2xx");
            for (code, r) in responses {
                assert!(r["description"].is_string(), "{at} {code}: no description");
                // A 304 has no body (a conditional GET's answer); every other non-2xx is the error body.
                if !code.starts_with('2') && code != "304" {
                    let schema = &r["content"]["application/json"]["schema"]["$ref"];
                    assert_eq!(schema, "#/components/schemas/ErrorBody", "{at} {code}: not the error body");
                }
            }
            // 401 can come from any route (a token that is not valid); every JSON body can be refused so.
            assert!(responses.contains_key("401"), "{at}: no 401");
            if op.get("requestBody").is_some() {
                for code in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(code), "{at}: a JSON body without {code}");
                }
            }
            let rule = gridmap::http::access::rule_for(&m.to_uppercase().parse().unwrap(), path).unwrap_or_else(|| panic!("{at}: no access rule"));
            let optional = op["security"].as_array().unwrap().iter().any(|s| s == &json!({}));
            let open = matches!(rule.policy, gridmap::http::access::Policy::Public | gridmap::http::access::Policy::Anyone);
            assert_eq!(optional, open, "{at}: security against the access table's {:?}", rule.policy);
            if !open {
                assert!(responses.contains_key("403"), "{at}: restricted without 403");
            }
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for name in path.split('{').skip(1).map(|s| s.split('}').next().unwrap()) {
                let p = params.iter().find(|p| p["name"] == name && p["in"] == "path");
                assert!(p.is_some_and(|p| p["required"] == true), "{at}: path parameter {name} not declared as required");
            }
        }
    }
    // Request and response schemas come from the code: a few by name, with their fields.
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["Edit"]["oneOf"].as_array().is_some_and(|v| v.len() == 8), "Edit: {}", schemas["Edit"]);
    assert!(schemas["DraftView"]["properties"]["stale"].is_object());
    assert!(schemas["Meta"]["properties"]["counts"].is_object());
    assert!(schemas["Located"]["properties"]["inside_county"].is_object());
    assert!(schemas["Account"]["properties"].get("password_hash").is_none(), "a skipped field is not documented");
    let limit = doc["paths"]["/api/v1/search"]["get"]["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "limit").cloned().unwrap();
    assert_eq!(limit["schema"]["maximum"], 50);
}

/// Real values of the default dataset and the store, for a documented path's parameters.
struct Values {
    grid: String,
    unit: String,
    community: String,
    plan: i64,
    draft_grid: String,
    token: i64,
    upload: u64,
}

/// A documented path with its parameters filled with `v`.
fn filled(path: &str, v: &Values) -> String {
    let out = path
        .replace("/layers/{layer}", "/layers/grids")
        .replace("/grids/{code}/", &format!("/grids/{}/", v.grid))
        .replace("/units/{code}/", &format!("/units/{}/", v.unit))
        .replace("/communities/{code}/", &format!("/communities/{}/", v.community))
        .replace("/plans/{id}", &format!("/plans/{}", v.plan))
        .replace("/grids/{grid}/", &format!("/grids/{}/", v.draft_grid))
        .replace("/tokens/{id}", &format!("/tokens/{}", v.token))
        .replace("/imports/{id}", &format!("/imports/{}", v.upload))
        .replace("/tianditu/{layer}/{z}/{x}/{y}", "/tianditu/vec/1/0/0");
    assert!(!out.contains('{'), "{path}: a parameter left unfilled in {out}");
    out
}

#[tokio::test]
async fn every_documented_operation_is_answered_by_the_server() {
    let app = common::spawn_app().await;
    let doc = document(&app).await;
    let admin = TestApp::client_with(&app.token_for("doc.admin", Role::Admin, "county").await);
    let (_, grids) = app.get_json("/api/v1/layers/grids").await;
    let first = &grids["features"][0]["properties"];
    let (grid, community) = (first["code"].as_str().unwrap().to_string(), first["community_code"].as_str().unwrap().to_string());
    let (_, units) = app.get_json("/api/v1/layers/units").await;
    let unit = units["features"][0]["properties"]["code"].as_str().unwrap().to_string();
    let draft: Value = admin
        .post(app.url("/api/v1/plans"))
        .json(&json!({ "community": community, "name": "文档检查" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let plan = draft["id"].as_i64().unwrap_or_else(|| panic!("a draft: {draft}"));
    let draft_grid = draft["grids"]["features"][0]["id"].as_str().unwrap().to_string();
    let issued: Value = admin.post(app.url("/api/v1/auth/tokens")).json(&json!({ "label": "doc" })).send().await.unwrap().json().await.unwrap();
    let token = issued["id"].as_i64().unwrap();
    // An upload for the import's routes: an empty grids layer, which previews as refused and never commits.
    let uploaded: Value = admin
        .post(app.url("/api/v1/imports?layer=grids&name=empty.geojson"))
        .body(r#"{"type":"FeatureCollection","features":[]}"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let upload = uploaded["id"].as_u64().unwrap_or_else(|| panic!("an upload: {uploaded}"));
    let values = Values { grid, unit, community, plan, draft_grid, token, upload };

    // The check can fail: an unknown path is 404, and a method a path does not take is refused by the access
    // middleware (no rule) before the method router would answer 405.
    assert_eq!(admin.get(app.url("/api/v1/no-such-route")).send().await.unwrap().status(), 404);
    let r = admin.delete(app.url("/api/v1/meta")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains(NO_RULE));

    // Writes that end what later requests use come last: deleting, publishing, signing out.
    let mut ops: Vec<(String, String)> = documented(&doc).into_iter().filter(|(_, p)| p.starts_with("/api/v1/")).collect();
    let last = |(m, p): &(String, String)| m == "DELETE" || p.ends_with("/publish") || p.ends_with("/logout");
    ops.sort_by_key(|op| last(op));
    for (method, path) in &ops {
        let url = app.url(&filled(path, &values));
        let mut req = admin.request(method.parse().unwrap(), &url);
        if doc["paths"][path][method.to_lowercase()].get("requestBody").is_some() {
            req = req.json(&json!({}));
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap_or_default();
        // The basemap route is there but answers 404 on a server with no 天地图 key, saying so.
        let unconfigured = status == 404 && body.contains("未配置天地图");
        let routed = unconfigured || (status != 404 && status != 405 && !(status == 403 && body.contains(NO_RULE)));
        assert!(routed, "{method} {path} ({url}): {status} {}", &body[..body.len().min(300)]);
        assert!(status < 500, "{method} {path}: {status} {body}");
    }
}

#[tokio::test]
async fn the_docs_page_reads_offline_in_chromium() {
    let app = common::spawn_app().await;
    let r = TestApp::anonymous().get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = r.text().await.unwrap();
    // Nothing to fetch from elsewhere: no script, no stylesheet or image from another host.
    assert!(!html.contains("<script"), "the page needs no script");
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("src="), "the page fetches nothing");
    let run = browser::dom(&app.url("/api/docs"), browser::DESKTOP).await;
    let dom = run.stdout;
    for text in ["接口文档", "/api/v1/locate", "定位: 某点所属的镇、社区、网格与责任人", "/api/v1/plans/{id}/publish", "ErrorBody", "权限 (access)"] {
        assert!(dom.contains(text), "the page lacks {text:?}\n{}", browser::tail(&run.stderr, 20));
    }
    // Every operation of the document has its section on the page.
    let doc = document(&app).await;
    let sections = dom.matches("<div class=\"op\"><h3 id=\"op-").count();
    assert_eq!(sections, documented(&doc).len(), "one section per operation");
}
