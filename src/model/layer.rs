//! The layers of the data contract and how they nest: the seven of the county's grid management, and the
//! optional door plates (门牌) a roster is matched against.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One layer of a dataset (DATA.md, "A dataset is a directory of GeoJSON files").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    County,
    Towns,
    Communities,
    Villages,
    Grids,
    Units,
    Households,
    /// Door plates (门牌 / 标准地址): public address points, optional in a dataset.
    Addresses,
}

impl Layer {
    /// Every layer, parents before children (the order imports and checks walk them in).
    pub const ALL: [Layer; 8] = [
        Layer::County,
        Layer::Towns,
        Layer::Communities,
        Layer::Villages,
        Layer::Grids,
        Layer::Units,
        Layer::Households,
        Layer::Addresses,
    ];

    /// The name used in file names, URLs and table names.
    pub fn name(self) -> &'static str {
        match self {
            Layer::County => "county",
            Layer::Towns => "towns",
            Layer::Communities => "communities",
            Layer::Villages => "villages",
            Layer::Grids => "grids",
            Layer::Units => "units",
            Layer::Households => "households",
            Layer::Addresses => "addresses",
        }
    }

    /// The layer's Chinese name, for people.
    pub fn name_zh(self) -> &'static str {
        match self {
            Layer::County => "县",
            Layer::Towns => "镇/街道",
            Layer::Communities => "社区",
            Layer::Villages => "原行政村",
            Layer::Grids => "网格",
            Layer::Units => "巷道/楼栋",
            Layer::Households => "户",
            Layer::Addresses => "门牌地址",
        }
    }

    /// `county.geojson`, `towns.geojson`, ...
    pub fn file_name(self) -> String {
        format!("{}.geojson", self.name())
    }

    /// The property naming the parent and the parent's layer, where the contract has one.
    ///
    /// ```
    /// use gridmap::model::Layer;
    /// assert_eq!(Layer::Grids.parent(), Some(("community_code", Layer::Communities)));
    /// ```
    pub fn parent(self) -> Option<(&'static str, Layer)> {
        match self {
            Layer::County => None,
            Layer::Towns => Some(("county_code", Layer::County)),
            Layer::Communities => Some(("town_code", Layer::Towns)),
            Layer::Villages => Some(("town_code", Layer::Towns)),
            Layer::Grids => Some(("community_code", Layer::Communities)),
            Layer::Units => Some(("grid_code", Layer::Grids)),
            // A household's grid and unit are roster claims that may be wrong: checked, not enforced.
            Layer::Households => None,
            // A door plate's unit is the address base's claim (it may predate a redrawn unit, like a roster's):
            // reported by `check` when it names no unit, never a reason to refuse the dataset.
            Layer::Addresses => None,
        }
    }

    /// Properties the contract requires on every feature of the layer.
    pub fn required_properties(self) -> &'static [&'static str] {
        match self {
            Layer::County => &["code", "name"],
            Layer::Towns => &["code", "name", "county_code"],
            Layer::Communities => &["code", "name", "town_code", "kind"],
            Layer::Villages => &["code", "name", "town_code", "merged_into"],
            Layer::Grids => &["code", "name", "community_code"],
            Layer::Units => &["code", "name", "grid_code", "kind"],
            Layer::Households => &["code", "grid_code", "unit_code", "village_code"],
            Layer::Addresses => &["code", "address"],
        }
    }

    /// Whether features must be polygons (every layer but households, which may also be door points, and door
    /// plates, which are points).
    pub fn is_polygonal(self) -> bool {
        !matches!(self, Layer::Households | Layer::Addresses)
    }

    /// Whether features must be points (door plates).
    pub fn is_point(self) -> bool {
        self == Layer::Addresses
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A layer name that is not one of the contract's.
#[derive(Debug, thiserror::Error)]
#[error("unknown layer {0:?}: expected one of county, towns, communities, villages, grids, units, households, addresses")]
pub struct UnknownLayer(pub String);

impl FromStr for Layer {
    type Err = UnknownLayer;
    fn from_str(s: &str) -> Result<Self, UnknownLayer> {
        Layer::ALL
            .into_iter()
            .find(|l| l.name() == s)
            .ok_or_else(|| UnknownLayer(s.to_string()))
    }
}
