//! The coverage evidence as a printable list: A4 portrait pages with a header (county, scope, print date,
//! data revision) and page numbers, the summary per community, then the defects by kind, each with its place
//! and what to do.
//!
//! Drawn as SVG on a page of 150 dpi pixels (as the grid notice), rasterised by the one resvg path at 200
//! dpi and embedded by [`super::pdf`], every line also in the page's text layer so that the list can be
//! searched and copied.

use std::fmt::Write as _;

use rayon::prelude::*;

use super::notice::wrap;
use super::pdf::{self, Image, Page, Placed, Text};
use super::wallchart::{FONT, esc, render_pixmap};
use crate::app::evidence::{Evidence, Row, beijing_time};

/// The page's layout size: A4 portrait at 150 dpi, pixels.
const W: f64 = 1240.0;
const H: f64 = 1754.0;
const M: f64 = 80.0;
/// Where the content starts and must end.
const TOP: f64 = 180.0;
const BOTTOM: f64 = H - 90.0;
const A4_MM: (f64, f64) = (210.0, 297.0);
const DPI: f64 = 200.0;

/// One page being drawn: its SVG body and its text layer.
#[derive(Default)]
struct Sheet {
    svg: String,
    texts: Vec<Text>,
}

impl Sheet {
    /// A line of text at (`x`, `y`) (the left end of its baseline), drawn and in the text layer.
    fn text(&mut self, x: f64, y: f64, (size, weight, colour): (f64, &str, &str), s: &str) {
        let _ = write!(self.svg, r##"<text x="{x:.1}" y="{y:.1}" font-size="{size}" font-weight="{weight}" fill="{colour}">{}</text>"##, esc(s));
        let mm = A4_MM.0 / W;
        self.texts.push(Text { x_mm: x * mm, y_mm: y * mm, size_mm: size * mm, text: s.to_string() });
    }
}

const HEADING: (f64, &str, &str) = (26.0, "700", "#1d3557");
const BODY: (f64, &str, &str) = (18.0, "400", "#212529");
const STRONG: (f64, &str, &str) = (19.0, "700", "#212529");
const NOTE: (f64, &str, &str) = (16.0, "400", "#495057");

/// Pages filled top to bottom; a block that does not fit starts a new page.
struct Layout {
    sheets: Vec<Sheet>,
    y: f64,
}

impl Layout {
    fn new() -> Layout {
        Layout { sheets: vec![Sheet::default()], y: TOP }
    }

    fn sheet(&mut self) -> &mut Sheet {
        self.sheets.last_mut().expect("one sheet at least")
    }

    /// Room for `h` pixels, on a new page if need be (headed `again` there, when given).
    fn room(&mut self, h: f64, again: Option<&str>) {
        if self.y + h <= BOTTOM {
            return;
        }
        self.sheets.push(Sheet::default());
        self.y = TOP;
        if let Some(title) = again {
            self.line(M, HEADING, title, 40.0);
        }
    }

    /// A line at the current height; moves down by `gap`.
    fn line(&mut self, x: f64, style: (f64, &str, &str), s: &str, gap: f64) {
        let y = self.y + style.0;
        self.sheet().text(x, y, style, s);
        self.y += gap;
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.1}%"))
}

fn count(v: Option<u64>) -> String {
    v.map_or_else(|| "—".into(), |v| v.to_string())
}

/// The lines of one defect: where (names), what, and the place.
fn entry_lines(n: usize, r: &Row, scope: &str) -> (Vec<String>, Vec<String>, String) {
    let places: Vec<&str> = [r.town.as_str(), r.community.as_str(), r.grid.as_str()].into_iter().filter(|s| !s.is_empty()).collect();
    let head = format!("{n}. {}", if places.is_empty() { scope.to_string() } else { places.join(" · ") });
    let head = wrap(&head, (W - 2.0 * M) / STRONG.0);
    let what = wrap(&r.what, (W - 2.0 * M - 40.0) / BODY.0);
    let mut at = Vec::new();
    if r.lonlat.is_some() {
        at.push(format!("位置 {}", r.place()));
    }
    if let Some(a) = r.area_m2 {
        at.push(format!("面积 {a:.1} 平方米"));
    }
    if let Some(w) = r.width_m {
        at.push(format!("最宽 {w:.2} 米"));
    }
    if !r.involved.is_empty() {
        at.push(format!("涉及 {}", r.involved));
    }
    (head, what, at.join(" · "))
}

/// The evidence as an A4 PDF, printed at `printed_at` (unix seconds).
pub fn pdf(e: &Evidence, printed_at: i64) -> Result<Vec<u8>, String> {
    let mut l = Layout::new();
    // The summary.
    l.line(M, HEADING, &format!("问题合计 {} 处", e.total()), 38.0);
    let counts: Vec<String> = e.sections.iter().map(|s| format!("{} {} 处", s.kind.label_zh(), s.rows.len())).collect();
    for text in wrap(&if counts.is_empty() { "未发现问题。".to_string() } else { counts.join("、") }, (W - 2.0 * M) / BODY.0) {
        l.line(M, BODY, &text, 28.0);
    }
    if e.withheld > 0 {
        l.line(M, NOTE, &format!("另有 {} 处涉及单户的问题未列出(登录后可见)。", e.withheld), 28.0);
    }
    l.y += 14.0;
    let cols = [M, M + 560.0, M + 700.0, M + 820.0, M + 960.0];
    let columns = ["名称", "覆盖率", "户数", "未入格", "问题"];
    l.room(30.0 * 3.0, None);
    for (x, h) in cols.iter().zip(columns) {
        let y = l.y + NOTE.0;
        l.sheet().text(*x, y, (NOTE.0, "700", NOTE.2), h);
    }
    l.y += 30.0;
    for line in &e.summary {
        l.room(28.0, Some("汇总(续)"));
        let y = l.y + BODY.0;
        let name = format!("{}({})", line.name, line.code);
        let cells = [name, pct(line.coverage_pct), count(line.households), count(line.households_uncovered), line.counts.values().sum::<usize>().to_string()];
        for (x, c) in cols.iter().zip(&cells) {
            l.sheet().text(*x, y, BODY, c);
        }
        l.y += 28.0;
    }
    // The defects by kind.
    for s in &e.sections {
        let title = format!("{} {} 处", s.kind.label_zh(), s.rows.len());
        l.y += 24.0;
        l.room(40.0 + 30.0 + 110.0, None);
        l.line(M, HEADING, &title, 38.0);
        l.line(M, NOTE, &format!("处理建议: {}", s.kind.advice_zh()), 34.0);
        let again = format!("{}(续)", title);
        for (i, r) in s.rows.iter().enumerate() {
            let (head, what, at) = entry_lines(i + 1, r, &e.scope);
            let h = 30.0 * head.len() as f64 + 26.0 * what.len() as f64 + if at.is_empty() { 0.0 } else { 48.0 } + 12.0;
            l.room(h, Some(again.as_str()));
            for line in &head {
                l.line(M, STRONG, line, 30.0);
            }
            for w in &what {
                l.line(M + 40.0, BODY, w, 26.0);
            }
            if !at.is_empty() {
                for a in wrap(&at, (W - 2.0 * M - 40.0) / NOTE.0).iter().take(2) {
                    l.line(M + 40.0, NOTE, a, 24.0);
                }
            }
            l.y += 12.0;
        }
    }

    // Header and page number on every page, then each page drawn.
    let pages = l.sheets.len();
    let title = format!("{}覆盖检查问题清单", e.county);
    let meta = format!(
        "范围 {} · 数据版本 {} · 检查于 {} · 打印于 {}(北京时间)",
        e.scope,
        e.revision,
        beijing_time(e.made_at),
        beijing_time(printed_at)
    );
    for (i, sheet) in l.sheets.iter_mut().enumerate() {
        sheet.text(M, 88.0, (34.0, "700", "#1d3557"), &title);
        for (k, m) in wrap(&meta, (W - 2.0 * M) / NOTE.0).iter().take(2).enumerate() {
            sheet.text(M, 124.0 + 22.0 * k as f64, NOTE, m);
        }
        let _ = write!(sheet.svg, r##"<line x1="{M}" y1="162" x2="{}" y2="162" stroke="#adb5bd" stroke-width="2"/>"##, W - M);
        let foot = format!("第 {} 页 / 共 {pages} 页", i + 1);
        sheet.text(W / 2.0 - 4.5 * NOTE.0, H - 45.0, NOTE, &foot);
    }
    let px = |mm: f64| (mm * DPI / 25.4).round();
    let images: Vec<Image> = l
        .sheets
        .par_iter()
        .map(|sheet| {
            let svg = format!(
                r##"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {W} {H}" font-family="{FONT}"><rect width="100%" height="100%" fill="#ffffff"/>{}</svg>"##,
                px(A4_MM.0),
                px(A4_MM.1),
                sheet.svg
            );
            Image::of(&render_pixmap(&svg)?)
        })
        .collect::<Result<_, String>>()?;
    let pages: Vec<Page> = l
        .sheets
        .into_iter()
        .enumerate()
        .map(|(i, sheet)| Page {
            width_mm: A4_MM.0,
            height_mm: A4_MM.1,
            images: vec![Placed { image: i, x_mm: 0.0, y_mm: 0.0, width_mm: A4_MM.0, height_mm: A4_MM.1 }],
            marks: vec![],
            texts: sheet.texts,
        })
        .collect();
    Ok(pdf::write(&title, &images, &pages))
}
