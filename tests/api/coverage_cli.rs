//! `gridmap check` as a user runs it: the real binary on dataset directories and stores, every format, the
//! exit status, and bad input.

use crate::common;

use std::path::Path;
use std::process::Command;

use gridmap::synth::lattice::{self as synthetic, Spec};
use serde_json::Value;

fn gridmap(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gridmap")).args(args).env_remove("DATABASE_URL").output().expect("run gridmap");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn the_json_report_has_the_contract_form_and_defects_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let mini = common::write_mini(dir.path());
    let (code, out, err) = gridmap(&["check", s(&mini), "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let rows = v["summary"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    for r in rows {
        for key in ["code", "layer", "area_m2", "covered_m2", "gap_m2", "overlap_m2", "households", "households_uncovered", "coverage_pct"] {
            assert!(r.get(key).is_some(), "summary row lacks {key}: {r}");
        }
    }
    assert_eq!(rows[0]["layer"], "county");
    assert_eq!(rows[0]["coverage_pct"], 100.0);
    let fc = &v["defects"];
    assert_eq!(fc["type"], "FeatureCollection");
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len(), 6);
    for f in features {
        let p = &f["properties"];
        for key in ["kind", "layer", "parent", "codes", "area_m2", "width_m", "message"] {
            assert!(p.get(key).is_some(), "defect lacks {key}: {p}");
        }
        assert!(p["message"].as_str().unwrap().ends_with('。'), "one sentence: {}", p["message"]);
        let lon = f["geometry"]["coordinates"].as_array().unwrap()[0].as_f64().unwrap_or(110.2);
        assert!((100.0..120.0).contains(&lon), "lon/lat, not metres: {f}");
    }
    let mismatch = features.iter().find(|f| f["properties"]["kind"] == "household_mismatch").unwrap();
    assert_eq!(mismatch["properties"]["codes"][0], "H0002");
    assert_eq!(mismatch["geometry"]["type"], "Point");
}

#[test]
fn geojson_and_text_and_csv_formats() {
    let dir = tempfile::tempdir().unwrap();
    let mini = common::write_mini(dir.path());
    let (code, out, _) = gridmap(&["check", s(&mini), "--format", "geojson"]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["type"], "FeatureCollection");
    assert_eq!(v["features"].as_array().unwrap().len(), 6);
    let (code, out, _) = gridmap(&["check", s(&mini)]);
    assert_eq!(code, 1);
    assert!(out.contains("城关街道") && out.contains("南新社区居委会") && out.contains("老虎城村委会"), "{out}");
    assert!(out.contains("住户 H0002 名册登记在网格 610522001001001,实际位于网格 610522001001002。"), "{out}");
    let (_, out, _) = gridmap(&["check", s(&mini), "--format", "csv"]);
    assert_eq!(out.lines().count(), 6);
    assert!(out.lines().nth(1).unwrap().starts_with("610522,county,潼关县"), "{out}");
}

#[test]
fn a_clean_dataset_exits_0_and_thresholds_change_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean");
    let spec = Spec { defects: false, ..Spec::with_grids(49, 2_000) };
    gridmap::model::geojson_io::write_dir(&clean, &synthetic::build(&spec).dataset).unwrap();
    // 49 grids of about 40 households: underloaded against 300..500, fine against 10..100.
    let (code, out, err) = gridmap(&["check", s(&clean), "--target-households", "10..100"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("未发现缺陷"), "{out}");
    let (code, _, _) = gridmap(&["check", s(&clean)]);
    assert_eq!(code, 1);

    let planted = dir.path().join("planted");
    gridmap::model::geojson_io::write_dir(&planted, &synthetic::build(&Spec::with_grids(400, 0)).dataset).unwrap();
    let count = |args: &[&str], kind: &str| -> usize {
        let mut all = vec!["check", s(&planted), "--format", "geojson"];
        all.extend_from_slice(args);
        let (_, out, _) = gridmap(&all);
        let v: Value = serde_json::from_str(&out).unwrap();
        v["features"].as_array().unwrap().iter().filter(|f| f["properties"]["kind"] == kind).count()
    };
    let (slivers, blind) = (count(&[], "sliver"), count(&[], "blind_spot"));
    assert!(slivers > 0 && blind > 0);
    // With a 50 m sliver width, the 15 m wide gaps become slivers; the missing grid (300 m across) stays a
    // blind spot.
    let wide = ["--sliver-width-m", "50"];
    assert_eq!(count(&wide, "blind_spot"), 1);
    assert_eq!(count(&wide, "sliver"), slivers + blind - 1);
    assert_eq!(count(&["--min-area-m2", "1000000"], "sliver"), 0, "nothing that small is reported");
}

#[test]
fn bad_input_exits_2_and_says_what() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = gridmap(&["check", s(&dir.path().join("nowhere"))]);
    assert_eq!(code, 2);
    assert!(err.contains("not a directory"), "{err}");
    let (code, _, err) = gridmap(&["check", s(dir.path())]);
    assert_eq!(code, 2);
    assert!(err.contains("holds none of"), "{err}");
    let mini = common::write_mini(dir.path());
    let (code, _, err) = gridmap(&["check", s(&mini), "--target-households", "500..300"]);
    assert_eq!(code, 2);
    assert!(err.contains("MIN exceeds MAX"), "{err}");
    let (code, _, err) = gridmap(&["check", "--store", s(&dir.path().join("missing.gpkg"))]);
    assert_eq!(code, 2);
    assert!(err.contains("no such store"), "{err}");
    assert!(!dir.path().join("missing.gpkg").exists(), "checking creates no store");
    // A grid naming a community that is not there: codes must be right before coverage means anything.
    let grids = mini.join("grids.geojson");
    let text = std::fs::read_to_string(&grids).unwrap().replacen("\"community_code\":\"610522102206\"", "\"community_code\":\"610522102999\"", 1);
    std::fs::write(&grids, text).unwrap();
    let (code, _, err) = gridmap(&["check", s(&mini)]);
    assert_eq!(code, 2);
    assert!(err.contains("610522102999") && err.contains("grids.geojson"), "{err}");
}

#[test]
fn an_unclosed_ring_is_reported_not_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mini = common::write_mini(dir.path());
    let towns = mini.join("towns.geojson");
    // Drop the closing vertex of the first town's ring.
    let text = std::fs::read_to_string(&towns).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let mut v = v;
    let ring = v["features"][0]["geometry"]["coordinates"][0].as_array_mut().unwrap();
    ring.pop();
    std::fs::write(&towns, serde_json::to_string(&v).unwrap()).unwrap();
    let (code, out, err) = gridmap(&["check", s(&mini), "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let bad: Vec<&Value> = v["defects"]["features"].as_array().unwrap().iter().filter(|f| f["properties"]["kind"] == "invalid_geometry").collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0]["properties"]["codes"][0], "610522001");
    assert_eq!(bad[0]["properties"]["reason"], "unclosed ring");
}

#[test]
fn a_store_is_checked_as_its_directory_is() {
    let dir = tempfile::tempdir().unwrap();
    let mini = common::write_mini(dir.path());
    let store = dir.path().join("s.gpkg");
    let (code, _, err) = gridmap(&["import", s(&mini), "--store", s(&store), "--allow-outside"]);
    assert_eq!(code, 0, "{err}");
    let (code, from_store, _) = gridmap(&["check", "--store", s(&store), "--format", "json"]);
    assert_eq!(code, 1);
    let (_, from_dir, _) = gridmap(&["check", s(&mini), "--format", "json"]);
    let (a, b): (Value, Value) = (serde_json::from_str(&from_store).unwrap(), serde_json::from_str(&from_dir).unwrap());
    assert_eq!(a["summary"], b["summary"]);
    assert_eq!(a["defects"], b["defects"]);
}
