//! Source columns to contract properties. Contract names pass as they are, also when a Shapefile cut them to 10
//! bytes (`community_` is `community_code`); the Chinese headers county rosters use are recognised; `--map
//! SRC=DST,...` overrides both. Values of codes, phones and ID numbers stay text: a number there is written back
//! without exponent, and a 身份证号 a spreadsheet turned into a number is flagged, never repaired.

use serde_json::{Map, Value};

use crate::model::Layer;

/// What a source column becomes.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    Property(String),
    Lon,
    Lat,
}

/// Every property the contract names, for recognising names cut to 10 bytes.
const CONTRACT: &[&str] = &[
    "code", "name", "county_code", "town_code", "kind", "secretary", "secretary_phone", "merged_into",
    "community_code", "manager", "manager_phone", "target_households", "grid_code", "leader", "head",
    "head_phone", "unit_code", "village_code", "address", "members", "phone", "tags", "street", "number",
];

/// The property a phone column is for, by layer.
fn phone_of(layer: Layer) -> &'static str {
    match layer {
        Layer::Communities => "secretary_phone",
        Layer::Grids => "manager_phone",
        Layer::Units => "head_phone",
        _ => "phone",
    }
}

/// The target a header is recognised as, without `--map`.
pub fn recognise(layer: Layer, header: &str) -> Option<Target> {
    let h: String = header.trim().trim_start_matches('\u{feff}').chars().filter(|c| !c.is_whitespace()).collect();
    let lower = h.to_lowercase();
    let parent = layer.parent().map(|(p, _)| p);
    let p = |s: &str| Some(Target::Property(s.to_string()));
    match lower.as_str() {
        "lon" | "lng" | "long" | "longitude" | "x" | "经度" | "东经" => return Some(Target::Lon),
        "lat" | "latitude" | "y" | "纬度" | "北纬" => return Some(Target::Lat),
        _ => {}
    }
    if CONTRACT.contains(&lower.as_str()) {
        return p(&lower);
    }
    // dBase field names hold at most 10 bytes.
    if lower.len() == 10
        && lower.is_ascii()
        && let Some(full) = CONTRACT.iter().find(|c| c.starts_with(lower.as_str()))
    {
        return p(full);
    }
    match h.as_str() {
        "编码" | "代码" | "编号" | "户号" | "户编号" | "户编码" | "门牌编码" | "地址编码" => p("code"),
        "网格编码" | "网格编号" | "网格代码" if layer == Layer::Grids => p("code"),
        "社区编码" | "社区代码" if layer == Layer::Communities => p("code"),
        "名称" | "名字" | "网格名称" | "社区名称" | "村名" | "镇名" | "巷道名称" | "楼栋名称" | "单元名称" => p("name"),
        "上级编码" | "上级代码" | "所属上级" => parent.and_then(p),
        "所属社区编码" | "所属社区代码" | "社区编码" | "社区代码" => p("community_code"),
        "所属镇街编码" | "所属镇编码" | "镇街编码" | "镇编码" => p("town_code"),
        "网格员" | "网格长" => p("manager"),
        "负责人" => p(if layer == Layer::Units { "head" } else { "manager" }),
        "联系电话" | "手机号" | "手机号码" | "电话" | "联系方式" => p(phone_of(layer)),
        "户主" | "户主姓名" => p("head"),
        "巷长" | "楼长" => p("head"),
        "组长" => p("leader"),
        "住址" | "门牌号" | "详细地址" | "现居住地址" | "地址" | "家庭住址" | "标准地址" => p("address"),
        "人口" | "户内人数" | "家庭人口" | "人数" => p("members"),
        "所属网格" | "网格编号" | "网格编码" | "所属网格编码" => p("grid_code"),
        "所属单元" | "所属楼栋" | "单元编码" | "楼栋编码" => p("unit_code"),
        "原行政村编码" | "所属村编码" | "村编码" => p("village_code"),
        "身份证号" | "身份证号码" | "公民身份号码" | "身份证" => p("id_number"),
        "类型" | "类别" => p("kind"),
        "并入社区" | "合并后社区编码" => p("merged_into"),
        "目标户数" => p("target_households"),
        "书记" | "支部书记" => p("secretary"),
        _ => None,
    }
}

/// `--map 户主=head,门牌=address`: pairs of source column and target (a contract property, `lon` or `lat`).
pub fn parse_map(s: &str) -> Result<Vec<(String, String)>, String> {
    s.split([',', '，'])
        .filter(|p| !p.trim().is_empty())
        .map(|pair| {
            let (src, dst) = pair.split_once('=').ok_or_else(|| format!("--map 的 {pair:?} 不是 源列=属性 的形式（expected SRC=DST）"))?;
            Ok((src.trim().to_string(), dst.trim().to_string()))
        })
        .collect()
}

/// The target of every header: `--map` first, then recognition; unrecognised columns are kept under their own name.
pub fn plan(layer: Layer, headers: &[String], explicit: &[(String, String)]) -> Result<Vec<(String, Target)>, String> {
    for (src, _) in explicit {
        if !headers.iter().any(|h| h == src) {
            return Err(format!("--map 中的列 {src:?} 不在文件中；文件的列为（the file's columns）: {}", headers.join(", ")));
        }
    }
    Ok(headers
        .iter()
        .map(|h| {
            let t = match explicit.iter().find(|(s, _)| s == h) {
                Some((_, d)) if d.eq_ignore_ascii_case("lon") => Target::Lon,
                Some((_, d)) if d.eq_ignore_ascii_case("lat") => Target::Lat,
                Some((_, d)) => Target::Property(d.clone()),
                None => recognise(layer, h).unwrap_or_else(|| Target::Property(h.clone())),
            };
            (h.clone(), t)
        })
        .collect())
}

/// Whether a property holds identifiers (text, leading zeros and all digits matter).
fn is_identifier(prop: &str) -> bool {
    prop == "code" || prop.ends_with("_code") || prop.ends_with("phone") || prop == "merged_into" || prop == "id_number"
}

/// A number written as the digits a person typed (no exponent, no `.0`).
fn digits(n: &serde_json::Number) -> String {
    match (n.as_i64(), n.as_u64(), n.as_f64()) {
        (Some(i), _, _) => i.to_string(),
        (_, Some(u), _) => u.to_string(),
        (_, _, Some(f)) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{f:.0}"),
        _ => n.to_string(),
    }
}

/// Why an ID number looks mangled by a spreadsheet, if it does.
pub fn mangled_id(v: &Value) -> Option<&'static str> {
    match v {
        Value::Number(_) => Some("是数字而非文本（a number, not text: a spreadsheet may have rounded it）"),
        Value::String(s) => {
            let s = s.trim();
            if s.contains(['E', 'e']) && s.chars().all(|c| c.is_ascii_digit() || "Ee+-.".contains(c)) {
                return Some("为科学计数法（in scientific notation: digits were lost）");
            }
            if s.len() == 18 && s.chars().take(17).all(|c| c.is_ascii_digit()) {
                if s.ends_with("000") {
                    return Some("以 000 结尾（ends in 000: a spreadsheet may have cut its last digits）");
                }
                if !id_checksum_ok(s) {
                    return Some("校验位不符（its check digit is wrong）");
                }
            }
            None
        }
        _ => None,
    }
}

/// GB 11643 check digit (ISO 7064 MOD 11-2).
fn id_checksum_ok(s: &str) -> bool {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let b = s.as_bytes();
    let sum: u32 = (0..17).map(|i| (b[i] - b'0') as u32 * W[i]).sum();
    let check = b"10X98765432"[(sum % 11) as usize];
    b[17].to_ascii_uppercase() == check
}

/// One row's properties and coordinate columns after the plan, with flags for what looks wrong.
pub struct Mapped {
    pub properties: Map<String, Value>,
    pub lon: Option<Value>,
    pub lat: Option<Value>,
}

/// Applies the plan to one row's columns; `flag` receives what a person should check.
pub fn apply(plan: &[(String, Target)], columns: &Map<String, Value>, mut flag: impl FnMut(String)) -> Mapped {
    let mut out = Mapped { properties: Map::new(), lon: None, lat: None };
    for (src, target) in plan {
        let Some(v) = columns.get(src) else { continue };
        match target {
            Target::Lon => out.lon = Some(v.clone()),
            Target::Lat => out.lat = Some(v.clone()),
            Target::Property(prop) => {
                if prop == "id_number"
                    && let Some(why) = mangled_id(v)
                {
                    flag(format!("身份证号 {v} {why}：已按原样保留，请核对（kept as is, not repaired）"));
                }
                if is_identifier(prop) && prop != "id_number" && v.as_f64().is_some_and(|f| f.abs() >= 1e15) {
                    flag(format!("{prop} {v} 是超过 15 位的数字，表格软件可能已改动其末位（a long code stored as a number may have lost digits）"));
                }
                let numeric = prop == "members" || prop == "target_households";
                if numeric && v.as_str().is_some_and(|s| s.trim().is_empty()) {
                    continue;
                }
                let v = match v {
                    Value::Number(n) if is_identifier(prop) => Value::String(digits(n)),
                    Value::String(s) if prop == "members" || prop == "target_households" => {
                        s.trim().parse::<i64>().map(Value::from).unwrap_or_else(|_| v.clone())
                    }
                    Value::Number(n) if (prop == "members" || prop == "target_households") && n.as_f64().is_some_and(|f| f.fract() == 0.0) => {
                        Value::from(n.as_f64().unwrap_or_default() as i64)
                    }
                    _ => v.clone(),
                };
                // An empty cell and a missing column are the same to the contract's checks; keep the first value.
                out.properties.entry(prop.clone()).or_insert(v);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_cut_headers_are_recognised() {
        let t = |l, h| recognise(l, h);
        assert_eq!(t(Layer::Grids, "community_"), Some(Target::Property("community_code".into())));
        assert_eq!(t(Layer::Grids, "上级编码"), Some(Target::Property("community_code".into())));
        assert_eq!(t(Layer::Grids, "联系电话"), Some(Target::Property("manager_phone".into())));
        assert_eq!(t(Layer::Households, "户主姓名"), Some(Target::Property("head".into())));
        assert_eq!(t(Layer::Households, "所属网格"), Some(Target::Property("grid_code".into())));
        assert_eq!(t(Layer::Households, "经度"), Some(Target::Lon));
        assert_eq!(t(Layer::Households, "备注"), None);
    }

    #[test]
    fn mangled_id_numbers_are_flagged_and_kept() {
        assert!(mangled_id(&Value::String("1.10101E+17".into())).is_some());
        assert!(mangled_id(&Value::String("110101199003071000".into())).is_some());
        assert!(mangled_id(&serde_json::json!(110101199003070000u64)).is_some());
        assert!(mangled_id(&Value::String("11010519491231002X".into())).is_none());
        let plan = vec![("身份证号".to_string(), Target::Property("id_number".into()))];
        let mut cols = Map::new();
        cols.insert("身份证号".into(), serde_json::json!(1.10101e17));
        let mut flags = vec![];
        let m = apply(&plan, &cols, |f| flags.push(f));
        assert_eq!(flags.len(), 1);
        assert_eq!(m.properties["id_number"], Value::String("110101000000000000".into()));
    }
}
