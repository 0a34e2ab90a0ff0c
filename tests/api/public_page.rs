//! The public page of a plate's code, `/g/{code}`, as an anonymous resident gets it: the grid, its manager with a
//! tap-to-call link, the community and its secretary, no household data, small; a clear 404 page for an unknown
//! code; what it shows follows a published plan; the county's publication setting decides what is public. A door
//! plate's code (the addresses layer) shows its address, then the same.

use crate::common;

use gridmap::accounts::Role;
use gridmap::app::publication::{Public, Publication};
use serde_json::{Value, json};

const G1: &str = "610522001001001";
/// 2号楼, in grid 610522001001002 (张伟) of the mini dataset.
const U2: &str = "610522001001002001";

/// Everything of the mini dataset's households a public page must never show.
const HOUSEHOLD_DATA: &[&str] = &["张三", "李四", "王五", "赵六", "孙七", "13900001234", "H0001", "H0002", "1单元101", "elderly_alone"];

async fn page(app: &common::TestApp, code: &str) -> (u16, String, String) {
    let r = app.client.get(app.url(&format!("/g/{code}"))).send().await.unwrap();
    let status = r.status().as_u16();
    let ctype = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, ctype, r.text().await.unwrap())
}

fn assert_no_household_data(html: &str) {
    let shown: Vec<_> = HOUSEHOLD_DATA.iter().filter(|s| html.contains(*s)).collect();
    assert!(shown.is_empty(), "the public page shows household data {shown:?}: {html}");
}

#[tokio::test]
async fn a_grid_code_shows_its_manager_with_a_call_link_and_no_household() {
    let tmp = tempfile::tempdir().unwrap();
    let app = common::spawn_app_seeded(&common::write_mini(tmp.path())).await;
    let (s, ctype, html) = page(&app, G1).await;
    assert_eq!(s, 200, "{html}");
    assert!(ctype.starts_with("text/html") && ctype.contains("utf-8"), "{ctype}");
    assert!(html.len() < 100 * 1024, "{} bytes", html.len());
    assert!(!html.contains("<script"), "the page needs no script");
    for shown in ["南新社区第1网格", "李娜", "href=\"tel:13900000002\"", "南新社区居委会", "城关街道", "王秀兰", "tel:13900000001"] {
        assert!(html.contains(shown), "{shown:?} missing: {html}");
    }
    assert_no_household_data(&html);

    // A unit's code: its grid, the building head, the same community.
    let (s, _, html) = page(&app, "610522001001001001").await;
    assert_eq!(s, 200, "{html}");
    for shown in ["1号楼", G1, "李娜", "赵敏", "巷长/楼长"] {
        assert!(html.contains(shown), "{shown:?} missing: {html}");
    }
    assert_no_household_data(&html);

    // Household codes are no plate codes, and unknown codes get a clear page.
    for code in ["610522999999999", "H0001"] {
        let (s, ctype, html) = page(&app, code).await;
        assert_eq!(s, 404, "{html}");
        assert!(ctype.starts_with("text/html"), "{ctype}");
        assert!(html.contains("未找到编码") && html.contains(code), "{html}");
        // The code asked for is echoed back, and nothing else.
        assert_no_household_data(&html.replace(code, ""));
    }
}

#[tokio::test]
async fn a_published_plan_moves_what_a_unit_plate_shows() {
    let tmp = tempfile::tempdir().unwrap();
    let app = common::spawn_app_seeded(&common::write_mini(tmp.path())).await;
    let (_, _, before) = page(&app, U2).await;
    assert!(before.contains("南新社区第2网格") && before.contains("610522001001002"), "{before}");

    // Merge 第2网格 into 第1网格: the plate of 2号楼 keeps its code and now shows 第1网格 and its manager.
    let pa = common::TestApp::client_with(&app.token_for("planner.a", Role::Planner, "county").await);
    let r = pa.post(app.url("/api/v1/plans")).json(&json!({"community": "610522001001", "name": "合并"})).send().await.unwrap();
    let id = r.json::<Value>().await.unwrap()["id"].clone();
    let v: Value = pa
        .post(app.url(&format!("/api/v1/plans/{id}/edits")))
        .json(&json!({"op": "merge", "grid": G1, "with": "610522001001002"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let acks = common::acknowledge_all(&v);
    let r = pa.post(app.url(&format!("/api/v1/plans/{id}/publish"))).json(&json!({"acknowledge": acks})).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

    let (s, _, after) = page(&app, U2).await;
    assert_eq!(s, 200);
    assert!(after.contains("南新社区第1网格") && after.contains(G1) && !after.contains("610522001001002<"), "{after}");
    assert!(after.contains("李娜") && !after.contains("张伟"), "the manager of the grid it now lies in: {after}");
}

#[tokio::test]
async fn the_publication_setting_decides_what_is_public() {
    let tmp = tempfile::tempdir().unwrap();
    let seed = common::write_mini(tmp.path());
    let store = tmp.path().join("gridmap.gpkg");
    let people: Publication = "manager=name,secretary=none".parse().unwrap();
    let public = Public { url: Some("https://gm.example.gov.cn".into()), people };
    let state = gridmap::app::startup::open_state(&gridmap::store::Location::Gpkg(store), &seed).await.unwrap().with_public(public);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { gridmap::http::serve(listener, state).await.unwrap() });
    let html = reqwest::get(format!("http://{addr}/g/{G1}")).await.unwrap().text().await.unwrap();
    assert!(html.contains("李娜"), "the manager's name is published: {html}");
    assert!(!html.contains("tel:") && !html.contains("13900000002") && html.contains("139****0002"), "the phone is not: {html}");
    assert!(!html.contains("王秀兰") && html.contains("王**"), "nor the secretary: {html}");
}

/// A resident's phone (headless Chromium at 390×844, no sign-in) opens a grid's plate page: the manager's name
/// and a call button a finger can hit, nothing wider than the screen, in Chinese.
#[tokio::test]
async fn web_public_page_on_a_phone() {
    let tmp = tempfile::tempdir().unwrap();
    let app = common::spawn_app_seeded(&common::write_mini(tmp.path())).await;
    let browser = common::webdriver::Browser::start(common::browser::PHONE).await;
    browser.goto(&app.url(&format!("/g/{G1}"))).await;
    let seen = browser
        .eval(
            "const call = document.querySelector('#manager a.call'); const r = call && call.getBoundingClientRect(); \
             return {lang: document.documentElement.lang, manager: document.querySelector('#manager .big').textContent, \
             href: call && call.getAttribute('href'), call_h: r && r.height, call_w: r && r.width, \
             overflow: document.documentElement.scrollWidth > window.innerWidth, width: window.innerWidth, \
             text: document.body.innerText};",
            vec![],
        )
        .await;
    assert_eq!(seen["lang"], "zh-CN", "{seen}");
    assert_eq!(seen["manager"], "李娜", "{seen}");
    assert_eq!(seen["href"], "tel:13900000002", "{seen}");
    assert!(seen["call_h"].as_f64().unwrap() >= 44.0, "the call button is a finger's height: {seen}");
    assert!(seen["call_w"].as_f64().unwrap() >= seen["width"].as_f64().unwrap() * 0.8, "and nearly the screen's width: {seen}");
    assert_eq!(seen["overflow"], false, "nothing wider than the phone: {seen}");
    assert_no_household_data(seen["text"].as_str().unwrap());
}

/// The mini dataset with its door plates, as a dataset directory.
fn mini_with_plates(dir: &std::path::Path) -> std::path::PathBuf {
    let seed = common::write_mini(dir);
    let mut plates = gridmap::model::Dataset::default();
    plates.layers.insert(gridmap::model::Layer::Addresses, common::mini_plates());
    gridmap::model::geojson_io::write_dir(&seed, &plates).unwrap();
    seed
}

/// 1号楼1单元102: a door plate of 1号楼, in grid 610522001001001 (李娜).
const PLATE: &str = "6105220010010010010002";

#[tokio::test]
async fn a_door_plate_code_shows_its_address_then_its_grid_and_no_household() {
    let tmp = tempfile::tempdir().unwrap();
    let app = common::spawn_app_seeded(&mini_with_plates(tmp.path())).await;
    let (s, ctype, html) = page(&app, PLATE).await;
    assert_eq!(s, 200, "{html}");
    assert!(ctype.starts_with("text/html"), "{ctype}");
    assert!(html.len() < 100 * 1024 && !html.contains("<script"), "{html}");
    let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle:?} missing: {html}"));
    // The address first, then the grid, its manager, the building head and the community.
    let order = [at("<h1>潼关县城关街道南新社区1号楼1单元102</h1>"), at("门牌 · 编码 6105220010010010010002"), at("南新社区第1网格"), at("李娜"), at("赵敏"), at("南新社区居委会")];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "in that order: {order:?} {html}");
    assert!(html.contains("href=\"tel:13900000002\"") && html.contains(G1), "{html}");
    // The plate's own address is public; nothing of any household is (1单元101 is H0001's flat, not this plate's).
    assert_no_household_data(&html);

    // The rural plate lies in the lane of 老虎城: its grid has no manager, the community is 老虎城.
    let (s, _, html) = page(&app, "6105221022060010010001").await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("潼关县太要镇老虎城村一组3号") && html.contains("老虎城村第1网格") && html.contains("老虎城村委会"), "{html}");
    assert_no_household_data(&html);

    // A plate naming no unit, at 2号楼: placed by its point, in 第2网格 (张伟).
    let (s, _, html) = page(&app, "MP-2").await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("南新社区第2网格") && html.contains("张伟"), "{html}");

    // An unknown plate code keeps its clear page.
    let (s, _, html) = page(&app, "6105220010010010019999").await;
    assert_eq!(s, 404, "{html}");
    assert!(html.contains("未找到编码") && html.contains("门牌"), "{html}");
}

/// A resident scans a door plate: headless Chromium at 390×844, no sign-in, opens its page and reads the
/// address, the grid manager with a call button a finger can hit, nothing wider than the screen.
#[tokio::test]
async fn web_door_plate_page_on_a_phone() {
    let tmp = tempfile::tempdir().unwrap();
    let app = common::spawn_app_seeded(&mini_with_plates(tmp.path())).await;
    let browser = common::webdriver::Browser::start(common::browser::PHONE).await;
    browser.goto(&app.url(&format!("/g/{PLATE}"))).await;
    let seen = browser
        .eval(
            "const call = document.querySelector('#manager a.call'); const r = call && call.getBoundingClientRect(); \
             return {lang: document.documentElement.lang, title: document.querySelector('h1').textContent, \
             grid: document.querySelector('#grid').textContent, manager: document.querySelector('#manager .big').textContent, \
             href: call && call.getAttribute('href'), call_h: r && r.height, \
             overflow: document.documentElement.scrollWidth > window.innerWidth, width: window.innerWidth, height: window.innerHeight, \
             text: document.body.innerText};",
            vec![],
        )
        .await;
    assert_eq!((seen["width"].as_f64(), seen["height"].as_f64()), (Some(390.0), Some(844.0)), "a phone's screen: {seen}");
    assert_eq!(seen["lang"], "zh-CN", "{seen}");
    assert_eq!(seen["title"], "潼关县城关街道南新社区1号楼1单元102", "{seen}");
    assert_eq!(seen["grid"], "南新社区第1网格", "{seen}");
    assert_eq!(seen["manager"], "李娜", "{seen}");
    assert_eq!(seen["href"], "tel:13900000002", "{seen}");
    assert!(seen["call_h"].as_f64().unwrap() >= 44.0, "the call button is a finger's height: {seen}");
    assert_eq!(seen["overflow"], false, "nothing wider than the phone: {seen}");
    assert_no_household_data(seen["text"].as_str().unwrap());
}
