//! 天地图 through the server, as `gridmap serve --tianditu-key` runs it: tiles fetched with the key from a tile
//! server (here a local one standing in for 天地图, counting what it is asked), kept on disk and served again
//! without it; the key never in what a browser gets; the page's basemap drawn from the server's own origin.

use crate::common::{self, browser::DESKTOP, webdriver::Browser};

use std::net::TcpListener as StdListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

const KEY: &str = "tk-secret-0123456789abcdef";

/// A one-pixel PNG, as the stand-in tile server's every tile.
fn png() -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = png::Encoder::new(&mut out, 1, 1);
    e.set_color(png::ColorType::Rgba);
    e.write_header().unwrap().write_image_data(&[10, 120, 200, 255]).unwrap();
    out
}

/// A tile server on a free port answering `/{layer}/{z}/{x}/{y}?tk=KEY` with a PNG (403 for another key); the
/// count of tiles it served.
async fn tile_server() -> (String, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    use axum::extract::{Path, Query};
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let app = axum::Router::new().route(
        "/{layer}/{z}/{x}/{y}",
        axum::routing::get(move |Path((_l, _z, _x, _y)): Path<(String, u8, u32, u32)>, Query(q): Query<std::collections::HashMap<String, String>>| {
            let h = h.clone();
            async move {
                if q.get("tk").map(String::as_str) != Some(KEY) {
                    return (axum::http::StatusCode::FORBIDDEN, [("content-type", "text/xml")], b"<error>bad key</error>".to_vec());
                }
                h.fetch_add(1, Ordering::SeqCst);
                (axum::http::StatusCode::OK, [("content-type", "image/png")], png())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/{{layer}}/{{z}}/{{x}}/{{y}}?tk={{key}}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, hits, task)
}

/// `gridmap serve` on a free port over a fresh store of the mini dataset, with `args`; killed when dropped.
struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn serve(args: &[&str]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mini = common::write_mini(dir.path());
    let port = StdListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_gridmap"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--store"])
        .arg(dir.path().join("s.gpkg"))
        .arg("--seed")
        .arg(&mini)
        .args(["--tile-cache"])
        .arg(dir.path().join("tiles"))
        .args(args)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("gridmap serve");
    let base = format!("http://127.0.0.1:{port}");
    let t = Instant::now();
    while !reqwest::get(format!("{base}/api/v1/meta")).await.is_ok_and(|r| r.status().is_success()) {
        assert!(t.elapsed() < Duration::from_secs(60), "gridmap serve did not come up");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Server { child, base, _dir: dir }
}

async fn get(url: &str) -> (u16, String, Vec<u8>) {
    let r = reqwest::get(url).await.unwrap();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (r.status().as_u16(), ct, r.bytes().await.unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tianditu_tiles_come_through_the_server_with_its_key_and_stay_cached() {
    let (upstream, hits, task) = tile_server().await;
    let s = serve(&["--tianditu-key", KEY, "--tianditu-url", &upstream]).await;

    let (_, _, meta) = get(&format!("{}/api/v1/meta", s.base)).await;
    let meta: Value = serde_json::from_slice(&meta).unwrap();
    assert_eq!(meta["basemaps"], serde_json::json!(["tianditu", "tianditu-img"]), "{meta}");

    let tile = format!("{}/api/v1/basemap/tianditu/vec/10/833/410", s.base);
    let (status, ct, body) = get(&tile).await;
    assert_eq!((status, ct.as_str()), (200, "image/png"));
    assert_eq!(body, png(), "the tile server's tile");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    let (status, _, again) = get(&tile).await;
    assert_eq!((status, again), (200, png()));
    assert_eq!(hits.load(Ordering::SeqCst), 1, "the second ask is answered from the cache");

    // Refusals: an unknown layer, a tile out of range.
    assert_eq!(get(&format!("{}/api/v1/basemap/tianditu/roads/10/833/410", s.base)).await.0, 404);
    assert_eq!(get(&format!("{}/api/v1/basemap/tianditu/vec/19/0/0", s.base)).await.0, 400);
    assert_eq!(get(&format!("{}/api/v1/basemap/tianditu/vec/2/4/0", s.base)).await.0, 400);

    // The page draws the basemap from its own origin, and nothing a browser gets carries the key.
    let b = Browser::start(DESKTOP).await;
    let (status, _) = b.page_status(&format!("{}/?basemap=tianditu", s.base), "gridmap-status", 90).await;
    assert_eq!(status["ready"], true, "{status}");
    b.wait_for("basemap tiles asked through the server", "return window.gridmap.map.isSourceLoaded('basemap-0') ? 'yes' : ''", 60).await;
    assert!(hits.load(Ordering::SeqCst) > 1, "the page's tiles came through the server");
    let asked: Value = b.eval("return performance.getEntriesByType('resource').map(e => e.name)", vec![]).await;
    let asked: Vec<&str> = asked.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(asked.iter().any(|u| u.contains("/api/v1/basemap/tianditu/vec/")) && asked.iter().any(|u| u.contains("/api/v1/basemap/tianditu/cva/")), "{asked:?}");
    assert!(asked.iter().all(|u| u.starts_with(&s.base)), "the page asks only its own origin: {asked:?}");
    let dom = b.eval("return document.documentElement.outerHTML", vec![]).await;
    assert!(!dom.as_str().unwrap().contains(KEY), "the key is not in the page");
    for path in ["/", "/app/shared/config.js", "/api/v1/meta"] {
        let r = reqwest::get(format!("{}{path}", s.base)).await.unwrap();
        let csp = r.headers()["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.contains("img-src 'self' data: blob:") && !csp.contains("tianditu"), "{path}: {csp}");
        assert!(!r.text().await.unwrap().contains(KEY), "{path} carries the key");
    }

    // With the tile server gone, a cached tile is still served; another is a 502 saying so, without the key.
    task.abort();
    let _ = task.await;
    let (status, _, body) = get(&tile).await;
    assert_eq!((status, body), (200, png()));
    let (status, _, body) = get(&format!("{}/api/v1/basemap/tianditu/img/10/833/411", s.base)).await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 502, "{text}");
    assert!(text.contains("天地图暂时无法访问") && !text.contains(KEY), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_is_said_and_without_a_key_no_basemap_is_offered() {
    let (upstream, hits, _task) = tile_server().await;
    let s = serve(&["--tianditu-key", "wrong-key", "--tianditu-url", &upstream]).await;
    let (status, _, body) = get(&format!("{}/api/v1/basemap/tianditu/vec/10/833/410", s.base)).await;
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, 502, "{text}");
    assert!(text.contains("密钥") && !text.contains("wrong-key"), "a refused key is named as the cause, not shown: {text}");
    assert_eq!(hits.load(Ordering::SeqCst), 0);
    drop(s);

    let s = serve(&[]).await;
    let (_, _, meta) = get(&format!("{}/api/v1/meta", s.base)).await;
    let meta: Value = serde_json::from_slice(&meta).unwrap();
    assert_eq!(meta["basemaps"], serde_json::json!([]), "{meta}");
    let (status, _, body) = get(&format!("{}/api/v1/basemap/tianditu/vec/10/833/410", s.base)).await;
    assert_eq!(status, 404, "{}", String::from_utf8_lossy(&body));
}
