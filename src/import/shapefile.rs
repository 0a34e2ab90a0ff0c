//! Shapefile: the `.shp` geometry, the `.dbf` attributes in the code page the `.cpg` names (else detected), the
//! `.prj` CRS. The `.dbf` is read through an 8-bit transparent code page (`x-user-defined`, which maps every byte
//! to one char and back), so the bytes reach our own strict decoding intact whatever the file's encoding.

use std::path::Path;

use shapefile::dbase::{self, FieldValue};
use serde_json::{Map, Value};

use super::encoding::{self, Chosen};
use super::source::{Format, sibling};
use super::{Row, SourceError, SourceRead, crs};

/// The bytes behind a string read through `x-user-defined`.
fn raw_bytes(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c as u32 {
            u @ 0..=0x7F => u as u8,
            u @ 0xF780..=0xF7FF => (u - 0xF780 + 0x80) as u8,
            _ => b'?',
        })
        .collect()
}

/// Reads `shp` (with its siblings); `shown` names the file in messages (the `.zip` it came in, if any).
pub fn read(shp: &Path, shown: &Path) -> Result<SourceRead, SourceError> {
    let err = |r: String| SourceError::new(shown, r);
    let crs = match sibling(shp, "prj") {
        Some(prj) => {
            let text = std::fs::read_to_string(&prj).map_err(|e| err(format!(".prj 无法读取: {e}")))?;
            Some(crs::from_prj(&text).map_err(|r| err(format!(".prj: {r}")))?)
        }
        None => None,
    };
    let declared = match sibling(shp, "cpg") {
        Some(cpg) => {
            let label = std::fs::read_to_string(&cpg).map_err(|e| err(format!(".cpg 无法读取: {e}")))?;
            let enc = encoding::from_label(&label)
                .ok_or_else(|| err(format!(".cpg 声明的编码 {:?} 无法识别（unknown code page）", label.trim())))?;
            Some(Chosen { encoding: enc, from: ".cpg" })
        }
        None => None,
    };
    let dbf = sibling(shp, "dbf").ok_or_else(|| err("缺少 .dbf 文件（no .dbf beside the .shp）".into()))?;
    let transparent = dbase::encoding::EncodingRs::from(encoding_rs::X_USER_DEFINED);
    let dbase_reader = dbase::ReaderBuilder::new()
        .with_encoding(transparent)
        .open(&dbf)
        .map_err(|e| err(format!(".dbf 无法读取，文件可能已损坏或被截断（unreadable .dbf）: {e}")))?;
    let shape_reader = shapefile::ShapeReader::from_path(shp)
        .map_err(|e| err(format!(".shp 无法读取，文件可能已损坏或被截断（unreadable .shp）: {e}")))?;
    let field_names: Vec<String> = dbase_reader.fields().iter().map(|f| f.name().to_string()).collect();
    let raw_headers: Vec<Vec<u8>> = field_names.iter().map(|n| raw_bytes(n)).collect();
    let mut reader = shapefile::Reader::new(shape_reader, dbase_reader);
    let mut raw_rows = Vec::new();
    for (i, item) in reader.iter_shapes_and_records().enumerate() {
        let (shape, record) = item.map_err(|e| err(format!("第 {} 个要素无法读取，文件可能已损坏或被截断（feature #{i} unreadable）: {e}", i + 1)))?;
        let geometry = match shape {
            shapefile::Shape::NullShape => None,
            s => Some(
                geo::Geometry::<f64>::try_from(s)
                    .map_err(|e| err(format!("第 {} 个要素的几何无法转换（feature #{i}）: {e}", i + 1)))?,
            ),
        };
        raw_rows.push((geometry, record));
    }
    // Every text byte of the file decides the encoding, not just the first rows.
    let mut texts: Vec<Vec<u8>> = raw_headers.clone();
    for (_, rec) in &raw_rows {
        for (_, v) in rec.clone() {
            if let FieldValue::Character(Some(s)) | FieldValue::Memo(s) = v {
                texts.push(raw_bytes(&s));
            }
        }
    }
    let chosen = match declared {
        Some(c) => c,
        None => encoding::detect(texts.iter().map(Vec::as_slice))
            .ok_or_else(|| err("属性文本既不是 UTF-8 也不是 GB18030/GBK（cannot decode the .dbf text）；请提供 .cpg 说明编码".into()))?,
    };
    let decode = |bytes: &[u8], place: &str| {
        encoding::decode_strict(bytes, chosen.encoding).ok_or_else(|| {
            err(format!("{place} 的文本不是 {} 编码（does not decode as {}），请检查 .cpg", chosen.describe(), chosen.encoding.name()))
        })
    };
    let headers: Vec<String> = raw_headers
        .iter()
        .map(|h| decode(h, "字段名").map(|s| s.trim().to_string()))
        .collect::<Result<_, _>>()?;
    let mut rows = Vec::with_capacity(raw_rows.len());
    for (i, (geometry, record)) in raw_rows.into_iter().enumerate() {
        let place = format!("第 {} 个要素", i + 1);
        let mut columns = Map::new();
        for (field, name) in field_names.iter().zip(&headers) {
            let value = match record.get(field) {
                Some(FieldValue::Character(Some(s))) => Value::String(decode(&raw_bytes(s), &place)?),
                Some(FieldValue::Character(None)) => Value::String(String::new()),
                Some(FieldValue::Memo(s)) => Value::String(decode(&raw_bytes(s), &place)?),
                Some(FieldValue::Numeric(Some(n))) | Some(FieldValue::Double(n)) | Some(FieldValue::Currency(n)) => {
                    serde_json::Number::from_f64(*n).map(Value::Number).unwrap_or(Value::Null)
                }
                Some(FieldValue::Float(Some(n))) => serde_json::Number::from_f64(*n as f64).map(Value::Number).unwrap_or(Value::Null),
                Some(FieldValue::Integer(n)) => Value::from(*n),
                Some(FieldValue::Logical(Some(b))) => Value::Bool(*b),
                Some(FieldValue::Date(Some(d))) => Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())),
                _ => Value::Null,
            };
            if !value.is_null() {
                columns.insert(name.clone(), value);
            }
        }
        rows.push(Row { place, columns, geometry });
    }
    Ok(SourceRead { format: Format::Shapefile, crs, encoding: Some(chosen.describe()), headers, rows })
}
