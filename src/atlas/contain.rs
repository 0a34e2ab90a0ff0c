//! Which polygon of a layer contains a point: the R-tree narrows to envelopes, `geo::Contains` decides.

use geo::{Contains, Coord, Geometry, InteriorPoint, Point};

use super::{Atlas, LayerIndex};
use crate::model::Layer;

impl LayerIndex {
    /// Indexes of the features whose geometry contains `p` (metres), ascending.
    pub fn all_containing(&self, p: Coord<f64>) -> Vec<usize> {
        let pt = Point(p);
        let mut out: Vec<usize> = self
            .tree
            .locate_all_at_point(&[p.x, p.y])
            .map(|e| e.data)
            .filter(|&i| self.geoms_m[i].contains(&pt))
            .collect();
        out.sort_unstable();
        out
    }

    /// The first feature (lowest index) whose geometry contains `p` (metres).
    pub fn containing(&self, p: Coord<f64>) -> Option<usize> {
        self.tree
            .locate_all_at_point(&[p.x, p.y])
            .map(|e| e.data)
            .filter(|&i| self.geoms_m[i].contains(&Point(p)))
            .min()
    }
}

impl Atlas {
    /// The feature of `layer` containing `p` (metres), if the layer is present and one does.
    pub fn containing(&self, layer: Layer, p: Coord<f64>) -> Option<usize> {
        self.layer(layer)?.containing(p)
    }
}

/// The point that stands for a feature when it is placed in a polygon: a door point as it is, an outline by a
/// point guaranteed inside it (not the centroid, which can fall outside an L-shaped courtyard).
///
/// ```
/// use geo::{Geometry, Point};
/// use gridmap::atlas::contain::representative_point;
/// assert_eq!(representative_point(&Geometry::Point(Point::new(1.0, 2.0))).unwrap().x, 1.0);
/// ```
pub fn representative_point(g: &Geometry<f64>) -> Option<Coord<f64>> {
    match g {
        Geometry::Point(p) => Some(p.0),
        other => other.interior_point().map(|p| p.0),
    }
}
