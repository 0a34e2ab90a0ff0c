//! Results computed once per atlas. The atlas is rebuilt whenever the data change, so a result kept on it can
//! never be stale: the cache dies with the data it was computed from.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

type Slot = Arc<OnceLock<Arc<dyn Any + Send + Sync>>>;

/// A map from result type to its value, each computed at most once.
#[derive(Default)]
pub struct Memo {
    slots: Mutex<HashMap<TypeId, Slot>>,
}

impl Memo {
    /// The value of type `T`, computing it with `f` the first time. Concurrent first callers wait for one
    /// computation rather than each doing it.
    pub fn get_or_init<T: Send + Sync + 'static>(&self, f: impl FnOnce() -> T) -> Arc<T> {
        let slot = self.slots.lock().expect("memo lock poisoned").entry(TypeId::of::<T>()).or_default().clone();
        let any = slot.get_or_init(|| Arc::new(f()) as Arc<dyn Any + Send + Sync>).clone();
        any.downcast::<T>().expect("slot holds its own type")
    }
}

impl super::Atlas {
    /// A result of type `T` computed once for this atlas (use a dedicated type per kind of result).
    ///
    /// ```
    /// use gridmap::atlas::Atlas;
    /// let atlas = Atlas::build(&Default::default(), 0).unwrap();
    /// struct Answer(u32);
    /// assert_eq!(atlas.memo(|| Answer(42)).0, 42);
    /// assert_eq!(atlas.memo(|| Answer(0)).0, 42); // computed once
    /// ```
    pub fn memo<T: Send + Sync + 'static>(&self, f: impl FnOnce() -> T) -> Arc<T> {
        self.memo.get_or_init(f)
    }
}
