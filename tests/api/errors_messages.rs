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
