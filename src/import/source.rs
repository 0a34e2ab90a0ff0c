//! Which reader a file needs. The extension decides, except for a `.zip`, which is opened to see whether it holds
//! a Shapefile; a `.shp` is checked for the siblings it cannot be read without.

use std::fmt;
use std::path::{Path, PathBuf};

use super::SourceError;

/// The formats an import accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    Shapefile,
    Kml,
    GeoPackage,
    Csv,
    Xlsx,
    Dxf,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::GeoJson => "GeoJSON",
            Format::Shapefile => "Shapefile",
            Format::Kml => "KML",
            Format::GeoPackage => "GeoPackage",
            Format::Csv => "CSV",
            Format::Xlsx => "XLSX",
            Format::Dxf => "DXF",
        })
    }
}

/// What a path was found to be.
#[derive(Debug)]
pub enum Detected {
    GeoJson,
    /// The `.shp` to read.
    Shapefile(PathBuf),
    ShapefileZip,
    Kml,
    Kmz,
    Gpkg,
    Csv,
    Xlsx,
    Dxf,
}

const SUPPORTED: &str = "支持的格式（supported）: .geojson/.json, .shp（及 .dbf/.shx/.prj/.cpg）或其 .zip, .kml, .kmz, .gpkg, .dxf（ASCII）, .csv, .xlsx";

/// Decides the reader of `path` by its extension (case-insensitive).
pub fn detect(path: &Path) -> Result<Detected, SourceError> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    Ok(match ext.as_str() {
        "geojson" | "json" => Detected::GeoJson,
        "shp" | "dbf" => {
            let shp = path.with_extension("shp");
            let shp = sibling(&shp, "shp").unwrap_or(shp);
            for need in ["shp", "dbf"] {
                if sibling(&shp, need).is_none() {
                    return Err(SourceError::new(path, format!("缺少同名的 .{need} 文件（a Shapefile needs its .{need} beside it）")));
                }
            }
            Detected::Shapefile(shp)
        }
        "zip" => Detected::ShapefileZip,
        "kml" => Detected::Kml,
        "kmz" => Detected::Kmz,
        "gpkg" => Detected::Gpkg,
        "csv" | "txt" => Detected::Csv,
        "xlsx" | "xlsm" | "xls" => Detected::Xlsx,
        "dxf" => Detected::Dxf,
        _ => return Err(SourceError::new(path, format!("无法识别的文件类型 .{ext}。{SUPPORTED}"))),
    })
}

/// The sibling of `path` with extension `ext`, matched case-insensitively (`.SHP` beside `.dbf` happens).
pub fn sibling(path: &Path, ext: &str) -> Option<PathBuf> {
    let stem = path.file_stem()?.to_str()?.to_string();
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::read_dir(dir).ok()?.flatten().map(|e| e.path()).find(|p| {
        p.file_stem().and_then(|s| s.to_str()) == Some(stem.as_str())
            && p.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case(ext))
    })
}

/// The file under `dir` with extension `ext` nearest the top (a KMZ's `doc.kml` before its `files/`), first in
/// path order among equals.
pub fn find_ext(dir: &Path, ext: &str) -> Option<PathBuf> {
    find_all_ext(dir, ext).into_iter().min_by_key(|p| p.components().count())
}

/// Every file under `dir` (any depth) with extension `ext`, in path order.
pub fn find_all_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for p in entries.flatten().map(|e| e.path()) {
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case(ext))
                // A zip made on a Mac carries `__MACOSX/._name.shp` resource forks, which are not Shapefiles.
                && !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("._"))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Most bytes a zip may unpack to: a zip bomb is refused before it fills the disk.
const UNZIPPED_MAX_BYTES: u64 = 2 << 30;

/// Unpacks a zip into a temporary directory (removed when dropped).
pub fn unzip(path: &Path) -> Result<tempfile::TempDir, SourceError> {
    let bad = |e: String| SourceError::new(path, format!("不是可读的 zip 压缩包（not a readable zip）: {e}"));
    let file = std::fs::File::open(path).map_err(|e| bad(e.to_string()))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| bad(e.to_string()))?;
    let total: u64 = (0..zip.len()).filter_map(|i| zip.by_index_raw(i).ok().map(|f| f.size())).sum();
    if total > UNZIPPED_MAX_BYTES {
        return Err(SourceError::new(path, format!("解压后 {total} 字节，超过上限 {UNZIPPED_MAX_BYTES}（too large unpacked）")));
    }
    let dir = tempfile::tempdir().map_err(|e| bad(e.to_string()))?;
    // `extract` refuses entries that would land outside `dir`.
    zip.extract(dir.path()).map_err(|e| bad(e.to_string()))?;
    Ok(dir)
}
