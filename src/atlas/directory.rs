//! The household directory of an atlas: where each household lies (town, community, legacy village, grid,
//! unit), the households of each grid and unit by location and by roster, each feature's chain of
//! responsibility, a point standing for every feature for showing it on a map, and the search index. Where a
//! household lies is its owner in each layer ([`Atlas::household_owners`]), as every other answer has it.
//!
//! It is derived data, built once per atlas and kept with it ([`Directory::of`]): a replaced atlas (a reload
//! after a data change) gets a new directory, and the old one is dropped with it.

use std::collections::HashMap;
use std::sync::Arc;

use geo::Coord;

use super::Atlas;
use super::search::SearchIndex;
use crate::model::Layer;

/// A feature's chain of responsibility: the feature index in each layer it belongs to, where known.
///
/// For a household this is where it lies (falling back on its roster's grid and unit when it lies in none);
/// for a unit, grid, community or legacy village it follows the parent codes the data declares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Chain {
    pub town: Option<usize>,
    pub community: Option<usize>,
    pub village: Option<usize>,
    pub grid: Option<usize>,
    pub unit: Option<usize>,
}

/// A household listed for a grid or unit, and why it is listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    /// Index in the households layer.
    pub index: usize,
    /// Its location lies in the grid or unit.
    pub lies_in: bool,
    /// Its roster names the grid or unit.
    pub on_roster: bool,
}

/// Derived, read-only data about an atlas's households and features. See the module documentation.
pub struct Directory {
    /// The revision of the atlas it was built from.
    pub revision: i64,
    /// Per layer (in [`Layer::ALL`] order), per feature: its representative point in lon/lat.
    points: Vec<Vec<Coord<f64>>>,
    /// Per household: where it lies.
    placements: Vec<Chain>,
    lies_in_grid: HashMap<usize, Vec<usize>>,
    lies_in_unit: HashMap<usize, Vec<usize>>,
    roster_grid: HashMap<String, Vec<usize>>,
    roster_unit: HashMap<String, Vec<usize>>,
    /// Search over names, addresses, codes and their pinyin.
    pub search: SearchIndex,
}

fn layer_slot(layer: Layer) -> usize {
    Layer::ALL.iter().position(|l| *l == layer).expect("every layer is in ALL")
}

impl Directory {
    /// Builds the directory of `atlas` (in parallel; about a second for the default dataset's 45,000
    /// households on two cores).
    pub fn build(atlas: &Atlas) -> Directory {
        let points: Vec<Vec<Coord<f64>>> = Layer::ALL
            .iter()
            .map(|l| atlas.points(*l).lonlat.iter().map(|c| c.unwrap_or(Coord { x: f64::NAN, y: f64::NAN })).collect())
            .collect();
        // Where each household lies: its owners, by the one placement rule.
        let owners = atlas.household_owners();
        let placements: Vec<Chain> = (0..owners.len())
            .map(|h| Chain {
                town: owners.of(h, Layer::Towns),
                community: owners.of(h, Layer::Communities),
                village: owners.of(h, Layer::Villages),
                grid: owners.of(h, Layer::Grids),
                unit: owners.of(h, Layer::Units),
            })
            .collect();
        let mut lies_in_grid: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut lies_in_unit: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut roster_grid: HashMap<String, Vec<usize>> = HashMap::new();
        let mut roster_unit: HashMap<String, Vec<usize>> = HashMap::new();
        if let Some(hh) = atlas.layer(Layer::Households) {
            for (i, (f, p)) in hh.features.iter().zip(&placements).enumerate() {
                if let Some(g) = p.grid {
                    lies_in_grid.entry(g).or_default().push(i);
                }
                if let Some(u) = p.unit {
                    lies_in_unit.entry(u).or_default().push(i);
                }
                if let Some(g) = f.nonempty_prop("grid_code") {
                    roster_grid.entry(g.trim().to_string()).or_default().push(i);
                }
                if let Some(u) = f.nonempty_prop("unit_code") {
                    roster_unit.entry(u.trim().to_string()).or_default().push(i);
                }
            }
        }
        let search = SearchIndex::build(atlas);
        Directory { revision: atlas.revision, points, placements, lies_in_grid, lies_in_unit, roster_grid, roster_unit, search }
    }

    /// The directory of `atlas`, built on first use and kept with the atlas (see [`Atlas::memo`]): every later
    /// caller with the same atlas shares it, and concurrent first callers wait for one build.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use gridmap::atlas::{Atlas, directory::Directory};
    /// let atlas = Atlas::build(&Default::default(), 0).unwrap();
    /// assert!(Arc::ptr_eq(&Directory::of(&atlas), &Directory::of(&atlas)));
    /// ```
    pub fn of(atlas: &Atlas) -> Arc<Directory> {
        atlas.memo(|| Directory::build(atlas))
    }

    /// The representative point of feature `index` of `layer`, in lon/lat (for a door point, the point itself).
    pub fn point(&self, layer: Layer, index: usize) -> Option<Coord<f64>> {
        self.points[layer_slot(layer)].get(index).copied().filter(|c| c.x.is_finite())
    }

    /// Where household `index` lies (by its location alone).
    pub fn placement(&self, household: usize) -> Chain {
        self.placements.get(household).copied().unwrap_or_default()
    }

    /// The chain of responsibility of feature `index` of `layer`.
    ///
    /// ```
    /// # use gridmap::atlas::{Atlas, directory::Directory};
    /// # use gridmap::model::{Dataset, Feature, Layer};
    /// # let f = |code: &str, props: serde_json::Value| Feature { code: code.into(),
    /// #     properties: props.as_object().unwrap().clone(),
    /// #     geometry: geo::Geometry::Point(geo::Point::new(110.2, 34.5)) };
    /// # let mut ds = Dataset::default();
    /// # ds.layers.insert(Layer::Grids, vec![f("610522001001001", serde_json::json!({"community_code": "610522001001"}))]);
    /// # ds.layers.insert(Layer::Communities, vec![f("610522001001", serde_json::json!({"town_code": "610522001"}))]);
    /// let atlas = Atlas::build(&ds, 0).unwrap();
    /// let dir = Directory::build(&atlas);
    /// let chain = dir.chain(&atlas, Layer::Grids, 0);
    /// assert_eq!((chain.grid, chain.community, chain.town), (Some(0), Some(0), None));
    /// ```
    pub fn chain(&self, atlas: &Atlas, layer: Layer, index: usize) -> Chain {
        let by_code = |l: Layer, code: Option<&str>| code.and_then(|c| atlas.layer(l)?.index_of(c.trim()));
        let prop = |l: Layer, i: usize, key: &str| -> Option<String> {
            atlas.layer(l)?.features.get(i)?.nonempty_prop(key).map(str::to_string)
        };
        let mut c = Chain::default();
        match layer {
            Layer::County => return c,
            Layer::Towns => c.town = Some(index),
            Layer::Communities => c.community = Some(index),
            Layer::Villages => {
                c.village = Some(index);
                c.community = by_code(Layer::Communities, prop(layer, index, "merged_into").as_deref());
            }
            Layer::Grids => c.grid = Some(index),
            Layer::Units => c.unit = Some(index),
            // A door plate's chain is where it stands (the one placement rule), or the unit it names.
            Layer::Addresses => {
                if let Some((xy_m, lonlat)) = atlas.points(Layer::Addresses).get(index) {
                    c.grid = atlas.owner_at(Layer::Grids, xy_m, lonlat);
                    c.unit = atlas.owner_at(Layer::Units, xy_m, lonlat);
                }
                if c.unit.is_none() {
                    c.unit = by_code(Layer::Units, prop(layer, index, "unit_code").as_deref());
                }
            }
            Layer::Households => {
                c = self.placement(index);
                if c.grid.is_none() {
                    c.grid = by_code(Layer::Grids, prop(layer, index, "grid_code").as_deref());
                }
                if c.unit.is_none() {
                    c.unit = by_code(Layer::Units, prop(layer, index, "unit_code").as_deref());
                }
            }
        }
        if c.grid.is_none() {
            c.grid = c.unit.and_then(|u| by_code(Layer::Grids, prop(Layer::Units, u, "grid_code").as_deref()));
        }
        if c.community.is_none() {
            c.community = c.grid.and_then(|g| by_code(Layer::Communities, prop(Layer::Grids, g, "community_code").as_deref()));
        }
        if c.town.is_none() {
            c.town = c.community.and_then(|m| by_code(Layer::Towns, prop(Layer::Communities, m, "town_code").as_deref()));
        }
        c
    }

    /// The households of grid or unit `index` (`layer` is [`Layer::Grids`] or [`Layer::Units`]): those that lie
    /// in it and those its roster names, ordered by household code.
    /// How many households lie in grid or unit `index` of `layer` (0 for other layers): the count shown where
    /// the households themselves are withheld.
    pub fn count_lying_in(&self, layer: Layer, index: usize) -> usize {
        let lies = match layer {
            Layer::Grids => &self.lies_in_grid,
            Layer::Units => &self.lies_in_unit,
            _ => return 0,
        };
        lies.get(&index).map_or(0, Vec::len)
    }

    pub fn households_of(&self, atlas: &Atlas, layer: Layer, index: usize) -> Vec<Member> {
        let (lies, roster) = match layer {
            Layer::Grids => (&self.lies_in_grid, &self.roster_grid),
            Layer::Units => (&self.lies_in_unit, &self.roster_unit),
            _ => return Vec::new(),
        };
        let Some(code) = atlas.layer(layer).and_then(|l| l.features.get(index)).map(|f| f.code.as_str()) else {
            return Vec::new();
        };
        let mut by_index: HashMap<usize, Member> = HashMap::new();
        for &i in lies.get(&index).map_or(&[][..], Vec::as_slice) {
            by_index.insert(i, Member { index: i, lies_in: true, on_roster: false });
        }
        for &i in roster.get(code).map_or(&[][..], Vec::as_slice) {
            by_index.entry(i).or_insert(Member { index: i, lies_in: false, on_roster: false }).on_roster = true;
        }
        let mut out: Vec<Member> = by_index.into_values().collect();
        if let Some(hh) = atlas.layer(Layer::Households) {
            out.sort_by(|a, b| hh.features[a.index].code.cmp(&hh.features[b.index].code));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Dataset, Feature};
    use geo::{Geometry, MultiPolygon, Point, polygon};

    fn f(code: &str, props: serde_json::Value, g: Geometry<f64>) -> Feature {
        let mut p = props.as_object().unwrap().clone();
        p.insert("code".into(), code.into());
        Feature { code: code.into(), properties: p, geometry: g }
    }

    fn sq(x0: f64, y0: f64, x1: f64, y1: f64) -> Geometry<f64> {
        Geometry::MultiPolygon(MultiPolygon(vec![polygon![
            (x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1), (x: x0, y: y0)
        ]]))
    }

    fn dataset() -> Dataset {
        let mut ds = Dataset::default();
        ds.layers.insert(Layer::Towns, vec![f("610522001", serde_json::json!({"name": "城关街道"}), sq(110.20, 34.50, 110.22, 34.51))]);
        ds.layers.insert(
            Layer::Communities,
            vec![f("610522001001", serde_json::json!({"name": "南新社区", "town_code": "610522001"}), sq(110.20, 34.50, 110.22, 34.51))],
        );
        ds.layers.insert(
            Layer::Grids,
            vec![
                f("610522001001001", serde_json::json!({"community_code": "610522001001"}), sq(110.20, 34.50, 110.21, 34.51)),
                f("610522001001002", serde_json::json!({"community_code": "610522001001"}), sq(110.21, 34.50, 110.22, 34.51)),
            ],
        );
        let pt = |x: f64, y: f64| Geometry::Point(Point::new(x, y));
        ds.layers.insert(
            Layer::Households,
            vec![
                // Lies in grid 1, roster agrees.
                f("H1", serde_json::json!({"grid_code": "610522001001001", "head": "张三"}), pt(110.205, 34.505)),
                // Lies in grid 2, roster says grid 1.
                f("H2", serde_json::json!({"grid_code": "610522001001001", "head": "李四"}), pt(110.215, 34.505)),
                // Lies nowhere, roster says grid 2.
                f("H3", serde_json::json!({"grid_code": "610522001001002", "head": "王五"}), pt(110.30, 34.505)),
            ],
        );
        ds
    }

    #[test]
    fn grid_lists_by_location_and_roster() {
        let atlas = Atlas::build(&dataset(), 0).unwrap();
        let dir = Directory::build(&atlas);
        let g1 = dir.households_of(&atlas, Layer::Grids, 0);
        assert_eq!(
            g1,
            vec![Member { index: 0, lies_in: true, on_roster: true }, Member { index: 1, lies_in: false, on_roster: true }]
        );
        let g2 = dir.households_of(&atlas, Layer::Grids, 1);
        assert_eq!(
            g2,
            vec![Member { index: 1, lies_in: true, on_roster: false }, Member { index: 2, lies_in: false, on_roster: true }]
        );
    }

    #[test]
    fn household_chain_follows_location_then_roster() {
        let atlas = Atlas::build(&dataset(), 0).unwrap();
        let dir = Directory::build(&atlas);
        let c = dir.chain(&atlas, Layer::Households, 1);
        assert_eq!((c.grid, c.community, c.town), (Some(1), Some(0), Some(0)));
        // H3 lies in no grid: its roster grid gives the chain.
        let c = dir.chain(&atlas, Layer::Households, 2);
        assert_eq!((c.grid, c.community, c.town), (Some(1), Some(0), Some(0)));
        let p = dir.point(Layer::Grids, 0).unwrap();
        assert!((p.x - 110.205).abs() < 0.006 && (p.y - 34.505).abs() < 0.006);
    }

    #[test]
    fn built_once_per_atlas() {
        let a = Atlas::build(&dataset(), 1).unwrap();
        let b = Atlas::build(&dataset(), 2).unwrap();
        assert!(Arc::ptr_eq(&Directory::of(&a), &Directory::of(&a)));
        assert_eq!((Directory::of(&a).revision, Directory::of(&b).revision), (1, 2));
    }
}
