//! Reading a county's own files: any supported format becomes rows of source columns and geometry in the
//! file's CRS, with the CRS and text encoding it was read in. Mapping the columns to the contract, generating
//! codes and finding parents happen after, in `app::import`, so every format meets one validation and one write.

/// Which reader a file needs: by its extension, and for a zip by what it holds.
pub mod source;
/// The text encoding of a file: `.cpg`, else strict UTF-8, else GB18030.
pub mod encoding;
/// The CRS of a file: `.prj` WKT (OGC or ESRI) through PROJ, GeoPackage srs, KML = WGS84, or `--crs`.
pub mod crs;
/// Source columns to contract properties: Chinese headers, names cut to 10 bytes, `--map SRC=DST`.
pub mod columns;
/// Shapefile: a `.shp` with its siblings, or a `.zip` holding them.
pub mod shapefile;
/// KML and KMZ: Placemarks with their names, ExtendedData and folders.
pub mod kml;
/// GeoPackage: any feature table, its srs from `gpkg_spatial_ref_sys`.
pub mod gpkg;
/// DXF (ASCII): closed polylines and hatches, named by the labels inside them, text in `$DWGCODEPAGE`.
pub mod dxf;
/// CSV and XLSX rosters with coordinate columns.
pub mod table;
/// The GCJ-02 / BD-09 hint: a file a few hundred metres off the stored layers the way AMap and Baidu are.
pub mod offset;
/// Roster addresses to door plates: normalised, parsed into village/group/number, matched with a score.
pub mod address_match;
/// The readers' entry points for arbitrary bytes: the fuzz targets and their corpus replay test call them.
pub mod fuzz_entry;

use geo::Geometry;
use serde_json::{Map, Value};

pub use crs::SourceCrs;
pub use source::Format;

/// One row of a source file: its columns as the file names them, and its geometry in the file's CRS.
#[derive(Clone, Debug)]
pub struct Row {
    /// Where the row is, for messages: `第 3 行`, `要素 #2`, `Placemark 5`.
    pub place: String,
    pub columns: Map<String, Value>,
    pub geometry: Option<Geometry<f64>>,
}

/// A file as read: its rows and how it was read.
#[derive(Clone, Debug)]
pub struct SourceRead {
    pub format: Format,
    /// The CRS the file declares, if it declares one.
    pub crs: Option<SourceCrs>,
    /// The text encoding used, and why (`UTF-8（.cpg）`, `GB18030（自动识别）`).
    pub encoding: Option<String>,
    /// The column names in file order.
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

/// A file that cannot be read, with what and where, Chinese first.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct SourceError {
    pub file: String,
    pub reason: String,
}

impl SourceError {
    pub fn new(file: &std::path::Path, reason: impl Into<String>) -> SourceError {
        SourceError { file: file.display().to_string(), reason: reason.into() }
    }
}

/// The Shapefiles of one zip as one layer (one per geometry type, as a layer mixing door points and outlines is
/// written): their rows in file order, each row's place naming its file; they must agree on the CRS.
fn concat_shapefiles(zip: &std::path::Path, shps: &[std::path::PathBuf], reads: Vec<SourceRead>) -> Result<SourceRead, SourceError> {
    let several = reads.len() > 1;
    let mut out: Option<SourceRead> = None;
    for (shp, mut read) in shps.iter().zip(reads) {
        let file = shp.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if several {
            for row in &mut read.rows {
                row.place = format!("{file} {}", row.place);
            }
        }
        match &mut out {
            None => out = Some(read),
            Some(acc) => {
                if acc.crs != read.crs {
                    let show = |c: &Option<SourceCrs>| c.as_ref().map_or("无 .prj".to_string(), |c| c.to_string());
                    return Err(SourceError::new(zip, format!("压缩包内各 Shapefile 的坐标系不同（the Shapefiles disagree on the CRS）：{} 为 {}，此前为 {}", file, show(&read.crs), show(&acc.crs))));
                }
                for h in read.headers {
                    if !acc.headers.contains(&h) {
                        acc.headers.push(h);
                    }
                }
                acc.rows.extend(read.rows);
            }
        }
    }
    Ok(out.expect("at least one Shapefile"))
}

/// Reads any supported non-GeoJSON file as `layer` (`table` names the GeoPackage table where it holds several;
/// without it, the table named for the layer).
pub async fn read(path: &std::path::Path, table: Option<&str>, layer: crate::model::Layer) -> Result<SourceRead, SourceError> {
    let len = crate::model::limits::check_file(path).map_err(|r| SourceError::new(path, r))?;
    if len == 0 {
        return Err(SourceError::new(path, "文件为空（empty file）"));
    }
    let read = match source::detect(path)? {
        source::Detected::Shapefile(shp) => shapefile::read(&shp, path)?,
        source::Detected::ShapefileZip => {
            let dir = source::unzip(path)?;
            let shps = source::find_all_ext(dir.path(), "shp");
            if shps.is_empty() {
                return Err(SourceError::new(path, "压缩包内没有 .shp 文件（the zip holds no .shp）"));
            }
            let reads = shps.iter().map(|shp| shapefile::read(shp, path)).collect::<Result<Vec<_>, _>>()?;
            concat_shapefiles(path, &shps, reads)?
        }
        source::Detected::Kml => kml::read_file(path)?,
        source::Detected::Kmz => kml::read_kmz(path)?,
        source::Detected::Gpkg => gpkg::read(path, table, layer.name()).await?,
        source::Detected::Csv => table::read_csv(path)?,
        source::Detected::Xlsx => table::read_xlsx(path)?,
        source::Detected::Dxf => dxf::read_file(path)?,
        source::Detected::GeoJson => {
            return Err(SourceError::new(path, "GeoJSON 由 GeoJSON 读取器读取（internal: GeoJSON is read apart）"));
        }
    };
    if read.rows.is_empty() {
        return Err(SourceError::new(path, "文件中没有任何要素或数据行（no features or rows）"));
    }
    if read.rows.len() > crate::model::limits::MAX_FEATURES {
        return Err(SourceError::new(path, format!("{} 行，超过上限 {}（too many rows）", read.rows.len(), crate::model::limits::MAX_FEATURES)));
    }
    for row in &read.rows {
        for (k, v) in &row.columns {
            crate::model::limits::check_value(k, v).map_err(|r| SourceError::new(path, format!("{}: {r}", row.place)))?;
        }
    }
    Ok(read)
}
