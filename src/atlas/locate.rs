//! Point location: the town, community, legacy village, grid, unit and household at a point; else the nearest
//! household within a radius.
//!
//! Each layer's answer is its single owner of the point ([`Atlas::owner`], the rule every other answer uses),
//! and beside it every feature covering the point ([`Atlas::covering`]: both neighbours on a shared edge,
//! every grid claiming an overlap), so the caller can say "also claimed by" instead of hiding the defect.

use geo::{Coord, Geometry};
use rstar::AABB;

use super::nearest::Near;
use super::placement::covers;
use super::{Atlas, Error};
use crate::model::Layer;

/// The default radius within which the nearest household is reported when no household contains the point.
pub const DEFAULT_RADIUS_M: f64 = 30.0;

/// How a household was found for a point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HouseholdMatch {
    /// Its courtyard or dwelling outline contains the point.
    Inside { index: usize },
    /// No outline contains the point; this is the nearest household within the radius.
    Nearest { index: usize, distance_m: f64 },
}

impl HouseholdMatch {
    /// The household's index in its layer.
    pub fn index(self) -> usize {
        match self {
            HouseholdMatch::Inside { index } | HouseholdMatch::Nearest { index, .. } => index,
        }
    }

    /// Distance from the point to the household in metres (0 when inside).
    pub fn distance_m(self) -> f64 {
        match self {
            HouseholdMatch::Inside { .. } => 0.0,
            HouseholdMatch::Nearest { distance_m, .. } => distance_m,
        }
    }
}

/// What lies at a point.
#[derive(Clone, Debug, PartialEq)]
pub struct Located {
    /// The point in metres (the atlas's metric CRS).
    pub xy_m: Coord<f64>,
    /// Whether the point is inside the county: the county layer if present, else the top-most polygonal
    /// layer the dataset has.
    pub inside_county: bool,
    /// Per polygonal layer (county to units), every feature covering the point, ordered by code.
    containing: [Vec<usize>; 6],
    /// Per polygonal layer, the single owner of the point.
    owners: [Option<usize>; 6],
    /// The household at the point, or the nearest within the radius.
    pub household: Option<HouseholdMatch>,
}

use super::placement::POLYGONAL;

fn slot(layer: Layer) -> Option<usize> {
    POLYGONAL.iter().position(|l| *l == layer)
}

impl Located {
    /// Every feature of `layer` covering the point, ordered by code (empty for households: see
    /// [`Located::household`]).
    pub fn all(&self, layer: Layer) -> &[usize] {
        slot(layer).map_or(&[], |s| &self.containing[s])
    }

    /// The feature of `layer` owning the point ([`Atlas::owner`]): the one answer when several claim it.
    pub fn owner(&self, layer: Layer) -> Option<usize> {
        slot(layer).and_then(|s| self.owners[s])
    }
}

impl Atlas {
    /// What lies at the metric point `xy_m`: every polygonal layer's owner and covering features, and the
    /// household whose outline contains the point, else the nearest household within `radius_m`.
    pub fn locate_m(&self, xy_m: Coord<f64>, radius_m: f64) -> Located {
        self.locate_at(xy_m, self.crs.unproject(xy_m.x, xy_m.y).ok(), radius_m)
    }

    /// [`Atlas::locate_m`] of a point known in both CRSs (the owners are decided in lon/lat).
    fn locate_at(&self, xy_m: Coord<f64>, lonlat: Option<Coord<f64>>, radius_m: f64) -> Located {
        let containing = POLYGONAL.map(|l| self.covering(l, xy_m));
        let owners = POLYGONAL.map(|l| lonlat.and_then(|ll| self.owner_at(l, xy_m, ll)));
        let top = [Layer::County, Layer::Towns, Layer::Communities, Layer::Grids]
            .into_iter()
            .find(|l| self.layer(*l).is_some_and(|i| !i.is_empty()));
        let inside_county = match top.and_then(slot) {
            Some(s) => !containing[s].is_empty(),
            // Only legacy villages or units: inside when any polygon holds the point.
            None => containing.iter().any(|c| !c.is_empty()),
        };
        let household = self.household_at(xy_m, radius_m);
        Located { xy_m, inside_county, containing, owners, household }
    }

    /// What lies at the lon/lat point (stored CRS: WGS84 / CGCS2000). Convert GCJ-02 or BD-09 input first with
    /// [`InputCrs::to_lonlat`](crate::model::crs::InputCrs::to_lonlat).
    ///
    /// ```
    /// # use gridmap::atlas::Atlas;
    /// # use gridmap::model::{Dataset, Feature, Layer};
    /// # use geo::{Geometry, MultiPolygon, polygon};
    /// # let f = |code: &str, props: serde_json::Value, g| Feature { code: code.into(),
    /// #     properties: props.as_object().unwrap().clone(), geometry: g };
    /// # let sq = |x0: f64, y0: f64, x1: f64, y1: f64| Geometry::MultiPolygon(MultiPolygon(vec![
    /// #     polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)]]));
    /// # let mut ds = Dataset::default();
    /// # ds.layers.insert(Layer::County, vec![f("610522", serde_json::json!({"name": "潼关县"}), sq(110.2, 34.5, 110.3, 34.6))]);
    /// # ds.layers.insert(Layer::Grids, vec![f("610522001001001", serde_json::json!({"name": "第1网格"}), sq(110.2, 34.5, 110.25, 34.6))]);
    /// let atlas = Atlas::build(&ds, 0).unwrap();
    /// let at = atlas.locate(110.22, 34.55, 30.0).unwrap();
    /// assert!(at.inside_county);
    /// let grid = at.owner(Layer::Grids).unwrap();
    /// assert_eq!(atlas.layer(Layer::Grids).unwrap().features[grid].code, "610522001001001");
    /// assert!(!atlas.locate(110.5, 34.55, 30.0).unwrap().inside_county);
    /// ```
    pub fn locate(&self, lon: f64, lat: f64, radius_m: f64) -> Result<Located, Error> {
        let xy_m = self.crs.project(lon, lat)?;
        Ok(self.locate_at(xy_m, Some(Coord { x: lon, y: lat }), radius_m))
    }

    /// The household whose outline contains `xy_m` (first by code), else the nearest within `radius_m`.
    pub fn household_at(&self, xy_m: Coord<f64>, radius_m: f64) -> Option<HouseholdMatch> {
        let idx = self.layer(Layer::Households)?;
        let p = [xy_m.x, xy_m.y];
        let inside = idx
            .tree
            .locate_in_envelope_intersecting(&AABB::from_point(p))
            .map(|e| e.data)
            .filter(|&i| !matches!(idx.geoms_m[i], Geometry::Point(_)) && covers(&idx.geoms_m[i], xy_m))
            .min_by(|&a, &b| idx.features[a].code.cmp(&idx.features[b].code));
        if let Some(index) = inside {
            return Some(HouseholdMatch::Inside { index });
        }
        let near: Vec<Near> = self.nearest_m(Layer::Households, xy_m, 1, Some(radius_m));
        near.first().map(|n| HouseholdMatch::Nearest { index: n.index, distance_m: n.distance_m })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::crs::{InputCrs, wgs84_to_bd09, wgs84_to_gcj02};
    use crate::model::{Dataset, Feature};
    use geo::{MultiPolygon, Point, polygon};

    fn f(code: &str, g: Geometry<f64>) -> Feature {
        Feature {
            code: code.into(),
            properties: serde_json::json!({ "code": code, "name": code }).as_object().unwrap().clone(),
            geometry: g,
        }
    }

    fn sq(x0: f64, y0: f64, x1: f64, y1: f64) -> Geometry<f64> {
        Geometry::MultiPolygon(MultiPolygon(vec![polygon![
            (x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1), (x: x0, y: y0)
        ]]))
    }

    /// County 110.20..110.22 × 34.50..34.51; two grids sharing the edge at 110.21 and overlapping a little
    /// on 110.209..110.21 (grid 2 reaches west); a courtyard and a door point.
    fn atlas() -> Atlas {
        let mut ds = Dataset::default();
        ds.layers.insert(Layer::County, vec![f("610522", sq(110.20, 34.50, 110.22, 34.51))]);
        ds.layers.insert(
            Layer::Grids,
            vec![
                f("610522001001002", sq(110.209, 34.50, 110.22, 34.51)),
                f("610522001001001", sq(110.20, 34.50, 110.21, 34.51)),
            ],
        );
        ds.layers.insert(
            Layer::Households,
            vec![
                f("H1", sq(110.2050, 34.5050, 110.2052, 34.5052)),
                f("H2", Geometry::Point(Point::new(110.2150, 34.5050))),
            ],
        );
        Atlas::build(&ds, 0).unwrap()
    }

    fn code(a: &Atlas, l: Layer, i: usize) -> &str {
        &a.layer(l).unwrap().features[i].code
    }

    #[test]
    fn finds_grid_and_courtyard() {
        let a = atlas();
        let at = a.locate(110.2051, 34.5051, DEFAULT_RADIUS_M).unwrap();
        assert!(at.inside_county);
        assert_eq!(code(&a, Layer::Grids, at.owner(Layer::Grids).unwrap()), "610522001001001");
        assert_eq!(at.all(Layer::Grids).len(), 1);
        assert!(matches!(at.household, Some(HouseholdMatch::Inside { .. })));
        assert_eq!(code(&a, Layer::Households, at.household.unwrap().index()), "H1");
        assert!(at.owner(Layer::Units).is_none(), "the dataset has no units");
    }

    #[test]
    fn overlap_returns_both_grids_ordered_by_code() {
        let a = atlas();
        let at = a.locate(110.2095, 34.5051, DEFAULT_RADIUS_M).unwrap();
        let codes: Vec<&str> = at.all(Layer::Grids).iter().map(|&i| code(&a, Layer::Grids, i)).collect();
        assert_eq!(codes, ["610522001001001", "610522001001002"]);
    }

    #[test]
    fn nearest_household_within_radius_only() {
        let a = atlas();
        // ~18 m east of H2 (0.0002° of longitude at 34.5° is about 18.4 m).
        let at = a.locate(110.2152, 34.5050, DEFAULT_RADIUS_M).unwrap();
        let hh = at.household.expect("a household within 30 m");
        assert_eq!(code(&a, Layer::Households, hh.index()), "H2");
        assert!((hh.distance_m() - 18.4).abs() < 0.5, "{}", hh.distance_m());
        let far = a.locate(110.2180, 34.5050, DEFAULT_RADIUS_M).unwrap();
        assert!(far.household.is_none());
    }

    #[test]
    fn outside_county() {
        let a = atlas();
        let at = a.locate(110.30, 34.505, DEFAULT_RADIUS_M).unwrap();
        assert!(!at.inside_county);
        assert!(at.owner(Layer::Grids).is_none());
    }

    #[test]
    fn gcj02_and_bd09_land_within_a_metre() {
        let a = atlas();
        let (lon, lat) = (110.2051, 34.5051);
        let truth = a.crs.project(lon, lat).unwrap();
        let (gx, gy) = wgs84_to_gcj02(lon, lat);
        let (bx, by) = wgs84_to_bd09(lon, lat);
        for (crs, x, y) in [(InputCrs::Gcj02, gx, gy), (InputCrs::Bd09, bx, by)] {
            let (l, b) = crs.to_lonlat(x, y).unwrap();
            let at = a.crs.project(l, b).unwrap();
            let d = ((at.x - truth.x).powi(2) + (at.y - truth.y).powi(2)).sqrt();
            assert!(d < 1.0, "{crs}: {d} m");
        }
    }
}
