//! One piece: a grid whose (repaired) geometry falls apart into separate parts.

use geo::{Area, Geometry, Polygon};

/// The parts of a polygonal geometry beyond its largest, when it has more than one: what makes it more than
/// one piece. Empty for a one-piece geometry (or a point).
///
/// ```
/// use geo::{polygon, Geometry, MultiPolygon};
/// use gridmap::atlas::coverage::validity::detached_parts;
/// let a = polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)];
/// let b = polygon![(x: 20., y: 0.), (x: 21., y: 0.), (x: 21., y: 1.), (x: 20., y: 1.)];
/// let parts = detached_parts(&Geometry::MultiPolygon(MultiPolygon(vec![a.clone(), b.clone()])));
/// assert_eq!(parts, vec![b]);
/// assert!(detached_parts(&Geometry::MultiPolygon(MultiPolygon(vec![a]))).is_empty());
/// ```
pub fn detached_parts(g: &Geometry<f64>) -> Vec<Polygon<f64>> {
    let Geometry::MultiPolygon(mp) = g else { return Vec::new() };
    let parts: Vec<&Polygon<f64>> = mp.0.iter().filter(|p| p.unsigned_area() > 0.0).collect();
    if parts.len() < 2 {
        return Vec::new();
    }
    let largest = (0..parts.len()).max_by(|&a, &b| parts[a].unsigned_area().total_cmp(&parts[b].unsigned_area())).unwrap_or(0);
    parts.iter().enumerate().filter(|(i, _)| *i != largest).map(|(_, p)| (*p).clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{MultiPolygon, polygon};

    #[test]
    fn zero_area_slivers_of_a_part_do_not_count() {
        let a = polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)];
        let flat = polygon![(x: 20., y: 0.), (x: 21., y: 0.), (x: 22., y: 0.)];
        assert!(detached_parts(&Geometry::MultiPolygon(MultiPolygon(vec![a, flat]))).is_empty());
    }
}
