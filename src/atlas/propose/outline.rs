//! A proposed grid's outline: the union of its units' territories (raster cells, merged into rectangles row run
//! by row run), clipped to the free area in lon/lat. The territories tile the raster, so the outlines tile the
//! free area: the gaps between units go to the grid whose units surround them, with no blind spot and no
//! overlap. Clipping in lon/lat keeps the community boundary's own vertices, as the coverage rules read it.

use std::collections::BTreeMap;

use geo::{BooleanOps, MultiPolygon, Polygon, Rect, coord};

use super::graph::{NONE, Raster};

/// Each part's union of cells, in metres: `part_of_cell[c]` is cell `c`'s part (or [`NONE`]).
pub fn unions_m(raster: &Raster, part_of_cell: &[u32], parts: usize) -> Vec<MultiPolygon<f64>> {
    let mut rects: Vec<Vec<Polygon<f64>>> = vec![Vec::new(); parts];
    // Open rectangles: (first column, end column, part) → first row.
    let mut open: BTreeMap<(usize, usize, u32), usize> = BTreeMap::new();
    let r = raster.cell_m;
    let mut close = |(i0, i1, q): (usize, usize, u32), j0: usize, j1: usize| {
        let (x, y) = (raster.origin_m.x, raster.origin_m.y);
        rects[q as usize].push(Rect::new(coord! { x: x + i0 as f64 * r, y: y + j0 as f64 * r }, coord! { x: x + i1 as f64 * r, y: y + j1 as f64 * r }).to_polygon());
    };
    for j in 0..=raster.ny {
        let mut runs = Vec::new();
        if j < raster.ny {
            let row = &part_of_cell[j * raster.nx..(j + 1) * raster.nx];
            let mut i = 0;
            while i < row.len() {
                let q = row[i];
                let start = i;
                while i < row.len() && row[i] == q {
                    i += 1;
                }
                if q != NONE {
                    runs.push((start, i, q));
                }
            }
        }
        let keep: std::collections::BTreeSet<(usize, usize, u32)> = runs.iter().copied().collect();
        let ended: Vec<(usize, usize, u32)> = open.keys().copied().filter(|k| !keep.contains(k)).collect();
        for k in ended {
            let j0 = open.remove(&k).expect("open");
            close(k, j0, j);
        }
        for k in runs {
            open.entry(k).or_insert(j);
        }
    }
    rects.iter().map(|rs| geo::unary_union(rs.iter())).collect()
}

/// `outline_lonlat` clipped to the free area.
pub fn clip(outline_lonlat: &MultiPolygon<f64>, free_lonlat: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    outline_lonlat.intersection(free_lonlat)
}
