//! One layer as a file another tool opens: a zipped Shapefile (UTF-8 with `.cpg`, or GBK for older desktop GIS),
//! KML for 奥维互动地图 and Google Earth, a GeoPackage for QGIS, or the contract's GeoJSON.
//!
//! A Shapefile holds one geometry type, and the households layer mixes door points with courtyard outlines, so
//! such a layer is written as one Shapefile per type in the same zip (`households_point`, `households_polygon`);
//! the importer reads every Shapefile of a zip back as one layer.

use std::io::{Cursor, Write};
use std::path::Path;
use std::str::FromStr;

use geo::{Geometry, MultiPolygon};
use serde_json::Value;
use shapefile::dbase::{self, FieldName, FieldValue, TableWriterBuilder};

use crate::model::{Feature, Layer};

/// The file formats a layer is exported in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    Shapefile,
    Kml,
    GeoPackage,
    GeoJson,
}

/// The values `format=` accepts, for messages.
pub const FORMATS: &str = "shp（Shapefile 压缩包）, kml, gpkg（GeoPackage）, geojson";

impl FromStr for FileFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "shp" | "shapefile" | "zip" => FileFormat::Shapefile,
            "kml" => FileFormat::Kml,
            "gpkg" | "geopackage" => FileFormat::GeoPackage,
            "geojson" | "json" => FileFormat::GeoJson,
            other => return Err(format!("不支持的导出格式 {other:?}，可选：{FORMATS}（unknown export format）")),
        })
    }
}

impl FileFormat {
    /// The file extension of the download.
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Shapefile => "zip",
            FileFormat::Kml => "kml",
            FileFormat::GeoPackage => "gpkg",
            FileFormat::GeoJson => "geojson",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileFormat::Shapefile => "application/zip",
            FileFormat::Kml => "application/vnd.google-earth.kml+xml",
            FileFormat::GeoPackage => "application/geopackage+sqlite3",
            FileFormat::GeoJson => "application/geo+json",
        }
    }
}

/// The text encoding of a Shapefile's `.dbf`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DbfEncoding {
    /// UTF-8, declared in `.cpg`: what QGIS and current ArcGIS read.
    #[default]
    Utf8,
    /// GBK (code page 936), also declared in `.cpg` and the `.dbf` language byte: for older desktop GIS that reads
    /// a Chinese Windows' code page.
    Gbk,
}

impl FromStr for DbfEncoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => DbfEncoding::Utf8,
            "gbk" | "gb18030" | "cp936" | "936" => DbfEncoding::Gbk,
            other => return Err(format!("不支持的编码 {other:?}，可选：utf-8, gbk（unknown encoding）")),
        })
    }
}

impl DbfEncoding {
    fn cpg(self) -> &'static str {
        match self {
            DbfEncoding::Utf8 => "UTF-8",
            DbfEncoding::Gbk => "GBK",
        }
    }
}

/// Why a layer could not be written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("写出文件失败（writing the file）: {0}")]
    Io(#[from] std::io::Error),
    #[error("写出 Shapefile 失败（writing the Shapefile）: {0}")]
    Shapefile(String),
    #[error("写出 KML 失败（writing KML）: {0}")]
    Kml(String),
    #[error(transparent)]
    Gpkg(#[from] super::gpkg::Error),
}

/// `features` of `layer` written in `format`, as the bytes of the download.
pub async fn write(layer: Layer, features: &[Feature], format: FileFormat, encoding: DbfEncoding) -> Result<Vec<u8>, Error> {
    match format {
        FileFormat::GeoJson => {
            let mut out = Vec::new();
            crate::model::geojson_io::write_layer(&mut out, layer, features)?;
            Ok(out)
        }
        FileFormat::Kml => kml(layer, features),
        FileFormat::Shapefile => shapefile_zip(layer, features, encoding),
        FileFormat::GeoPackage => Ok(super::gpkg::layer_bytes(layer, features).await?),
    }
}

/// EPSG's WKT 1 of CGCS2000 lon/lat (EPSG:4490), the stored CRS, as GDAL writes it into a `.prj`.
const PRJ_4490: &str = "GEOGCS[\"China Geodetic Coordinate System 2000\",DATUM[\"China_2000\",SPHEROID[\"CGCS2000\",6378137,298.257222101,AUTHORITY[\"EPSG\",\"1024\"]],AUTHORITY[\"EPSG\",\"1043\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],AUTHORITY[\"EPSG\",\"4490\"]]";

/// The Shapefile geometry types a layer's features fall into.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum ShapeKind {
    Point,
    Polygon,
}

fn shape_kind(g: &Geometry<f64>) -> ShapeKind {
    match g {
        Geometry::Point(_) | Geometry::MultiPoint(_) => ShapeKind::Point,
        _ => ShapeKind::Polygon,
    }
}

/// The zip of one Shapefile per geometry type, each with `.shp .shx .dbf .prj .cpg`.
fn shapefile_zip(layer: Layer, features: &[Feature], encoding: DbfEncoding) -> Result<Vec<u8>, Error> {
    let mut kinds: Vec<ShapeKind> = features.iter().map(|f| shape_kind(&f.geometry)).collect();
    kinds.sort();
    kinds.dedup();
    if kinds.is_empty() {
        kinds.push(ShapeKind::Polygon);
    }
    let columns = DbfColumns::of(features);
    let dir = tempfile::tempdir()?;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for &kind in &kinds {
        let stem = match (kinds.len(), kind) {
            (1, _) => layer.name().to_string(),
            (_, ShapeKind::Point) => format!("{}_point", layer.name()),
            (_, ShapeKind::Polygon) => format!("{}_polygon", layer.name()),
        };
        let shp = dir.path().join(format!("{stem}.shp"));
        let these: Vec<&Feature> = features.iter().filter(|f| shape_kind(&f.geometry) == kind).collect();
        write_shapefile(&shp, kind, &these, &columns, encoding)?;
        std::fs::write(shp.with_extension("prj"), PRJ_4490)?;
        std::fs::write(shp.with_extension("cpg"), encoding.cpg())?;
        for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
            zip.start_file(format!("{stem}.{ext}"), options).map_err(|e| Error::Shapefile(e.to_string()))?;
            zip.write_all(&std::fs::read(shp.with_extension(ext))?)?;
        }
    }
    Ok(zip.finish().map_err(|e| Error::Shapefile(e.to_string()))?.into_inner())
}

fn write_shapefile(shp: &Path, kind: ShapeKind, features: &[&Feature], columns: &DbfColumns, encoding: DbfEncoding) -> Result<(), Error> {
    let bad = |e: shapefile::Error| Error::Shapefile(e.to_string());
    let table = columns.table(encoding);
    let mut w = shapefile::Writer::from_path(shp, table).map_err(bad)?;
    for f in features {
        let record = columns.record(f);
        match (kind, &f.geometry) {
            (ShapeKind::Point, Geometry::Point(p)) => w.write_shape_and_record(&shapefile::Point::from(*p), &record),
            (ShapeKind::Point, Geometry::MultiPoint(mp)) => {
                let pts: Vec<shapefile::Point> = mp.0.iter().map(|p| shapefile::Point::from(*p)).collect();
                w.write_shape_and_record(&shapefile::Multipoint::new(pts), &record)
            }
            (_, Geometry::Polygon(p)) => w.write_shape_and_record(&shapefile::Polygon::from(p.clone()), &record),
            (_, Geometry::MultiPolygon(mp)) => w.write_shape_and_record(&shapefile::Polygon::from(mp.clone()), &record),
            (_, other) => {
                // The model holds only points and polygons; anything else is written as its polygonal part.
                let mp: MultiPolygon<f64> = MultiPolygon::new(match other {
                    Geometry::GeometryCollection(gc) => gc.iter().filter_map(|g| match g {
                        Geometry::Polygon(p) => Some(p.clone()),
                        _ => None,
                    }).collect(),
                    _ => Vec::new(),
                });
                w.write_shape_and_record(&shapefile::Polygon::from(mp), &record)
            }
        }
        .map_err(bad)?;
    }
    Ok(())
}

/// The `.dbf` columns of a layer: every property key in first-seen order, each cut to the 10 bytes dBase allows
/// (kept unique with a numeric suffix), numeric where every value is a number, text otherwise.
struct DbfColumns {
    /// (property key, dBase field name, field type)
    fields: Vec<(String, String, DbfType)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DbfType {
    /// Integers: dBase numeric, 18 digits, no decimals.
    Integer,
    /// Other numbers: dBase numeric with decimals.
    Decimal,
    /// Character, up to 254 bytes.
    Text,
}

/// dBase caps a character field at 254 bytes.
const TEXT_BYTES: u8 = 254;

impl DbfColumns {
    fn of(features: &[Feature]) -> DbfColumns {
        let mut keys: Vec<String> = Vec::new();
        let mut types: Vec<Option<DbfType>> = Vec::new();
        for f in features {
            for (k, v) in &f.properties {
                let i = keys.iter().position(|x| x == k).unwrap_or_else(|| {
                    keys.push(k.clone());
                    types.push(None);
                    keys.len() - 1
                });
                let t = match v {
                    Value::Null => continue,
                    Value::Number(n) if n.is_i64() || n.is_u64() => DbfType::Integer,
                    Value::Number(_) => DbfType::Decimal,
                    _ => DbfType::Text,
                };
                types[i] = Some(match (types[i], t) {
                    (None, t) => t,
                    (Some(a), b) if a == b => a,
                    (Some(DbfType::Integer), DbfType::Decimal) | (Some(DbfType::Decimal), DbfType::Integer) => DbfType::Decimal,
                    _ => DbfType::Text,
                });
            }
        }
        let mut names: Vec<String> = Vec::new();
        let fields = keys
            .into_iter()
            .zip(types)
            .map(|(k, t)| {
                let name = unique_name(&k, &names);
                names.push(name.clone());
                (k, name, t.unwrap_or(DbfType::Text))
            })
            .collect();
        DbfColumns { fields }
    }

    fn table(&self, encoding: DbfEncoding) -> TableWriterBuilder {
        let mut t = match encoding {
            DbfEncoding::Utf8 => TableWriterBuilder::with_encoding(dbase::encoding::EncodingRs::from(encoding_rs::UTF_8)),
            DbfEncoding::Gbk => TableWriterBuilder::with_encoding(dbase::encoding::EncodingRs::from(encoding_rs::GBK)),
        };
        for (_, name, ty) in &self.fields {
            let name = FieldName::try_from(name.as_str()).expect("cut to 10 bytes");
            t = match ty {
                DbfType::Integer => t.add_numeric_field(name, 18, 0),
                DbfType::Decimal => t.add_numeric_field(name, 24, 8),
                DbfType::Text => t.add_character_field(name, TEXT_BYTES),
            };
        }
        t
    }

    fn record(&self, f: &Feature) -> DbfRecord {
        DbfRecord(
            self.fields
                .iter()
                .map(|(k, _, ty)| {
                    let v = f.properties.get(k).unwrap_or(&Value::Null);
                    match ty {
                        DbfType::Integer | DbfType::Decimal => FieldValue::Numeric(v.as_f64()),
                        DbfType::Text => FieldValue::Character(text(v).map(|s| cut_chars(&s, TEXT_BYTES as usize / 3 * 3))),
                    }
                })
                .collect(),
        )
    }
}

/// A property as `.dbf` text: strings as they are, other values as their JSON.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The longest prefix of `s` that is at most `bytes` UTF-8 bytes (GBK never takes more bytes than UTF-8, so it
/// fits either encoding), cut at a character boundary.
fn cut_chars(s: &str, bytes: usize) -> String {
    let mut end = 0;
    for (i, c) in s.char_indices() {
        if i + c.len_utf8() > bytes {
            break;
        }
        end = i + c.len_utf8();
    }
    s[..end].to_string()
}

/// A field name of at most 10 bytes, not yet in `taken` (`community_code` → `community_`, then `communit_2`).
fn unique_name(key: &str, taken: &[String]) -> String {
    let base = cut_chars(key, 10);
    if !taken.contains(&base) {
        return base;
    }
    (2..).map(|n| format!("{}_{n}", cut_chars(key, 10 - 1 - n.to_string().len()))).find(|c| !taken.contains(c)).expect("some suffix is free")
}

/// A `.dbf` row: the values in field order.
struct DbfRecord(Vec<FieldValue>);

impl dbase::WritableRecord for DbfRecord {
    fn write_using<W: Write>(&self, w: &mut dbase::FieldWriter<'_, W>) -> Result<(), dbase::FieldError> {
        for v in &self.0 {
            w.write_next_field_value(v)?;
        }
        Ok(())
    }
}

/// A KML document: a Placemark per feature named by its name, the properties as ExtendedData.
fn kml(layer: Layer, features: &[Feature]) -> Result<Vec<u8>, Error> {
    use kml::types::{Element, Placemark};
    use kml::Kml;
    let placemarks: Vec<Kml> = features
        .iter()
        .map(|f| {
            let data: Vec<Element> = f
                .properties
                .iter()
                .filter_map(|(k, v)| text(v).map(|t| (k, t)))
                .map(|(k, t)| Element {
                    name: "Data".into(),
                    attrs: [("name".to_string(), k.clone())].into_iter().collect(),
                    content: None,
                    children: vec![Element { name: "value".into(), attrs: Default::default(), content: Some(t), children: vec![] }],
                })
                .collect();
            Kml::Placemark(Placemark {
                name: Some(f.name().to_string()),
                description: None,
                geometry: Some(kml::types::Geometry::from(f.geometry.clone())),
                style_url: None,
                attrs: Default::default(),
                children: vec![Element { name: "ExtendedData".into(), attrs: Default::default(), content: None, children: data }],
            })
        })
        .collect();
    let doc = Kml::KmlDocument(kml::types::KmlDocument {
        version: kml::types::KmlVersion::V22,
        attrs: [("xmlns".to_string(), "http://www.opengis.net/kml/2.2".to_string())].into_iter().collect(),
        elements: vec![Kml::Document {
            attrs: Default::default(),
            elements: std::iter::once(Kml::Element(Element {
                name: "name".into(),
                attrs: Default::default(),
                content: Some(layer.name().into()),
                children: vec![],
            }))
            .chain(placemarks)
            .collect(),
        }],
    });
    let mut out = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".to_vec();
    kml::KmlWriter::<_, f64>::from_writer(&mut out).write(&doc).map_err(|e| Error::Kml(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_are_cut_to_ten_bytes_and_kept_unique() {
        let mut taken = Vec::new();
        for k in ["community_code", "community_name", "code", "community_x"] {
            let n = unique_name(k, &taken);
            assert!(n.len() <= 10, "{n}");
            taken.push(n);
        }
        assert_eq!(taken, ["community_", "communit_2", "code", "communit_3"]);
    }

    #[test]
    fn text_is_cut_at_a_character_boundary() {
        assert_eq!(cut_chars("网格一号", 7), "网格");
        assert_eq!(cut_chars("ab", 10), "ab");
    }

    #[test]
    fn formats_and_encodings_parse_and_refuse_with_the_choices() {
        assert_eq!("SHP".parse::<FileFormat>(), Ok(FileFormat::Shapefile));
        assert_eq!("gbk".parse::<DbfEncoding>(), Ok(DbfEncoding::Gbk));
        let e = "dwg".parse::<FileFormat>().unwrap_err();
        assert!(e.contains("kml") && e.contains("gpkg"), "{e}");
    }
}
