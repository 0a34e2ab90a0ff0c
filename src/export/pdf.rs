//! Printable PDFs of drawn pages (door plates, the grid notice): each drawing rasterised by the SVG path, then
//! placed at its true size on a page as an embedded image, with vector cut marks, written by `pdf-writer`.
//!
//! An image is the pixels as a PNG encoder filters and compresses them (its IDAT data), which PDF reads as is
//! (FlateDecode with the PNG predictors): the same compression as a PNG file, and no second encoder. Pixels
//! are drawn on white, so the image is RGB without alpha.
//!
//! A page of text (the coverage evidence list) also carries its words as an invisible text layer over the
//! image, as a scanned page with OCR does: search, copy and `pdftotext` find them. The layer's font is named,
//! not embedded (nothing is drawn with it): each character is a CID of its own, mapped back to Unicode.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, TextRenderingMode, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use resvg::tiny_skia::Pixmap;

/// Points per millimetre (a point is 1/72 inch).
const PT_PER_MM: f64 = 72.0 / 25.4;

/// An image ready to embed.
#[derive(Clone, Debug)]
pub struct Image {
    pub width_px: u32,
    pub height_px: u32,
    /// zlib data of PNG-filtered RGB rows.
    idat: Vec<u8>,
}

impl Image {
    /// A drawn pixmap (on an opaque background) as an image to embed.
    pub fn of(pixmap: &Pixmap) -> Result<Image, String> {
        let png = encode(pixmap, None)?;
        Ok(Image { width_px: pixmap.width(), height_px: pixmap.height(), idat: idat(&png)? })
    }
}

/// The RGB of a pixmap drawn on an opaque background (premultiplied and straight alpha are then the same).
fn rgb(pixmap: &Pixmap) -> Vec<u8> {
    pixmap.data().chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect()
}

fn encode(pixmap: &Pixmap, dpi: Option<f64>) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        if let Some(dpi) = dpi {
            let per_m = (dpi / 0.0254).round() as u32;
            enc.set_pixel_dims(Some(png::PixelDimensions { xppu: per_m, yppu: per_m, unit: png::Unit::Meter }));
        }
        let mut w = enc.write_header().map_err(|e| format!("PNG: {e}"))?;
        w.write_image_data(&rgb(pixmap)).map_err(|e| format!("PNG: {e}"))?;
    }
    Ok(out)
}

/// A drawn pixmap (on an opaque background) as a PNG file that records its resolution, `dpi`.
pub fn encode_png(pixmap: &Pixmap, dpi: f64) -> Result<Vec<u8>, String> {
    encode(pixmap, Some(dpi))
}

/// The concatenated IDAT data of a PNG file: one zlib stream.
fn idat(png: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut at = 8;
    while at + 8 <= png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().expect("four bytes")) as usize;
        let kind = &png[at + 4..at + 8];
        let data = png.get(at + 8..at + 8 + len).ok_or("PNG: a chunk runs past the end")?;
        if kind == b"IDAT" {
            out.extend_from_slice(data);
        }
        at += 12 + len;
    }
    Ok(out)
}

/// An image placed on a page: which, and where (top left corner and size, mm from the page's top left).
#[derive(Clone, Copy, Debug)]
pub struct Placed {
    pub image: usize,
    pub x_mm: f64,
    pub y_mm: f64,
    pub width_mm: f64,
    pub height_mm: f64,
}

/// A line from one point to another, mm from the page's top left.
pub type Mark = ((f64, f64), (f64, f64));

/// A line of the invisible text layer: its text where the image shows it (the left end of the baseline, mm
/// from the page's top left) at its size (the em, mm).
#[derive(Clone, Debug)]
pub struct Text {
    pub x_mm: f64,
    pub y_mm: f64,
    pub size_mm: f64,
    pub text: String,
}

/// One page: its size, its images, its cut marks and its text layer.
#[derive(Clone, Debug)]
pub struct Page {
    pub width_mm: f64,
    pub height_mm: f64,
    pub images: Vec<Placed>,
    pub marks: Vec<Mark>,
    pub texts: Vec<Text>,
}

/// The text layer's font resource name.
const TEXT_FONT: Name<'static> = Name(b"F0");

/// Every character of the pages' text layers, each with its CID (from 1).
fn cids(pages: &[Page]) -> BTreeMap<char, u16> {
    let mut chars: Vec<char> = pages.iter().flat_map(|p| &p.texts).flat_map(|t| t.text.chars()).collect();
    chars.sort_unstable();
    chars.dedup();
    chars.into_iter().zip(1u16..).collect()
}

/// The text layer's font: a CID font named after the one the pages are drawn with, not embedded, widths as the
/// drawing's (Latin half an em, the rest one), and the map back to Unicode.
fn write_font(pdf: &mut Pdf, (font, cid_font, descriptor, unicode): (Ref, Ref, Ref, Ref), cids: &BTreeMap<char, u16>) {
    let info = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
    let base = Name(b"NotoSansCJKsc-Regular");
    pdf.type0_font(font).base_font(base).encoding_predefined(Name(b"Identity-H")).descendant_font(cid_font).to_unicode(unicode);
    let mut cf = pdf.cid_font(cid_font);
    cf.subtype(CidFontType::Type2).base_font(base).system_info(info).font_descriptor(descriptor).default_width(1000.0);
    cf.cid_to_gid_map_predefined(Name(b"Identity"));
    let mut widths = cf.widths();
    for (c, cid) in cids {
        if c.is_ascii() {
            widths.consecutive(*cid, [LATIN_EM as f32 * 1000.0]);
        }
    }
    widths.finish();
    cf.finish();
    pdf.font_descriptor(descriptor)
        .name(base)
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(-1000.0, -300.0, 3000.0, 1100.0))
        .italic_angle(0.0)
        .ascent(880.0)
        .descent(-120.0)
        .cap_height(730.0)
        .stem_v(80.0);
    let mut cmap = UnicodeCmap::new(Name(b"Gridmap-UTF16"), info);
    for (c, cid) in cids {
        cmap.pair(*cid, *c);
    }
    pdf.cmap(unicode, &cmap.finish());
}

/// The width of a Latin character in ems, as the layouts that wrap text count it.
pub const LATIN_EM: f64 = 0.6;

/// The PDF of `pages` drawing `images` (each embedded once, however often placed), titled `title`.
pub fn write(title: &str, images: &[Image], pages: &[Page]) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let mut next = 1;
    let mut alloc = || {
        next += 1;
        Ref::new(next - 1)
    };
    let (catalog, tree, info) = (alloc(), alloc(), alloc());
    let image_ids: Vec<Ref> = images.iter().map(|_| alloc()).collect();
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc())).collect();
    let cids = cids(pages);
    let font = (!cids.is_empty()).then(|| (alloc(), alloc(), alloc(), alloc()));
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().map(|(p, _)| *p)).count(pages.len() as i32);
    pdf.document_info(info).title(TextStr(title)).creator(TextStr("gridmap"));
    if let Some(refs) = font {
        write_font(&mut pdf, refs, &cids);
    }
    for (img, id) in images.iter().zip(&image_ids) {
        let mut x = pdf.image_xobject(*id, &img.idat);
        x.filter(Filter::FlateDecode);
        x.width(img.width_px as i32);
        x.height(img.height_px as i32);
        x.color_space().device_rgb();
        x.bits_per_component(8);
        let mut parms = x.decode_parms();
        parms.pair(Name(b"Predictor"), 15).pair(Name(b"Colors"), 3).pair(Name(b"BitsPerComponent"), 8).pair(Name(b"Columns"), img.width_px as i32);
        parms.finish();
        x.finish();
    }
    for (page, (page_id, content_id)) in pages.iter().zip(&page_ids) {
        let (w, h) = (page.width_mm * PT_PER_MM, page.height_mm * PT_PER_MM);
        // PDF's origin is the bottom left corner, in points.
        let at = |x_mm: f64, y_mm: f64| ((x_mm * PT_PER_MM) as f32, (h - y_mm * PT_PER_MM) as f32);
        let mut c = Content::new();
        for p in &page.images {
            let (x, y) = at(p.x_mm, p.y_mm + p.height_mm);
            c.save_state();
            c.transform([(p.width_mm * PT_PER_MM) as f32, 0.0, 0.0, (p.height_mm * PT_PER_MM) as f32, x, y]);
            c.x_object(Name(format!("Im{}", p.image).as_bytes()));
            c.restore_state();
        }
        if !page.marks.is_empty() {
            c.set_stroke_gray(0.45);
            c.set_line_width(0.4);
            for ((x0, y0), (x1, y1)) in &page.marks {
                let (a, b) = (at(*x0, *y0), at(*x1, *y1));
                c.move_to(a.0, a.1);
                c.line_to(b.0, b.1);
            }
            c.stroke();
        }
        if !page.texts.is_empty() {
            c.begin_text();
            c.set_text_rendering_mode(TextRenderingMode::Invisible);
            for t in &page.texts {
                let size = (t.size_mm * PT_PER_MM) as f32;
                let (x, y) = at(t.x_mm, t.y_mm);
                c.set_font(TEXT_FONT, size);
                c.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, y]);
                let codes: Vec<u8> = t.text.chars().flat_map(|ch| cids[&ch].to_be_bytes()).collect();
                c.show(Str(&codes));
            }
            c.end_text();
        }
        let mut pg = pdf.page(*page_id);
        pg.media_box(Rect::new(0.0, 0.0, w as f32, h as f32));
        pg.parent(tree);
        pg.contents(*content_id);
        let mut resources = pg.resources();
        let mut xobjects = resources.x_objects();
        let mut used: Vec<usize> = page.images.iter().map(|p| p.image).collect();
        used.sort_unstable();
        used.dedup();
        for i in used {
            xobjects.pair(Name(format!("Im{i}").as_bytes()), image_ids[i]);
        }
        xobjects.finish();
        if let (Some((font, ..)), false) = (font, page.texts.is_empty()) {
            resources.fonts().pair(TEXT_FONT, font);
        }
        resources.finish();
        pg.finish();
        pdf.stream(*content_id, &c.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_an_image_is_a_pdf_of_that_size() {
        let mut pixmap = Pixmap::new(40, 20).unwrap();
        pixmap.fill(resvg::tiny_skia::Color::WHITE);
        let image = Image::of(&pixmap).unwrap();
        let page = Page {
            width_mm: 210.0,
            height_mm: 297.0,
            images: vec![Placed { image: 0, x_mm: 10.0, y_mm: 10.0, width_mm: 40.0, height_mm: 20.0 }],
            marks: vec![((5.0, 10.0), (9.0, 10.0))],
            texts: vec![],
        };
        let pdf = write("门牌", &[image], &[page]);
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-") && text.contains("/MediaBox [0 0 595.2756 841.8898]"), "{text}");
        assert!(text.contains("/Predictor 15") && text.contains("/Im0"));
        assert!(!text.contains("/Font"), "no text layer, no font");
    }

    #[test]
    fn a_text_layer_maps_each_character_back_to_unicode() {
        let texts = vec![
            Text { x_mm: 10.0, y_mm: 20.0, size_mm: 4.0, text: "盲区 2 处".into() },
            Text { x_mm: 10.0, y_mm: 30.0, size_mm: 4.0, text: "区域".into() },
        ];
        let page = Page { width_mm: 210.0, height_mm: 297.0, images: vec![], marks: vec![], texts };
        let pdf = write("证据", &[], &[page]);
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Identity-H") && text.contains("/ToUnicode") && text.contains("3 Tr"), "{text}");
        // 区 is one CID however often it occurs: 盲, 区, 处 and 域, the space and the digit.
        assert_eq!(cids(std::slice::from_ref(&Page { width_mm: 1.0, height_mm: 1.0, images: vec![], marks: vec![], texts: vec![Text { x_mm: 0.0, y_mm: 0.0, size_mm: 1.0, text: "盲区 2 处区域".into() }] })).len(), 6);
        // 区 (U+533A) is in the Unicode map.
        assert!(text.contains("<533A>"), "{text}");
    }
}
