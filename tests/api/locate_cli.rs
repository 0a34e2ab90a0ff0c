//! `gridmap locate` as a user runs it: the real binary on a dataset directory and on a store.

use std::process::{Command, Output};

use crate::common::write_mini;
use gridmap::model::crs::wgs84_to_gcj02;
use serde_json::Value;

fn gridmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gridmap")).args(args).env_remove("DATABASE_URL").output().expect("run gridmap")
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn locate_in_a_directory_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let mini = write_mini(dir.path());
    let mini = mini.to_str().unwrap();

    let out = gridmap(&["locate", "110.2015", "34.5015", mini]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    for expect in ["城关街道", "南新社区居委会", "书记 王**", "610522001001001", "网格员 李*", "1号楼", "H0001", "张*", "139****1234"] {
        assert!(text.contains(expect), "missing {expect:?} in\n{text}");
    }
    assert!(!text.contains("张三"), "masked by default:\n{text}");

    let out = gridmap(&["locate", "110.2015", "34.5015", mini, "--format", "json", "--unmasked"]);
    let v = json_of(&out);
    assert_eq!(v["grid"]["code"], "610522001001001");
    assert_eq!(v["household"]["head"], "张三");
    assert_eq!(v["masked"], false);

    let (gx, gy) = wgs84_to_gcj02(110.21115, 34.5012);
    let out = gridmap(&["locate", &gx.to_string(), &gy.to_string(), mini, "--crs", "gcj02", "--format", "json"]);
    let v = json_of(&out);
    assert_eq!(v["household"]["code"], "H0003");
    assert_eq!(v["household"]["match"], "inside");
}

#[test]
fn outside_exits_1_and_bad_input_exits_2_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let mini = write_mini(dir.path());
    let mini = mini.to_str().unwrap();
    let out = gridmap(&["locate", "110.30", "34.505", mini]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("outside 潼关县"), "{}", String::from_utf8_lossy(&out.stdout));

    let out = gridmap(&["locate", "34.505", "110.30", mini]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("swapped"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = gridmap(&["locate", "110.2", "34.5", mini, "--crs", "mars"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mars"));
}

#[test]
fn locate_in_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let mini = write_mini(dir.path());
    let store = dir.path().join("s.gpkg");
    let store = store.to_str().unwrap();
    let out = gridmap(&["import", mini.to_str().unwrap(), "--store", store, "--allow-outside"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = gridmap(&["locate", "110.2065", "34.5015", "--store", store, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json_of(&out);
    assert_eq!(v["grid"]["code"], "610522001001002");
    assert_eq!(v["household"]["code"], "H0002");
    assert_eq!(v["household"]["roster"]["grid_code"], "610522001001001", "the roster's claim is shown as it is");
}
