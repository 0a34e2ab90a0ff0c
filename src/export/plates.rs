//! QR door plates (二维码门牌) as they are printed: one plate per lane or building, at one of the common sizes
//! (570×370, 270×170 or 150×90 mm, with a QR code of 120, 75 or 40 mm), showing the county's title, the unit's
//! name, its code and the QR code of its public page.
//!
//! Drawn as SVG in millimetres and rasterised by the wall chart's path ([`super::wallchart::render_png`]), so
//! Chinese text comes from the same system fonts. Two layouts:
//! - a PNG sheet: the plates in a near-square block with cut marks between them (one plate alone, without
//!   margins, for a unit), at 150 dpi, or less when a sheet of many plates would be too large to draw
//!   ([`SHEET_MAX_PIXELS`]); the PNG records its resolution (pHYs);
//! - a PDF for printing: the plates at their true size on A4 pages, as many as fit with cut marks around each,
//!   each plate an embedded image at print resolution ([`super::pdf`]). A 570×370 plate is larger than A4: it
//!   gets a page of its own size, which is what a sign maker prints on.

use std::fmt::Write as _;
use std::str::FromStr;

use rayon::prelude::*;

use super::pdf::{self, Mark, Page, Placed};
use super::qr::Qr;
use super::wallchart::{FONT, esc, render_pixmap};
use crate::app::plates::PlateText;

/// The common plate sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PlateSize {
    /// 570×370 mm, QR 120 mm: a building's plate.
    Large,
    /// 270×170 mm, QR 75 mm.
    Medium,
    /// 150×90 mm, QR 40 mm: a door plate (the default).
    #[default]
    Small,
}

/// The sizes as a request names them.
pub const SIZES: [&str; 3] = ["570x370", "270x170", "150x90"];

impl PlateSize {
    /// Width and height, mm.
    pub fn mm(self) -> (f64, f64) {
        match self {
            PlateSize::Large => (570.0, 370.0),
            PlateSize::Medium => (270.0, 170.0),
            PlateSize::Small => (150.0, 90.0),
        }
    }

    /// The QR code's side, mm (quiet zone included).
    pub fn qr_mm(self) -> f64 {
        match self {
            PlateSize::Large => 120.0,
            PlateSize::Medium => 75.0,
            PlateSize::Small => 40.0,
        }
    }

    /// The resolution of each plate's image in the PDF: print quality for a door plate held at arm's length,
    /// less for plates read from metres away (and whose images would otherwise be tens of megapixels).
    pub fn pdf_dpi(self) -> f64 {
        match self {
            PlateSize::Large => 150.0,
            PlateSize::Medium => 200.0,
            PlateSize::Small => 300.0,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PlateSize::Large => SIZES[0],
            PlateSize::Medium => SIZES[1],
            PlateSize::Small => SIZES[2],
        }
    }
}

impl FromStr for PlateSize {
    type Err = String;

    /// `570x370`, `270x170` or `150x90` (`×` or `*` for `x`, mm optional).
    ///
    /// ```
    /// use gridmap::export::plates::PlateSize;
    /// assert_eq!("270×170".parse::<PlateSize>(), Ok(PlateSize::Medium));
    /// assert!("100x50".parse::<PlateSize>().unwrap_err().contains("150x90"));
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['×', '*'], "x").replace("mm", "");
        match norm.as_str() {
            "570x370" => Ok(PlateSize::Large),
            "270x170" => Ok(PlateSize::Medium),
            "150x90" => Ok(PlateSize::Small),
            _ => Err(format!("门牌尺寸 {s:?} 不支持，可用 {} (毫米) (unknown plate size; allowed: {})", SIZES.join("、"), SIZES.join(", "))),
        }
    }
}

/// A plate to draw: its text and the URL its QR code encodes.
#[derive(Clone, Debug)]
pub struct Plate {
    pub text: PlateText,
    pub url: String,
}

/// Width of `text` in ems, roughly: Chinese characters are square, Latin letters and digits about half as wide.
fn ems(text: &str) -> f64 {
    text.chars().map(|c| if c.is_ascii() { 0.6 } else { 1.0 }).sum::<f64>().max(1.0)
}

/// One plate as SVG in millimetres, its top left corner at (`x`, `y`).
fn plate_svg(s: &mut String, heading: &str, plate: &Plate, qr: &Qr, size: PlateSize, (x, y): (f64, f64)) {
    let (w, h) = size.mm();
    let q = size.qr_mm();
    let inset = 0.025 * h;
    let pad = 0.06 * h;
    let band = 0.22 * h;
    let blue = "#1d4e89";
    let _ = write!(s, r##"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#ffffff"/>"##);
    let (bx, by, bw, bh, r) = (x + inset, y + inset, w - 2.0 * inset, h - 2.0 * inset, 0.04 * h);
    let _ = write!(s, r##"<rect x="{bx}" y="{by}" width="{bw}" height="{bh}" rx="{r}" fill="none" stroke="{blue}" stroke-width="{:.3}"/>"##, 0.012 * h);
    // The title band: rounded at the top, square where it meets the body.
    let _ = write!(s, r##"<rect x="{bx}" y="{by}" width="{bw}" height="{band}" rx="{r}" fill="{blue}"/>"##);
    let _ = write!(s, r##"<rect x="{bx}" y="{}" width="{bw}" height="{}" fill="{blue}"/>"##, by + band / 2.0, band / 2.0);
    let title_size = (0.11 * h).min((bw - 2.0 * pad) / ems(heading));
    let _ = write!(
        s,
        r##"<text x="{}" y="{:.3}" font-size="{title_size:.3}" font-weight="700" fill="#ffffff" text-anchor="middle" letter-spacing="{:.3}">{}</text>"##,
        x + w / 2.0,
        by + band / 2.0 + 0.36 * title_size,
        0.05 * title_size,
        esc(heading)
    );
    let body_top = by + band;
    let body_h = by + bh - body_top;
    let (qx, qy) = (bx + pad, body_top + (body_h - q) / 2.0);
    s.push_str(&qr.svg(qx, qy, q));
    let tx = qx + q + pad;
    let avail = bx + bw - pad - tx;
    let code = format!("编码 {}", plate.text.code);
    // Text, its size as a share of the plate's height (less where the line would not fit), weight, colour, and
    // where its middle is as a share of the body's height.
    let lines: [(&str, f64, &str, &str, f64); 4] = [
        (&plate.text.name, 0.15, "700", "#1d2329", 0.30),
        (&code, 0.07, "400", "#495057", 0.50),
        ("扫码联系网格员", 0.085, "700", blue, 0.72),
        ("查看所属网格与社区服务", 0.058, "400", "#495057", 0.88),
    ];
    for (text, k, weight, fill, at) in lines {
        let size = (k * h).min(avail / ems(text));
        let _ = write!(
            s,
            r##"<text x="{tx:.3}" y="{:.3}" font-size="{size:.3}" font-weight="{weight}" fill="{fill}">{}</text>"##,
            body_top + at * body_h + 0.36 * size,
            esc(text)
        );
    }
}

/// The cut margin between plates on a sheet or page, mm.
const GAP_MM: f64 = 5.0;

/// Corner cut marks of a plate at (`x`, `y`) of size `w`×`h`: short lines in the margin, continuing its edges.
fn cut_marks(x: f64, y: f64, w: f64, h: f64) -> Vec<Mark> {
    let l = GAP_MM * 0.8;
    let mut out = vec![];
    for (cx, dx) in [(x, -1.0), (x + w, 1.0)] {
        for (cy, dy) in [(y, -1.0), (y + h, 1.0)] {
            out.push(((cx + dx * 0.5, cy), (cx + dx * l, cy)));
            out.push(((cx, cy + dy * 0.5), (cx, cy + dy * l)));
        }
    }
    out
}

/// The most pixels a PNG sheet may have (about 130 MB while drawn); a sheet of more plates is drawn at a
/// lower resolution, down to [`SHEET_MIN_DPI`].
pub const SHEET_MAX_PIXELS: f64 = 32e6;
/// The resolutions a PNG sheet may have, best first.
const SHEET_DPI: [f64; 6] = [150.0, 120.0, 100.0, 75.0, 60.0, 50.0];
pub const SHEET_MIN_DPI: f64 = 50.0;

/// A PNG sheet and what it is.
#[derive(Debug)]
pub struct Sheet {
    pub png: Vec<u8>,
    pub dpi: f64,
    pub columns: usize,
}

/// Pixels of `mm` at `dpi`.
pub fn px(mm: f64, dpi: f64) -> u32 {
    (mm * dpi / 25.4).round() as u32
}

/// The layout of a PNG sheet of `n` plates: columns, and the sheet's size in mm. One plate has no margins.
///
/// ```
/// use gridmap::export::plates::{PlateSize, sheet_layout};
/// assert_eq!(sheet_layout(1, PlateSize::Small), (1, (150.0, 90.0)));
/// assert_eq!(sheet_layout(20, PlateSize::Small), (4, (625.0, 480.0)));
/// ```
pub fn sheet_layout(n: usize, size: PlateSize) -> (usize, (f64, f64)) {
    let (w, h) = size.mm();
    if n <= 1 {
        return (1, (w, h));
    }
    // About as many plates down as across by length: a sheet near square.
    let cols = ((n as f64 * h / w).sqrt().ceil() as usize).clamp(1, n);
    let rows = n.div_ceil(cols);
    (cols, (cols as f64 * w + (cols + 1) as f64 * GAP_MM, rows as f64 * h + (rows + 1) as f64 * GAP_MM))
}

/// The plates as one PNG sheet. Too many plates for the smallest resolution is an error saying so.
pub fn sheet_png(heading: &str, plates: &[Plate], size: PlateSize) -> Result<Sheet, SheetError> {
    let (cols, (sw, sh)) = sheet_layout(plates.len(), size);
    let dpi = SHEET_DPI
        .into_iter()
        .find(|d| f64::from(px(sw, *d)) * f64::from(px(sh, *d)) <= SHEET_MAX_PIXELS)
        .ok_or(SheetError::TooLarge { plates: plates.len() })?;
    let (w, h) = size.mm();
    let margin = if plates.len() <= 1 { 0.0 } else { GAP_MM };
    let mut s = svg_open(sw, sh, dpi);
    let mut marks = vec![];
    for (i, p) in plates.iter().enumerate() {
        let (x, y) = (margin + (i % cols) as f64 * (w + GAP_MM), margin + (i / cols) as f64 * (h + GAP_MM));
        let qr = Qr::encode(&p.url).map_err(SheetError::Draw)?;
        plate_svg(&mut s, heading, p, &qr, size, (x, y));
        if margin > 0.0 {
            marks.extend(cut_marks(x, y, w, h));
        }
    }
    for ((x0, y0), (x1, y1)) in marks {
        let _ = write!(s, r##"<line x1="{x0:.2}" y1="{y0:.2}" x2="{x1:.2}" y2="{y1:.2}" stroke="#868e96" stroke-width="0.2"/>"##);
    }
    s.push_str("</svg>");
    let pixmap = render_pixmap(&s).map_err(SheetError::Draw)?;
    let png = pdf::encode_png(&pixmap, dpi).map_err(SheetError::Draw)?;
    Ok(Sheet { png, dpi, columns: cols })
}

/// Why a sheet could not be drawn.
#[derive(Debug)]
pub enum SheetError {
    /// More plates than one PNG can hold at [`SHEET_MIN_DPI`].
    TooLarge { plates: usize },
    /// A fault while drawing.
    Draw(String),
}

/// An SVG document `w_mm`×`h_mm` in millimetres, drawn at `dpi`, on white.
fn svg_open(w_mm: f64, h_mm: f64, dpi: f64) -> String {
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {w_mm} {h_mm}" font-family="{FONT}"><rect width="100%" height="100%" fill="#ffffff"/>"##,
        px(w_mm, dpi),
        px(h_mm, dpi)
    )
}

/// A4, mm.
pub const A4_MM: (f64, f64) = (210.0, 297.0);
/// The printer's margin on a page, mm.
const PAGE_MARGIN_MM: f64 = 8.0;

/// Where plates go on a page: the page's size (mm) and the top left corners of the plates it holds.
///
/// ```
/// use gridmap::export::plates::{PlateSize, page_layout};
/// // Three door plates down an A4 page; a 270×170 plate on A4 landscape; a 570×370 plate on its own page.
/// assert_eq!((page_layout(PlateSize::Small).0, page_layout(PlateSize::Small).1.len()), ((210.0, 297.0), 3));
/// assert_eq!((page_layout(PlateSize::Medium).0, page_layout(PlateSize::Medium).1.len()), ((297.0, 210.0), 1));
/// assert_eq!(page_layout(PlateSize::Large).0, (586.0, 386.0));
/// ```
pub fn page_layout(size: PlateSize) -> ((f64, f64), Vec<(f64, f64)>) {
    let (w, h) = size.mm();
    let fit = |(pw, ph): (f64, f64)| {
        let n = |page: f64, plate: f64| ((page - 2.0 * PAGE_MARGIN_MM + GAP_MM) / (plate + GAP_MM)).floor().max(0.0) as usize;
        (n(pw, w), n(ph, h))
    };
    let portrait = fit(A4_MM);
    let landscape = fit((A4_MM.1, A4_MM.0));
    let (page, (cols, rows)) = if portrait.0 * portrait.1 >= landscape.0 * landscape.1 { (A4_MM, portrait) } else { ((A4_MM.1, A4_MM.0), landscape) };
    if cols * rows == 0 {
        // Larger than A4 either way: a page of the plate's own size with the margin around it.
        let m = PAGE_MARGIN_MM;
        return ((w + 2.0 * m, h + 2.0 * m), vec![(m, m)]);
    }
    // The block of plates centred on the page.
    let block = (cols as f64 * w + (cols - 1) as f64 * GAP_MM, rows as f64 * h + (rows - 1) as f64 * GAP_MM);
    let (x0, y0) = ((page.0 - block.0) / 2.0, (page.1 - block.1) / 2.0);
    let at = (0..rows).flat_map(|r| (0..cols).map(move |c| (x0 + c as f64 * (w + GAP_MM), y0 + r as f64 * (h + GAP_MM)))).collect();
    (page, at)
}

/// The plates as a PDF for printing: true size, on A4 pages (see [`page_layout`]), with cut marks.
pub fn pdf(heading: &str, title: &str, plates: &[Plate], size: PlateSize) -> Result<Vec<u8>, String> {
    let (w, h) = size.mm();
    let dpi = size.pdf_dpi();
    // Each plate drawn alone at print resolution, on every core.
    let images = plates
        .par_iter()
        .map(|p| {
            let qr = Qr::encode(&p.url)?;
            let mut s = svg_open(w, h, dpi);
            plate_svg(&mut s, heading, p, &qr, size, (0.0, 0.0));
            s.push_str("</svg>");
            pdf::Image::of(&render_pixmap(&s)?)
        })
        .collect::<Result<Vec<_>, String>>()?;
    let (page_mm, slots) = page_layout(size);
    let pages = (0..plates.len())
        .collect::<Vec<_>>()
        .chunks(slots.len())
        .map(|chunk| {
            let mut page = Page { width_mm: page_mm.0, height_mm: page_mm.1, images: vec![], marks: vec![], texts: vec![] };
            for (&i, &(x, y)) in chunk.iter().zip(&slots) {
                page.images.push(Placed { image: i, x_mm: x, y_mm: y, width_mm: w, height_mm: h });
                page.marks.extend(cut_marks(x, y, w, h));
            }
            page
        })
        .collect::<Vec<_>>();
    Ok(pdf::write(title, &images, &pages))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plate(name: &str, code: &str) -> Plate {
        Plate { text: PlateText { name: name.into(), code: code.into() }, url: format!("https://gm.example.gov.cn/g/{code}") }
    }

    #[test]
    fn a_unit_plate_is_the_plate_alone_at_150_dpi_and_its_text_is_inked() {
        let sheet = sheet_png("潼关县网格化管理", &[plate("南新社区4号楼", "610522001001001001")], PlateSize::Small).unwrap();
        let pixmap = resvg::tiny_skia::Pixmap::decode_png(&sheet.png).unwrap();
        assert_eq!((pixmap.width(), pixmap.height(), sheet.dpi), (px(150.0, 150.0), px(90.0, 150.0), 150.0));
        // The name's line, right of the QR code: Chinese glyphs were found and drawn (a missing font draws nothing).
        let (y0, y1) = (px(0.025 * 90.0 + 0.22 * 90.0 + 0.1 * 68.0, 150.0), px(0.025 * 90.0 + 0.22 * 90.0 + 0.3 * 68.0, 150.0));
        let x0 = px(0.025 * 90.0 + 0.06 * 90.0 * 2.0 + 40.0, 150.0);
        let dark = (y0..y1)
            .flat_map(|y| (x0..pixmap.width()).map(move |x| (x, y)))
            .filter(|&(x, y)| pixmap.pixel(x, y).unwrap().red() < 100)
            .count();
        assert!(dark > 500, "only {dark} dark pixels where the name is");
    }

    #[test]
    fn sheets_of_many_plates_lower_their_resolution_or_refuse() {
        let many: Vec<Plate> = (0..132).map(|i| plate("楼", &format!("61052200100100{i:04}"))).collect();
        let (_, (w, h)) = sheet_layout(many.len(), PlateSize::Small);
        let dpi = SHEET_DPI.into_iter().find(|d| f64::from(px(w, *d)) * f64::from(px(h, *d)) <= SHEET_MAX_PIXELS).unwrap();
        assert!((SHEET_MIN_DPI..150.0).contains(&dpi));
        assert!(matches!(sheet_png("t", &many, PlateSize::Large), Err(SheetError::TooLarge { plates: 132 })));
    }
}
