//! DXF (ASCII) as AutoCAD, 南方 CASS and GDAL write it. Each closed shape in ENTITIES is a row: a closed
//! LWPOLYLINE or R12 POLYLINE (bulges cut into chords) or a HATCH (its boundary paths; a path inside another is
//! its hole), with its layer, its handle (to find it in CAD) and, as `name`, the TEXT or MTEXT label inside it.
//! Open lines, circles and block references are counted, not read: a county's grids are closed boundaries, and
//! a drawing with none is refused with what it holds instead. BLOCKS are not expanded (explode them in CAD).
//! DXF has no CRS, so the import asks for `--crs`. Text is in the `$DWGCODEPAGE` code page before AutoCAD 2007
//! and UTF-8 from it on, with `\U+XXXX` for characters the code page lacks.
//!
//! Hand-written: no maintained Rust DXF crate reads HATCH boundary paths and the ANSI code pages, and the reader
//! takes arbitrary bytes from the fuzz target, so every count in the file is bounded by the groups actually there.

use std::borrow::Cow;
use std::path::Path;

use encoding_rs::{BIG5, EUC_KR, Encoding, GBK, IBM866, SHIFT_JIS, UTF_8, WINDOWS_874};
use geo::coordinate_position::{CoordPos, coord_pos_relative_to_ring};
use geo::{BoundingRect, Contains, Coord, Geometry, LineString, MultiPolygon, Polygon, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde_json::{Map, Value};

use super::encoding;
use super::source::Format;
use super::{Row, SourceError, SourceRead};

type Pt = Coord<f64>;

/// Arcs (bulges, HATCH arc edges) are cut into chords of at most this many degrees, so at most 36 per arc.
const ARC_STEP_DEGREES: f64 = 10.0;
/// Most boundary paths of one HATCH: finding holes compares paths pairwise. A grid's fill has a handful.
const MAX_HATCH_PATHS: usize = 1_000;
/// Most vertex-against-ring tests in finding one HATCH's holes; past it, the rest of its paths are taken as
/// polygons of their own. Only a crafted file gets near it, and it must not hang the import.
const NEST_BUDGET: usize = 20_000_000;
/// The entities that hold shapes or labels, whose text decides the encoding.
const READ_KINDS: [&str; 5] = ["LWPOLYLINE", "POLYLINE", "HATCH", "TEXT", "MTEXT"];

/// Reads a DXF file from disk.
pub fn read_file(path: &Path) -> Result<SourceRead, SourceError> {
    let bytes = std::fs::read(path).map_err(|e| SourceError::new(path, format!("无法读取（cannot read）: {e}")))?;
    read_bytes(&bytes, path)
}

/// Reads DXF bytes (the fuzz target calls this; `path` only names the file in messages).
pub fn read_bytes(bytes: &[u8], path: &Path) -> Result<SourceRead, SourceError> {
    let unreadable = |r: String| SourceError::new(path, format!("不是可读的 DXF 文件（not a readable DXF）: {r}"));
    if bytes.starts_with(b"AutoCAD Binary DXF") {
        return Err(SourceError::new(
            path,
            "这是二进制 DXF（binary DXF），无法读取：请在 CAD 中另存为 ASCII DXF（save it as ASCII DXF）",
        ));
    }
    if bytes.starts_with(b"AC10") || bytes.starts_with(b"AC1.") {
        return Err(SourceError::new(
            path,
            "这是 DWG 图形文件，不是 DXF（a DWG, not a DXF）：请在 CAD 中另存为 ASCII DXF",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let drawing = sections(bytes).map_err(unreadable)?;
    let entities = split(&drawing.entities);
    let text = choose_encoding(&drawing, &entities).map_err(|r| SourceError::new(path, r))?;
    let mut found = read_entities(&entities, &text).map_err(unreadable)?;
    if found.shapes.is_empty() {
        return Err(SourceError::new(path, found.skipped.no_shapes()));
    }
    dedupe(&mut found.shapes);
    name_shapes(&mut found.shapes, &found.labels);
    Ok(SourceRead {
        format: Format::Dxf,
        crs: None,
        encoding: Some(text.describe),
        headers: vec!["layer".into(), "name".into(), "handle".into()],
        rows: found.shapes.into_iter().enumerate().map(|(i, s)| s.row(i + 1)).collect(),
    })
}

// ── Groups and sections ─────────────────────────────────────────────────────────────────────────────────────

/// A group: its code, its value's bytes (line end removed), and the line its code is on (1-based). Values stay
/// bytes until the encoding is known: codes and numbers are ASCII in every code page DXF uses.
#[derive(Clone, Copy, Debug)]
struct Pair<'a> {
    code: i32,
    value: &'a [u8],
    line: usize,
}

impl<'a> Pair<'a> {
    /// The value as ASCII text, trimmed (names, numbers, handles); empty if it is not UTF-8.
    fn str(&self) -> &'a str {
        std::str::from_utf8(self.value).map(str::trim).unwrap_or("")
    }

    fn is(&self, code: i32, value: &str) -> bool {
        self.code == code && self.str().eq_ignore_ascii_case(value)
    }

    /// The value as a finite number; anything else is an error naming the value's line.
    fn num(&self) -> Result<f64, String> {
        let line = self.line + 1;
        match self.str().parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            Ok(_) => Err(format!("第 {line} 行的数值不是有限数（non-finite number）")),
            Err(_) => Err(format!("第 {line} 行应为数值（a number is expected），读到 {}", shown(self.value))),
        }
    }

    /// The value as an integer (flags, counts), 0 if it is not one: a bad flag must not lose the drawing.
    fn int(&self) -> i64 {
        let s = self.str();
        s.parse::<i64>().ok().or_else(|| s.parse::<f64>().ok().filter(|v| v.is_finite()).map(|v| v as i64)).unwrap_or(0)
    }
}

/// A value as shown in a message: its first bytes, lossily.
fn shown(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(&bytes[..bytes.len().min(40)]))
}

/// The groups of a file, two lines each (`\n` or `\r\n`, codes padded with spaces), comments (999) left out.
struct Pairs<'a> {
    rest: &'a [u8],
    /// The line last read.
    line: usize,
    /// A group read once too far, given back to the next reader.
    back: Option<Pair<'a>>,
}

impl<'a> Pairs<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Pairs { rest: bytes, line: 0, back: None }
    }

    fn next_line(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        self.line += 1;
        let (line, rest) = match self.rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, &self.rest[self.rest.len()..]),
        };
        self.rest = rest;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }
}

impl<'a> Iterator for Pairs<'a> {
    type Item = Result<Pair<'a>, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(p) = self.back.take() {
            return Some(Ok(p));
        }
        loop {
            let code = self.next_line()?;
            let line = self.line;
            let text = std::str::from_utf8(code).map(str::trim).unwrap_or("");
            if text.is_empty() && self.rest.iter().all(u8::is_ascii_whitespace) {
                return None;
            }
            let Ok(code) = text.parse::<i32>() else {
                return Some(Err(format!("第 {line} 行应为组码（a group code is expected），读到 {}", shown(code))));
            };
            let Some(value) = self.next_line() else {
                return Some(Err(format!("第 {line} 行的组码 {code} 之后没有值，文件在此被截断（truncated）")));
            };
            if code != 999 {
                return Some(Ok(Pair { code, value, line }));
            }
        }
    }
}

/// What the reader needs of a drawing: the header's version and code page, and the groups of ENTITIES.
#[derive(Default)]
struct Drawing<'a> {
    acadver: Option<String>,
    codepage: Option<String>,
    entities: Vec<Pair<'a>>,
}

/// Walks the sections: HEADER for `$ACADVER` and `$DWGCODEPAGE`, ENTITIES kept, the others (BLOCKS too) skipped.
fn sections(bytes: &[u8]) -> Result<Drawing<'_>, String> {
    let mut pairs = Pairs::new(bytes);
    let mut drawing = Drawing::default();
    let mut has_entities = false;
    while let Some(p) = pairs.next() {
        let p = p?;
        if p.is(0, "EOF") {
            break;
        }
        if !p.is(0, "SECTION") {
            continue;
        }
        let name = match pairs.next() {
            Some(name) => name?,
            None => break,
        };
        if name.code != 2 {
            pairs.back = Some(name);
            continue;
        }
        match name.str().to_ascii_uppercase().as_str() {
            "HEADER" => {
                let mut var = String::new();
                section(&mut pairs, |g| header(&mut drawing, &mut var, g))?;
            }
            "ENTITIES" => {
                has_entities = true;
                let entities = &mut drawing.entities;
                if !section(&mut pairs, |g| entities.push(g))? {
                    return Err(format!(
                        "ENTITIES 段（第 {} 行起）没有以 ENDSEC 结束，文件在第 {} 行处被截断（truncated）",
                        p.line, pairs.line
                    ));
                }
            }
            _ => {
                section(&mut pairs, |_| {})?;
            }
        }
    }
    if !has_entities {
        return Err(format!(
            "没有 ENTITIES 段（no ENTITIES section），共读到 {} 行，文件可能被截断或不是图形",
            pairs.line
        ));
    }
    Ok(drawing)
}

/// Feeds a section's groups to `each` up to its ENDSEC; `false` if the file (or the section) ends without one.
fn section<'a>(pairs: &mut Pairs<'a>, mut each: impl FnMut(Pair<'a>)) -> Result<bool, String> {
    while let Some(p) = pairs.next() {
        let p = p?;
        if p.is(0, "ENDSEC") {
            return Ok(true);
        }
        if p.is(0, "SECTION") || p.is(0, "EOF") {
            pairs.back = Some(p);
            return Ok(false);
        }
        each(p);
    }
    Ok(false)
}

/// A HEADER group: `9 $NAME` names the variable the next groups give.
fn header(drawing: &mut Drawing, var: &mut String, g: Pair) {
    match g.code {
        9 => *var = g.str().to_ascii_uppercase(),
        1 if var == "$ACADVER" => drawing.acadver = Some(g.str().to_string()),
        3 if var == "$DWGCODEPAGE" => drawing.codepage = Some(g.str().to_string()),
        _ => {}
    }
}

/// An entity: its type (upper case) and its groups after its `0` group.
struct Entity<'a> {
    kind: String,
    groups: &'a [Pair<'a>],
}

impl<'a> Entity<'a> {
    fn get(&self, code: i32) -> Option<&'a Pair<'a>> {
        self.groups.iter().find(|g| g.code == code)
    }

    fn int(&self, code: i32) -> Option<i64> {
        self.get(code).map(Pair::int)
    }

    fn num(&self, code: i32) -> Result<Option<f64>, String> {
        self.get(code).map(Pair::num).transpose()
    }

    fn point(&self, x: i32, y: i32) -> Result<Option<Pt>, String> {
        Ok(match (self.num(x)?, self.num(y)?) {
            (Some(x), Some(y)) => Some(Pt { x, y }),
            _ => None,
        })
    }

    /// The handle (group 5), if it looks like one (hexadecimal digits).
    fn handle(&self) -> Option<String> {
        let h = self.get(5)?.str();
        (!h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric())).then(|| h.to_string())
    }
}

/// The entities of the ENTITIES groups, each from its `0` group to the next.
fn split<'a>(groups: &'a [Pair<'a>]) -> Vec<Entity<'a>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < groups.len() {
        if groups[i].code != 0 {
            i += 1;
            continue;
        }
        let end = groups[i + 1..].iter().position(|g| g.code == 0).map_or(groups.len(), |n| i + 1 + n);
        out.push(Entity { kind: groups[i].str().to_ascii_uppercase(), groups: &groups[i + 1..end] });
        i = end;
    }
    out
}

// ── Text ────────────────────────────────────────────────────────────────────────────────────────────────────

/// The encoding the drawing's text is decoded in, and why, for the import report.
struct Text {
    encoding: &'static Encoding,
    describe: String,
}

impl Text {
    fn new(encoding: &'static Encoding, why: impl std::fmt::Display) -> Text {
        Text { encoding, describe: format!("{}（{why}）", encoding.name().to_ascii_uppercase()) }
    }

    /// Bytes as text. Every value decoded was checked to decode strictly when the encoding was chosen.
    fn decode(&self, bytes: &[u8]) -> String {
        self.encoding.decode_without_bom_handling(bytes).0.into_owned()
    }
}

/// Chooses the encoding from the version and code page, checked against every layer name and label: AutoCAD
/// 2007+ writes UTF-8; before, the `$DWGCODEPAGE`. Other writers are looser (GDAL declares ANSI_1252 and writes
/// UTF-8), so a Western single-byte code page yields to UTF-8 or GBK when the text is valid in one of them, and a
/// declaration the text does not decode in yields to detection (UTF-8, else GB18030) as for other files.
fn choose_encoding(drawing: &Drawing, entities: &[Entity]) -> Result<Text, String> {
    let samples = samples(entities);
    let fits = |enc: &'static Encoding| {
        samples.iter().all(|(b, _)| enc.decode_without_bom_handling_and_without_replacement(b).is_some())
    };
    let version = drawing.acadver.as_deref().and_then(|v| v.get(2..)).and_then(|n| n.parse::<u32>().ok());
    if version.is_some_and(|v| v >= 1021) && fits(UTF_8) {
        return Ok(Text { encoding: UTF_8, describe: "UTF-8（AutoCAD 2007+）".into() });
    }
    let page = drawing.codepage.as_deref().filter(|p| !p.is_empty());
    let declared = page.and_then(codepage);
    if let (Some(enc), Some(page)) = (declared, page) {
        if enc.is_single_byte() && samples.iter().any(|(b, _)| !b.is_ascii()) {
            for guess in [UTF_8, GBK] {
                if fits(guess) {
                    return Ok(Text::new(guess, format!("自动识别；与 $DWGCODEPAGE {page} 不符")));
                }
            }
        }
        if fits(enc) {
            return Ok(Text::new(enc, format!("$DWGCODEPAGE {page}")));
        }
    }
    if let Some(chosen) = encoding::detect(samples.iter().map(|(b, _)| &b[..])) {
        return Ok(match page {
            Some(page) if declared.is_some() => {
                Text::new(chosen.encoding, format!("自动识别；文本不是 $DWGCODEPAGE {page}"))
            }
            _ => Text { encoding: chosen.encoding, describe: chosen.describe() },
        });
    }
    let enc = declared.unwrap_or(GBK);
    let failing = samples.iter().find(|(b, _)| enc.decode_without_bom_handling_and_without_replacement(b).is_none());
    let line = failing.map_or(0, |s| s.1);
    Err(format!(
        "第 {line} 行的文本无法按 {} 解码（cannot decode the text at line {line}），请检查图形的代码页 $DWGCODEPAGE",
        enc.name()
    ))
}

/// The text that will be read (layer names and labels of the entities read), with the line of each.
fn samples<'a>(entities: &[Entity<'a>]) -> Vec<(Cow<'a, [u8]>, usize)> {
    let mut out = Vec::new();
    for e in entities.iter().filter(|e| READ_KINDS.contains(&e.kind.as_str())) {
        if let Some(g) = e.get(8) {
            out.push((Cow::Borrowed(g.value), g.line + 1));
        }
        out.extend(label_bytes(e));
    }
    out
}

/// The encoding a `$DWGCODEPAGE` names (`ANSI_936`, `ANSI_1252`, `DOS936`, `UTF8`).
fn codepage(label: &str) -> Option<&'static Encoding> {
    let l = label.trim().to_ascii_uppercase();
    let n = l.strip_prefix("ANSI_").or_else(|| l.strip_prefix("DOS")).or_else(|| l.strip_prefix("CP")).unwrap_or(&l);
    match n {
        // encoding_rs decodes GBK as GB18030, its superset.
        "936" | "GBK" | "GB2312" => Some(GBK),
        "950" | "BIG5" => Some(BIG5),
        "932" => Some(SHIFT_JIS),
        "949" => Some(EUC_KR),
        "874" => Some(WINDOWS_874),
        "866" => Some(IBM866),
        "UTF8" | "UTF-8" | "65001" => Some(UTF_8),
        n if n.len() == 4 && n.starts_with("125") => Encoding::for_label(format!("windows-{n}").as_bytes()),
        _ => Encoding::for_label(l.as_bytes()),
    }
}

/// A text value as one line of plain text: `\U+XXXX` and `\M+NXXXX` resolved, `%%d`-style codes and `^J`-style
/// control characters replaced, MTEXT formatting (`\P`, `{\fArial|b0;…}`, `\H2.5;`, `\C1;`, `\S1/2;`…) removed
/// when `mtext`, and whitespace collapsed (a name is one line, without control characters).
fn plain(s: &str, mtext: bool) -> String {
    let c: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < c.len() {
        let rest = &c[i..];
        let used = match rest {
            ['\\', ..] => escape(rest, mtext, &mut out),
            ['%', '%', ..] => percent(rest, &mut out),
            ['^', ' ', ..] => {
                out.push('^');
                2
            }
            ['^', n, ..] if ('@'..='_').contains(n) => {
                out.push(' ');
                2
            }
            ['{' | '}', ..] if mtext => 1,
            [ch, ..] => {
                out.push(*ch);
                1
            }
            [] => 1,
        };
        i += used.max(1);
    }
    out.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// A backslash sequence at the start of `c`, written to `out`; how many characters it used.
fn escape(c: &[char], mtext: bool, out: &mut String) -> usize {
    if let Some((ch, used)) = unicode(c) {
        out.push(ch);
        return used;
    }
    if let Some((s, used)) = multibyte(c) {
        out.push_str(&s);
        return used;
    }
    if !mtext {
        out.push('\\');
        return 1;
    }
    match c.get(1) {
        Some('P' | 'X' | 'N' | '~') => {
            out.push(' ');
            2
        }
        Some(ch @ ('\\' | '{' | '}')) => {
            out.push(*ch);
            2
        }
        Some('L' | 'l' | 'O' | 'o' | 'K' | 'k') => 2,
        Some('S') => {
            let (body, used) = to_semicolon(&c[2..]);
            out.extend(body.iter().map(|&ch| if ch == '^' || ch == '#' { '/' } else { ch }));
            2 + used
        }
        Some('f' | 'F' | 'H' | 'W' | 'Q' | 'T' | 'A' | 'C' | 'c' | 'p') => 2 + to_semicolon(&c[2..]).1,
        _ => {
            out.push('\\');
            1
        }
    }
}

/// The characters before the first `;` and how many were used with it (all, if there is none).
fn to_semicolon(c: &[char]) -> (&[char], usize) {
    match c.iter().position(|&ch| ch == ';') {
        Some(n) => (&c[..n], n + 1),
        None => (c, c.len()),
    }
}

fn hex4(c: &[char]) -> Option<u32> {
    c.get(..4)?.iter().try_fold(0u32, |acc, ch| ch.to_digit(16).map(|d| acc * 16 + d))
}

/// `\U+XXXX`, how AutoCAD writes a character its code page lacks (a surrogate pair as two).
fn unicode(c: &[char]) -> Option<(char, usize)> {
    if !matches!(c, ['\\', 'U' | 'u', '+', ..]) {
        return None;
    }
    let hi = hex4(&c[3..])?;
    if (0xD800..0xDC00).contains(&hi)
        && let Some(['\\', 'U' | 'u', '+', ..]) = c.get(7..10)
        && let Some(lo) = hex4(&c[10..]).filter(|lo| (0xDC00..0xE000).contains(lo))
    {
        return char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)).map(|ch| (ch, 14));
    }
    char::from_u32(hi).map(|ch| (ch, 7))
}

/// `\M+NXXXX`, a double-byte character of code page N (older AutoCAD): 1 Shift-JIS, 2 Big5, 3 KS C, 5 GB2312.
fn multibyte(c: &[char]) -> Option<(String, usize)> {
    let ['\\', 'M' | 'm', '+', n, ..] = c else { return None };
    let enc = match n {
        '1' => SHIFT_JIS,
        '2' => BIG5,
        '3' => EUC_KR,
        '5' => GBK,
        _ => return None,
    };
    let code = hex4(&c[4..])?;
    let bytes = [(code >> 8) as u8, (code & 0xFF) as u8];
    let s = enc.decode_without_bom_handling_and_without_replacement(&bytes)?;
    Some((s.into_owned(), 8))
}

/// A `%%` code at the start of `c`: `%%d` °, `%%p` ±, `%%c` ⌀, `%%%` %, `%%nnn` a character code; `%%u`,
/// `%%o`, `%%k` (underline, overline, strike) dropped.
fn percent(c: &[char], out: &mut String) -> usize {
    match c.get(2) {
        Some('d' | 'D') => out.push('°'),
        Some('p' | 'P') => out.push('±'),
        Some('c' | 'C') => out.push('⌀'),
        Some('%') => out.push('%'),
        Some('u' | 'U' | 'o' | 'O' | 'k' | 'K') => {}
        Some(d) if d.is_ascii_digit() => {
            let code = c.get(2..5).filter(|ds| ds.iter().all(char::is_ascii_digit)).and_then(|ds| {
                ds.iter().try_fold(0u32, |acc, ch| ch.to_digit(10).map(|d| acc * 10 + d)).and_then(char::from_u32)
            });
            return match code {
                Some(ch) => {
                    out.push(ch);
                    5
                }
                None => {
                    out.push_str("%%");
                    2
                }
            };
        }
        _ => {
            out.push_str("%%");
            return 2;
        }
    }
    3
}

/// The bytes of a TEXT's or MTEXT's text (MTEXT: its 3 chunks, then its 1), and their line.
fn label_bytes<'a>(e: &Entity<'a>) -> Option<(Cow<'a, [u8]>, usize)> {
    match e.kind.as_str() {
        "TEXT" => e.get(1).map(|g| (Cow::Borrowed(g.value), g.line + 1)),
        "MTEXT" => {
            let last = e.get(1)?;
            let chunks: Vec<&Pair> = e.groups.iter().filter(|g| g.code == 3).collect();
            let Some(first) = chunks.first() else { return Some((Cow::Borrowed(last.value), last.line + 1)) };
            let line = first.line + 1;
            let mut bytes: Vec<u8> = chunks.iter().flat_map(|g| g.value.iter().copied()).collect();
            bytes.extend_from_slice(last.value);
            Some((Cow::Owned(bytes), line))
        }
        _ => None,
    }
}

// ── Entities ────────────────────────────────────────────────────────────────────────────────────────────────

/// A closed shape, to become a row.
struct Shape {
    kind: &'static str,
    handle: Option<String>,
    layer: String,
    polygons: Vec<Polygon<f64>>,
    name: Option<String>,
}

impl Shape {
    fn row(mut self, n: usize) -> Row {
        let place = match &self.handle {
            Some(h) => format!("图元 #{n}（{} {h}）", self.kind),
            None => format!("图元 #{n}（{}）", self.kind),
        };
        let mut columns = Map::new();
        columns.insert("layer".into(), Value::String(self.layer));
        columns.insert("name".into(), self.name.map_or(Value::Null, Value::String));
        columns.insert("handle".into(), self.handle.map_or(Value::Null, Value::String));
        let geometry = if self.polygons.len() == 1 {
            Geometry::Polygon(self.polygons.swap_remove(0))
        } else {
            Geometry::MultiPolygon(MultiPolygon(self.polygons))
        };
        Row { place, columns, geometry: Some(geometry) }
    }

    /// The area within the exteriors, holes included: what two drawings of one shape share.
    fn outer_area(&self) -> f64 {
        self.polygons.iter().map(|p| shoelace(&p.exterior().0).abs()).sum()
    }

    fn holes(&self) -> usize {
        self.polygons.iter().map(|p| p.interiors().len()).sum()
    }

    fn bbox(&self) -> Option<Rect<f64>> {
        self.polygons.iter().filter_map(|p| p.bounding_rect()).reduce(|a, b| {
            Rect::new(
                Pt { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                Pt { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        })
    }
}

/// A TEXT or MTEXT: where it stands and what it says.
struct Label {
    at: Pt,
    text: String,
}

/// What was read but is not a shape, for the message when nothing is.
#[derive(Default)]
struct Skipped {
    entities: usize,
    open: usize,
    lines: usize,
    blocks: usize,
    circles: usize,
    meshes: usize,
    degenerate: usize,
}

impl Skipped {
    fn no_shapes(&self) -> String {
        let mut held = vec![format!("开放线 {} 条", self.open)];
        if self.lines > 0 {
            held.push(format!("直线、圆弧或样条 {} 条", self.lines));
        }
        if self.blocks > 0 {
            held.push(format!("块参照 {} 个（块内图形不读取，可先用 EXPLODE 分解）", self.blocks));
        }
        if self.circles > 0 {
            held.push(format!("圆 {} 个（不作为网格读取）", self.circles));
        }
        if self.meshes > 0 {
            held.push(format!("三维网格 {} 个", self.meshes));
        }
        if self.degenerate > 0 {
            held.push(format!("没有面积的闭合线或填充 {} 个", self.degenerate));
        }
        format!(
            "图中没有闭合的多段线或填充（no closed polylines or hatches）：共 {} 个图元，其中{}。请在 CAD 中将边界闭合（PEDIT 闭合）后再导入",
            self.entities,
            held.join("、")
        )
    }
}

#[derive(Default)]
struct Found {
    shapes: Vec<Shape>,
    labels: Vec<Label>,
    skipped: Skipped,
}

impl Found {
    fn add(&mut self, e: &Entity, kind: &'static str, polygons: Vec<Polygon<f64>>, text: &Text) {
        if polygons.is_empty() {
            self.skipped.degenerate += 1;
            return;
        }
        let layer = e.get(8).map(|g| plain(&text.decode(g.value), false)).filter(|l| !l.is_empty());
        let layer = layer.unwrap_or_else(|| "0".into());
        self.shapes.push(Shape { kind, handle: e.handle(), layer, polygons, name: None });
    }

    fn outline(&mut self, e: &Entity, kind: &'static str, outline: Option<Vec<Pt>>, text: &Text) {
        match outline {
            Some(points) => {
                let polygons = ring(points).map(|r| Polygon::new(r, vec![])).into_iter().collect();
                self.add(e, kind, polygons, text);
            }
            None => self.skipped.open += 1,
        }
    }
}

/// Reads the entities in order; a POLYLINE takes the VERTEX entities after it, up to its SEQEND. Paper space
/// (group 67 = 1: title blocks, viewports) is left out.
fn read_entities(entities: &[Entity], text: &Text) -> Result<Found, String> {
    let mut found = Found::default();
    let mut i = 0;
    while i < entities.len() {
        let e = &entities[i];
        i += 1;
        let vertices: &[Entity] = if e.kind == "POLYLINE" {
            let n = entities[i..].iter().take_while(|v| v.kind == "VERTEX").count();
            let vertices = &entities[i..i + n];
            i += n;
            if entities.get(i).is_some_and(|s| s.kind == "SEQEND") {
                i += 1;
            }
            vertices
        } else {
            &[]
        };
        if e.int(67) == Some(1) || matches!(e.kind.as_str(), "VERTEX" | "SEQEND") {
            continue;
        }
        found.skipped.entities += 1;
        match e.kind.as_str() {
            "LWPOLYLINE" => {
                let outline = lwpolyline(e)?;
                found.outline(e, "LWPOLYLINE", outline, text);
            }
            "POLYLINE" => match polyline(e, vertices)? {
                Some(outline) => found.outline(e, "POLYLINE", outline, text),
                None => found.skipped.meshes += 1,
            },
            "HATCH" => {
                let polygons = hatch(e)?;
                found.add(e, "HATCH", polygons, text);
            }
            "TEXT" | "MTEXT" => found.labels.extend(label(e, text)?),
            "LINE" | "ARC" | "SPLINE" | "ELLIPSE" => found.skipped.lines += 1,
            "INSERT" => found.skipped.blocks += 1,
            "CIRCLE" => found.skipped.circles += 1,
            _ => {}
        }
    }
    Ok(found)
}

/// An LWPOLYLINE's outline in WCS if it is closed (flag 70 bit 1, or its ends meet), `None` if open.
fn lwpolyline(e: &Entity) -> Result<Option<Vec<Pt>>, String> {
    let mut v: Vec<(f64, Option<f64>, f64)> = Vec::new();
    for g in e.groups {
        match g.code {
            10 => v.push((g.num()?, None, 0.0)),
            20 => {
                if let Some(last) = v.last_mut() {
                    last.1 = Some(g.num()?);
                }
            }
            42 => {
                if let Some(last) = v.last_mut() {
                    last.2 = g.num()?;
                }
            }
            _ => {}
        }
    }
    let vertices: Vec<(Pt, f64)> = v.into_iter().filter_map(|(x, y, b)| y.map(|y| (Pt { x, y }, b))).collect();
    let ocs = ocs(e)?;
    Ok(closed_outline(&vertices, e.int(70).unwrap_or(0) & 1 != 0).map(|pts| to_wcs(ocs, pts)))
}

/// An R12 POLYLINE's outline from its VERTEX entities (spline frame points, flag 16, left out); `Ok(None)` for
/// a 3D mesh or polyface (flags 16, 64), `Ok(Some(None))` if open.
fn polyline(e: &Entity, vertices: &[Entity]) -> Result<Option<Option<Vec<Pt>>>, String> {
    let flags = e.int(70).unwrap_or(0);
    if flags & (16 | 64) != 0 {
        return Ok(None);
    }
    let mut v = Vec::new();
    for vertex in vertices {
        if vertex.int(70).unwrap_or(0) & 16 != 0 {
            continue;
        }
        if let Some(p) = vertex.point(10, 20)? {
            v.push((p, vertex.num(42)?.unwrap_or(0.0)));
        }
    }
    // A 3D polyline (flag 8) is in WCS; a 2D one in its OCS.
    let ocs = if flags & 8 == 0 { ocs(e)? } else { None };
    Ok(Some(closed_outline(&v, flags & 1 != 0).map(|pts| to_wcs(ocs, pts))))
}

/// The points of a polyline that is closed, or whose first and last vertices meet; `None` if it is open.
fn closed_outline(vertices: &[(Pt, f64)], closed: bool) -> Option<Vec<Pt>> {
    let ends_meet = match (vertices.first(), vertices.last()) {
        (Some(a), Some(b)) if vertices.len() > 2 => near(a.0, b.0, tolerance(vertices.iter().map(|v| v.0))),
        _ => false,
    };
    (closed || ends_meet).then(|| polyline_points(vertices, closed))
}

/// A TEXT's or MTEXT's label, if it has text and a point. TEXT stands at its alignment point (11/21) when it is
/// aligned (72/73 not 0), between its two points when fitted; MTEXT at its insertion point.
fn label(e: &Entity, text: &Text) -> Result<Option<Label>, String> {
    let Some((bytes, _)) = label_bytes(e) else { return Ok(None) };
    let s = plain(&text.decode(&bytes), e.kind == "MTEXT");
    // A paragraph is a note, not a name (and too long to be a property).
    if s.is_empty() || s.chars().count() > crate::model::limits::MAX_TEXT_CHARS {
        return Ok(None);
    }
    let Some(first) = e.point(10, 20)? else { return Ok(None) };
    if e.kind == "MTEXT" {
        return Ok(Some(Label { at: first, text: s }));
    }
    let (h, v) = (e.int(72).unwrap_or(0), e.int(73).unwrap_or(0));
    let at = match (e.point(11, 21)?, h, v) {
        (Some(second), 3 | 5, 0) => Pt { x: f64::midpoint(first.x, second.x), y: f64::midpoint(first.y, second.y) },
        (Some(second), _, _) if h != 0 || v != 0 => second,
        _ => first,
    };
    Ok(Some(Label { at: point_to_wcs(ocs(e)?, at), text: s }))
}

// ── HATCH ───────────────────────────────────────────────────────────────────────────────────────────────────

/// A HATCH's area: its boundary paths as rings, nested into polygons with holes.
fn hatch(e: &Entity) -> Result<Vec<Polygon<f64>>, String> {
    let ocs = ocs(e)?;
    let rings: Vec<LineString<f64>> = hatch_paths(e)?.into_iter().filter_map(|pts| ring(to_wcs(ocs, pts))).collect();
    Ok(nest(rings))
}

/// A reading position in an entity's groups.
struct Cursor<'e> {
    groups: &'e [Pair<'e>],
    at: usize,
}

impl<'e> Cursor<'e> {
    fn code_at(&self, ahead: usize) -> Option<i32> {
        self.groups.get(self.at + ahead).map(|g| g.code)
    }

    /// The next group if it has `code`.
    fn take(&mut self, code: i32) -> Option<&'e Pair<'e>> {
        let g = self.groups.get(self.at).filter(|g| g.code == code)?;
        self.at += 1;
        Some(g)
    }

    /// The next groups while their codes are in `codes`.
    fn take_all(&mut self, codes: &[i32]) -> &'e [Pair<'e>] {
        let start = self.at;
        while self.groups.get(self.at).is_some_and(|g| codes.contains(&g.code)) {
            self.at += 1;
        }
        &self.groups[start..self.at]
    }
}

fn num_in(groups: &[Pair], code: i32) -> Result<Option<f64>, String> {
    groups.iter().find(|g| g.code == code).map(Pair::num).transpose()
}

fn point_in(groups: &[Pair], x: i32, y: i32) -> Result<Option<Pt>, String> {
    Ok(match (num_in(groups, x)?, num_in(groups, y)?) {
        (Some(x), Some(y)) => Some(Pt { x, y }),
        _ => None,
    })
}

/// The points of repeated x/y groups (each y after its x).
fn points_in(groups: &[Pair], x: i32, y: i32) -> Result<Vec<Pt>, String> {
    let mut v: Vec<(f64, Option<f64>)> = Vec::new();
    for g in groups {
        if g.code == x {
            v.push((g.num()?, None));
        } else if g.code == y
            && let Some(last) = v.last_mut()
        {
            last.1 = Some(g.num()?);
        }
    }
    Ok(v.into_iter().filter_map(|(x, y)| y.map(|y| Pt { x, y })).collect())
}

/// The boundary paths of a HATCH, in OCS, read group by group: the elevation point (10/20) before the path count
/// (91) and the seed points (98, 10/20) after the paths are never taken for vertices. Reading stops quietly where
/// the groups stop making a path; a count in the file only bounds the loop, it never sizes an allocation.
fn hatch_paths(e: &Entity) -> Result<Vec<Vec<Pt>>, String> {
    let body = e.groups.iter().position(|g| g.is(100, "AcDbHatch")).map_or(e.groups, |i| &e.groups[i + 1..]);
    let Some(at) = body.iter().position(|g| g.code == 91) else { return Ok(Vec::new()) };
    let count = body[at].int();
    let mut c = Cursor { groups: body, at: at + 1 };
    let mut paths = Vec::new();
    while (paths.len() as i64) < count {
        let Some(flags) = c.take(92) else { break };
        if paths.len() == MAX_HATCH_PATHS {
            return Ok(Vec::new());
        }
        // Bit 2: a polyline path; otherwise an edge path.
        paths.push(if flags.int() & 2 != 0 { polyline_path(&mut c)? } else { edge_path(&mut c)? });
        // The source boundary objects: a count (97) and references (330).
        if c.take(97).is_some() {
            c.take_all(&[330]);
        }
    }
    Ok(paths)
}

/// A polyline path: 72 has-bulge, 73 closed, 93 vertex count, then 10/20 (42) per vertex. A path is always
/// a closed boundary, whatever 73 says.
fn polyline_path(c: &mut Cursor) -> Result<Vec<Pt>, String> {
    let head = c.take_all(&[72, 73, 93]);
    let count = head.iter().find(|g| g.code == 93).map_or(i64::MAX, Pair::int);
    let mut v = Vec::new();
    while (v.len() as i64) < count {
        let Some(x) = c.take(10) else { break };
        let Some(y) = c.take(20) else { break };
        let bulge = match c.take(42) {
            Some(b) => b.num()?,
            None => 0.0,
        };
        v.push((Pt { x: x.num()?, y: y.num()? }, bulge));
    }
    Ok(polyline_points(&v, true))
}

/// An edge path: 93 edge count, then per edge 72 (its type) and its groups; the edges joined end to start.
fn edge_path(c: &mut Cursor) -> Result<Vec<Pt>, String> {
    let count = c.take(93).map_or(0, Pair::int);
    let mut edges = Vec::new();
    while (edges.len() as i64) < count {
        let Some(kind) = c.take(72) else { break };
        edges.push(edge(c, kind.int())?);
    }
    Ok(chain(edges))
}

/// One edge's points: 1 line (10/20 → 11/21); 2 circular arc (centre 10/20, radius 40, angles 50/51, 73 ccw);
/// 3 elliptic arc (centre, major axis end 11/21 relative to it, ratio 40, angles, ccw); 4 spline, by its fit
/// points (11/21) if it has them, else its control points (10/20): a boundary needs no exact curve.
fn edge(c: &mut Cursor, kind: i64) -> Result<Vec<Pt>, String> {
    Ok(match kind {
        1 => {
            let g = c.take_all(&[10, 20, 11, 21]);
            match (point_in(g, 10, 20)?, point_in(g, 11, 21)?) {
                (Some(a), Some(b)) => vec![a, b],
                _ => Vec::new(),
            }
        }
        2 | 3 => {
            let g = c.take_all(&[10, 20, 11, 21, 40, 50, 51, 73]);
            let centre = point_in(g, 10, 20)?;
            let (start, end) = (num_in(g, 50)?.unwrap_or(0.0), num_in(g, 51)?.unwrap_or(360.0));
            let ccw = g.iter().find(|p| p.code == 73).is_none_or(|p| p.int() != 0);
            let axis = if kind == 2 {
                num_in(g, 40)?.map(|r| (Pt { x: r, y: 0.0 }, 1.0))
            } else {
                point_in(g, 11, 21)?.zip(num_in(g, 40)?)
            };
            match (centre, axis) {
                (Some(centre), Some((major, ratio))) => ellipse_points(centre, major, ratio, start, end, ccw),
                _ => Vec::new(),
            }
        }
        4 => {
            let g = c.take_all(&[94, 73, 74, 95, 96, 40, 10, 20, 42]);
            let control = points_in(g, 10, 20)?;
            // Since AutoCAD 2010 a spline edge ends with its fit points: 97 (their count), 11/21, 12/22 and 13/23
            // (tangents). The path's own 97 (source objects) follows its last edge, so a 97 is the spline's when
            // what follows it is fit data, the next edge (72) or the path's 97.
            let mut fit = Vec::new();
            if c.code_at(0) == Some(97) && c.code_at(1).is_some_and(|k| matches!(k, 11 | 12 | 13 | 72 | 97)) {
                c.at += 1;
                fit = points_in(c.take_all(&[11, 21, 12, 22, 13, 23]), 11, 21)?;
            }
            if fit.len() >= 2 { fit } else { control }
        }
        // An unknown edge: its groups stay, and the path ends at them.
        _ => Vec::new(),
    })
}

/// Edges joined into one line, each turned round when it was written the other way.
fn chain(mut edges: Vec<Vec<Pt>>) -> Vec<Pt> {
    edges.retain(|e| !e.is_empty());
    if let [first, second, ..] = edges.as_mut_slice() {
        let gap = |p: Pt| dist2(p, second[0]).min(dist2(p, second[second.len() - 1]));
        if gap(first[0]) < gap(first[first.len() - 1]) {
            first.reverse();
        }
    }
    let mut out: Vec<Pt> = Vec::new();
    for mut e in edges {
        if let Some(&last) = out.last()
            && dist2(last, e[e.len() - 1]) < dist2(last, e[0])
        {
            e.reverse();
        }
        out.extend(e);
    }
    out
}

/// The rings of a HATCH as polygons: a ring inside another (the smallest that holds it) is its hole, a ring
/// inside a hole an island, a polygon again. Containment decides, not the path flags, which writers set loosely.
fn nest(rings: Vec<LineString<f64>>) -> Vec<Polygon<f64>> {
    let area: Vec<f64> = rings.iter().map(|r| shoelace(&r.0).abs()).collect();
    let boxes: Vec<Option<Rect<f64>>> = rings.iter().map(|r| r.bounding_rect()).collect();
    let mut order: Vec<usize> = (0..rings.len()).collect();
    order.sort_by(|&a, &b| area[b].total_cmp(&area[a]));
    let mut parent: Vec<Option<usize>> = vec![None; rings.len()];
    let mut depth = vec![0usize; rings.len()];
    let mut budget = NEST_BUDGET;
    for (k, &i) in order.iter().enumerate() {
        // The larger rings, smallest first: the first that holds it is the smallest.
        let holder = order[..k].iter().rev().find(|&&j| holds(&rings[j], boxes[j], &rings[i], boxes[i], &mut budget));
        if let Some(&j) = holder {
            parent[i] = Some(j);
            depth[i] = depth[j] + 1;
        }
    }
    let mut rings: Vec<Option<LineString<f64>>> = rings.into_iter().map(Some).collect();
    let mut polygon_of: Vec<Option<usize>> = vec![None; rings.len()];
    let mut polygons: Vec<(LineString<f64>, Vec<LineString<f64>>)> = Vec::new();
    for &i in order.iter().filter(|&&i| depth[i].is_multiple_of(2)) {
        if let Some(r) = rings[i].take() {
            polygon_of[i] = Some(polygons.len());
            polygons.push((r, Vec::new()));
        }
    }
    for &i in order.iter().filter(|&&i| !depth[i].is_multiple_of(2)) {
        if let (Some(p), Some(r)) = (parent[i].and_then(|j| polygon_of[j]), rings[i].take()) {
            polygons[p].1.push(r);
        }
    }
    polygons.into_iter().map(|(exterior, holes)| Polygon::new(exterior, holes)).collect()
}

/// Whether ring `a` holds ring `b`: `b`'s box within `a`'s, and more of (a sample of) `b`'s vertices inside `a`
/// than outside, so a hole touching its exterior at a vertex still counts and two copies of a ring do not.
/// Each test spends `a`'s length from `budget`; none is made once it is spent.
fn holds(
    a: &LineString<f64>,
    a_box: Option<Rect<f64>>,
    b: &LineString<f64>,
    b_box: Option<Rect<f64>>,
    budget: &mut usize,
) -> bool {
    let (Some(ab), Some(bb)) = (a_box, b_box) else { return false };
    if bb.min().x < ab.min().x || bb.min().y < ab.min().y || bb.max().x > ab.max().x || bb.max().y > ab.max().y {
        return false;
    }
    let step = (b.0.len() / 32).max(1);
    let cost = a.0.len().saturating_mul(b.0.len().div_ceil(step));
    let Some(left) = budget.checked_sub(cost) else {
        *budget = 0;
        return false;
    };
    *budget = left;
    let (mut inside, mut outside) = (0usize, 0usize);
    for p in b.0.iter().step_by(step) {
        match coord_pos_relative_to_ring(*p, a) {
            CoordPos::Inside => inside += 1,
            CoordPos::Outside => outside += 1,
            CoordPos::OnBoundary => {}
        }
    }
    inside > outside
}

// ── Geometry ────────────────────────────────────────────────────────────────────────────────────────────────

/// An entity's object coordinate system (extrusion 210/220/230, by the arbitrary axis algorithm) as the WCS x
/// and y of its axes; `None` for the usual (0, 0, 1). A mirrored entity has (0, 0, −1): its x runs west.
#[derive(Clone, Copy)]
struct Ocs {
    x: Pt,
    y: Pt,
}

fn ocs(e: &Entity) -> Result<Option<Ocs>, String> {
    let n = [e.num(210)?.unwrap_or(0.0), e.num(220)?.unwrap_or(0.0), e.num(230)?.unwrap_or(1.0)];
    let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
    if len == 0.0 || !len.is_finite() || (n[0] == 0.0 && n[1] == 0.0 && n[2] > 0.0) {
        return Ok(None);
    }
    let n = n.map(|v| v / len);
    let ax = if n[0].abs() < 1.0 / 64.0 && n[1].abs() < 1.0 / 64.0 { [n[2], 0.0, -n[0]] } else { [-n[1], n[0], 0.0] };
    let ax_len = (ax[0] * ax[0] + ax[1] * ax[1] + ax[2] * ax[2]).sqrt();
    let ax = ax.map(|v| v / ax_len);
    let ay = [n[1] * ax[2] - n[2] * ax[1], n[2] * ax[0] - n[0] * ax[2], n[0] * ax[1] - n[1] * ax[0]];
    Ok(Some(Ocs { x: Pt { x: ax[0], y: ax[1] }, y: Pt { x: ay[0], y: ay[1] } }))
}

/// An OCS point to WCS x/y (elevation left out: a tilted drawing plane is not a map).
fn point_to_wcs(ocs: Option<Ocs>, p: Pt) -> Pt {
    match ocs {
        Some(o) => Pt { x: p.x * o.x.x + p.y * o.y.x, y: p.x * o.x.y + p.y * o.y.y },
        None => p,
    }
}

fn to_wcs(ocs: Option<Ocs>, mut pts: Vec<Pt>) -> Vec<Pt> {
    if ocs.is_some() {
        for p in &mut pts {
            *p = point_to_wcs(ocs, *p);
        }
    }
    pts
}

fn arc_steps(sweep_degrees: f64) -> usize {
    let n = (sweep_degrees.abs() / ARC_STEP_DEGREES).ceil();
    if n.is_finite() { (n as usize).clamp(1, 36) } else { 1 }
}

/// A polyline's vertices with the arcs of their bulges; `closed` adds the closing segment (and its arc).
fn polyline_points(vertices: &[(Pt, f64)], closed: bool) -> Vec<Pt> {
    let mut out = Vec::with_capacity(vertices.len());
    for (i, &(p, bulge)) in vertices.iter().enumerate() {
        out.push(p);
        let next = match vertices.get(i + 1) {
            Some(&(q, _)) => q,
            None if closed => vertices[0].0,
            None => break,
        };
        bulge_points(p, next, bulge, &mut out);
    }
    out
}

/// The points strictly between `a` and `b` on the arc a bulge makes of the segment. The bulge is the tangent of
/// a quarter of the arc's angle, positive counterclockwise; |angle| < 360°, so at most 36 chords.
fn bulge_points(a: Pt, b: Pt, bulge: f64, out: &mut Vec<Pt>) {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    if bulge == 0.0 || (dx == 0.0 && dy == 0.0) {
        return;
    }
    let sweep = 4.0 * bulge.atan();
    let n = arc_steps(sweep.to_degrees());
    if n < 2 {
        return;
    }
    // The centre is off the chord's midpoint, to its left for a counterclockwise arc.
    let k = 0.5 / (sweep / 2.0).tan();
    let centre = Pt { x: f64::midpoint(a.x, b.x) - dy * k, y: f64::midpoint(a.y, b.y) + dx * k };
    let radius = (a.x - centre.x).hypot(a.y - centre.y);
    let start = (a.y - centre.y).atan2(a.x - centre.x);
    for i in 1..n {
        let t = start + sweep * i as f64 / n as f64;
        out.push(Pt { x: centre.x + radius * t.cos(), y: centre.y + radius * t.sin() });
    }
}

/// A HATCH arc or elliptic arc edge as points, ends included. `major` is the major axis end relative to the
/// centre, `ratio` minor/major, the angles in degrees from the major axis. A clockwise edge stores its angles
/// mirrored (360° − angle), so it runs from −start to −end.
fn ellipse_points(centre: Pt, major: Pt, ratio: f64, start: f64, end: f64, ccw: bool) -> Vec<Pt> {
    if ratio <= 0.0 {
        return Vec::new();
    }
    let mut span = (end - start).rem_euclid(360.0);
    if span <= 1e-9 {
        span = 360.0;
    }
    let n = arc_steps(span);
    let sign = if ccw { 1.0 } else { -1.0 };
    let minor = Pt { x: -major.y * ratio, y: major.x * ratio };
    (0..=n)
        .map(|i| {
            let angle = (sign * (start + span * i as f64 / n as f64)).to_radians();
            // The ellipse's parameter at that angle.
            let t = (angle.sin() / ratio).atan2(angle.cos());
            let (cos, sin) = (t.cos(), t.sin());
            Pt { x: centre.x + major.x * cos + minor.x * sin, y: centre.y + major.y * cos + minor.y * sin }
        })
        .collect()
}

fn dist2(a: Pt, b: Pt) -> f64 {
    (a.x - b.x).powi(2) + (a.y - b.y).powi(2)
}

/// How close two points must be to be one: a millionth of the extent (a millimetre on a kilometre grid).
fn tolerance(pts: impl Iterator<Item = Pt>) -> f64 {
    let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
    for p in pts {
        b = [b[0].min(p.x), b[1].min(p.y), b[2].max(p.x), b[3].max(p.y)];
    }
    let extent = (b[2] - b[0]).max(b[3] - b[1]);
    if extent.is_finite() { extent * 1e-6 } else { 0.0 }
}

fn near(a: Pt, b: Pt, tolerance: f64) -> bool {
    (a.x - b.x).abs() <= tolerance && (a.y - b.y).abs() <= tolerance
}

/// The signed area of a closed ring (positive counterclockwise), taken about its first point for precision.
fn shoelace(pts: &[Pt]) -> f64 {
    let Some(&o) = pts.first() else { return 0.0 };
    let sum: f64 = pts.windows(2).map(|w| (w[0].x - o.x) * (w[1].y - o.y) - (w[1].x - o.x) * (w[0].y - o.y)).sum();
    sum / 2.0
}

/// The points as a closed ring, or `None` if they enclose nothing: fewer than three distinct points, no area,
/// or a coordinate an arc pushed out of range.
fn ring(mut pts: Vec<Pt>) -> Option<LineString<f64>> {
    if pts.iter().any(|p| !p.x.is_finite() || !p.y.is_finite()) {
        return None;
    }
    let tol = tolerance(pts.iter().copied());
    pts.dedup_by(|b, a| near(*a, *b, tol));
    while pts.len() > 1 && near(pts[0], pts[pts.len() - 1], tol) {
        pts.pop();
    }
    if pts.len() < 3 {
        return None;
    }
    pts.push(pts[0]);
    let area = shoelace(&pts);
    (area.is_finite() && area != 0.0).then(|| LineString::new(pts))
}

// ── Rows ────────────────────────────────────────────────────────────────────────────────────────────────────

/// Drops a shape drawn twice, as a HATCH filling its boundary polyline is: same box and area. The first in file
/// order stays (its layer and handle), with the holes of whichever has more.
fn dedupe(shapes: &mut Vec<Shape>) {
    let area: Vec<f64> = shapes.iter().map(Shape::outer_area).collect();
    let boxes: Vec<Option<Rect<f64>>> = shapes.iter().map(Shape::bbox).collect();
    let mut order: Vec<usize> = (0..shapes.len()).collect();
    order.sort_by(|&a, &b| area[a].total_cmp(&area[b]));
    let mut gone = vec![false; shapes.len()];
    for (k, &i) in order.iter().enumerate() {
        for &j in &order[k + 1..] {
            if gone[i] || area[j] - area[i] > area[j] * 1e-6 {
                break;
            }
            if gone[j] || !same_box(boxes[i], boxes[j]) || shapes[i].polygons.len() != shapes[j].polygons.len() {
                continue;
            }
            let (keep, drop) = (i.min(j), i.max(j));
            if shapes[drop].holes() > shapes[keep].holes() {
                shapes[keep].polygons = std::mem::take(&mut shapes[drop].polygons);
            }
            gone[drop] = true;
        }
    }
    let mut index = 0;
    shapes.retain(|_| {
        index += 1;
        !gone[index - 1]
    });
}

fn same_box(a: Option<Rect<f64>>, b: Option<Rect<f64>>) -> bool {
    let (Some(a), Some(b)) = (a, b) else { return false };
    let tol = a.width().max(a.height()) * 1e-6;
    near(a.min(), b.min(), tol) && near(a.max(), b.max(), tol)
}

/// Names each shape after the first label (in file order) whose point lies inside it; where shapes nest, the
/// label goes to the smallest that holds it, and a label whose shape is already named is left.
fn name_shapes(shapes: &mut [Shape], labels: &[Label]) {
    let area: Vec<f64> = shapes.iter().map(Shape::outer_area).collect();
    let tree = RTree::bulk_load(
        shapes
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let r = s.bbox()?;
                Some(GeomWithData::new(Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]), i))
            })
            .collect(),
    );
    for label in labels {
        let best = tree
            .locate_in_envelope_intersecting(&AABB::from_point([label.at.x, label.at.y]))
            .map(|g| g.data)
            .filter(|&i| shapes[i].polygons.iter().any(|p| p.contains(&label.at)))
            .min_by(|&a, &b| area[a].total_cmp(&area[b]));
        if let Some(i) = best
            && shapes[i].name.is_none()
        {
            shapes[i].name = Some(label.text.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area;

    /// Groups as DXF lines, codes right-aligned as AutoCAD writes them.
    fn groups(g: &[(i32, &str)]) -> String {
        let mut out = String::new();
        for (c, v) in g {
            out.push_str(&format!("{c:>3}\n{v}\n"));
        }
        out
    }

    /// A group whose value is bytes in some code page.
    fn raw(code: i32, value: &[u8]) -> Vec<u8> {
        [format!("{code:>3}\n").as_bytes(), value, b"\n"].concat()
    }

    /// A drawing: a HEADER with `version` and `codepage` (if given), then `entities` (DXF lines) in ENTITIES.
    fn drawing(version: Option<&str>, codepage: Option<&str>, entities: &[u8]) -> Vec<u8> {
        let mut header = vec![(0, "SECTION"), (2, "HEADER")];
        if let Some(v) = version {
            header.extend([(9, "$ACADVER"), (1, v)]);
        }
        if let Some(c) = codepage {
            header.extend([(9, "$DWGCODEPAGE"), (3, c)]);
        }
        header.extend([(0, "ENDSEC"), (0, "SECTION"), (2, "ENTITIES")]);
        let mut out = groups(&header).into_bytes();
        out.extend_from_slice(entities);
        out.extend_from_slice(groups(&[(0, "ENDSEC"), (0, "EOF")]).as_bytes());
        out
    }

    fn read(bytes: &[u8]) -> Result<SourceRead, SourceError> {
        read_bytes(bytes, Path::new("t.dxf"))
    }

    fn square(handle: &str, layer: &str, x0: f64, size: f64) -> String {
        let (a, b) = (x0.to_string(), (x0 + size).to_string());
        let (a, b) = (a.as_str(), b.as_str());
        groups(&[
            (0, "LWPOLYLINE"),
            (5, handle),
            (100, "AcDbEntity"),
            (8, layer),
            (100, "AcDbPolyline"),
            (90, "4"),
            (70, "1"),
            (10, a),
            (20, a),
            (10, b),
            (20, a),
            (10, b),
            (20, b),
            (10, a),
            (20, b),
        ])
    }

    fn text(value: &str, x: f64, y: f64) -> String {
        let (x, y) = (x.to_string(), y.to_string());
        groups(&[(0, "TEXT"), (5, "99"), (8, "标注"), (10, x.as_str()), (20, y.as_str()), (40, "2.5"), (1, value)])
    }

    fn polygon(row: &Row) -> &Polygon<f64> {
        match row.geometry.as_ref() {
            Some(Geometry::Polygon(p)) => p,
            other => panic!("not a polygon: {other:?}"),
        }
    }

    #[test]
    fn a_closed_square_with_a_label_inside_is_one_named_row() {
        let entities = square("2A", "网格", 0.0, 10.0) + &text("网格一", 5.0, 5.0) + &text("外面", 50.0, 50.0);
        let read = read(&drawing(Some("AC1021"), Some("ANSI_936"), entities.as_bytes())).unwrap();
        assert_eq!(read.format, Format::Dxf);
        assert!(read.crs.is_none());
        assert_eq!(read.encoding.as_deref(), Some("UTF-8（AutoCAD 2007+）"));
        assert_eq!(read.headers, ["layer", "name", "handle"]);
        assert_eq!(read.rows.len(), 1);
        let row = &read.rows[0];
        assert_eq!(row.place, "图元 #1（LWPOLYLINE 2A）");
        assert_eq!(row.columns["layer"], "网格");
        assert_eq!(row.columns["name"], "网格一");
        assert_eq!(row.columns["handle"], "2A");
        assert_eq!(polygon(row).unsigned_area(), 100.0);
    }

    #[test]
    fn labels_go_to_the_smallest_shape_holding_them_and_the_first_wins() {
        let entities = square("1", "村", 0.0, 100.0)
            + &square("2", "网格", 10.0, 10.0)
            + &text("东风村", 50.0, 50.0)
            + &text("第一网格", 15.0, 15.0)
            + &text("第二个标注", 16.0, 16.0);
        let read = read(&drawing(None, None, entities.as_bytes())).unwrap();
        let names: Vec<Option<&str>> = read.rows.iter().map(|r| r.columns["name"].as_str()).collect();
        assert_eq!(names, [Some("东风村"), Some("第一网格")]);
        assert_eq!(read.encoding.as_deref(), Some("UTF-8（自动识别）"));
    }

    #[test]
    fn a_bulge_makes_an_arc() {
        // A 10 × 10 square whose bottom edge bulges out into a half circle of radius 5 (bulge 1 = 180°).
        let entities = groups(&[
            (0, "LWPOLYLINE"),
            (8, "0"),
            (90, "4"),
            (70, "1"),
            (10, "0"),
            (20, "0"),
            (42, "1"),
            (10, "10"),
            (20, "0"),
            (10, "10"),
            (20, "10"),
            (10, "0"),
            (20, "10"),
        ]);
        let read = read(&drawing(None, None, entities.as_bytes())).unwrap();
        let p = polygon(&read.rows[0]);
        assert!(p.exterior().0.len() > 10, "{} vertices", p.exterior().0.len());
        let half_circle = std::f64::consts::PI * 25.0 / 2.0;
        let area = p.unsigned_area();
        assert!(area > 100.0 + 0.98 * half_circle && area < 100.0 + half_circle, "area {area}");
        let lowest = p.exterior().0.iter().map(|c| c.y).fold(f64::INFINITY, f64::min);
        assert!((lowest + 5.0).abs() < 1e-9, "lowest {lowest}");
    }

    /// A HATCH as GDAL writes it: elevation point before the paths, seed points after.
    fn hatch_with_hole(handle: &str) -> String {
        groups(&[
            (0, "HATCH"),
            (5, handle),
            (100, "AcDbEntity"),
            (8, "填充"),
            (100, "AcDbHatch"),
            (10, "0"),
            (20, "0"),
            (30, "0"),
            (210, "0"),
            (220, "0"),
            (230, "1"),
            (2, "SOLID"),
            (70, "1"),
            (71, "0"),
            (91, "2"),
            (92, "2"),
            (72, "0"),
            (73, "1"),
            (93, "4"),
            (10, "0"),
            (20, "0"),
            (10, "10"),
            (20, "0"),
            (10, "10"),
            (20, "10"),
            (10, "0"),
            (20, "10"),
            (97, "0"),
            (92, "2"),
            (72, "0"),
            (73, "1"),
            (93, "4"),
            (10, "2"),
            (20, "2"),
            (10, "4"),
            (20, "2"),
            (10, "4"),
            (20, "4"),
            (10, "2"),
            (20, "4"),
            (97, "1"),
            (330, "3F"),
            (75, "0"),
            (76, "1"),
            (98, "1"),
            (10, "500"),
            (20, "500"),
        ])
    }

    #[test]
    fn a_hatch_path_inside_another_is_its_hole() {
        let read = read(&drawing(Some("AC1018"), Some("ANSI_1252"), hatch_with_hole("20000").as_bytes())).unwrap();
        assert_eq!(read.rows.len(), 1);
        let p = polygon(&read.rows[0]);
        assert_eq!(p.interiors().len(), 1);
        assert_eq!(p.unsigned_area(), 96.0);
        assert_eq!(read.rows[0].place, "图元 #1（HATCH 20000）");
        assert_eq!(read.encoding.as_deref(), Some("UTF-8（自动识别；与 $DWGCODEPAGE ANSI_1252 不符）"));
    }

    #[test]
    fn a_hatch_over_its_boundary_polyline_is_one_row_with_the_hatch_holes() {
        let entities = square("1", "边界", 0.0, 10.0) + &hatch_with_hole("2");
        let read = read(&drawing(None, None, entities.as_bytes())).unwrap();
        assert_eq!(read.rows.len(), 1);
        assert_eq!(read.rows[0].columns["layer"], "边界");
        assert_eq!(polygon(&read.rows[0]).interiors().len(), 1);
    }

    #[test]
    fn an_edge_path_of_lines_and_an_arc() {
        // Three sides of a square, then a half circle (centre (0, 5), radius 5) bulging west from (0, 10) to (0, 0);
        // the second line written backwards, as some writers do.
        let entities = groups(&[
            (0, "HATCH"),
            (8, "0"),
            (100, "AcDbHatch"),
            (10, "0"),
            (20, "0"),
            (91, "1"),
            (92, "1"),
            (93, "4"),
            (72, "1"),
            (10, "0"),
            (20, "0"),
            (11, "10"),
            (21, "0"),
            (72, "1"),
            (10, "10"),
            (20, "10"),
            (11, "10"),
            (21, "0"),
            (72, "1"),
            (10, "10"),
            (20, "10"),
            (11, "0"),
            (21, "10"),
            (72, "2"),
            (10, "0"),
            (20, "5"),
            (40, "5"),
            (50, "90"),
            (51, "270"),
            (73, "1"),
            (97, "0"),
            (75, "1"),
            (98, "0"),
        ]);
        let read = read(&drawing(None, None, entities.as_bytes())).unwrap();
        let p = polygon(&read.rows[0]);
        let expected = 100.0 + std::f64::consts::PI * 25.0 / 2.0;
        assert!((p.unsigned_area() - expected).abs() < expected * 0.01, "area {}", p.unsigned_area());
        let west = p.exterior().0.iter().map(|c| c.x).fold(f64::INFINITY, f64::min);
        assert!((west + 5.0).abs() < 1e-9, "west {west}");
    }

    #[test]
    fn a_clockwise_arc_edge_runs_from_minus_start() {
        // The same half circle written clockwise from (0, 0) to (0, 10): AutoCAD stores 360 − angle, so 90..270.
        let pts = ellipse_points(Pt { x: 0.0, y: 5.0 }, Pt { x: 5.0, y: 0.0 }, 1.0, 90.0, 270.0, false);
        assert!(near(pts[0], Pt { x: 0.0, y: 0.0 }, 1e-9), "{:?}", pts[0]);
        assert!(near(pts[pts.len() / 2], Pt { x: -5.0, y: 5.0 }, 1e-9));
        assert!(near(pts[pts.len() - 1], Pt { x: 0.0, y: 10.0 }, 1e-9));
    }

    #[test]
    fn a_spline_edge_with_fit_data_then_the_path_sources() {
        // Two lines, then a spline back to the start; its fit data count (97 0) is followed by the path's 97.
        let entities = groups(&[
            (0, "HATCH"),
            (8, "0"),
            (100, "AcDbHatch"),
            (91, "1"),
            (92, "0"),
            (93, "3"),
            (72, "1"),
            (10, "0"),
            (20, "0"),
            (11, "10"),
            (21, "0"),
            (72, "1"),
            (10, "10"),
            (20, "0"),
            (11, "10"),
            (21, "10"),
            (72, "4"),
            (94, "2"),
            (73, "0"),
            (74, "0"),
            (95, "6"),
            (96, "3"),
            (40, "0"),
            (40, "0"),
            (40, "0"),
            (40, "1"),
            (40, "1"),
            (40, "1"),
            (10, "10"),
            (20, "10"),
            (10, "2"),
            (20, "8"),
            (10, "0"),
            (20, "0"),
            (97, "0"),
            (97, "0"),
            (75, "1"),
        ]);
        let read = read(&drawing(None, None, entities.as_bytes())).unwrap();
        let p = polygon(&read.rows[0]);
        assert_eq!(p.exterior().0.len(), 5);
        assert!(p.exterior().0.contains(&Pt { x: 2.0, y: 8.0 }));
    }

    #[test]
    fn an_r12_polyline_with_vertices_and_a_bulge() {
        let mut entities = groups(&[(0, "POLYLINE"), (8, "R12"), (66, "1"), (10, "0"), (20, "0"), (70, "1")]);
        for (x, y, bulge) in [("0", "0", "0"), ("10", "0", "0"), ("10", "10", "0.5"), ("0", "10", "0")] {
            entities += &groups(&[(0, "VERTEX"), (8, "R12"), (10, x), (20, y), (42, bulge)]);
        }
        entities += &groups(&[(0, "SEQEND"), (8, "R12")]);
        entities += &groups(&[(0, "LINE"), (8, "0"), (10, "0"), (20, "0"), (11, "1"), (21, "1")]);
        // R12 files often have no header; and CR LF line ends.
        let bytes = String::from_utf8(drawing(None, None, entities.as_bytes())).unwrap().replace('\n', "\r\n");
        let read = read(bytes.as_bytes()).unwrap();
        assert_eq!(read.rows.len(), 1);
        assert_eq!(read.rows[0].place, "图元 #1（POLYLINE）");
        assert_eq!(read.rows[0].columns["handle"], Value::Null);
        assert_eq!(read.rows[0].columns["layer"], "R12");
        let p = polygon(&read.rows[0]);
        assert!(p.exterior().0.len() > 6 && p.unsigned_area() > 100.0);
    }

    #[test]
    fn a_gbk_label_under_ansi_936() {
        let (layer, _, _) = GBK.encode("网格");
        let (name, _, _) = GBK.encode("网格一");
        let mut entities = groups(&[(0, "LWPOLYLINE"), (5, "A1")]).into_bytes();
        entities.extend(raw(8, &layer));
        let corners = [(10, "0"), (20, "0"), (10, "10"), (20, "0"), (10, "10"), (20, "10"), (10, "0"), (20, "10")];
        entities.extend_from_slice(groups(&[(70, "1")]).as_bytes());
        entities.extend_from_slice(groups(&corners).as_bytes());
        entities.extend_from_slice(groups(&[(0, "TEXT"), (8, "0"), (10, "3"), (20, "3")]).as_bytes());
        entities.extend(raw(1, &name));
        let read = read(&drawing(Some("AC1015"), Some("ANSI_936"), &entities)).unwrap();
        assert_eq!(read.encoding.as_deref(), Some("GBK（$DWGCODEPAGE ANSI_936）"));
        assert_eq!(read.rows[0].columns["layer"], "网格");
        assert_eq!(read.rows[0].columns["name"], "网格一");
    }

    #[test]
    fn unicode_escapes_and_mtext_formatting() {
        let mtext = groups(&[
            (0, "MTEXT"),
            (8, "0"),
            (10, "5"),
            (20, "5"),
            (3, "\\A1;{\\fSimSun|b0|i0|c134;\\H2.5;\\C1;东风"),
            (1, "村\\P第一\\U+7F51\\U+683C}"),
        ]);
        let entities = square("1", "\\U+7F51\\U+683C", 0.0, 10.0) + &mtext;
        let read = read(&drawing(Some("AC1015"), Some("ANSI_1252"), entities.as_bytes())).unwrap();
        assert_eq!(read.rows[0].columns["layer"], "网格");
        assert_eq!(read.rows[0].columns["name"], "东风村 第一网格");
        assert_eq!(plain("\\U+7F51", false), "网");
        assert_eq!(plain("%%d45 %%p0.5 100%%%", false), "°45 ±0.5 100%");
        assert_eq!(plain("{\\L\\O下划线\\l\\o}\\S1/2;", true), "下划线1/2");
        assert_eq!(plain("\\M+5CDF8", false), "网");
        assert_eq!(plain("a\\", true), "a\\");
        assert_eq!(plain("\\U+D83D\\U+DE00", false), "😀");
    }

    #[test]
    fn binary_dwg_truncated_and_empty_drawings_are_refused() {
        let e = read(b"AutoCAD Binary DXF\r\n\x1a\x00\x00").unwrap_err().to_string();
        assert!(e.contains("ASCII DXF") && e.contains("另存为"), "{e}");
        assert!(read(b"AC1027\x00\x00\x01").unwrap_err().to_string().contains("DWG"));

        let whole = drawing(None, None, square("1", "0", 0.0, 10.0).as_bytes());
        let cut = &whole[..whole.len() - groups(&[(0, "ENDSEC"), (0, "EOF")]).len()];
        let e = read(cut).unwrap_err().to_string();
        assert!(e.contains("ENDSEC") && e.contains("截断") && e.contains("第 "), "{e}");
        let dangling = [cut, b"  0\n"].concat();
        let e = read(&dangling).unwrap_err().to_string();
        let last_line = cut.iter().filter(|&&b| b == b'\n').count() + 1;
        assert!(e.contains("截断") && e.contains(&format!("第 {last_line} 行")), "{e}");

        let header_only = groups(&[(0, "SECTION"), (2, "HEADER"), (0, "ENDSEC"), (0, "EOF")]);
        let e = read(header_only.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("ENTITIES"), "{e}");
        let e = read(b"hello\nworld\n").unwrap_err().to_string();
        assert!(e.contains("第 1 行") && e.contains("组码"), "{e}");
    }

    #[test]
    fn a_drawing_without_closed_shapes_says_what_it_holds() {
        let entities = groups(&[
            (0, "LWPOLYLINE"),
            (8, "0"),
            (90, "3"),
            (70, "0"),
            (10, "0"),
            (20, "0"),
            (10, "10"),
            (20, "0"),
            (10, "10"),
            (20, "10"),
            (0, "LINE"),
            (8, "0"),
            (10, "0"),
            (20, "0"),
            (11, "5"),
            (21, "5"),
        ]);
        let e = read(&drawing(None, None, entities.as_bytes())).unwrap_err().to_string();
        assert!(e.contains("没有闭合") && e.contains("共 2 个图元") && e.contains("开放线 1 条"), "{e}");
        assert!(e.contains("直线、圆弧或样条 1 条") && e.contains("PEDIT"), "{e}");
    }

    #[test]
    fn a_non_finite_coordinate_names_its_line() {
        let entities = square("1", "0", 0.0, 10.0).replacen("\n10\n", "\n1e999\n", 1);
        let e = read(&drawing(None, None, entities.as_bytes())).unwrap_err().to_string();
        assert!(e.contains("有限数") && e.contains("第 "), "{e}");
    }

    /// A small xorshift: the tests need noise, not quality.
    fn noise(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn no_prefix_mutation_or_garbage_panics() {
        let mut entities = square("1", "网格", 0.0, 10.0) + &hatch_with_hole("2") + &text("\\U+7F51", 5.0, 5.0);
        entities += &groups(&[(0, "POLYLINE"), (70, "1"), (0, "VERTEX"), (10, "0"), (20, "0"), (42, "1e300")]);
        entities += &groups(&[(0, "VERTEX"), (10, "1"), (20, "0"), (0, "VERTEX"), (10, "1"), (20, "1"), (0, "SEQEND")]);
        let whole = drawing(Some("AC1015"), Some("ANSI_936"), entities.as_bytes());
        assert!(read(&whole).is_ok());
        for n in 0..whole.len() {
            let _ = read(&whole[..n]);
        }
        // Each line replaced by a value that breaks counts, numbers or structure.
        let lines: Vec<&[u8]> = whole.split(|&b| b == b'\n').collect();
        for i in 0..lines.len() {
            for bad in [&b"1000000000"[..], b"-1", b"nan", b"0", b"92", b"", b"\xff\xfe"] {
                let mut l = lines.clone();
                l[i] = bad;
                let _ = read(&l.join(&b'\n'));
            }
        }
        // Random groups from the codes and values the reader acts on.
        let codes = [0, 2, 5, 8, 10, 20, 11, 21, 40, 42, 50, 51, 70, 72, 73, 91, 92, 93, 94, 95, 96, 97, 98, 330, 1, 3];
        let values: Vec<&str> = "SECTION ENTITIES ENDSEC HATCH LWPOLYLINE POLYLINE VERTEX SEQEND TEXT MTEXT AcDbHatch \
            0 1 2 4 -1 3.5 1e308 -1e308 1000000000 \\U+7F51 {\\fA;\\Px} %% \\M+5 \\U+D83D"
            .split_whitespace()
            .collect();
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..3000 {
            let mut g = vec![(0, "SECTION"), (2, "ENTITIES")];
            for _ in 0..(noise(&mut state) % 120) {
                let c = codes[(noise(&mut state) % codes.len() as u64) as usize];
                let v = values[(noise(&mut state) % values.len() as u64) as usize];
                g.push((c, v));
            }
            g.push((0, "ENDSEC"));
            let _ = read(groups(&g).as_bytes());
            let garbage: Vec<u8> = (0..(noise(&mut state) % 200)).map(|_| (noise(&mut state) % 256) as u8).collect();
            let _ = read(&garbage);
        }
    }
}
