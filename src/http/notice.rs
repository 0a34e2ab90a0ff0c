//! A grid's notice (网格公示牌) for printing: `GET /api/v1/grids/{code}/notice.png` and `.pdf`, `?paper=A4|A3`.
//! The grid's map as its wall chart draws it, the chain of people as the county publishes them, the service
//! hall and the QR code of the grid's public page.
//!
//! A notice hangs in public, so it shows what the publication setting makes public whoever prints it: a
//! secretary's own unmasked view does not reach the wall, and households are not drawn at all (the wall chart
//! shows them as dots to those who may see them; the notice gives their count only).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use super::error::{Error, Result};
use super::extract::{Path, Query};
use super::privacy::Access;
use super::wallchart::{chart, published_chart};
use crate::app::public_card;
use crate::export::notice::{Notice, Paper};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/grids/{code}/notice.png", get(png)).route("/api/v1/grids/{code}/notice.pdf", get(pdf))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoticeQuery {
    /// 纸张: A4 (默认) 或 A3, 纵向 (paper, portrait)
    paper: Option<String>,
}

async fn notice(state: AppState, access: Access, headers: HeaderMap, code: String, q: NoticeQuery, pdf: bool) -> Result<Response> {
    let paper: Paper = q.paper.as_deref().map_or(Ok(Paper::default()), str::parse).map_err(Error::BadRequest)?;
    let code = code.trim().to_string();
    let p = published_chart(&state, &access, &code, &headers)?;
    let people = state.public().people;
    let qr_url = p.props.qr_url.clone().unwrap_or_default();
    let grid = code.clone();
    let body = tokio::task::spawn_blocking(move || {
        let atlas = p.atlas.clone();
        let mut props = p.props;
        props.household_dots = false;
        // The people as published, never the caller's own view.
        let n = Notice { chart: chart(&atlas, &p.grid, &p.neighbours, props)?, chain: public_card::chain(&atlas, &grid, &people), qr_url };
        if pdf { n.pdf(paper) } else { n.png(paper).map(|(png, _)| png) }
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?
    .map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
    let (content_type, extension) = if pdf { ("application/pdf", "pdf") } else { ("image/png", "png") };
    let mut r = ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-store")], body).into_response();
    let disposition = format!("inline; filename=\"notice-{code}-{}.{extension}\"", if paper == Paper::A3 { "A3" } else { "A4" });
    r.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(|e| Error::Internal(e.into()))?);
    Ok(r)
}

#[utoipa::path(get, path = "/api/v1/grids/{code}/notice.png", tag = "plates",
    summary = "网格公示牌 (PNG, 150 dpi): 网格地图、按公开设置的书记/网格员/巷长楼长、便民服务大厅、二维码 (a grid's notice)",
    params(("code" = String, Path, description = "网格编码 (the grid's code)"), NoticeQuery),
    responses((status = 200, description = "PNG", content_type = "image/png", body = Vec<u8>),
        (status = 400, description = "纸张不支持 (unknown paper)", body = super::api_doc::bodies::ErrorBody),
        (status = 404, description = "没有此网格 (no such grid)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn png(State(state): State<AppState>, access: Access, headers: HeaderMap, Path(code): Path<String>, Query(q): Query<NoticeQuery>) -> Result<Response> {
    notice(state, access, headers, code, q, false).await
}

#[utoipa::path(get, path = "/api/v1/grids/{code}/notice.pdf", tag = "plates",
    summary = "网格公示牌 (PDF, A4/A3 一页) (a grid's notice as a one-page PDF)",
    params(("code" = String, Path, description = "网格编码 (the grid's code)"), NoticeQuery),
    responses((status = 200, description = "PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, description = "纸张不支持 (unknown paper)", body = super::api_doc::bodies::ErrorBody),
        (status = 404, description = "没有此网格 (no such grid)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn pdf(State(state): State<AppState>, access: Access, headers: HeaderMap, Path(code): Path<String>, Query(q): Query<NoticeQuery>) -> Result<Response> {
    notice(state, access, headers, code, q, true).await
}
