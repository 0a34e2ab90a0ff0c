//! The collections OGC API – Features offers: every layer of the atlas, and the coverage defects. Each one's
//! schema (every property any of its features has, so each feature can carry all of them) and extent are
//! computed once per atlas.

use std::collections::{BTreeMap, BTreeSet};

use geo::BoundingRect;
use serde_json::{Value, json};

use super::crs::{CRS84, OgcCrs};
use crate::atlas::Atlas;
use crate::model::Layer;

/// The id of the coverage defects' collection.
pub const DEFECTS: &str = "coverage-defects";
/// The properties of a defect (`atlas::coverage::report::defect_feature`).
const DEFECT_KEYS: [&str; 10] = ["kind", "layer", "parent", "codes", "area_m2", "width_m", "message", "rule", "label", "reason"];

pub use crate::app::privacy::HOUSEHOLD_COUNT;

/// One collection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collection {
    Layer(Layer),
    Defects,
}

impl Collection {
    /// The collection with this id, if the atlas has it.
    pub fn find(atlas: &Atlas, id: &str) -> Option<Collection> {
        if id == DEFECTS {
            return Some(Collection::Defects);
        }
        id.parse::<Layer>().ok().filter(|l| atlas.layer(*l).is_some()).map(Collection::Layer)
    }

    /// Every collection of the atlas: its layers, parents first, then the defects.
    pub fn all(atlas: &Atlas) -> Vec<Collection> {
        atlas.layers().map(|(l, _)| Collection::Layer(l)).chain([Collection::Defects]).collect()
    }

    pub fn id(self) -> &'static str {
        match self {
            Collection::Layer(l) => l.name(),
            Collection::Defects => DEFECTS,
        }
    }

    pub fn title(self) -> String {
        match self {
            Collection::Layer(l) => format!("{} ({})", l.name_zh(), l.name()),
            Collection::Defects => "覆盖缺陷 (coverage defects)".into(),
        }
    }

    fn description(self) -> &'static str {
        match self {
            Collection::Layer(Layer::Households) => "户: 院落或住房轮廓, 或门址点; 无权限时姓名、电话、地址已脱敏 (households; personal data masked unless the caller may see it)",
            Collection::Layer(Layer::Addresses) => "门牌地址: 公安标准地址的门牌点与完整地址, 公开信息, 不含住户 (door plates with their full addresses: public, no household data)",
            Collection::Layer(_) => "数据约定中的一个图层 (a layer of the data contract)",
            Collection::Defects => "覆盖检查的缺陷: 盲区、缝隙、重叠、未覆盖的户等 (coverage check defects: blind spots, slivers, overlaps, uncovered households, ...)",
        }
    }
}

/// Schema and extent of every collection of one atlas.
pub struct Catalogue {
    /// Property names per layer: the contract's required ones first, then every other one found, sorted.
    keys: BTreeMap<Layer, Vec<String>>,
    /// Lon/lat bounds per layer.
    bbox: BTreeMap<Layer, [f64; 4]>,
    /// The county's bounds (the defects lie inside it), or all layers' when there is no county.
    county: Option<[f64; 4]>,
}

impl Catalogue {
    /// The catalogue of `atlas`, computed once.
    pub fn of(atlas: &Atlas) -> std::sync::Arc<Catalogue> {
        atlas.memo(|| Catalogue::compute(atlas))
    }

    fn compute(atlas: &Atlas) -> Catalogue {
        let mut keys = BTreeMap::new();
        let mut bbox = BTreeMap::new();
        for (layer, idx) in atlas.layers() {
            let mut ks: Vec<String> = layer.required_properties().iter().map(|k| k.to_string()).collect();
            let others: BTreeSet<&String> =
                idx.features.iter().flat_map(|f| f.properties.keys()).filter(|k| !ks.contains(k)).collect();
            ks.extend(others.into_iter().cloned());
            if matches!(layer, Layer::Grids | Layer::Units) && !ks.iter().any(|k| k == HOUSEHOLD_COUNT) {
                ks.push(HOUSEHOLD_COUNT.into());
            }
            keys.insert(layer, ks);
            let rect = idx.features.iter().filter_map(|f| f.geometry.bounding_rect()).reduce(|a, b| {
                geo::Rect::new(
                    geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                    geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
                )
            });
            if let Some(r) = rect {
                bbox.insert(layer, [r.min().x, r.min().y, r.max().x, r.max().y]);
            }
        }
        let county = bbox.get(&Layer::County).copied().or_else(|| {
            bbox.values().copied().reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])])
        });
        Catalogue { keys, bbox, county }
    }

    /// The property names every feature of `c` carries.
    pub fn keys(&self, c: Collection) -> Vec<&str> {
        match c {
            Collection::Layer(l) => self.keys.get(&l).map(|k| k.iter().map(String::as_str).collect()).unwrap_or_default(),
            Collection::Defects => DEFECT_KEYS.to_vec(),
        }
    }

    /// The collection's lon/lat bounds: west, south, east, north.
    pub fn bbox(&self, c: Collection) -> Option<[f64; 4]> {
        match c {
            Collection::Layer(l) => self.bbox.get(&l).copied(),
            Collection::Defects => self.county,
        }
    }

    /// The collection's description (`/collections/{id}`), its links under `base` (`http://host/ogcapi`).
    pub fn describe(&self, c: Collection, base: &str) -> Value {
        let id = c.id();
        let mut v = json!({
            "id": id,
            "title": c.title(),
            "description": c.description(),
            "itemType": "feature",
            "crs": OgcCrs::ALL.iter().map(|c| c.uri()).collect::<Vec<_>>(),
            "storageCrs": OgcCrs::STORAGE.uri(),
            "links": [
                { "href": format!("{base}/collections/{id}"), "rel": "self", "type": "application/json", "title": "本集合 (this collection)" },
                { "href": format!("{base}/collections/{id}/items"), "rel": "items", "type": "application/geo+json", "title": "要素 (features)" },
            ],
        });
        if let Some(b) = self.bbox(c) {
            v["extent"] = json!({ "spatial": { "bbox": [b], "crs": CRS84 } });
        }
        v
    }
}
