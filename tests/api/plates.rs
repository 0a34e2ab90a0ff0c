//! Printing on the real server: QR door plates of a grid, a community or a unit as a PNG sheet and as PDF, the
//! wall chart's QR code and the grid notice (网格公示牌). Every QR code is read back by an independent decoder
//! (`zbarimg`, Debian zbar-tools; PDF pages rasterised by `pdftoppm`, poppler-utils) and must be exactly the
//! public page of its code, `{public url}/g/{code}`, one per unit; sizes are checked from the files (PNG
//! header and resolution, `pdfinfo`'s page sizes).

use std::collections::BTreeSet;
use std::path::Path;

use gridmap::app::publication::{Public, Publication};
use gridmap::model::Layer;

use crate::common::{self, TestApp};

const PUBLIC_URL: &str = "https://gm.tongguan.example.gov.cn";
/// The mini dataset's community of two grids, each with one building.
const C1: &str = "610522001001";
const G1: &str = "610522001001001";
const U1: &str = "610522001001001001";
const U2: &str = "610522001001002001";

fn public(url: Option<&str>, people: &str) -> Public {
    Public { url: url.map(str::to_string), people: people.parse::<Publication>().unwrap() }
}

/// Runs a tool of the machine off the async runtime: its exit status, stdout and stderr.
async fn run(tool: &'static str, args: Vec<String>) -> (i32, String, String) {
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(tool).args(&args).output().unwrap_or_else(|e| panic!("{tool} is needed for this test (zbar-tools, poppler-utils): {e}"))
    })
    .await
    .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
}

/// Every QR code zbarimg finds in the image file at `path`.
async fn qr_codes(path: &Path) -> Vec<String> {
    let (status, out, err) = run("zbarimg", vec!["--quiet".into(), "--raw".into(), "-Sdisable".into(), "-Sqrcode.enable".into(), path.display().to_string()]).await;
    // 4: no symbol found.
    assert!(status == 0 || status == 4, "zbarimg {}: {status} {err}", path.display());
    out.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

/// GET `path` and its status, headers and body.
async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let r = client.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.headers().clone(), r.bytes().await.unwrap().to_vec())
}

/// A PNG's width and height (IHDR) and its resolution in dots per inch (pHYs), if recorded.
fn png_size(png: &[u8]) -> ((u32, u32), Option<f64>) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    let size = (be(16), be(20));
    let mut at = 8;
    while at + 8 <= png.len() {
        let len = be(at) as usize;
        if &png[at + 4..at + 8] == b"pHYs" && png[at + 16] == 1 {
            return (size, Some(f64::from(be(at + 8)) * 0.0254));
        }
        at += 12 + len;
    }
    (size, None)
}

/// Pixels of `mm` at `dpi`, as the server rounds them.
fn px(mm: f64, dpi: f64) -> u32 {
    (mm * dpi / 25.4).round() as u32
}

/// The page sizes of a PDF in mm, from `pdfinfo`.
async fn pdf_pages(path: &Path) -> Vec<(f64, f64)> {
    let (status, out, err) = run("pdfinfo", vec!["-f".into(), "1".into(), "-l".into(), "9999".into(), path.display().to_string()]).await;
    assert_eq!(status, 0, "pdfinfo: {err}");
    out.lines()
        .filter(|l| l.starts_with("Page") && l.contains(" size:"))
        .map(|l| {
            let nums: Vec<f64> = l.split(':').nth(1).unwrap().split_whitespace().filter_map(|t| t.parse().ok()).collect();
            (nums[0] * 25.4 / 72.0, nums[1] * 25.4 / 72.0)
        })
        .collect()
}

/// Every QR code on every page of a PDF, read from the pages rasterised at 150 dpi, page by page.
async fn pdf_qr_codes(pdf: &[u8], dir: &Path) -> Vec<Vec<String>> {
    let file = dir.join("plates.pdf");
    std::fs::write(&file, pdf).unwrap();
    let prefix = dir.join("page");
    let (status, _, err) = run("pdftoppm", vec!["-r".into(), "150".into(), "-png".into(), file.display().to_string(), prefix.display().to_string()]).await;
    assert_eq!(status, 0, "pdftoppm: {err}");
    let mut pages: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("page")).collect();
    pages.sort();
    let mut out = vec![];
    for p in pages {
        out.push(qr_codes(&p).await);
    }
    out
}

fn urls(codes: &[&str], base: &str) -> BTreeSet<String> {
    codes.iter().map(|c| format!("{base}/g/{c}")).collect()
}

/// The units of grid `grid` of the default dataset by the public card's rule, read apart from the server.
fn default_units_of(grid: &str) -> Vec<String> {
    let mut ds = gridmap::model::Dataset::default();
    for (layer, file) in [(Layer::Grids, "grids.geojson"), (Layer::Units, "units.geojson")] {
        let read = gridmap::model::geojson_io::read_layer_file(&common::geodata().join(file), layer, None).unwrap();
        ds.layers.insert(layer, read.features);
    }
    let atlas = gridmap::atlas::Atlas::build(&ds, 0).unwrap();
    let units = atlas.layer(Layer::Units).unwrap();
    (0..units.len()).filter(|&i| gridmap::app::public_card::unit_grid(&atlas, i).is_some_and(|g| g.code == grid)).map(|i| units.features[i].code.clone()).collect()
}

#[tokio::test]
async fn every_plate_of_a_grid_decodes_to_its_page_on_the_png_sheet_and_the_pdf() {
    let app = common::spawn_app_public(&common::geodata(), public(Some(PUBLIC_URL), "")).await;
    let tmp = tempfile::tempdir().unwrap();
    let grid = "610522001001001";
    let units = default_units_of(grid);
    assert!(units.len() >= 10, "a grid with many plates: {units:?}");
    let want = urls(&units.iter().map(String::as_str).collect::<Vec<_>>(), PUBLIC_URL);

    // The PNG sheet, as an anonymous caller (plates are public data): 150 dpi, one QR code per unit.
    let (s, h, png) = get(&app, &TestApp::anonymous(), &format!("/api/v1/grids/{grid}/plates.png")).await;
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&png));
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(h["x-plate-count"].to_str().unwrap(), units.len().to_string());
    let ((w, ht), dpi) = png_size(&png);
    assert_eq!(dpi.map(f64::round), Some(150.0));
    let (cols, (sw, sh)) = gridmap::export::plates::sheet_layout(units.len(), gridmap::export::plates::PlateSize::Small);
    assert!(cols > 1);
    assert_eq!((w, ht), (px(sw, 150.0), px(sh, 150.0)), "the sheet of {} plates of 150×90 mm with 5 mm cut margins", units.len());
    let file = tmp.path().join("sheet.png");
    std::fs::write(&file, &png).unwrap();
    let got: Vec<String> = qr_codes(&file).await;
    assert_eq!(got.len(), units.len(), "one QR code per plate: {got:?}");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want, "each plate's code, under the public URL");

    // The PDF: A4 pages of three plates each, every QR code decoding to its page.
    let (s, h, pdf) = get(&app, &TestApp::anonymous(), &format!("/api/v1/grids/{grid}/plates.pdf")).await;
    assert_eq!(s, 200);
    assert_eq!(h["content-type"], "application/pdf");
    let pdf_dir = tmp.path().join("pdf");
    std::fs::create_dir(&pdf_dir).unwrap();
    let pages = pdf_qr_codes(&pdf, &pdf_dir).await;
    assert_eq!(pages.len(), units.len().div_ceil(3), "three 150×90 plates to an A4 page");
    assert!(pages[..pages.len() - 1].iter().all(|p| p.len() == 3), "{pages:?}");
    let got: Vec<String> = pages.into_iter().flatten().collect();
    assert_eq!(got.len(), units.len());
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);
    for (w, h) in pdf_pages(&pdf_dir.join("plates.pdf")).await {
        assert!((w - 210.0).abs() < 0.5 && (h - 297.0).abs() < 0.5, "A4: {w}×{h} mm");
    }

    // Each plate's page shows the grid whose sheet it is on.
    let html = app.client.get(app.url(&format!("/g/{}", units[0]))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&format!("<div class=\"muted\">{grid}</div>")), "{html}");
}

#[tokio::test]
async fn a_community_prints_a_plate_per_unit_and_a_unit_its_own_at_every_size() {
    let tmp = tempfile::tempdir().unwrap();
    let app = common::spawn_app_public(&common::write_mini(tmp.path()), public(Some(PUBLIC_URL), "")).await;

    // The community's two buildings, one in each grid.
    let (s, h, png) = get(&app, &app.client, &format!("/api/v1/communities/{C1}/plates.png")).await;
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&png));
    assert_eq!(h["x-plate-count"], "2");
    let file = tmp.path().join("community.png");
    std::fs::write(&file, &png).unwrap();
    assert_eq!(qr_codes(&file).await.into_iter().collect::<BTreeSet<_>>(), urls(&[U1, U2], PUBLIC_URL));
    let (s, _, pdf) = get(&app, &app.client, &format!("/api/v1/communities/{C1}/plates.pdf")).await;
    assert_eq!(s, 200);
    let dir = tmp.path().join("community-pdf");
    std::fs::create_dir(&dir).unwrap();
    assert_eq!(pdf_qr_codes(&pdf, &dir).await, vec![vec![format!("{PUBLIC_URL}/g/{U1}"), format!("{PUBLIC_URL}/g/{U2}")]]);

    // A grid of one building: the plate alone.
    let (s, h, png) = get(&app, &app.client, &format!("/api/v1/grids/{G1}/plates.png")).await;
    assert_eq!((s, h["x-plate-count"].to_str().unwrap()), (200, "1"));
    assert_eq!(png_size(&png).0, (px(150.0, 150.0), px(90.0, 150.0)));

    // A unit at each size: the plate's own size at 150 dpi, its QR code, and true size in the PDF.
    for (size, (w_mm, h_mm), page) in [("150x90", (150.0, 90.0), (210.0, 297.0)), ("270x170", (270.0, 170.0), (297.0, 210.0)), ("570x370", (570.0, 370.0), (586.0, 386.0))] {
        let (s, _, png) = get(&app, &app.client, &format!("/api/v1/units/{U2}/plates.png?size={size}")).await;
        assert_eq!(s, 200, "{size}");
        let ((w, h), dpi) = png_size(&png);
        assert_eq!(((w, h), dpi.map(f64::round)), ((px(w_mm, 150.0), px(h_mm, 150.0)), Some(150.0)), "{size}");
        let file = tmp.path().join(format!("unit-{size}.png"));
        std::fs::write(&file, &png).unwrap();
        assert_eq!(qr_codes(&file).await, vec![format!("{PUBLIC_URL}/g/{U2}")], "{size}");
        let (s, _, pdf) = get(&app, &app.client, &format!("/api/v1/units/{U2}/plates.pdf?size={size}")).await;
        assert_eq!(s, 200, "{size}");
        let file = tmp.path().join(format!("unit-{size}.pdf"));
        std::fs::write(&file, &pdf).unwrap();
        let pages = pdf_pages(&file).await;
        assert_eq!(pages.len(), 1, "{size}");
        assert!((pages[0].0 - page.0).abs() < 0.5 && (pages[0].1 - page.1).abs() < 0.5, "{size}: page {:?}, not {page:?}", pages[0]);
    }
}

#[tokio::test]
async fn without_a_public_url_plates_point_at_the_address_the_request_came_to() {
    let tmp = tempfile::tempdir().unwrap();
    let app = common::spawn_app_seeded(&common::write_mini(tmp.path())).await;
    let (s, _, png) = get(&app, &app.client, &format!("/api/v1/units/{U1}/plates.png")).await;
    assert_eq!(s, 200);
    let file = tmp.path().join("unit.png");
    std::fs::write(&file, &png).unwrap();
    assert_eq!(qr_codes(&file).await, vec![format!("{}/g/{U1}", app.base_url)]);
}

#[tokio::test]
async fn unknown_codes_are_404_and_bad_sizes_and_papers_are_refused_with_what_is_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let app = common::spawn_app_seeded(&common::write_mini(tmp.path())).await;
    for path in [
        "/api/v1/grids/610522999999999/plates.png",
        "/api/v1/grids/610522999999999/plates.pdf",
        "/api/v1/communities/610522999999/plates.pdf",
        "/api/v1/units/610522999999999001/plates.png",
        // A grid's code is no unit's.
        "/api/v1/units/610522001001001/plates.pdf",
        "/api/v1/grids/610522999999999/notice.png",
        "/api/v1/grids/610522999999999/notice.pdf",
    ] {
        let (s, v) = app.get_json(path).await;
        assert_eq!(s, 404, "{path}: {v}");
        let m = v["error"]["message"].as_str().unwrap_or_else(|| panic!("{path}: {v}"));
        assert!(m.starts_with("没有"), "{path}: Chinese first: {m}");
    }
    for path in [format!("/api/v1/grids/{G1}/plates.png?size=100x50"), format!("/api/v1/units/{U1}/plates.pdf?size=big")] {
        let (s, v) = app.get_json(&path).await;
        assert_eq!(s, 400, "{path}: {v}");
        let m = v["error"]["message"].as_str().unwrap();
        assert!(m.starts_with("门牌尺寸") && m.contains("570x370") && m.contains("270x170") && m.contains("150x90"), "{m}");
    }
    let (s, v) = app.get_json(&format!("/api/v1/grids/{G1}/notice.png?paper=A5")).await;
    assert_eq!(s, 400, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("A4、A3"), "{v}");
}

#[tokio::test]
async fn the_wall_chart_carries_the_grids_qr_code() {
    let tmp = tempfile::tempdir().unwrap();
    let app = common::spawn_app_public(&common::write_mini(tmp.path()), public(Some(PUBLIC_URL), "")).await;
    let (s, _, png) = get(&app, &TestApp::anonymous(), &format!("/api/v1/grids/{G1}/wallchart.png")).await;
    assert_eq!(s, 200);
    assert_eq!(png_size(&png).0, (1754, 1240));
    let file = tmp.path().join("chart.png");
    std::fs::write(&file, &png).unwrap();
    assert_eq!(qr_codes(&file).await, vec![format!("{PUBLIC_URL}/g/{G1}")]);
}

#[tokio::test]
async fn the_notice_is_a4_or_a3_with_the_grids_qr_code_and_its_people_as_published() {
    let tmp = tempfile::tempdir().unwrap();
    let seed = common::write_mini(tmp.path());
    let app = common::spawn_app_public(&seed, public(Some(PUBLIC_URL), "")).await;
    for (paper, (w, h), (w_mm, h_mm)) in [("A4", (1240, 1754), (210.0, 297.0)), ("A3", (1754, 2480), (297.0, 420.0))] {
        let (s, hd, png) = get(&app, &TestApp::anonymous(), &format!("/api/v1/grids/{G1}/notice.png?paper={paper}")).await;
        assert_eq!(s, 200, "{}", String::from_utf8_lossy(&png));
        assert_eq!(hd["content-type"], "image/png");
        let (size, dpi) = png_size(&png);
        assert_eq!((size, dpi.map(f64::round)), ((w, h), Some(150.0)), "{paper}");
        let file = tmp.path().join(format!("notice-{paper}.png"));
        std::fs::write(&file, &png).unwrap();
        assert_eq!(qr_codes(&file).await, vec![format!("{PUBLIC_URL}/g/{G1}")], "{paper}");
        let (s, _, pdf) = get(&app, &TestApp::anonymous(), &format!("/api/v1/grids/{G1}/notice.pdf?paper={paper}")).await;
        assert_eq!(s, 200);
        let dir = tmp.path().join(format!("notice-{paper}"));
        std::fs::create_dir(&dir).unwrap();
        assert_eq!(pdf_qr_codes(&pdf, &dir).await, vec![vec![format!("{PUBLIC_URL}/g/{G1}")]], "{paper}");
        let pages = pdf_pages(&dir.join("plates.pdf")).await;
        assert!(pages.len() == 1 && (pages[0].0 - w_mm).abs() < 0.5 && (pages[0].1 - h_mm).abs() < 0.5, "{paper}: {pages:?}");
    }

    // What the notice says of the people is the publication setting's, whoever prints it: the chain as the
    // server's own atlas and setting give it, drawn into the notice's text; a county that publishes nothing
    // prints a different notice.
    let atlas = gridmap::atlas::Atlas::build(&common::mini_dataset(), 0).unwrap();
    let chain = gridmap::app::public_card::chain(&atlas, G1, &Publication::default());
    let notice = gridmap::export::notice::Notice { chain, qr_url: format!("{PUBLIC_URL}/g/{G1}"), ..Default::default() };
    let svg = notice.svg(gridmap::export::notice::Paper::A4, 150.0);
    for shown in ["李娜", "13900000002", "王秀兰", "13900000001", "赵敏", "1号楼", "南新社区居委会"] {
        assert!(svg.contains(shown), "{shown} missing from the notice");
    }
    for never in ["张三", "13900001234", "H0001"] {
        assert!(!svg.contains(never), "household data {never} on the notice");
    }
    let hidden = gridmap::app::public_card::chain(&atlas, G1, &"all=none".parse().unwrap());
    let svg = gridmap::export::notice::Notice { chain: hidden, ..Default::default() }.svg(gridmap::export::notice::Paper::A4, 150.0);
    assert!(!svg.contains("李娜") && !svg.contains("13900000002") && svg.contains("李*") && svg.contains("139****0002"), "masked when not published");

    let signed_in = TestApp::client_with(&app.token_for("sec", gridmap::accounts::Role::Secretary, &format!("community:{C1}")).await);
    let (_, _, by_secretary) = get(&app, &signed_in, &format!("/api/v1/grids/{G1}/notice.png")).await;
    let (_, _, by_anyone) = get(&app, &TestApp::anonymous(), &format!("/api/v1/grids/{G1}/notice.png")).await;
    assert!(by_secretary == by_anyone, "a secretary's print shows what anyone's does");
    let quiet = common::spawn_app_public(&seed, public(Some(PUBLIC_URL), "all=none")).await;
    let (s, _, unpublished) = get(&quiet, &TestApp::anonymous(), &format!("/api/v1/grids/{G1}/notice.png")).await;
    assert_eq!(s, 200);
    assert!(unpublished != by_anyone, "the publication setting changes the notice");
}

/// The default dataset's door plates lying in each grid and each unit, by the public card's rule, read apart
/// from the server.
fn default_door_plates() -> (std::collections::BTreeMap<String, Vec<String>>, std::collections::BTreeMap<String, Vec<String>>) {
    let mut ds = gridmap::model::Dataset::default();
    for layer in [Layer::Grids, Layer::Units, Layer::Addresses] {
        let read = gridmap::model::geojson_io::read_layer_file(&common::geodata().join(layer.file_name()), layer, None).unwrap();
        ds.layers.insert(layer, read.features);
    }
    let atlas = gridmap::atlas::Atlas::build(&ds, 0).unwrap();
    let plates = atlas.layer(Layer::Addresses).unwrap();
    let (mut by_grid, mut by_unit) = (std::collections::BTreeMap::<String, Vec<String>>::new(), std::collections::BTreeMap::<String, Vec<String>>::new());
    for i in 0..plates.len() {
        let code = plates.features[i].code.clone();
        if let Some(g) = gridmap::app::public_card::plate_grid(&atlas, i) {
            by_grid.entry(g.code.clone()).or_default().push(code.clone());
        }
        if let Some(u) = gridmap::app::public_card::plate_unit(&atlas, i) {
            by_unit.entry(u.code.clone()).or_default().push(code);
        }
    }
    (by_grid, by_unit)
}

/// `?of=plates`: a door plate per address lying in the grid or unit, each QR code decoding to the door plate's
/// own page; the page it opens shows the grid whose sheet it is on and the plate's address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn door_plates_of_a_grid_and_a_unit_decode_to_their_own_pages() {
    let app = common::spawn_app_public(&common::geodata(), public(Some(PUBLIC_URL), "")).await;
    let tmp = tempfile::tempdir().unwrap();
    let (by_grid, by_unit) = default_door_plates();

    // A lane or building: its door plates on one PNG sheet.
    let (unit, plates) = by_unit.iter().filter(|(_, p)| (10..=60).contains(&p.len())).min_by_key(|(u, _)| u.as_str()).expect("a unit of 10 to 60 door plates");
    let want = urls(&plates.iter().map(String::as_str).collect::<Vec<_>>(), PUBLIC_URL);
    let (s, h, png) = get(&app, &TestApp::anonymous(), &format!("/api/v1/units/{unit}/plates.png?of=plates")).await;
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&png));
    assert_eq!(h["x-plate-count"].to_str().unwrap(), plates.len().to_string(), "as many plates as door plates in {unit}");
    let file = tmp.path().join("unit.png");
    std::fs::write(&file, &png).unwrap();
    let got = qr_codes(&file).await;
    assert_eq!(got.len(), plates.len(), "one QR code per door plate: {got:?}");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want, "each door plate's own page");

    // A grid (the one with the fewest door plates, for a short test): every page of its PDF.
    let (grid, plates) = by_grid.iter().filter(|(_, p)| p.len() >= 10).min_by_key(|(g, p)| (p.len(), g.as_str())).expect("a grid with door plates");
    let want = urls(&plates.iter().map(String::as_str).collect::<Vec<_>>(), PUBLIC_URL);
    let (s, h, pdf) = get(&app, &TestApp::anonymous(), &format!("/api/v1/grids/{grid}/plates.pdf?of=plates")).await;
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(h["x-plate-count"].to_str().unwrap(), plates.len().to_string(), "as many plates as door plates in {grid}");
    let dir = tmp.path().join("grid-pdf");
    std::fs::create_dir(&dir).unwrap();
    let got: Vec<String> = pdf_qr_codes(&pdf, &dir).await.into_iter().flatten().collect();
    assert_eq!(got.len(), plates.len(), "one QR code per door plate");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);

    // The page a plate opens: its address, then the grid whose sheet it is on.
    let html = app.client.get(app.url(&format!("/g/{}", plates[0]))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&format!("<div class=\"muted\">{grid}</div>")) && html.contains("门牌 · 编码"), "{html}");

    // Bad `of`: 400 naming what is allowed; a unit with no door plate: 422.
    let (s, v) = app.get_json(&format!("/api/v1/grids/{grid}/plates.png?of=households")).await;
    assert_eq!(s, 400, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("units") && v["error"]["message"].as_str().unwrap().contains("plates"), "{v}");
}

#[tokio::test]
async fn a_dataset_without_door_plates_has_none_to_print() {
    let tmp = tempfile::tempdir().unwrap();
    let app = common::spawn_app_seeded(&common::write_mini(tmp.path())).await;
    let (s, v) = app.get_json(&format!("/api/v1/grids/{G1}/plates.pdf?of=plates")).await;
    assert_eq!(s, 422, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().starts_with("网格"), "Chinese first: {v}");
    // The units' plates are printed as before.
    let (s, h, _) = get(&app, &app.client, &format!("/api/v1/grids/{G1}/plates.png?of=units")).await;
    assert_eq!((s, h["x-plate-count"].to_str().unwrap()), (200, "1"));
}
