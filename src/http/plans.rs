//! `/api/v1/plans`: planners' drafts of a community's grids, their edits with live statistics, and publishing.
//!
//! A draft is kept in the store after every edit (its `edits` count guards against two requests overwriting
//! each other). Publishing is refused with 409 when the community's plan moved on since the draft was copied
//! (another draft was published, or its grids were changed by an import), and with 422 while any defect of the
//! draft is not acknowledged with a reason.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::{Error, Result};
use super::access::Principal;
use super::privacy::Access;
use crate::atlas::Atlas;
use crate::atlas::coverage::Settings;
use crate::atlas::plan::publish::Acknowledgement;
use crate::atlas::plan::stats::Stats;
use crate::atlas::plan::{Draft, Edit, PlanError, Step, published_grids};
use crate::model::geojson_io::geometry_json;
use crate::model::{Feature, Layer};
use crate::store::accounts::{AccountStore, AuditRecord};
use crate::store::{self, LayerStore, NewPlan, NextStep, PlanRecord, PlanSave, PlanStore, StepWrite};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/plans", get(list).post(create))
        .route("/api/v1/plans/versions", get(versions))
        .route("/api/v1/plans/compare", get(compare))
        .route("/api/v1/plans/{id}", get(one).patch(rename).delete(remove))
        .route("/api/v1/plans/{id}/edits", post(edit))
        .route("/api/v1/plans/{id}/undo", post(undo))
        .route("/api/v1/plans/{id}/redo", post(redo))
        .route("/api/v1/plans/{id}/diff", get(diff))
        .route("/api/v1/plans/{id}/publish", post(publish))
        .route("/api/v1/plans/{id}/export", get(export))
        .route("/api/v1/plans/{id}/grids/{grid}/wallchart.png", get(wallchart))
}

/// What the store keeps as a draft's content: the draft, and the community's published grids it was copied
/// from (to see changes made by other means than publishing, e.g. an import). Its steps are rows of their own.
#[derive(serde::Serialize, Deserialize)]
struct Content {
    draft: Draft,
    base: Vec<BaseGrid>,
}

#[derive(serde::Serialize, Deserialize, PartialEq, Debug)]
struct BaseGrid {
    code: String,
    geometry: Value,
}

fn base_of(atlas: &Atlas, community: &str) -> Vec<BaseGrid> {
    let mut v: Vec<BaseGrid> = published_grids(atlas, community)
        .into_iter()
        .map(|f| BaseGrid { code: f.code.clone(), geometry: geometry_json(&f.geometry) })
        .collect();
    v.sort_by(|a, b| a.code.cmp(&b.code));
    v
}

fn plan_error(e: PlanError) -> Error {
    match e {
        PlanError::UnknownCommunity(_) => Error::NotFound(e.to_string()),
        _ => Error::Unprocessable(e.to_string()),
    }
}

fn body<T>(b: std::result::Result<Json<T>, JsonRejection>) -> Result<T> {
    b.map(|Json(v)| v).map_err(|e| Error::BadRequest(format!("request body: {}", e.body_text())))
}

/// Refuses a caller whose scope does not cover all of `community` (a planner of one town may not draft
/// another's grids).
fn in_scope(atlas: &Atlas, who: &Principal, community: &str) -> Result<()> {
    let town = atlas.layer(Layer::Communities).and_then(|l| l.get(community)).and_then(|f| f.nonempty_prop("town_code"));
    let scope = who.scope();
    if scope.covers_community(community, town) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!("community {community} is outside your scope ({scope})")))
    }
}

/// A plan and its content, if the caller's scope covers its community (else 403).
async fn load(state: &AppState, id: i64, who: &Principal) -> Result<(PlanRecord, Content)> {
    let rec = state.store().plan(id).await?.ok_or_else(|| Error::NotFound(format!("plan {id} does not exist")))?;
    in_scope(&state.atlas(), who, &rec.community)?;
    let content: Content = serde_json::from_value(rec.content.clone())
        .map_err(|e| Error::Internal(anyhow::anyhow!("plan {id} content: {e}")))?;
    Ok((rec, content))
}

async fn stats_of(atlas: std::sync::Arc<Atlas>, draft: Draft) -> Result<(Draft, Stats)> {
    tokio::task::spawn_blocking(move || {
        let s = draft.stats(&atlas, &Settings::default());
        s.map(|s| (draft, s))
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?
    .map_err(plan_error)
}

/// A draft as the API shows it: its record, grids (GeoJSON), statistics and whether it is stale.
async fn view(state: &AppState, rec: &PlanRecord, content: Content, access: Access) -> Result<Value> {
    let (draft, stats) = stats_of(state.atlas(), content.draft).await?;
    view_with(state, rec, &content.base, &draft, stats, access).await
}

/// [`view`] with the statistics already computed.
async fn view_with(state: &AppState, rec: &PlanRecord, base: &[BaseGrid], draft: &Draft, mut stats: Stats, access: Access) -> Result<Value> {
    let atlas = state.atlas();
    let version = state.store().plan_version(&rec.community).await?;
    let steps = state.store().plan_edits(rec.id).await?;
    let stale = version != rec.base_version || base_of(&atlas, &rec.community) != base;
    let atlas_for_names = atlas;
    for g in &mut stats.grids {
        let shown = access.grid(&atlas_for_names, &g.id);
        g.manager = g.manager.as_deref().map(|m| shown.name(m));
    }
    let features: Vec<Value> = draft
        .grids
        .iter()
        .map(|(id, g)| {
            let mut p = access.grid(&atlas_for_names, id).properties(&g.properties);
            p.insert("id".into(), id.clone().into());
            json!({ "type": "Feature", "id": id, "properties": p, "geometry": geometry_json(&geo::Geometry::MultiPolygon(g.geometry.clone())) })
        })
        .collect();
    Ok(json!({
        "id": rec.id,
        "community": rec.community,
        "name": rec.name,
        "author": rec.author,
        "created_at": rec.created_at,
        "updated_at": rec.updated_at,
        "base_version": rec.base_version,
        "current_version": version,
        "stale": stale,
        "edits": rec.edits,
        "can_undo": rec.steps_done > 0,
        "can_redo": rec.steps_total > rec.steps_done,
        "steps": steps,
        "grids": { "type": "FeatureCollection", "features": features },
        "stats": stats,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    community: String,
    name: String,
}

async fn create(State(state): State<AppState>, access: Access, who: Principal, b: std::result::Result<Json<CreateBody>, JsonRejection>) -> Result<Response> {
    let b = body(b)?;
    let author = who.actor();
    if b.name.trim().is_empty() {
        return Err(Error::BadRequest("a plan needs a name".into()));
    }
    let atlas = state.atlas();
    if atlas.layer(Layer::Communities).and_then(|l| l.get(&b.community)).is_none() {
        return Err(Error::NotFound(format!("community {} is not in the atlas", b.community)));
    }
    in_scope(&atlas, &who, &b.community)?;
    let draft = Draft::from_atlas(&atlas, &b.community).map_err(plan_error)?;
    let base_version = state.store().plan_version(&b.community).await?;
    let content = Content { draft, base: base_of(&atlas, &b.community) };
    let rec = state
        .store()
        .create_plan(&NewPlan {
            community: b.community.clone(),
            name: b.name.trim().to_string(),
            author,
            base_version,
            content: serde_json::to_value(&content).map_err(|e| Error::Internal(e.into()))?,
        }, &who.audit("plan.create", json!({ "name": b.name.trim(), "community": b.community })))
        .await?;
    let v = view(&state, &rec, content, access).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

#[derive(Deserialize)]
struct ListQuery {
    community: Option<String>,
}

async fn list(State(state): State<AppState>, who: Principal, Query(q): Query<ListQuery>) -> Result<Json<Value>> {
    let atlas = state.atlas();
    let plans: Vec<PlanRecord> = state
        .store()
        .plans(q.community.as_deref())
        .await?
        .into_iter()
        .filter(|p| in_scope(&atlas, &who, &p.community).is_ok())
        .collect();
    Ok(Json(json!({ "plans": plans })))
}

async fn one(State(state): State<AppState>, access: Access, who: Principal, Path(id): Path<i64>) -> Result<Json<Value>> {
    let (rec, content) = load(&state, id, &who).await?;
    Ok(Json(view(&state, &rec, content, access).await?))
}

#[derive(Deserialize)]
struct RenameBody {
    name: String,
}

/// Saves `content` over what was read as `rec`, moving its steps by `step`, with its audit entry; 409 when
/// another save came first.
async fn save(state: &AppState, rec: &PlanRecord, name: &str, content: &Content, step: StepWrite<'_>, audit: &AuditRecord) -> Result<PlanRecord> {
    let value = serde_json::to_value(content).map_err(|e| Error::Internal(e.into()))?;
    state
        .store()
        .save_plan(&PlanSave { id: rec.id, expected_edits: rec.edits, name, content: &value, step, audit })
        .await?
        .ok_or_else(|| Error::Conflict(format!("plan {} was changed by another request meanwhile; reload it and try again", rec.id)))
}

async fn rename(State(state): State<AppState>, who: Principal, Path(id): Path<i64>, b: std::result::Result<Json<RenameBody>, JsonRejection>) -> Result<Json<Value>> {
    let b = body(b)?;
    if b.name.trim().is_empty() {
        return Err(Error::BadRequest("a plan needs a name".into()));
    }
    let (rec, content) = load(&state, id, &who).await?;
    let audit = who.audit("plan.rename", json!({ "plan": id, "name": b.name.trim() }));
    let saved = save(&state, &rec, b.name.trim(), &content, StepWrite::Keep, &audit).await?;
    Ok(Json(json!(saved)))
}

async fn remove(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<StatusCode> {
    let (rec, _) = load(&state, id, &who).await?;
    let audit = who.audit("plan.delete", json!({ "plan": id, "name": rec.name, "community": rec.community }));
    if !state.store().delete_plan(id, &audit).await? {
        return Err(Error::NotFound(format!("plan {id} does not exist")));
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn edit(State(state): State<AppState>, access: Access, who: Principal, Path(id): Path<i64>, b: std::result::Result<Json<Edit>, JsonRejection>) -> Result<Json<Value>> {
    let e = body(b)?;
    let what = json!({ "plan": id, "edit": e });
    change(state, access, who, id, what, Change::Edit(e)).await
}

async fn undo(State(state): State<AppState>, access: Access, who: Principal, Path(id): Path<i64>) -> Result<Json<Value>> {
    change(state, access, who, id, json!({ "plan": id, "edit": "undo" }), Change::Undo).await
}

async fn redo(State(state): State<AppState>, access: Access, who: Principal, Path(id): Path<i64>) -> Result<Json<Value>> {
    change(state, access, who, id, json!({ "plan": id, "edit": "redo" }), Change::Redo).await
}

/// What a request does to a draft.
enum Change {
    Edit(Edit),
    Undo,
    Redo,
}

/// Loads a draft, changes it, saves it with its step and shows it with its new statistics.
async fn change(state: AppState, access: Access, who: Principal, id: i64, what: Value, how: Change) -> Result<Json<Value>> {
    let (rec, mut content) = load(&state, id, &who).await?;
    let atlas = state.atlas();
    let draft = content.draft;
    let undo = matches!(how, Change::Undo);
    match how {
        Change::Edit(e) => {
            let (draft, step) = tokio::task::spawn_blocking(move || {
                let mut d = draft;
                d.apply(&atlas, &e).map(|step| (d, step))
            })
            .await
            .map_err(|e| Error::Internal(e.into()))?
            .map_err(plan_error)?;
            content.draft = draft;
            // An edit that changed nothing is saved (it counts as a save) but is no step.
            let stored = step
                .map(|s| Ok::<_, serde_json::Error>((serde_json::to_value(&s.edit)?, serde_json::to_value(&s)?)))
                .transpose()
                .map_err(|e| Error::Internal(e.into()))?;
            let write = stored.as_ref().map_or(StepWrite::Keep, |(edit, step)| StepWrite::Push { edit, step });
            finish(state, access, who, rec, content, write, what).await
        }
        Change::Undo | Change::Redo => {
            let which = if undo { NextStep::Undo } else { NextStep::Redo };
            let nothing = if undo { PlanError::NothingToUndo } else { PlanError::NothingToRedo };
            let (seq, v) = state.store().plan_step(id, which).await?.ok_or_else(|| plan_error(nothing))?;
            let step: Step = serde_json::from_value(v).map_err(|e| Error::Internal(anyhow::anyhow!("plan {id} step {seq}: {e}")))?;
            let mut draft = draft;
            if undo { draft.undo(&step) } else { draft.redo(&step) }
            content.draft = draft;
            let write = if undo { StepWrite::Undo(seq) } else { StepWrite::Redo(seq) };
            finish(state, access, who, rec, content, write, what).await
        }
    }
}

/// Saves a changed draft with its audit entry while its statistics are computed (neither waits for the
/// other), and shows the draft.
async fn finish(state: AppState, access: Access, who: Principal, rec: PlanRecord, content: Content, write: StepWrite<'_>, what: Value) -> Result<Json<Value>> {
    let for_stats = content.draft.clone();
    let audit = who.audit("plan.edit", what);
    let (saved, computed) = tokio::join!(save(&state, &rec, &rec.name, &content, write, &audit), stats_of(state.atlas(), for_stats));
    let saved = saved?;
    let (_, stats) = computed?;
    Ok(Json(view_with(&state, &saved, &content.base, &content.draft, stats, access).await?))
}

async fn diff(State(state): State<AppState>, access: Access, who: Principal, Path(id): Path<i64>) -> Result<Json<Value>> {
    let (_, content) = load(&state, id, &who).await?;
    let atlas = state.atlas();
    let a = atlas.clone();
    let (draft, stats) = stats_of(a, content.draft).await?;
    let grid_props = |id: &str| -> (Option<String>, Option<String>) {
        let f = draft.grids.get(id).map(|g| &g.properties);
        let get = |k: &str| f.and_then(|p| p.get(k)).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
        (get("name"), get("manager").map(|m| access.grid(&atlas, id).name(&m)))
    };
    let published_manager = |code: &str| -> Option<String> {
        atlas.layer(Layer::Grids).and_then(|g| g.get(code)).and_then(|f| f.nonempty_prop("manager")).map(|m| access.grid(&atlas, code).name(m))
    };
    let households: Vec<Value> = stats
        .moves
        .iter()
        .map(|m| {
            let to = m.to.as_deref().map(grid_props).unwrap_or((None, None));
            json!({
                "household": m.household,
                "from": m.from,
                "from_manager": m.from.as_deref().and_then(published_manager),
                "to": m.to,
                "to_manager": to.1,
            })
        })
        .collect();
    // Units: the published grid they name against the draft grid they lie in.
    let mut units = Vec::new();
    if let Some(ul) = atlas.layer(Layer::Units) {
        use geo::Contains;
        for f in &ul.features {
            let Some(at) = crate::atlas::contain::representative_point(&f.geometry) else { continue };
            let Some((to, _)) = draft.grids.iter().find(|(_, g)| g.geometry.contains(&geo::Point(at))) else { continue };
            let from = f.str_prop("grid_code");
            if from != Some(to.as_str()) {
                units.push(json!({ "unit": f.code, "name": f.name(), "from": from, "from_manager": from.and_then(published_manager), "to": to, "to_manager": grid_props(to).1 }));
            }
        }
    }
    Ok(Json(json!({ "community": draft.community, "households": households, "units": units })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    #[serde(default)]
    acknowledge: Vec<Acknowledgement>,
}

async fn publish(State(state): State<AppState>, who: Principal, Path(id): Path<i64>, b: std::result::Result<Json<PublishBody>, JsonRejection>) -> Result<Response> {
    let b = body(b)?;
    let by = who.actor();
    let (rec, content) = load(&state, id, &who).await?;
    let atlas = state.atlas();
    let version = state.store().plan_version(&rec.community).await?;
    let stale_msg = |current: i64| {
        format!(
            "plan {} of community {} was drafted from version {} of its grids, but version {current} has been published since: \
             open a new draft from the published plan (nothing was changed)",
            rec.id, rec.community, rec.base_version
        )
    };
    if version != rec.base_version {
        return Err(Error::Conflict(stale_msg(version)));
    }
    if base_of(&atlas, &rec.community) != content.base {
        return Err(Error::Conflict(format!(
            "the grids of community {} were changed since plan {} was drafted (by an import or another tool): \
             open a new draft from the published plan (nothing was changed)",
            rec.community, rec.id
        )));
    }
    let a = atlas.clone();
    let (draft, stats) = stats_of(a, content.draft).await?;
    let p = draft.publication(&atlas, &stats, &b.acknowledge).map_err(plan_error)?;
    if !p.unacknowledged.is_empty() {
        let body = json!({
            "error": {
                "status": 422,
                "message": format!("{} defect(s) of the draft are neither fixed nor acknowledged with a reason", p.unacknowledged.len()),
                "unacknowledged": p.unacknowledged.iter().map(|d| json!({ "id": d.id, "kind": d.kind, "codes": d.codes, "message": d.message })).collect::<Vec<_>>(),
            }
        });
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
    }
    let grids_before: Vec<Feature> = published_grids(&atlas, &rec.community).into_iter().cloned().collect();
    let detail = json!({
        "plan": rec.id,
        "name": rec.name,
        "community": rec.community,
        "codes": p.codes,
        "households_moved": p.households.len(),
        "units_moved": p.units.len(),
        "acknowledged": b.acknowledge.iter().map(|a| json!({ "defect": a.defect, "reason": a.reason })).collect::<Vec<_>>(),
    });
    let publication = store::Publication {
        plan_id: rec.id,
        plan_name: rec.name.clone(),
        community: rec.community.clone(),
        base_version: rec.base_version,
        published_by: by.clone(),
        grids_before,
        grids: p.grids.clone(),
        units: p.units.clone(),
        households: p.households.clone(),
        detail: detail.clone(),
        // The version it becomes if it lands (else the transaction, and this entry, are rolled back).
        audit: who.audit("plan.publish", json!({ "version": rec.base_version + 1, "plan": detail })),
    };
    let new_version = match state.store().publish_plan(&publication).await {
        Ok(v) => v,
        Err(store::Error::Stale { current, .. }) => return Err(Error::Conflict(stale_msg(current))),
        Err(e) => return Err(e.into()),
    };
    state.reload_if_changed().await?;
    Ok(Json(json!({
        "version": new_version,
        "community": rec.community,
        "published_by": by,
        "codes": p.codes,
        "grids": p.grids.len(),
        "households_moved": p.households.len(),
        "units_moved": p.units.len(),
        "revision": state.atlas().revision,
    }))
    .into_response())
}

#[derive(Deserialize)]
struct VersionsQuery {
    community: String,
}

async fn versions(State(state): State<AppState>, who: Principal, Query(q): Query<VersionsQuery>) -> Result<Json<Value>> {
    in_scope(&state.atlas(), &who, &q.community)?;
    Ok(Json(json!({ "community": q.community, "versions": state.store().plan_versions(&q.community).await? })))
}

#[derive(Deserialize)]
struct ExportQuery {
    format: Option<String>,
}

/// The draft as it would be published: its grids with the codes the coding rule gives them (and their draft
/// id, households, people and band), as GeoJSON; or, as a GeoPackage, those grids, the community's lanes and
/// buildings with the grid they would belong to, and the community itself, ready for QGIS.
async fn export(State(state): State<AppState>, access: Access, who: Principal, Path(id): Path<i64>, Query(q): Query<ExportQuery>) -> Result<Response> {
    let (rec, content) = load(&state, id, &who).await?;
    let atlas = state.atlas();
    let (draft, stats) = stats_of(atlas.clone(), content.draft).await?;
    let p = draft.publication(&atlas, &stats, &[]).map_err(plan_error)?;
    let draft_id: std::collections::BTreeMap<&String, &String> = p.codes.iter().map(|(d, c)| (c, d)).collect();
    let grids: Vec<Feature> = p
        .grids
        .iter()
        .map(|f| {
            let mut f = f.clone();
            let did = draft_id.get(&f.code).map(|s| s.to_string()).unwrap_or_default();
            f.properties = access.grid(&atlas, &did).properties(&f.properties);
            if let Some(g) = stats.grids.iter().find(|g| g.id == did) {
                f.properties.insert("households".into(), g.households.into());
                f.properties.insert("people".into(), g.people.into());
                f.properties.insert("band".into(), g.band.into());
            }
            f.properties.insert("draft_id".into(), did.into());
            f
        })
        .collect();
    let stem = format!("plan-{}-{}", rec.id, rec.community);
    state.store().append_audit(&who.audit("plan.export", json!({ "plan": id, "format": q.format }))).await?;
    match q.format.as_deref().unwrap_or("geojson") {
        "geojson" => {
            let features: Vec<Value> = grids.iter().map(crate::model::geojson_io::feature_json).collect();
            let fc = json!({ "type": "FeatureCollection", "name": stem, "features": features });
            Ok((
                [
                    (axum::http::header::CONTENT_TYPE, "application/geo+json".to_string()),
                    (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{stem}.geojson\"")),
                ],
                Json(fc),
            )
                .into_response())
        }
        "gpkg" => {
            let mut units: Vec<Feature> = atlas.layer(Layer::Units).map_or(vec![], |u| {
                u.features.iter().filter(|f| draft.units.contains_key(&f.code)).cloned().collect()
            });
            for u in &mut units {
                if let Some(moved) = p.units.iter().find(|m| m.code == u.code) {
                    *u = moved.clone();
                }
                u.properties = access.view(&atlas, Layer::Units, u, None).properties(&u.properties);
            }
            let community: Vec<Feature> = atlas
                .layer(Layer::Communities)
                .and_then(|c| c.get(&rec.community))
                .map(|f| vec![Feature { properties: access.view(&atlas, Layer::Communities, f, None).properties(&f.properties), ..f.clone() }])
                .unwrap_or_default();
            let mut ds = crate::model::Dataset::default();
            ds.layers.insert(Layer::Communities, community);
            ds.layers.insert(Layer::Grids, grids);
            ds.layers.insert(Layer::Units, units);
            let bytes = gpkg_bytes(&ds).await?;
            Ok((
                [
                    (axum::http::header::CONTENT_TYPE, "application/geopackage+sqlite3".to_string()),
                    (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{stem}.gpkg\"")),
                ],
                bytes,
            )
                .into_response())
        }
        other => Err(Error::BadRequest(format!("format {other:?} is not one of geojson, gpkg"))),
    }
}

/// `ds` written to a fresh GeoPackage file, returned as bytes.
async fn gpkg_bytes(ds: &crate::model::Dataset) -> Result<Vec<u8>> {
    let dir = tempfile::tempdir().map_err(|e| Error::Internal(e.into()))?;
    let path = dir.path().join("plan.gpkg");
    {
        let g = crate::store::gpkg::GpkgStore::open(&path).await?;
        g.replace_layers(ds).await?;
        g.pool().close().await;
    }
    tokio::fs::read(&path).await.map_err(|e| Error::Internal(e.into()))
}

/// The wall chart of one grid of a draft, as it would be published.
async fn wallchart(State(state): State<AppState>, access: Access, who: Principal, Path((id, grid)): Path<(i64, String)>) -> Result<Response> {
    use super::wallchart::{ChartProps, place_of, render};
    let (rec, content) = load(&state, id, &who).await?;
    let atlas = state.atlas();
    let draft = content.draft;
    let g = draft.grid(&grid).map_err(|e| Error::NotFound(e.to_string()))?;
    let neighbours: Vec<(String, geo::MultiPolygon<f64>)> = draft
        .grids
        .iter()
        .filter(|(other, _)| **other != grid)
        .map(|(other, g)| (g.properties.get("name").and_then(Value::as_str).unwrap_or(other).to_string(), g.geometry.clone()))
        .collect();
    let footer = format!("规划草案 {} ({}) · 第 {} 步 · 未发布", rec.name, rec.author, rec.edits);
    let props = ChartProps::of(&g.properties, &grid, place_of(&atlas, &rec.community), access.grid(&atlas, &grid), footer);
    let outline = g.geometry.clone();
    render(atlas, outline, neighbours, props).await
}

#[derive(Deserialize)]
struct CompareQuery {
    community: String,
    a: Option<String>,
    b: String,
}

/// One side of a comparison, resolved: its label and grids.
struct Side {
    reference: String,
    label: String,
    grids: Vec<crate::atlas::plan::compare::PlanGrid>,
}

/// `published`, `v:N` (the grids published as version N; `v:0` the grids before the first publication) or
/// `draft:ID`.
async fn side(state: &AppState, who: &Principal, access: &Access, community: &str, reference: &str) -> Result<Side> {
    use crate::atlas::plan::compare::{PlanGrid, published};
    let atlas = state.atlas();
    let manager_of = |code: &str, m: &str| access.grid(&atlas, code).name(m);
    let bad = || Error::BadRequest(format!("plan {reference:?}: one of published, v:N (a published version) or draft:ID"));
    if reference == "published" {
        return Ok(Side { reference: reference.into(), label: "现行方案".into(), grids: published(&atlas, community, manager_of) });
    }
    if let Some(v) = reference.strip_prefix("v:") {
        let v: i64 = v.parse().map_err(|_| bad())?;
        let versions = state.store().plan_versions(community).await?;
        let (fc, label) = if v == 0 {
            match versions.first() {
                Some(first) => (first.grids_before.clone(), "首次发布前".to_string()),
                None => return Ok(Side { reference: reference.into(), label: "现行方案".into(), grids: published(&atlas, community, manager_of) }),
            }
        } else {
            let found = versions.iter().find(|x| x.version == v).ok_or_else(|| Error::NotFound(format!("community {community} has no published version {v}")))?;
            (found.grids_after.clone(), format!("第 {v} 版 ({} {})", found.plan_name, &found.published_at[..10.min(found.published_at.len())]))
        };
        let read = crate::model::geojson_io::parse_layer(&fc.to_string(), &format!("version {v}"), Layer::Grids, None)
            .map_err(|e| Error::Internal(anyhow::anyhow!("stored version {v}: {e}")))?;
        return Ok(Side { reference: reference.into(), label, grids: read.features.iter().map(|f| PlanGrid::of_feature(f, manager_of)).collect() });
    }
    let id: i64 = reference.strip_prefix("draft:").ok_or_else(bad)?.parse().map_err(|_| bad())?;
    let (rec, content) = load(state, id, who).await?;
    if rec.community != community {
        return Err(Error::BadRequest(format!("plan {id} is a draft of community {}, not {community}", rec.community)));
    }
    let grids = content
        .draft
        .grids
        .iter()
        .map(|(gid, g)| PlanGrid {
            id: gid.clone(),
            name: g.properties.get("name").and_then(Value::as_str).map(str::to_string),
            manager: g.properties.get("manager").and_then(Value::as_str).filter(|m| !m.is_empty()).map(|m| manager_of(gid, m)),
            geometry: g.geometry.clone(),
        })
        .collect();
    Ok(Side { reference: reference.into(), label: format!("草案 {} ({})", rec.name, rec.author), grids })
}

fn side_json(s: &Side) -> Value {
    let features: Vec<Value> = s
        .grids
        .iter()
        .map(|g| {
            json!({
                "type": "Feature", "id": g.id,
                "properties": { "id": g.id, "name": g.name, "manager": g.manager },
                "geometry": geometry_json(&geo::Geometry::MultiPolygon(g.geometry.clone())),
            })
        })
        .collect();
    json!({ "ref": s.reference, "label": s.label, "grids": { "type": "FeatureCollection", "features": features } })
}

/// Two plans of a community side by side (`a` defaults to the published plan): both sets of grids, and the
/// households and units that lie in another grid under `b` than under `a`, with both managers.
async fn compare(State(state): State<AppState>, access: Access, who: Principal, Query(q): Query<CompareQuery>) -> Result<Json<Value>> {
    let atlas = state.atlas();
    if atlas.layer(Layer::Communities).and_then(|l| l.get(&q.community)).is_none() {
        return Err(Error::NotFound(format!("community {} is not in the atlas", q.community)));
    }
    in_scope(&atlas, &who, &q.community)?;
    let a = side(&state, &who, &access, &q.community, q.a.as_deref().unwrap_or("published")).await?;
    let b = side(&state, &who, &access, &q.community, &q.b).await?;
    let (ga, gb, at, acc) = (a.grids.clone(), b.grids.clone(), atlas.clone(), access.clone());
    let c = tokio::task::spawn_blocking(move || {
        crate::atlas::plan::compare::compare(&at, &ga, &gb, |layer, i| {
            let f = &at.layer(layer)?.features[i];
            match layer {
                Layer::Households => f.nonempty_prop("head").map(|h| acc.household(&at, &f.code).name(h)),
                _ => Some(f.name().to_string()),
            }
        })
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?;
    Ok(Json(json!({
        "community": q.community,
        "a": side_json(&a),
        "b": side_json(&b),
        "households": c.households,
        "units": c.units,
        "households_unchanged": c.households_unchanged,
    })))
}
