//! Coordinate reference systems.
//!
//! gridmap stores lon/lat (CGCS2000, taken as WGS84: they differ by centimetres) and computes in metres in a
//! CGCS2000 3-degree Gauss-Kruger zone. Phones, WeChat and AMap give GCJ-02, Baidu gives BD-09: those are
//! converted on input by the published formulas (they are obfuscations, not CRSs PROJ knows). Any other CRS
//! (`EPSG:NNNN`) goes through PROJ.

use std::cell::RefCell;
use std::collections::HashMap;
use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

use geo::{Coord, Geometry, MapCoords};

/// A CRS that coordinates may arrive in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InputCrs {
    /// WGS84 / CGCS2000 lon/lat (EPSG:4326, EPSG:4490): stored as is.
    Wgs84,
    /// GCJ-02 ("Mars coordinates"): AMap, Tencent, WeChat.
    Gcj02,
    /// BD-09: Baidu.
    Bd09,
    /// Any CRS PROJ knows by its EPSG code.
    Epsg(u32),
}

/// A CRS name that is neither a known alias nor a code PROJ accepts.
#[derive(Debug, thiserror::Error)]
pub enum CrsError {
    #[error("unknown CRS {0:?}: use wgs84, cgcs2000, gcj02, bd09 or EPSG:NNNN")]
    Unknown(String),
    #[error("PROJ does not know {crs}: {reason}")]
    Proj { crs: String, reason: String },
    #[error("coordinate ({x}, {y}) cannot be transformed from {crs}: {reason}")]
    Transform { crs: String, x: f64, y: f64, reason: String },
}

impl FromStr for InputCrs {
    type Err = CrsError;
    fn from_str(s: &str) -> Result<Self, CrsError> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "wgs84" | "cgcs2000" | "epsg:4326" | "epsg:4490" | "crs84" | "urn:ogc:def:crs:ogc:1.3:crs84" => {
                Ok(Self::Wgs84)
            }
            "gcj02" | "gcj-02" => Ok(Self::Gcj02),
            "bd09" | "bd-09" => Ok(Self::Bd09),
            _ => {
                let code = lower
                    .strip_prefix("epsg:")
                    .or_else(|| lower.strip_prefix("urn:ogc:def:crs:epsg::"))
                    .and_then(|c| c.parse::<u32>().ok())
                    .ok_or_else(|| CrsError::Unknown(s.to_string()))?;
                // Fail now, with PROJ's reason, rather than on the first coordinate.
                with_proj(code, WGS84_EPSG, |_| Ok(()))?;
                Ok(Self::Epsg(code))
            }
        }
    }
}

impl fmt::Display for InputCrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Wgs84 => f.write_str("wgs84"),
            Self::Gcj02 => f.write_str("gcj02"),
            Self::Bd09 => f.write_str("bd09"),
            Self::Epsg(c) => write!(f, "EPSG:{c}"),
        }
    }
}

/// The stored datum: CGCS2000 geographic, lon/lat order.
pub const STORED_EPSG: u32 = 4490;
const WGS84_EPSG: u32 = 4326;

impl InputCrs {
    /// Converts one coordinate to stored lon/lat.
    ///
    /// ```
    /// use gridmap::model::crs::InputCrs;
    /// let (lon, lat) = InputCrs::Gcj02.to_lonlat(110.2513, 34.5460).unwrap();
    /// assert!((lon - 110.2513).abs() < 0.01 && (lat - 34.5460).abs() < 0.01);
    /// ```
    pub fn to_lonlat(self, x: f64, y: f64) -> Result<(f64, f64), CrsError> {
        match self {
            Self::Wgs84 => Ok((x, y)),
            Self::Gcj02 => Ok(gcj02_to_wgs84(x, y)),
            Self::Bd09 => {
                let (gx, gy) = bd09_to_gcj02(x, y);
                Ok(gcj02_to_wgs84(gx, gy))
            }
            Self::Epsg(code) => with_proj(code, WGS84_EPSG, |p| {
                p.convert((x, y)).map_err(|e| CrsError::Transform {
                    crs: self.to_string(),
                    x,
                    y,
                    reason: e.to_string(),
                })
            }),
        }
    }

    /// Converts every coordinate of a geometry to stored lon/lat.
    pub fn geometry_to_lonlat(self, g: &Geometry<f64>) -> Result<Geometry<f64>, CrsError> {
        if self == Self::Wgs84 {
            return Ok(g.clone());
        }
        g.try_map_coords(|c| self.to_lonlat(c.x, c.y).map(|(x, y)| Coord { x, y }))
    }
}

thread_local! {
    // `proj::Proj` is neither Send nor Sync: each thread keeps its own transformations.
    static PROJS: RefCell<HashMap<(u32, u32), proj::Proj>> = RefCell::new(HashMap::new());
}

fn with_proj<T>(
    from: u32,
    to: u32,
    f: impl FnOnce(&proj::Proj) -> Result<T, CrsError>,
) -> Result<T, CrsError> {
    PROJS.with(|cell| {
        let mut map = cell.borrow_mut();
        if let std::collections::hash_map::Entry::Vacant(e) = map.entry((from, to)) {
            // new_known_crs normalises axis order to x = lon/easting, y = lat/northing.
            let p = proj::Proj::new_known_crs(&format!("EPSG:{from}"), &format!("EPSG:{to}"), None)
                .map_err(|e| CrsError::Proj { crs: format!("EPSG:{from}"), reason: e.to_string() })?;
            e.insert(p);
        }
        f(&map[&(from, to)])
    })
}

/// The metric CRS the atlas computes in: a CGCS2000 3-degree Gauss-Kruger zone (EPSG:4534..=4554, central
/// meridians 75°E..135°E, no zone prefix on the easting).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricCrs {
    pub epsg: u32,
}

impl MetricCrs {
    /// The zone whose central meridian is nearest to `lon`.
    ///
    /// ```
    /// use gridmap::model::crs::MetricCrs;
    /// assert_eq!(MetricCrs::for_lon(110.3).epsg, 4546); // Tongguan: CM 111°E
    /// ```
    pub fn for_lon(lon: f64) -> Self {
        let cm = ((lon / 3.0).round() as i64 * 3).clamp(75, 135);
        Self { epsg: 4534 + ((cm - 75) / 3) as u32 }
    }

    /// Central meridian of the zone, degrees east.
    pub fn central_meridian(self) -> f64 {
        75.0 + 3.0 * f64::from(self.epsg - 4534)
    }

    /// Projects lon/lat coordinates in place to metres.
    pub fn project_coords(self, coords: &mut [Coord<f64>]) -> Result<(), CrsError> {
        with_proj(STORED_EPSG, self.epsg, |p| {
            p.convert_array(coords).map(|_| ()).map_err(|e| CrsError::Transform {
                crs: format!("EPSG:{}", self.epsg),
                x: coords.first().map_or(f64::NAN, |c| c.x),
                y: coords.first().map_or(f64::NAN, |c| c.y),
                reason: e.to_string(),
            })
        })
    }

    /// Unprojects metre coordinates in place to lon/lat.
    pub fn unproject_coords(self, coords: &mut [Coord<f64>]) -> Result<(), CrsError> {
        with_proj(self.epsg, STORED_EPSG, |p| {
            p.convert_array(coords).map(|_| ()).map_err(|e| CrsError::Transform {
                crs: format!("EPSG:{}", self.epsg),
                x: coords.first().map_or(f64::NAN, |c| c.x),
                y: coords.first().map_or(f64::NAN, |c| c.y),
                reason: e.to_string(),
            })
        })
    }

    /// Projects one lon/lat point to metres.
    pub fn project(self, lon: f64, lat: f64) -> Result<Coord<f64>, CrsError> {
        let mut c = [Coord { x: lon, y: lat }];
        self.project_coords(&mut c)?;
        Ok(c[0])
    }

    /// Unprojects one metre point to lon/lat.
    pub fn unproject(self, x_m: f64, y_m: f64) -> Result<Coord<f64>, CrsError> {
        let mut c = [Coord { x: x_m, y: y_m }];
        self.unproject_coords(&mut c)?;
        Ok(c[0])
    }

    /// Projects a lon/lat geometry to metres.
    pub fn project_geometry(self, g: &Geometry<f64>) -> Result<Geometry<f64>, CrsError> {
        transform_geometry(g, |cs| self.project_coords(cs))
    }

    /// Unprojects a metre geometry to lon/lat.
    pub fn unproject_geometry(self, g: &Geometry<f64>) -> Result<Geometry<f64>, CrsError> {
        transform_geometry(g, |cs| self.unproject_coords(cs))
    }
}

/// Applies a batch coordinate transform to every coordinate of `g` (one PROJ call per ring, not per point).
fn transform_geometry(
    g: &Geometry<f64>,
    mut f: impl FnMut(&mut [Coord<f64>]) -> Result<(), CrsError>,
) -> Result<Geometry<f64>, CrsError> {
    use geo::{LineString, MultiPolygon, Polygon};
    type Ring<'a> = dyn FnMut(&LineString<f64>) -> Result<LineString<f64>, CrsError> + 'a;
    let mut ring = |ls: &LineString<f64>| -> Result<LineString<f64>, CrsError> {
        let mut cs = ls.0.clone();
        f(&mut cs)?;
        Ok(LineString(cs))
    };
    let poly = |p: &Polygon<f64>, ring: &mut Ring<'_>| -> Result<Polygon<f64>, CrsError> {
        let ext = ring(p.exterior())?;
        let ints = p.interiors().iter().map(&mut *ring).collect::<Result<Vec<_>, _>>()?;
        Ok(Polygon::new(ext, ints))
    };
    Ok(match g {
        Geometry::Polygon(p) => Geometry::Polygon(poly(p, &mut ring)?),
        Geometry::MultiPolygon(mp) => Geometry::MultiPolygon(MultiPolygon(
            mp.0.iter().map(|p| poly(p, &mut ring)).collect::<Result<_, _>>()?,
        )),
        Geometry::LineString(ls) => Geometry::LineString(ring(ls)?),
        Geometry::Point(pt) => {
            let mut a = [pt.0];
            f(&mut a)?;
            Geometry::Point(geo::Point(a[0]))
        }
        other => unreachable!("the model holds no {other:?}"),
    })
}

// GCJ-02 / BD-09: the published forward formulas, and iterative inverses that converge to well under a
// millimetre (the forward offset is smooth, so fixed-point iteration on the residual converges fast).

const GCJ_A: f64 = 6_378_245.0;
const GCJ_EE: f64 = 0.006_693_421_622_965_943;

fn out_of_china(lon: f64, lat: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

fn gcj_transform_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn gcj_transform_lon(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS84 → GCJ-02 (the forward obfuscation).
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if out_of_china(lon, lat) {
        return (lon, lat);
    }
    let dlat = gcj_transform_lat(lon - 105.0, lat - 35.0);
    let dlon = gcj_transform_lon(lon - 105.0, lat - 35.0);
    let radlat = lat / 180.0 * PI;
    let magic = 1.0 - GCJ_EE * radlat.sin() * radlat.sin();
    let sqrtmagic = magic.sqrt();
    let dlat = (dlat * 180.0) / ((GCJ_A * (1.0 - GCJ_EE)) / (magic * sqrtmagic) * PI);
    let dlon = (dlon * 180.0) / (GCJ_A / sqrtmagic * radlat.cos() * PI);
    (lon + dlon, lat + dlat)
}

/// GCJ-02 → WGS84 by fixed-point iteration on the forward formula (error well under 1 mm).
///
/// ```
/// use gridmap::model::crs::{gcj02_to_wgs84, wgs84_to_gcj02};
/// let (gx, gy) = wgs84_to_gcj02(110.25, 34.55);
/// let (x, y) = gcj02_to_wgs84(gx, gy);
/// assert!((x - 110.25).abs() < 1e-9 && (y - 34.55).abs() < 1e-9);
/// ```
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    let (mut x, mut y) = (lon, lat);
    for _ in 0..30 {
        let (fx, fy) = wgs84_to_gcj02(x, y);
        let (dx, dy) = (fx - lon, fy - lat);
        x -= dx;
        y -= dy;
        if dx.abs() < 1e-12 && dy.abs() < 1e-12 {
            break;
        }
    }
    (x, y)
}

const BD_X_PI: f64 = PI * 3000.0 / 180.0;

/// GCJ-02 → BD-09.
pub fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let z = (lon * lon + lat * lat).sqrt() + 0.00002 * (lat * BD_X_PI).sin();
    let theta = lat.atan2(lon) + 0.000003 * (lon * BD_X_PI).cos();
    (z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// BD-09 → GCJ-02 by fixed-point iteration on the forward formula.
pub fn bd09_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let (mut x, mut y) = (lon - 0.0065, lat - 0.006);
    for _ in 0..30 {
        let (fx, fy) = gcj02_to_bd09(x, y);
        let (dx, dy) = (fx - lon, fy - lat);
        x -= dx;
        y -= dy;
        if dx.abs() < 1e-12 && dy.abs() < 1e-12 {
            break;
        }
    }
    (x, y)
}

/// WGS84 → BD-09.
pub fn wgs84_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let (gx, gy) = wgs84_to_gcj02(lon, lat);
    gcj02_to_bd09(gx, gy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_aliases_and_epsg() {
        assert_eq!("CGCS2000".parse::<InputCrs>().unwrap(), InputCrs::Wgs84);
        assert_eq!("gcj02".parse::<InputCrs>().unwrap(), InputCrs::Gcj02);
        assert_eq!("EPSG:4546".parse::<InputCrs>().unwrap(), InputCrs::Epsg(4546));
        assert!("EPSG:999999".parse::<InputCrs>().is_err());
        assert!("mars".parse::<InputCrs>().is_err());
    }

    #[test]
    fn gcj_and_bd_round_trip_under_a_millimetre() {
        for &(lon, lat) in &[(110.25, 34.55), (110.41, 34.48), (116.39, 39.9)] {
            let (gx, gy) = wgs84_to_gcj02(lon, lat);
            assert!((gx - lon).abs() > 1e-4, "GCJ-02 must move the point");
            let back = InputCrs::Gcj02.to_lonlat(gx, gy).unwrap();
            let (bx, by) = wgs84_to_bd09(lon, lat);
            let back_bd = InputCrs::Bd09.to_lonlat(bx, by).unwrap();
            for (x, y) in [back, back_bd] {
                // 1e-8 degrees is about 1 mm.
                assert!((x - lon).abs() < 1e-8 && (y - lat).abs() < 1e-8, "{x},{y} vs {lon},{lat}");
            }
        }
    }

    #[test]
    fn projects_to_gauss_kruger_and_back() {
        let crs = MetricCrs::for_lon(110.25);
        assert_eq!(crs.epsg, 4546);
        let p = crs.project(111.0, 34.5).unwrap();
        // On the central meridian the easting is the false easting, 500 km.
        assert!((p.x - 500_000.0).abs() < 1e-3, "{p:?}");
        assert!((p.y - 3_819_000.0).abs() < 5_000.0, "{p:?}");
        let back = crs.unproject(p.x, p.y).unwrap();
        assert!((back.x - 111.0).abs() < 1e-9 && (back.y - 34.5).abs() < 1e-9);
        let utm = InputCrs::Epsg(32649).to_lonlat(500_000.0, 3_819_000.0).unwrap();
        assert!((utm.0 - 111.0).abs() < 1e-6, "{utm:?}");
    }
}
