//! The CRS a file declares. A `.prj` holds OGC or ESRI WKT, which PROJ reads as it is (Gauss-Krüger zones of
//! CGCS2000, Xian 1980 and Beijing 1954 included); a GeoPackage names an EPSG code; KML is WGS84 by definition.
//! A file that declares none is refused with the choices listed, unless `--crs` says.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use geo::{Coord, Geometry, MapCoords};

use crate::model::crs::InputCrs;

/// A CRS as a file declares it.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceCrs {
    Known(InputCrs),
    /// WKT from a `.prj`, with the name it gives itself.
    Wkt { name: String, wkt: String },
}

impl fmt::Display for SourceCrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceCrs::Known(c) => write!(f, "{c}"),
            SourceCrs::Wkt { name, .. } => write!(f, "{name}（.prj WKT）"),
        }
    }
}

/// The message of a file without a CRS: what to give instead.
pub const CHOICES: &str = "文件没有声明坐标系（no CRS in the file）。请用 --crs 指定其一: wgs84（GPS、天地图）, cgcs2000, gcj02（高德、腾讯、微信）, bd09（百度）, 或 EPSG:NNNN（如 EPSG:4546 CGCS2000 3度带 111°E, EPSG:2382 西安80 3度带 111°E）";

const STORED: &str = "EPSG:4490";

thread_local! {
    // `proj::Proj` is neither Send nor Sync: each thread keeps its own, per WKT.
    static WKT_PROJS: RefCell<HashMap<String, proj::Proj>> = RefCell::new(HashMap::new());
}

fn with_wkt<T>(wkt: &str, f: impl FnOnce(&proj::Proj) -> Result<T, String>) -> Result<T, String> {
    WKT_PROJS.with(|cell| {
        let mut map = cell.borrow_mut();
        if !map.contains_key(wkt) {
            // new_known_crs normalises axis order to x = lon/easting, y = lat/northing.
            let p = proj::Proj::new_known_crs(wkt, STORED, None)
                .map_err(|e| format!("PROJ 无法识别 .prj 中的坐标系（PROJ cannot read the .prj）: {e}"))?;
            map.insert(wkt.to_string(), p);
        }
        f(&map[wkt])
    })
}

/// The CRS of a `.prj`'s text: checked with PROJ now, so a bad one is refused before any feature.
pub fn from_prj(text: &str) -> Result<SourceCrs, String> {
    let wkt = text.trim().trim_start_matches('\u{feff}').to_string();
    if wkt.is_empty() {
        return Err(".prj 文件为空（the .prj is empty）".into());
    }
    let name = wkt.split('"').nth(1).unwrap_or("WKT").to_string();
    let upper = wkt.to_ascii_uppercase();
    let geographic = upper.starts_with("GEOGCS[") || upper.starts_with("GEOGCRS[");
    let stored_datum = ["WGS_1984", "WGS 84", "CHINA_2000", "CHINA GEODETIC COORDINATE SYSTEM 2000", "CGCS2000", "CGCS_2000"]
        .iter()
        .any(|d| upper.contains(d));
    if geographic && stored_datum {
        return Ok(SourceCrs::Known(InputCrs::Wgs84));
    }
    with_wkt(&wkt, |_| Ok(()))?;
    Ok(SourceCrs::Wkt { name, wkt })
}

/// The CRS of an EPSG code (4326 and 4490 are the stored datum).
pub fn from_epsg(code: u32) -> Result<SourceCrs, String> {
    format!("EPSG:{code}").parse::<InputCrs>().map(SourceCrs::Known).map_err(|e| e.to_string())
}

impl SourceCrs {
    /// The geometry in stored lon/lat.
    pub fn to_lonlat(&self, g: &Geometry<f64>) -> Result<Geometry<f64>, String> {
        match self {
            SourceCrs::Known(c) => c.geometry_to_lonlat(g).map_err(|e| e.to_string()),
            SourceCrs::Wkt { wkt, .. } => with_wkt(wkt, |p| {
                g.try_map_coords(|c| {
                    p.convert((c.x, c.y)).map(|(x, y)| Coord { x, y }).map_err(|e| {
                        format!("坐标 ({}, {}) 无法从 .prj 坐标系转换（cannot transform）: {e}", c.x, c.y)
                    })
                })
            }),
        }
    }

    /// The `InputCrs` where the CRS is one (for checks that name it).
    pub fn input(&self) -> InputCrs {
        match self {
            SourceCrs::Known(c) => *c,
            SourceCrs::Wkt { .. } => InputCrs::Wgs84,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The .prj ogr2ogr writes for EPSG:4546 (ESRI WKT).
    const GK_111: &str = r#"PROJCS["CGCS2000_3_Degree_GK_CM_111E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",111.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

    #[test]
    fn an_esri_gauss_kruger_prj_goes_through_proj() {
        let crs = from_prj(GK_111).unwrap();
        assert!(crs.to_string().starts_with("CGCS2000_3_Degree_GK_CM_111E"), "{crs}");
        let xy = InputCrs::Epsg(4546);
        let (x, y) = proj::Proj::new_known_crs("EPSG:4490", "EPSG:4546", None).unwrap().convert((110.2, 34.5)).unwrap();
        let g = crs.to_lonlat(&Geometry::Point(geo::Point::new(x, y))).unwrap();
        let Geometry::Point(p) = g else { panic!() };
        assert!((p.x() - 110.2).abs() < 1e-7 && (p.y() - 34.5).abs() < 1e-7, "{p:?} via {xy}");
        assert!(from_prj("nonsense").is_err());
    }
}
