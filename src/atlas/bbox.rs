//! Features of a layer that meet a lon/lat box: by envelope through the layer's R-tree, or exactly (the feature's
//! geometry intersects the box, as OGC API – Features asks of `bbox`).

use geo::{Geometry, Intersects, Rect};
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

impl BboxLonLat {
    /// The box as a lon/lat rectangle.
    pub fn rect(&self) -> Rect<f64> {
        Rect::new(geo::coord! { x: self.west, y: self.south }, geo::coord! { x: self.east, y: self.north })
    }

    /// Whether a lon/lat geometry meets the box: its interior or boundary, not merely its envelope.
    ///
    /// ```
    /// use geo::polygon;
    /// use gridmap::atlas::bbox::BboxLonLat;
    /// // An L: its envelope covers the box at the inner corner, the L itself does not.
    /// let l = polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 1.0, y: 1.0), (x: 1.0, y: 2.0), (x: 0.0, y: 2.0)];
    /// let corner = BboxLonLat { west: 1.5, south: 1.5, east: 1.9, north: 1.9 };
    /// assert!(!corner.meets(&l.clone().into()));
    /// assert!(BboxLonLat { west: 0.5, south: 0.5, east: 1.9, north: 1.9 }.meets(&l.into()));
    /// ```
    pub fn meets(&self, geometry: &Geometry<f64>) -> bool {
        geometry.intersects(&self.rect())
    }
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

    /// Indexes (ascending) of the features whose geometry meets `bbox`: [`Atlas::in_bbox`]'s candidates, each
    /// tested exactly in lon/lat (a box given in EPSG:3857 is a lon/lat box too: Mercator maps axes to axes).
    pub fn meeting_bbox(&self, layer: Layer, bbox: BboxLonLat) -> Result<Vec<usize>, Error> {
        let Some(idx) = self.layer(layer) else { return Ok(Vec::new()) };
        let mut out = self.in_bbox(layer, bbox)?;
        out.retain(|&i| bbox.meets(&idx.features[i].geometry));
        Ok(out)
    }
}
