//! The map page in a real browser: headless Chromium opens the page served by the real server (with the
//! repository's geodata/), and the page's self-report `<pre id="gridmap-status">` says what it drew:
//! `{"ready":true,"rendered":{"county":N,...},"errors":[...]}`, each N the count of features MapLibre
//! rendered for that layer once the map went idle. Screenshots go to artifacts/ for a person to look at.
//!
//! Chromium is a requirement of this test, not an option: CI installs it (`/usr/bin/chromium`), and
//! without it the test fails and says so.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const CHROMIUM: &str = "/usr/bin/chromium";
/// Wall-clock limit for one Chromium run; the page itself gets 20 s of virtual time.
const RUN_TIMEOUT: Duration = Duration::from_secs(150);
const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);
/// A map screenshot of a blank or failed page compresses to a few KB; a drawn county is far more.
const MIN_SCREENSHOT_BYTES: u64 = 20 * 1024;

enum Output<'a> {
    Dom,
    Screenshot(&'a Path),
}

struct Run {
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium once on `url`, killing it (and its helper processes) if it overruns.
fn chromium(url: &str, (width, height): (u32, u32), output: Output<'_>) -> Run {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} not found: the web map test needs Chromium (Debian package `chromium`); install it, do not skip"
    );
    let profile = tempfile::tempdir().expect("temporary Chromium profile");
    let mut cmd = Command::new(CHROMIUM);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        // WebGL through SwiftShader: Chromium no longer falls back to it without being asked.
        "--enable-unsafe-swiftshader",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .arg(format!("--window-size={width},{height}"))
    .arg("--virtual-time-budget=20000");
    match output {
        Output::Dom => cmd.arg("--dump-dom"),
        Output::Screenshot(path) => cmd.arg(format!("--screenshot={}", path.display())),
    };
    cmd.arg(url).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    // Own process group, so a timeout can end the renderer and GPU processes too.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);

    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {CHROMIUM}: {e}"));
    let pid = child.id();
    // Read both pipes on threads: Chromium can fill one while we wait on the other.
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut out, &mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut s);
        s
    });
    let started = Instant::now();
    loop {
        match child.try_wait().expect("waiting for Chromium") {
            Some(_) => break,
            None if started.elapsed() > RUN_TIMEOUT => {
                let _ = Command::new("kill").args(["-KILL", &format!("-{pid}")]).status();
                let _ = child.wait();
                let stderr = err_reader.join().unwrap_or_default();
                panic!("Chromium did not finish within {RUN_TIMEOUT:?} on {url}\n{}", tail(&stderr, 30));
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    Run { stdout: out_reader.join().unwrap_or_default(), stderr: err_reader.join().unwrap_or_default() }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The JSON inside `<pre id="gridmap-status" ...>...</pre>` of a dumped DOM.
fn status_of(dom: &str) -> Option<Value> {
    let at = dom.find("id=\"gridmap-status\"")?;
    let start = at + dom[at..].find('>')? + 1;
    let end = start + dom[start..].find("</pre>")?;
    let text = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("#gridmap-status is not JSON ({e}): {text}")))
}

/// Loads `url` and returns the page's self-report once it is ready, failing with what the page said otherwise.
async fn page_status(url: String, window: (u32, u32)) -> Value {
    let run = tokio::task::spawn_blocking({
        let url = url.clone();
        move || chromium(&url, window, Output::Dom)
    })
    .await
    .expect("Chromium thread");
    let Some(status) = status_of(&run.stdout) else {
        let toast = run.stdout.find("id=\"toast\"").map(|i| &run.stdout[i..(i + 400).min(run.stdout.len())]);
        panic!(
            "{url} at {window:?}: the page wrote no #gridmap-status (not ready within the virtual time budget)\n\
             page toast: {toast:?}\nChromium stderr:\n{}",
            tail(&run.stderr, 30)
        );
    };
    assert_eq!(status["ready"], Value::Bool(true), "{url} at {window:?}: page not ready: {status}");
    let errors = status["errors"].as_array().expect("errors is an array");
    assert!(errors.is_empty(), "{url} at {window:?}: the page reported errors: {errors:#?}\nfull status: {status}");
    status
}

fn rendered(status: &Value, layer: &str) -> u64 {
    status["rendered"][layer].as_u64().unwrap_or_else(|| panic!("no rendered count for {layer} in {status}"))
}

fn assert_rendered(status: &Value, layers: &[&str], what: &str) {
    for layer in layers {
        assert!(rendered(status, layer) > 0, "{what}: no {layer} rendered: {status}");
    }
}

async fn screenshot(url: String, window: (u32, u32), name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    std::fs::create_dir_all(&dir).expect("create artifacts/");
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    let run = tokio::task::spawn_blocking({
        let path = path.clone();
        move || chromium(&url, window, Output::Screenshot(&path))
    })
    .await
    .expect("Chromium thread");
    let meta = std::fs::metadata(&path)
        .unwrap_or_else(|e| panic!("no screenshot at {}: {e}\n{}", path.display(), tail(&run.stderr, 30)));
    assert!(
        meta.len() > MIN_SCREENSHOT_BYTES,
        "{} is only {} bytes: the map was not drawn",
        path.display(),
        meta.len()
    );
    let png = std::fs::read(&path).expect("read screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{} is not a PNG", path.display());
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn desktop_map_draws_every_layer_of_the_county() {
    let app = common::spawn_app().await;
    let url = format!("{}/", app.base_url);

    let status = page_status(url.clone(), DESKTOP).await;
    assert_rendered(&status, &["county", "towns", "communities", "grids"], "desktop, whole county");
    // The county view is below the zoom at which the big layers load.
    assert_eq!(rendered(&status, "households"), 0, "households must wait for zoom: {status}");
    assert_eq!(rendered(&status, "villages"), 0, "legacy villages are off by default: {status}");

    let png = screenshot(url, DESKTOP, "web_map.png").await;
    eprintln!("screenshot: {}", png.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_map_is_ready_with_the_same_layers() {
    let app = common::spawn_app().await;
    let url = format!("{}/", app.base_url);

    let status = page_status(url.clone(), PHONE).await;
    assert_rendered(&status, &["county", "towns", "communities", "grids"], "phone, whole county");

    let png = screenshot(url, PHONE, "web_map_phone.png").await;
    eprintln!("screenshot: {}", png.display());
}

/// Zoomed in on a household, the page loads units and households for the view only (bbox requests).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zoomed_in_map_loads_units_and_households_by_bbox() {
    let app = common::spawn_app().await;
    let api = |path: &str| format!("{}/api/v1{path}", app.base_url);
    let client = reqwest::Client::new();

    // A household somewhere in the county: look in the county's bbox, narrowed to its first grid.
    let grids: Value = client.get(api("/layers/grids")).send().await.unwrap().json().await.unwrap();
    let grid = &grids["features"][0];
    let (w, s, e, n) = envelope(&grid["geometry"]);
    let households: Value = client
        .get(api(&format!("/layers/households?bbox={w},{s},{e},{n}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let household = households["features"]
        .as_array()
        .and_then(|f| f.first())
        .unwrap_or_else(|| panic!("no household in the bbox of grid {}", grid["properties"]["code"]));
    let (w, s, e, n) = envelope(&household["geometry"]);
    let (lon, lat) = ((w + e) / 2.0, (s + n) / 2.0);

    let url = format!("{}/?view={lon},{lat},16.5", app.base_url);
    let status = page_status(url.clone(), DESKTOP).await;
    assert_rendered(&status, &["grids", "units", "households"], "desktop, zoomed in on a household");
    // The page asked for the view's households only, not the county's.
    let meta: Value = client.get(api("/meta")).send().await.unwrap().json().await.unwrap();
    let loaded = status["loaded"]["households"].as_u64().unwrap_or(0);
    let total = meta["counts"]["households"].as_u64().expect("meta.counts.households");
    assert!(loaded > 0 && loaded < total, "households loaded for the view: {loaded} of {total}: {status}");

    screenshot(url, DESKTOP, "web_map_zoomed.png").await;
}

/// `(west, south, east, north)` of a GeoJSON geometry.
fn envelope(geometry: &Value) -> (f64, f64, f64, f64) {
    fn walk(v: &Value, b: &mut (f64, f64, f64, f64)) {
        match v.as_array() {
            Some(a) if a.first().is_some_and(Value::is_number) => {
                let (x, y) = (a[0].as_f64().unwrap(), a[1].as_f64().unwrap());
                *b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
            }
            Some(a) => a.iter().for_each(|c| walk(c, b)),
            None => {}
        }
    }
    let mut b = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    walk(&geometry["coordinates"], &mut b);
    assert!(b.0.is_finite(), "geometry without coordinates: {geometry}");
    b
}
