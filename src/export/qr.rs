//! QR codes for what gets printed (door plates, the grid notice, the wall chart), drawn as SVG so that the one
//! SVG → PNG path ([`super::wallchart::render_png`]) rasterises them with everything else. Each code encodes the
//! public page of a code, `{public url}/g/{code}` ([`crate::app::publication::Public::page_url`]).
//!
//! The modules are encoded by the `qrcode` crate; this module only draws them: one path of unit squares, with
//! the four-module quiet zone the standard asks for, scaled to the size asked. Error correction level M (15 %
//! of the symbol may be lost): a plate on a door gets dirty and scratched, and a short URL stays a small
//! symbol (version 3 or 4) whose modules print large.

use std::fmt::Write as _;

use qrcode::{Color, EcLevel, QrCode};

/// The standard's quiet zone around the symbol, in modules.
pub const QUIET_MODULES: usize = 4;

/// A QR symbol of `text`: its modules, row by row, dark or not.
#[derive(Clone, Debug)]
pub struct Qr {
    /// Modules per side, without the quiet zone.
    pub width: usize,
    dark: Vec<bool>,
}

impl Qr {
    /// Encodes `text` (a URL) at error correction level M.
    ///
    /// ```
    /// let qr = gridmap::export::qr::Qr::encode("https://gm.example.gov.cn/g/610522001001001001").unwrap();
    /// assert!(qr.width >= 21 && (qr.width - 17) % 4 == 0);
    /// ```
    pub fn encode(text: &str) -> Result<Qr, String> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|e| format!("QR code of {text:?}: {e}"))?;
        let width = code.width();
        let dark = code.to_colors().into_iter().map(|c| c == Color::Dark).collect();
        Ok(Qr { width, dark })
    }

    /// Modules per side with the quiet zone.
    pub fn side_modules(&self) -> usize {
        self.width + 2 * QUIET_MODULES
    }

    /// The symbol as an SVG group: a white square of `size` (quiet zone included) with its top left corner at
    /// (`x`, `y`), in the user units of the document it goes into. Edges are crisp (no anti-aliasing), so
    /// that a scanner sees whole modules at any resolution.
    ///
    /// ```
    /// let qr = gridmap::export::qr::Qr::encode("http://127.0.0.1:8080/g/G1").unwrap();
    /// let g = qr.svg(10.0, 20.0, 100.0);
    /// assert!(g.starts_with("<g") && g.contains("crispEdges"));
    /// ```
    pub fn svg(&self, x: f64, y: f64, size: f64) -> String {
        let module = size / self.side_modules() as f64;
        let mut d = String::new();
        for row in 0..self.width {
            // Runs of dark modules in a row as one rectangle each: a fraction of the path a square per module takes.
            let mut col = 0;
            while col < self.width {
                if !self.dark[row * self.width + col] {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < self.width && self.dark[row * self.width + col] {
                    col += 1;
                }
                let _ = write!(d, "M{},{}h{}v1h-{}z", start + QUIET_MODULES, row + QUIET_MODULES, col - start, col - start);
            }
        }
        format!(
            r##"<g shape-rendering="crispEdges"><rect x="{x:.3}" y="{y:.3}" width="{size:.3}" height="{size:.3}" fill="#ffffff"/><path transform="translate({x:.3} {y:.3}) scale({module:.5})" d="{d}" fill="#000000"/></g>"##
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symbol_rasterised_by_the_svg_path_keeps_its_modules() {
        let qr = Qr::encode("https://gm.example.gov.cn/g/610522001001001001").unwrap();
        let side = qr.side_modules();
        // Eight pixels a module: each module's centre pixel must come out as the module is.
        let px = (side * 8) as f64;
        let svg = format!(r#"<svg xmlns="http://www.w3.org/2000/svg" width="{px}" height="{px}">{}</svg>"#, qr.svg(0.0, 0.0, px));
        let png = crate::export::wallchart::render_png(&svg).unwrap();
        let pixmap = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
        for row in 0..qr.width {
            for col in 0..qr.width {
                let (x, y) = ((col + QUIET_MODULES) * 8 + 4, (row + QUIET_MODULES) * 8 + 4);
                let p = pixmap.pixel(x as u32, y as u32).unwrap();
                assert_eq!(p.red() < 128, qr.dark[row * qr.width + col], "module ({col}, {row})");
            }
        }
        // The quiet zone is white.
        assert!(pixmap.pixel(2, 2).unwrap().red() > 200);
    }
}
