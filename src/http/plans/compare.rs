//! `GET /api/v1/plans/compare`: two plans of a community side by side; `GET /api/v1/plans/{id}/diff`: what a
//! draft moves against the published plan.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use serde_json::{Value, json};

use super::super::AppState;
use super::super::access::Principal;
use super::super::error::Result;
use super::super::extract::{Path, Query};
use super::super::privacy::Access;
use super::{caller, plans};
use crate::app::plans::compare::Side;
use crate::app::plans::diff::Why;
use crate::app::plans::Privacy;
use crate::model::geojson_io::geometry_json;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    /// Renumber the whole community by the coding rule (the explicit choice, previewed before it is made).
    #[serde(default)]
    renumber: bool,
}

/// What publishing the draft would do: the grids (code, name, manager before and after, `how` it got its code),
/// the codes going out of use, the households and units whose grid changes. `households_moved` and
/// `units_moved` are what the publication answers when it lands.
#[utoipa::path(get, path = "/api/v1/plans/{id}/diff", tag = "plans",
    summary = "发布预览: 改变网格的住户与巷道楼栋及其前后网格员 (what publishing would move)",
    params(("id" = i64, Path, description = "草案 id (the draft's id)"), DiffQuery),
    responses((status = 200, description = "差异 (the diff)", body = super::super::api_doc::bodies::Diff),
        (status = 404, description = "没有此草案 (no such draft)", body = super::super::api_doc::bodies::ErrorBody)))]
pub async fn diff(State(state): State<AppState>, access: Access, who: Principal, Path(id): Path<i64>, Query(q): Query<DiffQuery>) -> Result<Json<Value>> {
    let d = plans(&state).diff(&caller(&who), &access, id, q.renumber).await?;
    let atlas = state.atlas();
    let manager = |grid: &str, m: Option<&str>| m.map(|m| access.staff_name(&atlas, grid, m));
    let grids: Vec<Value> = d
        .identities
        .grids
        .iter()
        .map(|g| {
            let before = g.before.as_ref().map(|b| json!({ "code": b.code, "name": b.name, "manager": manager(&b.code, b.manager.as_deref()) }));
            json!({ "id": g.id, "code": g.code, "name": g.name(), "manager": manager(&g.id, g.manager()), "how": g.how, "before": before })
        })
        .collect();
    let retired: Vec<Value> =
        d.identities.retired.iter().map(|b| json!({ "code": b.code, "name": b.name, "manager": manager(&b.code, b.manager.as_deref()) })).collect();
    let changed: Vec<&str> = d.identities.changed().map(|g| g.id.as_str()).collect();
    let households: Vec<Value> = d
        .households
        .iter()
        .map(|h| {
            let m = &h.change;
            json!({ "household": m.code, "from": m.from, "from_manager": m.from_manager, "to": m.to, "to_manager": m.to_manager, "why": h.why.as_str() })
        })
        .collect();
    let units: Vec<Value> = d
        .units
        .iter()
        .map(|m| {
            json!({ "unit": m.code, "name": m.name, "from": m.from, "from_manager": m.from_manager, "to": m.to, "to_manager": m.to_manager })
        })
        .collect();
    let written = d.households.iter().filter(|h| h.why != Why::Uncovered).count();
    Ok(Json(json!({
        "community": d.community,
        "renumber": d.identities.renumber,
        "grids": grids,
        "grids_changed": changed,
        "retired": retired,
        "households": households,
        "units": units,
        "households_moved": written,
        "units_moved": d.units.len(),
    })))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompareQuery {
    /// 社区编码 (the community's code)
    community: String,
    /// 方案 A: published (默认, 现行方案)、v:N (已发布的第 N 版) 或草案 id (plan A: the published plan by default)
    a: Option<String>,
    /// 方案 B, 写法同 a (plan B, as a)
    b: String,
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
#[utoipa::path(get, path = "/api/v1/plans/compare", tag = "plans",
    summary = "方案对比: 两个方案的网格, 及改变网格的住户与巷道楼栋 (two plans side by side)",
    params(CompareQuery),
    responses((status = 200, description = "对比 (the comparison)", body = super::super::api_doc::bodies::Comparison),
        (status = 404, description = "没有此社区、版本或草案 (no such community, version or draft)", body = super::super::api_doc::bodies::ErrorBody)))]
pub async fn compare(State(state): State<AppState>, access: Access, who: Principal, Query(q): Query<CompareQuery>) -> Result<Json<Value>> {
    let c = plans(&state).compare(&caller(&who), &access, &q.community, q.a.as_deref(), &q.b).await?;
    Ok(Json(json!({
        "community": c.community,
        "a": side_json(&c.a),
        "b": side_json(&c.b),
        "households": c.changes.households,
        "units": c.changes.units,
        "households_unchanged": c.changes.households_unchanged,
    })))
}
