//! A household roster without coordinates, matched back to the default dataset's door plates by address through
//! the real binary: the addresses perturbed the way people type them (no county or town in front, full-width
//! digits, 號, 队, stray spaces, a typo), at least 95% placed at the right door and no more than 0.5% at a wrong
//! one; the dry run lists what it could not place; the real import refuses them unless `--placed-only`.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

use geo::Geometry;
use gridmap::model::geojson_io::{read_dir, read_layer_file};
use gridmap::model::Layer;

use crate::common;

fn gridmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gridmap")).args(args).output().expect("run gridmap")
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Full-width digits.
fn wide(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_digit() { char::from_u32(c as u32 + 0xFEE0).unwrap() } else { c }).collect()
}

/// The address as the `k`-th clerk types it.
fn perturbed(address: &str, k: usize) -> String {
    let short = address.strip_prefix("潼关县").unwrap_or(address);
    let towns = ["城关街道", "秦东镇", "太要镇", "桐峪镇", "代字营镇", "安乐镇"];
    let bare = towns.iter().find_map(|t| short.strip_prefix(t)).unwrap_or(short);
    match k % 9 {
        0 => address.to_string(),
        1 => short.to_string(),
        2 => bare.to_string(),
        3 => wide(address),
        4 => address.replace('号', "號"),
        5 => short.replace('组', "队"),
        6 => address.chars().enumerate().map(|(i, c)| if i % 4 == 3 { format!("{c} ") } else { c.to_string() }).collect::<String>().trim().to_string(),
        // A typo: the first character of the village or community name (after the town) mistyped.
        7 => {
            let head = address.len() - bare.len();
            let mut cs: Vec<char> = bare.chars().collect();
            cs[0] = if cs[0] == '东' { '冬' } else { '东' };
            format!("{}{}", &address[..head], cs.into_iter().collect::<String>())
        }
        _ => wide(&bare.replace('号', "號").replace('组', "队")),
    }
}

#[test]
fn a_roster_without_coordinates_is_placed_at_its_door_plates() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s.gpkg");
    let out = gridmap(&["import", p(&common::geodata()), "--store", p(&store)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let households = read_layer_file(&common::geodata().join("households.geojson"), Layer::Households, None).unwrap().features;
    let plates = read_layer_file(&common::geodata().join("addresses.geojson"), Layer::Addresses, None).unwrap().features;
    let units = read_layer_file(&common::geodata().join("units.geojson"), Layer::Units, None).unwrap().features;
    let plate_at: HashMap<&str, (&Geometry<f64>, &str)> =
        plates.iter().map(|f| (f.str_prop("address").unwrap(), (&f.geometry, f.str_prop("unit_code").unwrap()))).collect();
    let unit_at: HashMap<&str, geo::Coord<f64>> =
        units.iter().map(|u| (u.code.as_str(), gridmap::atlas::placement::representative_point(&u.geometry).unwrap())).collect();

    // The roster: every household with a door plate, its address as someone typed it.
    let mut csv = String::from("户号,所属网格,住址,户主\n");
    let mut truth = HashMap::new();
    for (k, h) in households.iter().filter(|h| plate_at.contains_key(h.str_prop("address").unwrap_or(""))).enumerate() {
        let address = h.str_prop("address").unwrap();
        csv.push_str(&format!("{},{},\"{}\",{}\n", h.code, h.str_prop("grid_code").unwrap(), perturbed(address, k), h.str_prop("head").unwrap()));
        truth.insert(h.code.clone(), plate_at[address]);
    }
    let rows = truth.len();
    assert!(rows > 40_000, "{rows}");
    let roster = tmp.path().join("roster.csv");
    std::fs::write(&roster, csv).unwrap();

    // The dry run: counts, and the rows it could not place, listed; nothing written.
    let dry = gridmap(&["import", p(&roster), "--layer", "households", "--dry-run", "--store", p(&store)]);
    let report = String::from_utf8_lossy(&dry.stderr).to_string();
    assert!(dry.status.success(), "{report}");
    assert!(report.contains(&format!("按地址匹配门牌（matched by address）: {rows} 行")), "{report}");
    assert!(report.contains("试运行，未写入"), "{report}");

    // The real import: refused while any row is not placed, unless only the placed rows are asked for.
    let refused = gridmap(&["import", p(&roster), "--layer", "households", "--store", p(&store)]);
    let placed_only = report.contains("找不到（unmatched）") || report.contains("多个可能（ambiguous）");
    if placed_only {
        assert!(!refused.status.success(), "rows not placed must refuse the import");
        assert!(String::from_utf8_lossy(&refused.stderr).contains("--placed-only"));
        let ok = gridmap(&["import", p(&roster), "--layer", "households", "--placed-only", "--store", p(&store)]);
        assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
        assert!(String::from_utf8_lossy(&ok.stderr).contains("--placed-only"), "the report says rows were left out");
    } else {
        assert!(refused.status.success(), "{}", String::from_utf8_lossy(&refused.stderr));
    }

    // Where each household landed, against where its door is.
    let export = tmp.path().join("out");
    assert!(gridmap(&["export", p(&export), "--store", p(&store)]).status.success());
    let back = read_dir(&export, None).unwrap().0;
    let grid_of: HashMap<&str, &str> = households.iter().map(|h| (h.code.as_str(), h.str_prop("grid_code").unwrap())).collect();
    let (mut right, mut wrong) = (0, 0);
    for h in back.get(Layer::Households) {
        let (plate, unit) = truth[&h.code];
        let Geometry::Point(at) = h.geometry else { panic!("{} stored as {:?}", h.code, h.geometry) };
        if Geometry::Point(at) == *plate || unit_at[unit] == at.0 {
            right += 1;
        } else {
            wrong += 1;
        }
        // The roster's grid is kept as it was registered.
        assert_eq!(h.str_prop("grid_code"), grid_of.get(h.code.as_str()).copied(), "{}", h.code);
    }
    let (right_pct, wrong_pct) = (100.0 * right as f64 / rows as f64, 100.0 * wrong as f64 / rows as f64);
    eprintln!("roster of {rows}: {right} placed right ({right_pct:.2}%), {wrong} wrong ({wrong_pct:.3}%)\n{report}");
    assert!(right_pct >= 95.0, "{right_pct:.2}% placed right\n{report}");
    assert!(wrong_pct <= 0.5, "{wrong_pct:.3}% placed wrong\n{report}");
}
