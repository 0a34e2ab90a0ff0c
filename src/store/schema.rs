//! The columns each layer's table has in both backends (created by migrations/ and migrations/gpkg/, which
//! must list the same ones).
//!
//! A feature's `properties` object is stored whole as JSON: it is the record, and it round-trips exactly. The
//! named columns beside it are copies of the contract's properties, for people who open the store in QGIS or
//! query it in SQL; they are written from `properties` and never read back.

use serde_json::Value;

use crate::model::{Feature, Layer};

/// A derived column's SQL type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Integer,
}

/// The derived property columns of a layer's table, after `code`.
pub fn columns(layer: Layer) -> &'static [(&'static str, ColumnType)] {
    use ColumnType::*;
    match layer {
        Layer::County => &[("name", Text)],
        Layer::Towns => &[("name", Text), ("county_code", Text)],
        Layer::Communities => &[
            ("name", Text),
            ("town_code", Text),
            ("kind", Text),
            ("secretary", Text),
            ("secretary_phone", Text),
        ],
        Layer::Villages => &[("name", Text), ("town_code", Text), ("merged_into", Text)],
        Layer::Grids => &[
            ("name", Text),
            ("community_code", Text),
            ("manager", Text),
            ("manager_phone", Text),
            ("target_households", Integer),
        ],
        Layer::Units => &[
            ("name", Text),
            ("grid_code", Text),
            ("kind", Text),
            ("leader", Text),
            ("head", Text),
            ("head_phone", Text),
        ],
        Layer::Households => &[
            ("grid_code", Text),
            ("unit_code", Text),
            ("village_code", Text),
            ("address", Text),
            ("head", Text),
            ("members", Integer),
            ("phone", Text),
            ("tags", Text),
        ],
        Layer::Addresses => &[("address", Text), ("community_code", Text), ("unit_code", Text), ("street", Text), ("number", Text)],
    }
}

/// A derived column's value for a feature: text columns take strings as they are and anything else as JSON
/// text; integer columns take integers and are NULL otherwise.
pub enum ColumnValue {
    Text(Option<String>),
    Integer(Option<i64>),
}

/// The value of derived column `name` of type `ty` for `f`.
pub fn column_value(f: &Feature, name: &str, ty: ColumnType) -> ColumnValue {
    let v = f.properties.get(name);
    match ty {
        ColumnType::Text => ColumnValue::Text(match v {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        }),
        ColumnType::Integer => ColumnValue::Integer(f.int_prop(name)),
    }
}

/// The geometry type a layer's column declares (GeoPackage names; PostGIS uses the same words).
pub fn geometry_type(layer: Layer) -> &'static str {
    if layer.is_polygonal() {
        "MULTIPOLYGON"
    } else if layer.is_point() {
        "POINT"
    } else {
        "GEOMETRY"
    }
}
