//! GeoPackage: any feature table (the one named by `--table`, or the only one, or the one named like the layer),
//! its CRS from `gpkg_spatial_ref_sys`, its columns as they are. Opened read-only: an import never writes the
//! file it reads.

use std::path::Path;

use sqlx::sqlite::{SqliteConnectOptions, SqliteRow};
use sqlx::{Column, ConnectOptions, Row as _, ValueRef};
use serde_json::{Map, Value};

use super::source::Format;
use super::{Row, SourceError, SourceRead, crs};
use crate::model::crs::InputCrs;
use crate::store::codec::from_gpkg;

/// Reads a feature table of the GeoPackage at `path`.
pub async fn read(path: &Path, table: Option<&str>, layer: &str) -> Result<SourceRead, SourceError> {
    let err = |r: String| SourceError::new(path, r);
    let sql_err = |e: sqlx::Error| SourceError::new(path, format!("不是可读的 GeoPackage，文件可能已损坏或被截断（not a readable GeoPackage）: {e}"));
    let mut conn = SqliteConnectOptions::new().filename(path).read_only(true).connect().await.map_err(sql_err)?;
    let tables: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name WHERE c.data_type = 'features' ORDER BY c.table_name",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(sql_err)?;
    let names: Vec<&str> = tables.iter().map(|t| t.0.as_str()).collect();
    let chosen = match table {
        Some(t) => tables.iter().find(|x| x.0 == t),
        None if tables.len() == 1 => tables.first(),
        // A GeoPackage of several layers (a gridmap export, a QGIS project) names its tables for the layers.
        None => tables.iter().find(|x| x.0 == layer),
    };
    let Some((table, geom_col, srs_id)) = chosen.cloned() else {
        return Err(err(if tables.is_empty() {
            "GeoPackage 中没有要素表（no feature table）".into()
        } else {
            format!("请用 --table 指定要导入的表（several tables; name one）: {}", names.join(", "))
        }));
    };
    let srs: Option<(String, i64)> =
        sqlx::query_as("SELECT organization, organization_coordsys_id FROM gpkg_spatial_ref_sys WHERE srs_id = ?")
            .bind(srs_id)
            .fetch_optional(&mut conn)
            .await
            .map_err(sql_err)?;
    let crs = match srs {
        // -1 and 0 are the "undefined" systems of the GeoPackage standard: no CRS.
        _ if srs_id <= 0 => None,
        Some((org, id)) if org.eq_ignore_ascii_case("epsg") => Some(crs::from_epsg(id as u32).map_err(err)?),
        _ if srs_id == 4326 || srs_id == 4490 => Some(super::SourceCrs::Known(InputCrs::Wgs84)),
        _ => None,
    };
    let quoted = format!("\"{}\"", table.replace('"', "\"\""));
    let rows: Vec<SqliteRow> = sqlx::query(&format!("SELECT * FROM {quoted}")).fetch_all(&mut conn).await.map_err(sql_err)?;
    let mut headers: Vec<String> = Vec::new();
    let mut out_rows = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let place = format!("表 {table} 第 {} 行", i + 1);
        if i == 0 {
            headers = r.columns().iter().map(|c| c.name().to_string()).filter(|c| *c != geom_col && c != "fid").collect();
        }
        let mut columns = Map::new();
        let mut geometry = None;
        for c in r.columns() {
            let name = c.name();
            if r.try_get_raw(c.ordinal()).map(|v| v.is_null()).unwrap_or(true) {
                continue;
            }
            if name == geom_col {
                let blob: Vec<u8> = r.try_get(c.ordinal()).map_err(sql_err)?;
                geometry = Some(from_gpkg(&blob).map_err(|e| err(format!("{place} 的几何无法读取: {e}")))?);
                continue;
            }
            if name == "fid" {
                continue;
            }
            let v = if let Ok(n) = r.try_get::<i64, _>(c.ordinal()) {
                Value::from(n)
            } else if let Ok(f) = r.try_get::<f64, _>(c.ordinal()) {
                serde_json::Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)
            } else if let Ok(s) = r.try_get::<String, _>(c.ordinal()) {
                // JSON arrays (tags) are stored as text.
                match serde_json::from_str::<Value>(&s) {
                    Ok(v @ Value::Array(_)) => v,
                    _ => Value::String(s),
                }
            } else {
                continue;
            };
            columns.insert(name.to_string(), v);
        }
        out_rows.push(Row { place, columns, geometry });
    }
    Ok(SourceRead { format: Format::GeoPackage, crs, encoding: Some("UTF-8（GeoPackage 规定）".into()), headers, rows: out_rows })
}
