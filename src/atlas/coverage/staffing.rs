//! Staffing: every grid has a grid manager and a household count inside its target band.

use crate::model::Feature;

/// What is wrong with a grid's staffing or load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffFinding {
    /// No `manager`.
    Unstaffed,
    /// More households than the band allows: the count.
    Overloaded(u64),
    /// Fewer households than the band asks: the count.
    Underloaded(u64),
}

/// The findings for each grid, in order. `households` holds each grid's household count, or is None when the
/// dataset has no households (then only managers are checked); `band` is the inclusive target band.
///
/// ```
/// use gridmap::atlas::coverage::staffing::{staffing, StaffFinding};
/// use gridmap::model::Feature;
/// let grid = |code: &str, manager: Option<&str>| Feature {
///     code: code.into(),
///     properties: serde_json::json!({"code": code, "manager": manager}).as_object().unwrap().clone(),
///     geometry: geo::Geometry::Point(geo::Point::new(0., 0.)),
/// };
/// let grids = [grid("1", Some("李娜")), grid("2", None), grid("3", Some("张伟"))];
/// let found = staffing(&grids, Some(&[420, 350, 612]), (300, 500));
/// assert_eq!(found, vec![(1, StaffFinding::Unstaffed), (2, StaffFinding::Overloaded(612))]);
/// ```
pub fn staffing(grids: &[Feature], households: Option<&[u64]>, band: (u64, u64)) -> Vec<(usize, StaffFinding)> {
    let mut out = Vec::new();
    for (i, g) in grids.iter().enumerate() {
        if g.nonempty_prop("manager").is_none() {
            out.push((i, StaffFinding::Unstaffed));
        }
        if let Some(counts) = households {
            let n = counts.get(i).copied().unwrap_or(0);
            if n > band.1 {
                out.push((i, StaffFinding::Overloaded(n)));
            } else if n < band.0 {
                out.push((i, StaffFinding::Underloaded(n)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_band_is_inclusive_and_blank_managers_count_as_none() {
        let grid = |m: &str| Feature {
            code: "g".into(),
            properties: serde_json::json!({"code": "g", "manager": m}).as_object().unwrap().clone(),
            geometry: geo::Geometry::Point(geo::Point::new(0., 0.)),
        };
        let grids = [grid("  "), grid("王"), grid("赵")];
        let found = staffing(&grids, Some(&[300, 500, 299]), (300, 500));
        assert_eq!(found, vec![(0, StaffFinding::Unstaffed), (2, StaffFinding::Underloaded(299))]);
        assert_eq!(staffing(&grids, None, (300, 500)), vec![(0, StaffFinding::Unstaffed)]);
    }
}
