//! The bounds an import holds input to, each with a message that says which and where: a file's size, the number
//! of features, a text value's length, and no control characters in text (they break tables, CSV exports and
//! the page, and are never in a real name or address).

use serde_json::Value;

/// Largest file an import reads (a 2 GB file is refused before it is read).
pub const MAX_FILE_BYTES: u64 = 1 << 30;
/// Most features one layer file may hold (the default county has about 45,000 households).
pub const MAX_FEATURES: usize = 2_000_000;
/// Longest text value, in characters.
pub const MAX_TEXT_CHARS: usize = 4_000;

/// Refuses a path that is not a regular file (a device, a FIFO, a directory; symlinks are followed) or is too big.
pub fn check_file(path: &std::path::Path) -> Result<u64, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("无法读取（cannot read）: {e}"))?;
    if !meta.file_type().is_file() {
        return Err("不是普通文件，拒绝读取（only regular files are read）".into());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!("文件 {} 字节，超过上限 {MAX_FILE_BYTES} 字节（file too large）", meta.len()));
    }
    Ok(meta.len())
}

/// Refuses a text value (in a property, at any depth) that is too long or holds a control character.
pub fn check_value(key: &str, v: &Value) -> Result<(), String> {
    match v {
        Value::String(s) => {
            if s.chars().count() > MAX_TEXT_CHARS {
                return Err(format!("属性 {key} 的文本超过 {MAX_TEXT_CHARS} 个字符（text too long）"));
            }
            // A KML description may run over lines; nothing else may.
            let allowed = |c: char| key == "description" && matches!(c, '\n' | '\r' | '\t');
            if let Some(c) = s.chars().find(|c| c.is_control() && !allowed(*c)) {
                return Err(format!("属性 {key} 含控制字符 U+{:04X}（control character refused）", c as u32));
            }
            Ok(())
        }
        Value::Array(a) => a.iter().try_for_each(|x| check_value(key, x)),
        Value::Object(o) => o.iter().try_for_each(|(k, x)| check_value(k, x)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_long_text_are_refused_and_devices_too() {
        assert!(check_value("name", &Value::String("南新\u{7}社区".into())).unwrap_err().contains("U+0007"));
        assert!(check_value("name", &Value::String("a".repeat(MAX_TEXT_CHARS + 1))).is_err());
        assert!(check_value("tags", &serde_json::json!(["elderly_alone"])).is_ok());
        assert!(check_file(std::path::Path::new("/dev/zero")).unwrap_err().contains("普通文件"));
    }
}
