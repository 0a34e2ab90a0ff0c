//! Features of a layer whose envelope meets a lon/lat box, through the layer's R-tree.

use rstar::AABB;

use super::{Atlas, Error};
use crate::model::Layer;

/// A lon/lat box: west, south, east, north.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BboxLonLat {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl Atlas {
    /// Indexes (into the layer's features, ascending) of the features whose envelope meets `bbox`.
    ///
    /// The box is projected by its corners and edge midpoints: a Gauss-Kruger grid is not aligned with
    /// meridians, so the metric envelope of the box is taken over points along its edges.
    pub fn in_bbox(&self, layer: Layer, bbox: BboxLonLat) -> Result<Vec<usize>, Error> {
        let Some(idx) = self.layer(layer) else { return Ok(Vec::new()) };
        let (mut min, mut max) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for i in 0..=4 {
            let t = f64::from(i) / 4.0;
            let lon = bbox.west + t * (bbox.east - bbox.west);
            let lat = bbox.south + t * (bbox.north - bbox.south);
            for (x, y) in [(lon, bbox.south), (lon, bbox.north), (bbox.west, lat), (bbox.east, lat)] {
                let c = self.crs.project(x, y)?;
                min = [min[0].min(c.x), min[1].min(c.y)];
                max = [max[0].max(c.x), max[1].max(c.y)];
            }
        }
        let mut out: Vec<usize> =
            idx.tree.locate_in_envelope_intersecting(&AABB::from_corners(min, max)).map(|e| e.data).collect();
        out.sort_unstable();
        Ok(out)
    }
}
