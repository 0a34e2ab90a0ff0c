//! Privacy by default: anonymous callers and viewers get counts per grid and unit, never a household (its
//! point, code, roster or people), and the answers say so in Chinese; staff who may see households still do.

use serde_json::Value;

use crate::common::{TestApp, spawn_app_seeded, write_mini};
use gridmap::accounts::Role;

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> Value {
    let r = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

async fn png(client: &reqwest::Client, app: &TestApp, path: &str) -> Vec<u8> {
    let r = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn anonymous_callers_get_counts_not_households() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    let viewer = TestApp::client_with(&app.token_for("viewer1", Role::Viewer, "county").await);
    let planner = TestApp::client_with(&app.token_for("planner1", Role::Planner, "county").await);
    let anonymous = reqwest::Client::new();

    for client in [&anonymous, &viewer] {
        let hh = get(client, &app, "/api/v1/layers/households").await;
        assert_eq!(hh["features"].as_array().unwrap().len(), 0, "{hh}");
        assert_eq!(hh["withheld"], true);
        assert!(hh["message"].as_str().unwrap().starts_with("户级数据"), "{hh}");

        // Counts instead: per grid on the layer and in the grid's household list.
        let grids = get(client, &app, "/api/v1/layers/grids").await;
        let g = grids["features"].as_array().unwrap().iter().find(|f| f["properties"]["code"] == "610522001001001").unwrap();
        assert_eq!(g["properties"]["household_count"], 1, "{g}"); // H0001 lies in it (H0002 is on its roster only)
        let units = get(client, &app, "/api/v1/layers/units").await;
        assert!(units["features"].as_array().unwrap().iter().all(|f| f["properties"]["household_count"].is_u64()), "{units}");
        let list = get(client, &app, "/api/v1/grids/610522001001001/households").await;
        assert_eq!((list["count"].as_u64(), list["households"].as_array().map(Vec::len)), (Some(2), Some(0)), "{list}");
        assert_eq!(list["withheld"], true);

        let at = get(client, &app, "/api/v1/locate?lon=110.2015&lat=34.5015").await;
        assert!(at["household"].is_null() && at["households_withheld"] == true, "{at}");
        assert_eq!(at["grid"]["code"], "610522001001001", "{at}");
        let near = get(client, &app, "/api/v1/nearest?lon=110.2015&lat=34.5015&k=5").await;
        assert_eq!(near["households"].as_array().unwrap().len(), 0, "{near}");
        let found = get(client, &app, "/api/v1/search?q=H0001").await;
        assert!(found["hits"].as_array().unwrap().iter().all(|h| h["layer"] != "households"), "{found}");
    }

    // Staff who plan still see the households (people masked).
    let hh = get(&planner, &app, "/api/v1/layers/households").await;
    assert_eq!(hh["features"].as_array().unwrap().len(), 5, "{hh}");
    let near = get(&planner, &app, "/api/v1/nearest?lon=110.2015&lat=34.5015&k=5").await;
    assert!(!near["households"].as_array().unwrap().is_empty(), "{near}");

    // The wall chart shows no household dots to anonymous callers: theirs is the viewer's, not the planner's
    // (both see the manager masked; only the planner sees the dots).
    let chart = "/api/v1/grids/610522001001001/wallchart.png";
    let (a, v, p) = (png(&anonymous, &app, chart).await, png(&viewer, &app, chart).await, png(&planner, &app, chart).await);
    assert_eq!(a, v, "anonymous and viewer charts differ");
    assert_ne!(a, p, "the anonymous chart shows the households the planner's does");
}

#[tokio::test]
async fn a_grid_manager_sees_their_own_secretary_in_full_and_no_other() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    let own = TestApp::client_with(&app.token_for("gm1", Role::GridManager, "grids:610522001001001").await);
    let elsewhere = TestApp::client_with(&app.token_for("gm2", Role::GridManager, "grids:610522102206001").await);
    // H0001's point, in gm1's grid of community 610522001001 (secretary 王秀兰).
    let path = "/api/v1/locate?lon=110.2015&lat=34.5015";
    let at = get(&own, &app, path).await;
    assert_eq!((at["community"]["secretary"].as_str(), at["community"]["secretary_phone"].as_str()), (Some("王秀兰"), Some("13900000001")), "{at}");
    // A grid manager of another community calls through their own secretary, not this one.
    let at = get(&elsewhere, &app, path).await;
    assert_eq!(at["community"]["secretary"], "王**", "{at}");
    assert_eq!(at["community"]["secretary_phone"], "139****0001", "{at}");
}
