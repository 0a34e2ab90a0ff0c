//! Building an atlas: choose the metric CRS from the data, project every layer (in parallel: PROJ is
//! thread-local), repair invalid geometry for computation, and bulk-load an R-tree per layer.

use geo::{BoundingRect, Geometry};
use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::Rectangle;
use rustc_hash::FxHashMap;

use super::{Atlas, Entry, Error, LayerIndex};
use crate::model::crs::MetricCrs;
use crate::model::validate::{GeometryProblem, geometry_problems, repair};
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
        Atlas::from_dataset(ds.clone(), revision)
    }

    /// [`Atlas::build`], taking the dataset's features in rather than copying them (what loading a store does:
    /// a million households copied is a second and a gigabyte).
    pub fn from_dataset(ds: Dataset, revision: i64) -> Result<Atlas, Error> {
        // An empty store still serves (an empty map); its zone is then immaterial.
        let crs = choose_crs(&ds).unwrap_or(MetricCrs { epsg: 4546 });
        let mut layers = std::collections::BTreeMap::new();
        for (layer, features) in ds.layers {
            let t = std::time::Instant::now();
            layers.insert(layer, build_layer(crs, features)?);
            tracing::debug!(layer = layer.name(), ms = t.elapsed().as_millis(), "layer indexed");
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
    let projected: Vec<Projected> = features
        .par_chunks(1024)
        .map(|chunk| project_chunk(crs, chunk))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    let mut geoms_m = Vec::with_capacity(projected.len());
    let mut problems = Vec::new();
    for (i, (g, ps)) in projected.into_iter().enumerate() {
        geoms_m.push(g);
        problems.extend(ps.into_iter().map(|p| (i, p)));
    }
    let entries: Vec<Entry> = geoms_m
        .par_iter()
        .enumerate()
        .filter_map(|(i, g)| {
            let r = g.bounding_rect()?;
            Some(Entry::new(Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]), i))
        })
        .collect();
    let by_code: FxHashMap<String, usize> = features.iter().enumerate().map(|(i, f)| (f.code.clone(), i)).collect();
    Ok(LayerIndex { features, geoms_m, problems, tree: RTree::bulk_load(entries), by_code })
}

/// A feature's geometry in metres, with the problems found in its stored geometry.
type Projected = (Geometry<f64>, Vec<GeometryProblem>);

/// Checks and projects a chunk of features: the points in one PROJ call (a household layer is a million of
/// them, and a call per point costs more than its arithmetic), each polygon ring by ring, repaired first
/// where it is invalid.
fn project_chunk(crs: MetricCrs, chunk: &[Feature]) -> Result<Vec<Projected>, Error> {
    let mut points: Vec<geo::Coord<f64>> =
        chunk.iter().filter_map(|f| if let Geometry::Point(p) = f.geometry { Some(p.0) } else { None }).collect();
    if !points.is_empty() {
        crs.project_coords(&mut points)?;
    }
    let mut points = points.into_iter();
    chunk
        .iter()
        .map(|f| {
            if let Geometry::Point(_) = f.geometry {
                let p = points.next().expect("one projected coordinate per point");
                return Ok((Geometry::Point(geo::Point(p)), Vec::new()));
            }
            let problems = geometry_problems(&f.geometry);
            let g = if problems.is_empty() { f.geometry.clone() } else { repair(&f.geometry) };
            Ok((crs.project_geometry(&g)?, problems))
        })
        .collect()
}
