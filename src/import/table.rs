//! Rosters as tables: CSV (UTF-8 with or without BOM, or GB18030 as Chinese Excel saves it) and XLSX (the first
//! sheet). The first row holds the headers; a row is a feature when it has coordinate columns, and a roster
//! row to match by address otherwise. CSV cells stay text: an ID number or a phone is never read as a number.

use std::path::Path;

use calamine::{Data, Reader};
use serde_json::{Map, Value};

use super::encoding;
use super::source::Format;
use super::{Row, SourceError, SourceRead};

/// Reads a CSV file.
pub fn read_csv(path: &Path) -> Result<SourceRead, SourceError> {
    let err = |r: String| SourceError::new(path, r);
    let bytes = std::fs::read(path).map_err(|e| err(format!("无法读取: {e}")))?;
    let (text, chosen) = encoding::decode_text(&bytes).map_err(err)?;
    let mut r = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| err(format!("表头无法读取（unreadable header row）: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    for (i, rec) in r.records().enumerate() {
        // Row 1 is the header.
        let place = format!("第 {} 行", i + 2);
        let rec = rec.map_err(|e| err(format!("{place} 无法读取，列数与表头不符或文件被截断（bad row）: {e}")))?;
        let mut columns = Map::new();
        for (h, cell) in headers.iter().zip(rec.iter()) {
            // An empty cell is an empty value: a roster's empty grid is a claim of none.
            columns.insert(h.clone(), Value::String(cell.trim().to_string()));
        }
        if columns.values().any(|v| v.as_str().is_some_and(|s| !s.is_empty())) {
            rows.push(Row { place, columns, geometry: None });
        }
    }
    Ok(SourceRead { format: Format::Csv, crs: None, encoding: Some(chosen.describe()), headers, rows })
}

/// Reads the first sheet of an XLSX workbook.
pub fn read_xlsx(path: &Path) -> Result<SourceRead, SourceError> {
    let err = |r: String| SourceError::new(path, r);
    let mut wb = calamine::open_workbook_auto(path)
        .map_err(|e| err(format!("不是可读的 Excel 文件，文件可能已损坏或被截断（not a readable workbook）: {e}")))?;
    let sheet = wb.sheet_names().first().cloned().ok_or_else(|| err("工作簿中没有工作表（no sheet）".into()))?;
    let range = wb.worksheet_range(&sheet).map_err(|e| err(format!("工作表 {sheet} 无法读取: {e}")))?;
    let mut it = range.rows();
    let headers: Vec<String> = it
        .next()
        .ok_or_else(|| err(format!("工作表 {sheet} 为空（empty sheet）")))?
        .iter()
        .map(|c| c.to_string().trim().to_string())
        .collect();
    let mut rows = Vec::new();
    for (i, cells) in it.enumerate() {
        let place = format!("工作表 {sheet} 第 {} 行", i + 2);
        let mut columns = Map::new();
        for (h, cell) in headers.iter().zip(cells) {
            let v = match cell {
                Data::Empty => Value::String(String::new()),
                Data::String(s) => Value::String(s.trim().to_string()),
                Data::Int(n) => Value::from(*n),
                // Kept a number: a code or ID the spreadsheet made numeric is written back as digits and flagged.
                Data::Float(f) => serde_json::Number::from_f64(*f).map(Value::Number).unwrap_or(Value::Null),
                Data::Bool(b) => Value::Bool(*b),
                Data::Error(e) => return Err(err(format!("{place} 列 {h} 是错误值 {e:?}（a cell holds an error）"))),
                other => Value::String(other.to_string()),
            };
            columns.insert(h.clone(), v);
        }
        if columns.values().any(|v| v.as_str() != Some("")) {
            rows.push(Row { place, columns, geometry: None });
        }
    }
    Ok(SourceRead { format: Format::Xlsx, crs: None, encoding: Some("UTF-8（XLSX 规定）".into()), headers, rows })
}
