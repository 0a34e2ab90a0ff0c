//! The coverage evidence for people, on the real server over GeoPackage and PostGIS: the workbook read back
//! with calamine (sheets and headers in Chinese, a row per defect that `/api/v1/coverage/defects` gives the
//! same caller, names before codes, household rows only for callers who may see households), and the A4 list
//! read by poppler (`pdfinfo` page sizes, `pdftotext` text).

use std::collections::BTreeMap;
use std::path::Path;

use calamine::{Data, Reader};
use gridmap::atlas::coverage::Kind;
use serde_json::Value;

use crate::common::{self, TestApp};

/// GET `path` with `client`: status, content type, body.
async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String, Vec<u8>) {
    let r = client.get(app.url(path)).send().await.unwrap();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (r.status().as_u16(), ct, r.bytes().await.unwrap().to_vec())
}

/// Defects per kind, as `/api/v1/coverage/defects` gives them to `client`.
async fn defect_counts(app: &TestApp, client: &reqwest::Client, query: &str) -> BTreeMap<String, usize> {
    let (s, _, body) = get(app, client, &format!("/api/v1/coverage/defects{query}")).await;
    assert_eq!(s, 200);
    let v: Value = serde_json::from_slice(&body).unwrap();
    let mut out = BTreeMap::new();
    for f in v["features"].as_array().unwrap() {
        *out.entry(f["properties"]["kind"].as_str().unwrap().to_string()).or_default() += 1;
    }
    out
}

/// Every sheet of a workbook: name and rows as text, in order.
fn sheets(bytes: Vec<u8>) -> Vec<(String, Vec<Vec<String>>)> {
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an XLSX calamine opens");
    let names = wb.sheet_names().to_vec();
    names
        .into_iter()
        .map(|n| {
            let range = wb.worksheet_range(&n).expect("a sheet");
            let rows = range.rows().map(|r| r.iter().map(|d: &Data| d.to_string()).collect()).collect();
            (n, rows)
        })
        .collect()
}

fn has_latin(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_alphabetic())
}

/// The sheet name of a kind, as the workbook names it.
fn sheet_of(kind: &str) -> String {
    gridmap::app::evidence::sheet_name(kind.parse::<Kind>().unwrap())
}

/// The workbook for `client` under `query` against the defects list for the same caller and parent.
async fn workbook_matches_defects(app: &TestApp, client: &reqwest::Client, query: &str) -> Vec<(String, Vec<Vec<String>>)> {
    let (s, ct, body) = get(app, client, &format!("/api/v1/coverage/evidence.xlsx{query}")).await;
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&body));
    assert!(ct.contains("spreadsheetml"), "{ct}");
    let book = sheets(body);
    let counts = defect_counts(app, client, query).await;

    // 汇总 first, then a sheet per kind that occurs, in the report's order.
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    let mut expected = vec!["汇总".to_string()];
    expected.extend(Kind::ALL.iter().filter(|k| counts.contains_key(k.name())).map(|k| sheet_of(k.name())));
    assert_eq!(names, expected, "sheets for {counts:?}");
    for (name, rows) in &book {
        assert!(!has_latin(name), "sheet name {name:?}");
        // The title line, then the headers, all Chinese.
        assert!(rows[0][0].contains("数据版本") && rows[0][0].contains("检查于"), "{name}: {:?}", rows[0]);
        assert!(rows[1].iter().all(|h| !h.is_empty() && !has_latin(h)), "{name} headers {:?}", rows[1]);
    }
    let summary = &book[0].1;
    assert_eq!(summary[1][..4], ["范围", "名称", "编码", "覆盖率(%)"]);
    for (kind, n) in &counts {
        let (_, rows) = book.iter().find(|(s, _)| *s == sheet_of(kind)).unwrap();
        assert_eq!(rows[1][0], "序号");
        assert_eq!(rows[1].last().unwrap(), "处理建议");
        assert_eq!(rows.len() - 2, *n, "rows of {kind}");
        assert!(rows[0][0].starts_with(&format!("{} {n} 处", kind.parse::<Kind>().unwrap().label_zh())), "{:?}", rows[0]);
        for (i, r) in rows[2..].iter().enumerate() {
            assert_eq!(r[0], (i + 1).to_string());
            assert!(!r[1].is_empty() && !r.last().unwrap().is_empty(), "{r:?}");
        }
        // The parent's own summary line counts the same.
        let col = summary[1].iter().position(|h| h == kind.parse::<Kind>().unwrap().label_zh()).expect("a column per kind");
        assert_eq!(summary[2][col], n.to_string(), "{kind} in {:?}", summary[2]);
    }
    book
}

fn cell<'a>(book: &'a [(String, Vec<Vec<String>>)], sheet: &str, header: &str) -> Vec<&'a str> {
    let (_, rows) = book.iter().find(|(s, _)| s == sheet).unwrap_or_else(|| panic!("no sheet {sheet}"));
    let col = rows[1].iter().position(|h| h == header).unwrap();
    rows[2..].iter().map(|r| r[col].as_str()).collect()
}

async fn workbook_on(app: &mut TestApp) {
    let anonymous = TestApp::anonymous();
    app.sign_in_planner().await;
    let planner = app.client.clone();

    // A planner sees every defect, household ones included; names come before codes.
    let book = workbook_matches_defects(app, &planner, "").await;
    assert_eq!(book[0].1[2][2], "610522", "the parent first");
    assert_eq!(cell(&book, "网格无网格员", "网格"), ["老虎城村第1网格(610522102206001)"]);
    assert_eq!(cell(&book, "网格无网格员", "社区"), ["老虎城村委会(610522102206)"]);
    assert_eq!(cell(&book, "网格无网格员", "处理建议"), [Kind::GridUnstaffed.advice_zh()]);
    let mismatch = cell(&book, "住户归属不符", "涉及");
    assert_eq!(mismatch, ["户码 H0002"]);
    let place = cell(&book, "住户归属不符", "位置(经度, 纬度)")[0];
    assert_eq!(place, "110.206500, 34.501500", "the household's door");
    let communities: Vec<&str> = book[0].1[3..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(communities, ["南新社区居委会", "老虎城村委会"]);

    // Under a town, and under a grid.
    let town = workbook_matches_defects(app, &planner, "?parent=610522102").await;
    assert_eq!(town[0].1[2][1], "太要镇");
    assert!(town[0].1[0][0].contains("太要镇(610522102)"), "{:?}", town[0].1[0]);
    workbook_matches_defects(app, &planner, "?parent=610522001001001").await;

    // Anonymous callers: no household rows, as the defects list; the title says how many were left out.
    let anon = workbook_matches_defects(app, &anonymous, "").await;
    assert!(anon.iter().all(|(n, _)| !n.starts_with("住户")), "{:?}", anon.iter().map(|(n, _)| n).collect::<Vec<_>>());
    let all: String = anon.iter().flat_map(|(_, rows)| rows.iter().flatten()).cloned().collect::<Vec<_>>().join("|");
    assert!(!all.contains("H000") && !all.contains("户码"), "{all}");
    let withheld = defect_counts(app, &planner, "").await.values().sum::<usize>() - defect_counts(app, &anonymous, "").await.values().sum::<usize>();
    assert!(withheld > 0);
    assert!(anon[0].1[0][0].contains(&format!("另有 {withheld} 处涉及单户的问题未列出")), "{:?}", anon[0].1[0]);

    // An unknown parent: 404 in the error envelope, Chinese first.
    for ext in ["xlsx", "pdf"] {
        let (s, ct, body) = get(app, &planner, &format!("/api/v1/coverage/evidence.{ext}?parent=610522999999")).await;
        assert_eq!(s, 404, "{ext}");
        assert!(ct.starts_with("application/json"), "{ct}");
        let v: Value = serde_json::from_slice(&body).unwrap();
        let m = v["error"]["message"].as_str().unwrap();
        assert!(m.starts_with("编码 610522999999 不是") && m.contains("(parent"), "{m}");
    }
}

#[tokio::test]
async fn workbook_on_gpkg() {
    let dir = tempfile::tempdir().unwrap();
    workbook_on(&mut common::spawn_app_seeded(&common::write_mini(dir.path())).await).await;
}

#[tokio::test]
async fn workbook_on_postgis() {
    let dir = tempfile::tempdir().unwrap();
    workbook_on(&mut common::spawn_app_postgis(&common::write_mini(dir.path())).await).await;
}

/// Runs a poppler tool on `path`: its stdout.
async fn poppler(tool: &'static str, args: Vec<String>) -> String {
    let out = tokio::task::spawn_blocking(move || std::process::Command::new(tool).args(&args).output())
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{tool} (Debian poppler-utils) is needed for this test: {e}"));
    assert!(out.status.success(), "{tool}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The PDF at `path`: page sizes in points (pdfinfo) and the text of each page (pdftotext).
async fn read_pdf(path: &Path) -> (Vec<(f64, f64)>, Vec<String>) {
    let p = path.display().to_string();
    let info = poppler("pdfinfo", vec!["-f".into(), "1".into(), "-l".into(), "9999".into(), p.clone()]).await;
    let sizes: Vec<(f64, f64)> = info
        .lines()
        .filter(|l| l.starts_with("Page") && l.contains(" size:"))
        .map(|l| {
            let nums: Vec<f64> = l.split(':').nth(1).unwrap().split_whitespace().filter_map(|t| t.parse().ok()).collect();
            (nums[0], nums[1])
        })
        .collect();
    let text = poppler("pdftotext", vec![p, "-".into()]).await;
    (sizes, text.split('\u{c}').filter(|t| !t.trim().is_empty()).map(str::to_string).collect())
}

async fn pdf_of(app: &TestApp, client: &reqwest::Client, query: &str, dir: &Path) -> (Vec<(f64, f64)>, Vec<String>) {
    let (s, ct, body) = get(app, client, &format!("/api/v1/coverage/evidence.pdf{query}")).await;
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(ct, "application/pdf");
    let path = dir.join(format!("evidence{}.pdf", query.len()));
    std::fs::write(&path, body).unwrap();
    read_pdf(&path).await
}

fn assert_a4(sizes: &[(f64, f64)]) {
    assert!(!sizes.is_empty());
    for (w, h) in sizes {
        assert!((w - 595.276).abs() < 0.5 && (h - 841.89).abs() < 0.5, "not A4 portrait: {w} x {h} pt");
    }
}

/// The A4 list names every kind with its count, the total, the header and page numbers.
fn assert_lists(pages: &[String], counts: &BTreeMap<String, usize>) {
    let text = pages.join("\n");
    let total: usize = counts.values().sum();
    assert!(text.contains(&format!("问题合计 {total} 处")), "{text}");
    for (kind, n) in counts {
        let label = kind.parse::<Kind>().unwrap().label_zh();
        assert!(text.contains(&format!("{label} {n} 处")), "{label} {n} 处 not in: {text}");
        assert!(text.contains(kind.parse::<Kind>().unwrap().advice_zh()), "advice of {kind}");
    }
    for (i, p) in pages.iter().enumerate() {
        assert!(p.contains("覆盖检查问题清单") && p.contains("数据版本"), "page {} header: {p}", i + 1);
        assert!(p.contains(&format!("第 {} 页 / 共 {} 页", i + 1, pages.len())), "page {} number: {p}", i + 1);
    }
}

#[tokio::test]
async fn printable_list_on_gpkg_and_postgis() {
    let dir = tempfile::tempdir().unwrap();
    let mini = common::write_mini(dir.path());
    for mut app in [common::spawn_app_seeded(&mini).await, common::spawn_app_postgis(&mini).await] {
        let anonymous = TestApp::anonymous();
        app.sign_in_planner().await;
        let planner = app.client.clone();
        let (sizes, pages) = pdf_of(&app, &planner, "", dir.path()).await;
        assert_a4(&sizes);
        assert_lists(&pages, &defect_counts(&app, &planner, "").await);
        let text = pages.join("\n");
        assert!(text.contains("老虎城村第1网格(610522102206001)") && text.contains("户码 H0002"), "{text}");

        let (sizes, pages) = pdf_of(&app, &anonymous, "?parent=610522102", dir.path()).await;
        assert_a4(&sizes);
        assert_lists(&pages, &defect_counts(&app, &anonymous, "?parent=610522102").await);
        let text = pages.join("\n");
        assert!(text.contains("太要镇(610522102)") && !text.contains("H000"), "{text}");
    }
}

/// The county's own dataset: many defects, several pages, each numbered, the rows as the defects list.
#[tokio::test]
async fn the_county_list_runs_over_pages() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = common::spawn_app().await;
    app.sign_in_planner().await;
    let planner = app.client.clone();
    let counts = defect_counts(&app, &planner, "").await;
    let t = std::time::Instant::now();
    let (sizes, pages) = pdf_of(&app, &planner, "", dir.path()).await;
    eprintln!("county evidence PDF: {} pages in {:?}", pages.len(), t.elapsed());
    assert!(pages.len() > 1, "{} pages", pages.len());
    assert_eq!(sizes.len(), pages.len());
    assert_a4(&sizes);
    assert_lists(&pages, &counts);
    workbook_matches_defects(&app, &planner, "").await;
}
