//! The CRSs OGC API – Features Part 2 lets a client ask for (`crs`, `bbox-crs`): CRS84 (lon/lat), EPSG:4490
//! (CGCS2000 in the EPSG axis order, latitude first) and EPSG:3857 (web mercator, metres). Stored coordinates
//! are CGCS2000 lon/lat, taken as CRS84 (they differ by centimetres), so CRS84 and EPSG:4490 differ only in
//! axis order. Web mercator is the spherical formula EPSG:3857 is defined by, written here rather than through
//! PROJ because it is two lines and needs no PROJ context per thread.

use serde_json::Value;

use super::super::error::{Error, Result};
use crate::atlas::bbox::BboxLonLat;

/// OGC's URI of CRS84.
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
/// The WGS 84 sphere radius EPSG:3857 uses, metres.
const MERCATOR_R_M: f64 = 6_378_137.0;

/// A CRS a response may be written in, or a bbox given in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OgcCrs {
    /// lon, lat.
    Crs84,
    /// CGCS2000, lat, lon (the EPSG definition's axis order).
    Epsg4490,
    /// Web mercator x, y in metres.
    Epsg3857,
}

impl OgcCrs {
    /// Every CRS offered, the storage CRS among them.
    pub const ALL: [OgcCrs; 3] = [OgcCrs::Crs84, OgcCrs::Epsg4490, OgcCrs::Epsg3857];
    /// The CRS the data are stored in (CGCS2000).
    pub const STORAGE: OgcCrs = OgcCrs::Epsg4490;

    pub fn uri(self) -> &'static str {
        match self {
            OgcCrs::Crs84 => CRS84,
            OgcCrs::Epsg4490 => "http://www.opengis.net/def/crs/EPSG/0/4490",
            OgcCrs::Epsg3857 => "http://www.opengis.net/def/crs/EPSG/0/3857",
        }
    }

    /// The CRS named by a URI (also the `EPSG:NNNN` and `urn:ogc:def:crs:...` spellings clients use).
    ///
    /// ```
    /// use gridmap::http::ogcapi::crs::OgcCrs;
    /// assert_eq!(OgcCrs::parse("http://www.opengis.net/def/crs/EPSG/0/4490").unwrap(), OgcCrs::Epsg4490);
    /// assert_eq!(OgcCrs::parse("EPSG:3857").unwrap(), OgcCrs::Epsg3857);
    /// assert!(OgcCrs::parse("EPSG:4546").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<OgcCrs> {
        let t = s.trim().trim_start_matches('<').trim_end_matches('>');
        let t = t.strip_prefix("https://").map_or_else(|| t.to_string(), |r| format!("http://{r}"));
        let lower = t.to_ascii_lowercase();
        let found = OgcCrs::ALL.into_iter().find(|c| {
            let uri = c.uri().to_ascii_lowercase();
            let code = uri.rsplit('/').next().unwrap_or_default().to_string();
            lower == uri
                || match c {
                    OgcCrs::Crs84 => lower == "crs84" || lower == "urn:ogc:def:crs:ogc:1.3:crs84" || lower == "ogc:crs84",
                    _ => lower == format!("epsg:{code}") || lower == format!("urn:ogc:def:crs:epsg::{code}"),
                }
        });
        found.ok_or_else(|| {
            let offered: Vec<&str> = OgcCrs::ALL.iter().map(|c| c.uri()).collect();
            Error::BadRequest(format!("不支持的坐标参考系 {s:?} (unsupported CRS); 可用 (offered): {}", offered.join(", ")))
        })
    }

    /// A stored lon/lat position in this CRS.
    pub fn from_lonlat(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            OgcCrs::Crs84 => (lon, lat),
            OgcCrs::Epsg4490 => (lat, lon),
            OgcCrs::Epsg3857 => {
                let lat = lat.clamp(-85.051_128_78, 85.051_128_78).to_radians();
                (MERCATOR_R_M * lon.to_radians(), MERCATOR_R_M * (std::f64::consts::FRAC_PI_4 + lat / 2.0).tan().ln())
            }
        }
    }

    /// A position in this CRS as lon/lat.
    pub fn to_lonlat(self, a: f64, b: f64) -> (f64, f64) {
        match self {
            OgcCrs::Crs84 => (a, b),
            OgcCrs::Epsg4490 => (b, a),
            OgcCrs::Epsg3857 => {
                let lat = 2.0 * (b / MERCATOR_R_M).exp().atan() - std::f64::consts::FRAC_PI_2;
                ((a / MERCATOR_R_M).to_degrees(), lat.to_degrees())
            }
        }
    }

    /// `[min, min, max, max]` of a lon/lat box in this CRS's axis order (each transform is monotonic in each
    /// axis, so a box stays a box).
    pub fn bbox_from_lonlat(self, b: BboxLonLat) -> [f64; 4] {
        let (x0, y0) = self.from_lonlat(b.west, b.south);
        let (x1, y1) = self.from_lonlat(b.east, b.north);
        [x0, y0, x1, y1]
    }

    /// Rewrites every position of a GeoJSON geometry object (lon/lat) into this CRS, in place.
    pub fn transform_geometry(self, geometry: &mut Value) {
        if self == OgcCrs::Crs84 {
            return;
        }
        fn walk(crs: OgcCrs, v: &mut Value) {
            let Value::Array(a) = v else { return };
            if let [Value::Number(x), Value::Number(y), ..] = &a[..] {
                let (x, y) = crs.from_lonlat(x.as_f64().unwrap_or(f64::NAN), y.as_f64().unwrap_or(f64::NAN));
                a[0] = x.into();
                a[1] = y.into();
                return;
            }
            a.iter_mut().for_each(|p| walk(crs, p));
        }
        if let Some(c) = geometry.get_mut("coordinates") {
            walk(self, c);
        }
    }
}

/// Parses `bbox` (four numbers, or six with heights, which are ignored) given in `crs`, as a lon/lat box.
///
/// ```
/// use gridmap::http::ogcapi::crs::{OgcCrs, parse_bbox};
/// let b = parse_bbox("34.5,110.2,34.6,110.3", OgcCrs::Epsg4490).unwrap();
/// assert_eq!((b.west, b.south, b.east, b.north), (110.2, 34.5, 110.3, 34.6));
/// assert!(parse_bbox("110.3,34.5,110.2,34.6", OgcCrs::Crs84).is_err());
/// ```
pub fn parse_bbox(s: &str, crs: OgcCrs) -> Result<BboxLonLat> {
    let bad = |why: &str| {
        Error::BadRequest(format!(
            "bbox {s:?}: {why} (bbox-crs {}); 应为 最小,最小,最大,最大 四个数, 按该坐标系的轴序 (expected min,min,max,max in the axis order of bbox-crs)",
            crs.uri()
        ))
    };
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| bad("不是数字 (not numbers)"))?;
    let (min, max) = match v[..] {
        [a, b, c, d] => ((a, b), (c, d)),
        [a, b, _, d, e, _] => ((a, b), (d, e)),
        _ => return Err(bad("应有 4 或 6 个数 (not 4 or 6 numbers)")),
    };
    if v.iter().any(|x| !x.is_finite()) {
        return Err(bad("含非有限数 (not finite)"));
    }
    if min.0 > max.0 || min.1 > max.1 {
        return Err(bad("最小值大于最大值 (a minimum exceeds its maximum)"));
    }
    let (west, south) = crs.to_lonlat(min.0, min.1);
    let (east, north) = crs.to_lonlat(max.0, max.1);
    if !(-180.0..=180.0).contains(&west) || !(-180.0..=180.0).contains(&east) {
        return Err(bad("经度超出 -180..180 (longitude outside -180..180)"));
    }
    if !(-90.0..=90.0).contains(&south) || !(-90.0..=90.0).contains(&north) {
        return Err(bad("纬度超出 -90..90, 轴序是否颠倒? (latitude outside -90..90: axes swapped?)"));
    }
    Ok(BboxLonLat { west, south, east, north })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mercator_round_trips_and_matches_known_values() {
        let (x, y) = OgcCrs::Epsg3857.from_lonlat(110.25, 34.55);
        // What PROJ gives for the same point (gdaltransform -s_srs '+proj=longlat +datum=WGS84' -t_srs EPSG:3857).
        assert!((x - 12_272_973.860).abs() < 0.01 && (y - 4_102_894.857).abs() < 0.01, "{x} {y}");
        let (lon, lat) = OgcCrs::Epsg3857.to_lonlat(x, y);
        assert!((lon - 110.25).abs() < 1e-9 && (lat - 34.55).abs() < 1e-9);
    }

    #[test]
    fn epsg_4490_puts_latitude_first() {
        let mut g = serde_json::json!({"type": "Polygon", "coordinates": [[[110.0, 34.0], [110.1, 34.0], [110.0, 34.1], [110.0, 34.0]]]});
        OgcCrs::Epsg4490.transform_geometry(&mut g);
        assert_eq!(g["coordinates"][0][1], serde_json::json!([34.0, 110.1]));
    }
}
