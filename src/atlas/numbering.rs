//! Grid numbering by the coding rule: sequence numbers run west to east, then north to south.
//!
//! Beijing DB11/T 2157 and Xi'an DB6101/T 3185 number the grids of a community like the lines of a page: the
//! northernmost row first, west to east along it, then the next row down. Planners renumbering a redrawn
//! community and the generator of the default dataset use this one rule, so codes stay comparable.

use geo::Coord;

/// The order in which features are numbered, as indexes into `centroids_xy_m` (metres, y north).
///
/// Rows are formed from the north: a row starts at the northernmost feature not yet numbered and takes every
/// remaining feature whose centroid lies less than `row_height_m` south of it; the row is read west to east,
/// and the next row starts below. A row height near the typical feature size (e.g. the square root of the
/// mean area) gives the rows a reader would see. Ties are broken by northing, then by input position, so the
/// order is total and reproducible.
///
/// ```
/// use geo::Coord;
/// use gridmap::atlas::numbering::reading_order;
/// let c = [Coord { x: 10.0, y: 0.0 }, Coord { x: 0.0, y: 0.0 }, Coord { x: 5.0, y: 100.0 }];
/// assert_eq!(reading_order(&c, 50.0), vec![2, 1, 0]);
/// ```
pub fn reading_order(centroids_xy_m: &[Coord<f64>], row_height_m: f64) -> Vec<usize> {
    // North to south first (stable on equal northings), then rows are consecutive runs of this list.
    let mut by_north: Vec<usize> = (0..centroids_xy_m.len()).collect();
    by_north.sort_by(|&a, &b| centroids_xy_m[b].y.total_cmp(&centroids_xy_m[a].y).then(a.cmp(&b)));
    let mut out = Vec::with_capacity(by_north.len());
    let mut start = 0;
    while start < by_north.len() {
        let top = centroids_xy_m[by_north[start]].y;
        let mut end = start + 1;
        while end < by_north.len() && top - centroids_xy_m[by_north[end]].y < row_height_m {
            end += 1;
        }
        let mut row = by_north[start..end].to_vec();
        row.sort_by(|&a, &b| {
            let (ca, cb) = (centroids_xy_m[a], centroids_xy_m[b]);
            ca.x.total_cmp(&cb.x).then(cb.y.total_cmp(&ca.y)).then(a.cmp(&b))
        });
        out.extend(row);
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn a_three_by_two_block_reads_like_a_page() {
        // Input shuffled; rows at y = 1000 and y = 500, slightly uneven as real centroids are.
        let pts = [c(200.0, 480.0), c(0.0, 1010.0), c(410.0, 995.0), c(0.0, 520.0), c(190.0, 1000.0), c(400.0, 500.0)];
        let order = reading_order(&pts, 300.0);
        assert_eq!(order, vec![1, 4, 2, 3, 0, 5]);
    }

    #[test]
    fn a_row_is_anchored_on_its_northernmost_feature() {
        // Within 50 m of the northernmost: one row, read west to east, whatever their y.
        let pts = [c(100.0, 60.0), c(0.0, 70.0), c(50.0, 100.0)];
        assert_eq!(reading_order(&pts, 50.0), vec![1, 2, 0]);
        // A third feature 55 m below the top starts the next row even though it is west of the others.
        let pts = [c(100.0, 60.0), c(50.0, 100.0), c(-100.0, 45.0)];
        assert_eq!(reading_order(&pts, 50.0), vec![1, 0, 2]);
    }

    #[test]
    fn ties_and_edge_cases_are_deterministic() {
        assert!(reading_order(&[], 10.0).is_empty());
        assert_eq!(reading_order(&[c(1.0, 1.0)], 10.0), vec![0]);
        // Identical centroids keep their input order.
        assert_eq!(reading_order(&[c(1.0, 1.0), c(1.0, 1.0), c(1.0, 1.0)], 10.0), vec![0, 1, 2]);
        // A column: one feature per row, north to south.
        let col = [c(0.0, 0.0), c(0.0, 300.0), c(0.0, 150.0)];
        assert_eq!(reading_order(&col, 100.0), vec![1, 2, 0]);
    }
}
