//! `gridmap import FILE --layer L` for every format a county brings, with fixtures written in the test by GDAL's
//! ogr2ogr from the contract's GeoJSON: each imports to the same features; bad files are refused with what and
//! where, and nothing stored changes.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use geo::{CoordsIter, Geometry};
use gridmap::model::geojson_io::read_dir;
use gridmap::model::{Dataset, Feature, Layer};
use serde_json::Value;

fn gridmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gridmap")).args(args).output().expect("run gridmap")
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn ogr2ogr(args: &[&str]) {
    let out = Command::new("ogr2ogr").args(args).output().expect("run ogr2ogr (gdal-bin)");
    assert!(out.status.success(), "ogr2ogr {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A store holding the mini dataset, and the dataset's GeoJSON files.
struct Fixture {
    tmp: tempfile::TempDir,
    mini: PathBuf,
    store: PathBuf,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let mini = common::write_mini(tmp.path());
    let store = tmp.path().join("s.gpkg");
    let out = gridmap(&["import", p(&mini), "--store", p(&store), "--allow-outside"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Fixture { tmp, mini, store }
}

impl Fixture {
    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// Imports `file` as `layer`; the report (stderr) on success.
    fn import(&self, file: &Path, layer: &str, extra: &[&str]) -> String {
        // The mini dataset plants household H0004 outside the county.
        let mut args = vec!["import", p(file), "--layer", layer, "--store", p(&self.store), "--allow-outside"];
        args.extend_from_slice(extra);
        let out = gridmap(&args);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "import {} failed: {err}", file.display());
        err
    }

    /// Imports `file`, expects a refusal, and checks the store did not change; the message.
    fn refused(&self, file: &Path, layer: &str, extra: &[&str]) -> String {
        let before = self.stored();
        // The mini dataset plants household H0004 outside the county.
        let mut args = vec!["import", p(file), "--layer", layer, "--store", p(&self.store), "--allow-outside"];
        args.extend_from_slice(extra);
        let out = gridmap(&args);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(!out.status.success(), "import {} should have been refused", file.display());
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(self.stored(), before, "a refused import changed the store");
        err
    }

    fn stored(&self) -> Dataset {
        let out = self.path(&format!("export-{}", rand_suffix()));
        let o = gridmap(&["export", p(&out), "--store", p(&self.store)]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        read_dir(&out, None).unwrap().0
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// A value as the contract compares it: a missing property and an empty string are the same.
fn prop(f: &Feature, key: &str) -> Value {
    match f.properties.get(key) {
        None | Some(Value::Null) => Value::String(String::new()),
        Some(v) => v.clone(),
    }
}

/// The same features: codes, the given properties, and vertices within 1e-7° (a projection's round trip), with
/// exterior rings counter-clockwise.
fn assert_same(got: &[Feature], want: &[Feature], keys: &[&str], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: feature count");
    for w in want {
        let g = got.iter().find(|g| g.code == w.code).unwrap_or_else(|| panic!("{what}: no feature {}", w.code));
        for k in keys {
            assert_eq!(prop(g, k), prop(w, k), "{what}: {} property {k}", w.code);
        }
        let (gc, wc): (Vec<_>, Vec<_>) = (g.geometry.coords_iter().collect(), w.geometry.coords_iter().collect());
        assert_eq!(gc.len(), wc.len(), "{what}: {} vertex count", w.code);
        for c in &wc {
            assert!(gc.iter().any(|d| (d.x - c.x).abs() < 1e-7 && (d.y - c.y).abs() < 1e-7), "{what}: {} lost vertex {c:?}", w.code);
        }
        if let Geometry::MultiPolygon(mp) = &g.geometry {
            use geo::Area;
            assert!(mp.0.iter().all(|p| p.signed_area() > 0.0), "{what}: {} exterior not counter-clockwise", w.code);
        }
    }
}

const GRID_KEYS: &[&str] = &["code", "name", "community_code", "manager", "manager_phone", "target_households"];

fn mini_grids() -> Vec<Feature> {
    common::mini_dataset().get(Layer::Grids).to_vec()
}

#[test]
fn a_gbk_shapefile_without_cpg_in_gauss_kruger_imports_the_same_grids() {
    let fx = fixture();
    let dir = fx.path("shp");
    std::fs::create_dir_all(&dir).unwrap();
    let shp = dir.join("grids.shp");
    ogr2ogr(&["-f", "ESRI Shapefile", "-t_srs", "EPSG:4546", "-lco", "ENCODING=CP936", p(&shp), p(&fx.mini.join("grids.geojson"))]);
    let _ = std::fs::remove_file(dir.join("grids.cpg"));
    assert!(std::fs::read_to_string(dir.join("grids.prj")).unwrap().contains("Gauss"), "a projected .prj");
    let report = fx.import(&shp, "grids", &[]);
    assert!(report.contains("GB18030") && report.contains("自动识别"), "the encoding is detected and reported: {report}");
    assert!(report.contains("CGCS2000_3_Degree_GK_CM_111E"), "the CRS is reported: {report}");
    assert!(report.contains("community_ → community_code"), "cut field names are mapped: {report}");
    assert_same(fx.stored().get(Layer::Grids), &mini_grids(), GRID_KEYS, "shapefile");

    // The same files in a zip.
    let zip_path = fx.path("grids.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        zip.start_file(entry.file_name().to_string_lossy(), zip::write::SimpleFileOptions::default()).unwrap();
        std::io::copy(&mut std::fs::File::open(entry.path()).unwrap(), &mut zip).unwrap();
    }
    zip.finish().unwrap();
    fx.import(&zip_path, "grids", &[]);
    assert_same(fx.stored().get(Layer::Grids), &mini_grids(), GRID_KEYS, "zipped shapefile");
}

#[test]
fn kml_kmz_and_geopackage_import_the_same_grids() {
    let fx = fixture();
    let src = fx.mini.join("grids.geojson");
    let kml = fx.path("grids.kml");
    ogr2ogr(&["-f", "KML", "-dsco", "NameField=name", p(&kml), p(&src)]);
    let report = fx.import(&kml, "grids", &[]);
    assert!(report.contains("KML") && report.contains("wgs84"), "{report}");
    assert_same(fx.stored().get(Layer::Grids), &mini_grids(), GRID_KEYS, "kml");

    let kmz = fx.path("grids.kmz");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&kmz).unwrap());
    zip.start_file("doc.kml", zip::write::SimpleFileOptions::default()).unwrap();
    std::io::copy(&mut std::fs::File::open(&kml).unwrap(), &mut zip).unwrap();
    zip.finish().unwrap();
    fx.import(&kmz, "grids", &[]);
    assert_same(fx.stored().get(Layer::Grids), &mini_grids(), GRID_KEYS, "kmz");

    let gpkg = fx.path("grids.gpkg");
    ogr2ogr(&["-f", "GPKG", p(&gpkg), p(&src)]);
    let report = fx.import(&gpkg, "grids", &[]);
    assert!(report.contains("GeoPackage") && report.contains("wgs84"), "{report}");
    assert_same(fx.stored().get(Layer::Grids), &mini_grids(), GRID_KEYS, "geopackage");
}

#[test]
fn missing_codes_are_generated_by_the_coding_rule_and_missing_parents_found_by_location() {
    let fx = fixture();
    let gpkg = fx.path("drawn.gpkg");
    // Grids as a surveyor draws them: outlines and names, no codes, no community.
    ogr2ogr(&["-f", "GPKG", "-sql", "SELECT name, manager, manager_phone, target_households FROM grids", p(&gpkg), p(&fx.mini.join("grids.geojson"))]);
    let report = fx.import(&gpkg, "grids", &[]);
    assert!(report.contains("按位置确定上级 3 个"), "{report}");
    assert!(report.contains("按编码规则生成编码 3 个"), "{report}");
    // West to east inside each community: the codes the dataset was made with.
    assert_same(fx.stored().get(Layer::Grids), &mini_grids(), GRID_KEYS, "generated codes");
}

const HOUSEHOLD_KEYS: &[&str] = &["code", "grid_code", "unit_code", "village_code", "address", "head", "members", "phone"];

/// A roster as a county keeps it: Chinese headers, X/Y columns, a 身份证号 a spreadsheet rounded.
const ROSTER_SQL: &str = "SELECT code AS \"户号\", grid_code AS \"所属网格\", unit_code, village_code, address AS \"住址\", head AS \"户主姓名\", members AS \"家庭人口\", phone AS \"联系电话\", '1.10101E+17' AS \"身份证号\" FROM households WHERE code <> 'H0003'";

#[test]
fn csv_and_xlsx_rosters_with_chinese_headers_import_the_same_households() {
    let fx = fixture();
    let csv = fx.path("roster.csv");
    ogr2ogr(&["-f", "CSV", "-lco", "GEOMETRY=AS_XY", "-sql", ROSTER_SQL, p(&csv), p(&fx.mini.join("households.geojson"))]);
    let want: Vec<Feature> =
        common::mini_dataset().get(Layer::Households).iter().filter(|f| f.code != "H0003").cloned().collect();

    let msg = fx.refused(&csv, "households", &[]);
    assert!(msg.contains("没有声明坐标系") && msg.contains("--crs") && msg.contains("gcj02"), "no CRS: the choices are listed: {msg}");

    let report = fx.import(&csv, "households", &["--crs", "wgs84"]);
    assert!(report.contains("户主姓名 → head") && report.contains("X → 经度 lon"), "{report}");
    assert!(report.contains("身份证号") && report.contains("科学计数法"), "the mangled ID number is flagged: {report}");
    let got = fx.stored();
    assert_same(got.get(Layer::Households), &want, HOUSEHOLD_KEYS, "csv");
    let h1 = got.get(Layer::Households).iter().find(|f| f.code == "H0001").unwrap();
    assert_eq!(h1.properties["id_number"], Value::String("1.10101E+17".into()), "flagged, never repaired");

    // The same roster as XLSX, members, phone and the ID number typed as numbers as a spreadsheet does.
    std::fs::write(fx.path("roster.csvt"), "Real,Real,String,String,String,String,String,String,Integer,Integer64,Real").unwrap();
    let xlsx = fx.path("roster.xlsx");
    ogr2ogr(&["-f", "XLSX", p(&xlsx), p(&csv)]);
    fx.import(&xlsx, "households", &["--crs", "wgs84"]);
    let got = fx.stored();
    assert_same(got.get(Layer::Households), &want, HOUSEHOLD_KEYS, "xlsx");
    let h1 = got.get(Layer::Households).iter().find(|f| f.code == "H0001").unwrap();
    assert_eq!(h1.properties["phone"], Value::String("13900001234".into()), "a phone stays text");
}

#[test]
fn bad_files_are_refused_with_what_and_where_and_nothing_is_stored() {
    let fx = fixture();
    let src = fx.mini.join("grids.geojson");
    let dir = fx.path("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let shp = dir.join("grids.shp");
    ogr2ogr(&["-f", "ESRI Shapefile", "-lco", "ENCODING=CP936", p(&shp), p(&src)]);

    // Wrong encoding: the .cpg says UTF-8, the text is GBK.
    std::fs::write(dir.join("grids.cpg"), "UTF-8").unwrap();
    let msg = fx.refused(&shp, "grids", &[]);
    assert!(msg.contains("grids.shp") && msg.contains("UTF-8") && msg.contains("第 1 个要素"), "{msg}");

    // No CRS: the .prj removed.
    std::fs::remove_file(dir.join("grids.cpg")).unwrap();
    std::fs::remove_file(dir.join("grids.prj")).unwrap();
    let msg = fx.refused(&shp, "grids", &[]);
    assert!(msg.contains("没有声明坐标系") && msg.contains("EPSG:4546"), "{msg}");

    // Truncated: half the .shp.
    let bytes = std::fs::read(&shp).unwrap();
    std::fs::write(&shp, &bytes[..bytes.len() / 2]).unwrap();
    let msg = fx.refused(&shp, "grids", &["--crs", "wgs84"]);
    assert!(msg.contains("grids.shp") && msg.contains("截断"), "{msg}");

    // Truncated KML and GeoPackage.
    let kml = fx.path("cut.kml");
    ogr2ogr(&["-f", "KML", p(&kml), p(&src)]);
    let text = std::fs::read(&kml).unwrap();
    std::fs::write(&kml, &text[..text.len() * 2 / 3]).unwrap();
    let msg = fx.refused(&kml, "grids", &[]);
    assert!(msg.contains("cut.kml") && msg.contains("KML"), "{msg}");
    let gpkg = fx.path("cut.gpkg");
    ogr2ogr(&["-f", "GPKG", p(&gpkg), p(&src)]);
    let b = std::fs::read(&gpkg).unwrap();
    std::fs::write(&gpkg, &b[..b.len() / 3]).unwrap();
    let msg = fx.refused(&gpkg, "grids", &[]);
    assert!(msg.contains("cut.gpkg"), "{msg}");

    // Empty: a zero-byte file, and a CSV with only its header.
    let empty = fx.path("empty.kml");
    std::fs::write(&empty, "").unwrap();
    let msg = fx.refused(&empty, "grids", &[]);
    assert!(msg.contains("empty.kml") && msg.contains("为空"), "{msg}");
    let header_only = fx.path("header.csv");
    std::fs::write(&header_only, "户号,经度,纬度\n").unwrap();
    let msg = fx.refused(&header_only, "households", &["--crs", "wgs84"]);
    assert!(msg.contains("header.csv") && msg.contains("没有任何要素"), "{msg}");

    // A required property nothing maps to: the columns are listed with the way out.
    let gpkg = fx.path("nokind.gpkg");
    ogr2ogr(&["-f", "GPKG", "-sql", "SELECT code, name, grid_code FROM units", p(&gpkg), p(&fx.mini.join("units.geojson"))]);
    let msg = fx.refused(&gpkg, "units", &[]);
    assert!(msg.contains("kind") && msg.contains("--map"), "{msg}");
}

#[test]
fn only_regular_files_are_read_a_bom_is_accepted_and_control_characters_refused() {
    let fx = fixture();
    let zero = fx.path("zero.geojson");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let msg = fx.refused(&zero, "grids", &[]);
    assert!(msg.contains("zero.geojson") && msg.contains("普通文件"), "{msg}");
    let zero_csv = fx.path("zero.csv");
    std::os::unix::fs::symlink("/dev/zero", &zero_csv).unwrap();
    let msg = fx.refused(&zero_csv, "households", &["--crs", "wgs84"]);
    assert!(msg.contains("普通文件"), "{msg}");

    let text = std::fs::read_to_string(fx.mini.join("grids.geojson")).unwrap();
    let bom = fx.path("bom.geojson");
    std::fs::write(&bom, format!("\u{feff}{text}")).unwrap();
    fx.import(&bom, "grids", &[]);
    assert_same(fx.stored().get(Layer::Grids), &mini_grids(), GRID_KEYS, "geojson with a BOM");

    let ctl = fx.path("ctl.geojson");
    std::fs::write(&ctl, text.replacen("李娜", "李\\u0007娜", 1)).unwrap();
    let msg = fx.refused(&ctl, "grids", &[]);
    assert!(msg.contains("ctl.geojson") && msg.contains("manager") && msg.contains("控制字符"), "{msg}");
}

#[test]
fn a_file_in_gcj02_gets_a_hint_with_the_offset_and_imports_with_its_crs() {
    use geo::MapCoords;
    let fx = fixture();
    let mut ds = Dataset::default();
    let shifted: Vec<Feature> = mini_grids()
        .into_iter()
        .map(|mut f| {
            f.geometry = f.geometry.map_coords(|c| {
                let (x, y) = gridmap::model::crs::wgs84_to_gcj02(c.x, c.y);
                geo::Coord { x, y }
            });
            f
        })
        .collect();
    ds.layers.insert(Layer::Grids, shifted);
    let dir = fx.path("amap");
    gridmap::model::geojson_io::write_dir(&dir, &ds).unwrap();
    let file = dir.join("grids.geojson");
    let out = gridmap(&["import", p(&file), "--layer", "grids", "--store", p(&fx.store), "--dry-run"]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("GCJ-02") && text.contains("--crs gcj02") && text.contains("米"), "{text}");
    let report = fx.import(&file, "grids", &["--crs", "gcj02"]);
    assert!(!report.contains("GCJ-02（"), "no hint once the CRS is given: {report}");
    assert_same(fx.stored().get(Layer::Grids), &mini_grids(), GRID_KEYS, "gcj02 converted");
}

/// Peak RSS in KiB of `gridmap args`, by GNU time, and its stderr.
fn peak_kib(args: &[&str]) -> (u64, String) {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "peak_kib=%M"])
        .arg(env!("CARGO_BIN_EXE_gridmap"))
        .args(args)
        .output()
        .expect("run /usr/bin/time (package time)");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    let kib = err.lines().rev().find_map(|l| l.strip_prefix("peak_kib=")).and_then(|v| v.trim().parse().ok());
    (kib.unwrap_or_else(|| panic!("no peak in: {err}")), err)
}

/// The default dataset's households, `copies` times under distinct codes, cut off inside one last feature: a
/// file that is valid JSON up to its last bytes, so the whole of it is read before it is refused. Its size, and
/// the line it is cut off in.
fn truncated_households(path: &Path, copies: usize) -> (u64, usize) {
    use std::io::Write;
    let text = std::fs::read_to_string(common::geodata().join("households.geojson")).unwrap();
    let features: Vec<&str> =
        text.lines().filter(|l| l.starts_with("{\"type\":\"Feature\"")).map(|l| l.trim_end_matches(',')).collect();
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n").unwrap();
    for k in 0..copies {
        for f in &features {
            w.write_all(f.replacen("\"code\":\"", &format!("\"code\":\"{k}"), 1).as_bytes()).unwrap();
            w.write_all(b",\n").unwrap();
        }
    }
    w.write_all(b"{\"type\":\"Feature\",\"properties\":{\"code\":").unwrap();
    w.flush().unwrap();
    (std::fs::metadata(path).unwrap().len(), copies * features.len() + 2)
}

#[test]
fn a_large_invalid_file_is_read_one_feature_at_a_time_and_refused_saying_where() {
    let fx = fixture();
    let small = fx.path("small.geojson");
    truncated_households(&small, 0);
    let (base_kib, msg) = peak_kib(&["import", p(&small), "--layer", "households", "--store", p(&fx.store)]);
    assert!(msg.contains("small.geojson") && msg.contains("EOF") && msg.contains("line 2"), "{msg}");

    let big = fx.path("big.geojson");
    let (bytes, line) = truncated_households(&big, 4);
    let before = fx.stored();
    let (kib, msg) = peak_kib(&["import", p(&big), "--layer", "households", "--store", p(&fx.store)]);
    assert!(msg.contains("big.geojson") && msg.contains("EOF") && msg.contains(&format!("line {line}")), "{msg}");
    assert_eq!(fx.stored(), before, "a refused import changed the store");
    // A whole JSON tree of the file takes about ten times its size, and the features read from it some six times.
    // Checked before any is kept, the refusal holds one feature at a time: allow half the file above what
    // refusing a small file takes.
    let grown = kib.saturating_sub(base_kib) * 1024;
    eprintln!("file {} MB: peak {} MB, small file {} MB", bytes >> 20, kib >> 10, base_kib >> 10);
    assert!(grown < bytes / 2, "refusing a {bytes}-byte file grew memory by {grown} bytes");
}

/// Feature counts GDAL finds in a file (every layer of it, a zip read through /vsizip/), and its full listing.
fn ogrinfo_features(path: &Path, layer: Layer) -> (usize, String) {
    let name = if path.extension().is_some_and(|e| e == "zip") { format!("/vsizip/{}", p(path)) } else { p(path).to_string() };
    let mut args = vec!["-ro", "-al", name.as_str()];
    // A GeoPackage is asked for the layer's table: the file must hold it under the layer's name.
    if path.extension().is_some_and(|e| e == "gpkg") {
        args.retain(|a| *a != "-al");
        args.push(layer.name());
    }
    let out = Command::new("ogrinfo").args(&args).output().expect("run ogrinfo (gdal-bin)");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "ogrinfo {name}: {}", String::from_utf8_lossy(&out.stderr));
    let n = text.lines().filter_map(|l| l.trim().strip_prefix("Feature Count: ")).map(|n| n.trim().parse::<usize>().unwrap()).sum();
    (n, text)
}

#[test]
fn every_export_format_imports_back_to_the_same_features() {
    let fx = fixture();
    let mini = common::mini_dataset();
    for (layer, keys, person) in [(Layer::Grids, GRID_KEYS, "李娜"), (Layer::Households, HOUSEHOLD_KEYS, "张三")] {
        let want = mini.get(layer).to_vec();
        let formats: [(&str, &[&str]); 5] = [
            ("-utf8.zip", &[]),
            ("-gbk.zip", &["--encoding", "gbk"]),
            (".kml", &[]),
            (".gpkg", &[]),
            (".geojson", &[]),
        ];
        for (suffix, extra) in formats {
            let file = fx.path(&format!("{layer}{suffix}"));
            let mut args = vec!["export", p(&file), "--layer", layer.name(), "--store", p(&fx.store)];
            args.extend_from_slice(extra);
            let out = gridmap(&args);
            assert!(out.status.success(), "export {suffix}: {}", String::from_utf8_lossy(&out.stderr));
            // An independent reader finds every feature, and the Chinese text decoded (GBK by the .cpg).
            let (n, listing) = ogrinfo_features(&file, layer);
            assert_eq!(n, want.len(), "{layer}{suffix}: GDAL's feature count");
            assert!(listing.contains(person), "{layer}{suffix}: GDAL reads {person}");
            fx.import(&file, layer.name(), &[]);
            assert_same(fx.stored().get(layer), &want, keys, &format!("{layer}{suffix}"));
        }
    }
    // Households mixing door points and outlines come as one Shapefile per type in the zip.
    let (_, listing) = ogrinfo_features(&fx.path("households-utf8.zip"), Layer::Households);
    assert!(listing.contains("households_point") && listing.contains("households_polygon"), "{listing}");

    // The roster as a workbook: the household's own columns under Chinese headers, then where it lies.
    let xlsx = fx.path("roster.xlsx");
    let out = gridmap(&["export", p(&xlsx), "--layer", "households", "--store", p(&fx.store)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let sheet = wb.worksheet_range("住户名册").unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    let col = |h: &str| rows[0].iter().position(|x| x == h).unwrap_or_else(|| panic!("no column {h}: {:?}", rows[0]));
    let (code, head, phone, at_grid, agrees) = (col("户编码"), col("户主姓名"), col("联系电话"), col("所在网格（按位置）"), col("登记网格与位置一致"));
    assert_eq!(rows.len(), 1 + mini.get(Layer::Households).len());
    let h1 = rows.iter().find(|r| r[code] == "H0001").expect("H0001 in the roster");
    assert_eq!((h1[head].as_str(), h1[phone].as_str(), h1[at_grid].as_str(), h1[agrees].as_str()), ("张三", "13900001234", "610522001001001", "是"));
    let h4 = rows.iter().find(|r| r[code] == "H0004").expect("H0004 in the roster");
    assert_eq!(h4[at_grid], "", "H0004 lies in no grid");

    // Only households have a roster; an unknown format is refused before the store is opened.
    let out = gridmap(&["export", p(&fx.path("grids.xlsx")), "--layer", "grids", "--store", p(&fx.store)]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("住户名册"));
    let out = gridmap(&["export", p(&fx.path("grids.dwg")), "--layer", "grids", "--store", "/nonexistent/s.gpkg"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("kml") && err.contains("--format"), "{err}");
}

/// A surveyor's drawing: the mini grids as CAD fills on layer 网格边界, each named by a label inside it, written by
/// GDAL in CGCS2000 Gauss-Krüger, then made what Chinese CAD writes: text in GBK under `$DWGCODEPAGE ANSI_936`.
fn gbk_dxf(fx: &Fixture) -> PathBuf {
    use geo::InteriorPoint;
    let mut features = Vec::new();
    for g in mini_grids() {
        let at = g.geometry.interior_point().unwrap();
        features.push(serde_json::json!({"type": "Feature", "properties": {"Layer": "网格边界"},
            "geometry": gridmap::model::geojson_io::geometry_json(&g.geometry)}));
        features.push(serde_json::json!({"type": "Feature",
            "properties": {"Layer": "注记", "OGR_STYLE": format!("LABEL(f:\"SimSun\",t:\"{}\",s:3g)", g.name())},
            "geometry": {"type": "Point", "coordinates": [at.x(), at.y()]}}));
    }
    let src = fx.path("drawing.geojson");
    std::fs::write(&src, serde_json::json!({"type": "FeatureCollection", "features": features}).to_string()).unwrap();
    let utf8 = fx.path("drawing-utf8.dxf");
    ogr2ogr(&["-f", "DXF", "-s_srs", "EPSG:4326", "-t_srs", "EPSG:4546", p(&utf8), p(&src)]);
    let text = std::fs::read_to_string(&utf8).unwrap();
    assert!(text.contains("AC1018") && text.contains("ANSI_1252"), "GDAL writes an AutoCAD 2004 drawing");
    // GDAL escapes non-ASCII text as \U+XXXX: unescape it, so the GBK bytes carry the labels.
    let mut plain = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("\\U+") {
        plain.push_str(&rest[..i]);
        let hex = &rest[i + 3..i + 7];
        plain.push(char::from_u32(u32::from_str_radix(hex, 16).unwrap()).unwrap());
        rest = &rest[i + 7..];
    }
    plain.push_str(rest);
    let gbk = encoding_rs::GBK.encode(&plain.replace("ANSI_1252", "ANSI_936")).0.into_owned();
    let dxf = fx.path("drawing.dxf");
    std::fs::write(&dxf, gbk).unwrap();
    dxf
}

#[test]
fn a_gbk_dxf_in_gauss_kruger_imports_the_same_grids_with_their_cad_layer_and_labels() {
    let fx = fixture();
    let dxf = gbk_dxf(&fx);
    let bytes = std::fs::read(&dxf).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err(), "the fixture is GBK, not UTF-8");

    let msg = fx.refused(&dxf, "grids", &[]);
    assert!(msg.contains("--crs") && msg.contains("gcj02"), "a DXF has no CRS: the choices are listed: {msg}");
    let report = fx.import(&dxf, "grids", &["--crs", "EPSG:4546"]);
    assert!(report.contains("DXF") && report.contains("ANSI_936"), "the format and code page are reported: {report}");
    assert!(report.contains("按位置确定上级 3 个") && report.contains("按编码规则生成编码 3 个"), "{report}");
    let stored = fx.stored();
    assert_same(stored.get(Layer::Grids), &mini_grids(), &["code", "name", "community_code"], "dxf");
    for g in stored.get(Layer::Grids) {
        assert_eq!(g.properties["layer"], Value::String("网格边界".into()), "{}: the CAD layer is kept", g.code);
    }

    // A drawing cut short, a binary DXF and one with no closed shape are refused, saying why.
    let cut = fx.path("cut.dxf");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let msg = fx.refused(&cut, "grids", &["--crs", "EPSG:4546"]);
    assert!(msg.contains("DXF"), "{msg}");
    let binary = fx.path("binary.dxf");
    std::fs::write(&binary, b"AutoCAD Binary DXF\r\n\x1a\x00rest").unwrap();
    let msg = fx.refused(&binary, "grids", &["--crs", "EPSG:4546"]);
    assert!(msg.contains("ASCII"), "{msg}");
    let lines = fx.path("lines.dxf");
    std::fs::write(&lines, "0\nSECTION\n2\nENTITIES\n0\nLINE\n8\n0\n10\n0\n20\n0\n11\n1\n21\n1\n0\nENDSEC\n0\nEOF\n").unwrap();
    let msg = fx.refused(&lines, "grids", &["--crs", "EPSG:4546"]);
    assert!(msg.contains("闭合"), "{msg}");
}
