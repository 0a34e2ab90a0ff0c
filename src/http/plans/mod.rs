//! `/api/v1/plans`: planners' drafts of a community's grids, their edits with live statistics, and publishing.
//! Thin handlers over [`crate::app::plans`]: parse the request, call the workflow, serialise its answer.

use axum::Router;
use axum::routing::{get, post};
use serde_json::{Map, Value};

use super::AppState;
use super::access::Principal;
use super::privacy::Access;
use crate::app::plans::{Caller, Plans, Privacy};
use crate::atlas::Atlas;
use crate::model::{Feature, Layer};

/// Two plans side by side, and a draft's diff against the published plan.
pub mod compare;
/// Opening, listing, showing, renaming and deleting drafts.
pub mod drafts;
/// Edits, undo and redo.
pub mod edits;
/// A draft as GeoJSON or GeoPackage, and a draft grid's wall chart.
pub mod export;
/// Publishing, and the published versions.
pub mod publish;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/plans", get(drafts::list).post(drafts::create))
        .route("/api/v1/plans/versions", get(publish::versions))
        .route("/api/v1/plans/compare", get(compare::compare))
        .route("/api/v1/plans/{id}", get(drafts::one).patch(drafts::rename).delete(drafts::remove))
        .route("/api/v1/plans/{id}/edits", post(edits::edit))
        .route("/api/v1/plans/{id}/undo", post(edits::undo))
        .route("/api/v1/plans/{id}/redo", post(edits::redo))
        .route("/api/v1/plans/{id}/diff", get(compare::diff))
        .route("/api/v1/plans/{id}/publish", post(publish::publish))
        .route("/api/v1/plans/{id}/export", get(export::export))
        .route("/api/v1/plans/{id}/grids/{grid}/wallchart.png", get(export::wallchart))
}

/// The workflow over the state's store and current atlas.
fn plans(state: &AppState) -> Plans<'_> {
    Plans::new(state.store(), state.atlas())
}

/// The caller as the workflow knows them.
fn caller(who: &Principal) -> Caller {
    Caller { actor: who.actor(), scope: who.scope(), address: who.address.clone() }
}

/// The privacy policy of this request, as the workflow applies it.
impl Privacy for Access {
    fn staff_name(&self, atlas: &Atlas, grid: &str, name: &str) -> String {
        self.grid(atlas, grid).name(name)
    }

    fn grid_properties(&self, atlas: &Atlas, grid: &str, properties: &Map<String, Value>) -> Map<String, Value> {
        self.grid(atlas, grid).properties(properties)
    }

    fn feature_properties(&self, atlas: &Atlas, layer: Layer, f: &Feature) -> Map<String, Value> {
        self.view(atlas, layer, f, None).properties(&f.properties)
    }

    fn householder_name(&self, atlas: &Atlas, code: &str, name: &str) -> String {
        self.household(atlas, code).name(name)
    }
}
