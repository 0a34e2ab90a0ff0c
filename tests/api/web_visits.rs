//! Recording a visit on a phone: headless Chromium at 390×844, signed in as a grid manager, opens the "my grid"
//! list, taps a household's 走访 button and then the kind on its card, and sees the visit counted, on the page and
//! by the contact coverage the API reports, once however often the page's request is sent.

use serde_json::Value;

use crate::common::{self, TestApp, browser::PHONE, webdriver::{Browser, TEST_PASSWORD}};
use gridmap::accounts::Role;

const GRID: &str = "610522001001001";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grid_manager_records_a_visit_on_a_phone() {
    let dir = tempfile::tempdir().unwrap();
    let app = common::spawn_app_seeded(&common::write_mini(dir.path())).await;
    app.token_for("gm.page", Role::GridManager, &format!("grids:{GRID}")).await;
    let admin = TestApp::client_with(&app.token_for("admin.page", Role::Admin, "county").await);
    let b = Browser::start(PHONE).await;
    b.sign_in(&app.base_url, "gm.page", TEST_PASSWORD).await;

    let (status, _) = b.page_status(&app.url(&format!("/?grid={GRID}")), "mygrid-status", 60).await;
    assert_eq!(status["ready"], true, "{status}");
    assert!(status["codes"].as_array().unwrap().iter().any(|c| c == "H0001"), "{status}");
    b.wait_for("the grid's contact line", "return document.getElementById('gm-mygrid-contact')?.textContent", 20).await;
    let before = b.eval("return document.getElementById('gm-mygrid-contact').textContent", vec![]).await;
    assert!(before.as_str().unwrap().contains("0/1"), "nothing visited yet: {before}");

    // Two taps: the household's 走访 button, then the kind.
    let row_button = b.find(".gm-row[data-code=\"H0001\"] .gm-row-visit").await;
    b.click(&row_button).await;
    let note = b.find("#gm-chain .gm-visit-note").await;
    b.type_into(&note, "老人在家, 身体尚好").await;
    let kind = b.find("#gm-chain .gm-visit-kind[data-kind=\"走访\"]").await;
    b.click(&kind).await;
    let s = b.wait_for("the visit recorded", "return document.getElementById('visit-status')?.textContent", 30).await;
    let s: Value = serde_json::from_str(s.as_str().unwrap()).unwrap();
    assert_eq!(s["errors"], Value::Array(vec![]), "{s}");
    assert_eq!((s["household"].as_str(), s["created"].as_bool()), (Some("H0001"), Some(true)), "{s}");
    assert_eq!((s["contact"]["visited"].as_u64(), s["contact"]["households"].as_u64()), (Some(1), Some(1)), "counted on the page: {s}");
    let shown = b.eval("return document.querySelector('#gm-chain .gm-visit-result').textContent", vec![]).await;
    assert!(shown.as_str().unwrap().starts_with("已记录走访"), "{shown}");
    b.screenshot("web_visits_recorded.png").await;

    // The page's request sent again, as a flaky network would: the same visit, counted once.
    let id = s["id"].as_i64().unwrap();
    let (_, visits) = crate::common::send_json(&admin, reqwest::Method::GET, &app.url("/api/v1/visits?household=H0001"), None).await;
    assert_eq!(visits["count"], 1, "{visits}");
    let v = &visits["visits"][0];
    assert_eq!((v["id"].as_i64(), v["note"].as_str(), v["account"].as_str()), (Some(id), Some("老人在家, 身体尚好"), Some("gm.page")), "{v}");
    let resend = b
        .eval(
            "return fetch('/api/v1/visits', {method: 'POST', credentials: 'same-origin', headers: {'Content-Type': 'application/json', \
             'X-CSRF-Token': window.gridmap.account.csrf}, body: JSON.stringify({household: 'H0001', kind: '走访', client_id: arguments[0]})}) \
             .then(r => r.status)",
            vec![v["client_id"].clone()],
        )
        .await;
    assert_eq!(resend, 200, "a resend is answered with the first visit");
    let (_, c) = crate::common::send_json(&admin, reqwest::Method::GET, &app.url(&format!("/api/v1/coverage/contact?parent={GRID}")), None).await;
    assert_eq!((c["grids"][0]["visited"].as_u64(), c["grids"][0]["households"].as_u64()), (Some(1), Some(1)), "{c}");
    let (_, visits) = crate::common::send_json(&admin, reqwest::Method::GET, &app.url("/api/v1/visits?household=H0001"), None).await;
    assert_eq!(visits["count"], 1, "{visits}");
}
