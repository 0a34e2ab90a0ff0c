//! `POST /api/v1/plans/{id}/edits|undo|redo`: changing a draft; each answers the draft with its new statistics.

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::super::AppState;
use super::super::access::Principal;
use super::super::error::Result;
use super::super::extract::{JsonBody, Path};
use super::super::privacy::Access;
use super::drafts::shown_json;
use super::{caller, plans};
use crate::app::plans::Change;
use crate::atlas::plan::Edit;

async fn change(state: AppState, access: Access, who: Principal, id: i64, how: Change) -> Result<Json<Value>> {
    Ok(Json(shown_json(plans(&state).change(&caller(&who), &access, id, how).await?)))
}

pub async fn edit(State(state): State<AppState>, access: Access, who: Principal, Path(id): Path<i64>, JsonBody(e): JsonBody<Edit>) -> Result<Json<Value>> {
    change(state, access, who, id, Change::Edit(e)).await
}

pub async fn undo(State(state): State<AppState>, access: Access, who: Principal, Path(id): Path<i64>) -> Result<Json<Value>> {
    change(state, access, who, id, Change::Undo).await
}

pub async fn redo(State(state): State<AppState>, access: Access, who: Principal, Path(id): Path<i64>) -> Result<Json<Value>> {
    change(state, access, who, id, Change::Redo).await
}
