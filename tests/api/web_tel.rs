//! Phone numbers on the page: a masked number (`139****1234`, as the server sends it to a caller outside the
//! household's scope) is never a `tel:` link, wherever the page shows it (the feature panel, the card of
//! responsibility, "my grid"); an unmasked number is a link that dials exactly its digits.

use crate::common::browser::DESKTOP;
use crate::common::webdriver::{Browser, signed_in};
use crate::common::{TestApp, spawn_app_seeded, write_mini};
use gridmap::accounts::Role;
use serde_json::{Value, json};

/// Household H0001 of the mini dataset, in 南新社区第1网格.
const H0001: [f64; 2] = [110.2015, 34.5015];
const GRID: &str = "610522001001001";

/// Every `tel:` link of the page as `[href, text]`, and every phone shown as text, `{links, texts}`.
const PHONES: &str = "return {links: [...document.querySelectorAll('a[href^=\"tel:\"]')].map(a => [a.getAttribute('href'), a.textContent.trim()]), \
                      texts: [...document.querySelectorAll('.gm-phone, .info-phone')].map(e => e.textContent.trim())}";

/// Opens the map on H0001 at street zoom and taps it: the feature panel and the card of responsibility open.
async fn tap_household(b: &Browser, app: &TestApp) {
    let (status, _) = b.page_status(&app.url(&format!("/?view={},{},18", H0001[0], H0001[1])), "gridmap-status", 90).await;
    assert_eq!(status["ready"], true, "{status}");
    let drawn = "const m = window.gridmap.map; const p = m.project(arguments[0]); \
                 return m.queryRenderedFeatures([[p.x - 6, p.y - 6], [p.x + 6, p.y + 6]]).some(f => f.properties.code === 'H0001')";
    let t = std::time::Instant::now();
    while b.eval(drawn, vec![json!(H0001)]).await != json!(true) {
        assert!(t.elapsed().as_secs() < 30, "household H0001 not drawn at zoom 18");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let at = "const m = window.gridmap.map; const r = m.getContainer().getBoundingClientRect(); \
              const p = m.project(arguments[0]); return [r.left + p.x, r.top + p.y]";
    let xy = b.eval(at, vec![json!(H0001)]).await;
    b.click_at((xy[0].as_f64().unwrap(), xy[1].as_f64().unwrap())).await;
    b.wait_for("the household's phone on the page", "return document.querySelectorAll('.gm-phone, .info-phone').length > 2", 20).await;
}

/// The phones of the page now: the links and the texts.
async fn phones(b: &Browser) -> (Vec<(String, String)>, Vec<String>) {
    let v: Value = b.eval(PHONES, vec![]).await;
    let links = v["links"].as_array().unwrap().iter().map(|l| (l[0].as_str().unwrap().into(), l[1].as_str().unwrap().into())).collect();
    let texts = v["texts"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string()).collect();
    (links, texts)
}

/// No link carries a masked number, and each link dials the digits it shows.
fn assert_links_honest(links: &[(String, String)], where_: &str) {
    for (href, text) in links {
        assert!(!text.contains('*') && !href.contains('*'), "{where_}: a masked number is a call link: {href} ({text})");
        let digits: String = text.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
        assert_eq!(href, &format!("tel:{digits}"), "{where_}: the link dials another number than it shows");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_masked_phone_is_never_a_call_link() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;

    // A planner sees people masked: the phones show as 139****1234, and none of them is a link.
    let b = signed_in(&app, "planner.tel", Role::Planner, DESKTOP).await;
    tap_household(&b, &app).await;
    let (links, texts) = phones(&b).await;
    assert!(texts.iter().any(|t| t == "139****1234"), "the household's masked phone is shown: {texts:?}");
    assert!(texts.iter().all(|t| t.contains('*')), "a planner sees every phone masked: {texts:?}");
    assert_links_honest(&links, "planner, tapped household");
    assert!(links.is_empty(), "no masked number is a link: {links:?}");
    let planner_button = "return !!document.getElementById('planner-button')?.offsetParent";
    b.wait_for("the 网格规划 button for a planner", planner_button, 20).await;
    b.goto(&app.url(&format!("/?grid={GRID}"))).await;
    b.wait_for("my grid listed", "return document.querySelectorAll('#gm-mygrid-list .gm-row').length", 30).await;
    let (links, texts) = phones(&b).await;
    assert!(texts.iter().any(|t| t.contains('*')), "masked phones in my grid: {texts:?}");
    assert!(links.is_empty(), "my grid: no masked number is a link: {links:?}");
    drop(b);

    // The county admin sees them whole: each is a link that dials exactly its number.
    let b = signed_in(&app, "admin.tel", Role::Admin, DESKTOP).await;
    tap_household(&b, &app).await;
    let (links, texts) = phones(&b).await;
    assert!(texts.iter().all(|t| !t.contains('*')), "the admin sees phones in full: {texts:?}");
    assert_links_honest(&links, "admin, tapped household");
    for number in ["13900001234", "13900000002", "13900000001"] {
        assert!(links.iter().any(|(h, _)| h == &format!("tel:{number}")), "{number} is a call link: {links:?}");
    }
    b.screenshot("web_tel_admin.png").await;
}
