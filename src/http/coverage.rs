//! `/api/v1/coverage`: the coverage report ("no blind spots") of [`crate::app::coverage`], filtered per
//! request; and its evidence for people ([`crate::app::evidence`]) as a workbook and a printable A4 list.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::IntoParams;
use serde_json::{Value, json};

use super::extract::Query;
use super::AppState;
use super::privacy::Access;
use super::error::{Error, Result};
use crate::accounts::clock;
use crate::app::coverage::{self, Coverage};
use crate::app::evidence::{self, Evidence};
use crate::atlas::Atlas;
use crate::atlas::coverage::Kind;
use crate::model::Layer;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/coverage", get(summary))
        .route("/api/v1/coverage/defects", get(defects))
        .route("/api/v1/coverage/evidence.xlsx", get(evidence_xlsx))
        .route("/api/v1/coverage/evidence.pdf", get(evidence_pdf))
}

async fn memo(state: &AppState) -> Result<(Arc<Atlas>, Arc<Coverage>)> {
    let atlas = state.atlas();
    let a = atlas.clone();
    let m = tokio::task::spawn_blocking(move || coverage::of(&a)).await.map_err(|e| Error::Internal(e.into()))?;
    Ok((atlas, m))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct CoverageQuery {
    /// 县、镇、社区或网格编码: 只看其下 (a county, town, community or grid code)
    #[param(example = "610522001001")]
    parent: Option<String>,
    /// 缺陷类型, 逗号分隔; gap 即盲区与缝隙 (defect kinds, comma-separated; gap = blind spots and slivers)
    #[param(example = "blind_spot,overlap")]
    kind: Option<String>,
}

/// The parent filter, checked against the dataset: a county, town, community or grid code.
fn parent_filter(atlas: &Atlas, parent: Option<&str>) -> Result<Option<String>> {
    let Some(code) = parent.map(str::trim).filter(|c| !c.is_empty()) else { return Ok(None) };
    let known = [Layer::County, Layer::Towns, Layer::Communities, Layer::Grids]
        .iter()
        .any(|l| atlas.layer(*l).is_some_and(|li| li.index_of(code).is_some()));
    if !known {
        return Err(Error::NotFound(format!("编码 {code} 不是数据中的县、镇、社区或网格编码 (parent {code:?} is not a county, town, community or grid code in the dataset)")));
    }
    Ok(Some(code.to_string()))
}

/// `kind=a,b`: each a defect kind, or `gap` (blind spots and slivers).
fn kind_filter(kind: Option<&str>) -> Result<Option<Vec<Kind>>> {
    let Some(list) = kind.map(str::trim).filter(|k| !k.is_empty()) else { return Ok(None) };
    let mut out = Vec::new();
    for k in list.split(',').map(str::trim) {
        if k == "gap" {
            out.extend([Kind::BlindSpot, Kind::Sliver]);
        } else {
            out.push(k.parse::<Kind>().map_err(|e| Error::BadRequest(format!("缺陷类型 kind 有误 (kind): {e}")))?);
        }
    }
    Ok(Some(out))
}

/// `GET /api/v1/coverage[?parent=CODE]`: the summary rows (the parent's row and its descendants' with a parent).
#[utoipa::path(get, path = "/api/v1/coverage", tag = "coverage",
    summary = "覆盖检查汇总: 县、镇、社区各行 (the coverage summary rows)",
    params(("parent" = Option<String>, Query, description = "县、镇、社区或网格编码 (a county, town, community or grid code)")),
    responses((status = 200, description = "汇总 (summary)", body = super::api_doc::bodies::CoverageSummary),
        (status = 404, description = "parent 不是数据中的编码 (parent is not a code in the dataset)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn summary(State(state): State<AppState>, Query(q): Query<CoverageQuery>) -> Result<Json<Value>> {
    if q.kind.is_some() {
        return Err(Error::BadRequest("参数 kind 只用于筛选 /api/v1/coverage/defects，不用于汇总 (kind filters /api/v1/coverage/defects, not the summary)".into()));
    }
    let (atlas, m) = memo(&state).await?;
    let parent = parent_filter(&atlas, q.parent.as_deref())?;
    let rows: Vec<&Value> = m
        .rows
        .iter()
        .filter(|(_, chain)| parent.as_ref().is_none_or(|p| chain.contains(p)))
        .map(|(v, _)| v)
        .collect();
    let mut counts = serde_json::Map::new();
    for (_, kind, chain) in &m.features {
        if parent.as_ref().is_none_or(|p| chain.contains(p)) {
            let e = counts.entry(kind.name()).or_insert(json!(0));
            *e = json!(e.as_u64().unwrap_or(0) + 1);
        }
    }
    let s = &m.report.settings;
    Ok(Json(json!({
        "summary": rows,
        "counts": counts,
        "totals": &m.totals,
        "settings": {
            "sliver_width_m": s.sliver_width_m,
            "min_area_m2": s.min_area_m2,
            "target_households": [s.target_households.0, s.target_households.1],
        },
        "revision": m.report.revision,
        "crs": format!("EPSG:{}", m.report.crs_epsg),
        "elapsed_ms": m.report.elapsed_ms,
    })))
}

/// `GET /api/v1/coverage/defects[?kind=K[,K]][&parent=CODE]`: the defects as GeoJSON (lon/lat).
/// Defects naming single households are left out for a caller who may not see households (the summary counts
/// them).
#[utoipa::path(get, path = "/api/v1/coverage/defects", tag = "coverage",
    summary = "覆盖缺陷: 盲区、缝隙、重叠、网格外住户等 (the coverage defects as GeoJSON)",
    description = "无权查看住户者看不到涉及单户的缺陷, 汇总仍计数 (defects naming single households are left out for callers who \
        may not see households; the summary counts them).",
    params(CoverageQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection", body = super::api_doc::bodies::FeatureCollection,
        content_type = "application/geo+json"),
        (status = 404, description = "parent 不是数据中的编码 (parent is not a code in the dataset)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn defects(State(state): State<AppState>, access: Access, Query(q): Query<CoverageQuery>) -> Result<impl IntoResponse> {
    let kinds = kind_filter(q.kind.as_deref())?;
    let (atlas, m) = memo(&state).await?;
    let parent = parent_filter(&atlas, q.parent.as_deref())?;
    let mut body = br#"{"type":"FeatureCollection","name":"defects","features":["#.to_vec();
    let mut first = true;
    for (i, _) in m.visible(parent.as_deref(), kinds.as_deref(), access.sees_households()) {
        let v = &m.features[i].0;
        if !first {
            body.push(b',');
        }
        first = false;
        serde_json::to_writer(&mut body, v).map_err(|e| Error::Internal(e.into()))?;
    }
    body.extend_from_slice(b"]}");
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct EvidenceQuery {
    /// 县、镇、社区或网格编码: 只看其下 (a county, town, community or grid code)
    #[param(example = "610522001001")]
    parent: Option<String>,
}

/// The evidence under `?parent=` for the caller, and a file name for it.
async fn evidence_for(state: &AppState, access: &Access, q: &EvidenceQuery) -> Result<(Evidence, String)> {
    let (atlas, m) = memo(state).await?;
    let parent = parent_filter(&atlas, q.parent.as_deref())?;
    let e = evidence::evidence(&atlas, &m, parent.as_deref(), access.sees_households());
    let name = format!("coverage-evidence-{}-r{}", e.parent_code, e.revision);
    Ok((e, name))
}

fn download(content_type: &str, name: String, body: Vec<u8>) -> Response {
    (
        [(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))],
        body,
    )
        .into_response()
}

/// `GET /api/v1/coverage/evidence.xlsx[?parent=CODE]`: the defects for people, a sheet per kind.
#[utoipa::path(get, path = "/api/v1/coverage/evidence.xlsx", tag = "coverage",
    summary = "覆盖检查证据工作簿: 汇总及每类问题一张表 (the coverage evidence as XLSX)",
    description = "工作表: 汇总 (范围及各社区的覆盖率、户数、未入格户数、各类问题数), 然后每类出现的问题一张 (序号、问题、镇/街道、社区、网格 \
        (名称在前, 编码在后)、位置 (经纬度)、面积、宽度、处理建议); 首行注明数据版本与检查时间. 所列问题与 /api/v1/coverage/defects \
        对同一调用者相同: 无权查看住户者看不到涉及单户的问题 (sheets: a summary, then one per defect kind; the rows are the \
        defects /api/v1/coverage/defects gives the same caller).",
    params(EvidenceQuery),
    responses((status = 200, description = "XLSX", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 404, description = "parent 不是数据中的编码 (parent is not a code in the dataset)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn evidence_xlsx(State(state): State<AppState>, access: Access, Query(q): Query<EvidenceQuery>) -> Result<Response> {
    let (e, name) = evidence_for(&state, &access, &q).await?;
    let book = crate::export::to_xlsx(&evidence::tables(&e)).map_err(|e| Error::Internal(e.into()))?;
    Ok(download("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", format!("{name}.xlsx"), book))
}

/// `GET /api/v1/coverage/evidence.pdf[?parent=CODE]`: the same rows as a printable A4 list.
#[utoipa::path(get, path = "/api/v1/coverage/evidence.pdf", tag = "coverage",
    summary = "覆盖检查问题清单: A4 打印版 (the coverage evidence as a printable A4 PDF)",
    description = "A4 纵向, 分页, 每页有页眉 (县、范围、打印日期、数据版本) 与页码; 内容与工作簿相同: 汇总, 然后按类列出每个问题及处理建议 \
        (A4 portrait pages with a header and page numbers; the workbook's rows).",
    params(EvidenceQuery),
    responses((status = 200, description = "PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 404, description = "parent 不是数据中的编码 (parent is not a code in the dataset)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn evidence_pdf(State(state): State<AppState>, access: Access, Query(q): Query<EvidenceQuery>) -> Result<Response> {
    let (e, name) = evidence_for(&state, &access, &q).await?;
    let printed = clock::now();
    let pdf = tokio::task::spawn_blocking(move || crate::export::evidence::pdf(&e, printed))
        .await
        .map_err(|e| Error::Internal(e.into()))?
        .map_err(|e| Error::Internal(anyhow::anyhow!("evidence PDF: {e}")))?;
    Ok(download("application/pdf", format!("{name}.pdf"), pdf))
}
