//! `gridmap propose` as a user runs it: the real binary over a GeoPackage store of the default dataset, writing
//! files (`--out`) or opening a draft, the whole county with `all`, bad options refused saying which.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use crate::common;
use gridmap::app::plans::content::Content;
use gridmap::model::Layer;
use gridmap::model::geojson_io::read_layer_file;
use gridmap::store::{AnyStore, Location, PlanStore};
use serde_json::Value;

const C: &str = "610522103001";

fn gridmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gridmap")).args(args).env_remove("DATABASE_URL").output().expect("run gridmap")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A GeoPackage store holding the default dataset.
fn store_of_geodata(dir: &Path) -> String {
    let store = dir.join("s.gpkg").to_str().unwrap().to_string();
    let out = gridmap(&["import", common::geodata().to_str().unwrap(), "--store", &store]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn propose_writes_files_or_opens_a_draft_and_refuses_bad_options() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_of_geodata(dir.path());
    let out_a = dir.path().join("a");
    let out = gridmap(&["propose", C, "--store", &store, "--out", out_a.to_str().unwrap(), "--seed", "5", "--band", "300..500"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("社区 {C}: 3 个网格, 3 个在每格 300–500 户内")), "{}", stderr(&out));

    // The files are the data contract's: grids coded under C, every lane and building of C in one of them.
    let grids = read_layer_file(&out_a.join("grids.geojson"), Layer::Grids, None).unwrap().features;
    let codes: BTreeSet<&str> = grids.iter().map(|g| g.code.as_str()).collect();
    assert_eq!(codes.len(), 3, "{codes:?}");
    assert!(codes.iter().all(|c| c.len() == 15 && c.starts_with(C)), "{codes:?}");
    // The community's households, by the placement rule on the dataset itself (not the proposal).
    let atlas = gridmap::atlas::Atlas::build(&gridmap::model::geojson_io::read_dir(&common::geodata(), None).unwrap().0, 0).unwrap();
    let total = gridmap::atlas::plan::Draft::from_atlas(&atlas, C).unwrap().stats(&atlas, &Default::default()).unwrap().households;
    assert_eq!(grids.iter().map(|g| g.properties["households"].as_u64().unwrap()).sum::<u64>(), total);
    let units = read_layer_file(&out_a.join("units.geojson"), Layer::Units, None).unwrap().features;
    let published = read_layer_file(&common::geodata().join("units.geojson"), Layer::Units, None).unwrap().features;
    let ours: BTreeSet<&str> = published.iter().filter(|u| u.str_prop("grid_code").is_some_and(|g| g.starts_with(C))).map(|u| u.code.as_str()).collect();
    let written: BTreeSet<&str> = units.iter().map(|u| u.code.as_str()).collect();
    assert!(ours.is_subset(&written), "every unit of C is written");
    for u in &units {
        assert!(codes.contains(u.str_prop("grid_code").unwrap_or("")), "unit {} in a proposed grid", u.code);
    }
    let figures: Value = serde_json::from_slice(&std::fs::read(out_a.join("proposal.json")).unwrap()).unwrap();
    assert_eq!(figures[C]["warnings"], serde_json::json!([]));
    assert_eq!(figures[C]["options"]["seed"], 5);

    // The same options and seed write the same files.
    let out_b = dir.path().join("b");
    let out = gridmap(&["propose", C, "--store", &store, "--out", out_b.to_str().unwrap(), "--seed", "5"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for f in ["grids.geojson", "units.geojson"] {
        assert_eq!(std::fs::read(out_a.join(f)).unwrap(), std::fs::read(out_b.join(f)).unwrap(), "{f} differs between runs");
    }

    // Without --out: a draft in the store, audited, holding the same proposal.
    let out = gridmap(&["propose", C, "--store", &store, "--seed", "5", "--name", "命令行划分"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("「命令行划分」 已建立"), "{}", stderr(&out));
    let s = AnyStore::open(&Location::Gpkg(store.clone().into())).await.unwrap();
    let plans = s.plans(Some(C)).await.unwrap();
    assert_eq!(plans.len(), 1);
    assert!(plans[0].author.starts_with("cli:"), "{}", plans[0].author);
    let content = Content::of(&s.plan(plans[0].id).await.unwrap().unwrap()).unwrap();
    assert_eq!(content.draft.grids.len(), 3);
    assert!(ours.iter().all(|u| content.draft.units.contains_key(*u)));

    // Bad options: exit 2, saying which, and nothing stored.
    for (args, says) in [
        (vec!["--compactness", "2"], "形状规整"),
        (vec!["--band", "500..300"], "每格户数"),
        (vec!["--band", "many"], "每格户数"),
        (vec!["--grids", "0"], "网格数"),
        (vec!["--lock", "610522103001999"], "保留的网格"),
    ] {
        let mut all = vec!["propose", C, "--store", &store];
        all.extend(args.iter());
        let out = gridmap(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    let out = gridmap(&["propose", "610522999999", "--store", &store]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("社区 610522999999 不存在"), "{}", stderr(&out));
    let out = gridmap(&["propose", "--store", &store]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("给出社区编码"), "{}", stderr(&out));
    assert_eq!(s.plans(None).await.unwrap().len(), 1, "nothing more was stored");
}

#[test]
fn the_whole_county_is_proposed_with_all() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_of_geodata(dir.path());
    let out_dir = dir.path().join("county");
    let out = gridmap(&["propose", "all", "--store", &store, "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let figures: Value = serde_json::from_slice(&std::fs::read(out_dir.join("proposal.json")).unwrap()).unwrap();
    assert_eq!(figures.as_object().unwrap().len(), 28, "every community of the county");
    assert!(stderr(&out).contains("28 个社区"), "{}", stderr(&out));
    let units = read_layer_file(&out_dir.join("units.geojson"), Layer::Units, None).unwrap().features;
    let grids = read_layer_file(&out_dir.join("grids.geojson"), Layer::Grids, None).unwrap().features;
    let codes: BTreeSet<&str> = grids.iter().map(|g| g.code.as_str()).collect();
    assert_eq!(codes.len(), grids.len(), "grid codes are unique");
    assert!(units.len() >= 2200, "{} units", units.len());
    for u in &units {
        let g = u.str_prop("grid_code").unwrap_or("");
        assert!(codes.contains(g), "unit {} in a proposed grid ({g})", u.code);
    }
}
