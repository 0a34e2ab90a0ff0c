//! A real user's hands on the page: headless Chromium driven through ChromeDriver's W3C WebDriver HTTP API
//! (Debian `chromium-driver`), spoken with the reqwest client the tests already have, so no browser-driver
//! crate or Node.js toolchain is needed for a few clicks and keystrokes.
//!
//! Like [`super::browser`], ChromeDriver is a requirement: CI installs it, and without it a test fails.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// W3C's key for an element reference in JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A ChromeDriver process and one browser session on it; both end when this is dropped.
pub struct Browser {
    driver: Child,
    base: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

/// An element of the page.
#[derive(Clone, Debug)]
pub struct Element(String);

impl Browser {
    /// Starts ChromeDriver on a free port and opens a headless Chromium of `width` x `height`.
    pub async fn start((width, height): (u32, u32)) -> Browser {
        assert!(Path::new(CHROMEDRIVER).exists(), "{CHROMEDRIVER} not found: install Debian's chromium-driver, do not skip");
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::builder().timeout(Duration::from_secs(120)).build().unwrap();
        let url = format!("http://127.0.0.1:{port}");
        let t = Instant::now();
        while http.get(format!("{url}/status")).send().await.is_err() {
            assert!(t.elapsed() < Duration::from_secs(20), "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        }}});
        let r: Value = http.post(format!("{url}/session")).json(&caps).send().await.unwrap().json().await.unwrap();
        let id = r["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no WebDriver session: {r}")).to_string();
        let b = Browser { driver, base: format!("{url}/session/{id}"), http, _profile: profile };
        // Headless Chromium 156 keeps a window at least 500 px wide whatever --window-size says, so a phone's
        // viewport is set by device-metrics emulation; the page then lays out at exactly `width`.
        b.cdp("Emulation.setDeviceMetricsOverride", json!({
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false
        })).await;
        b
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method.clone(), format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r: Value = req.send().await.unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}")).json().await.unwrap();
        if r["value"].get("error").is_some() {
            panic!("WebDriver {method} {path}: {}", r["value"]);
        }
        r["value"].clone()
    }

    /// Loads `url`, answering the browser's error when it cannot (no network and no worker to answer).
    pub async fn try_goto(&self, url: &str) -> Result<(), String> {
        let r: Value = self.http.post(format!("{}/url", self.base)).json(&json!({ "url": url })).send().await.map_err(|e| e.to_string())?.json().await.map_err(|e| e.to_string())?;
        match r["value"].get("message") {
            Some(m) => Err(m.as_str().unwrap_or_default().to_string()),
            None => Ok(()),
        }
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await;
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns what it returns.
    pub async fn eval(&self, script: &str, args: Vec<Value>) -> Value {
        self.call(reqwest::Method::POST, "/execute/sync", Some(json!({ "script": script, "args": args }))).await
    }

    /// Waits until `script` returns something truthy, and returns it; fails after `secs` seconds with `what`.
    pub async fn wait_for(&self, what: &str, script: &str, secs: u64) -> Value {
        let t = Instant::now();
        loop {
            let v = self.eval(script, vec![]).await;
            if !(v.is_null() || v == json!(false) || v == json!("") || v == json!(0)) {
                return v;
            }
            if t.elapsed() > Duration::from_secs(secs) {
                let errors = self.eval("return document.getElementById('toast')?.textContent || ''", vec![]).await;
                panic!("waited {secs} s for {what}; page toast: {errors}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The element matching CSS `selector`, waiting up to 20 s for it.
    pub async fn find(&self, selector: &str) -> Element {
        let js = "return document.querySelector(arguments[0]) !== null";
        let t = Instant::now();
        while self.eval(js, vec![json!(selector)]).await != json!(true) {
            assert!(t.elapsed() < Duration::from_secs(20), "no element {selector}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let v = self.call(reqwest::Method::POST, "/element", Some(json!({"using": "css selector", "value": selector}))).await;
        Element(v[ELEMENT].as_str().unwrap_or_else(|| panic!("find {selector}: {v}")).to_string())
    }

    pub async fn click(&self, e: &Element) {
        self.call(reqwest::Method::POST, &format!("/element/{}/click", e.0), Some(json!({}))).await;
    }

    /// Empties an input.
    pub async fn clear(&self, e: &Element) {
        self.call(reqwest::Method::POST, &format!("/element/{}/clear", e.0), Some(json!({}))).await;
    }

    /// Types `text` into the element, as keystrokes.
    pub async fn type_into(&self, e: &Element, text: &str) {
        self.call(reqwest::Method::POST, &format!("/element/{}/value", e.0), Some(json!({ "text": text }))).await;
    }

    pub async fn text(&self, e: &Element) -> String {
        self.call(reqwest::Method::GET, &format!("/element/{}/text", e.0), None).await.as_str().unwrap_or("").to_string()
    }

    /// Performs W3C input actions (`actions`: the sources, each with its ticks), then releases every key and button.
    pub async fn actions(&self, actions: Value) {
        self.call(reqwest::Method::POST, "/actions", Some(json!({ "actions": actions }))).await;
        self.call(reqwest::Method::DELETE, "/actions", None).await;
    }

    /// A mouse click at (`x`, `y`), CSS pixels of the viewport: a real pointer event on whatever is there.
    pub async fn click_at(&self, (x, y): (f64, f64)) {
        let at = json!({"type": "pointerMove", "duration": 0, "origin": "viewport", "x": x.round() as i64, "y": y.round() as i64});
        let ticks = json!([at, {"type": "pointerDown", "button": 0}, {"type": "pause", "duration": 50}, {"type": "pointerUp", "button": 0}]);
        self.actions(json!([{"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": ticks}])).await;
    }

    /// A mouse drag from `from` to `to` (viewport CSS pixels) in `steps` moves, the button held throughout.
    pub async fn drag(&self, from: (f64, f64), to: (f64, f64), steps: u32) {
        let at = |x: f64, y: f64, duration: u32| json!({"type": "pointerMove", "duration": duration, "origin": "viewport", "x": x.round() as i64, "y": y.round() as i64});
        let mut ticks = vec![at(from.0, from.1, 0), json!({"type": "pointerDown", "button": 0}), json!({"type": "pause", "duration": 100})];
        for i in 1..=steps {
            let f = f64::from(i) / f64::from(steps);
            ticks.push(at(from.0 + (to.0 - from.0) * f, from.1 + (to.1 - from.1) * f, 30));
        }
        ticks.push(json!({"type": "pause", "duration": 100}));
        ticks.push(json!({"type": "pointerUp", "button": 0}));
        self.actions(json!([{"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": ticks}])).await;
    }

    /// `key` pressed with Control held (Ctrl+Z and the like), sent to the focused element.
    pub async fn ctrl_key(&self, key: char) {
        const CONTROL: &str = "\u{E009}";
        let k = key.to_string();
        let ticks = json!([
            {"type": "keyDown", "value": CONTROL}, {"type": "keyDown", "value": k}, {"type": "keyUp", "value": k}, {"type": "keyUp", "value": CONTROL}
        ]);
        self.actions(json!([{"type": "key", "id": "keyboard", "actions": ticks}])).await;
    }

    /// A screenshot into artifacts/`name`.
    pub async fn screenshot(&self, name: &str) {
        use base64::Engine;
        let v = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap()).unwrap()).unwrap();
    }

    /// Signs in as `user` through the sign-in API from a page of `base_url`, so the session cookie is the
    /// browser's as after the 登录 dialog. The account's password must not need changing.
    pub async fn sign_in(&self, base_url: &str, user: &str, password: &str) {
        self.goto(&format!("{base_url}/health")).await;
        let script = "return fetch('/api/v1/auth/login', {method: 'POST', headers: {'content-type': 'application/json'}, \
                      body: JSON.stringify({username: arguments[0], password: arguments[1]})}).then(r => r.status)";
        let status = self.eval(script, vec![json!(user), json!(password)]).await;
        assert_eq!(status, json!(200), "sign-in of {user} failed");
    }

    /// Chromium's offline emulation (CDP `Network.emulateNetworkConditions`): the page's requests fail and
    /// `navigator.onLine` follows, with its `offline`/`online` events. A service worker's own fetches are not
    /// covered: cut those with [`super::signal::Signal`].
    pub async fn set_offline(&self, offline: bool) {
        let params = json!({"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1});
        self.call(reqwest::Method::POST, "/goog/cdp/execute", Some(json!({"cmd": "Network.emulateNetworkConditions", "params": params}))).await;
    }

    /// Runs the Chrome DevTools Protocol command `cmd` with `params`, answering its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call(reqwest::Method::POST, "/goog/cdp/execute", Some(json!({"cmd": cmd, "params": params}))).await
    }

    /// Whether the page's requests skip its service worker (CDP `Network.setBypassServiceWorker`): for a control
    /// run that shows a test's offline assertions hold only because of the worker.
    pub async fn bypass_service_worker(&self, bypass: bool) {
        self.cdp("Network.enable", json!({})).await;
        self.cdp("Network.setBypassServiceWorker", json!({"bypass": bypass})).await;
    }

    /// Loads `url` and returns its self-report `#{id}` (once ready or failed, within `secs`) and the DOM.
    pub async fn page_status(&self, url: &str, id: &str, secs: u64) -> (Value, String) {
        self.goto(url).await;
        let script = format!(
            "const t = document.getElementById({id:?})?.textContent || ''; if (!t) return ''; \
             const v = JSON.parse(t); return v.ready || (v.errors && v.errors.length) ? t : ''"
        );
        let text = self.wait_for(&format!("#{id} of {url}"), &script, secs).await;
        let status = serde_json::from_str(text.as_str().unwrap()).unwrap();
        let dom = self.eval("return document.documentElement.outerHTML", vec![]).await;
        (status, dom.as_str().unwrap().to_string())
    }
}

/// A county planner's password in tests (`TestApp::token_for` sets it).
pub const TEST_PASSWORD: &str = "a-long-password-2026";

/// A browser signed in as a new account `user` of `role` over the county: for page tests on what anonymous
/// visitors may not see (households).
pub async fn signed_in(app: &super::TestApp, user: &str, role: gridmap::accounts::Role, window: (u32, u32)) -> Browser {
    app.token_for(user, role, "county").await;
    let b = Browser::start(window).await;
    b.sign_in(&app.base_url, user, TEST_PASSWORD).await;
    b
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session closes Chromium; the driver goes with the test process either way.
        let (http, base) = (self.http.clone(), self.base.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async { http.delete(base).send().await })
        })
        .join();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
