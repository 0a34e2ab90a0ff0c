//! Signing in on the map page as a person does, in headless Chromium driven through ChromeDriver: the 登录
//! button, a one-time password that must be changed first, the page reloaded under the account's rights
//! (households unmasked for the county admin), then 退出 back to anonymous (no households at all).

use crate::common::browser::DESKTOP;
use crate::common::webdriver::Browser;
use crate::common::{spawn_app_seeded, write_mini};
use gridmap::accounts::{Role, Scope};
use gridmap::store::AccountStore;

const ACCOUNT: &str = "return document.getElementById('account-status')?.textContent || ''";
/// A script returning the account status once it contains `text`, else nothing.
fn account_once(text: &str) -> String {
    format!("const s = document.getElementById('account-status')?.textContent || ''; return s.includes({text:?}) ? s : ''")
}

/// The household layer as the page fetched it, through the page's own session cookie.
const HOUSEHOLD_HEAD: &str = "return fetch('/api/v1/search?q=H0001').then(r => r.json()).then(v => v.hits[0]?.head || '')";

/// Whether the household layer, fetched with the page's cookie, is withheld (and empty).
const HOUSEHOLDS_WITHHELD: &str =
    "return fetch('/api/v1/layers/households').then(r => r.json()).then(v => v.withheld === true && v.features.length === 0)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_change_the_one_time_password_and_sign_out() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    let store = app.store().await;
    let one_time = gridmap::app::accounts::add_account(&store, "wang.xl", Role::Admin, Scope::County, Some("王秀兰"), "test").await.unwrap();

    let b = Browser::start(DESKTOP).await;
    b.goto(&app.url("/")).await;
    let status = b.wait_for("the account corner", ACCOUNT, 30).await;
    assert!(status.as_str().unwrap().contains("\"signed_in\":false"), "{status}");

    // A wrong password is refused in the dialog, in Chinese.
    b.click(&b.find("#sign-in").await).await;
    b.type_into(&b.find("input[name=username]").await, "wang.xl").await;
    b.type_into(&b.find("input[name=password]").await, "not-the-password").await;
    b.click(&b.find(".account-dialog button[type=submit]").await).await;
    let error = b.wait_for("the refusal", "return document.querySelector('.account-error:not([hidden])')?.textContent", 20).await;
    assert!(error.as_str().unwrap().contains("用户名或密码错误"), "{error}");

    // The one-time password signs in, and the page insists on a new password before anything else.
    let pw = b.find("input[name=password]").await;
    b.clear(&pw).await;
    b.type_into(&pw, &one_time).await;
    b.click(&b.find(".account-dialog button[type=submit]").await).await;
    b.wait_for("the forced password dialog", "return document.querySelector('input[name=new_password]') !== null", 20).await;
    let has_cancel = b.eval("return [...document.querySelectorAll('.account-dialog button')].some(x => x.textContent === '取消')", vec![]).await;
    assert_eq!(has_cancel, false, "a one-time password's dialog cannot be dismissed");
    b.type_into(&b.find("input[name=old_password]").await, &one_time).await;
    b.type_into(&b.find("input[name=new_password]").await, "潼关县网格办-2026").await;
    b.type_into(&b.find("input[name=again]").await, "潼关县网格办-2026").await;
    b.click(&b.find(".account-dialog button[type=submit]").await).await;

    // After the reload the corner names the account and its role, and the admin sees households in full.
    let status = b.wait_for("signed in", &account_once("\"signed_in\":true"), 30).await;
    assert!(status.as_str().unwrap().contains("\"role\":\"admin\""), "{status}");
    let who = b.text(&b.find(".account-who").await).await;
    assert_eq!(who, "王秀兰 (县级管理员)");
    let head = b.wait_for("an unmasked householder", HOUSEHOLD_HEAD, 20).await;
    assert_eq!(head, "张三");
    b.screenshot("web_signin.png").await;

    // 退出: anonymous again, and households are withheld altogether (counts only).
    b.click(&b.find("#sign-out").await).await;
    b.wait_for("signed out", &account_once("\"signed_in\":false"), 30).await;
    let withheld = b.wait_for("households withheld", HOUSEHOLDS_WITHHELD, 20).await;
    assert_eq!(withheld, true);
    let head = b.eval(HOUSEHOLD_HEAD, vec![]).await;
    assert_eq!(head, "", "an anonymous search finds no household");
    let entries = store.audit(100, None).await.unwrap();
    for action in ["auth.login_failed", "auth.login", "auth.password", "auth.logout"] {
        assert!(entries.iter().any(|e| e.action == action && e.actor == "wang.xl"), "{action} not audited");
    }
}
