//! Vector tiles of the atlas for one caller: a layer's features, or the coverage defects, in one tile. What a
//! caller sees is what the GeoJSON routes give it: properties through [`Access::properties`] (the one masking
//! rule), no households for a caller who may not see them, no defects naming households either.

use std::sync::Arc;

use geo::{BoundingRect, Geometry};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use super::error::{Error, Result};
use super::privacy::Access;
use crate::atlas::Atlas;
use crate::atlas::bbox::BboxLonLat;
use crate::atlas::coverage::Place;
use crate::export::mvt::{BUFFER, TileId, TileLayer, encode, tile_geometry};
use crate::model::Layer;
use crate::model::crs::MetricCrs;

/// The name of the coverage defects' tiles (as their OGC API collection is named).
pub const DEFECTS: &str = "coverage-defects";

/// The deepest zoom a tileset advertises: clients draw deeper zooms from its tiles.
pub const MAXZOOM: u32 = 18;

/// What a tileset holds: one layer of the data contract, or the coverage defects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Layer(Layer),
    Defects,
}

impl Source {
    /// The source named `name` (a layer's name or [`DEFECTS`]), if the atlas has it.
    pub fn find(atlas: &Atlas, name: &str) -> Option<Source> {
        if name == DEFECTS {
            return Some(Source::Defects);
        }
        name.parse::<Layer>().ok().filter(|l| atlas.layer(*l).is_some()).map(Source::Layer)
    }

    /// The name in URLs, and of the one layer inside its tiles.
    pub fn name(self) -> &'static str {
        match self {
            Source::Layer(l) => l.name(),
            Source::Defects => DEFECTS,
        }
    }

    /// The zoom from which its tiles hold features. A county's households (and door plates) are tens of
    /// thousands of points and courtyards a few metres wide: they are drawn from a street's zoom on (a tile
    /// about 2 km wide), and their tiles above it are empty. Everything else is drawn from the whole county's
    /// zoom, small polygons left out until they are a pixel wide.
    pub fn minzoom(self) -> u32 {
        match self {
            Source::Layer(Layer::Households | Layer::Addresses) => 14,
            _ => 0,
        }
    }
}

/// Tile `t` of `source` as `access` may see it, as MVT bytes (empty: nothing there, or nothing to show).
pub fn tile(atlas: &Atlas, source: Source, t: TileId, access: &Access) -> Result<Vec<u8>> {
    if t.z < source.minzoom() {
        return Ok(Vec::new());
    }
    let [west, south, east, north] = t.bounds_lonlat(f64::from(BUFFER));
    let mut out = TileLayer::new(source.name());
    let bad = |e: geozero::error::GeozeroError| Error::Internal(format!("encoding tile {}/{}/{}: {e}", t.z, t.x, t.y));
    match source {
        Source::Layer(Layer::Households) if !access.sees_households() => {}
        Source::Layer(layer) => {
            let Some(idx) = atlas.layer(layer) else { return Ok(Vec::new()) };
            for i in atlas.in_bbox(layer, BboxLonLat { west, south, east, north })? {
                // Properties only for what is drawn: a household shown in full is audited as read.
                if let Some(g) = tile_geometry(t, &idx.features[i].geometry) {
                    out.push(i as u64 + 1, &g, &access.properties(atlas, layer, i)).map_err(bad)?;
                }
            }
        }
        Source::Defects => {
            let cov = super::coverage::of(atlas);
            let places = DefectPlaces::of(atlas);
            let mut hits: Vec<usize> =
                places.tree.locate_in_envelope_intersecting(&AABB::from_corners([west, south], [east, north])).map(|e| e.data).collect();
            hits.sort_unstable();
            for i in hits {
                let (v, kind, _) = &cov.features[i];
                if !access.sees_households() && super::coverage::names_household(*kind, v) {
                    continue;
                }
                let (Some(g), Some(props)) = (places.lonlat[i].as_ref().and_then(|g| tile_geometry(t, g)), v["properties"].as_object())
                else {
                    continue;
                };
                // Numbered from 1, as the defects' OGC API items are.
                out.push(i as u64 + 1, &g, props).map_err(bad)?;
            }
        }
    }
    Ok(encode([out]))
}

/// The coverage defects' places in lon/lat with an R-tree of their envelopes, once per atlas.
struct DefectPlaces {
    lonlat: Vec<Option<Geometry<f64>>>,
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
}

impl DefectPlaces {
    fn of(atlas: &Atlas) -> Arc<DefectPlaces> {
        atlas.memo(|| {
            let cov = super::coverage::of(atlas);
            let crs = MetricCrs { epsg: cov.report.crs_epsg };
            let lonlat: Vec<Option<Geometry<f64>>> = cov
                .report
                .defects
                .iter()
                .map(|d| match &d.place {
                    Place::LonLat(g) => Some(g.clone()),
                    Place::Metres(g) => crs.unproject_geometry(g).ok(),
                })
                .collect();
            let entries = lonlat
                .iter()
                .enumerate()
                .filter_map(|(i, g)| {
                    let r = g.as_ref()?.bounding_rect()?;
                    Some(GeomWithData::new(Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]), i))
                })
                .collect();
            DefectPlaces { lonlat, tree: RTree::bulk_load(entries) }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{Role, Scope};
    use crate::app::privacy::Viewer;
    use crate::model::{Dataset, Feature};
    use geo::polygon;
    use geozero::mvt::{Message, Tile};

    fn atlas() -> Atlas {
        let f = |code: &str, p: serde_json::Value, g: Geometry<f64>| Feature {
            code: code.into(),
            properties: p.as_object().unwrap().clone(),
            geometry: g,
        };
        let sq = |x0: f64, y0: f64, d: f64| {
            Geometry::MultiPolygon(geo::MultiPolygon(vec![polygon![(x: x0, y: y0), (x: x0 + d, y: y0), (x: x0 + d, y: y0 + d), (x: x0, y: y0 + d), (x: x0, y: y0)]]))
        };
        let mut ds = Dataset::default();
        ds.layers.insert(Layer::Grids, vec![
            f("610522001001001", serde_json::json!({"code": "610522001001001", "name": "第1网格", "community_code": "610522001001", "manager": "李娜"}), sq(110.2, 34.5, 0.005)),
        ]);
        ds.layers.insert(Layer::Households, vec![
            f("H1", serde_json::json!({"code": "H1", "grid_code": "610522001001001", "unit_code": "", "village_code": "", "head": "张三", "phone": "13900001234"}), Geometry::Point(geo::Point::new(110.201, 34.501))),
        ]);
        Atlas::build(&ds, 3).unwrap()
    }

    fn decode(bytes: &[u8]) -> Tile {
        Tile::decode(bytes).unwrap()
    }

    fn value<'a>(tile: &'a Tile, key: &str) -> Option<&'a str> {
        let l = &tile.layers[0];
        let k = l.keys.iter().position(|k| k == key)? as u32;
        let tags = &l.features[0].tags;
        let v = tags.chunks(2).find(|kv| kv[0] == k)?[1];
        l.values[v as usize].string_value.as_deref()
    }

    #[test]
    fn properties_are_masked_as_the_caller_sees_them() {
        let atlas = atlas();
        let t = TileId::containing(110.201, 34.501, 15);
        let anonymous = Access::anonymous();
        let grids = decode(&tile(&atlas, Source::Layer(Layer::Grids), t, &anonymous).unwrap());
        assert_eq!(value(&grids, "manager"), Some("李*"));
        assert!(tile(&atlas, Source::Layer(Layer::Households), t, &anonymous).unwrap().is_empty(), "households withheld");
        let planner = Access::new(Viewer { actor: "p".into(), role: Role::Planner, scope: Scope::County });
        let hh = decode(&tile(&atlas, Source::Layer(Layer::Households), t, &planner).unwrap());
        assert_eq!((value(&hh, "head"), value(&hh, "phone")), (Some("张*"), Some("139****1234")));
        let admin = Access::new(Viewer { actor: "a".into(), role: Role::Admin, scope: Scope::County });
        let hh = decode(&tile(&atlas, Source::Layer(Layer::Households), t, &admin).unwrap());
        assert_eq!(value(&hh, "head"), Some("张三"));
        assert_eq!(admin.shown_households(), ["H1"], "a household shown in full is recorded for the audit log");
    }

    #[test]
    fn households_start_at_their_minzoom_and_tiles_elsewhere_are_empty() {
        let atlas = atlas();
        let admin = Access::new(Viewer { actor: "a".into(), role: Role::Admin, scope: Scope::County });
        let at = |z| TileId::containing(110.201, 34.501, z);
        assert!(tile(&atlas, Source::Layer(Layer::Households), at(13), &admin).unwrap().is_empty());
        assert!(!tile(&atlas, Source::Layer(Layer::Households), at(14), &admin).unwrap().is_empty());
        let elsewhere = TileId::containing(100.0, 30.0, 14);
        assert!(tile(&atlas, Source::Layer(Layer::Grids), elsewhere, &admin).unwrap().is_empty());
        assert_eq!(Source::find(&atlas, "towns"), None, "a layer the atlas lacks has no tiles");
        assert_eq!(Source::find(&atlas, DEFECTS), Some(Source::Defects));
    }
}
