//! A grid's notice (网格公示牌), A4 or A3 portrait, for the community to hang: the grid's map (the wall chart's
//! own drawing, [`WallChart::draw_map`]), the chain of people (community secretary, grid manager, every lane
//! and building head) as the county publishes them, the community's service hall, and the QR code of the
//! grid's public page.
//!
//! Laid out on an A4 page of 150 dpi pixels; A3 is the same page scaled by √2 (the SVG's view box), so both
//! read alike from the same distance in proportion.

use std::fmt::Write as _;

use super::qr::Qr;
use super::wallchart::{Area, FONT, QR_PX, WallChart, esc, text_line};
use crate::app::public_card::Chain;
use crate::app::publication::Person;

/// The page's layout size: A4 portrait at 150 dpi, pixels.
const W: f64 = 1240.0;
const H: f64 = 1754.0;
const M: f64 = 50.0;

/// The paper a notice is printed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Paper {
    #[default]
    A4,
    A3,
}

impl Paper {
    /// Portrait width and height, mm.
    pub fn mm(self) -> (f64, f64) {
        match self {
            Paper::A4 => (210.0, 297.0),
            Paper::A3 => (297.0, 420.0),
        }
    }
}

impl std::str::FromStr for Paper {
    type Err = String;

    /// `A4` or `A3` (either case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "A4" => Ok(Paper::A4),
            "A3" => Ok(Paper::A3),
            _ => Err(format!("纸张 {s:?} 不支持，可用 A4、A3 (unknown paper; allowed: A4, A3)")),
        }
    }
}

/// What a notice shows.
#[derive(Clone, Debug, Default)]
pub struct Notice {
    /// The map, title, code, place and footer (the chart's manager fields are not used: the chain's are).
    pub chart: WallChart,
    /// The people, the community and its service hall.
    pub chain: Chain,
    /// The grid's public page, encoded in the QR code.
    pub qr_url: String,
}

/// `text` cut into lines of at most `ems` ems (Chinese characters are one, Latin about half).
pub(crate) fn wrap(text: &str, ems: f64) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut width = 0.0;
    for c in text.chars() {
        let w = if c.is_ascii() { super::pdf::LATIN_EM } else { 1.0 };
        if width + w > ems && !lines.last().is_some_and(String::is_empty) {
            lines.push(String::new());
            width = 0.0;
        }
        lines.last_mut().expect("one line at least").push(c);
        width += w;
    }
    lines
}

/// A person's name and phone for print: what the publication setting shows, `未登记` when nobody is recorded.
fn holder(p: &Person) -> (String, String) {
    let name = p.name.as_ref().map_or_else(|| "未登记".to_string(), |n| n.text.clone());
    let phone = p.phone.as_ref().map_or_else(String::new, |t| t.text.clone());
    (name, phone)
}

impl Notice {
    /// The notice as SVG, `paper` at `dpi`.
    ///
    /// ```
    /// use gridmap::app::publication::{Person, Shown};
    /// use gridmap::export::notice::{Notice, Paper};
    /// let shown = |t: &str| Some(Shown { text: t.into(), full: true });
    /// let mut n = Notice { qr_url: "http://x/g/G1".into(), ..Default::default() };
    /// n.chain.manager = Person { name: shown("李娜"), phone: shown("13900000002") };
    /// let svg = n.svg(Paper::A3, 150.0);
    /// assert!(svg.contains("李娜") && svg.contains("13900000002") && svg.contains(r#"width="1754""#));
    /// ```
    pub fn svg(&self, paper: Paper, dpi: f64) -> String {
        let (w_mm, h_mm) = paper.mm();
        let px = |mm: f64| (mm * dpi / 25.4).round();
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {W} {H}" font-family="{FONT}">"#,
            px(w_mm),
            px(h_mm)
        );
        s.push_str(r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
        let c = &self.chart;
        let _ = write!(s, r##"<text x="{}" y="95" font-size="50" font-weight="700" fill="#1d3557" text-anchor="middle">{} 网格公示牌</text>"##, W / 2.0, esc(&c.title));
        let place = [c.place.as_str(), &format!("网格编码 {}", c.code)].into_iter().filter(|t| !t.is_empty()).collect::<Vec<_>>().join(" · ");
        let _ = write!(s, r##"<text x="{}" y="138" font-size="22" fill="#495057" text-anchor="middle">{}</text>"##, W / 2.0, esc(&place));
        c.draw_map(&mut s, Area { x: M, y: 165.0, w: W - 2.0 * M, h: 760.0 });
        self.people(&mut s, 975.0);
        self.hall_and_qr(&mut s, 975.0);
        let _ = write!(s, r##"<text x="{M}" y="{}" font-size="16" fill="#868e96">{}</text>"##, H - 30.0, esc(&c.footer));
        s.push_str("</svg>");
        s
    }

    /// The chain of people, left two thirds of the page from `top`.
    fn people(&self, s: &mut String, top: f64) {
        let x = M;
        let mut y = top + 10.0;
        text_line(s, x, &mut y, (30.0, "700", "#1d3557"), "网格责任人", 52.0);
        let chain = &self.chain;
        for (post, p, big) in [("网格员", &chain.manager, true), ("社区书记", &chain.secretary, false)] {
            let (name, phone) = holder(p);
            let size = if big { 34.0 } else { 26.0 };
            let _ = write!(s, r##"<text x="{x}" y="{y}" font-size="22" fill="#868e96">{post}</text>"##);
            let _ = write!(
                s,
                r##"<text x="{}" y="{y}" font-size="{size}" font-weight="700" fill="#212529">{}<tspan dx="24" font-weight="400" font-size="{}">{}</tspan></text>"##,
                x + 110.0,
                esc(&name),
                size * 0.8,
                esc(&phone)
            );
            y += if big { 56.0 } else { 48.0 };
        }
        if chain.community.is_empty() {
            y += 8.0;
        } else {
            text_line(s, x + 110.0, &mut y, (20.0, "400", "#495057"), &chain.community, 44.0);
        }
        text_line(s, x, &mut y, (22.0, "400", "#868e96"), &format!("巷长 / 楼长 ({} 个巷道/楼栋)", chain.heads.len()), 34.0);
        // Two columns of heads, rows shrinking to fit what is left of the page.
        let width = 2.0 * W / 3.0 - M - 20.0;
        let (cols, bottom) = (2usize, H - 70.0);
        let rows = chain.heads.len().div_ceil(cols).max(1);
        let row_h = ((bottom - y) / rows as f64).min(30.0);
        let font = (row_h * 0.7).min(19.0);
        for (i, (unit, p)) in chain.heads.iter().enumerate() {
            let (name, phone) = holder(p);
            let (cx, cy) = (x + (i / rows) as f64 * width / cols as f64, y + (i % rows) as f64 * row_h);
            let _ = write!(
                s,
                r##"<text x="{cx:.1}" y="{cy:.1}" font-size="{font:.1}" fill="#212529">{}<tspan dx="10" font-weight="700">{}</tspan><tspan dx="8" fill="#495057">{}</tspan></text>"##,
                esc(unit),
                esc(&name),
                esc(&phone)
            );
        }
    }

    /// The service hall and the QR code, the right third of the page from `top`.
    fn hall_and_qr(&self, s: &mut String, top: f64) {
        let x = 2.0 * W / 3.0 + 10.0;
        let width = W - M - x;
        let _ = write!(s, r##"<rect x="{}" y="{}" width="{}" height="{}" rx="12" fill="#f8f9fa" stroke="#dee2e6"/>"##, x - 16.0, top - 30.0, width + 32.0, H - 70.0 - top + 30.0);
        let mut y = top + 10.0;
        text_line(s, x, &mut y, (28.0, "700", "#1d3557"), "便民服务大厅", 44.0);
        let address = self.chain.hall_address.as_deref().unwrap_or("地址未登记，请向社区咨询");
        for line in wrap(address, width / 21.0) {
            text_line(s, x, &mut y, (21.0, "400", "#212529"), &line, 30.0);
        }
        y += 10.0;
        let hours = self.chain.hall_hours.as_deref().map_or_else(|| "开放时间未登记".to_string(), |h| format!("开放时间：{h}"));
        for line in wrap(&hours, width / 19.0) {
            text_line(s, x, &mut y, (19.0, "400", "#495057"), &line, 28.0);
        }
        // The QR code at the foot of the column, 40 mm on A4.
        let side = QR_PX.min(width);
        let qy = H - 70.0 - side - 80.0;
        if let Ok(qr) = Qr::encode(&self.qr_url) {
            s.push_str(&qr.svg(x + (width - side) / 2.0, qy, side));
        }
        let mut ty = qy + side + 36.0;
        text_line(s, x + width / 2.0 - 4.0 * 24.0, &mut ty, (24.0, "700", "#1d3557"), "扫码联系网格员", 30.0);
    }

    /// The notice as a PNG of `paper` at 150 dpi.
    pub fn png(&self, paper: Paper) -> Result<(Vec<u8>, f64), String> {
        let dpi = 150.0;
        let pixmap = super::wallchart::render_pixmap(&self.svg(paper, dpi))?;
        Ok((super::pdf::encode_png(&pixmap, dpi)?, dpi))
    }

    /// The notice as a one-page PDF of `paper`, the drawing embedded at 200 dpi.
    pub fn pdf(&self, paper: Paper) -> Result<Vec<u8>, String> {
        let (w, h) = paper.mm();
        let image = super::pdf::Image::of(&super::wallchart::render_pixmap(&self.svg(paper, 200.0))?)?;
        let page = super::pdf::Page {
            width_mm: w,
            height_mm: h,
            images: vec![super::pdf::Placed { image: 0, x_mm: 0.0, y_mm: 0.0, width_mm: w, height_mm: h }],
            marks: vec![],
            texts: vec![],
        };
        Ok(super::pdf::write(&format!("{} 网格公示牌", self.chart.title), &[image], &[page]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_wraps_by_width() {
        assert_eq!(wrap("城关街道南新社区党群服务中心一楼", 8.0), vec!["城关街道南新社区", "党群服务中心一楼"]);
        assert_eq!(wrap("", 8.0), vec![String::new()]);
    }
}
