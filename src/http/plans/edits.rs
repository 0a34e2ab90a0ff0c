//! `POST /api/v1/plans/{id}/edits|undo|redo`: changing a draft; each answers the draft with its new statistics.

use axum::Json;
use axum::extract::State;

use super::super::AppState;
use super::super::access::Principal;
use super::super::error::Result;
use super::super::extract::{JsonBody, Path};
use super::super::privacy::Access;
use super::drafts::{DraftView, shown_json};
use super::{caller, plans};
use crate::app::plans::Change;
use crate::atlas::plan::Edit;

async fn change(state: AppState, access: Access, who: Principal, id: i64, how: Change) -> Result<Json<DraftView>> {
    Ok(Json(shown_json(plans(&state).change(&caller(&who), &access, id, how).await?)))
}

#[utoipa::path(post, path = "/api/v1/plans/{id}/edits", tag = "plans",
    summary = "一次编辑: 改形、移动/增删顶点、切分、合并、分配巷道楼栋、划归缺口 (one edit)",
    description = "坐标为 [经度, 纬度]; 顶点在 snap_m 米内吸附到相邻网格与边界 (coordinates are [lon, lat]; vertices snap to the \
        neighbouring grids and the boundary within snap_m). 回答带新统计的草案 (answers the draft with its new statistics).",
    params(("id" = i64, Path, description = "草案 id (the draft's id)")),
    request_body = crate::atlas::plan::Edit,
    responses((status = 200, description = "编辑后的草案 (the draft)", body = DraftView),
        (status = 404, description = "没有此草案或网格 (no such draft or grid)", body = super::super::api_doc::bodies::ErrorBody),
        (status = 409, description = "草案同时被他人保存 (saved by someone else meanwhile)", body = super::super::api_doc::bodies::ErrorBody),
        (status = 422, description = "编辑无法执行, 如切线未穿过网格 (the edit cannot be made, e.g. a split line not crossing the grid)",
            body = super::super::api_doc::bodies::ErrorBody)))]
pub async fn edit(State(state): State<AppState>, access: Access, who: Principal, Path(id): Path<i64>, JsonBody(e): JsonBody<Edit>) -> Result<Json<DraftView>> {
    change(state, access, who, id, Change::Edit(e)).await
}

#[utoipa::path(post, path = "/api/v1/plans/{id}/undo", tag = "plans",
    summary = "撤销一步 (undo one step)",
    params(("id" = i64, Path, description = "草案 id (the draft's id)")),
    responses((status = 200, description = "草案 (the draft)", body = DraftView),
        (status = 404, description = "没有此草案 (no such draft)", body = super::super::api_doc::bodies::ErrorBody),
        (status = 409, description = "草案同时被他人保存 (saved by someone else meanwhile)", body = super::super::api_doc::bodies::ErrorBody),
        (status = 422, description = "没有可撤销的操作 (nothing to undo)", body = super::super::api_doc::bodies::ErrorBody)))]
pub async fn undo(State(state): State<AppState>, access: Access, who: Principal, Path(id): Path<i64>) -> Result<Json<DraftView>> {
    change(state, access, who, id, Change::Undo).await
}

#[utoipa::path(post, path = "/api/v1/plans/{id}/redo", tag = "plans",
    summary = "重做一步 (redo one step)",
    params(("id" = i64, Path, description = "草案 id (the draft's id)")),
    responses((status = 200, description = "草案 (the draft)", body = DraftView),
        (status = 404, description = "没有此草案 (no such draft)", body = super::super::api_doc::bodies::ErrorBody),
        (status = 409, description = "草案同时被他人保存 (saved by someone else meanwhile)", body = super::super::api_doc::bodies::ErrorBody),
        (status = 422, description = "没有可重做的操作 (nothing to redo)", body = super::super::api_doc::bodies::ErrorBody)))]
pub async fn redo(State(state): State<AppState>, access: Access, who: Principal, Path(id): Path<i64>) -> Result<Json<DraftView>> {
    change(state, access, who, id, Change::Redo).await
}
