//! Exports for people and their tools: tables, printable maps, GeoPackage files and vector tiles.
//!
//! Tables: CSV and XLSX with Chinese column headers, for WPS and Excel.
//!
//! CSV starts with a UTF-8 byte-order mark: without it Excel on a Chinese Windows reads UTF-8 as GBK and the
//! headers come out garbled. XLSX is written with rust_xlsxwriter (no spreadsheet code of our own).

use rust_xlsxwriter::{Format, Workbook};

/// The crosswalk as tables.
pub mod crosswalk;
/// A dataset as a GeoPackage file's bytes, for downloads that open in QGIS.
pub mod gpkg;
/// Mapbox Vector Tiles: tile addresses, geometry clipped and simplified to a tile, layers encoded.
pub mod mvt;
/// A grid's wall chart (网格公示图): a printable map, as SVG and PNG.
pub mod wallchart;
/// QR codes of public pages, drawn as SVG for every printed thing.
pub mod qr;
/// QR door plates (二维码门牌) at the common sizes: a PNG sheet, or true-size A4 pages as PDF.
pub mod plates;
/// A grid's notice (网格公示牌): the wall chart's map, the chain of people as published, the service hall, a QR.
pub mod notice;
/// Printable PDFs of drawn pages: images at their true size, with cut marks, and a text layer.
pub mod pdf;
/// One layer as a file for another tool: a zipped Shapefile (UTF-8 or GBK), KML, GeoPackage or GeoJSON.
pub mod layer_file;
/// The household roster as a workbook, with where each household lies by the placement rule.
pub mod roster;
/// The coverage evidence as a printable A4 list, paginated, with a header and page numbers.
pub mod evidence;

/// A cell: text or a number.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}
impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Self {
        Cell::Text(s.unwrap_or_default())
    }
}
impl From<f64> for Cell {
    fn from(n: f64) -> Self {
        Cell::Number(n)
    }
}
impl From<usize> for Cell {
    fn from(n: usize) -> Self {
        Cell::Number(n as f64)
    }
}
impl From<bool> for Cell {
    fn from(b: bool) -> Self {
        Cell::Text(if b { "是" } else { "否" }.into())
    }
}

/// A named table.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// Sheet name in a workbook (at most 31 characters).
    pub name: String,
    /// A line above the headers in a workbook (what the table is of, and when), if any.
    pub title: Option<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(name: &str, headers: &[&str]) -> Self {
        Self { name: name.into(), title: None, headers: headers.iter().map(|h| h.to_string()).collect(), rows: vec![] }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    /// The table as CSV (RFC 4180 quoting), with a byte-order mark.
    ///
    /// ```
    /// use gridmap::export::{Cell, Table};
    /// let mut t = Table::new("t", &["编码", "名称"]);
    /// t.push(vec!["610522".into(), "潼关县, 渭南".into()]);
    /// assert_eq!(t.to_csv(), "\u{feff}编码,名称\r\n610522,\"潼关县, 渭南\"\r\n");
    /// ```
    pub fn to_csv(&self) -> String {
        let mut out = String::from("\u{feff}");
        let line = |cells: Vec<String>| cells.iter().map(|c| quote(c)).collect::<Vec<_>>().join(",") + "\r\n";
        out.push_str(&line(self.headers.clone()));
        for r in &self.rows {
            out.push_str(&line(r.iter().map(cell_text).collect()));
        }
        out
    }
}

fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{n:.0}"),
        Cell::Number(n) => format!("{n:.2}"),
    }
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// A workbook with one sheet per table, its title line (if any) above the headers, headers bold and frozen.
/// Codes stay text (leading zeros matter).
pub fn to_xlsx(tables: &[Table]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let decimals = Format::new().set_num_format("0.00");
    for t in tables {
        let ws = wb.add_worksheet();
        ws.set_name(&t.name)?;
        let top = u32::from(t.title.is_some());
        if let Some(title) = &t.title {
            ws.write_string_with_format(0, 0, title, &bold)?;
        }
        for (c, h) in t.headers.iter().enumerate() {
            ws.write_string_with_format(top, c as u16, h, &bold)?;
            ws.set_column_width(c as u16, (h.chars().count() as f64 * 2.2).max(10.0))?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32 + 1 + top, c as u16);
                match cell {
                    Cell::Text(s) => ws.write_string(r, c, s)?,
                    Cell::Number(n) if n.fract() == 0.0 => ws.write_number(r, c, *n)?,
                    Cell::Number(n) => ws.write_number_with_format(r, c, *n, &decimals)?,
                };
            }
        }
        ws.set_freeze_panes(top + 1, 0)?;
    }
    wb.save_to_buffer()
}
