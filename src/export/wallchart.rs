//! The wall chart of one grid (网格公示图), as every community service hall pins up: the grid's outline, its
//! lanes and buildings by name, its households as dots, the neighbouring grids for orientation, and a legend
//! with the grid's name and code, its manager, its household and people counts and its area; a north arrow and
//! a scale bar. A4 landscape at 150 dpi.
//!
//! Drawn as SVG, then rasterised to PNG with resvg (pure Rust, no browser). Text is laid out with the
//! machine's fonts (fontconfig); the chart asks for Noto Sans CJK SC, Source Han Sans SC or Microsoft YaHei,
//! so Chinese labels render wherever the map page's do. The map part ([`WallChart::draw_map`]) is drawn into
//! any rectangle, so the grid notice ([`super::notice`]) puts the same map on its page; the legend carries the
//! QR code of the grid's public page when the chart is given its URL.

use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

use geo::{BoundingRect, Coord, InteriorPoint, MultiPolygon, Polygon};
use resvg::{tiny_skia, usvg};

use super::qr::Qr;

/// A4 landscape at 150 dpi, pixels.
pub const WIDTH_PX: f64 = 1754.0;
pub const HEIGHT_PX: f64 = 1240.0;
const MARGIN_PX: f64 = 60.0;
/// The legend panel on the right.
const LEGEND_PX: f64 = 460.0;
pub(crate) const FONT: &str = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif";

/// What a wall chart shows. Geometry in metres (the atlas's CRS), so the chart is to scale.
#[derive(Clone, Debug)]
pub struct WallChart {
    /// `南新社区第1网格`.
    pub title: String,
    /// The grid's code, or the draft's id of a grid not yet published.
    pub code: String,
    /// Town and community, e.g. `城关街道 · 南新社区居委会`.
    pub place: String,
    /// The grid manager and phone as the caller may see them (masked or not), if any.
    pub manager: Option<String>,
    pub manager_phone: Option<String>,
    pub households: u64,
    pub people: u64,
    pub area_m2: f64,
    pub grid: MultiPolygon<f64>,
    /// Lanes and buildings: name and outline.
    pub units: Vec<(String, MultiPolygon<f64>)>,
    pub household_points: Vec<Coord<f64>>,
    /// Neighbouring grids: name and outline, drawn faintly.
    pub neighbours: Vec<(String, MultiPolygon<f64>)>,
    /// A line at the foot: the date and the plan or data revision.
    pub footer: String,
    /// The URL of the grid's public page (`{public url}/g/{code}`), drawn as a QR code in the legend; none for
    /// a grid of a draft, whose code has no page yet.
    pub qr_url: Option<String>,
}

impl Default for WallChart {
    fn default() -> Self {
        WallChart {
            title: String::new(),
            code: String::new(),
            place: String::new(),
            manager: None,
            manager_phone: None,
            households: 0,
            people: 0,
            area_m2: 0.0,
            grid: MultiPolygon(vec![]),
            units: vec![],
            household_points: vec![],
            neighbours: vec![],
            footer: String::new(),
            qr_url: None,
        }
    }
}

/// One line of legend text at (`x`, `y`); moves `y` down by `gap`.
pub(crate) fn text_line(s: &mut String, x: f64, y: &mut f64, (size, weight, colour): (f64, &str, &str), text: &str, gap: f64) {
    let _ = write!(s, r##"<text x="{x}" y="{}" font-size="{size}" font-weight="{weight}" fill="{colour}">{}</text>"##, *y, esc(text));
    *y += gap;
}

/// Escapes text for SVG.
pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A rectangle of the page, in its pixels: the top left corner and the size.
#[derive(Clone, Copy, Debug)]
pub struct Area {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// The map frame: metres to pixels (y down), fitted around the grid with a margin for its neighbours.
struct Frame {
    scale: f64,
    x0: f64,
    y1: f64,
    left: f64,
    top: f64,
}

impl Frame {
    /// Fitted inside `area`, a margin's width narrower so that the north arrow has room.
    fn fit(grid: &MultiPolygon<f64>, area: Area) -> Frame {
        let (w_px, h_px) = (area.w - MARGIN_PX, area.h);
        let r = grid.bounding_rect().unwrap_or(geo::Rect::new((0.0, 0.0), (1.0, 1.0)));
        // A tenth of the grid's size around it, so the neighbours show where it lies.
        let pad = 0.1 * r.width().max(r.height()).max(1.0);
        let (w, h) = (r.width() + 2.0 * pad, r.height() + 2.0 * pad);
        let scale = (w_px / w).min(h_px / h);
        let left = area.x + (w_px - w * scale) / 2.0;
        let top = area.y + (h_px - h * scale) / 2.0;
        Frame { scale, x0: r.min().x - pad, y1: r.max().y + pad, left, top }
    }

    fn px(&self, c: Coord<f64>) -> (f64, f64) {
        (self.left + (c.x - self.x0) * self.scale, self.top + (self.y1 - c.y) * self.scale)
    }

    fn path(&self, mp: &MultiPolygon<f64>) -> String {
        let mut d = String::new();
        for p in &mp.0 {
            for r in std::iter::once(p.exterior()).chain(p.interiors()) {
                for (i, c) in r.0.iter().enumerate() {
                    let (x, y) = self.px(*c);
                    let _ = write!(d, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
                }
                d.push('Z');
            }
        }
        d
    }
}

/// A round length for the scale bar: about a fifth of `max_m`, as 1, 2 or 5 × 10ⁿ metres.
fn scale_bar_m(max_m: f64) -> f64 {
    let target = (max_m / 5.0).max(1.0);
    let p = 10f64.powf(target.log10().floor());
    [5.0, 2.0, 1.0].into_iter().map(|k| k * p).find(|v| *v <= target).unwrap_or(p)
}

/// The north arrow in the top right corner of `area` and a scale bar in its bottom left.
fn north_and_scale(s: &mut String, f: &Frame, area: Area) {
    let (nx, ny) = (area.x + area.w - 50.0, area.y + 40.0);
    let _ = write!(
        s,
        r##"<path d="M{nx},{} L{},{} L{nx},{} L{},{} Z" fill="#212529"/><text x="{nx}" y="{}" font-size="22" font-weight="700" text-anchor="middle">北</text>"##,
        ny - 30.0,
        nx + 14.0,
        ny + 14.0,
        ny + 4.0,
        nx - 14.0,
        ny + 14.0,
        ny + 40.0
    );
    let width_m = (area.w - 2.0 * MARGIN_PX) / f.scale;
    let bar_m = scale_bar_m(width_m);
    let bar_px = bar_m * f.scale;
    let (bx, by) = (area.x + 20.0, area.y + area.h - 24.0);
    let label = if bar_m >= 1000.0 { format!("{} 千米", bar_m / 1000.0) } else { format!("{bar_m} 米") };
    let _ = write!(
        s,
        r##"<rect x="{bx}" y="{by}" width="{bar_px:.1}" height="8" fill="#212529"/><text x="{bx}" y="{}" font-size="18">0</text><text x="{:.1}" y="{}" font-size="18" text-anchor="middle">{label}</text>"##,
        by - 6.0,
        bx + bar_px,
        by - 6.0
    );
}

/// The side of a QR code at 150 dpi: 40 mm, the door plate's.
pub(crate) const QR_PX: f64 = 236.0;

fn label_at(p: &Polygon<f64>) -> Option<Coord<f64>> {
    p.interior_point().map(|pt| pt.0)
}

impl WallChart {
    /// The chart as an SVG document.
    ///
    /// ```
    /// use geo::{MultiPolygon, polygon};
    /// use gridmap::export::wallchart::WallChart;
    /// let grid = MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 400.0, y: 0.0), (x: 400.0, y: 300.0), (x: 0.0, y: 300.0)]]);
    /// let c = WallChart { title: "南新社区第1网格".into(), households: 312, grid, ..Default::default() };
    /// let svg = c.svg();
    /// assert!(svg.starts_with("<svg") && svg.contains("南新社区第1网格") && svg.contains("312 户"));
    /// ```
    pub fn svg(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH_PX}" height="{HEIGHT_PX}" viewBox="0 0 {WIDTH_PX} {HEIGHT_PX}" font-family="{FONT}">"#
        );
        s.push_str(r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
        let _ = write!(
            s,
            r##"<text x="{MARGIN_PX}" y="{}" font-size="40" font-weight="700" fill="#1d3557">{} 网格公示图</text>"##,
            MARGIN_PX + 36.0,
            esc(&self.title)
        );
        let area = Area { x: MARGIN_PX, y: MARGIN_PX + 70.0, w: WIDTH_PX - LEGEND_PX - 2.0 * MARGIN_PX, h: HEIGHT_PX - 2.0 * MARGIN_PX - 70.0 };
        self.draw_map(&mut s, area);
        self.legend(&mut s);
        s.push_str("</svg>");
        s
    }

    /// The map into `area` of the page: the neighbours, the grid, its lanes and buildings with their names
    /// where there is room, its households as dots, a frame, the north arrow and a scale bar.
    pub fn draw_map(&self, s: &mut String, area: Area) {
        let f = Frame::fit(&self.grid, area);
        // The map, clipped to its frame.
        let _ = write!(
            s,
            r##"<clipPath id="frame"><rect x="{}" y="{}" width="{}" height="{}"/></clipPath><g clip-path="url(#frame)">"##,
            area.x, area.y, area.w, area.h
        );
        for (name, mp) in &self.neighbours {
            let _ = write!(s, r##"<path d="{}" fill="#f1f3f5" stroke="#adb5bd" stroke-width="1.5"/>"##, f.path(mp));
            if let Some((x, y)) = mp.0.iter().max_by(|a, b| geo::Area::unsigned_area(*a).total_cmp(&geo::Area::unsigned_area(*b))).and_then(label_at).map(|c| f.px(c)) {
                let _ = write!(s, r##"<text x="{x:.1}" y="{y:.1}" font-size="18" fill="#868e96" text-anchor="middle">{}</text>"##, esc(name));
            }
        }
        let _ = write!(s, r##"<path d="{}" fill="#e7f0fa" stroke="none"/>"##, f.path(&self.grid));
        for (_, mp) in &self.units {
            let _ = write!(s, r##"<path d="{}" fill="#fff4e0" stroke="#c77d2e" stroke-width="1.2" stroke-dasharray="5 3"/>"##, f.path(mp));
        }
        for c in &self.household_points {
            let (x, y) = f.px(*c);
            let _ = write!(s, r##"<circle cx="{x:.1}" cy="{y:.1}" r="2.6" fill="#8c3b1f"/>"##);
        }
        let _ = write!(s, r##"<path d="{}" fill="none" stroke="#d62828" stroke-width="5" stroke-linejoin="round"/>"##, f.path(&self.grid));
        // Unit names where there is room: only units at least 60 px across get one.
        for (name, mp) in &self.units {
            let wide = mp.bounding_rect().is_some_and(|r| r.width().max(r.height()) * f.scale >= 60.0);
            if let (true, Some((x, y))) = (wide, mp.0.first().and_then(label_at).map(|c| f.px(c))) {
                let _ = write!(
                    s,
                    r##"<text x="{x:.1}" y="{y:.1}" font-size="15" fill="#7a4a14" text-anchor="middle" stroke="#ffffff" stroke-width="3" paint-order="stroke">{}</text>"##,
                    esc(name)
                );
            }
        }
        s.push_str("</g>");
        let _ = write!(
            s,
            r##"<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#495057" stroke-width="1.5"/>"##,
            area.x, area.y, area.w, area.h
        );
        north_and_scale(s, &f, area);
    }

    fn legend(&self, s: &mut String) {
        let x = WIDTH_PX - LEGEND_PX - MARGIN_PX;
        let mut y = MARGIN_PX + 110.0;
        let _ = write!(s, r##"<rect x="{x}" y="{}" width="{LEGEND_PX}" height="{}" fill="#f8f9fa" stroke="#dee2e6"/>"##, MARGIN_PX + 70.0, HEIGHT_PX - 2.0 * MARGIN_PX - 70.0);
        let x = x + 28.0;
        const HEAD: (f64, &str, &str) = (30.0, "700", "#1d3557");
        const NOTE: (f64, &str, &str) = (20.0, "400", "#495057");
        const BODY: (f64, &str, &str) = (24.0, "400", "#212529");
        text_line(s, x, &mut y, HEAD, &self.title, 44.0);
        text_line(s, x, &mut y, NOTE, &format!("网格编码 {}", self.code), 32.0);
        if self.place.is_empty() {
            y += 24.0;
        } else {
            text_line(s, x, &mut y, NOTE, &self.place, 56.0);
        }
        text_line(s, x, &mut y, (22.0, "400", "#868e96"), "网格员", 40.0);
        text_line(s, x, &mut y, (34.0, "700", "#212529"), self.manager.as_deref().unwrap_or("(未配备)"), 44.0);
        match &self.manager_phone {
            Some(p) => text_line(s, x, &mut y, (26.0, "400", "#212529"), &format!("电话 {p}"), 60.0),
            None => y += 16.0,
        }
        text_line(s, x, &mut y, BODY, &format!("{} 户 · {} 人", self.households, self.people), 40.0);
        text_line(s, x, &mut y, BODY, &format!("{} 个巷道/楼栋", self.units.len()), 40.0);
        let area = if self.area_m2 >= 1e6 { format!("面积 {:.2} 平方千米", self.area_m2 / 1e6) } else { format!("面积 {:.0} 平方米", self.area_m2) };
        text_line(s, x, &mut y, BODY, &area, 70.0);
        // Key.
        let key = [
            (r##"fill="none" stroke="#d62828" stroke-width="5""##, "本网格边界"),
            (r##"fill="#fff4e0" stroke="#c77d2e" stroke-width="1.2" stroke-dasharray="5 3""##, "巷道 / 楼栋"),
            (r##"fill="#f1f3f5" stroke="#adb5bd" stroke-width="1.5""##, "相邻网格"),
        ];
        for (style, label) in key {
            let _ = write!(s, r##"<rect x="{x}" y="{}" width="40" height="24" {style}/>"##, y - 20.0);
            let _ = write!(s, r##"<text x="{}" y="{y}" font-size="20">{label}</text>"##, x + 56.0);
            y += 38.0;
        }
        let _ = write!(s, r##"<circle cx="{}" cy="{}" r="5" fill="#8c3b1f"/><text x="{}" y="{y}" font-size="20">住户</text>"##, x + 20.0, y - 8.0, x + 56.0);
        let foot = HEIGHT_PX - MARGIN_PX - 24.0;
        if let Some(qr) = self.qr_url.as_deref().and_then(|u| Qr::encode(u).ok()) {
            // 40 mm at the chart's 150 dpi, above the footer, with what it is for beside it.
            let (side, top) = (QR_PX, foot - 40.0 - QR_PX);
            s.push_str(&qr.svg(x, top, side));
            let mut ty = top + 60.0;
            for line in ["扫码查看", "网格员与", "联系方式"] {
                text_line(s, x + side + 20.0, &mut ty, (24.0, "700", "#1d3557"), line, 36.0);
            }
        }
        let _ = write!(s, r##"<text x="{x}" y="{foot}" font-size="16" fill="#868e96">{}</text>"##, esc(&self.footer));
    }

    /// The chart as a PNG.
    pub fn png(&self) -> Result<Vec<u8>, String> {
        render_png(&self.svg())
    }
}

/// Polygonal geometry as a MultiPolygon (points and lines have none).
fn polygons(g: &geo::Geometry<f64>) -> MultiPolygon<f64> {
    match g {
        geo::Geometry::Polygon(p) => MultiPolygon(vec![p.clone()]),
        geo::Geometry::MultiPolygon(mp) => mp.clone(),
        _ => MultiPolygon(vec![]),
    }
}

impl WallChart {
    /// A chart of the grid `grid_lonlat` over `atlas`: the lanes, buildings and households lying in it (their
    /// representative point inside it by the atlas's half-open placement rule), its people, its area, and the
    /// `neighbours` (name, lon/lat outline). Title, code, people and the footer are the caller's to set.
    pub fn from_atlas(
        atlas: &crate::atlas::Atlas,
        grid_lonlat: &MultiPolygon<f64>,
        neighbours: &[(String, MultiPolygon<f64>)],
    ) -> Result<WallChart, String> {
        use crate::model::Layer;
        use geo::{Area, Intersects};
        let project = |mp: &MultiPolygon<f64>| -> Result<MultiPolygon<f64>, String> {
            atlas.crs.project_geometry(&geo::Geometry::MultiPolygon(mp.clone())).map(|g| polygons(&g)).map_err(|e| e.to_string())
        };
        let grid = project(grid_lonlat)?;
        let Some(env) = grid.bounding_rect() else { return Err("the grid has no area".into()) };
        // By the atlas's placement rule: the representative point (lon/lat) inside the grid, half-open.
        let lies_in = |g: &geo::Geometry<f64>, at: Option<geo::Coord<f64>>| {
            g.bounding_rect().is_some_and(|r| r.intersects(&env)) && at.is_some_and(|c| crate::atlas::cells::contains_xy(grid_lonlat, c))
        };
        let mut chart = WallChart { area_m2: grid.unsigned_area(), ..WallChart::default() };
        if let Some(units) = atlas.layer(Layer::Units) {
            let points = atlas.points(Layer::Units);
            for ((f, g), at) in units.features.iter().zip(&units.geoms_m).zip(&points.lonlat) {
                if lies_in(g, *at) {
                    chart.units.push((f.name().to_string(), polygons(g)));
                }
            }
        }
        if let Some(hh) = atlas.layer(Layer::Households) {
            let points = atlas.points(Layer::Households);
            for (((f, g), at), xy_m) in hh.features.iter().zip(&hh.geoms_m).zip(&points.lonlat).zip(&points.xy_m) {
                if lies_in(g, *at) {
                    chart.household_points.extend(*xy_m);
                    chart.households += 1;
                    chart.people += f.properties.get("members").and_then(serde_json::Value::as_u64).unwrap_or(0);
                }
            }
        }
        for (name, mp) in neighbours {
            chart.neighbours.push((name.clone(), project(mp)?));
        }
        chart.grid = grid;
        Ok(chart)
    }
}

/// The machine's fonts, read once: scanning them takes a noticeable fraction of a second.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_system_fonts();
            db.set_sans_serif_family("Noto Sans CJK SC");
            Arc::new(db)
        })
        .clone()
}

/// Rasterises an SVG document to PNG at its own size.
pub fn render_png(svg: &str) -> Result<Vec<u8>, String> {
    render_pixmap(svg)?.encode_png().map_err(|e| format!("PNG: {e}"))
}

/// Rasterises an SVG document at its own size (its `width` and `height` in pixels).
pub fn render_pixmap(svg: &str) -> Result<tiny_skia::Pixmap, String> {
    let opt = usvg::Options { fontdb: fonts(), ..usvg::Options::default() };
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| format!("SVG: {e}"))?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).ok_or("SVG: empty size")?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    Ok(pixmap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn scale_bars_are_round() {
        assert_eq!(scale_bar_m(1000.0), 200.0);
        assert_eq!(scale_bar_m(3000.0), 500.0);
        assert_eq!(scale_bar_m(12.0), 2.0);
    }

    #[test]
    fn a_chart_renders_to_a_png_of_a4_at_150_dpi() {
        let grid = MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 400.0, y: 0.0), (x: 400.0, y: 300.0), (x: 0.0, y: 300.0)]]);
        let unit = MultiPolygon(vec![polygon![(x: 50.0, y: 50.0), (x: 150.0, y: 50.0), (x: 150.0, y: 120.0), (x: 50.0, y: 120.0)]]);
        let c = WallChart {
            title: "南新社区第1网格".into(),
            code: "610522001001001".into(),
            manager: Some("李娜".into()),
            households: 2,
            grid,
            units: vec![("1号楼".into(), unit)],
            household_points: vec![Coord { x: 100.0, y: 80.0 }, Coord { x: 300.0, y: 200.0 }],
            ..Default::default()
        };
        let png = c.png().unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // Width and height from the IHDR chunk.
        let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!((w, h), (1754, 1240));
    }
}
