//! The web import (`/api/v1/imports`): upload a file as a layer, preview it with the CRS and column mapping
//! chosen, then commit it in one transaction with its audit entry, or cancel it (see [`crate::app::web_import`]).
//!
//! - `POST /api/v1/imports?layer=L&name=FILE` with the file as the body (up to 200 MB): the first preview.
//! - `POST /api/v1/imports/{id}/preview {"crs", "map", "placed_only"}`: the preview again as chosen.
//! - `POST /api/v1/imports/{id}/commit {...}`: writes it; the map reloads.
//! - `DELETE /api/v1/imports/{id}`: removes the upload, nothing stored.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, post};
use axum::Router;
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use super::access::Principal;
use super::error::{Error, Result};
use super::extract::{JsonBody, Path, Query};
use crate::app::accounts::Actor;
use crate::app::web_import::{Choices, Importer, MAX_UPLOAD_BYTES, Preview};
use crate::model::Layer;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/imports", post(upload))
        .route("/api/v1/imports/{id}/preview", post(preview))
        .route("/api/v1/imports/{id}/commit", post(commit))
        .route("/api/v1/imports/{id}", delete(cancel))
}

fn importer(who: &Principal) -> Importer {
    Importer { actor: Actor { name: who.actor(), address: who.address.clone() }, scope: who.scope() }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct UploadQuery {
    /// 导入为哪个图层 (the layer): county, towns, communities, villages, grids, units, households, addresses
    layer: String,
    /// 原文件名, 按扩展名识别格式 (the file's name; its extension tells the format)
    name: String,
}

#[utoipa::path(post, path = "/api/v1/imports", tag = "imports",
    summary = "上传文件以导入 (upload a file to import; answers its preview)",
    description = "请求体为文件本身 (最大 200 MB): GeoJSON, Shapefile 的 .zip, KML/KMZ, GeoPackage, DXF, CSV, XLSX. 不写入任何数据, \
        直到 commit (the body is the file; nothing is stored until the commit).",
    params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, description = "预览 (the preview)", body = Preview),
        (status = 400, description = "图层或文件类型有误 (unknown layer or file type)", body = super::api_doc::bodies::ErrorBody),
        (status = 413, description = "文件超过 200 MB (over 200 MB)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn upload(State(state): State<AppState>, who: Principal, Query(q): Query<UploadQuery>, body: Body) -> Result<Json<Preview>> {
    let layer: Layer = q.layer.parse().map_err(|e: crate::model::layer::UnknownLayer| Error::BadRequest(e.to_string()))?;
    let uploads = state.uploads();
    let path = uploads.file_for(&q.name)?;
    let bytes = axum::body::to_bytes(body, MAX_UPLOAD_BYTES as usize).await.map_err(|_| {
        Error::PayloadTooLarge(format!("文件超过 {} MB（the file is over {} MB）", MAX_UPLOAD_BYTES >> 20, MAX_UPLOAD_BYTES >> 20))
    })?;
    tokio::fs::write(&path, &bytes).await.map_err(|e| Error::Internal(e.into()))?;
    drop(bytes);
    let who = importer(&who);
    let id = uploads.register(&who.actor.name, layer, &q.name, path);
    Ok(Json(uploads.preview(state.store(), id, &who, &Choices::default()).await?))
}

#[utoipa::path(post, path = "/api/v1/imports/{id}/preview", tag = "imports",
    summary = "按所选坐标系与列对应重新预览 (the preview as chosen)",
    params(("id" = u64, Path, description = "上传编号 (the upload's id)")),
    request_body = Choices,
    responses((status = 200, description = "预览 (the preview)", body = Preview),
        (status = 404, description = "没有此上传, 或已过期 (no such upload)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn preview(State(state): State<AppState>, who: Principal, Path(id): Path<u64>, JsonBody(c): JsonBody<Choices>) -> Result<Json<Preview>> {
    Ok(Json(state.uploads().preview(state.store(), id, &importer(&who), &c).await?))
}

#[utoipa::path(post, path = "/api/v1/imports/{id}/commit", tag = "imports",
    summary = "确认导入: 一次事务写入并记入审计 (commit: one transaction with its audit entry)",
    params(("id" = u64, Path, description = "上传编号 (the upload's id)")),
    request_body = Choices,
    responses((status = 200, description = "已导入 (imported): {layer, features, written}"),
        (status = 403, description = "超出管理范围 (outside the caller's scope)", body = super::api_doc::bodies::ErrorBody),
        (status = 404, description = "没有此上传 (no such upload)", body = super::api_doc::bodies::ErrorBody),
        (status = 422, description = "数据未通过检查, 未写入 (refused, nothing stored)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn commit(State(state): State<AppState>, who: Principal, Path(id): Path<u64>, JsonBody(c): JsonBody<Choices>) -> Result<Json<serde_json::Value>> {
    let report = state.uploads().commit(state.store(), id, &importer(&who), &c).await?;
    // The page reloads its layers next: let it find the new atlas.
    state.reload_if_changed().await?;
    Ok(Json(serde_json::json!({ "features": report.features, "written": report.written, "format": report.format, "crs": report.crs })))
}

#[utoipa::path(delete, path = "/api/v1/imports/{id}", tag = "imports",
    summary = "取消导入: 删除上传的文件, 不写入任何数据 (cancel: nothing stored)",
    params(("id" = u64, Path, description = "上传编号 (the upload's id)")),
    responses((status = 204, description = "已取消 (cancelled)"),
        (status = 404, description = "没有此上传 (no such upload)", body = super::api_doc::bodies::ErrorBody)))]
pub(super) async fn cancel(State(state): State<AppState>, who: Principal, Path(id): Path<u64>) -> Result<StatusCode> {
    state.uploads().cancel(id, &who.actor())?;
    Ok(StatusCode::NO_CONTENT)
}
