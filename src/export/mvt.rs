//! Mapbox Vector Tiles (MVT 2.1): a tile's address, lon/lat geometry in a tile's units (Web Mercator, y down,
//! [`EXTENT`] units a side) clipped to the tile and its [`BUFFER`] and simplified to its pixels, and layers of
//! such features encoded with geozero's protobuf types.
//!
//! Geometry is simplified and quantised here, not by the encoder: geozero writes the coordinates it is given,
//! and a ring that rounding collapses to fewer than three distinct points would be an error there, not a
//! feature left out.

use std::f64::consts::PI;

use geo::orient::{Direction, Orient};
use geo::{Area, BooleanOps, BoundingRect, Coord, Geometry, LineString, MapCoords, MultiLineString, MultiPoint,
    MultiPolygon, Point, Polygon, Rect, Simplify};
use geozero::ToMvt;
use geozero::mvt::{Message, TagsBuilder, Tile, TileValue, tile};
use serde_json::{Map, Value};

/// Units along a tile's side.
pub const EXTENT: u32 = 4096;
/// Units drawn beyond each edge, so that strokes and labels do not break at tile seams.
pub const BUFFER: u32 = 64;
/// The deepest zoom served (a tile about 10 m wide): clients draw deeper zooms from these.
pub const MAX_ZOOM: u32 = 22;
/// One screen pixel of a tile drawn 512 pixels wide (as MapLibre draws vector tiles), in tile units. Polygons
/// smaller than this are left out; detail finer than half of it is simplified away.
pub const PIXEL: f64 = EXTENT as f64 / 512.0;

/// The latitude where Web Mercator's square world ends.
const MAX_LAT: f64 = 85.051_128_779_806_59;

/// A tile of the XYZ scheme (origin at the top left, as MapLibre, GDAL and every slippy map use).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TileId {
    pub z: u32,
    pub x: u32,
    pub y: u32,
}

/// An address that is no tile.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    #[error("缩放级别 z={0} 超出 0..={MAX_ZOOM} (zoom {0} outside 0..={MAX_ZOOM})")]
    Zoom(u32),
    #[error("瓦片 {z}/{x}/{y} 不存在：该级别 x、y 应在 0..{n} 之内 (tile {z}/{x}/{y} does not exist: x and y run 0..{n} at zoom {z})")]
    Outside { z: u32, x: u32, y: u32, n: u64 },
}

impl TileId {
    /// The tile `z/x/y`, if there is one.
    ///
    /// ```
    /// use gridmap::export::mvt::TileId;
    /// assert!(TileId::new(0, 0, 0).is_ok() && TileId::new(3, 7, 7).is_ok());
    /// assert!(TileId::new(3, 8, 0).is_err() && TileId::new(23, 0, 0).is_err());
    /// ```
    pub fn new(z: u32, x: u32, y: u32) -> Result<TileId, TileError> {
        if z > MAX_ZOOM {
            return Err(TileError::Zoom(z));
        }
        let n = 1u64 << z;
        if u64::from(x) >= n || u64::from(y) >= n {
            return Err(TileError::Outside { z, x, y, n });
        }
        Ok(TileId { z, x, y })
    }

    /// The tile at zoom `z` holding a lon/lat point.
    ///
    /// ```
    /// use gridmap::export::mvt::TileId;
    /// assert_eq!(TileId::containing(110.2, 34.5, 10), TileId { z: 10, x: 825, y: 407 });
    /// ```
    pub fn containing(lon: f64, lat: f64, z: u32) -> TileId {
        let n = (1u64 << z) as f64;
        let (fx, fy) = world(lon, lat);
        let at = |f: f64| ((f * n).floor().max(0.0) as u64).min((1u64 << z) - 1) as u32;
        TileId { z, x: at(fx), y: at(fy) }
    }

    fn n(self) -> f64 {
        (1u64 << self.z) as f64
    }

    /// A lon/lat position in this tile's units.
    pub fn to_tile(self, c: Coord<f64>) -> Coord<f64> {
        let (fx, fy) = world(c.x, c.y);
        let e = f64::from(EXTENT);
        Coord { x: (fx * self.n() - f64::from(self.x)) * e, y: (fy * self.n() - f64::from(self.y)) * e }
    }

    /// The lon/lat position of a point in this tile's units.
    pub fn to_lonlat(self, c: Coord<f64>) -> Coord<f64> {
        let e = f64::from(EXTENT);
        let fx = (f64::from(self.x) + c.x / e) / self.n();
        let fy = (f64::from(self.y) + c.y / e) / self.n();
        Coord { x: fx * 360.0 - 180.0, y: (PI * (1.0 - 2.0 * fy)).sinh().atan().to_degrees() }
    }

    /// The tile with `buffer` units around it, in lon/lat: west, south, east, north.
    ///
    /// ```
    /// use gridmap::export::mvt::TileId;
    /// let [w, s, e, n] = TileId::new(1, 1, 0).unwrap().bounds_lonlat(0.0);
    /// assert_eq!([w, s, e], [0.0, 0.0, 180.0]);
    /// assert!((n - 85.0511).abs() < 1e-4);
    /// ```
    pub fn bounds_lonlat(self, buffer: f64) -> [f64; 4] {
        let e = f64::from(EXTENT);
        let nw = self.to_lonlat(Coord { x: -buffer, y: -buffer });
        let se = self.to_lonlat(Coord { x: e + buffer, y: e + buffer });
        [nw.x.max(-180.0), se.y.max(-MAX_LAT), se.x.min(180.0), nw.y.min(MAX_LAT)]
    }
}

/// Web Mercator of a lon/lat position, as fractions of the world from its top left corner.
fn world(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
    ((lon + 180.0) / 360.0, (1.0 - lat.tan().asinh() / PI) / 2.0)
}

/// `g` (lon/lat) in `tile`'s units, rounded to whole units: clipped to the tile and its [`BUFFER`], simplified
/// to its pixels, polygons oriented as MVT wants them (exterior clockwise on screen). `None` when nothing of it
/// is left, or when it is a polygon smaller than a [`PIXEL`].
///
/// ```
/// use gridmap::export::mvt::{TileId, tile_geometry};
/// let t = TileId::containing(110.2, 34.5, 14);
/// let p = geo::Geometry::Point(geo::Point::new(110.2, 34.5));
/// assert!(matches!(tile_geometry(t, &p), Some(geo::Geometry::Point(_))));
/// let far = geo::Geometry::Point(geo::Point::new(111.0, 34.5));
/// assert!(tile_geometry(t, &far).is_none());
/// ```
pub fn tile_geometry(tile: TileId, g: &Geometry<f64>) -> Option<Geometry<f64>> {
    let lo = -f64::from(BUFFER);
    let hi = f64::from(EXTENT + BUFFER);
    let clip = Rect::new(Coord { x: lo, y: lo }, Coord { x: hi, y: hi });
    let t = g.map_coords(|c| tile.to_tile(c));
    let inside = |c: Coord<f64>| (lo..=hi).contains(&c.x) && (lo..=hi).contains(&c.y);
    match t {
        Geometry::Point(p) => inside(p.0).then(|| Geometry::Point(Point(round(p.0)))),
        Geometry::MultiPoint(mp) => {
            let kept: Vec<Point<f64>> = mp.0.iter().filter(|p| inside(p.0)).map(|p| Point(round(p.0))).collect();
            (!kept.is_empty()).then_some(Geometry::MultiPoint(MultiPoint(kept)))
        }
        Geometry::Polygon(p) => polygons(MultiPolygon(vec![p]), clip).map(Geometry::MultiPolygon),
        Geometry::MultiPolygon(mp) => polygons(mp, clip).map(Geometry::MultiPolygon),
        Geometry::Rect(r) => polygons(MultiPolygon(vec![r.to_polygon()]), clip).map(Geometry::MultiPolygon),
        Geometry::LineString(l) => lines(MultiLineString(vec![l]), clip).map(Geometry::MultiLineString),
        Geometry::MultiLineString(ml) => lines(ml, clip).map(Geometry::MultiLineString),
        // The data contract has points and polygons; defects are those too.
        _ => None,
    }
}

fn round(c: Coord<f64>) -> Coord<f64> {
    Coord { x: c.x.round(), y: c.y.round() }
}

fn within(inner: Rect<f64>, outer: Rect<f64>) -> bool {
    inner.min().x >= outer.min().x && inner.min().y >= outer.min().y && inner.max().x <= outer.max().x && inner.max().y <= outer.max().y
}

fn meets(a: Rect<f64>, b: Rect<f64>) -> bool {
    a.min().x <= b.max().x && a.max().x >= b.min().x && a.min().y <= b.max().y && a.max().y >= b.min().y
}

fn polygons(mp: MultiPolygon<f64>, clip: Rect<f64>) -> Option<MultiPolygon<f64>> {
    let r = mp.bounding_rect()?;
    if (r.width() < PIXEL && r.height() < PIXEL) || !meets(r, clip) {
        return None;
    }
    let mp = mp.simplify(PIXEL / 2.0);
    // Only what crosses the buffer's edge pays for an overlay.
    let mp = if within(r, clip) { mp } else { mp.intersection(&clip.to_polygon()) };
    let kept: Vec<Polygon<f64>> = mp
        .0
        .iter()
        .filter_map(|p| {
            let exterior = ring(p.exterior())?;
            Some(Polygon::new(exterior, p.interiors().iter().filter_map(ring).collect()))
        })
        .collect();
    (!kept.is_empty()).then(|| MultiPolygon(kept).orient(Direction::Default))
}

/// A ring rounded to whole units without repeated positions, if it still encloses an area.
fn ring(ls: &LineString<f64>) -> Option<LineString<f64>> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(ls.0.len());
    for c in &ls.0 {
        let c = round(*c);
        if out.last() != Some(&c) {
            out.push(c);
        }
    }
    if out.len() > 1 && out.first() != out.last() {
        out.push(out[0]);
    }
    let ring = LineString(out);
    (ring.0.len() >= 4 && Polygon::new(ring.clone(), vec![]).unsigned_area() > 0.0).then_some(ring)
}

fn lines(ml: MultiLineString<f64>, clip: Rect<f64>) -> Option<MultiLineString<f64>> {
    let r = ml.bounding_rect()?;
    if !meets(r, clip) {
        return None;
    }
    let ml = ml.simplify(PIXEL / 2.0);
    let ml = if within(r, clip) { ml } else { clip.to_polygon().clip(&ml, false) };
    let kept: Vec<LineString<f64>> = ml
        .0
        .iter()
        .map(|l| {
            let mut out: Vec<Coord<f64>> = Vec::with_capacity(l.0.len());
            for c in &l.0 {
                let c = round(*c);
                if out.last() != Some(&c) {
                    out.push(c);
                }
            }
            LineString(out)
        })
        .filter(|l| l.0.len() >= 2)
        .collect();
    (!kept.is_empty()).then_some(MultiLineString(kept))
}

/// A property as an MVT value. MVT has no null, array or object: nulls are left out, arrays and objects
/// (tags, codes) go as their JSON text, as tippecanoe writes them.
///
/// ```
/// use gridmap::export::mvt::tile_value;
/// use geozero::mvt::TileValue;
/// assert_eq!(tile_value(&serde_json::json!("张三")), Some(TileValue::Str("张三".into())));
/// assert_eq!(tile_value(&serde_json::json!(3)), Some(TileValue::Int(3)));
/// assert_eq!(tile_value(&serde_json::json!(["a"])), Some(TileValue::Str("[\"a\"]".into())));
/// assert_eq!(tile_value(&serde_json::Value::Null), None);
/// ```
pub fn tile_value(v: &Value) -> Option<TileValue> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => TileValue::Bool(*b),
        Value::String(s) => TileValue::Str(s.clone()),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => TileValue::Int(i),
            (None, Some(u), _) => TileValue::Uint(u),
            (_, _, f) => TileValue::Double(f.unwrap_or(f64::NAN)),
        },
        other => TileValue::Str(other.to_string()),
    })
}

/// One layer of a tile, filled feature by feature.
pub struct TileLayer {
    name: String,
    features: Vec<tile::Feature>,
    tags: TagsBuilder,
}

impl TileLayer {
    pub fn new(name: &str) -> TileLayer {
        TileLayer { name: name.to_string(), features: Vec::new(), tags: TagsBuilder::new() }
    }

    /// Adds a feature: `geometry` in tile units (from [`tile_geometry`]), its properties.
    pub fn push(&mut self, id: u64, geometry: &Geometry<f64>, properties: &Map<String, Value>) -> geozero::error::Result<()> {
        let mut f = geometry.to_mvt_unscaled()?;
        f.id = Some(id);
        for (k, v) in properties {
            if let Some(v) = tile_value(v) {
                let (k, v) = self.tags.insert_ref(k, v);
                f.tags.extend([k, v]);
            }
        }
        self.features.push(f);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.features.len()
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    fn into_layer(self) -> tile::Layer {
        let (keys, values) = self.tags.into_tags();
        tile::Layer {
            version: 2,
            name: self.name,
            features: self.features,
            keys,
            values: values.into_iter().map(Into::into).collect(),
            extent: Some(EXTENT),
        }
    }
}

/// The tile of these layers as protobuf bytes; layers without features are left out, so a tile with nothing
/// in it is empty (zero bytes, a valid tile).
pub fn encode(layers: impl IntoIterator<Item = TileLayer>) -> Vec<u8> {
    let tile = Tile { layers: layers.into_iter().filter(|l| !l.is_empty()).map(TileLayer::into_layer).collect() };
    tile.encode_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{coord, polygon};

    fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Geometry<f64> {
        Geometry::Polygon(polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1), (x: x0, y: y0)])
    }

    #[test]
    fn tile_units_and_lonlat_round_trip() {
        let t = TileId::containing(110.21, 34.505, 15);
        let c = t.to_tile(coord! { x: 110.21, y: 34.505 });
        assert!((0.0..4096.0).contains(&c.x) && (0.0..4096.0).contains(&c.y), "{c:?}");
        let back = t.to_lonlat(c);
        assert!((back.x - 110.21).abs() < 1e-12 && (back.y - 34.505).abs() < 1e-12, "{back:?}");
        // Y grows southwards: a point further north has a smaller y.
        assert!(t.to_tile(coord! { x: 110.21, y: 34.506 }).y < c.y);
        let [w, s, e, n] = t.bounds_lonlat(0.0);
        assert!(w <= 110.21 && 110.21 < e && s <= 34.505 && 34.505 < n);
    }

    #[test]
    fn bad_addresses_say_why() {
        assert_eq!(TileId::new(23, 0, 0), Err(TileError::Zoom(23)));
        let e = TileId::new(2, 4, 1).unwrap_err();
        assert!(e.to_string().starts_with("瓦片 2/4/1 不存在") && e.to_string().contains("0..4"), "{e}");
    }

    #[test]
    fn a_polygon_across_the_edge_is_clipped_to_the_buffer() {
        let t = TileId::containing(110.21, 34.505, 16);
        let [w, s, e, n] = t.bounds_lonlat(0.0);
        let big = square(w - 1.0, s - 1.0, e + 1.0, n + 1.0);
        let Some(Geometry::MultiPolygon(mp)) = tile_geometry(t, &big) else { panic!("clipped away") };
        let r = mp.bounding_rect().unwrap();
        assert_eq!((r.min(), r.max()), (coord! { x: -64.0, y: -64.0 }, coord! { x: 4160.0, y: 4160.0 }));
        // Exterior clockwise on screen (y down): positive area by the shoelace formula over (x, y).
        assert!(mp.0[0].exterior().0.windows(2).map(|w| w[0].x * w[1].y - w[1].x * w[0].y).sum::<f64>() > 0.0);
    }

    #[test]
    fn polygons_smaller_than_a_pixel_are_dropped_and_detail_simplified() {
        let t = TileId::containing(110.21, 34.505, 8);
        // A 10 m courtyard is far below a pixel at zoom 8.
        assert!(tile_geometry(t, &square(110.21, 34.505, 110.2101, 34.5051)).is_none());
        // A wiggle of a thousandth of a pixel along an edge is simplified away.
        let (x0, y0, x1, y1) = (110.0, 34.3, 110.6, 34.7);
        let wiggly = Geometry::Polygon(polygon![(x: x0, y: y0), (x: (x0 + x1) / 2.0, y: y0 + 1e-7), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1), (x: x0, y: y0)]);
        let Some(Geometry::MultiPolygon(mp)) = tile_geometry(t, &wiggly) else { panic!("dropped") };
        assert_eq!(mp.0[0].exterior().0.len(), 5, "{mp:?}");
    }

    #[test]
    fn a_tile_encodes_and_decodes_with_its_properties() {
        let t = TileId::containing(110.21, 34.505, 14);
        let g = tile_geometry(t, &Geometry::Point(geo::Point::new(110.21, 34.505))).unwrap();
        let mut layer = TileLayer::new("households");
        let props = serde_json::json!({"code": "H1", "head": "张*", "members": 3, "tags": [], "none": null});
        layer.push(7, &g, props.as_object().unwrap()).unwrap();
        let bytes = encode([layer, TileLayer::new("empty")]);
        let tile = Tile::decode(bytes.as_slice()).unwrap();
        assert_eq!(tile.layers.len(), 1, "empty layers are left out");
        let l = &tile.layers[0];
        assert_eq!((l.name.as_str(), l.extent, l.features[0].id), ("households", Some(4096), Some(7)));
        assert_eq!(l.keys, ["code", "head", "members", "tags"]);
        assert_eq!(l.values[1].string_value.as_deref(), Some("张*"));
        assert!(encode([TileLayer::new("empty")]).is_empty());
    }
}
