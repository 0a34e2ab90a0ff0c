//! QR door plates for printing: `GET /api/v1/{grids|communities|units}/{code}/plates.{png|pdf}?size=150x90`.
//! One plate per lane or building of the grid or community (or the unit's own), or with `?of=plates` one per
//! door plate (the addresses layer) lying in it, each with the QR code of its public page, `{public url}/g/{code}`; without `--public-url` (GRIDMAP_PUBLIC_URL) the QR codes point under
//! the address the request came to (its Host header), which is right for a trial on the office network and
//! wrong for plates to hang: a county sets the public URL before printing.
//!
//! Plates carry no personal data, so whoever may print the wall chart may print them (the access table's
//! rule is the same).

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
use crate::app::plates::{self, Of, What};
use crate::export::plates::{Plate, PlateSize, SheetError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/grids/{code}/plates.png", get(grid_png))
        .route("/api/v1/grids/{code}/plates.pdf", get(grid_pdf))
        .route("/api/v1/communities/{code}/plates.png", get(community_png))
        .route("/api/v1/communities/{code}/plates.pdf", get(community_pdf))
        .route("/api/v1/units/{code}/plates.png", get(unit_png))
        .route("/api/v1/units/{code}/plates.pdf", get(unit_pdf))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlatesQuery {
    /// 门牌尺寸 (毫米): 570x370 (二维码 120)、270x170 (75)、150x90 (40, 默认) (plate size, mm)
    size: Option<String>,
    /// 印什么: units (每个巷道/楼栋一块, 默认) 或 plates (范围内的每个门牌一块, 印门牌地址与编码)
    /// (units: one plate per lane or building, the default; plates: one per door plate of the addresses layer)
    of: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Png,
    Pdf,
}

/// The plates of `code` as a PNG sheet or a PDF.
async fn plates(state: AppState, headers: HeaderMap, of: Of, code: String, q: PlatesQuery, format: Format) -> Result<Response> {
    let size: PlateSize = q.size.as_deref().map_or(Ok(PlateSize::default()), str::parse).map_err(Error::BadRequest)?;
    let what: What = q.of.as_deref().map_or(Ok(What::default()), str::parse).map_err(Error::BadRequest)?;
    let atlas = state.atlas();
    let set = plates::plates(&atlas, of, code.trim(), what)?;
    let origin = super::ogcapi::origin(&headers);
    let public = state.public();
    let list: Vec<Plate> = set.plates.into_iter().map(|t| Plate { url: public.page_url(&t.code, &origin), text: t }).collect();
    let count = list.len();
    let heading = set.heading;
    let title = format!("{} 二维码门牌 ({})", set.of_name, size.name());
    let file = format!("plates-{}-{}", code.trim(), size.name());
    let (body, content_type, extension, dpi) = tokio::task::spawn_blocking(move || match format {
        Format::Png => crate::export::plates::sheet_png(&heading, &list, size).map(|s| (s.png, "image/png", "png", Some(s.dpi))),
        Format::Pdf => crate::export::plates::pdf(&heading, &title, &list, size).map(|b| (b, "application/pdf", "pdf", None)).map_err(SheetError::Draw),
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?
    .map_err(|e| match e {
        SheetError::TooLarge { plates } => Error::Unprocessable(format!(
            "门牌太多 ({plates} 块)，一张 PNG 放不下：请用 plates.pdf (A4 分页) 或较小的尺寸 (too many plates for one PNG sheet; use plates.pdf)"
        )),
        SheetError::Draw(m) => Error::Internal(anyhow::anyhow!(m)),
    })?;
    let mut r = ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-store")], body).into_response();
    let h = r.headers_mut();
    let disposition = format!("inline; filename=\"{file}.{extension}\"");
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(|e| Error::Internal(e.into()))?);
    h.insert("x-plate-count", HeaderValue::from(count));
    if let Some(dpi) = dpi {
        h.insert("x-plate-dpi", HeaderValue::from(dpi as u32));
    }
    Ok(r)
}

#[utoipa::path(get, path = "/api/v1/grids/{code}/plates.png", tag = "plates",
    summary = "网格的二维码门牌 (PNG 一张): 每个巷道/楼栋一块 (a grid's QR door plates on one PNG sheet)",
    params(("code" = String, Path, description = "网格编码 (the grid's code)"), PlatesQuery),
    responses((status = 200, description = "PNG (150 dpi; 门牌多时较低, 见 x-plate-dpi)", content_type = "image/png", body = Vec<u8>),
        (status = 400, description = "尺寸或 of 不支持 (unknown size or of)", body = super::api_doc::bodies::ErrorBody),
        (status = 404, description = "没有此网格 (no such grid)", body = super::api_doc::bodies::ErrorBody),
        (status = 422, description = "没有巷道/楼栋或门牌, 或一张 PNG 放不下 (nothing to print, or too many plates for one PNG)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn grid_png(State(state): State<AppState>, headers: HeaderMap, Path(code): Path<String>, Query(q): Query<PlatesQuery>) -> Result<Response> {
    plates(state, headers, Of::Grid, code, q, Format::Png).await
}

#[utoipa::path(get, path = "/api/v1/grids/{code}/plates.pdf", tag = "plates",
    summary = "网格的二维码门牌 (PDF): 按实际尺寸排在 A4 页上, 带裁切线 (a grid's QR door plates, true size on A4 pages)",
    params(("code" = String, Path, description = "网格编码 (the grid's code)"), PlatesQuery),
    responses((status = 200, description = "PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, description = "尺寸或 of 不支持 (unknown size or of)", body = super::api_doc::bodies::ErrorBody),
        (status = 404, description = "没有此网格 (no such grid)", body = super::api_doc::bodies::ErrorBody),
        (status = 422, description = "没有巷道/楼栋或门牌 (nothing to print)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn grid_pdf(State(state): State<AppState>, headers: HeaderMap, Path(code): Path<String>, Query(q): Query<PlatesQuery>) -> Result<Response> {
    plates(state, headers, Of::Grid, code, q, Format::Pdf).await
}

#[utoipa::path(get, path = "/api/v1/communities/{code}/plates.png", tag = "plates",
    summary = "社区的二维码门牌 (PNG 一张): 各网格的每个巷道/楼栋一块 (a community's QR door plates on one PNG sheet)",
    params(("code" = String, Path, description = "社区编码 (the community's code)"), PlatesQuery),
    responses((status = 200, description = "PNG (150 dpi; 门牌多时较低, 见 x-plate-dpi)", content_type = "image/png", body = Vec<u8>),
        (status = 400, description = "尺寸或 of 不支持 (unknown size or of)", body = super::api_doc::bodies::ErrorBody),
        (status = 404, description = "没有此社区 (no such community)", body = super::api_doc::bodies::ErrorBody),
        (status = 422, description = "没有巷道/楼栋或门牌, 或一张 PNG 放不下 (nothing to print, or too many plates for one PNG)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn community_png(State(state): State<AppState>, headers: HeaderMap, Path(code): Path<String>, Query(q): Query<PlatesQuery>) -> Result<Response> {
    plates(state, headers, Of::Community, code, q, Format::Png).await
}

#[utoipa::path(get, path = "/api/v1/communities/{code}/plates.pdf", tag = "plates",
    summary = "社区的二维码门牌 (PDF): 按实际尺寸排在 A4 页上, 带裁切线 (a community's QR door plates, true size on A4 pages)",
    params(("code" = String, Path, description = "社区编码 (the community's code)"), PlatesQuery),
    responses((status = 200, description = "PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, description = "尺寸或 of 不支持 (unknown size or of)", body = super::api_doc::bodies::ErrorBody),
        (status = 404, description = "没有此社区 (no such community)", body = super::api_doc::bodies::ErrorBody),
        (status = 422, description = "没有巷道/楼栋或门牌 (nothing to print)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn community_pdf(State(state): State<AppState>, headers: HeaderMap, Path(code): Path<String>, Query(q): Query<PlatesQuery>) -> Result<Response> {
    plates(state, headers, Of::Community, code, q, Format::Pdf).await
}

#[utoipa::path(get, path = "/api/v1/units/{code}/plates.png", tag = "plates",
    summary = "一个巷道/楼栋的二维码门牌 (PNG, 门牌本身大小) (one unit's QR door plate)",
    params(("code" = String, Path, description = "巷道/楼栋编码 (the unit's code)"), PlatesQuery),
    responses((status = 200, description = "PNG (150 dpi)", content_type = "image/png", body = Vec<u8>),
        (status = 400, description = "尺寸或 of 不支持 (unknown size or of)", body = super::api_doc::bodies::ErrorBody),
        (status = 404, description = "没有此巷道/楼栋 (no such unit)", body = super::api_doc::bodies::ErrorBody),
        (status = 422, description = "of=plates 时其中没有门牌 (of=plates and no door plate lies in it)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn unit_png(State(state): State<AppState>, headers: HeaderMap, Path(code): Path<String>, Query(q): Query<PlatesQuery>) -> Result<Response> {
    plates(state, headers, Of::Unit, code, q, Format::Png).await
}

#[utoipa::path(get, path = "/api/v1/units/{code}/plates.pdf", tag = "plates",
    summary = "一个巷道/楼栋的二维码门牌 (PDF, 实际尺寸) (one unit's QR door plate, true size)",
    params(("code" = String, Path, description = "巷道/楼栋编码 (the unit's code)"), PlatesQuery),
    responses((status = 200, description = "PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, description = "尺寸或 of 不支持 (unknown size or of)", body = super::api_doc::bodies::ErrorBody),
        (status = 404, description = "没有此巷道/楼栋 (no such unit)", body = super::api_doc::bodies::ErrorBody),
        (status = 422, description = "of=plates 时其中没有门牌 (of=plates and no door plate lies in it)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn unit_pdf(State(state): State<AppState>, headers: HeaderMap, Path(code): Path<String>, Query(q): Query<PlatesQuery>) -> Result<Response> {
    plates(state, headers, Of::Unit, code, q, Format::Pdf).await
}
