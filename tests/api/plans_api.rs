//! Planners over HTTP: drafts (create, list, rename, delete), every edit with its statistics, undo and redo,
//! the diff against the published plan, publishing (422 until defects are acknowledged, 409 on a stale draft),
//! on the GeoPackage store and on PostGIS.

use crate::common;

use gridmap::accounts::Role;
use serde_json::{Value, json};

const C: &str = "610522001001";
const G1: &str = "610522001001001";
const G2: &str = "610522001001002";
const X0: f64 = 110.20;
const Y0: f64 = 34.50;

async fn send(app: &common::TestApp, who: &reqwest::Client, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    common::send_json(who, method, &app.url(path), body.as_ref()).await
}

async fn post(app: &common::TestApp, who: &reqwest::Client, path: &str, body: Value) -> (u16, Value) {
    send(app, who, reqwest::Method::POST, path, Some(body)).await
}

async fn get(app: &common::TestApp, who: &reqwest::Client, path: &str) -> (u16, Value) {
    send(app, who, reqwest::Method::GET, path, None).await
}

/// A planner of the county, signed in with an API token.
async fn planner(app: &common::TestApp, username: &str) -> reqwest::Client {
    common::TestApp::client_with(&app.token_for(username, Role::Planner, "county").await)
}

async fn mini_app() -> (common::TestApp, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let app = common::spawn_app_seeded(&common::write_mini(tmp.path())).await;
    (app, tmp)
}

async fn new_plan(app: &common::TestApp, who: &reqwest::Client, name: &str) -> Value {
    let (s, v) = post(app, who, "/api/v1/plans", json!({"community": C, "name": name})).await;
    assert_eq!(s, 201, "{v}");
    v
}

async fn edit(app: &common::TestApp, who: &reqwest::Client, id: &Value, e: Value) -> Value {
    let (s, v) = post(app, who, &format!("/api/v1/plans/{id}/edits"), e.clone()).await;
    assert_eq!(s, 200, "{e} → {v}");
    v
}

fn grid_stat<'a>(plan: &'a Value, id: &str) -> &'a Value {
    plan["stats"]["grids"].as_array().unwrap().iter().find(|g| g["id"] == id).unwrap_or_else(|| panic!("no grid {id} in {}", plan["stats"]))
}

fn kinds(plan: &Value) -> Vec<String> {
    plan["stats"]["defects"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn drafts_are_created_listed_renamed_and_deleted() {
    let (app, _t) = mini_app().await;
    let pa = planner(&app, "planner.a").await;
    let a = new_plan(&app, &pa, "东片").await;
    assert_eq!(a["grids"]["features"].as_array().unwrap().len(), 2);
    assert_eq!(a["stale"], false);
    assert_eq!((a["base_version"].as_i64(), a["can_undo"].as_bool()), (Some(0), Some(false)));
    assert_eq!(grid_stat(&a, G1)["households"], 1);
    assert_eq!(grid_stat(&a, G2)["households"], 1);
    // The author is the signed-in planner; a second planner holds a draft of the same community at once.
    assert_eq!(a["author"], "planner.a");
    let pb = planner(&app, "planner.b").await;
    let b = new_plan(&app, &pb, "西片").await;
    assert_eq!(b["author"], "planner.b");
    let (s, e) = post(&app, &pa, "/api/v1/plans", json!({"community": C, "name": "x", "author": "冒名者"})).await;
    assert_eq!(s, 400, "an author in the body is refused: {e}");
    let (s, _) = post(&app, &pa, "/api/v1/plans", json!({"community": C, "name": " "})).await;
    assert_eq!(s, 400, "a plan needs a name");
    let (s, _) = post(&app, &pa, "/api/v1/plans", json!({"community": "610522999999", "name": "x"})).await;
    assert_eq!(s, 404);
    // Roles and scopes: a viewer may not draft; a planner of the other town may not draft or read this one.
    let viewer = common::TestApp::client_with(&app.token_for("viewer1", Role::Viewer, "county").await);
    assert_eq!(post(&app, &viewer, "/api/v1/plans", json!({"community": C, "name": "x"})).await.0, 403);
    assert_eq!(post(&app, &app.client, "/api/v1/plans", json!({"community": C, "name": "x"})).await.0, 401);
    let other = common::TestApp::client_with(&app.token_for("planner.east", Role::Planner, "town:610522102").await);
    assert_eq!(post(&app, &other, "/api/v1/plans", json!({"community": C, "name": "x"})).await.0, 403);
    assert_eq!(get(&app, &other, &format!("/api/v1/plans/{}", a["id"])).await.0, 403);
    assert_eq!(get(&app, &other, "/api/v1/plans").await.1["plans"], json!([]), "plans outside the scope are not listed");

    let (_, list) = get(&app, &pa, &format!("/api/v1/plans?community={C}")).await;
    let names: Vec<&str> = list["plans"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["东片", "西片"]);
    let (s, r) = send(&app, &pa, reqwest::Method::PATCH, &format!("/api/v1/plans/{}", a["id"]), Some(json!({"name": "东片二稿"}))).await;
    assert_eq!((s, r["name"].as_str()), (200, Some("东片二稿")));
    let (s, _) = send(&app, &pa, reqwest::Method::DELETE, &format!("/api/v1/plans/{}", b["id"]), None).await;
    assert_eq!(s, 204);
    let (s, _) = get(&app, &pa, &format!("/api/v1/plans/{}", b["id"])).await;
    assert_eq!(s, 404);
    let (_, list) = get(&app, &pa, "/api/v1/plans").await;
    assert_eq!(list["plans"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn every_edit_changes_the_statistics_and_undo_redo_walk_the_steps() {
    let (app, _t) = mini_app().await;
    let pa = planner(&app, "planner.a").await;
    let p = new_plan(&app, &pa, "试稿").await;
    let id = &p["id"];
    let h = 0.005;

    // Move the shared edge's south end east past household H0002: it moves with both grids.
    let v = edit(&app, &pa, id, json!({"op": "move_vertex", "from": [X0 + h, Y0], "to": [X0 + h + 0.002, Y0], "snap_m": 0.5})).await;
    assert_eq!(grid_stat(&v, G1)["households"], 2, "{}", v["stats"]);
    assert_eq!(v["stats"]["moves"], json!([{"household": "H0002", "from": G2, "to": G1}]));
    assert!(!kinds(&v).iter().any(|k| k == "blind_spot" || k == "overlap"), "{:?}", kinds(&v));

    // Add a vertex on the (now slanted) shared edge, then delete it again.
    let mid = [X0 + h + 0.001, Y0 + 0.005];
    let v = edit(&app, &pa, id, json!({"op": "add_vertex", "grid": G1, "at": mid})).await;
    let ring_len = |v: &Value, g: &str| v["grids"]["features"].as_array().unwrap().iter().find(|f| f["id"] == g).unwrap()["geometry"]["coordinates"][0].as_array().unwrap().len();
    assert_eq!((ring_len(&v, G1), ring_len(&v, G2)), (6, 6), "both grids have the new vertex");
    let v = edit(&app, &pa, id, json!({"op": "delete_vertex", "at": mid})).await;
    assert_eq!((ring_len(&v, G1), ring_len(&v, G2)), (5, 5));

    // Undo three steps: back to the published plan; redo one.
    for _ in 0..3 {
        let (s, _) = post(&app, &pa, &format!("/api/v1/plans/{id}/undo"), json!({})).await;
        assert_eq!(s, 200);
    }
    let (s, v) = post(&app, &pa, &format!("/api/v1/plans/{id}/undo"), json!({})).await;
    assert_eq!(s, 422, "nothing left to undo: {v}");
    let (_, v) = get(&app, &pa, &format!("/api/v1/plans/{id}")).await;
    assert_eq!(v["stats"]["moves"], json!([]));
    assert_eq!(v["can_redo"], true);
    let (s, v) = post(&app, &pa, &format!("/api/v1/plans/{id}/redo"), json!({})).await;
    assert_eq!(s, 200);
    assert_eq!(grid_stat(&v, G1)["households"], 2);
    post(&app, &pa, &format!("/api/v1/plans/{id}/undo"), json!({})).await;

    // Reshape G2 short of the community's east edge: a blind spot appears.
    let v = edit(&app, &pa, id, json!({"op": "reshape", "grid": G2, "ring": [[X0 + h, Y0], [X0 + 0.008, Y0], [X0 + 0.008, Y0 + 0.01], [X0 + h, Y0 + 0.01]], "snap_m": 1.0})).await;
    assert!(kinds(&v).contains(&"blind_spot".to_string()), "{:?}", kinds(&v));
    // A new edit after the undos drops what could have been redone: one step applied, nothing to redo.
    let ops: Vec<&str> = v["steps"].as_array().unwrap().iter().map(|s| s["op"].as_str().unwrap()).collect();
    assert_eq!((ops, &v["can_undo"], &v["can_redo"]), (vec!["reshape"], &json!(true), &json!(false)));
    // Give it back to G2 by clicking in it.
    let v = edit(&app, &pa, id, json!({"op": "give", "at": [X0 + 0.009, Y0 + 0.005], "to": G2})).await;
    assert!(!kinds(&v).contains(&"blind_spot".to_string()), "{:?}", kinds(&v));

    // Split G1 across; then merge the new piece back.
    let v = edit(&app, &pa, id, json!({"op": "split", "grid": G1, "line": [[X0, Y0 + 0.006], [X0 + h, Y0 + 0.006]]})).await;
    assert_eq!(v["stats"]["grids"].as_array().unwrap().len(), 3);
    assert!(kinds(&v).contains(&"grid_unstaffed".to_string()));
    let v = edit(&app, &pa, id, json!({"op": "merge", "grid": G1, "with": "new-1"})).await;
    assert_eq!(v["stats"]["grids"].as_array().unwrap().len(), 2);

    // Assign G2's building to G1: its area and its household go with it.
    let v = edit(&app, &pa, id, json!({"op": "assign_units", "grid": G1, "units": ["610522001001002001"]})).await;
    assert_eq!(grid_stat(&v, G1)["households"], 2);
    assert_eq!(grid_stat(&v, G2)["households"], 0);
    let (_, d) = get(&app, &pa, &format!("/api/v1/plans/{id}/diff")).await;
    // H0002 now lies in G1, which its roster already names: publishing writes nothing for it, and the diff
    // (what publishing writes) does not list it.
    assert_eq!(d["households"], json!([]), "{d}");
    assert_eq!(d["units"][0]["from_manager"], "张*", "managers are masked without the token");
    assert_eq!(d["units"].as_array().unwrap().iter().map(|u| u["unit"].as_str().unwrap()).collect::<Vec<_>>(), ["610522001001002001"]);

    // Bad edits: 422 with a reason, 400 for what is not an edit; the draft is unchanged.
    let before = get(&app, &pa, &format!("/api/v1/plans/{id}")).await.1;
    let (s, e) = post(&app, &pa, &format!("/api/v1/plans/{id}/edits"), json!({"op": "merge", "grid": G1, "with": "610522001001009"})).await;
    assert_eq!(s, 422, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("610522001001009"));
    let (s, _) = post(&app, &pa, &format!("/api/v1/plans/{id}/edits"), json!({"op": "paint"})).await;
    assert!(s == 400 || s == 422, "{s}");
    let after = get(&app, &pa, &format!("/api/v1/plans/{id}")).await.1;
    assert_eq!(before["edits"], after["edits"]);
}

/// Merges the two grids of C in a new draft and returns the draft.
async fn merged_draft(app: &common::TestApp, who: &reqwest::Client) -> Value {
    let p = new_plan(app, who, "合并稿").await;
    edit(app, who, &p["id"], json!({"op": "merge", "grid": G1, "with": G2})).await
}

async fn publish_then_conflict(app: &common::TestApp) {
    let pa = planner(app, "planner.a").await;
    let pb = planner(app, "planner.b").await;
    let a = merged_draft(app, &pa).await;
    let b = new_plan(app, &pb, "乙稿").await;
    let path = format!("/api/v1/plans/{}/publish", a["id"]);

    // Unacknowledged defects: 422 listing them (one grid of 2 households is under the 300..500 band).
    let (s, e) = post(app, &pa, &path, json!({})).await;
    assert_eq!(s, 422, "{e}");
    let ids: Vec<&str> = e["error"]["unacknowledged"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [format!("grid_underloaded:{G1}")]);
    let ack = json!([{"defect": ids[0], "reason": "试点社区,户数少"}]);
    let (s, e) = post(app, &pa, &path, json!({"acknowledge": [{"defect": ids[0], "reason": ""}]})).await;
    assert_eq!(s, 422, "an empty reason is no acknowledgement: {e}");

    let (s, r) = post(app, &pa, &path, json!({"acknowledge": ack})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["version"], 1);
    assert_eq!(r["codes"], json!({ G1: G1 }));
    let (_, grids) = app.get_json("/api/v1/layers/grids").await;
    let codes: Vec<&str> = grids["features"].as_array().unwrap().iter().map(|f| f["properties"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes.iter().filter(|c| c.starts_with(C)).count(), 1, "{codes:?}");
    assert!(codes.contains(&"610522102206001"), "the other community keeps its grid");
    let (_, units) = app.get_json("/api/v1/layers/units").await;
    let u2 = units["features"].as_array().unwrap().iter().find(|f| f["properties"]["code"] == "610522001001002001").unwrap();
    assert_eq!(u2["properties"]["grid_code"], G1);
    let (_, hist) = get(app, &pa, &format!("/api/v1/plans/versions?community={C}")).await;
    assert_eq!(hist["versions"][0]["published_by"], "planner.a");
    assert_eq!(hist["versions"][0]["grids_before"]["features"].as_array().unwrap().len(), 2);
    let (_, log) = get(app, &pa, "/api/v1/changes").await;
    assert_eq!(log["changes"][0]["action"], "plan.publish");
    assert_eq!(log["changes"][0]["detail"]["acknowledged"][0]["reason"], "试点社区,户数少");
    let (s, _) = get(app, &pa, &format!("/api/v1/plans/{}", a["id"])).await;
    assert_eq!(s, 404, "a published draft is gone");

    // The second planner's draft was copied from version 0: stale, and refused with 409.
    let (_, bv) = get(app, &pa, &format!("/api/v1/plans/{}", b["id"])).await;
    assert_eq!((bv["stale"].as_bool(), bv["current_version"].as_i64()), (Some(true), Some(1)));
    let (s, e) = post(app, &pb, &format!("/api/v1/plans/{}/publish", b["id"]), json!({"acknowledge": ack})).await;
    assert_eq!(s, 409, "{e}");
    let msg = e["error"]["message"].as_str().unwrap();
    assert!(msg.contains("version 1 has been published since") && msg.contains("nothing was changed"), "{msg}");
    let (_, grids_after) = app.get_json("/api/v1/layers/grids").await;
    assert_eq!(grids_after, grids, "nothing was overwritten");
}

#[tokio::test]
async fn publishing_needs_acknowledgements_and_a_stale_draft_is_refused_on_gpkg() {
    let (app, _t) = mini_app().await;
    publish_then_conflict(&app).await;
}

#[tokio::test]
async fn publishing_needs_acknowledgements_and_a_stale_draft_is_refused_on_postgis() {
    let tmp = tempfile::tempdir().unwrap();
    let app = common::spawn_app_postgis(&common::write_mini(tmp.path())).await;
    publish_then_conflict(&app).await;
}

#[tokio::test]
async fn a_split_is_published_as_previewed_keeping_the_codes_that_persist() {
    let (mut app, _t) = mini_app().await;
    app.sign_in_planner().await;
    let pa = planner(&app, "planner.a").await;
    let p = new_plan(&app, &pa, "拆分").await;
    let id = &p["id"];
    // Split the west grid G1 lengthwise at 0.002°: its west strip (the smaller) is new-1.
    let v = edit(&app, &pa, id, json!({"op": "split", "grid": G1, "line": [[X0 + 0.002, Y0], [X0 + 0.002, Y0 + 0.01]]})).await;
    let acks = common::acknowledge_all(&v);
    // The preview: G1 and G2 keep code, name and manager; the strip is new, with the next free code, 003.
    let (s, d) = get(&app, &pa, &format!("/api/v1/plans/{id}/diff")).await;
    assert_eq!(s, 200, "{d}");
    let rows: Vec<(&str, &str, &str, &str)> = d["grids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["id"].as_str().unwrap(), g["code"].as_str().unwrap(), g["name"].as_str().unwrap(), g["how"].as_str().unwrap()))
        .collect();
    assert_eq!(rows, [(G1, G1, "南新社区第1网格", "kept"), (G2, G2, "南新社区第2网格", "kept"), ("new-1", "610522001001003", "南新社区第3网格", "new")]);
    assert_eq!(d["grids_changed"], json!(["new-1"]), "{d}");
    // H0001 moves with the strip; H0002 lies in G2 but its roster says G1: publishing puts the roster right,
    // and the preview says so.
    assert_eq!(d["households"], json!([
        {"household": "H0001", "from": G1, "from_manager": "李*", "to": "610522001001003", "to_manager": null, "why": "moved"},
        {"household": "H0002", "from": G1, "from_manager": "李*", "to": G2, "to_manager": "张*", "why": "roster"},
    ]));
    // Renumbering is previewed apart: the coding rule's order, west to east; managers stay with their grid.
    let (_, r) = get(&app, &pa, &format!("/api/v1/plans/{id}/diff?renumber=true")).await;
    let renumbered: Vec<(&str, &str)> = r["grids"].as_array().unwrap().iter().map(|g| (g["id"].as_str().unwrap(), g["code"].as_str().unwrap())).collect();
    assert_eq!(renumbered, [("new-1", G1), (G1, G2), (G2, "610522001001003")]);
    assert_eq!(r["grids"][1]["before"], json!({"code": G1, "name": "南新社区第1网格", "manager": "李*"}));
    assert_eq!(get(&app, &pa, &format!("/api/v1/plans/{id}/diff?renumber=maybe")).await.0, 400);

    let (s, r) = post(&app, &pa, &format!("/api/v1/plans/{id}/publish"), json!({"acknowledge": acks})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["codes"], json!({ "new-1": "610522001001003", G1: G1, G2: G2 }));
    assert_eq!((&r["households_moved"], &r["units_moved"]), (&d["households_moved"], &d["units_moved"]), "the result is the preview");
    let (_, hh) = app.get_json("/api/v1/layers/households").await;
    let grid_of = |code: &str| hh["features"].as_array().unwrap().iter().find(|f| f["properties"]["code"] == code).unwrap()["properties"]["grid_code"].clone();
    assert_eq!(grid_of("H0001"), "610522001001003", "H0001 lies in the west strip");
    assert_eq!(grid_of("H0002"), G2);
    assert_eq!(grid_of("H0003"), "610522102206001", "other communities are untouched");
    let (_, grids) = app.get_json("/api/v1/layers/grids").await;
    let g3 = grids["features"].as_array().unwrap().iter().find(|f| f["properties"]["code"] == "610522001001003").unwrap();
    assert_eq!(g3["properties"]["name"], "南新社区第3网格");
    let g1 = grids["features"].as_array().unwrap().iter().find(|f| f["properties"]["code"] == G1).unwrap();
    assert_eq!(g1["properties"]["name"], "南新社区第1网格");
}

#[tokio::test]
async fn renumbering_the_community_is_published_only_when_asked() {
    let (app, _t) = mini_app().await;
    let pa = planner(&app, "planner.a").await;
    let p = new_plan(&app, &pa, "重编").await;
    let id = &p["id"];
    let v = edit(&app, &pa, id, json!({"op": "split", "grid": G1, "line": [[X0 + 0.002, Y0], [X0 + 0.002, Y0 + 0.01]]})).await;
    let acks = common::acknowledge_all(&v);
    let (_, d) = get(&app, &pa, &format!("/api/v1/plans/{id}/diff?renumber=true")).await;
    let (s, r) = post(&app, &pa, &format!("/api/v1/plans/{id}/publish"), json!({"acknowledge": acks, "renumber": true})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["codes"], json!({ "new-1": G1, G1: G2, G2: "610522001001003" }));
    assert_eq!((&r["households_moved"], &r["units_moved"]), (&d["households_moved"], &d["units_moved"]), "the result is the preview");
    let (_, grids) = app.get_json("/api/v1/layers/grids").await;
    let g3 = grids["features"].as_array().unwrap().iter().find(|f| f["properties"]["code"] == "610522001001003").unwrap();
    assert_eq!((&g3["properties"]["name"], &g3["properties"]["manager"]), (&json!("南新社区第3网格"), &json!("张*")), "the manager follows the grid");
}

/// PNG width and height from the IHDR chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    (u32::from_be_bytes(png[16..20].try_into().unwrap()), u32::from_be_bytes(png[20..24].try_into().unwrap()))
}

#[tokio::test]
async fn a_draft_exports_as_geojson_and_geopackage_and_prints_a_wall_chart_per_grid() {
    let (app, tmp) = mini_app().await;
    let pa = planner(&app, "planner.a").await;
    let p = new_plan(&app, &pa, "拆分").await;
    let id = &p["id"];
    edit(&app, &pa, id, json!({"op": "split", "grid": G1, "line": [[X0 + 0.002, Y0], [X0 + 0.002, Y0 + 0.01]]})).await;

    // GeoJSON: the grids with the codes publishing would give them, and their draft ids and counts.
    let r = pa.get(app.url(&format!("/api/v1/plans/{id}/export?format=geojson"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains(".geojson"));
    let fc: Value = r.json().await.unwrap();
    let rows: Vec<(String, String, u64)> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            (p["code"].as_str().unwrap().into(), p["draft_id"].as_str().unwrap().into(), p["households"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(
        rows,
        [(G1.to_string(), G1.to_string(), 0), (G2.to_string(), G2.to_string(), 1), ("610522001001003".to_string(), "new-1".to_string(), 1)]
    );
    assert_eq!(fc["features"][0]["properties"]["manager"], "李*", "a planner sees the manager masked");

    // GeoPackage: GDAL reads its grids, units and community.
    let r = pa.get(app.url(&format!("/api/v1/plans/{id}/export?format=gpkg"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let path = tmp.path().join("plan.gpkg");
    std::fs::write(&path, r.bytes().await.unwrap()).unwrap();
    let out = std::process::Command::new("ogrinfo").args(["-ro", "-so", "-al"]).arg(&path).output().expect("ogrinfo (gdal-bin)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    for (layer, n) in [("grids", 3), ("units", 2), ("communities", 1)] {
        let at = text.find(&format!("Layer name: {layer}")).unwrap_or_else(|| panic!("no layer {layer}: {text}"));
        assert!(text[at..].contains(&format!("Feature Count: {n}")), "{layer}: {text}");
    }
    let (s, _) = get(&app, &pa, &format!("/api/v1/plans/{id}/export?format=shp")).await;
    assert_eq!(s, 400);

    // Wall charts: A4 at 150 dpi, for a draft's new grid and for a published grid.
    let r = pa.get(app.url(&format!("/api/v1/plans/{id}/grids/new-1/wallchart.png"))).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["content-type"].to_str().unwrap().to_string()), (200, "image/png".to_string()));
    let draft_png = r.bytes().await.unwrap();
    assert_eq!(png_size(&draft_png), (1754, 1240));
    let r = app.client.get(app.url(&format!("/api/v1/grids/{G1}/wallchart.png"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let png = r.bytes().await.unwrap();
    assert_eq!(png_size(&png), (1754, 1240));
    assert!(png.len() > 30_000, "a drawn chart, not a blank page: {} bytes", png.len());
    let dir = common::root().join("artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("wallchart_grid.png"), &png).unwrap();
    std::fs::write(dir.join("wallchart_draft.png"), &draft_png).unwrap();
    assert_eq!(get(&app, &pa, &format!("/api/v1/plans/{id}/grids/new-9/wallchart.png")).await.0, 404);
    assert_eq!(app.client.get(app.url("/api/v1/grids/610522001001999/wallchart.png")).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn any_two_plans_compare_with_the_households_and_units_that_change_grid_and_manager() {
    let (app, _t) = mini_app().await;
    let pa = planner(&app, "planner.a").await;
    let p = new_plan(&app, &pa, "东移").await;
    let id = &p["id"];
    let h = 0.005;
    // The shared edge moves east past H0002 and 2号楼.
    for y in [Y0, Y0 + 0.01] {
        edit(&app, &pa, id, json!({"op": "move_vertex", "from": [X0 + h, y], "to": [X0 + h + 0.003, y], "snap_m": 0.5})).await;
    }
    let (s, c) = get(&app, &pa, &format!("/api/v1/plans/compare?community={C}&b=draft:{id}")).await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["a"]["ref"], "published");
    assert_eq!(c["b"]["grids"]["features"].as_array().unwrap().len(), 2);
    assert_eq!(
        c["households"],
        json!([{"code": "H0002", "name": "李*", "from": G2, "from_manager": "张*", "to": G1, "to_manager": "李*"}])
    );
    assert_eq!(c["units"][0]["code"], "610522001001002001");
    assert_eq!(c["households_unchanged"], 1);

    // After publishing, version 0 against version 1 shows the same change; the published plan is version 1.
    let (_, v) = get(&app, &pa, &format!("/api/v1/plans/{id}")).await;
    let acks = common::acknowledge_all(&v);
    let (s, r) = post(&app, &pa, &format!("/api/v1/plans/{id}/publish"), json!({"acknowledge": acks})).await;
    assert_eq!(s, 200, "{r}");
    let (_, c) = get(&app, &pa, &format!("/api/v1/plans/compare?community={C}&a=v:0&b=v:1")).await;
    assert_eq!(c["households"].as_array().unwrap().len(), 1, "{c}");
    assert_eq!(c["households"][0]["code"], "H0002");
    let (_, c) = get(&app, &pa, &format!("/api/v1/plans/compare?community={C}&a=v:1&b=published")).await;
    assert_eq!((c["households"].as_array().unwrap().len(), c["units"].as_array().unwrap().len()), (0, 0), "{c}");

    for (q, status) in [("b=v:7", 404), ("b=draft:999", 404), ("b=latest", 400), ("a=v:x&b=published", 400)] {
        let (s, e) = get(&app, &pa, &format!("/api/v1/plans/compare?community={C}&{q}")).await;
        assert_eq!(s, status, "{q}: {e}");
    }
    assert_eq!(get(&app, &pa, "/api/v1/plans/compare?community=610522999999&b=published").await.0, 404);
}
