//! The GeoPackage store is a valid GeoPackage 1.3 file: GDAL's ogrinfo, an independent reader, lists every
//! layer with the right feature count and CRS, and reads back the properties.

use crate::common;

use std::path::Path;
use std::process::Command;

use gridmap::model::Layer;

fn ogrinfo(args: &[&str]) -> String {
    let out = Command::new("ogrinfo")
        .args(args)
        .output()
        .expect("ogrinfo (Debian gdal-bin) is needed for this test: .ci/run installs it");
    assert!(out.status.success(), "ogrinfo failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn assert_layers(gpkg: &Path, counts: &[(Layer, usize)]) {
    let p = gpkg.to_str().unwrap();
    let listing = ogrinfo(&["-ro", "-q", p]);
    for (layer, _) in counts {
        // Households mix door points and outlines: a generic geometry column, listed without a type.
        let line = match layer {
            Layer::Households => format!(": {}\n", layer.name()),
            Layer::Addresses => format!(": {} (Point)\n", layer.name()),
            _ => format!(": {} (Multi Polygon)\n", layer.name()),
        };
        assert!(listing.contains(&line), "{layer} missing from:\n{listing}");
    }
    // The schema's migration record is bookkeeping, not a layer a GIS user should see.
    assert!(!listing.contains("_sqlx_migrations"), "bookkeeping listed as a layer:\n{listing}");
    for (layer, n) in counts {
        let info = ogrinfo(&["-ro", "-so", p, layer.name()]);
        assert!(info.contains(&format!("Feature Count: {n}\n")), "{layer}: expected {n} features in:\n{info}");
        assert!(info.contains("China Geodetic Coordinate System 2000") && info.contains("4490"), "{layer} CRS:\n{info}");
        assert!(info.contains("Geometry Column = geom"), "{info}");
    }
}

#[tokio::test]
async fn ogrinfo_reads_every_layer_of_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let app = common::spawn_app_seeded(&common::write_mini(dir.path())).await;
    let ds = common::mini_dataset();
    let counts: Vec<(Layer, usize)> = Layer::ALL.iter().map(|l| (*l, ds.get(*l).len())).collect();
    let path = app.store_path.clone().unwrap();
    assert_layers(&path, &counts);
    // Properties and geometry as a GIS user sees them.
    let hh = ogrinfo(&["-ro", "-q", path.to_str().unwrap(), "households", "-where", "code = 'H0001'"]);
    assert!(hh.contains("head (String) = 张三") && hh.contains("members (Integer") && hh.contains("POINT (110.2015 34.5015)"), "{hh}");
    let validate = Command::new("ogrinfo").args(["-ro", "-q", "-sql", "SELECT HasSpatialIndex('grids','geom')", path.to_str().unwrap()]).output();
    drop(validate); // informative only: the file has no R-tree extension yet
}

#[tokio::test]
async fn the_default_store_created_from_geodata_has_every_layer() {
    let app = common::spawn_app().await;
    let (ds, _) = gridmap::model::geojson_io::read_dir(&common::geodata(), None).expect("geodata/ holds the default dataset");
    let counts: Vec<(Layer, usize)> = Layer::ALL.iter().map(|l| (*l, ds.get(*l).len())).collect();
    assert!(counts.iter().all(|(_, n)| *n > 0), "every layer of the default dataset has features: {counts:?}");
    assert_layers(&app.store_path.clone().unwrap(), &counts);
}
