//! Building an atlas: choose the metric CRS from the data, project every layer (in parallel: PROJ is
//! thread-local), repair invalid geometry for computation, and bulk-load an R-tree per layer.

use std::collections::HashMap;

use geo::{BoundingRect, Geometry};
use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::Rectangle;

use super::{Atlas, Entry, Error, LayerIndex};
use crate::model::crs::MetricCrs;
use crate::model::validate::{geometry_problems, repair};
use crate::model::{Dataset, Feature, Layer};

impl Atlas {
    /// Builds the atlas of `ds`. Invalid geometry is recorded in each layer's `problems` and repaired for
    /// computation; the stored features are kept as they are.
    ///
    /// ```
    /// use gridmap::atlas::Atlas;
    /// use gridmap::model::{Dataset, Feature, Layer};
    /// use geo::{Geometry, MultiPolygon, polygon};
    /// let sq = polygon![(x: 110.2, y: 34.5), (x: 110.3, y: 34.5), (x: 110.3, y: 34.6), (x: 110.2, y: 34.6)];
    /// let county = Feature {
    ///     code: "610522".into(),
    ///     properties: serde_json::json!({"code": "610522", "name": "潼关县"}).as_object().unwrap().clone(),
    ///     geometry: Geometry::MultiPolygon(MultiPolygon(vec![sq])),
    /// };
    /// let mut ds = Dataset::default();
    /// ds.layers.insert(Layer::County, vec![county]);
    /// let atlas = Atlas::build(&ds, 0).unwrap();
    /// assert_eq!(atlas.crs.epsg, 4546);
    /// assert_eq!(atlas.layer(Layer::County).unwrap().len(), 1);
    /// ```
    pub fn build(ds: &Dataset, revision: i64) -> Result<Atlas, Error> {
        // An empty store still serves (an empty map); its zone is then immaterial.
        let crs = choose_crs(ds).unwrap_or(MetricCrs { epsg: 4546 });
        let mut layers = std::collections::BTreeMap::new();
        for (&layer, features) in &ds.layers {
            layers.insert(layer, build_layer(crs, features.clone())?);
        }
        Ok(Atlas { crs, layers, revision, memo: Default::default() })
    }
}

/// The Gauss-Kruger zone of the data's centre: the county if present, else the first layer with features.
fn choose_crs(ds: &Dataset) -> Option<MetricCrs> {
    let features = Layer::ALL.iter().map(|l| ds.get(*l)).find(|f| !f.is_empty())?;
    let rect = features.iter().filter_map(|f| f.geometry.bounding_rect()).reduce(|a, b| {
        geo::Rect::new(
            geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
            geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
        )
    })?;
    Some(MetricCrs::for_lon(rect.center().x))
}

fn build_layer(crs: MetricCrs, features: Vec<Feature>) -> Result<LayerIndex, Error> {
    let projected: Vec<(Geometry<f64>, Vec<_>)> = features
        .par_iter()
        .map(|f| {
            let problems = geometry_problems(&f.geometry);
            let g = if problems.is_empty() { f.geometry.clone() } else { repair(&f.geometry) };
            crs.project_geometry(&g).map(|m| (m, problems))
        })
        .collect::<Result<_, _>>()?;
    let mut geoms_m = Vec::with_capacity(projected.len());
    let mut problems = Vec::new();
    for (i, (g, ps)) in projected.into_iter().enumerate() {
        geoms_m.push(g);
        problems.extend(ps.into_iter().map(|p| (i, p)));
    }
    let entries: Vec<Entry> = geoms_m
        .iter()
        .enumerate()
        .filter_map(|(i, g)| {
            let r = g.bounding_rect()?;
            Some(Entry::new(Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]), i))
        })
        .collect();
    let by_code: HashMap<String, usize> = features.iter().enumerate().map(|(i, f)| (f.code.clone(), i)).collect();
    Ok(LayerIndex { features, geoms_m, problems, tree: RTree::bulk_load(entries), by_code })
}
