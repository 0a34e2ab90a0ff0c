//! The k features of a layer nearest to a point, by exact distance in metres to their geometry.
//!
//! The R-tree yields entries by increasing distance to their envelope, which never exceeds the distance to
//! the geometry inside it; so once the next envelope is farther than the k-th best exact distance, no later
//! entry can beat it and the walk stops.

use geo::{Coord, Distance, Euclidean, Point};

use super::{Atlas, Error};
use crate::model::Layer;

/// A feature and its distance from the query point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Near {
    /// Index in the layer's features.
    pub index: usize,
    /// Distance in metres from the point to the geometry (0 when the geometry contains the point).
    pub distance_m: f64,
}

impl Atlas {
    /// The `k` features of `layer` nearest to the metric point `xy_m`, nearest first (ties by code), none
    /// farther than `max_distance_m` when given.
    ///
    /// ```
    /// # use gridmap::atlas::Atlas;
    /// # use gridmap::model::{Dataset, Feature, Layer};
    /// # use geo::{Geometry, Point};
    /// # let hh = |code: &str, lon: f64| Feature { code: code.into(),
    /// #     properties: serde_json::json!({"code": code}).as_object().unwrap().clone(),
    /// #     geometry: Geometry::Point(Point::new(lon, 34.5)) };
    /// # let mut ds = Dataset::default();
    /// # ds.layers.insert(Layer::Households, vec![hh("H1", 110.2001), hh("H2", 110.2003), hh("H3", 110.3)]);
    /// let atlas = Atlas::build(&ds, 0).unwrap();
    /// let here = atlas.crs.project(110.2, 34.5).unwrap();
    /// let near = atlas.nearest_m(Layer::Households, here, 2, None);
    /// assert_eq!(near.iter().map(|n| n.index).collect::<Vec<_>>(), vec![0, 1]);
    /// assert!((near[0].distance_m - 9.2).abs() < 0.2); // 0.0001° of longitude at 34.5°N
    /// assert_eq!(atlas.nearest_m(Layer::Households, here, 5, Some(20.0)).len(), 1);
    /// ```
    pub fn nearest_m(&self, layer: Layer, xy_m: Coord<f64>, k: usize, max_distance_m: Option<f64>) -> Vec<Near> {
        let Some(idx) = self.layer(layer) else { return Vec::new() };
        if k == 0 {
            return Vec::new();
        }
        let max = max_distance_m.unwrap_or(f64::INFINITY);
        let p = Point(xy_m);
        let mut best: Vec<Near> = Vec::with_capacity(k + 1);
        let order = |a: &Near, b: &Near| {
            a.distance_m
                .total_cmp(&b.distance_m)
                .then_with(|| idx.features[a.index].code.cmp(&idx.features[b.index].code))
        };
        for (entry, d2_envelope) in idx.tree.nearest_neighbor_iter_with_distance_2(&[xy_m.x, xy_m.y]) {
            let d_envelope = d2_envelope.sqrt();
            if d_envelope > max {
                break;
            }
            if best.len() == k && d_envelope > best[k - 1].distance_m {
                break;
            }
            let distance_m = Euclidean.distance(&p, &idx.geoms_m[entry.data]);
            if distance_m > max {
                continue;
            }
            let near = Near { index: entry.data, distance_m };
            let at = best.partition_point(|b| order(b, &near).is_lt());
            if at < k {
                best.insert(at, near);
                best.truncate(k);
            }
        }
        best
    }

    /// [`Atlas::nearest_m`] from a lon/lat point (stored CRS).
    pub fn nearest(
        &self,
        layer: Layer,
        lon: f64,
        lat: f64,
        k: usize,
        max_distance_m: Option<f64>,
    ) -> Result<Vec<Near>, Error> {
        let xy_m = self.crs.project(lon, lat)?;
        Ok(self.nearest_m(layer, xy_m, k, max_distance_m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Dataset, Feature};
    use geo::{Geometry, MultiPolygon, polygon};
    use rand::{Rng, SeedableRng};

    fn hh(code: String, g: Geometry<f64>) -> Feature {
        Feature { code: code.clone(), properties: serde_json::json!({ "code": code }).as_object().unwrap().clone(), geometry: g }
    }

    #[test]
    fn matches_brute_force_on_mixed_points_and_courtyards() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut features = Vec::new();
        for i in 0..400 {
            let (x, y) = (110.20 + rng.gen_range(0.0..0.01), 34.50 + rng.gen_range(0.0..0.01));
            let g = if i % 2 == 0 {
                Geometry::Point(Point::new(x, y))
            } else {
                // A ~10 m by 20 m courtyard.
                Geometry::MultiPolygon(MultiPolygon(vec![polygon![
                    (x: x, y: y), (x: x + 0.00011, y: y), (x: x + 0.00011, y: y + 0.00018), (x: x, y: y + 0.00018)
                ]]))
            };
            features.push(hh(format!("H{i:04}"), g));
        }
        let mut ds = Dataset::default();
        ds.layers.insert(Layer::Households, features);
        let atlas = Atlas::build(&ds, 0).unwrap();
        let idx = atlas.layer(Layer::Households).unwrap();
        for _ in 0..50 {
            let q = atlas.crs.project(110.20 + rng.gen_range(0.0..0.01), 34.50 + rng.gen_range(0.0..0.01)).unwrap();
            let got = atlas.nearest_m(Layer::Households, q, 5, None);
            let mut all: Vec<f64> = idx.geoms_m.iter().map(|g| Euclidean.distance(&Point(q), g)).collect();
            all.sort_by(f64::total_cmp);
            let got_d: Vec<f64> = got.iter().map(|n| n.distance_m).collect();
            assert_eq!(got_d, all[..5].to_vec());
        }
    }

    #[test]
    fn absent_layer_and_zero_k() {
        let atlas = Atlas::build(&Dataset::default(), 0).unwrap();
        assert!(atlas.nearest_m(Layer::Households, Coord { x: 0.0, y: 0.0 }, 3, None).is_empty());
    }
}
