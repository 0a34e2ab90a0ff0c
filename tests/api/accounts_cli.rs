//! Accounts as a new deployment meets them, through the real binary: the first `gridmap serve` on a store
//! without accounts creates the county admin with a one-time password printed once; signing in with it allows
//! nothing but changing it; `gridmap user add|list|disable|enable|reset|token` manage accounts on the same store.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::write_mini;
use serde_json::{Value, json};

fn gridmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gridmap")).args(args).env_remove("DATABASE_URL").output().expect("run gridmap")
}

/// `gridmap serve` on a free port; returns the child, its address, and what it printed before serving.
fn serve(store: &Path, seed: &Path) -> (Child, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gridmap"))
        .args(["serve", "--addr", "127.0.0.1:0", "--store", store.to_str().unwrap(), "--seed", seed.to_str().unwrap()])
        .env_remove("DATABASE_URL")
        .env_remove("GRIDMAP_TOKEN")
        .env("RUST_LOG", "gridmap=info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start gridmap serve");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut printed = String::new();
    let t = Instant::now();
    let addr = loop {
        assert!(t.elapsed() < Duration::from_secs(60), "serve did not start:\n{printed}");
        let line = lines.next().expect("serve exited").unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if let Some(i) = line.find("serving http://") {
            break line[i + "serving http://".len()..].trim_end_matches('/').split('/').next().unwrap().to_string();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, addr, printed)
}

fn one_time_password(printed: &str) -> Option<String> {
    let i = printed.find("one-time password ")?;
    printed[i + "one-time password ".len()..].split_whitespace().next().map(str::to_string)
}

#[tokio::test]
async fn first_serve_creates_the_admin_once_and_the_user_commands_manage_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_mini(dir.path());
    let store = dir.path().join("gridmap.gpkg");
    let store_s = store.to_str().unwrap();

    let (mut child, addr, printed) = serve(&store, &seed);
    let password = one_time_password(&printed).unwrap_or_else(|| panic!("no one-time password printed:\n{printed}"));
    assert!(printed.contains("\"admin\""), "{printed}");
    let base = format!("http://{addr}");
    let client = reqwest::Client::new();
    // No default password: guessing one fails.
    for guess in ["admin", "password", "123456"] {
        let r = client.post(format!("{base}/api/v1/auth/login")).json(&json!({"username": "admin", "password": guess})).send().await.unwrap();
        assert_eq!(r.status(), 401, "{guess}");
    }
    let r = client.post(format!("{base}/api/v1/auth/login")).json(&json!({"username": "admin", "password": password})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["account"]["must_change_password"], true);
    let csrf = body["csrf"].as_str().unwrap().to_string();
    let r = client.get(format!("{base}/api/v1/audit")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(r.status(), 403, "nothing before the one-time password is changed");
    let r = client
        .post(format!("{base}/api/v1/auth/password"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"old_password": password, "new_password": "潼关县网格办-2026-admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = client.get(format!("{base}/api/v1/audit")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let audit: Value = r.json().await.unwrap();
    let actions: Vec<&str> = audit["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in ["import", "account.add", "auth.login_failed", "auth.login", "auth.password"] {
        assert!(actions.contains(&a), "{a} not in the audit log: {actions:?}");
    }
    child.kill().unwrap();
    child.wait().unwrap();

    // A second start prints no password.
    let (mut child, _, printed) = serve(&store, &seed);
    assert!(one_time_password(&printed).is_none(), "{printed}");
    child.kill().unwrap();
    child.wait().unwrap();

    // The user commands.
    let out = gridmap(&["user", "add", "wang.xl", "--role", "secretary", "--scope", "community:610522001001", "--name", "王秀兰", "--store", store_s]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(one_time_password(&String::from_utf8_lossy(&out.stdout)).is_some());
    let out = gridmap(&["user", "add", "x", "--role", "mayor", "--store", store_s]);
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mayor"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = gridmap(&["user", "add", "y.z", "--role", "viewer", "--scope", "town:61", "--store", store_s]);
    assert_ne!(out.status.code(), Some(0), "a bad scope is refused");
    let out = gridmap(&["user", "token", "wang.xl", "--days", "7", "--store", store_s]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("gm_"), "{token}");
    let out = gridmap(&["user", "disable", "wang.xl", "--store", store_s]);
    assert_eq!(out.status.code(), Some(0));
    let list = String::from_utf8(gridmap(&["user", "list", "--store", store_s]).stdout).unwrap();
    let row = list.lines().find(|l| l.starts_with("wang.xl")).unwrap_or_else(|| panic!("{list}"));
    assert!(row.contains("secretary") && row.contains("community:610522001001") && row.contains("disabled"), "{row}");
    assert!(list.lines().any(|l| l.starts_with("admin") && l.contains("enabled")), "{list}");
    let out = gridmap(&["user", "disable", "nobody", "--store", store_s]);
    assert_ne!(out.status.code(), Some(0), "an unknown account is an error");

    // A disabled account's token no longer works; reset gives a new one-time password.
    let (mut child, addr, _) = serve(&store, &seed);
    let r = client.get(format!("http://{addr}/api/v1/auth/tokens")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 401);
    child.kill().unwrap();
    child.wait().unwrap();
    gridmap(&["user", "enable", "wang.xl", "--store", store_s]);
    let out = gridmap(&["user", "reset", "wang.xl", "--store", store_s]);
    assert!(one_time_password(&String::from_utf8_lossy(&out.stdout)).is_some());
}
