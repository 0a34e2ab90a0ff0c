//! The household roster as a table for Excel and WPS: the household's own columns under the Chinese headers the
//! importer reads back, then where the household lies by the placement rule (its grid and lane or building) and
//! whether that agrees with the grid it is registered in, so a secretary sees the mismatches on paper.

use super::{Cell, Table};
use crate::atlas::Atlas;
use crate::model::Layer;

/// The Chinese header of a household property (one the importer maps back to the same property), else the key.
fn header(key: &str) -> &str {
    match key {
        "code" => "户编码",
        "head" => "户主姓名",
        "phone" => "联系电话",
        "address" => "住址",
        "members" => "人口",
        "grid_code" => "所属网格",
        "unit_code" => "所属楼栋",
        "village_code" => "原行政村编码",
        "id_number" => "身份证号",
        "tags" => "标签",
        other => other,
    }
}

/// Columns added after the household's own.
const PLACED: [&str; 7] =
    ["所在网格（按位置）", "所在网格名称", "所在巷道/楼栋（按位置）", "所在巷道/楼栋名称", "登记网格与位置一致", "经度", "纬度"];

/// Every household of `atlas` as a row: its properties in first-seen key order, then [`PLACED`].
pub fn roster_table(atlas: &Atlas) -> Table {
    let households = atlas.layer(Layer::Households).map_or(&[][..], |l| &l.features[..]);
    let mut keys: Vec<&str> = Vec::new();
    for f in households {
        for k in f.properties.keys() {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
    }
    let mut headers: Vec<&str> = keys.iter().map(|k| header(k)).collect();
    headers.extend(PLACED);
    let mut t = Table::new("住户名册", &headers);
    let owners = atlas.household_owners_in(&[Layer::Grids, Layer::Units]);
    let points = atlas.points(Layer::Households);
    let feature = |layer: Layer, i: Option<usize>| i.and_then(|i| atlas.layer(layer).map(|l| &l.features[i]));
    for (h, f) in households.iter().enumerate() {
        let mut row: Vec<Cell> = keys
            .iter()
            .map(|k| match f.properties.get(*k) {
                Some(serde_json::Value::Number(n)) if *k == "members" => Cell::Number(n.as_f64().unwrap_or_default()),
                Some(serde_json::Value::String(s)) => Cell::Text(s.clone()),
                Some(serde_json::Value::Null) | None => Cell::Text(String::new()),
                // Codes, phones and ID numbers stay text, so a spreadsheet keeps every digit.
                Some(other) => Cell::Text(other.to_string()),
            })
            .collect();
        let grid = feature(Layer::Grids, owners.of(h, Layer::Grids));
        let unit = feature(Layer::Units, owners.of(h, Layer::Units));
        row.push(grid.map(|g| g.code.clone()).into());
        row.push(grid.map(|g| g.name().to_string()).into());
        row.push(unit.map(|u| u.code.clone()).into());
        row.push(unit.map(|u| u.name().to_string()).into());
        let agrees = match (f.nonempty_prop("grid_code"), grid) {
            (Some(reg), Some(g)) if reg == g.code => "是",
            (None, _) => "未登记网格",
            (_, None) => "不在任何网格内",
            _ => "否",
        };
        row.push(agrees.into());
        match points.get(h) {
            Some((_, lonlat)) => {
                // As text with 7 decimals (about 1 cm): the workbook's number format would show two.
                row.push(Cell::Text(format!("{:.7}", lonlat.x)));
                row.push(Cell::Text(format!("{:.7}", lonlat.y)));
            }
            None => row.extend([Cell::Text(String::new()), Cell::Text(String::new())]),
        }
        t.rows.push(row);
    }
    t
}
