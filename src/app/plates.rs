//! Which door plates (二维码门牌) a grid, a community or a unit prints, and what each says: one plate per lane or
//! building, with its name (or address) and its code; the QR under it goes to the code's public page.
//!
//! Plates carry public data only: no person and no household, and not even the grid's name, since a published
//! plan may move the unit to another grid and a plate must not need reprinting for that (its page follows).
//! Which units a grid or community holds is the public card's rule ([`super::public_card::unit_grid`]), so a
//! grid's sheet holds exactly the plates whose pages show that grid.

use super::Error;
use super::public_card::unit_grid;
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

/// What one plate says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlateText {
    /// The unit's name, or its address when it has no name.
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

/// The plates of the grid, community or unit `code`. Unknown codes are `NotFound`; a grid or community with no
/// lane or building is `Invalid` (nothing to print).
///
/// ```
/// # use gridmap::atlas::Atlas;
/// # use gridmap::model::{Dataset, Feature, Layer};
/// # use geo::{Geometry, MultiPolygon, polygon};
/// use gridmap::app::plates::{self, Of};
/// # let sq = |x0: f64, x1: f64| Geometry::MultiPolygon(MultiPolygon(vec![polygon![(x: x0, y: 34.5), (x: x1, y: 34.5), (x: x1, y: 34.6), (x: x0, y: 34.6)]]));
/// # let f = |code: &str, p: serde_json::Value, g| Feature { code: code.into(), properties: p.as_object().unwrap().clone(), geometry: g };
/// # let mut ds = Dataset::default();
/// # ds.layers.insert(Layer::Grids, vec![f("G1", serde_json::json!({"name": "第1网格", "community_code": "C1"}), sq(110.2, 110.25))]);
/// # ds.layers.insert(Layer::Units, vec![f("U1", serde_json::json!({"name": "1号楼", "grid_code": "G1"}), sq(110.21, 110.22))]);
/// let atlas = Atlas::build(&ds, 0).unwrap();
/// let p = plates::plates(&atlas, Of::Grid, "G1").unwrap();
/// assert_eq!((p.plates.len(), p.plates[0].name.as_str(), p.of_name.as_str()), (1, "1号楼", "第1网格"));
/// assert!(plates::plates(&atlas, Of::Unit, "U9").is_err());
/// ```
pub fn plates(atlas: &Atlas, of: Of, code: &str) -> Result<Plates, Error> {
    let (layer, zh, en) = match of {
        Of::Grid => (Layer::Grids, "网格", "grid"),
        Of::Community => (Layer::Communities, "社区", "community"),
        Of::Unit => (Layer::Units, "巷道/楼栋", "unit"),
    };
    let parent = atlas.layer(layer).and_then(|l| l.get(code)).ok_or_else(|| Error::NotFound(format!("没有{zh} {code} (no {en} {code})")))?;
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
