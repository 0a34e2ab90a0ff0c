//! Roles and scopes, following the chain of people in the county:
//!
//! | role | who | may |
//! |---|---|---|
//! | `admin` | county office (县委改革办, 民政) | everything, including accounts and the audit log |
//! | `planner` | planners | all geometry, drafts and publishing within the scope; personal data masked |
//! | `secretary` | community secretaries (社区书记) | everything about their community, personal data included; apply its crosswalk reassignments |
//! | `grid_manager` | grid managers (网格员) | their grids' households with personal data; elsewhere locate works, masked |
//! | `viewer` | anyone else with an account (and anonymous visitors) | maps and coverage, no personal data |
//!
//! A scope is where the role applies: the county, a town, a community or a list of grids.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// What an account may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Viewer,
    GridManager,
    Secretary,
    Planner,
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Admin, Role::Planner, Role::Secretary, Role::GridManager, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Planner => "planner",
            Role::Secretary => "secretary",
            Role::GridManager => "grid_manager",
            Role::Viewer => "viewer",
        }
    }

    /// The role's name on the page.
    pub fn name_zh(self) -> &'static str {
        match self {
            Role::Admin => "县级管理员",
            Role::Planner => "规划员",
            Role::Secretary => "社区书记",
            Role::GridManager => "网格员",
            Role::Viewer => "查看者",
        }
    }

    /// Whether the role may ever see personal data (inside its scope). Planners and viewers never do.
    pub fn sees_personal_data(self) -> bool {
        matches!(self, Role::Admin | Role::Secretary | Role::GridManager)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| format!("role {s:?} is not one of admin, planner, secretary, grid_manager, viewer"))
    }
}

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Where a role applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    County,
    /// A town by its 9-digit code.
    Town(String),
    /// A community by its 12-digit code.
    Community(String),
    /// Grids by their 15-digit codes.
    Grids(Vec<String>),
}

/// Where a feature is: the codes of its town, community and grids (a household's roster grid and the grid it
/// lies in may differ; either puts it in a grid scope).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    pub town: Option<String>,
    pub communities: Vec<String>,
    pub grids: Vec<String>,
}

impl Scope {
    /// Whether this scope covers `place`.
    ///
    /// ```
    /// use gridmap::accounts::role::{Place, Scope};
    /// let p = Place { town: Some("610522001".into()), communities: vec!["610522001001".into()], grids: vec!["610522001001002".into()] };
    /// assert!(Scope::County.covers(&p));
    /// assert!(Scope::Town("610522001".into()).covers(&p) && !Scope::Town("610522102".into()).covers(&p));
    /// assert!(Scope::Community("610522001001".into()).covers(&p));
    /// assert!(Scope::Grids(vec!["610522001001002".into()]).covers(&p));
    /// assert!(!Scope::Grids(vec!["610522001001001".into()]).covers(&p));
    /// ```
    pub fn covers(&self, place: &Place) -> bool {
        match self {
            Scope::County => true,
            Scope::Town(t) => place.town.as_deref() == Some(t.as_str()),
            Scope::Community(c) => place.communities.iter().any(|x| x == c),
            Scope::Grids(gs) => place.grids.iter().any(|g| gs.contains(g)),
        }
    }

    /// Whether the scope covers all of community `code` (the county, its town, or the community itself).
    pub fn covers_community(&self, code: &str, town: Option<&str>) -> bool {
        match self {
            Scope::County => true,
            Scope::Town(t) => town == Some(t.as_str()),
            Scope::Community(c) => c == code,
            Scope::Grids(_) => false,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::County => f.write_str("county"),
            Scope::Town(c) => write!(f, "town:{c}"),
            Scope::Community(c) => write!(f, "community:{c}"),
            Scope::Grids(gs) => write!(f, "grids:{}", gs.join(",")),
        }
    }
}

impl FromStr for Scope {
    type Err = String;
    /// `county`, `town:CODE`, `community:CODE` or `grids:CODE,CODE,...`.
    ///
    /// ```
    /// use gridmap::accounts::Scope;
    /// assert_eq!("grids:610522001001001, 610522001001002".parse::<Scope>().unwrap().to_string(), "grids:610522001001001,610522001001002");
    /// assert!("town:61".parse::<Scope>().is_err() && "village:1".parse::<Scope>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let digits = |c: &str, n: usize| c.len() == n && c.bytes().all(|b| b.is_ascii_digit());
        let bad = |why: &str| format!("scope {s:?}: {why} (county, town:CODE, community:CODE or grids:CODE,CODE)");
        if s == "county" {
            return Ok(Scope::County);
        }
        let (kind, rest) = s.split_once(':').ok_or_else(|| bad("unknown form"))?;
        let rest = rest.trim();
        match kind {
            "town" if digits(rest, 9) => Ok(Scope::Town(rest.into())),
            "community" if digits(rest, 12) => Ok(Scope::Community(rest.into())),
            "grids" => {
                let gs: Vec<String> = rest.split(',').map(|g| g.trim().to_string()).filter(|g| !g.is_empty()).collect();
                if gs.is_empty() || !gs.iter().all(|g| digits(g, 15)) {
                    return Err(bad("grid codes have 15 digits"));
                }
                Ok(Scope::Grids(gs))
            }
            "town" => Err(bad("a town code has 9 digits")),
            "community" => Err(bad("a community code has 12 digits")),
            _ => Err(bad("unknown form")),
        }
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}
