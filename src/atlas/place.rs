//! Placing every household at once: the community, grid, unit and legacy village holding each household's
//! representative point, through one raster cell index per layer ([`CellIndex`]) instead of an R-tree query
//! and a polygon test per layer and point. Community and village outlines carry hundreds of vertices each, so
//! the per-point polygon tests were most of the crosswalk's time; with the cells most points are answered by
//! one array read. The indexes and the points are built once per atlas ([`Atlas::memo`]) and warmed with it.
//!
//! Where polygons overlap, the lowest index holding the point wins, as [`Atlas::containing`] answers.

use std::sync::Arc;

use geo::{Coord, Geometry, MultiPolygon};
use rayon::prelude::*;

use super::Atlas;
use super::contain::representative_point;
use super::coverage::cells::CellIndex;
use crate::model::Layer;

/// One layer's outlines (metres) and their cell index.
struct LayerCells {
    polys: Vec<MultiPolygon<f64>>,
    cells: CellIndex,
}

impl LayerCells {
    fn of(atlas: &Atlas, layer: Layer) -> Option<LayerCells> {
        let l = atlas.layer(layer)?;
        let polys: Vec<MultiPolygon<f64>> = l
            .geoms_m
            .iter()
            .map(|g| match g {
                Geometry::MultiPolygon(mp) => mp.clone(),
                Geometry::Polygon(p) => MultiPolygon(vec![p.clone()]),
                _ => MultiPolygon(vec![]),
            })
            .collect();
        let refs: Vec<&MultiPolygon<f64>> = polys.iter().collect();
        let cells = CellIndex::build(&refs, None);
        Some(LayerCells { polys, cells })
    }
}

/// What placing households needs, built once per atlas.
pub struct Placer {
    /// Each household's representative point (metres), in layer order.
    points: Vec<Option<Coord<f64>>>,
    /// Communities, grids, units, villages.
    layers: [Option<LayerCells>; 4],
}

impl Placer {
    /// The placer of `atlas`, built on first use and kept with it.
    pub fn of(atlas: &Atlas) -> Arc<Placer> {
        atlas.memo(|| {
            let points = atlas
                .layer(Layer::Households)
                .map(|hh| hh.geoms_m.par_iter().map(representative_point).collect())
                .unwrap_or_default();
            let [c, g, u, v] = [Layer::Communities, Layer::Grids, Layer::Units, Layer::Villages];
            let (a, b) = rayon::join(
                || (LayerCells::of(atlas, c), LayerCells::of(atlas, g)),
                || (LayerCells::of(atlas, u), LayerCells::of(atlas, v)),
            );
            Placer { points, layers: [a.0, a.1, b.0, b.1] }
        })
    }

    /// For each household (in layer order) the index of the community, grid, unit and village holding it.
    pub fn place(&self) -> Vec<[Option<usize>; 4]> {
        // Per layer: its outlines and their cells.
        type Indexed<'a> = Option<(Vec<&'a MultiPolygon<f64>>, &'a CellIndex)>;
        let refs: Vec<Indexed<'_>> =
            self.layers.iter().map(|l| l.as_ref().map(|l| (l.polys.iter().collect(), &l.cells))).collect();
        self.points
            .par_iter()
            .map(|p| {
                let mut out = [None; 4];
                if let Some(p) = p {
                    for (k, r) in refs.iter().enumerate() {
                        out[k] = r.as_ref().and_then(|(polys, cells)| cells.locate(*p, polys));
                    }
                }
                out
            })
            .collect()
    }
}
