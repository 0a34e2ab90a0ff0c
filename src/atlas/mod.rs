//! The atlas: every layer of a county in memory, projected to metres, one R-tree and one cell index per layer.
//!
//! It knows nothing of HTTP or SQL: it is built from a [`Dataset`] and answers questions from memory, so it is
//! unit-tested and benchmarked alone. Each operation lives in its own file, named for what it computes.

use std::collections::BTreeMap;

use geo::Geometry;
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};
use rustc_hash::FxHashMap;

use crate::model::crs::{CrsError, MetricCrs};
use crate::model::validate::GeometryProblem;
use crate::model::{Dataset, Feature, Layer};

/// Building an atlas from a dataset: projection, repair of invalid geometry, indexing.
pub mod build;
/// Features of a layer whose envelope meets a lon/lat box.
pub mod bbox;
/// A raster index over a layer's polygons: point location at millions of points a second.
pub mod cells;
/// The one placement rule: the single owner of a point, everything covering it, one point per household.
pub mod placement;
/// Coverage completeness ("no blind spots"): every rule of the data contract, exactly and fast.
pub mod coverage;
/// The 93→28 merger: legacy villages against communities, and cross-boundary households.
pub mod crosswalk;
/// Results computed once per atlas.
pub mod memo;
/// Moving cross-boundary households to the grid they lie in: the proposal and its diff.
pub mod reassign;
/// Planners' drafts: edits with snapping, undo and redo, live statistics, what publishing writes.
pub mod plan;
/// Proposing a community's grids automatically: balanced, contiguous, locked grids kept.
pub mod propose;
/// Grid numbering by the coding rule: west to east, then north to south.
pub mod numbering;
/// What lies at a point: town, community, grid, unit and household, or the nearest household.
pub mod locate;
/// The k nearest features of a layer, by exact distance in metres.
pub mod nearest;
/// Households placed in their grids and units, chains of responsibility, per-atlas cache.
pub mod directory;
/// Search over names, addresses, codes and pinyin.
pub mod search;

/// What can go wrong building or querying an atlas.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Crs(#[from] CrsError),
}

/// An R-tree entry: a feature's envelope in metres and its index in the layer.
pub type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// One layer in memory.
pub struct LayerIndex {
    /// The features as stored (lon/lat, properties).
    pub features: Vec<Feature>,
    /// Their geometry in metres, repaired where it was invalid: what every computation uses.
    pub geoms_m: Vec<Geometry<f64>>,
    /// Invalid geometry found while building: feature index and problem (location in lon/lat).
    pub problems: Vec<(usize, GeometryProblem)>,
    /// Envelopes in metres.
    pub tree: RTree<Entry>,
    by_code: FxHashMap<String, usize>,
}

impl LayerIndex {
    /// The index of the feature with this code.
    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    /// The feature with this code.
    pub fn get(&self, code: &str) -> Option<&Feature> {
        self.index_of(code).map(|i| &self.features[i])
    }

    pub fn len(&self) -> usize {
        self.features.len()
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }
}

/// A county in memory.
pub struct Atlas {
    /// The metric CRS geometry is held in.
    pub crs: MetricCrs,
    layers: BTreeMap<Layer, LayerIndex>,
    /// The store revision this atlas was built from (0 for a dataset read from files).
    pub revision: i64,
    memo: memo::Memo,
}

impl Atlas {
    /// A layer, if the dataset had it.
    pub fn layer(&self, layer: Layer) -> Option<&LayerIndex> {
        self.layers.get(&layer)
    }

    /// The layers present, parents first.
    pub fn layers(&self) -> impl Iterator<Item = (Layer, &LayerIndex)> {
        self.layers.iter().map(|(l, i)| (*l, i))
    }

    /// Feature counts per present layer.
    pub fn counts(&self) -> BTreeMap<Layer, usize> {
        self.layers.iter().map(|(l, i)| (*l, i.len())).collect()
    }

    /// The dataset back, as stored (lon/lat features).
    pub fn to_dataset(&self) -> Dataset {
        Dataset { layers: self.layers.iter().map(|(l, i)| (*l, i.features.clone())).collect() }
    }
}
