//! The one placement rule: which feature of a layer a point belongs to, and what lies at it.
//!
//! Two predicates, named as geo names `contains` and `coordinate_position`:
//! - [`Atlas::owner`]: the single owner of a point, half-open and deterministic. A point on an edge or a
//!   vertex shared by several features has exactly one owner (the crossing rule of [`cells::contains_xy`]),
//!   and where features overlap the lowest index wins. Every answer that puts a household somewhere (locate's
//!   chain, search and the directory, coverage, the crosswalk and its reassignment, plan statistics,
//!   publishing and comparing plans) asks it, so a household has one grid, unit, community and village.
//! - [`Atlas::covering`]: every feature whose closed polygon covers the point, boundary included, for "what
//!   lies here" displays that list overlaps.
//!
//! A household (or unit) stands for its outline by one [`representative_point`]. The points and one
//! [`CellIndex`] per polygonal layer are built on first use and kept with the atlas ([`Atlas::memo`]).

use std::sync::Arc;

use geo::coordinate_position::CoordPos;
use geo::{Centroid, Coord, CoordinatePosition, Geometry, InteriorPoint, MultiPolygon};
use rayon::prelude::*;
use rstar::AABB;

use super::Atlas;
use super::memo::Once;
use super::cells::{self, CellIndex};
use crate::model::Layer;
use crate::model::crs::{CrsError, MetricCrs};
use crate::model::validate::repair;

/// The layers made of polygons, in the order of [`Layer::ALL`].
pub const POLYGONAL: [Layer; 6] = [Layer::County, Layer::Towns, Layer::Communities, Layer::Villages, Layer::Grids, Layer::Units];

fn polygonal_slot(layer: Layer) -> Option<usize> {
    POLYGONAL.iter().position(|l| *l == layer)
}

fn layer_slot(layer: Layer) -> usize {
    Layer::ALL.iter().position(|l| *l == layer).expect("every layer is in ALL")
}

/// The point that stands for a feature when it is placed: a door point as it is; an outline by its centroid
/// when the centroid lies inside it (a convex courtyard or building), else by a point guaranteed inside it
/// (the centroid of an L-shaped courtyard can fall outside). Works in any CRS; the atlas places metre points.
///
/// ```
/// use geo::{Geometry, MultiPolygon, Point, polygon};
/// use gridmap::atlas::placement::representative_point;
/// assert_eq!(representative_point(&Geometry::Point(Point::new(1.0, 2.0))).unwrap().x, 1.0);
/// let yard = Geometry::MultiPolygon(MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 2.), (x: 0., y: 2.)]]));
/// assert_eq!(representative_point(&yard).unwrap(), geo::coord! { x: 2., y: 1. });
/// ```
pub fn representative_point(g: &Geometry<f64>) -> Option<Coord<f64>> {
    match g {
        Geometry::Point(p) => Some(p.0),
        Geometry::MultiPolygon(mp) => match mp.centroid() {
            Some(c) if cells::contains_xy(mp, c.0) => Some(c.0),
            _ => mp.interior_point().map(|p| p.0),
        },
        Geometry::Polygon(p) => representative_point(&Geometry::MultiPolygon(MultiPolygon(vec![p.clone()]))),
        other => other.interior_point().map(|p| p.0),
    }
}

/// How far (metres) a lon/lat edge may stray from its chord in metres, for an edge `len_m` long: a straight
/// edge in lon/lat bends in Gauss-Kruger by about `tan(lat) / R` per metre (a sagitta of `L² tan(lat) / 8R`),
/// here bounded with room to spare.
fn bend_margin_m(len_m: f64) -> f64 {
    1e-3 + 5e-8 * len_m * len_m
}

/// A layer's polygons and the cell index that answers [`Outlines::owner`].
///
/// Ownership is decided in the stored lon/lat, where neighbours share their vertices as they were drawn: a
/// vertex lying on a neighbour's straight edge (a T-junction) is exact there, while projection bends the edge
/// by millimetres and would open a crack in metres. The index is laid out in metres, every boundary cell
/// widened by how far a lon/lat edge can bend, so a cell it calls inside is inside in lon/lat too.
pub struct Outlines {
    /// One multipolygon per feature in metres, in layer order (empty for a feature without area): what areas
    /// are measured on.
    pub polys: Vec<MultiPolygon<f64>>,
    /// The same in the stored lon/lat: what a point is tested against.
    pub polys_lonlat: Vec<MultiPolygon<f64>>,
    /// The raster index over them, in metres.
    pub cells: CellIndex,
}

impl Outlines {
    /// The outlines of polygons given both in metres and in lon/lat (the same features, in the same order).
    pub fn new(polys: Vec<MultiPolygon<f64>>, polys_lonlat: Vec<MultiPolygon<f64>>) -> Outlines {
        let cells = CellIndex::build_with_margin(&polys.iter().collect::<Vec<_>>(), None, bend_margin_m);
        Outlines { polys, polys_lonlat, cells }
    }

    /// Outlines of polygons that are not an atlas layer (a draft's grids), given in lon/lat, placed by the same
    /// rule as the atlas's layers.
    ///
    /// ```
    /// use geo::{coord, polygon, MultiPolygon};
    /// use gridmap::atlas::placement::Outlines;
    /// use gridmap::model::crs::MetricCrs;
    /// let crs = MetricCrs { epsg: 4546 };
    /// let sq = MultiPolygon(vec![polygon![(x: 110.2, y: 34.5), (x: 110.21, y: 34.5), (x: 110.21, y: 34.51), (x: 110.2, y: 34.51)]]);
    /// let o = Outlines::of_lonlat(crs, &[&sq]).unwrap();
    /// let at = coord! { x: 110.205, y: 34.505 };
    /// assert_eq!(o.owner(crs.project(at.x, at.y).unwrap(), at), Some(0));
    /// ```
    pub fn of_lonlat(crs: MetricCrs, polys_lonlat: &[&MultiPolygon<f64>]) -> Result<Outlines, CrsError> {
        let polys = polys_lonlat
            .iter()
            .map(|mp| crs.project_geometry(&Geometry::MultiPolygon((*mp).clone())).map(|g| as_multipolygon(&g)))
            .collect::<Result<_, _>>()?;
        Ok(Outlines::new(polys, polys_lonlat.iter().map(|mp| (*mp).clone()).collect()))
    }

    /// The single owner of a point, given in metres (to find its cell) and in lon/lat (to test it): the lowest
    /// index whose lon/lat polygon holds it by the half-open crossing rule of [`cells::contains_xy`].
    #[inline]
    pub fn owner(&self, xy_m: Coord<f64>, lonlat: Coord<f64>) -> Option<usize> {
        match self.cells.hit(xy_m) {
            cells::Hit::None => None,
            cells::Hit::Inside(i) => Some(i),
            cells::Hit::Test(list) => list.iter().map(|&i| i as usize).find(|&i| cells::contains_xy(&self.polys_lonlat[i], lonlat)),
        }
    }

    /// The metre polygons as references, as the coverage rules take them.
    pub fn refs(&self) -> Vec<&MultiPolygon<f64>> {
        self.polys.iter().collect()
    }
}

fn as_multipolygon(g: &Geometry<f64>) -> MultiPolygon<f64> {
    match g {
        Geometry::MultiPolygon(mp) => mp.clone(),
        Geometry::Polygon(p) => MultiPolygon(vec![p.clone()]),
        _ => MultiPolygon(vec![]),
    }
}

/// Features' representative points, in lon/lat and in metres (the same points), in layer order.
pub struct Points {
    pub lonlat: Vec<Option<Coord<f64>>>,
    pub xy_m: Vec<Option<Coord<f64>>>,
}

impl Points {
    /// Feature `i`'s point in metres and in lon/lat.
    pub fn get(&self, i: usize) -> Option<(Coord<f64>, Coord<f64>)> {
        Some((self.xy_m.get(i).copied().flatten()?, self.lonlat.get(i).copied().flatten()?))
    }
}

/// Per polygonal layer, its outlines, each built on first use.
#[derive(Default)]
struct CellsMemo([Once<Option<Arc<Outlines>>>; 6]);

/// Per layer, its features' representative points, each computed on first use.
#[derive(Default)]
struct PointsMemo([Once<Arc<Points>>; 8]);

/// Per polygonal layer, every household's owner in it ([`NO_OWNER`] for none), each computed on first use: a
/// check needs four of the six layers, and the units' cell index alone is a large part of the rest.
#[derive(Default)]
struct OwnersMemo([Once<Arc<Vec<u32>>>; 6]);

/// A household with no owner in a layer.
const NO_OWNER: u32 = u32::MAX;

/// Where every household lies: its owner in each polygonal layer asked for, computed once per atlas.
pub struct Owners {
    /// Per polygonal layer, the owner of each household; None for a layer not asked for.
    columns: [Option<Arc<Vec<u32>>>; 6],
    len: usize,
}

impl Owners {
    /// The feature of `layer` owning household `h` (None for households and absent layers).
    ///
    /// Panics if `layer` is polygonal but was not asked for ([`Atlas::household_owners_in`]): a bug, not an
    /// answer "nowhere".
    pub fn of(&self, h: usize, layer: Layer) -> Option<usize> {
        let s = polygonal_slot(layer)?;
        let column = self.columns[s].as_ref().unwrap_or_else(|| panic!("households' owners in {layer} were not asked for"));
        column.get(h).copied().filter(|&i| i != NO_OWNER).map(|i| i as usize)
    }

    /// Number of households.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Atlas {
    /// The outlines and cell index of a polygonal layer, built on first use and kept with the atlas.
    pub fn cells(&self, layer: Layer) -> Option<Arc<Outlines>> {
        let s = polygonal_slot(layer)?;
        let memo = self.memo(CellsMemo::default);
        memo.0[s]
            .get_or_init(|| {
                let l = self.layer(layer)?;
                let repaired: std::collections::HashSet<usize> = l.problems.iter().map(|(i, _)| *i).collect();
                let lonlat = l
                    .features
                    .iter()
                    .enumerate()
                    .map(|(i, f)| if repaired.contains(&i) { as_multipolygon(&repair(&f.geometry)) } else { as_multipolygon(&f.geometry) })
                    .collect();
                let t = std::time::Instant::now();
                let o = Outlines::new(l.geoms_m.iter().map(as_multipolygon).collect(), lonlat);
                let (cells, _, test) = o.cells.stats();
                tracing::debug!(layer = layer.name(), cells, test, cell_m = o.cells.cell_m(), mb = o.cells.heap_bytes() / 1_000_000, ms = t.elapsed().as_millis(), "cell index built");
                Some(Arc::new(o))
            })
    }

    /// Each feature's [`representative_point`] (of its stored lon/lat geometry, and that point projected), in
    /// layer order (empty for an absent layer); computed on first use and kept with the atlas.
    pub fn points(&self, layer: Layer) -> Arc<Points> {
        let memo = self.memo(PointsMemo::default);
        memo.0[layer_slot(layer)]
            .get_or_init(|| {
                let (features, geoms_m) = self.layer(layer).map_or((&[][..], &[][..]), |l| (&l.features[..], &l.geoms_m[..]));
                let lonlat: Vec<Option<Coord<f64>>> =
                    features.par_iter().with_min_len(1024).map(|f| representative_point(&f.geometry)).collect();
                // A door point is its own representative, already projected with the layer.
                let xy_m = lonlat
                    .par_chunks(4096)
                    .zip(geoms_m.par_chunks(4096))
                    .flat_map_iter(|(chunk, chunk_m)| {
                        if chunk_m.iter().all(|g| matches!(g, Geometry::Point(_))) {
                            return chunk_m.iter().map(|g| if let Geometry::Point(p) = g { Some(p.0) } else { None }).collect::<Vec<_>>();
                        }
                        let mut cs: Vec<Coord<f64>> = chunk.iter().map(|c| c.unwrap_or_default()).collect();
                        let ok = self.crs.project_coords(&mut cs).is_ok();
                        chunk.iter().zip(cs).map(move |(c, m)| c.filter(|_| ok).map(|_| m)).collect::<Vec<_>>()
                    })
                    .collect();
                Arc::new(Points { lonlat, xy_m })
            })
    }

    /// The single feature of `layer` owning the lon/lat point `lonlat`: half-open on shared edges and vertices
    /// (exactly one of the neighbours), the lowest index where features overlap.
    ///
    /// ```
    /// # use gridmap::atlas::Atlas;
    /// # use gridmap::model::{Dataset, Feature, Layer};
    /// # use geo::{coord, Geometry, MultiPolygon, polygon};
    /// # let sq = |x0: f64, x1: f64| Geometry::MultiPolygon(MultiPolygon(vec![polygon![(x: x0, y: 34.5), (x: x1, y: 34.5), (x: x1, y: 34.6), (x: x0, y: 34.6)]]));
    /// # let f = |code: &str, g| Feature { code: code.into(), properties: Default::default(), geometry: g };
    /// # let mut ds = Dataset::default();
    /// # ds.layers.insert(Layer::Grids, vec![f("A", sq(110.2, 110.25)), f("B", sq(110.25, 110.3))]);
    /// let atlas = Atlas::build(&ds, 0).unwrap();
    /// // On the edge the two grids share: one owner, the grid east of it (west and south edges are in).
    /// assert_eq!(atlas.owner(Layer::Grids, coord! { x: 110.25, y: 34.55 }), Some(1));
    /// assert_eq!(atlas.owner(Layer::Grids, coord! { x: 110.22, y: 34.55 }), Some(0));
    /// ```
    pub fn owner(&self, layer: Layer, lonlat: Coord<f64>) -> Option<usize> {
        let xy_m = self.crs.project(lonlat.x, lonlat.y).ok()?;
        self.cells(layer)?.owner(xy_m, lonlat)
    }

    /// [`Atlas::owner`] of a point known in both CRSs (the same point), sparing a projection.
    pub fn owner_at(&self, layer: Layer, xy_m: Coord<f64>, lonlat: Coord<f64>) -> Option<usize> {
        self.cells(layer)?.owner(xy_m, lonlat)
    }

    /// Indexes of the features of `layer` whose closed geometry covers the metric point `xy_m` (boundary
    /// included), ordered by code: every claim on a point, overlaps and shared edges included.
    ///
    /// ```
    /// # use gridmap::atlas::Atlas;
    /// # use gridmap::model::{Dataset, Feature, Layer};
    /// # use geo::{Geometry, MultiPolygon, polygon};
    /// # let sq = polygon![(x: 110.2, y: 34.5), (x: 110.3, y: 34.5), (x: 110.3, y: 34.6), (x: 110.2, y: 34.6)];
    /// # let county = Feature { code: "610522".into(),
    /// #     properties: serde_json::json!({"code": "610522", "name": "潼关县"}).as_object().unwrap().clone(),
    /// #     geometry: Geometry::MultiPolygon(MultiPolygon(vec![sq])) };
    /// # let mut ds = Dataset::default();
    /// # ds.layers.insert(Layer::County, vec![county]);
    /// let atlas = Atlas::build(&ds, 0).unwrap();
    /// let inside = atlas.crs.project(110.25, 34.55).unwrap();
    /// assert_eq!(atlas.covering(Layer::County, inside), vec![0]);
    /// let outside = atlas.crs.project(110.35, 34.55).unwrap();
    /// assert!(atlas.covering(Layer::County, outside).is_empty());
    /// ```
    pub fn covering(&self, layer: Layer, xy_m: Coord<f64>) -> Vec<usize> {
        let Some(idx) = self.layer(layer) else { return Vec::new() };
        let p = [xy_m.x, xy_m.y];
        let mut out: Vec<usize> = idx
            .tree
            .locate_in_envelope_intersecting(&AABB::from_point(p))
            .map(|e| e.data)
            .filter(|&i| covers(&idx.geoms_m[i], xy_m))
            .collect();
        if out.len() > 1 {
            out.sort_unstable_by(|&a, &b| idx.features[a].code.cmp(&idx.features[b].code));
        }
        out
    }

    /// Every household's owner in each polygonal layer, by its representative point; computed on first use
    /// and kept with the atlas.
    ///
    /// ```
    /// # use gridmap::atlas::Atlas;
    /// # let atlas = Atlas::build(&Default::default(), 0).unwrap();
    /// assert!(atlas.household_owners().is_empty());
    /// ```
    pub fn household_owners(&self) -> Arc<Owners> {
        self.memo(|| self.household_owners_in(&POLYGONAL))
    }

    /// Every household's owner in the polygonal `layers` only (each layer computed on first use and kept with
    /// the atlas, as for [`Atlas::household_owners`]); asking the result about another layer panics.
    ///
    /// ```
    /// # use gridmap::atlas::Atlas;
    /// # use gridmap::model::Layer;
    /// # let atlas = Atlas::build(&Default::default(), 0).unwrap();
    /// assert_eq!(atlas.household_owners_in(&[Layer::Grids]).of(0, Layer::Grids), None);
    /// ```
    pub fn household_owners_in(&self, layers: &[Layer]) -> Owners {
        let memo = self.memo(OwnersMemo::default);
        let points = self.points(Layer::Households);
        let slots: Vec<usize> = layers.iter().filter_map(|l| polygonal_slot(*l)).collect();
        let columns: Vec<(usize, Arc<Vec<u32>>)> = slots
            .par_iter()
            .map(|&s| (s, memo.0[s].get_or_init(|| Arc::new(self.owner_column(POLYGONAL[s], &points)))))
            .collect();
        let mut out = Owners { columns: Default::default(), len: points.xy_m.len() };
        for (s, c) in columns {
            out.columns[s] = Some(c);
        }
        out
    }

    /// Every household's owner in one polygonal layer, by [`Outlines::owner`] of its representative point.
    fn owner_column(&self, layer: Layer, points: &Points) -> Vec<u32> {
        let Some(o) = self.cells(layer) else { return vec![NO_OWNER; points.xy_m.len()] };
        points
            .xy_m
            .par_iter()
            .zip(&points.lonlat)
            .with_min_len(4096)
            .map(|(m, ll)| match (m, ll) {
                (Some(m), Some(ll)) => o.owner(*m, *ll).map_or(NO_OWNER, |i| i as u32),
                _ => NO_OWNER,
            })
            .collect()
    }

    /// Builds the cell indexes, the households' and units' points and the households' owners now (in
    /// parallel), so that the first request does not wait for them.
    pub fn warm_placement(&self) {
        POLYGONAL.par_iter().for_each(|l| {
            self.cells(*l);
        });
        rayon::join(|| self.points(Layer::Households), || self.points(Layer::Units));
        self.household_owners();
    }
}

/// Whether geometry `g` covers `c`, its boundary included.
pub fn covers(g: &Geometry<f64>, c: Coord<f64>) -> bool {
    g.coordinate_position(&c) != CoordPos::Outside
}

#[cfg(test)]
mod tests;
