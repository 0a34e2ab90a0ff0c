//! The readers' entry points for arbitrary bytes, shared by the fuzz targets (`fuzz/`) and the test that replays
//! their corpus on every run (`tests/api/fuzz_corpus.rs`). Each must return, whatever the bytes hold: a refusal is
//! an `Err`, never a panic, an abort or a hang.

use std::path::Path;

use crate::model::Layer;
use crate::model::geojson_io::parse_layer;

/// GeoJSON text read as each layer of the contract.
pub fn geojson(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        for layer in Layer::ALL {
            let _ = parse_layer(text, "fuzz.geojson", layer, None);
        }
    }
}

/// A `.prj` (OGC or ESRI WKT) read through PROJ.
pub fn prj(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = super::crs::from_prj(text);
    }
}

/// A CSV roster, its encoding detected as for an upload.
pub fn csv(data: &[u8]) {
    with_file(data, "fuzz.csv", |p| {
        let _ = super::table::read_csv(p);
    });
}

/// A KML document.
pub fn kml(data: &[u8]) {
    with_file(data, "fuzz.kml", |p| {
        let _ = super::kml::read_file(p);
    });
}

/// A DXF drawing (read from bytes: it has no sibling files).
pub fn dxf(data: &[u8]) {
    let _ = super::dxf::read_bytes(data, Path::new("fuzz.dxf"));
}

/// A zip as each format that comes zipped: a zipped Shapefile, a KMZ, an XLSX workbook. The first byte picks
/// which, so one corpus covers the three.
pub fn zipped(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else { return };
    let name = ["fuzz.zip", "fuzz.kmz", "fuzz.xlsx"][usize::from(pick % 3)];
    with_file(rest, name, |p| {
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        let _ = rt.block_on(super::read(p, None, Layer::Grids));
    });
}

/// The readers take paths (their formats come as files and sibling files), so the bytes go to a fresh file.
fn with_file(data: &[u8], name: &str, read: impl FnOnce(&Path)) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join(name);
    std::fs::write(&path, data).expect("writing the input");
    read(&path);
}
