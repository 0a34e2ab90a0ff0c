//! Administrative codes as types: a 15-digit grid code knows its community, town and county.
//!
//! Codes are strings of digits (leading zeros matter). The hierarchy is by prefix: county (6, GB/T 2260),
//! town (9), community or legacy village (12, NBS 统计用区划代码), grid (15), unit (18).

use std::fmt;
use std::str::FromStr;

/// A code that is not the expected number of digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} code {code:?} must be {len} digits")]
pub struct CodeError {
    pub kind: &'static str,
    pub code: String,
    pub len: usize,
}

macro_rules! fixed_code {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $len:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Number of digits.
            pub const LEN: usize = $len;

            /// The code as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = CodeError;
            fn from_str(s: &str) -> Result<Self, CodeError> {
                if s.len() == $len && s.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(Self(s.to_string()))
                } else {
                    Err(CodeError { kind: $kind, code: s.to_string(), len: $len })
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

fixed_code!(
    /// A county code (GB/T 2260), e.g. `610522`.
    CountyCode, "county", 6
);
fixed_code!(
    /// A town or subdistrict code: county + 3 digits.
    TownCode, "town", 9
);
fixed_code!(
    /// A community code: town + 3 digits (NBS; `0xx` residents' committees, `2xx` villagers' committees).
    CommunityCode, "community", 12
);
fixed_code!(
    /// A pre-2015 administrative village code: the town of the time + 3 digits.
    VillageCode, "village", 12
);
fixed_code!(
    /// A grid code: community + 3-digit sequence (west to east, then north to south).
    GridCode, "grid", 15
);
fixed_code!(
    /// A lane or building code: grid + 3-digit sequence.
    UnitCode, "unit", 18
);

impl TownCode {
    pub fn county(&self) -> CountyCode {
        CountyCode(self.0[..6].to_string())
    }
}

impl CommunityCode {
    pub fn town(&self) -> TownCode {
        TownCode(self.0[..9].to_string())
    }
    pub fn county(&self) -> CountyCode {
        self.town().county()
    }
    /// NBS practice: `0xx` is a residents' committee (urban), `2xx` a villagers' committee (rural).
    pub fn is_residents_committee(&self) -> bool {
        self.0.as_bytes()[9] == b'0'
    }
}

impl VillageCode {
    pub fn town(&self) -> TownCode {
        TownCode(self.0[..9].to_string())
    }
}

impl GridCode {
    /// ```
    /// use gridmap::model::code::GridCode;
    /// let g: GridCode = "610522001209003".parse().unwrap();
    /// assert_eq!(g.community().as_str(), "610522001209");
    /// assert_eq!(g.town().as_str(), "610522001");
    /// assert_eq!(g.county().as_str(), "610522");
    /// assert_eq!(g.sequence(), 3);
    /// ```
    pub fn community(&self) -> CommunityCode {
        CommunityCode(self.0[..12].to_string())
    }
    pub fn town(&self) -> TownCode {
        self.community().town()
    }
    pub fn county(&self) -> CountyCode {
        self.community().county()
    }
    /// The 3-digit sequence number inside the community.
    pub fn sequence(&self) -> u16 {
        self.0[12..].parse().expect("digits checked on parse")
    }
    /// The grid code of sequence `seq` in `community`.
    pub fn new(community: &CommunityCode, seq: u16) -> Self {
        assert!(seq < 1000, "grid sequence {seq} does not fit 3 digits");
        Self(format!("{community}{seq:03}"))
    }
}

impl UnitCode {
    pub fn grid(&self) -> GridCode {
        GridCode(self.0[..15].to_string())
    }
    pub fn new(grid: &GridCode, seq: u16) -> Self {
        assert!(seq < 1000, "unit sequence {seq} does not fit 3 digits");
        Self(format!("{grid}{seq:03}"))
    }
}

/// The digit count a layer's codes must have, where the contract fixes one (households and door plates have
/// free codes).
pub fn code_len(layer: super::Layer) -> Option<usize> {
    use super::Layer::*;
    match layer {
        County => Some(CountyCode::LEN),
        Towns => Some(TownCode::LEN),
        Communities => Some(CommunityCode::LEN),
        Villages => Some(VillageCode::LEN),
        Grids => Some(GridCode::LEN),
        Units => Some(UnitCode::LEN),
        Households | Addresses => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_wrong_length_and_non_digits() {
        assert!("61052200120900".parse::<GridCode>().is_err());
        assert!("61052200120900x".parse::<GridCode>().is_err());
        let e = "6105".parse::<CountyCode>().unwrap_err();
        assert_eq!(e.to_string(), "county code \"6105\" must be 6 digits");
    }

    #[test]
    fn unit_knows_its_chain() {
        let u: UnitCode = "610522001001002014".parse().unwrap();
        assert_eq!(u.grid().as_str(), "610522001001002");
        assert!(u.grid().community().is_residents_committee());
        assert_eq!(UnitCode::new(&u.grid(), 7).as_str(), "610522001001002007");
    }
}
