//! Errors in the one envelope, Chinese first with the details after, and no Rust debug text: path and query
//! rejections, an out-of-range `snap_m`, a `null` where a value or nothing is expected, and scope refusals.

use crate::common::{TestApp, spawn_app_seeded, write_mini};
use gridmap::accounts::Role;
use serde_json::{Value, json};

fn is_chinese_first(message: &str) -> bool {
    message.chars().next().is_some_and(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The status and the envelope's message, checked to be Chinese first and free of `Some(`.
async fn refused(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not the JSON envelope: {text}"));
    let message = v["error"]["message"].as_str().unwrap_or_else(|| panic!("no error.message: {v}")).to_string();
    assert_eq!(v["error"]["status"], status, "{v}");
    assert!(is_chinese_first(&message), "not Chinese first: {message}");
    assert!(!message.contains("Some("), "debug text: {message}");
    (status, message)
}

#[tokio::test]
async fn rejections_ranges_and_nulls_answer_in_chinese_in_the_envelope() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    let admin = TestApp::client_with(&app.token_for("admin1", Role::Admin, "county").await);
    let sec = TestApp::client_with(&app.token_for("sec1", Role::Secretary, "community:610522001001").await);

    let (s, m) = refused(admin.get(app.url("/api/v1/plans/abc")).send().await.unwrap()).await;
    assert_eq!(s, 400, "{m}");
    assert!(m.starts_with("路径参数有误") && m.contains("abc"), "{m}");
    let (s, m) = refused(admin.get(app.url("/api/v1/layers/grids?bbox=1,2,3,4&bbox=5,6,7,8")).send().await.unwrap()).await;
    assert_eq!(s, 400, "{m}");
    assert!(m.starts_with("查询参数有误") && m.contains("duplicate"), "{m}");
    let r = admin.post(app.url("/api/v1/plans")).header("content-type", "application/json").body("{nope").send().await.unwrap();
    let (s, m) = refused(r).await;
    assert_eq!(s, 400, "{m}");
    assert!(m.starts_with("请求体不是有效的 JSON"), "{m}");

    // A null community would mean the whole county: refused, saying how to ask for that.
    let r = admin.post(app.url("/api/v1/crosswalk/reassignment")).json(&json!({"community": null})).send().await.unwrap();
    let (s, m) = refused(r).await;
    assert_eq!(s, 422, "{m}");
    assert!(m.contains("null") && m.contains("省略"), "{m}");
    // Outside the scope: the code, not `Some("…")`.
    let r = sec.post(app.url("/api/v1/crosswalk/reassignment")).json(&json!({"community": "610522102206"})).send().await.unwrap();
    let (s, m) = refused(r).await;
    assert_eq!(s, 403, "{m}");
    assert!(m.contains("610522102206") && !m.contains('"'), "{m}");

    // snap_m beyond 50 m is refused, and the draft is as it was.
    let r = admin.post(app.url("/api/v1/plans")).json(&json!({"community": "610522001001", "name": "吸附"})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"].clone();
    for snap in [json!(1e9), json!(-1), json!(50.5)] {
        let e = json!({"op": "move_vertex", "from": [110.205, 34.5], "to": [110.2051, 34.5], "snap_m": snap});
        let r = admin.post(app.url(&format!("/api/v1/plans/{id}/edits"))).json(&e).send().await.unwrap();
        let (s, m) = refused(r).await;
        assert_eq!(s, 422, "{snap}: {m}");
        assert!(m.starts_with("吸附距离"), "{m}");
    }
    // No step was made: there is nothing to undo.
    let r = admin.post(app.url(&format!("/api/v1/plans/{id}/undo"))).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 422);
}

/// Each refusal of the plan workflow, the locate, layer, coverage, crosswalk and audit parameters answers
/// Chinese first with the English after, keeping its status.
#[tokio::test]
async fn plan_and_parameter_refusals_answer_in_chinese_with_their_status() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    let admin = TestApp::client_with(&app.token_for("admin1", Role::Admin, "county").await);
    let (c, g1, g2) = ("610522001001", "610522001001001", "610522001001002");
    let get = |path: &str| admin.get(app.url(path)).send();
    let post = |path: &str, body: Value| admin.post(app.url(path)).json(&body).send();
    let check = |(s, m): (u16, String), status: u16, starts: &str, english: &str| {
        assert_eq!(s, status, "{m}");
        assert!(m.starts_with(starts) && m.contains(english), "{m}");
    };

    let a = post("/api/v1/plans", json!({"community": c, "name": "甲稿"})).await.unwrap().json::<Value>().await.unwrap();
    let b = post("/api/v1/plans", json!({"community": c, "name": "乙稿"})).await.unwrap().json::<Value>().await.unwrap();
    let (a, b) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
    check(refused(post(&format!("/api/v1/plans/{a}/undo"), json!({})).await.unwrap()).await, 422, "没有可撤销", "nothing to undo");
    check(refused(post(&format!("/api/v1/plans/{a}/redo"), json!({})).await.unwrap()).await, 422, "没有可重做", "nothing to redo");
    let edits = format!("/api/v1/plans/{a}/edits");
    let r = post(&edits, json!({"op": "merge", "grid": g1, "with": g1})).await.unwrap();
    check(refused(r).await, 422, "网格", "cannot be merged with itself");
    let r = post(&edits, json!({"op": "merge", "grid": "610522001001999", "with": g1})).await.unwrap();
    check(refused(r).await, 422, "网格", "is not in this draft");
    let r = post(&edits, json!({"op": "split", "grid": g1, "line": [[110.2, 34.5]]})).await.unwrap();
    check(refused(r).await, 422, "分割线", "at least 2 distinct points");
    check(refused(post("/api/v1/plans", json!({"community": c, "name": " "})).await.unwrap()).await, 400, "草案需要名称", "needs a name");
    check(refused(get("/api/v1/plans/999999").await.unwrap()).await, 404, "草案 999999 不存在", "does not exist");
    check(refused(get(&format!("/api/v1/plans/{a}/export?format=pdf")).await.unwrap()).await, 400, "格式", "is not one of geojson, gpkg");
    let r = get(&format!("/api/v1/plans/compare?community={c}&b=zzz")).await.unwrap();
    check(refused(r).await, 400, "方案引用", "one of published");

    // Publishing: 422 with the defects beside the message, then a stale draft is 409.
    assert_eq!(post(&edits, json!({"op": "merge", "grid": g1, "with": g2})).await.unwrap().status(), 200);
    let publish = format!("/api/v1/plans/{a}/publish");
    let r = post(&publish, json!({})).await.unwrap();
    let (s, m) = refused(r).await;
    check((s, m), 422, "草案有 1 个缺陷", "1 defect(s) of the draft");
    let ack = json!({"acknowledge": [{"defect": format!("grid_underloaded:{g1}"), "reason": "试点"}]});
    assert_eq!(post(&publish, ack.clone()).await.unwrap().status(), 200);
    let r = post(&format!("/api/v1/plans/{b}/publish"), ack).await.unwrap();
    check(refused(r).await, 409, &format!("草案 {b} 基于社区 {c} 的第 0 版网格"), "version 1 has been published since");

    // Parameters of the other routes.
    check(refused(get("/api/v1/locate?lon=abc&lat=34.5").await.unwrap()).await, 400, "参数 lon", "is not a number");
    check(refused(get("/api/v1/locate?lon=34.5&lat=110.2").await.unwrap()).await, 400, "纬度", "lon and lat swapped?");
    check(refused(get("/api/v1/locate?lon=110.2&lat=34.5&crs=mars").await.unwrap()).await, 400, "未知坐标系", "is unknown");
    check(refused(get("/api/v1/search").await.unwrap()).await, 400, "缺少搜索词", "q is required");
    check(refused(get("/api/v1/layers/grids?bbox=1,2,3").await.unwrap()).await, 400, "参数 bbox", "not four numbers");
    check(refused(get("/api/v1/layers/grids?bbox=3,2,1,4").await.unwrap()).await, 400, "参数 bbox", "west must not exceed east");
    check(refused(get("/api/v1/coverage?parent=999").await.unwrap()).await, 404, "编码 999 不是数据中的", "is not a county");
    check(refused(get("/api/v1/coverage?kind=gap").await.unwrap()).await, 400, "参数 kind 只用于", "not the summary");
    check(refused(get("/api/v1/crosswalk?format=pdf").await.unwrap()).await, 400, "格式 pdf", "is not one of");
    check(refused(get("/api/v1/grids/610522001001999/households").await.unwrap()).await, 404, "没有编码为", "no grid with code");
    check(refused(get("/api/v1/audit?limit=0").await.unwrap()).await, 400, "条数 limit 0", "must be between 1 and 100000");
    check(refused(get("/api/v1/audit?format=pdf").await.unwrap()).await, 400, "格式 pdf", "not one of json, csv");
    let r = admin.post(app.url("/api/v1/auth/tokens")).json(&json!({"days": 0})).send().await.unwrap();
    check(refused(r).await, 400, "有效天数", "days 0 must be between");
    let r = admin.delete(app.url("/api/v1/auth/tokens/999999")).send().await.unwrap();
    check(refused(r).await, 404, "您没有有效的令牌", "no live token");
}
