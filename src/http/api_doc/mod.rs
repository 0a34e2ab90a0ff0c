//! The OpenAPI 3 document of `/api/v1` (`GET /api/openapi.json`) and its page (`GET /api/docs`). Paths, parameters
//! and request and response schemas come from the handlers (`#[utoipa::path]`) and their types
//! (`ToSchema`, `IntoParams`); who may call each route, and so its security and its 401 and 403, come from the
//! access table ([`super::access::RULES`]), and the refusals every JSON body or parameter can get from the
//! extractors' rules ([`super::extract`]): one rule in one place.

use std::sync::OnceLock;

use axum::Router;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use serde_json::{Value, json};
use utoipa::OpenApi;

use super::access::{Policy, rule_for};
use super::{AppState, basemap, coverage, crosswalk, imports, layer_export, layers, locate, meta, notice, plans, plates, session, visits, wallchart};

/// The shapes of bodies written as JSON values, for the document.
pub mod bodies;
/// The documentation page, rendered from the document on the server (no script, no CDN).
pub mod page;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "gridmap 网格化管理 API",
        description = "潼关县网格化管理: 图层、定位与查询、覆盖检查、合并对照、网格规划、账户与审计 \
            (the county's grids, who is responsible where, coverage, the merger crosswalk, planning, accounts). \
            个人信息按调用者的角色与范围脱敏 (personal data are masked per caller's role and scope). \
            GIS 客户端另见 /ogcapi (OGC API – Features).",
    ),
    paths(
        meta::meta,
        basemap::tianditu_tile,
        layers::layer,
        layer_export::layer_export,
        imports::upload,
        imports::preview,
        imports::commit,
        imports::cancel,
        locate::locate, locate::search, locate::nearest, locate::grid_households, locate::unit_households,
        coverage::summary, coverage::defects, coverage::evidence_xlsx, coverage::evidence_pdf,
        crosswalk::crosswalk, crosswalk::households, crosswalk::proposal, crosswalk::apply, crosswalk::changes,
        session::login, session::logout, session::me, session::change_password,
        session::list_tokens, session::create_token, session::revoke_token,
        session::list_accounts, session::audit,
        plans::drafts::list, plans::drafts::create, plans::drafts::one, plans::drafts::rename, plans::drafts::remove,
        plans::publish::versions, plans::publish::publish,
        plans::compare::compare, plans::compare::diff,
        plans::edits::edit, plans::edits::undo, plans::edits::redo,
        plans::export::export, plans::export::wallchart,
        wallchart::published,
        visits::record_visit, visits::list_visits, visits::contact_coverage, visits::contact_coverage_xlsx,
        plates::grid_png, plates::grid_pdf, plates::community_png, plates::community_pdf, plates::unit_png, plates::unit_pdf,
        notice::png, notice::pdf,
    ),
    components(schemas(bodies::ErrorBody)),
    tags(
        (name = "meta", description = "元数据 (metadata)"),
        (name = "layers", description = "图层 (layers as GeoJSON)"),
        (name = "imports", description = "网页导入: 上传、预览、确认或取消 (the web import: upload, preview, commit or cancel)"),
        (name = "locate", description = "定位与查询: 某处由谁负责, 找住户 (who is responsible where; finding households)"),
        (name = "coverage", description = "覆盖检查: 盲区、缝隙、重叠、网格外住户 (coverage: no blind spots)"),
        (name = "crosswalk", description = "合并对照: 93 个原行政村与 28 个社区, 跨界住户的调整; 变更日志 (the merger crosswalk)"),
        (name = "plans", description = "网格规划: 草案、编辑、对比与发布 (planners' drafts and publishing)"),
        (name = "visits", description = "民情联系: 走访记录与走访覆盖率 (visits to households and contact coverage)"),
        (name = "wallchart", description = "网格公示图 (printable wall charts)"),
        (name = "plates", description = "二维码门牌与网格公示牌 (QR door plates and grid notices for printing)"),
        (name = "auth", description = "登录、退出、密码与 API 令牌 (signing in, passwords, API tokens)"),
        (name = "admin", description = "县级管理员: 账户与审计日志 (the county admin's accounts and audit log)"),
    ),
)]
struct ApiDoc;

/// The document, built once.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serialises");
        doc["info"]["version"] = env!("CARGO_PKG_VERSION").into();
        doc["components"]["securitySchemes"] = security_schemes();
        apply_rules(&mut doc);
        doc
    })
}

fn security_schemes() -> Value {
    json!({
        "session": { "type": "apiKey", "in": "cookie", "name": super::access::SESSION_COOKIE,
            "description": "登录后的会话 Cookie; 带 Cookie 的写请求须带 X-CSRF-Token (the sign-in's session cookie; \
                cookie-authenticated writes send X-CSRF-Token)" },
        "bearer": { "type": "http", "scheme": "bearer",
            "description": "API 令牌 gm_... (POST /api/v1/auth/tokens, 或 gridmap user token) (an API token)" },
        "token": { "type": "apiKey", "in": "query", "name": "token",
            "description": "同一 API 令牌作查询参数, 仅用于读请求, 供只能追加查询串的客户端 (the API token as a query, reads only)" },
    })
}

fn error(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ErrorBody" } } } })
}

/// Adds `code` unless the handler already says what it means there.
fn refusal(op: &mut Value, code: &str, description: &str) {
    let responses = op["responses"].as_object_mut().expect("every operation has responses");
    responses.entry(code).or_insert_with(|| error(description));
}

/// Who may call each operation (from the access table), its security, and the refusals its extractors and the
/// access middleware can answer.
fn apply_rules(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else { return };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, op) in item.iter_mut() {
            let Ok(m) = method.to_uppercase().parse::<axum::http::Method>() else { continue };
            // An operation the table does not name is refused to everyone; the document test catches it.
            let Some(rule) = rule_for(&m, path) else { continue };
            let read = m == axum::http::Method::GET;
            let mut schemes = vec![json!({ "session": [] }), json!({ "bearer": [] })];
            if read {
                schemes.push(json!({ "token": [] }));
            }
            let who = match rule.policy {
                Policy::Public => "公开, 无需登录 (public)".to_string(),
                Policy::Anyone => "任何人; 匿名调用者的个人信息脱敏 (anyone; personal data masked for anonymous callers)".to_string(),
                Policy::SignedIn => "登录账户 (any signed-in account)".to_string(),
                Policy::Roles(roles) => {
                    let names: Vec<String> = roles.iter().map(|r| format!("{} ({})", r.name_zh(), r.as_str())).collect();
                    format!("角色 (roles): {}; 并在其范围内 (within their scope)", names.join("、"))
                }
            };
            let open = matches!(rule.policy, Policy::Public | Policy::Anyone);
            if open {
                schemes.insert(0, json!({}));
            }
            op["security"] = schemes.into();
            op["x-gridmap-access"] = who.clone().into();
            let text = op["description"].as_str().map(|d| format!("{d}\n\n")).unwrap_or_default();
            op["description"] = format!("{text}权限 (access): {who}").into();
            let unauthorised = if open {
                "令牌无效、已过期或已撤销 (invalid, expired or revoked token)"
            } else {
                "请先登录, 或令牌无效 (sign in first, or the token is not valid)"
            };
            refusal(op, "401", unauthorised);
            if rule.policy != Policy::Public {
                let forbidden = match (open, read) {
                    (true, _) => "须先修改一次性密码 (change the one-time password first)",
                    (false, true) => "角色无权、超出范围或须先修改一次性密码 (role, scope, or a one-time password to change)",
                    (false, false) => "角色无权、超出范围、缺少 X-CSRF-Token 或须先修改一次性密码 (role, scope, CSRF token, or a one-time password)",
                };
                refusal(op, "403", forbidden);
            }
            if op.get("parameters").is_some_and(|p| p.as_array().is_some_and(|a| !a.is_empty())) {
                refusal(op, "400", "参数有误: 说明哪个参数、错在哪里 (a bad parameter, named with what is wrong)");
            }
            if op.get("requestBody").is_some() {
                refusal(op, "400", "请求体不是 JSON 或含不接受的字段 (not JSON, or a field the route does not take)");
                refusal(op, "413", "请求体过大 (request body too large)");
                refusal(op, "415", "须为 Content-Type: application/json (request body must be JSON)");
                refusal(op, "422", "请求体字段缺失或类型有误, 附字段路径与行列 (a field missing or of the wrong type, with its path)");
            }
        }
    }
}

/// `GET /api/openapi.json` and `GET /api/docs`.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(openapi_json)).route("/api/docs", get(docs))
}

async fn openapi_json() -> impl IntoResponse {
    axum::Json(document())
}

async fn docs() -> Html<String> {
    static PAGE: OnceLock<String> = OnceLock::new();
    Html(PAGE.get_or_init(|| page::render(document())).clone())
}
