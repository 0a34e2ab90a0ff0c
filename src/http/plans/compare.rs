//! `GET /api/v1/plans/compare`: two plans of a community side by side; `GET /api/v1/plans/{id}/diff`: what a
//! draft moves against the published plan.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::super::AppState;
use super::super::access::Principal;
use super::super::error::Result;
use super::super::extract::{Path, Query};
use super::super::privacy::Access;
use super::{caller, plans};
use crate::app::plans::compare::Side;
use crate::model::geojson_io::geometry_json;

pub async fn diff(State(state): State<AppState>, access: Access, who: Principal, Path(id): Path<i64>) -> Result<Json<Value>> {
    let d = plans(&state).diff(&caller(&who), &access, id).await?;
    let households: Vec<Value> = d
        .households
        .iter()
        .map(|m| json!({ "household": m.code, "from": m.from, "from_manager": m.from_manager, "to": m.to, "to_manager": m.to_manager }))
        .collect();
    let units: Vec<Value> = d
        .units
        .iter()
        .map(|m| {
            json!({ "unit": m.code, "name": m.name, "from": m.from, "from_manager": m.from_manager, "to": m.to, "to_manager": m.to_manager })
        })
        .collect();
    Ok(Json(json!({ "community": d.community, "households": households, "units": units })))
}

#[derive(Deserialize)]
pub struct CompareQuery {
    community: String,
    a: Option<String>,
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
