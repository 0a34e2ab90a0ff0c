//! The staleness rule: a draft is published only over the plan it was copied from.

use super::content::BaseGrid;

/// Whether the community's plan moved on under a draft.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Staleness {
    /// The plan is as the draft found it.
    Current,
    /// Another draft was published since: the community's plan is at `current_version`.
    Published { current_version: i64 },
    /// The community's grids were changed by other means than publishing (an import, another tool).
    ChangedElsewhere,
}

/// The staleness of a draft copied from version `base_version` with grids `base`, when the community is at
/// `current_version` with the grids `published_now` gives. A version moved on is the first reason given (and
/// the grids are then not looked at).
///
/// ```
/// use gridmap::app::plans::stale::{Staleness, staleness};
/// assert_eq!(staleness(1, 1, &[], Vec::new), Staleness::Current);
/// assert_eq!(staleness(0, 1, &[], Vec::new), Staleness::Published { current_version: 1 });
/// ```
pub fn staleness(base_version: i64, current_version: i64, base: &[BaseGrid], published_now: impl FnOnce() -> Vec<BaseGrid>) -> Staleness {
    if current_version != base_version {
        Staleness::Published { current_version }
    } else if base != published_now() {
        Staleness::ChangedElsewhere
    } else {
        Staleness::Current
    }
}

impl Staleness {
    pub fn is_stale(self) -> bool {
        self != Staleness::Current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(code: &str) -> BaseGrid {
        BaseGrid { code: code.into(), geometry: serde_json::json!({"type": "Point", "coordinates": [110.2, 34.5]}) }
    }

    #[test]
    fn plan_staleness_is_a_moved_version_first_then_changed_grids() {
        let (a, b) = (vec![grid("610522001001001")], vec![grid("610522001001002")]);
        assert_eq!(staleness(2, 2, &a, || vec![grid("610522001001001")]), Staleness::Current);
        assert_eq!(staleness(2, 2, &a, || b), Staleness::ChangedElsewhere);
        assert_eq!(staleness(2, 3, &a, || unreachable!("the version decides")), Staleness::Published { current_version: 3 });
        assert!(staleness(2, 2, &a, Vec::new).is_stale());
        assert!(!staleness(0, 0, &[], Vec::new).is_stale());
    }
}
