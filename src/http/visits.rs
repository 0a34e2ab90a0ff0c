//! Visits (民情联系) and the contact coverage they make ([`crate::app::visits`], [`crate::app::contact`]):
//!
//! - `POST /api/v1/visits {"household", "kind", "note", "tags", "lonlat", "crs", "visited_at", "client_id"}`:
//!   201 with the visit, or 200 with the first one for a resend of the same `client_id`.
//! - `GET /api/v1/visits?household=|grid=&since=&limit=`: newest first, masked as the households are.
//! - `GET /api/v1/coverage/contact?parent=CODE&days=30` and `/api/v1/coverage/contact.xlsx`: households visited
//!   in the last N days per grid and community, for the monthly assessment.

use std::collections::HashSet;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::access::Principal;
use super::error::{Error, Result};
use super::extract::{JsonBody, Query};
use super::privacy::Access;
use crate::accounts::clock;
use crate::app::contact::{self, Contact, DEFAULT_DAYS, MAX_DAYS};
use crate::app::visits::{self, ListQuery, VisitInput};
use crate::store::{Visit, VisitStore};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/visits", get(list_visits).post(record_visit))
        .route("/api/v1/coverage/contact", get(contact_coverage))
        .route("/api/v1/coverage/contact.xlsx", get(contact_coverage_xlsx))
}

/// A visit recorded, or found again.
#[derive(Serialize, ToSchema)]
pub(super) struct Recorded {
    visit: Visit,
    /// False: a visit with this `client_id` was recorded before, and nothing was written.
    created: bool,
}

#[utoipa::path(post, path = "/api/v1/visits", tag = "visits",
    summary = "记录走访: 网格员为本网格住户、社区书记为本社区住户记录一次走访 (record a visit)",
    description = "手机位置距住户超过设定距离 (默认 200 米) 时标记 flagged_far, 但不拒绝; 同一 client_id 重发只记一次, 返回第一次的记录 \
        (a position farther than the set distance is flagged, never refused; a resend of a client_id returns the first visit). 审计日志记录每次走访.",
    request_body = VisitInput,
    responses((status = 201, description = "已记录 (recorded)", body = Recorded),
        (status = 200, description = "此 client_id 已记录过, 返回原记录 (recorded before)", body = Recorded),
        (status = 404, description = "没有此住户 (no such household)", body = super::api_doc::bodies::ErrorBody),
        (status = 409, description = "client_id 已用于另一条记录 (client_id used by another visit)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn record_visit(State(state): State<AppState>, access: Access, who: Principal, JsonBody(body): JsonBody<VisitInput>) -> Result<Response> {
    let done = visits::record(&state, body, &access, &who.as_actor()).await?;
    let status = if done.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(Recorded { visit: done.visit, created: done.created })).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct VisitsQuery {
    /// 户码: 只看该户 (a household code)
    household: Option<String>,
    /// 网格编码: 只看走访时属于该网格的记录 (a grid code, as at the visit)
    grid: Option<String>,
    /// 起始日期或时间 (RFC 3339), 如 2026-12-01 (visited at or after)
    since: Option<String>,
    /// 条数 (1 到 1000, 默认 200) (how many)
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

/// Visits, newest first.
#[derive(Serialize, ToSchema)]
pub(super) struct Visits {
    count: usize,
    visits: Vec<Visit>,
}

#[utoipa::path(get, path = "/api/v1/visits", tag = "visits",
    summary = "走访记录, 最新在前 (visits, newest first)",
    description = "范围外住户的记录不显示备注、标签与位置 (outside the caller's scope, note, tags and position are withheld).",
    params(VisitsQuery),
    responses((status = 200, description = "走访记录 (visits)", body = Visits),
        (status = 404, description = "没有此住户或网格 (no such household or grid)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn list_visits(State(state): State<AppState>, access: Access, Query(q): Query<VisitsQuery>) -> Result<Json<Visits>> {
    let q = ListQuery { household: q.household, grid: q.grid, since: q.since, limit: q.limit };
    let visits = visits::list(&state, &q, &access).await?;
    Ok(Json(Visits { count: visits.len(), visits }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ContactQuery {
    /// 县、镇、社区或网格编码; 默认为调用者的范围 (a county, town, community or grid code; default: the caller's scope)
    #[param(example = "610522001001")]
    parent: Option<String>,
    /// 最近多少天 (1 到 366, 默认 30) (the window in days)
    #[param(value_type = Option<i64>, minimum = 1, maximum = 366)]
    days: Option<String>,
}

/// The contact coverage the query asks for.
async fn compute(state: &AppState, access: &Access, q: &ContactQuery) -> Result<Contact> {
    let days = match q.days.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => DEFAULT_DAYS,
        Some(d) => match d.parse::<i64>() {
            Ok(n) if (1..=MAX_DAYS).contains(&n) => n,
            _ => return Err(Error::BadRequest(format!("天数 days {d:?} 须是 1 到 {MAX_DAYS} 的整数 (days must be a whole number from 1 to {MAX_DAYS})"))),
        },
    };
    let atlas = state.atlas();
    let (parent, layer) = contact::parent_for(&atlas, q.parent.as_deref(), &access.viewer().scope)?;
    let since = clock::rfc3339(clock::now() - days * 86_400);
    let visited: HashSet<String> = state.store().visited_households(&since).await?.into_iter().collect();
    let access = access.clone();
    tokio::task::spawn_blocking(move || contact::contact(&atlas, &parent, layer, &visited, days, since, &access))
        .await
        .map_err(|e| Error::Internal(e.into()))
}

#[utoipa::path(get, path = "/api/v1/coverage/contact", tag = "visits",
    summary = "走访覆盖率: 各网格、社区近 N 天已走访户数占总户数之比 (contact coverage)",
    description = "住户按其现在所在网格计; 可查看住户者另得未走访户码 (households count where they lie now; callers who may see \
        households get the codes of those not contacted). 社区书记看本社区, 县级看全县.",
    params(ContactQuery),
    responses((status = 200, description = "走访覆盖率 (contact coverage)", body = Contact),
        (status = 404, description = "parent 不是数据中的编码 (parent is not a code in the dataset)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn contact_coverage(State(state): State<AppState>, access: Access, Query(q): Query<ContactQuery>) -> Result<Json<Contact>> {
    Ok(Json(compute(&state, &access, &q).await?))
}

#[utoipa::path(get, path = "/api/v1/coverage/contact.xlsx", tag = "visits",
    summary = "走访覆盖率工作簿: 月度考核用 (contact coverage as XLSX)",
    description = "工作表: 网格走访覆盖、社区走访覆盖, 可查看住户者另有未走访住户 (sheets per grid and community, and the households \
        not contacted for callers who may see households).",
    params(ContactQuery),
    responses((status = 200, description = "XLSX", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 404, description = "parent 不是数据中的编码 (parent is not a code in the dataset)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn contact_coverage_xlsx(State(state): State<AppState>, access: Access, Query(q): Query<ContactQuery>) -> Result<Response> {
    let c = compute(&state, &access, &q).await?;
    let book = crate::export::to_xlsx(&contact::tables(&c)).map_err(|e| Error::Internal(e.into()))?;
    let name = format!("contact-{}-{}d.xlsx", c.parent, c.days);
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        book,
    )
        .into_response())
}
