//! Headless Chromium for the page tests: one run per URL, either the DOM after the page settled (20 s of
//! virtual time) or a screenshot. Pages report what they drew in `<pre id="...-status">` JSON elements, which
//! [`status_json`] reads back.
//!
//! Chromium is a requirement of these tests, not an option: CI installs it (`/usr/bin/chromium`), and without
//! it a test fails and says so.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const CHROMIUM: &str = "/usr/bin/chromium";
/// Wall-clock limit for one Chromium run; the page itself gets 20 s of virtual time.
const RUN_TIMEOUT: Duration = Duration::from_secs(150);
pub const DESKTOP: (u32, u32) = (1280, 900);
pub const PHONE: (u32, u32) = (390, 844);
/// A map screenshot of a blank or failed page compresses to a few KB; a drawn county is far more.
const MIN_SCREENSHOT_BYTES: u64 = 20 * 1024;

pub enum Output<'a> {
    Dom,
    Screenshot(&'a Path),
}

pub struct Run {
    pub stdout: String,
    pub stderr: String,
}

/// Runs headless Chromium once on `url`, killing it (and its helper processes) if it overruns.
pub fn chromium(url: &str, (width, height): (u32, u32), output: Output<'_>) -> Run {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} not found: the page tests need Chromium (Debian package `chromium`); install it, do not skip"
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
    while child.try_wait().expect("waiting for Chromium").is_none() {
        if started.elapsed() > RUN_TIMEOUT {
            let _ = Command::new("kill").args(["-KILL", &format!("-{pid}")]).status();
            let _ = child.wait();
            let stderr = err_reader.join().unwrap_or_default();
            panic!("Chromium did not finish within {RUN_TIMEOUT:?} on {url}\n{}", tail(&stderr, 30));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Run { stdout: out_reader.join().unwrap_or_default(), stderr: err_reader.join().unwrap_or_default() }
}

/// The DOM of `url` once the page settled, run off the async runtime.
pub async fn dom(url: &str, window: (u32, u32)) -> Run {
    let url = url.to_string();
    tokio::task::spawn_blocking(move || chromium(&url, window, Output::Dom)).await.expect("Chromium thread")
}

pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// The JSON inside `<pre id="{id}" ...>...</pre>` of a dumped DOM, if the page wrote it.
pub fn status_json(dom: &str, id: &str) -> Option<Value> {
    let at = dom.find(&format!("id=\"{id}\""))?;
    let start = at + dom[at..].find('>')? + 1;
    let end = start + dom[start..].find("</pre>")?;
    let text = unescape(&dom[start..end]);
    if text.trim().is_empty() {
        return None;
    }
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("#{id} is not JSON ({e}): {text}")))
}

/// Loads `url` and returns the self-report `#{id}`, failing with the page's toast and Chromium's stderr when
/// the page wrote none within the virtual time budget.
pub async fn page_status(url: &str, window: (u32, u32), id: &str) -> (Value, String) {
    let run = dom(url, window).await;
    let Some(status) = status_json(&run.stdout, id) else {
        let toast = run.stdout.find("id=\"toast\"").map(|i| &run.stdout[i..(i + 400).min(run.stdout.len())]);
        panic!(
            "{url} at {window:?}: the page wrote no #{id} (not ready within the virtual time budget)\n\
             page toast: {toast:?}\nChromium stderr:\n{}",
            tail(&run.stderr, 30)
        );
    };
    (status, run.stdout)
}

/// A screenshot of `url` in artifacts/`name`, checked to be a PNG of a drawn page.
pub async fn screenshot(url: &str, window: (u32, u32), name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    std::fs::create_dir_all(&dir).expect("create artifacts/");
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    let run = tokio::task::spawn_blocking({
        let (path, url) = (path.clone(), url.to_string());
        move || chromium(&url, window, Output::Screenshot(&path))
    })
    .await
    .expect("Chromium thread");
    let meta = std::fs::metadata(&path)
        .unwrap_or_else(|e| panic!("no screenshot at {}: {e}\n{}", path.display(), tail(&run.stderr, 30)));
    assert!(meta.len() > MIN_SCREENSHOT_BYTES, "{} is only {} bytes: the page was not drawn", path.display(), meta.len());
    let png = std::fs::read(&path).expect("read screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{} is not a PNG", path.display());
    eprintln!("screenshot: {}", path.display());
    path
}
