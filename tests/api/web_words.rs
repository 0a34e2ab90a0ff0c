//! Every string a user sees on the page is Chinese and names things by name: headless Chromium opens each
//! user's view (the map, the coverage and merger views, the planner, a grid manager's phone with its list and a
//! household's card, the sign-in form) and walks the visible text, the placeholders, titles and labels.
//!
//! - An English word is a run of three or more Latin letters outside the allow-list (GIS formats, units).
//! - A bare code is a run of 12 to 18 digits outside an element marked `.gm-code` (where the page shows a
//!   code after its name, small, on purpose).
//! - What a user chose is shown as given (an account's name, marked `data-verbatim`).

use serde_json::Value;

use crate::common::{self, browser::{DESKTOP, PHONE}, webdriver::{Browser, signed_in}};
use gridmap::accounts::Role;

/// Latin words a Chinese user expects to see as they are.
const ALLOWED: &[&str] = &["GeoJSON", "GeoPackage", "GIS", "QGIS", "Excel", "PDF", "CSV", "XLSX", "PNG", "KML", "Shapefile", "MapLibre", "OpenStreetMap", "OSM", "WebGL", "JavaScript", "API", "ETag",
    // The formats and coordinate systems the import names, as their software and surveyors write them.
    "KMZ", "DXF", "CAD", "ZIP", "SHP", "GPS", "WGS", "CGCS", "GCJ", "EPSG"];

/// The texts of the page a user can see, as [kind, text, where] triples.
const VISIBLE_TEXT: &str = r#"
const shown = (e) => { for (let x = e; x && x !== document; x = x.parentElement) { if (x.hidden) return false; const s = getComputedStyle(x); if (s.display === 'none' || s.visibility === 'hidden') return false; } return true; };
const where = (e) => { const parts = []; for (let x = e; x && x !== document.body && parts.length < 3; x = x.parentElement) parts.unshift(x.id ? `#${x.id}` : x.className && typeof x.className === 'string' ? `.${x.className.split(' ')[0]}` : x.tagName.toLowerCase()); return parts.join(' > '); };
const out = [];
const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walk.nextNode()) {
  const n = walk.currentNode;
  const t = n.textContent.trim();
  const e = n.parentElement;
  if (!t || !e || e.closest('pre, script, style, noscript, .maplibregl-ctrl-attrib, [data-verbatim]') || !shown(e)) continue;
  out.push(['text', t, where(e), !!e.closest('.gm-code')]);
}
for (const e of document.querySelectorAll('[placeholder], [title], [aria-label]')) {
  if (!shown(e) || e.closest('[data-verbatim]')) continue;
  for (const a of ['placeholder', 'title', 'aria-label']) if (e.getAttribute(a)) out.push([a, e.getAttribute(a), where(e), false]);
}
return out;
"#;

/// The English words and bare codes in `texts`, as messages naming where they are.
fn findings(view: &str, texts: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for t in texts.as_array().unwrap() {
        let (kind, text, place, is_code) = (t[0].as_str().unwrap(), t[1].as_str().unwrap(), t[2].as_str().unwrap(), t[3].as_bool().unwrap());
        for w in latin_words(text) {
            if !ALLOWED.iter().any(|a| a.eq_ignore_ascii_case(&w)) {
                out.push(format!("{view}: English {w:?} in {kind} {text:?} at {place}"));
            }
        }
        if !is_code && digit_runs(text).any(|n| (12..=18).contains(&n)) {
            out.push(format!("{view}: a bare code in {kind} {text:?} at {place}"));
        }
    }
    out
}

/// Runs of three or more ASCII letters.
fn latin_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() >= 3).map(str::to_string).collect()
}

/// The lengths of the runs of ASCII digits.
fn digit_runs(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.split(|c: char| !c.is_ascii_digit()).map(str::len).filter(|n| *n > 0)
}

async fn texts(b: &Browser) -> Value {
    b.eval(VISIBLE_TEXT, vec![]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_visible_string_is_chinese_and_names_things_by_name() {
    let app = common::spawn_app().await;
    let mut found = Vec::new();

    // An anonymous visitor: the map, the sign-in form, the coverage view.
    let b = Browser::start(DESKTOP).await;
    let (s, _) = b.page_status(&format!("{}/", app.base_url), "gridmap-status", 60).await;
    assert_eq!(s["ready"], true, "{s}");
    found.extend(findings("visitor, map", &texts(&b).await));
    let (s, _) = b.page_status(&format!("{}/?panel=coverage", app.base_url), "coverage-status", 90).await;
    assert_eq!(s["ready"], true, "{s}");
    found.extend(findings("visitor, coverage", &texts(&b).await));
    if let Ok(sign_in) = tokio::time::timeout(std::time::Duration::from_secs(5), b.find("#sign-in")).await {
        b.click(&sign_in).await;
        found.extend(findings("visitor, sign-in", &texts(&b).await));
    }

    // A planner: the merger view and the planner.
    let p = signed_in(&app, "planner.words", Role::Planner, DESKTOP).await;
    let (s, _) = p.page_status(&format!("{}/?panel=merger", app.base_url), "merger-status", 90).await;
    assert_eq!(s["ready"], true, "{s}");
    found.extend(findings("planner, merger", &texts(&p).await));
    let (s, _) = p.page_status(&format!("{}/?panel=planner", app.base_url), "planner-status", 90).await;
    assert!(s["errors"].as_array().is_none_or(|e| e.is_empty()), "{s}");
    found.extend(findings("planner, planner", &texts(&p).await));
    let (s, _) = p.page_status(&format!("{}/?panel=import", app.base_url), "import-status", 90).await;
    assert_eq!(s["ready"], true, "{s}");
    found.extend(findings("planner, import", &texts(&p).await));

    // A grid manager on a phone: the list, then a household's card.
    let grids: Value = reqwest::get(app.url("/api/v1/layers/grids")).await.unwrap().json().await.unwrap();
    let grid = grids["features"][0]["properties"]["code"].as_str().unwrap().to_string();
    app.token_for("gm.words", Role::GridManager, &format!("grids:{grid}")).await;
    let g = Browser::start(PHONE).await;
    g.sign_in(&app.base_url, "gm.words", common::webdriver::TEST_PASSWORD).await;
    let (s, _) = g.page_status(&app.url(&format!("/?grid={grid}")), "mygrid-status", 60).await;
    assert!(s["listed"].as_u64().unwrap_or(0) > 0, "{s}");
    found.extend(findings("grid manager, my grid", &texts(&g).await));
    let row = g.find("#gm-mygrid .gm-row-visit").await;
    g.click(&row).await;
    g.wait_for("the household's card", "const c = document.getElementById('gm-chain'); return c && !c.hidden ? 'open' : ''", 20).await;
    found.extend(findings("grid manager, card", &texts(&g).await));

    assert!(found.is_empty(), "{} strings a user sees are English or bare codes:\n{}", found.len(), found.join("\n"));
}
