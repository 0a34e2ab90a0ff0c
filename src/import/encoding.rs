//! Text encodings of county files. A `.cpg` names the encoding; without one, UTF-8 is tried strictly (every byte
//! must decode) and then GB18030 (a superset of GBK and GB2312, what Chinese Windows and older platforms write).
//! Decoding never substitutes: a byte that does not decode is an error naming where, not a silent `�`.

use encoding_rs::{Encoding, GB18030, UTF_8};

/// An encoding as chosen, with the reason, for the import report.
#[derive(Clone, Copy, Debug)]
pub struct Chosen {
    pub encoding: &'static Encoding,
    /// `.cpg`, `$DWGCODEPAGE`, `自动识别`.
    pub from: &'static str,
}

impl Chosen {
    pub fn describe(&self) -> String {
        format!("{}（{}）", self.encoding.name().to_ascii_uppercase(), self.from)
    }
}

/// The encoding a `.cpg` (or a code page label such as `936`, `ANSI_936`, `CP936`, `GBK`, `UTF-8`) names.
pub fn from_label(label: &str) -> Option<&'static Encoding> {
    let l = label.trim().trim_start_matches('\u{feff}').to_ascii_uppercase();
    let l = l.strip_prefix("ANSI_").or_else(|| l.strip_prefix("CP")).unwrap_or(&l).to_string();
    match l.as_str() {
        "65001" | "UTF-8" | "UTF8" => Some(UTF_8),
        // GB18030 decodes everything GBK and GB2312 encode.
        "936" | "GBK" | "GB2312" | "GB18030" | "54936" => Some(GB18030),
        _ => Encoding::for_label(label.trim().as_bytes()),
    }
}

/// Decodes strictly: `None` if any byte does not decode in `enc`.
pub fn decode_strict(bytes: &[u8], enc: &'static Encoding) -> Option<String> {
    enc.decode_without_bom_handling_and_without_replacement(bytes).map(|s| s.into_owned())
}

/// UTF-8 if every sample decodes as UTF-8, else GB18030 if every sample decodes so, else `None`.
pub fn detect<'a>(samples: impl Iterator<Item = &'a [u8]> + Clone) -> Option<Chosen> {
    for enc in [UTF_8, GB18030] {
        if samples.clone().all(|s| decode_strict(s, enc).is_some()) {
            return Some(Chosen { encoding: enc, from: "自动识别" });
        }
    }
    None
}

/// Text of a whole file: a UTF-8 BOM is skipped, then UTF-8 strictly, then GB18030.
pub fn decode_text(bytes: &[u8]) -> Result<(String, Chosen), String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return decode_strict(rest, UTF_8)
            .map(|s| (s, Chosen { encoding: UTF_8, from: "BOM" }))
            .ok_or_else(|| not_decodable(rest, UTF_8));
    }
    let chosen = detect(std::iter::once(bytes)).ok_or_else(|| not_decodable(bytes, GB18030))?;
    Ok((decode_strict(bytes, chosen.encoding).expect("checked"), chosen))
}

/// Where decoding in `enc` first fails, as a message.
pub fn not_decodable(bytes: &[u8], enc: &'static Encoding) -> String {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(bytes.len() * 3 + 16);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    let at = match result {
        encoding_rs::DecoderResult::Malformed(..) => read,
        _ => bytes.len(),
    };
    format!("文本既不是 UTF-8 也不是 GB18030/GBK，在第 {at} 字节附近无法解码（cannot decode the text at byte {at}; give the file's encoding in a .cpg）")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_first_then_gb18030_and_labels() {
        let (gbk, _, _) = GB18030.encode("南新社区");
        assert_eq!(detect(std::iter::once(&gbk[..])).unwrap().encoding, GB18030);
        assert_eq!(detect(std::iter::once("南新社区".as_bytes())).unwrap().encoding, UTF_8);
        assert_eq!(from_label("ANSI_936"), Some(GB18030));
        assert_eq!(from_label("UTF-8\n"), Some(UTF_8));
        let (s, c) = decode_text(b"\xEF\xBB\xBFcode,name").unwrap();
        assert_eq!((s.as_str(), c.from), ("code,name", "BOM"));
    }
}
