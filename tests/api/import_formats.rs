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
