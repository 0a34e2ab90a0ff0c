//! `gridmap import` and `gridmap export` as a user runs them: the real binary over a GeoPackage file or PostGIS.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};

use gridmap::model::crs::{wgs84_to_bd09, wgs84_to_gcj02};
use gridmap::model::geojson_io::{read_dir, write_dir};
use gridmap::model::{Dataset, Layer};

fn gridmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gridmap")).args(args).output().expect("run gridmap")
}

fn ok(out: &Output) {
    assert!(out.status.success(), "gridmap failed: {}", String::from_utf8_lossy(&out.stderr));
}

fn refused(out: &Output) -> String {
    assert!(!out.status.success(), "gridmap should have refused the input");
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn export_then_import_round_trips_every_layer_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let mini = common::write_mini(tmp.path());
    let a = tmp.path().join("a.gpkg");
    let b = tmp.path().join("b.gpkg");
    ok(&gridmap(&["import", p(&mini), "--store", p(&a), "--allow-outside"]));
    let out1 = tmp.path().join("out1");
    ok(&gridmap(&["export", p(&out1), "--store", p(&a)]));
    ok(&gridmap(&["import", p(&out1), "--store", p(&b), "--allow-outside"]));
    let out2 = tmp.path().join("out2");
    ok(&gridmap(&["export", p(&out2), "--store", p(&b)]));
    let (ds1, _) = read_dir(&out1, None).unwrap();
    assert_eq!(ds1, common::mini_dataset(), "export gives back what was imported");
    for layer in Layer::ALL {
        let f = layer.file_name();
        // A layer the dataset does not hold (door plates) is not written by either export.
        assert_eq!(std::fs::read(out1.join(&f)).ok(), std::fs::read(out2.join(&f)).ok(), "{f} differs");
        assert_eq!(out1.join(&f).exists(), common::mini_dataset().has(layer), "{f}");
    }
}

/// Door plates (the optional addresses layer) as a user brings them in: with the dataset, alone as one layer
/// file, kept by a later import that does not give them, written by export; bad plates are refused with what
/// and where, and nothing changes.
#[test]
fn door_plates_import_export_and_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let mini = common::write_mini(tmp.path());
    let store = tmp.path().join("s.gpkg");
    let mut plates = Dataset::default();
    plates.layers.insert(Layer::Addresses, common::mini_plates());
    let with = tmp.path().join("with");
    write_dir(&with, &common::mini_dataset().overlaid(&plates)).unwrap();
    ok(&gridmap(&["import", p(&with), "--store", p(&store), "--allow-outside"]));
    // The old dataset without addresses.geojson: imported as today, the door plates stay.
    ok(&gridmap(&["import", p(&mini), "--store", p(&store), "--allow-outside"]));
    let out = tmp.path().join("out");
    ok(&gridmap(&["export", p(&out), "--store", p(&store)]));
    let back = read_dir(&out, None).unwrap().0;
    assert_eq!(back.get(Layer::Addresses), &common::mini_plates()[..], "the import without door plates kept them");
    assert_eq!(back, common::mini_dataset().overlaid(&plates));

    let bad = tmp.path().join("bad");
    let plates_text = |fs: &[gridmap::model::Feature]| {
        let mut buf = Vec::new();
        gridmap::model::geojson_io::write_layer(&mut buf, Layer::Addresses, fs).unwrap();
        String::from_utf8(buf).unwrap()
    };
    let refused_kept = |text: String| {
        let f = write_file(&bad, "addresses.geojson", &text);
        let e = refused(&gridmap(&["import", &f, "--layer", "addresses", "--store", p(&store)]));
        let again = tmp.path().join("again");
        let _ = std::fs::remove_dir_all(&again);
        ok(&gridmap(&["export", p(&again), "--store", p(&store)]));
        assert_eq!(read_dir(&again, None).unwrap().0.get(Layer::Addresses), &common::mini_plates()[..], "the store changed after: {e}");
        e
    };
    let mut dup = common::mini_plates();
    let first = dup[0].code.clone();
    dup[1].properties.insert("code".into(), first.clone().into());
    dup[1].code = first;
    let e = refused_kept(plates_text(&dup));
    assert!(e.contains("6105220010010010010001") && e.contains("duplicate code"), "{e}");
    let mut orphan = common::mini_plates();
    orphan[0].properties.insert("unit_code".into(), "610522001001001099".into());
    let e = refused_kept(plates_text(&orphan));
    assert!(e.contains("610522001001001099") && e.contains("not a code in units"), "{e}");
    let mut empty = common::mini_plates();
    empty[2].properties.insert("address".into(), "".into());
    let e = refused_kept(plates_text(&empty));
    assert!(e.contains("6105221022060010010001") && e.contains("address"), "{e}");
    let mut no_address = common::mini_plates();
    no_address[2].properties.remove("address");
    let e = refused_kept(plates_text(&no_address));
    assert!(e.contains("missing required property \"address\""), "{e}");
    let mut polygon = common::mini_plates();
    polygon[0].geometry = common::mini_dataset().get(Layer::Units)[0].geometry.clone();
    let e = refused_kept(plates_text(&polygon));
    assert!(e.contains("Point"), "{e}");
}

#[tokio::test]
async fn round_trips_through_postgis() {
    let url = common::fresh_postgis_url().await;
    let tmp = tempfile::tempdir().unwrap();
    let mini = common::write_mini(tmp.path());
    ok(&gridmap(&["import", p(&mini), "--database-url", &url, "--allow-outside"]));
    let out = tmp.path().join("out");
    ok(&gridmap(&["export", p(&out), "--database-url", &url]));
    assert_eq!(read_dir(&out, None).unwrap().0, common::mini_dataset());
}

#[test]
fn one_layer_file_replaces_that_layer_only() {
    let tmp = tempfile::tempdir().unwrap();
    let mini = common::write_mini(tmp.path());
    let store = tmp.path().join("s.gpkg");
    ok(&gridmap(&["import", p(&mini), "--store", p(&store), "--allow-outside"]));
    let mut hh = Dataset::default();
    hh.layers.insert(Layer::Households, common::mini_dataset().get(Layer::Households)[..1].to_vec());
    let one = tmp.path().join("one");
    write_dir(&one, &hh).unwrap();
    ok(&gridmap(&["import", p(&one.join("households.geojson")), "--layer", "households", "--store", p(&store)]));
    let out = tmp.path().join("out");
    ok(&gridmap(&["export", p(&out), "--store", p(&store)]));
    let back = read_dir(&out, None).unwrap().0;
    assert_eq!(back.get(Layer::Households).len(), 1);
    assert_eq!(back.get(Layer::Grids), common::mini_dataset().get(Layer::Grids));
}

/// Imports `mini` into a store, then tries `bad`; returns the error text after checking nothing changed.
fn refused_and_unchanged(tmp: &Path, bad_args: &[&str]) -> String {
    let mini = tmp.join("mini");
    if !mini.exists() {
        common::write_mini(tmp);
    }
    let store = tmp.join("s.gpkg");
    if !store.exists() {
        ok(&gridmap(&["import", p(&mini), "--store", p(&store), "--allow-outside"]));
    }
    let mut args = bad_args.to_vec();
    args.extend(["--store", p(&store)]);
    let err = refused(&gridmap(&args));
    let out = tmp.join("after");
    let _ = std::fs::remove_dir_all(&out);
    ok(&gridmap(&["export", p(&out), "--store", p(&store)]));
    assert_eq!(read_dir(&out, None).unwrap().0, common::mini_dataset(), "the store changed after: {err}");
    err
}

fn write_file(dir: &Path, name: &str, text: &str) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn grids_text() -> String {
    let mut buf = Vec::new();
    gridmap::model::geojson_io::write_layer(&mut buf, Layer::Grids, common::mini_dataset().get(Layer::Grids)).unwrap();
    String::from_utf8(buf).unwrap()
}

/// The grids layer as text, with the exterior ring of grid `i` changed by `f`.
fn grids_with(i: usize, f: impl Fn(&mut Vec<geo::Coord<f64>>)) -> String {
    let mut grids = common::mini_dataset().get(Layer::Grids).to_vec();
    let geo::Geometry::MultiPolygon(mp) = &mut grids[i].geometry else { unreachable!() };
    mp.0[0].exterior_mut(|ring| f(&mut ring.0));
    let mut buf = Vec::new();
    gridmap::model::geojson_io::write_layer(&mut buf, Layer::Grids, &grids).unwrap();
    String::from_utf8(buf).unwrap()
}

#[test]
fn bad_input_is_refused_with_file_feature_and_problem_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let bad = t.join("bad");

    let f = write_file(&bad, "grids.geojson", "{\"type\": \"FeatureCollection\", \"features\": [");
    let e = refused_and_unchanged(t, &["import", &f, "--layer", "grids"]);
    assert!(e.contains("grids.geojson") && e.contains("not GeoJSON"), "{e}");

    let e = refused_and_unchanged(t, &["import", &f, "--layer", "parcels"]);
    assert!(e.contains("parcels"), "{e}");

    let dup = grids_text().replace("610522001001002", "610522001001001");
    let f = write_file(&bad, "grids.geojson", &dup);
    let e = refused_and_unchanged(t, &["import", &f, "--layer", "grids"]);
    assert!(e.contains("610522001001001") && e.contains("duplicate code"), "{e}");

    let orphan = grids_text().replace("\"community_code\":\"610522102206\"", "\"community_code\":\"610522102299\"");
    let f = write_file(&bad, "grids.geojson", &orphan);
    let e = refused_and_unchanged(t, &["import", &f, "--layer", "grids"]);
    assert!(e.contains("610522102206001") && e.contains("610522102299") && e.contains("not a code in communities"), "{e}");

    // A bow-tie ring in the second grid: swap its second and third vertices.
    let bow = grids_with(1, |cs| cs.swap(1, 2));
    let f = write_file(&bad, "grids.geojson", &bow);
    let e = refused_and_unchanged(t, &["import", &f, "--layer", "grids"]);
    assert!(e.contains("610522001001002") && e.contains("self-intersection") && e.contains("110.2075"), "{e}");

    let swapped = grids_with(1, |cs| {
        let c = cs[0];
        cs[0] = geo::Coord { x: c.y, y: c.x };
    });
    let f = write_file(&bad, "grids.geojson", &swapped);
    let e = refused_and_unchanged(t, &["import", &f, "--layer", "grids"]);
    assert!(e.contains("feature #1") && e.contains("outside the lon/lat range"), "{e}");

    let all_swapped = write_file(&bad, "county.geojson", r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"610522","name":"潼关县"},"geometry":{"type":"Polygon","coordinates":[[[34.5,110.2],[34.5,110.3],[34.6,110.3],[34.5,110.2]]]}}]}"#);
    let e = refused_and_unchanged(t, &["import", &all_swapped, "--layer", "county"]);
    assert!(e.contains("swapped"), "{e}");

    // One good file and one bad one in a directory: the good one is not written either.
    let dir = t.join("mixed");
    std::fs::create_dir_all(&dir).unwrap();
    write_dir(&dir, &common::mini_dataset()).unwrap();
    std::fs::write(dir.join("households.geojson"), "not json").unwrap();
    let e = refused_and_unchanged(t, &["import", dir.to_str().unwrap()]);
    assert!(e.contains("households.geojson"), "{e}");
}

#[test]
fn invalid_geometry_is_repaired_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let cw = grids_with(1, |cs| cs.reverse());
    let f = write_file(tmp.path(), "grids.geojson", &cw);
    let store = tmp.path().join("s.gpkg");
    let e = refused(&gridmap(&["import", &f, "--layer", "grids", "--store", p(&store)]));
    assert!(e.contains("counter-clockwise") && e.contains("--repair"), "{e}");
    ok(&gridmap(&["import", &f, "--layer", "grids", "--store", p(&store), "--repair"]));
    let out = tmp.path().join("out");
    ok(&gridmap(&["export", p(&out), "--store", p(&store)]));
    let back = read_dir(&out, None).unwrap().0;
    assert!(back.get(Layer::Grids).iter().all(|f| gridmap::model::validate::geometry_problems(&f.geometry).is_empty()));
}

#[test]
fn gcj02_bd09_and_projected_input_are_converted_to_lonlat() {
    let tmp = tempfile::tempdir().unwrap();
    let mini = common::mini_dataset();
    let county = &mini.get(Layer::County)[0];
    let conv = |f: &dyn Fn(f64, f64) -> (f64, f64)| {
        use geo::MapCoords;
        county.geometry.map_coords(|c| {
            let (x, y) = f(c.x, c.y);
            geo::Coord { x, y }
        })
    };
    let crs = gridmap::model::crs::MetricCrs { epsg: 4546 };
    let projected = |x: f64, y: f64| {
        let c = crs.project(x, y).unwrap();
        (c.x, c.y)
    };
    for (name, geom) in [("gcj02", conv(&wgs84_to_gcj02)), ("bd09", conv(&wgs84_to_bd09)), ("EPSG:4546", conv(&projected))] {
        let mut ds = Dataset::default();
        let mut f = county.clone();
        f.geometry = geom;
        ds.layers.insert(Layer::County, vec![f]);
        let dir = tmp.path().join(name.replace(':', "_"));
        write_dir(&dir, &ds).unwrap();
        let store = dir.join("s.gpkg");
        ok(&gridmap(&["import", p(&dir), "--crs", name, "--store", p(&store)]));
        let out = dir.join("out");
        ok(&gridmap(&["export", p(&out), "--store", p(&store)]));
        let back = read_dir(&out, None).unwrap().0;
        use geo::CoordsIter;
        for (a, b) in back.get(Layer::County)[0].geometry.coords_iter().zip(county.geometry.coords_iter()) {
            // 1e-8 degrees is about a millimetre.
            assert!((a.x - b.x).abs() < 1e-8 && (a.y - b.y).abs() < 1e-8, "{name}: {a:?} vs {b:?}");
        }
    }
    let e = refused(&gridmap(&["import", p(&tmp.path().join("gcj02")), "--crs", "mars", "--store", p(&tmp.path().join("x.gpkg"))]));
    assert!(e.contains("unknown CRS"), "{e}");
}

/// Writes `ds` as a dataset directory `name` under `tmp`.
fn dataset_dir(tmp: &Path, name: &str, ds: &Dataset) -> String {
    let dir = tmp.join(name);
    write_dir(&dir, ds).unwrap();
    dir.to_str().unwrap().to_string()
}

#[test]
fn features_wholly_outside_the_county_or_their_parent_are_refused_with_a_count_and_an_example_unless_allowed() {
    use geo::MapCoords;
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // Every household of the mini dataset five degrees east: in another province.
    let far: Vec<_> = common::mini_dataset()
        .get(Layer::Households)
        .iter()
        .map(|h| gridmap::model::Feature { geometry: h.geometry.map_coords(|c| geo::Coord { x: c.x + 5.0, y: c.y }), ..h.clone() })
        .collect();
    let mut ds = Dataset::default();
    ds.layers.insert(Layer::Households, far.clone());
    let dir = dataset_dir(t, "far", &ds);
    let e = refused_and_unchanged(t, &["import", &dir]);
    assert!(e.contains("households（户）有 5 个要素位于县域之外且距县界超过 50 米，例如 H0001"), "{e}");
    assert!(e.contains("--allow-outside") && e.contains("wholly outside the county"), "{e}");
    // One layer file goes through the same check.
    let file = format!("{dir}/households.geojson");
    let e = refused_and_unchanged(t, &["import", &file, "--layer", "households"]);
    assert!(e.contains("有 5 个要素位于县域之外"), "{e}");

    // A grid moved wholly into the other community, its community code unchanged.
    let mut grids = common::mini_dataset().get(Layer::Grids).to_vec();
    grids[2].geometry = geo::Geometry::MultiPolygon(geo::MultiPolygon(vec![common::square(110.201, 34.501, 110.204, 34.504)]));
    let mut ds = Dataset::default();
    ds.layers.insert(Layer::Grids, grids);
    let e = refused_and_unchanged(t, &["import", &dataset_dir(t, "moved", &ds)]);
    assert!(e.contains("grids（网格）有 1 个要素位于其所属上级之外且相距超过 50 米，例如 610522102206001 在 communities 610522102206 之外"), "{e}");

    // Asked for, they are imported.
    let store = t.join("s.gpkg");
    ok(&gridmap(&["import", &dir, "--store", p(&store), "--allow-outside"]));
    let out = t.join("out");
    ok(&gridmap(&["export", p(&out), "--store", p(&store)]));
    assert_eq!(read_dir(&out, None).unwrap().0.get(Layer::Households), far.as_slice());
}

/// The mini dataset under another community code (610522001001 becomes 610522001009 everywhere), without
/// the `drop`ped layers.
fn renumbered(drop: &[Layer]) -> Dataset {
    let re = |s: &str| s.replace("610522001001", "610522001009");
    let mut ds = common::mini_dataset();
    ds.layers.retain(|l, _| !drop.contains(l));
    for f in ds.layers.values_mut().flatten() {
        f.code = re(&f.code);
        for v in f.properties.values_mut() {
            if let Some(s) = v.as_str() {
                *v = re(s).into();
            }
        }
    }
    ds
}

#[test]
fn a_dataset_of_some_layers_is_checked_against_the_layers_kept_and_replace_all_replaces_every_layer() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let partial = dataset_dir(t, "partial", &renumbered(&[Layer::Villages, Layer::Units]));
    // The kept villages and units name the community and grids this import renumbers: one line per layer,
    // with the way out.
    let e = refused_and_unchanged(t, &["import", &partial, "--allow-outside"]);
    for f in ["villages.geojson", "units.geojson"] {
        assert_eq!(e.matches(&format!("\n  {f}:")).count(), 1, "{f} once: {e}");
    }
    assert_eq!(e.matches("is not a code").count(), 2, "one example per kept layer, not every feature: {e}");
    assert!(e.contains("保留的原行政村（villages）有 1 个要素引用了本次导入替换掉的编码") && e.contains("merged_into \"610522001001\""), "{e}");
    assert!(e.contains("请在数据集中一并提供 units.geojson"), "{e}");
    assert!(e.lines().filter(|l| l.contains(".geojson:")).all(|l| l.contains("--replace-all")), "{e}");

    // --replace-all: every layer replaced, those not given emptied.
    let store = t.join("s.gpkg");
    let out = t.join("out");
    ok(&gridmap(&["import", &partial, "--store", p(&store), "--allow-outside", "--replace-all"]));
    ok(&gridmap(&["export", p(&out), "--store", p(&store)]));
    let back = read_dir(&out, None).unwrap().0;
    assert!(back.get(Layer::Villages).is_empty() && back.get(Layer::Units).is_empty(), "{:?}", back.counts());
    assert_eq!(back.get(Layer::Grids), renumbered(&[]).get(Layer::Grids));
    // Or the missing layers added: the full renumbered dataset imports over the mini one as it is.
    let full = dataset_dir(t, "full", &renumbered(&[]));
    let store2 = t.join("s2.gpkg");
    ok(&gridmap(&["import", p(&t.join("mini")), "--store", p(&store2), "--allow-outside"]));
    ok(&gridmap(&["import", &full, "--store", p(&store2), "--allow-outside"]));
    // --replace-all is for a dataset directory.
    let e = refused(&gridmap(&["import", &format!("{full}/grids.geojson"), "--layer", "grids", "--replace-all", "--store", p(&store2)]));
    assert!(e.contains("--replace-all") && e.contains("--layer"), "{e}");
}
