//! What a check finds: the kinds of defect, each defect with where it is, and its wording.

use std::fmt;
use std::str::FromStr;

use geo::{Coord, Geometry};
use serde::{Deserialize, Serialize};

use crate::model::{Feature, Layer};

/// The kind of a defect (DATA.md). A gap is reported as `blind_spot` or `sliver` by its width.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    BlindSpot,
    Sliver,
    Overlap,
    OutsideParent,
    UnitSplit,
    UnitOrphan,
    UnitMismatch,
    HouseholdUncovered,
    HouseholdSplit,
    HouseholdMismatch,
    GridUnstaffed,
    GridOverloaded,
    GridUnderloaded,
    InvalidGeometry,
    GridNoncontiguous,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 15] = [
        Kind::BlindSpot,
        Kind::Sliver,
        Kind::Overlap,
        Kind::OutsideParent,
        Kind::UnitSplit,
        Kind::UnitOrphan,
        Kind::UnitMismatch,
        Kind::HouseholdUncovered,
        Kind::HouseholdSplit,
        Kind::HouseholdMismatch,
        Kind::GridUnstaffed,
        Kind::GridOverloaded,
        Kind::GridUnderloaded,
        Kind::InvalidGeometry,
        Kind::GridNoncontiguous,
    ];

    /// The name in reports and URLs.
    ///
    /// ```
    /// use gridmap::atlas::coverage::Kind;
    /// assert_eq!(Kind::BlindSpot.name(), "blind_spot");
    /// assert_eq!("blind_spot".parse::<Kind>().unwrap(), Kind::BlindSpot);
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Kind::BlindSpot => "blind_spot",
            Kind::Sliver => "sliver",
            Kind::Overlap => "overlap",
            Kind::OutsideParent => "outside_parent",
            Kind::UnitSplit => "unit_split",
            Kind::UnitOrphan => "unit_orphan",
            Kind::UnitMismatch => "unit_mismatch",
            Kind::HouseholdUncovered => "household_uncovered",
            Kind::HouseholdSplit => "household_split",
            Kind::HouseholdMismatch => "household_mismatch",
            Kind::GridUnstaffed => "grid_unstaffed",
            Kind::GridOverloaded => "grid_overloaded",
            Kind::GridUnderloaded => "grid_underloaded",
            Kind::InvalidGeometry => "invalid_geometry",
            Kind::GridNoncontiguous => "grid_noncontiguous",
        }
    }

    /// The rule of DATA.md the kind breaks: `gap` for blind spots and slivers, else the kind itself.
    ///
    /// ```
    /// use gridmap::atlas::coverage::Kind;
    /// assert_eq!(Kind::Sliver.rule(), "gap");
    /// assert_eq!(Kind::Overlap.rule(), "overlap");
    /// ```
    pub fn rule(self) -> &'static str {
        match self {
            Kind::BlindSpot | Kind::Sliver => "gap",
            k => k.name(),
        }
    }

    /// Chinese label, for people.
    ///
    /// ```
    /// use gridmap::atlas::coverage::Kind;
    /// assert_eq!(Kind::BlindSpot.label_zh(), "盲区");
    /// ```
    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::BlindSpot => "盲区",
            Kind::Sliver => "缝隙",
            Kind::Overlap => "重叠",
            Kind::OutsideParent => "越界",
            Kind::UnitSplit => "巷道/楼栋跨网格",
            Kind::UnitOrphan => "巷道/楼栋不在网格内",
            Kind::UnitMismatch => "巷道/楼栋归属不符",
            Kind::HouseholdUncovered => "住户未入格",
            Kind::HouseholdSplit => "住户跨网格",
            Kind::HouseholdMismatch => "住户归属不符",
            Kind::GridUnstaffed => "网格无网格员",
            Kind::GridOverloaded => "网格户数过多",
            Kind::GridUnderloaded => "网格户数过少",
            Kind::InvalidGeometry => "几何无效",
            Kind::GridNoncontiguous => "网格不连续",
        }
    }

    /// What to do about a defect of this kind, one Chinese sentence, for the people who fix it.
    ///
    /// ```
    /// use gridmap::atlas::coverage::Kind;
    /// assert_eq!(Kind::BlindSpot.advice_zh(), "将此区域划入相邻网格，或新建网格。");
    /// ```
    pub fn advice_zh(self) -> &'static str {
        match self {
            Kind::BlindSpot => "将此区域划入相邻网格，或新建网格。",
            Kind::Sliver => "对齐相邻两侧的边界，消除这条缝隙。",
            Kind::Overlap => "商定重叠部分归属哪一方，并修改另一方的边界。",
            Kind::OutsideParent => "修改边界使其不超出所属上级，或更正其所属上级。",
            Kind::UnitSplit => "将此巷道/楼栋整体划入一个网格，或调整网格边界。",
            Kind::UnitOrphan => "将此巷道/楼栋划入所在位置的网格。",
            Kind::UnitMismatch => "更正此巷道/楼栋登记的所属网格，或调整网格边界。",
            Kind::HouseholdUncovered => "核实住户位置，并将该处划入网格。",
            Kind::HouseholdSplit => "核实院落范围，将住户整体划入一个网格。",
            Kind::HouseholdMismatch => "核实住户位置后，更正名册上的所属网格。",
            Kind::GridUnstaffed => "为此网格配备网格员并登记。",
            Kind::GridOverloaded => "拆分网格或增配人员，使户数回到目标范围。",
            Kind::GridUnderloaded => "与相邻网格合并或调整边界，使户数回到目标范围。",
            Kind::InvalidGeometry => "修复此几何(如自相交、未闭合)后重新导入。",
            Kind::GridNoncontiguous => "将分离的部分划入相邻网格，或核实是否绘制有误。",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A defect kind that is not one of the report's.
#[derive(Debug, thiserror::Error)]
#[error("unknown defect kind {0:?}: expected gap or one of blind_spot, sliver, overlap, outside_parent, unit_split, unit_orphan, unit_mismatch, household_uncovered, household_split, household_mismatch, grid_unstaffed, grid_overloaded, grid_underloaded, invalid_geometry, grid_noncontiguous")]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Kind, UnknownKind> {
        Kind::ALL.into_iter().find(|k| k.name() == s).ok_or_else(|| UnknownKind(s.to_string()))
    }
}

/// Where a defect is: geometry in the atlas's metres, or already in stored lon/lat.
#[derive(Clone, Debug, PartialEq)]
pub enum Place {
    Metres(Geometry<f64>),
    LonLat(Geometry<f64>),
}

/// One defect.
#[derive(Clone, Debug, PartialEq)]
pub struct Defect {
    pub kind: Kind,
    /// The layer of the children (the features at fault).
    pub layer: Layer,
    /// The code of the parent the defect is in.
    pub parent: Option<String>,
    /// The codes of the children involved.
    pub codes: Vec<String>,
    /// Areal kinds: the area, m².
    pub area_m2: Option<f64>,
    /// Gaps: the diameter of the largest inscribed circle, m.
    pub width_m: Option<f64>,
    /// One sentence for people.
    pub message: String,
    /// Invalid geometry: the reason as the validator gives it.
    pub reason: Option<String>,
    pub place: Place,
}

impl Defect {
    /// An `invalid_geometry` defect: the feature, the validator's reason and where (lon/lat).
    ///
    /// ```
    /// use gridmap::atlas::coverage::{Defect, Kind};
    /// use gridmap::model::{Feature, Layer};
    /// let f = Feature {
    ///     code: "610522001001001".into(),
    ///     properties: serde_json::json!({"code": "610522001001001", "community_code": "610522001001"}).as_object().unwrap().clone(),
    ///     geometry: geo::Geometry::Point(geo::Point::new(110.2, 34.5)),
    /// };
    /// let d = Defect::invalid_geometry(Layer::Grids, &f, "unclosed ring", geo::coord! { x: 110.2, y: 34.5 });
    /// assert_eq!((d.kind, d.parent.as_deref()), (Kind::InvalidGeometry, Some("610522001001")));
    /// assert!(d.message.contains("unclosed ring"));
    /// ```
    pub fn invalid_geometry(layer: Layer, f: &Feature, reason: &str, at: Coord<f64>) -> Defect {
        let parent = layer.parent().and_then(|(key, _)| f.nonempty_prop(key).map(str::to_string));
        Defect {
            kind: Kind::InvalidGeometry,
            layer,
            parent: parent.or_else(|| Some(f.code.clone())),
            codes: vec![f.code.clone()],
            area_m2: None,
            width_m: None,
            message: format!("{}的几何无效:{}(已按修复后的几何继续检查)。", who(layer, f), reason),
            reason: Some(reason.to_string()),
            place: Place::LonLat(Geometry::Point(geo::Point(at))),
        }
    }
}

/// How a feature is named in a defect's message: its layer and name (or code).
pub(super) fn who(layer: Layer, f: &Feature) -> String {
    let name = f.name();
    if name == f.code { format!("{}{}", layer.name_zh(), f.code) } else { format!("{}「{}」({})", layer.name_zh(), name, f.code) }
}
