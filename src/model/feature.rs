//! Features and datasets: what every layer holds, in stored lon/lat.

use std::collections::BTreeMap;

use geo::Geometry;
use serde_json::{Map, Value};

use super::Layer;

/// One feature of a layer: its code, its properties exactly as given (including `code`), and its geometry in
/// lon/lat. Polygonal geometry is held as a MultiPolygon whatever the file had (one type per stored column);
/// a household may also be a Point.
#[derive(Clone, Debug, PartialEq)]
pub struct Feature {
    pub code: String,
    pub properties: Map<String, Value>,
    pub geometry: Geometry<f64>,
}

impl Feature {
    /// A string property, if present and a string.
    pub fn str_prop(&self, key: &str) -> Option<&str> {
        self.properties.get(key).and_then(Value::as_str)
    }

    /// A non-empty string property.
    pub fn nonempty_prop(&self, key: &str) -> Option<&str> {
        self.str_prop(key).filter(|s| !s.trim().is_empty())
    }

    /// An integer property (accepting integral floats, as spreadsheets write them).
    pub fn int_prop(&self, key: &str) -> Option<i64> {
        let v = self.properties.get(key)?;
        v.as_i64().or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
    }

    /// The `name` property, or the code where a feature has none.
    pub fn name(&self) -> &str {
        self.nonempty_prop("name").unwrap_or(&self.code)
    }
}

/// A dataset: some or all of the layers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dataset {
    pub layers: BTreeMap<Layer, Vec<Feature>>,
}

impl Dataset {
    /// The features of a layer (empty when the layer is absent).
    pub fn get(&self, layer: Layer) -> &[Feature] {
        self.layers.get(&layer).map_or(&[], Vec::as_slice)
    }

    /// Whether the dataset has this layer at all (an empty file counts as present).
    pub fn has(&self, layer: Layer) -> bool {
        self.layers.contains_key(&layer)
    }

    /// Feature counts per present layer.
    pub fn counts(&self) -> BTreeMap<Layer, usize> {
        self.layers.iter().map(|(l, f)| (*l, f.len())).collect()
    }

    /// This dataset with `other`'s layers replacing its own.
    pub fn overlaid(&self, other: &Dataset) -> Dataset {
        let mut out = self.clone();
        for (l, f) in &other.layers {
            out.layers.insert(*l, f.clone());
        }
        out
    }
}
