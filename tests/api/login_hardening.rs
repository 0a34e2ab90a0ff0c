//! Sign-in that gives nothing away: an unknown username and a wrong password answer alike and take the same
//! time (median within 20%), and failures slow down one address for one username instead of locking the
//! account. Different client addresses are 127.0.0.x sources on the loopback.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use crate::common::{TestApp, spawn_app_seeded, write_mini};
use gridmap::accounts::Role;
use gridmap::store::AccountStore;
use serde_json::{Value, json};

/// A client whose connections come from 127.0.0.`n`.
fn from(n: u8) -> reqwest::Client {
    reqwest::Client::builder().local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))).build().unwrap()
}

async fn login(app: &TestApp, client: &reqwest::Client, user: &str, password: &str) -> (u16, Value, Option<String>) {
    let r = client.post(app.url("/api/v1/auth/login")).json(&json!({"username": user, "password": password})).send().await.unwrap();
    let status = r.status().as_u16();
    let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    (status, r.json().await.unwrap(), retry)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_answer_alike_in_the_same_time() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    app.token_for("wang.xl", Role::Secretary, "community:610522001001").await;

    // Same status, same body.
    let (s1, wrong, _) = login(&app, &from(2), "wang.xl", "not-the-password").await;
    let (s2, unknown, _) = login(&app, &from(2), "nobody.here", "not-the-password").await;
    assert_eq!((s1, s2), (401, 401));
    assert_eq!(wrong, unknown);
    assert!(wrong["error"]["message"].as_str().unwrap().starts_with("用户名或密码错误"), "{wrong}");

    // The same time: 50 of each, interleaved, each wrong password from its own address and each unknown
    // username new, so no attempt is slowed by throttling.
    let (mut t_wrong, mut t_unknown) = (vec![], vec![]);
    for i in 0..50u8 {
        let client = from(10 + i / 4);
        let t = Instant::now();
        let (s, _, _) = login(&app, &client, "wang.xl", "not-the-password").await;
        t_wrong.push(t.elapsed());
        assert_eq!(s, 401);
        let t = Instant::now();
        let (s, _, _) = login(&app, &client, &format!("ghost{i}"), "not-the-password").await;
        t_unknown.push(t.elapsed());
        assert_eq!(s, 401);
    }
    let (w, u) = (median(t_wrong), median(t_unknown));
    let ratio = u.as_secs_f64() / w.as_secs_f64();
    eprintln!("sign-in timing, median of 50: wrong password {w:?}, unknown user {u:?}, ratio {ratio:.3}");
    assert!((0.8..=1.2).contains(&ratio), "unknown {u:?} vs wrong password {w:?}: ratio {ratio:.3} outside 0.8..1.2");
}

#[tokio::test]
async fn failures_slow_one_address_and_never_lock_the_account() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_seeded(&write_mini(dir.path())).await;
    app.token_for("wang.xl", Role::Secretary, "community:610522001001").await;
    let stranger = from(66);

    // Six failures from a stranger's address, for a real account and for an unknown username alike.
    for user in ["wang.xl", "nobody.here"] {
        for _ in 0..6 {
            assert_eq!(login(&app, &stranger, user, "guess-guess").await.0, 401);
        }
        // The seventh comes too soon: 429 with Retry-After and the same message for both.
        let (s, body, retry) = login(&app, &stranger, user, "guess-guess").await;
        assert_eq!(s, 429, "{body}");
        assert!(retry.is_some_and(|r| r.parse::<u64>().unwrap() >= 1), "Retry-After");
        assert!(body["error"]["message"].as_str().unwrap().starts_with("登录失败次数过多"), "{body}");
    }
    // Even the right password waits at the stranger's address...
    assert_eq!(login(&app, &stranger, "wang.xl", "a-long-password-2026").await.0, 429);
    // ...but the account's owner, elsewhere, signs in at once.
    let (s, body, _) = login(&app, &from(7), "wang.xl", "a-long-password-2026").await;
    assert_eq!(s, 200, "{body}");
    // The delay passes (1 s after the sixth failure), and then the right password works there too.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(login(&app, &stranger, "wang.xl", "a-long-password-2026").await.0, 200);

    let entries = app.store().await.audit(200, None).await.unwrap();
    assert!(entries.iter().any(|e| e.action == "auth.login_throttled" && e.actor == "wang.xl" && e.address.starts_with("127.0.0.66:")));
    assert!(entries.iter().any(|e| e.action == "auth.login_throttled" && e.actor == "nobody.here"));
}
