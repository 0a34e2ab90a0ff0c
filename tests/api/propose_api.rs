//! Proposed drafts over HTTP on the default dataset: `POST /api/v1/plans` with `propose` opens a draft (201, as
//! any draft) in which every lane and building of the community lies in exactly one grid, each grid one piece;
//! the same seed gives the same draft, locked grids are kept, bad options are 422 saying which, a viewer is
//! refused, an infeasible band says why, and the draft is published through the normal flow. On GeoPackage,
//! and once on PostGIS.

use std::collections::{BTreeMap, BTreeSet};

use crate::common;

use geo::Geometry;
use gridmap::accounts::Role;
use gridmap::app::plans::content::Content;
use gridmap::atlas::placement::{covers, representative_point};
use gridmap::model::Layer;
use gridmap::model::geojson_io::read_layer_file;
use gridmap::store::PlanStore;
use serde_json::{Value, json};

/// 潼关县 秦东镇 (town 610522103) 的一个社区: 30 lanes and buildings, about 1100 households, three
/// published grids.
const C: &str = "610522103001";

async fn post(who: &reqwest::Client, app: &common::TestApp, path: &str, body: Value) -> (u16, Value) {
    let r = who.post(app.url(path)).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn planner(app: &common::TestApp, username: &str) -> reqwest::Client {
    common::TestApp::client_with(&app.token_for(username, Role::Planner, "county").await)
}

/// Proposes C with `options`, expecting 201.
async fn propose(app: &common::TestApp, who: &reqwest::Client, name: &str, options: Value) -> Value {
    let (s, v) = post(who, app, "/api/v1/plans", json!({"community": C, "name": name, "propose": options})).await;
    assert_eq!(s, 201, "{v}");
    v
}

/// The lanes and buildings the default dataset files under a grid of C.
fn community_units() -> BTreeMap<String, Geometry<f64>> {
    let read = read_layer_file(&common::geodata().join("units.geojson"), Layer::Units, None).unwrap();
    read.features.into_iter().filter(|f| f.str_prop("grid_code").is_some_and(|g| g.starts_with(C))).map(|f| (f.code, f.geometry)).collect()
}

/// The stored draft of plan `id`.
async fn stored(app: &common::TestApp, id: &Value) -> Content {
    let rec = app.store().await.plan(id.as_i64().unwrap()).await.unwrap().expect("the draft is stored");
    Content::of(&rec).unwrap()
}

/// Every unit of C assigned to one grid of the draft, its point inside that grid's outline and no other's;
/// every grid one piece.
fn assert_partition(content: &Content) {
    let draft = &content.draft;
    let units = community_units();
    assert!(units.len() >= 20, "the dataset has C's units");
    for (code, g) in &units {
        let id = draft.units.get(code).unwrap_or_else(|| panic!("unit {code} is in no grid of the draft"));
        let p = representative_point(g).unwrap();
        let holders: Vec<&String> =
            draft.grids.iter().filter(|(_, dg)| covers(&Geometry::MultiPolygon(dg.geometry.clone()), p)).map(|(k, _)| k).collect();
        assert_eq!(holders, [id], "unit {code} lies in exactly its grid {id}");
    }
    for (id, g) in &draft.grids {
        assert_eq!(g.geometry.0.len(), 1, "grid {id} is one piece");
    }
    let used: BTreeSet<&String> = draft.units.values().collect();
    assert_eq!(used, draft.grids.keys().collect(), "every grid holds units, every unit's grid exists");
}

async fn a_proposal_is_a_draft_like_any_other(app: &common::TestApp) {
    let pa = planner(app, "planner.a").await;
    let opts = json!({"target_households": [300, 500], "compactness": 0.3, "keep_managers": 0.5, "seed": 7});
    let v = propose(app, &pa, "自动划分", opts.clone()).await;
    // The answer of any new draft, and the proposal's own figures beside it.
    for key in ["id", "community", "name", "author", "base_version", "stale", "edits", "grids", "stats", "steps"] {
        assert!(v.get(key).is_some(), "{key} in {v}");
    }
    assert_eq!((v["community"].as_str(), v["author"].as_str(), v["edits"].as_i64()), (Some(C), Some("planner.a"), Some(0)));
    let grids = v["proposal"]["grids"].as_array().unwrap();
    let households: u64 = grids.iter().map(|g| g["households"].as_u64().unwrap()).sum();
    assert_eq!(v["stats"]["grids"].as_array().unwrap().len(), grids.len());
    // Three grids of the band; the live statistics count the same households.
    assert_eq!(grids.len(), 3, "{}", v["proposal"]);
    assert!(grids.iter().all(|g| (300..=500).contains(&g["households"].as_u64().unwrap())), "{}", v["proposal"]);
    let stat_households: u64 = v["stats"]["grids"].as_array().unwrap().iter().map(|g| g["households"].as_u64().unwrap()).sum();
    assert_eq!(stat_households, households, "{}", v["stats"]);
    assert_eq!(v["proposal"]["warnings"], json!([]), "the band is met: {}", v["proposal"]);
    let kinds: Vec<&str> = v["stats"]["defects"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert!(!kinds.iter().any(|k| *k == "blind_spot" || *k == "overlap"), "no blind spots, no overlaps: {kinds:?}");
    assert!(v["stats"]["moves"].is_array(), "the households that change grid are listed");
    let content = stored(app, &v["id"]).await;
    assert_partition(&content);

    // It is edited and compared as any draft.
    let d = pa.get(app.url(&format!("/api/v1/plans/{}/diff", v["id"]))).send().await.unwrap();
    assert_eq!(d.status(), 200);

    // Published through the normal flow, every defect acknowledged.
    let acks: Vec<Value> = v["stats"]["defects"].as_array().unwrap().iter().map(|d| json!({"defect": d["id"], "reason": "自动划分试用"})).collect();
    let (s, r) = post(&pa, app, &format!("/api/v1/plans/{}/publish", v["id"]), json!({"acknowledge": acks})).await;
    assert_eq!(s, 200, "{r}");
    let codes: BTreeMap<String, String> = serde_json::from_value(r["codes"].clone()).unwrap();
    assert_eq!(codes.len(), 3, "{r}");
    let units: Value = pa.get(app.url("/api/v1/layers/units")).send().await.unwrap().json().await.unwrap();
    let published: BTreeMap<&str, &str> = units["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["properties"]["code"].as_str().unwrap(), f["properties"]["grid_code"].as_str().unwrap_or("")))
        .collect();
    for (unit, id) in &content.draft.units {
        assert_eq!(published[unit.as_str()], codes[id], "unit {unit} published in the grid it was proposed in");
    }
}

#[tokio::test]
async fn a_proposal_opens_a_draft_of_contiguous_grids_and_publishes_on_gpkg() {
    a_proposal_is_a_draft_like_any_other(&common::spawn_app().await).await;
}

#[tokio::test]
async fn a_proposal_opens_a_draft_of_contiguous_grids_and_publishes_on_postgis() {
    a_proposal_is_a_draft_like_any_other(&common::spawn_app_postgis(&common::geodata()).await).await;
}

#[tokio::test]
async fn the_same_seed_gives_the_same_draft_and_locked_grids_are_kept() {
    let app = common::spawn_app().await;
    let pa = planner(&app, "planner.a").await;
    let opts = json!({"seed": 11, "compactness": 0.5});
    let a = propose(&app, &pa, "甲", opts.clone()).await;
    let b = propose(&app, &pa, "乙", opts).await;
    assert_ne!(a["id"], b["id"]);
    assert_eq!(a["grids"], b["grids"], "same options and seed, same grids");
    assert_eq!(stored(&app, &a["id"]).await.draft, stored(&app, &b["id"]).await.draft);

    // Lock the first published grid: it is kept exactly as published, its units with it; the rest is proposed.
    let plain = {
        let (s, v) = post(&pa, &app, "/api/v1/plans", json!({"community": C, "name": "原样"})).await;
        assert_eq!(s, 201, "{v}");
        stored(&app, &v["id"]).await.draft
    };
    let locked = plain.grids.keys().next().unwrap().clone();
    let v = propose(&app, &pa, "保留第1网格", json!({"lock": [locked], "seed": 3})).await;
    let content = stored(&app, &v["id"]).await;
    assert_eq!(content.draft.grids[&locked], plain.grids[&locked], "the locked grid is untouched");
    for (unit, g) in &plain.units {
        assert_eq!(content.draft.units[unit] == locked, g == &locked, "unit {unit}: in the locked grid before and after, or neither");
    }
    assert!(!v["proposal"]["grids"].as_array().unwrap().iter().any(|g| g["id"] == locked.as_str()), "the locked grid is not re-proposed");
    assert_partition(&content);
}

#[tokio::test]
async fn bad_options_are_refused_saying_which_and_a_viewer_may_not_propose() {
    let app = common::spawn_app().await;
    let pa = planner(&app, "planner.a").await;
    let cases = [
        (json!({"community": C, "name": "x", "propose": {"lock": ["610522103001999"]}}), "保留的网格"),
        (json!({"community": C, "name": "x", "propose": {"compactness": 1.5}}), "形状规整"),
        (json!({"community": C, "name": "x", "propose": {"grids": 0}}), "网格数"),
        (json!({"community": C, "name": "x", "propose": {"target_households": [500, 300]}}), "每格户数"),
        (json!({"community": "610522999999", "name": "x", "propose": {}}), "社区 610522999999 不存在"),
    ];
    for (body, says) in cases {
        let (s, e) = post(&pa, &app, "/api/v1/plans", body.clone()).await;
        assert_eq!(s, 422, "{body} → {e}");
        let msg = e["error"]["message"].as_str().unwrap();
        assert!(msg.contains(says), "{body}: {msg}");
        assert!(msg.chars().next().is_some_and(|c| !c.is_ascii()), "Chinese first: {msg}");
    }
    let (s, _) = post(&pa, &app, "/api/v1/plans", json!({"community": C, "name": "x", "propose": {"colour": 1}})).await;
    assert_eq!(s, 400, "an unknown option is refused");
    let list: Value = pa.get(app.url("/api/v1/plans")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["plans"], json!([]), "nothing was stored");

    let viewer = common::TestApp::client_with(&app.token_for("viewer1", Role::Viewer, "county").await);
    assert_eq!(post(&viewer, &app, "/api/v1/plans", json!({"community": C, "name": "x", "propose": {}})).await.0, 403);
    let other = common::TestApp::client_with(&app.token_for("planner.west", Role::Planner, "town:610522101").await);
    assert_eq!(post(&other, &app, "/api/v1/plans", json!({"community": C, "name": "x", "propose": {}})).await.0, 403);
    assert_eq!(post(&common::TestApp::anonymous(), &app, "/api/v1/plans", json!({"community": C, "name": "x", "propose": {}})).await.0, 401);
}

#[tokio::test]
async fn an_infeasible_band_gets_the_closest_plan_and_says_why() {
    let app = common::spawn_app().await;
    let pa = planner(&app, "planner.a").await;
    let (s, plain) = post(&pa, &app, "/api/v1/plans", json!({"community": C, "name": "原样"})).await;
    assert_eq!(s, 201, "{plain}");
    let total = plain["stats"]["households"].as_u64().unwrap();
    assert!((1000..2000).contains(&total), "{total}");
    // About 1100 households cannot be cut into grids of 1000..1050.
    let v = propose(&app, &pa, "大网格", json!({"target_households": [1000, 1050]})).await;
    let warnings = v["proposal"]["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{}", v["proposal"]);
    let why = warnings[0].as_str().unwrap();
    assert!(why.contains(&format!("共 {total} 户")) && why.contains("无法"), "{why}");
    assert_eq!(v["proposal"]["grids"].as_array().unwrap().len(), 1, "the closest plan: one grid of them all");
    assert_partition(&stored(&app, &v["id"]).await);
}
