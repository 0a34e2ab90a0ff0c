//! Which QR plates (二维码门牌) a grid, a community or a unit prints, and what each says: one plate per lane or
//! building, with its name (or address) and its code, or one per door plate (the `addresses` layer) lying
//! there, with its address and its code; the QR under it goes to the code's public page.
//!
//! Plates carry public data only: no person and no household, and not even the grid's name, since a published
//! plan may move the unit to another grid and a plate must not need reprinting for that (its page follows).
//! Which units and door plates a grid or community holds is the public card's rule
//! ([`super::public_card::unit_grid`], [`super::public_card::plate_grid`]), so a grid's sheet holds exactly the
//! plates whose pages show that grid.

use super::Error;
use super::public_card::{plate_grid, plate_unit, unit_grid};
use crate::atlas::Atlas;
use crate::model::Layer;

/// What a sheet of plates is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Of {
    /// Every unit of a grid.
    Grid,
    /// Every unit of a community's grids.
    Community,
    /// One unit.
    Unit,
}

/// What each plate of a sheet stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum What {
    /// A lane or building (`?of=units`, the default).
    #[default]
    Units,
    /// A door plate of the addresses layer (`?of=plates`).
    DoorPlates,
}

impl std::str::FromStr for What {
    type Err = String;

    /// `units` or `plates`.
    ///
    /// ```
    /// use gridmap::app::plates::What;
    /// assert_eq!("plates".parse::<What>(), Ok(What::DoorPlates));
    /// assert!("households".parse::<What>().unwrap_err().contains("units"));
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "units" => Ok(What::Units),
            "plates" => Ok(What::DoorPlates),
            other => Err(format!("参数 of={other:?} 不支持，可用 units (巷道/楼栋, 默认)、plates (门牌) (of must be units or plates)")),
        }
    }
}

/// What one plate says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlateText {
    /// The unit's name, or its address when it has no name; a door plate's address.
    pub name: String,
    pub code: String,
}

/// The plates of one grid, community or unit.
#[derive(Clone, Debug)]
pub struct Plates {
    /// The title every plate carries: `潼关县网格化管理`.
    pub heading: String,
    /// What the sheet is of, for its file name and the PDF's title: `南新社区第1网格`.
    pub of_name: String,
    /// Ordered by code.
    pub plates: Vec<PlateText>,
}

/// The title on every plate: the county's name and 网格化管理.
pub fn heading(atlas: &Atlas) -> String {
    let county = atlas.layer(Layer::County).and_then(|l| l.features.first()).map(|c| c.name().to_string());
    format!("{}网格化管理", county.unwrap_or_default())
}

/// The plates of the grid, community or unit `code`: its lanes and buildings, or the door plates lying in it.
/// Unknown codes are `NotFound`; nothing to print (no lane or building, no door plate) is `Invalid`.
///
/// ```
/// # use gridmap::atlas::Atlas;
/// # use gridmap::model::{Dataset, Feature, Layer};
/// # use geo::{Geometry, MultiPolygon, polygon};
/// use gridmap::app::plates::{self, Of, What};
/// # let sq = |x0: f64, x1: f64| Geometry::MultiPolygon(MultiPolygon(vec![polygon![(x: x0, y: 34.5), (x: x1, y: 34.5), (x: x1, y: 34.6), (x: x0, y: 34.6)]]));
/// # let f = |code: &str, p: serde_json::Value, g| Feature { code: code.into(), properties: p.as_object().unwrap().clone(), geometry: g };
/// # let mut ds = Dataset::default();
/// # ds.layers.insert(Layer::Grids, vec![f("G1", serde_json::json!({"name": "第1网格", "community_code": "C1"}), sq(110.2, 110.25))]);
/// # ds.layers.insert(Layer::Units, vec![f("U1", serde_json::json!({"name": "1号楼", "grid_code": "G1"}), sq(110.21, 110.22))]);
/// let atlas = Atlas::build(&ds, 0).unwrap();
/// let p = plates::plates(&atlas, Of::Grid, "G1", What::Units).unwrap();
/// assert_eq!((p.plates.len(), p.plates[0].name.as_str(), p.of_name.as_str()), (1, "1号楼", "第1网格"));
/// assert!(plates::plates(&atlas, Of::Unit, "U9", What::Units).is_err());
/// // No addresses layer: no door plates to print.
/// assert!(plates::plates(&atlas, Of::Grid, "G1", What::DoorPlates).is_err());
/// ```
pub fn plates(atlas: &Atlas, of: Of, code: &str, what: What) -> Result<Plates, Error> {
    let (layer, zh, en) = match of {
        Of::Grid => (Layer::Grids, "网格", "grid"),
        Of::Community => (Layer::Communities, "社区", "community"),
        Of::Unit => (Layer::Units, "巷道/楼栋", "unit"),
    };
    let parent = atlas.layer(layer).and_then(|l| l.get(code)).ok_or_else(|| Error::NotFound(format!("没有{zh} {code} (no {en} {code})")))?;
    if what == What::DoorPlates {
        return door_plates(atlas, of, code, zh, en, parent.name());
    }
    let units = atlas.layer(Layer::Units);
    let text = |i: usize| {
        let u = &units.expect("a unit index is of the units layer").features[i];
        let name = u.nonempty_prop("name").or_else(|| u.nonempty_prop("address")).unwrap_or(&u.code);
        PlateText { name: name.trim().to_string(), code: u.code.clone() }
    };
    let mut plates: Vec<PlateText> = match of {
        Of::Unit => vec![text(units.and_then(|l| l.index_of(code)).expect("the unit was found"))],
        Of::Grid | Of::Community => {
            let belongs = |i: usize| {
                unit_grid(atlas, i).is_some_and(|g| match of {
                    Of::Grid => g.code == code,
                    _ => g.nonempty_prop("community_code").map(str::trim) == Some(code),
                })
            };
            (0..units.map_or(0, |l| l.len())).filter(|&i| belongs(i)).map(text).collect()
        }
    };
    if plates.is_empty() {
        return Err(Error::Invalid(format!("{zh} {code} 内没有巷道或楼栋，没有可印的门牌 (no lanes or buildings in {en} {code} to print plates for)")));
    }
    plates.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(Plates { heading: heading(atlas), of_name: parent.name().to_string(), plates })
}

/// The door plates lying in the grid, community or unit `code` (found, with its Chinese and English words and
/// its name, by [`plates`]).
fn door_plates(atlas: &Atlas, of: Of, code: &str, zh: &str, en: &str, of_name: &str) -> Result<Plates, Error> {
    let features = atlas.layer(Layer::Addresses).map_or(&[][..], |l| &l.features[..]);
    let belongs = |i: usize| match of {
        Of::Unit => plate_unit(atlas, i).is_some_and(|u| u.code == code),
        Of::Grid => plate_grid(atlas, i).is_some_and(|g| g.code == code),
        Of::Community => plate_grid(atlas, i).is_some_and(|g| g.nonempty_prop("community_code").map(str::trim) == Some(code)),
    };
    let mut plates: Vec<PlateText> = (0..features.len())
        .filter(|&i| belongs(i))
        .map(|i| {
            let f = &features[i];
            PlateText { name: f.nonempty_prop("address").unwrap_or(&f.code).trim().to_string(), code: f.code.clone() }
        })
        .collect();
    if plates.is_empty() {
        return Err(Error::Invalid(format!("{zh} {code} 内没有门牌，没有可印的门牌 (no door plates in {en} {code} to print)")));
    }
    plates.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(Plates { heading: heading(atlas), of_name: format!("{of_name}门牌"), plates })
}
