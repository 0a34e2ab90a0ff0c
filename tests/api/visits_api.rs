//! Visits (民情联系) over HTTP on both stores: recording as each role's scope allows, a resend counted once, a far
//! position flagged and kept, bad input refused in Chinese, listings masked outside the caller's scope; and the
//! contact coverage per grid and community against a count made here from the dataset's own geometry, as JSON
//! and as the assessment workbook (read back with calamine).

use std::collections::{BTreeMap, BTreeSet};

use calamine::{Data, Reader};
use gridmap::accounts::Role;
use serde_json::{Value, json};

use crate::common::{self, TestApp, send_json, spawn_app_seeded, write_mini};

/// H0001's door, in grid 610522001001001.
const AT_H0001: [f64; 2] = [110.2015, 34.5015];

async fn post(who: &reqwest::Client, app: &TestApp, body: Value) -> (u16, Value) {
    send_json(who, reqwest::Method::POST, &app.url("/api/v1/visits"), Some(&body)).await
}

async fn get(who: &reqwest::Client, app: &TestApp, path: &str) -> (u16, Value) {
    send_json(who, reqwest::Method::GET, &app.url(path), None).await
}

fn visit(household: &str, kind: &str, lonlat: Option<[f64; 2]>, client_id: &str) -> Value {
    json!({ "household": household, "kind": kind, "note": "家中老人身体尚好", "tags": ["独居老人"], "lonlat": lonlat, "client_id": client_id })
}

/// Which grid each household of the store lies in, counted here from the layers' own geometry: the mini
/// dataset's grids are axis-aligned squares, so a point lies in the grid whose box holds it (a household's
/// outline by its first vertex, well inside).
async fn grid_of_each_household(app: &TestApp, admin: &reqwest::Client) -> BTreeMap<String, Option<String>> {
    let (_, grids) = get(admin, app, "/api/v1/layers/grids").await;
    let (_, hh) = get(admin, app, "/api/v1/layers/households").await;
    let boxes: Vec<(String, [f64; 4])> = grids["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let c = &g["geometry"]["coordinates"];
            let ring = if g["geometry"]["type"] == "Polygon" { c[0].as_array().unwrap() } else { c[0][0].as_array().unwrap() };
            let xs: Vec<f64> = ring.iter().map(|c| c[0].as_f64().unwrap()).collect();
            let ys: Vec<f64> = ring.iter().map(|c| c[1].as_f64().unwrap()).collect();
            let b = [xs.iter().cloned().fold(f64::MAX, f64::min), ys.iter().cloned().fold(f64::MAX, f64::min),
                xs.iter().cloned().fold(f64::MIN, f64::max), ys.iter().cloned().fold(f64::MIN, f64::max)];
            (g["properties"]["code"].as_str().unwrap().to_string(), b)
        })
        .collect();
    hh["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let g = &h["geometry"];
            let p = match g["type"].as_str().unwrap() {
                "Point" => g["coordinates"].clone(),
                "Polygon" => g["coordinates"][0][0].clone(),
                _ => g["coordinates"][0][0][0].clone(),
            };
            let (x, y) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
            let grid = boxes.iter().find(|(_, b)| x > b[0] && x < b[2] && y > b[1] && y < b[3]).map(|(c, _)| c.clone());
            (h["properties"]["code"].as_str().unwrap().to_string(), grid)
        })
        .collect()
}

async fn visits_are_recorded_once_flagged_and_scoped(app: &TestApp) {
    let gm = TestApp::client_with(&app.token_for("gm1", Role::GridManager, "grids:610522001001001").await);
    let sec = TestApp::client_with(&app.token_for("sec1", Role::Secretary, "community:610522001001").await);
    let admin = TestApp::client_with(&app.token_for("admin1", Role::Admin, "county").await);
    let planner = TestApp::client_with(&app.token_for("planner1", Role::Planner, "county").await);

    // A grid manager records a visit at the household's door: kept, not flagged.
    let first = visit("H0001", "走访", Some(AT_H0001), "c0ffee00-0000-4000-8000-000000000001");
    let (s, v) = post(&gm, app, first.clone()).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["created"], true);
    let id = v["visit"]["id"].as_i64().unwrap();
    assert_eq!((v["visit"]["household"].as_str(), v["visit"]["grid"].as_str()), (Some("H0001"), Some("610522001001001")), "{v}");
    assert_eq!(v["visit"]["community"], "610522001001");
    assert_eq!((v["visit"]["account"].as_str(), v["visit"]["flagged_far"].as_bool()), (Some("gm1"), Some(false)), "{v}");
    assert!(v["visit"]["distance_m"].as_f64().unwrap() < 5.0, "{v}");

    // The same visit sent again (a retry, a queue sent twice): the first visit, nothing new written.
    for _ in 0..2 {
        let (s, again) = post(&gm, app, first.clone()).await;
        assert_eq!(s, 200, "{again}");
        assert_eq!((again["created"].as_bool(), again["visit"]["id"].as_i64()), (Some(false), Some(id)), "{again}");
    }
    // Someone else reusing the id is a conflict, not a silent success.
    let (s, e) = post(&admin, app, visit("H0003", "电话", None, "c0ffee00-0000-4000-8000-000000000001")).await;
    assert_eq!(s, 409, "{e}");

    // Far from the household (about 800 m): recorded and flagged, never refused.
    let (s, far) = post(&gm, app, visit("H0001", "上门服务", Some([110.2100, 34.5050]), "c0ffee00-0000-4000-8000-000000000002")).await;
    assert_eq!(s, 201, "{far}");
    assert_eq!(far["visit"]["flagged_far"], true, "{far}");
    assert!(far["visit"]["distance_m"].as_f64().unwrap() > 200.0, "{far}");
    // A position from WeChat (GCJ-02) is converted before the distance is measured.
    let (gx, gy) = gridmap::model::crs::wgs84_to_gcj02(AT_H0001[0], AT_H0001[1]);
    let mut wechat = visit("H0001", "电话", Some([gx, gy]), "c0ffee00-0000-4000-8000-000000000003");
    wechat["crs"] = "gcj02".into();
    let (s, w) = post(&gm, app, wechat).await;
    assert_eq!(s, 201, "{w}");
    assert!(w["visit"]["distance_m"].as_f64().unwrap() < 5.0, "GCJ-02 converted: {w}");

    // Outside the grid manager's grids: refused; the secretary outside her community too; the admin anywhere.
    let (s, e) = post(&gm, app, visit("H0003", "走访", None, "c0ffee00-0000-4000-8000-000000000004")).await;
    assert_eq!(s, 403, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().starts_with("住户 H0003 不在"), "{e}");
    let (s, e) = post(&sec, app, visit("H0003", "走访", None, "c0ffee00-0000-4000-8000-000000000005")).await;
    assert_eq!(s, 403, "{e}");
    let (s, e) = post(&planner, app, visit("H0001", "走访", None, "c0ffee00-0000-4000-8000-000000000006")).await;
    assert_eq!(s, 403, "planners do not record visits: {e}");
    let (s, v) = post(&sec, app, visit("H0002", "电话", None, "c0ffee00-0000-4000-8000-000000000007")).await;
    assert_eq!(s, 201, "H0002 is on her community's roster: {v}");
    let (s, v) = post(&admin, app, visit("H0003", "走访", None, "c0ffee00-0000-4000-8000-000000000008")).await;
    assert_eq!(s, 201, "{v}");

    // Bad input: a 4xx that says what, Chinese first, in the one envelope; nothing written.
    let long = "长".repeat(501);
    let bad: Vec<(Value, u16, &str)> = vec![
        (visit("H9999", "走访", None, "bad00000-0000-4000-8000-000000000001"), 404, "H9999"),
        (visit("H0001", "散步", None, "bad00000-0000-4000-8000-000000000002"), 400, "kind"),
        (visit("H0001", "走访", Some([34.5015, 110.2015]), "bad00000-0000-4000-8000-000000000003"), 400, "写反"),
        (visit("H0001", "走访", Some([2.35, 48.85]), "bad00000-0000-4000-8000-000000000004"), 400, "不在中国境内"),
        (json!({"household": "H0001", "kind": "走访", "note": long, "client_id": "bad00000-0000-4000-8000-000000000005"}), 400, "500"),
        (json!({"household": "H0001", "kind": "走访", "note": "响\u{7}铃", "client_id": "bad00000-0000-4000-8000-000000000006"}), 400, "控制字符"),
        (json!({"household": "H0001", "kind": "走访", "tags": ["a\u{1b}b"], "client_id": "bad00000-0000-4000-8000-000000000007"}), 400, "控制字符"),
        (json!({"household": "H0001", "kind": "走访", "client_id": "x"}), 400, "client_id"),
        (json!({"household": "H0001", "kind": "走访", "visited_at": "昨天", "client_id": "bad00000-0000-4000-8000-000000000008"}), 400, "visited_at"),
        (json!({"household": "H0001", "kind": "走访", "visited_at": "2999-01-01T00:00:00Z", "client_id": "bad00000-0000-4000-8000-000000000009"}), 400, "将来"),
        (json!({"household": "H0001", "kind": "走访"}), 422, "client_id"),
        (json!({"household": "H0001", "kind": "走访", "client_id": "bad00000-0000-4000-8000-00000000000a", "account": "冒名者"}), 400, "account"),
    ];
    let mut failures = vec![];
    for (body, status, says) in bad {
        let (s, e) = post(&gm, app, body.clone()).await;
        let m = e["error"]["message"].as_str().unwrap_or_default();
        let chinese_first = m.chars().next().is_some_and(|c| !c.is_ascii());
        if s != status || !m.contains(says) || !chinese_first || e["error"]["status"] != status {
            failures.push(format!("{body}: {s} {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Listings: the grid manager's household in full, others' visits masked (no note, tags or position).
    let (s, l) = get(&gm, app, "/api/v1/visits?household=H0001").await;
    assert_eq!(s, 200, "{l}");
    assert_eq!(l["count"], 3, "the resends counted once: {l}");
    assert!(l["visits"].as_array().unwrap().iter().all(|v| v["note"] == "家中老人身体尚好" && v["lonlat"].is_array()), "{l}");
    let (_, l) = get(&gm, app, "/api/v1/visits?household=H0003").await;
    assert_eq!(l["count"], 1, "{l}");
    let masked = &l["visits"][0];
    assert!(masked["note"] == "" && masked["tags"] == json!([]) && masked["lonlat"].is_null(), "masked outside the grid: {masked}");
    let (_, l) = get(&admin, app, "/api/v1/visits?grid=610522001001001&since=2000-01-01").await;
    // The grid at the time of the visit is the one the household lies in: H0002 is on grid 001's roster but
    // lies in grid 002, so its visit is not listed here.
    assert_eq!(l["count"], 3, "{l}");
    for (path, status) in [
        ("/api/v1/visits?household=H9999", 404),
        ("/api/v1/visits?grid=610522999999999", 404),
        ("/api/v1/visits?since=上个月", 400),
        ("/api/v1/visits?limit=0", 400),
    ] {
        let (s, e) = get(&admin, app, path).await;
        assert_eq!(s, status, "{path}: {e}");
    }
    let (s, _) = get(&planner, app, "/api/v1/visits").await;
    assert_eq!(s, 403);

    // Every new visit has its audit entry; resends and refusals none.
    let entries = app.store().await;
    let audit = gridmap::store::AccountStore::audit(&entries, 1000, None).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "visit.record").count(), 5, "one entry per visit written");
}

async fn contact_coverage_counts_as_the_dataset_says(app: &TestApp) {
    let admin = TestApp::client_with(&app.token_for("admin2", Role::Admin, "county").await);
    let sec = TestApp::client_with(&app.token_for("sec2", Role::Secretary, "community:610522001001").await);
    let gm = TestApp::client_with(&app.token_for("gm2", Role::GridManager, "grids:610522001001001").await);
    let planner = TestApp::client_with(&app.token_for("planner2", Role::Planner, "county").await);
    let viewer = TestApp::client_with(&app.token_for("viewer2", Role::Viewer, "county").await);
    for (h, n) in [("H0001", 1), ("H0003", 2), ("H0001", 3)] {
        let (s, v) = post(&admin, app, visit(h, "走访", None, &format!("cafe0000-0000-4000-8000-00000000000{n}"))).await;
        assert_eq!(s, 201, "{v}");
    }
    // A visit older than the window counts in a longer window only.
    let old = gridmap::accounts::clock::rfc3339(gridmap::accounts::clock::now() - 40 * 86_400);
    let mut v = visit("H0005", "电话", None, "cafe0000-0000-4000-8000-000000000009");
    v["visited_at"] = old.into();
    assert_eq!(post(&admin, app, v).await.0, 201);

    // The count made here: households per grid from the geometry, visited = {H0001, H0003} in 30 days.
    let placed = grid_of_each_household(app, &admin).await;
    let (_, grids) = get(&admin, app, "/api/v1/layers/grids").await;
    let community_of: BTreeMap<String, String> = grids["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["properties"]["code"].as_str().unwrap().to_string(), g["properties"]["community_code"].as_str().unwrap().to_string()))
        .collect();
    let expect = |visited: &BTreeSet<&str>| {
        let mut per_grid: BTreeMap<String, (usize, usize, Vec<String>)> = community_of.keys().map(|g| (g.clone(), (0, 0, vec![]))).collect();
        let mut per_comm: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (h, g) in &placed {
            let Some(g) = g else { continue };
            let seen = visited.contains(h.as_str());
            let e = per_grid.get_mut(g).unwrap();
            e.0 += 1;
            if seen {
                e.1 += 1;
            } else {
                e.2.push(h.clone());
            }
            let c = per_comm.entry(community_of[g].clone()).or_default();
            c.0 += 1;
            c.1 += usize::from(seen);
        }
        (per_grid, per_comm)
    };
    let check = |c: &Value, visited: &BTreeSet<&str>| {
        let (per_grid, per_comm) = expect(visited);
        let rows = c["grids"].as_array().unwrap();
        assert_eq!(rows.len(), per_grid.len(), "{c}");
        for r in rows {
            let (n, v, missing) = &per_grid[r["code"].as_str().unwrap()];
            assert_eq!((r["households"].as_u64(), r["visited"].as_u64()), (Some(*n as u64), Some(*v as u64)), "{r}");
            assert_eq!(r["not_contacted"], json!(missing), "{r}");
            let pct = if *n == 0 { Value::Null } else { json!(((*v as f64) * 1000.0 / (*n as f64)).round() / 10.0) };
            assert_eq!(r["coverage_pct"], pct, "{r}");
        }
        for r in c["communities"].as_array().unwrap() {
            let (n, v) = per_comm.get(r["code"].as_str().unwrap()).copied().unwrap_or_default();
            assert_eq!((r["households"].as_u64(), r["visited"].as_u64()), (Some(n as u64), Some(v as u64)), "{r}");
        }
    };
    let (s, c) = get(&admin, app, "/api/v1/coverage/contact?parent=610522").await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["days"], 30);
    check(&c, &BTreeSet::from(["H0001", "H0003"]));
    assert_eq!(c["communities"].as_array().unwrap().len(), 2);
    let (_, c60) = get(&admin, app, "/api/v1/coverage/contact?parent=610522&days=60").await;
    check(&c60, &BTreeSet::from(["H0001", "H0003", "H0005"]));

    // Secretaries see their community (by default too), not the other one; a grid manager their grid.
    let (s, mine) = get(&sec, app, "/api/v1/coverage/contact").await;
    assert_eq!(s, 200, "{mine}");
    assert_eq!(mine["parent"], "610522001001");
    assert_eq!(mine["grids"].as_array().unwrap().len(), 2, "{mine}");
    assert_eq!(get(&sec, app, "/api/v1/coverage/contact?parent=610522102206").await.0, 403);
    assert_eq!(get(&sec, app, "/api/v1/coverage/contact?parent=610522").await.0, 403);
    let (s, g) = get(&gm, app, "/api/v1/coverage/contact").await;
    assert_eq!((s, g["grids"].as_array().map(Vec::len)), (200, Some(1)), "{g}");
    assert_eq!(get(&gm, app, "/api/v1/coverage/contact?parent=610522001001").await.0, 403);
    assert_eq!(get(&viewer, app, "/api/v1/coverage/contact").await.0, 403);
    for (path, status) in [("/api/v1/coverage/contact?parent=610522999999", 404), ("/api/v1/coverage/contact?days=0", 400), ("/api/v1/coverage/contact?days=abc", 400)] {
        assert_eq!(get(&admin, app, path).await.0, status, "{path}");
    }
    // A planner gets the figures, people masked.
    let (s, p) = get(&planner, app, "/api/v1/coverage/contact?parent=610522001001").await;
    assert_eq!(s, 200);
    assert!(!p.to_string().contains("李娜") && p.to_string().contains("李*"), "{p}");

    // The workbook: Chinese headers, the same figures.
    let r = admin.get(app.url("/api/v1/coverage/contact.xlsx?parent=610522")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an XLSX calamine opens");
    let sheet = wb.worksheet_range("网格走访覆盖").expect("the grid sheet");
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    let headers: Vec<String> = rows[0].iter().map(|d| d.to_string()).collect();
    assert_eq!(headers, ["网格编码", "网格", "所属社区", "网格员", "总户数", "已走访户数", "未走访户数", "走访覆盖率(%)"]);
    assert_eq!(rows.len() - 1, c["grids"].as_array().unwrap().len());
    for (row, j) in rows[1..].iter().zip(c["grids"].as_array().unwrap()) {
        assert_eq!(row[0].to_string(), j["code"].as_str().unwrap());
        let num = |d: &Data| match d { Data::Float(f) => *f, Data::Int(i) => *i as f64, other => panic!("not a number: {other:?}") };
        assert_eq!(num(&row[4]), j["households"].as_f64().unwrap());
        assert_eq!(num(&row[5]), j["visited"].as_f64().unwrap());
        match j["coverage_pct"].as_f64() {
            Some(p) => assert!((num(&row[7]) - p).abs() < 1e-9),
            None => assert_eq!(row[7].to_string(), "—"),
        }
    }
    let comms = wb.worksheet_range("社区走访覆盖").expect("the community sheet");
    assert_eq!(comms.rows().next().unwrap()[0].to_string(), "社区编码");
    let missing = wb.worksheet_range("未走访住户").expect("the not-contacted sheet");
    let listed: BTreeSet<String> = missing.rows().skip(1).map(|r| r[0].to_string()).collect();
    let expected: BTreeSet<String> =
        c["grids"].as_array().unwrap().iter().flat_map(|g| g["not_contacted"].as_array().unwrap().iter().map(|h| h.as_str().unwrap().to_string())).collect();
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn visits_on_gpkg() {
    let dir = tempfile::tempdir().unwrap();
    visits_are_recorded_once_flagged_and_scoped(&spawn_app_seeded(&write_mini(dir.path())).await).await;
}

#[tokio::test]
async fn visits_on_postgis() {
    let dir = tempfile::tempdir().unwrap();
    visits_are_recorded_once_flagged_and_scoped(&common::spawn_app_postgis(&write_mini(dir.path())).await).await;
}

#[tokio::test]
async fn contact_coverage_on_gpkg() {
    let dir = tempfile::tempdir().unwrap();
    contact_coverage_counts_as_the_dataset_says(&spawn_app_seeded(&write_mini(dir.path())).await).await;
}

#[tokio::test]
async fn contact_coverage_on_postgis() {
    let dir = tempfile::tempdir().unwrap();
    contact_coverage_counts_as_the_dataset_says(&common::spawn_app_postgis(&write_mini(dir.path())).await).await;
}
