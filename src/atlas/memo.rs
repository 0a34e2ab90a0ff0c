//! Results computed once per atlas. The atlas is rebuilt whenever the data change, so a result kept on it can
//! never be stale: the cache dies with the data it was computed from.
//!
//! Most results are computed with rayon, and asked for from anywhere: request threads, the warm-up thread and
//! rayon's own workers. A plain `OnceLock` deadlocks there: a worker blocked on a cell that another thread is
//! filling cannot run the jobs that thread is waiting for, or holds one of them on its own stack. [`Once`]
//! never makes a rayon worker wait.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, ThreadId};

/// A value computed once and shared, that any thread may ask for without deadlocking rayon. A thread never
/// waits for a computation it may be part of:
/// - a rayon worker that finds another thread computing the value computes it apart (and keeps nothing):
///   while it waited, the computation could need the very jobs the worker holds on its stack;
/// - so does a thread asking again from inside its own computation;
/// - other threads sleep until the value is there. A computation that panics leaves the cell empty.
///
/// Values are pure functions of the atlas, so a copy computed apart is the same value, at the cost of time.
///
/// ```
/// use gridmap::atlas::memo::Once;
/// let once = Once::default();
/// assert_eq!(once.get_or_init(|| 42), 42);
/// assert_eq!(once.get_or_init(|| 0), 42);
/// ```
pub struct Once<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
}

enum State<T> {
    Empty,
    Running(ThreadId),
    Done(T),
}

impl<T> Default for Once<T> {
    fn default() -> Self {
        Once { state: Mutex::new(State::Empty), ready: Condvar::new() }
    }
}

impl<T: Clone> Once<T> {
    /// The value, computing it with `f` if no thread has (see [`Once`] for how waiting works).
    pub fn get_or_init(&self, f: impl FnOnce() -> T) -> T {
        let me = thread::current().id();
        let mut s = self.lock();
        loop {
            match &*s {
                State::Done(v) => return v.clone(),
                State::Empty => {
                    *s = State::Running(me);
                    drop(s);
                    let reset = Reset(self);
                    let v = f();
                    std::mem::forget(reset);
                    *self.lock() = State::Done(v.clone());
                    self.ready.notify_all();
                    return v;
                }
                State::Running(owner) if *owner == me || rayon::current_thread_index().is_some() => {
                    drop(s);
                    return f();
                }
                State::Running(_) => s = self.ready.wait(s).unwrap_or_else(|e| e.into_inner()),
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // A panic elsewhere never leaves the state half-written: every write is one assignment.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Empties the cell again if the computation panics, so that a later caller computes it.
struct Reset<'a, T>(&'a Once<T>);

impl<T> Drop for Reset<'_, T> {
    fn drop(&mut self) {
        *self.0.state.lock().unwrap_or_else(|e| e.into_inner()) = State::Empty;
        self.0.ready.notify_all();
    }
}

type Slot = Arc<Once<Arc<dyn Any + Send + Sync>>>;

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
        let any = slot.get_or_init(|| Arc::new(f()) as Arc<dyn Any + Send + Sync>);
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

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    /// Rayon workers asking for a value that a thread outside the pool is computing with rayon: with a plain
    /// `OnceLock` both workers block and the computation never gets its jobs run. With [`Once`] they compute
    /// it apart, and the cell keeps the outside thread's value.
    #[test]
    fn workers_waiting_for_an_outside_computation_do_not_deadlock() {
        // Run apart so that a deadlock fails the test after a while instead of hanging the run.
        let (done, finished) = std::sync::mpsc::channel();
        thread::spawn(move || {
            for _ in 0..20 {
                let once: Arc<Once<u64>> = Arc::default();
                let (o, started) = (once.clone(), Arc::new(std::sync::Barrier::new(2)));
                let s = started.clone();
                let outside = thread::spawn(move || {
                    o.get_or_init(|| {
                        s.wait();
                        // Give the workers time to block on the cell before asking them for work.
                        thread::sleep(std::time::Duration::from_millis(5));
                        (0..10_000u64).into_par_iter().sum()
                    })
                });
                started.wait();
                let got: Vec<u64> = (0..64).into_par_iter().map(|_| once.get_or_init(|| (0..10_000u64).sum())).collect();
                assert!(got.iter().all(|&v| v == 49_995_000));
                assert_eq!(outside.join().unwrap(), 49_995_000);
            }
            done.send(()).unwrap();
        });
        finished.recv_timeout(std::time::Duration::from_secs(60)).expect("rayon workers deadlocked on a memo cell");
    }

    #[test]
    fn a_value_asked_for_inside_its_own_computation_is_computed_apart() {
        let once = Once::default();
        assert_eq!(once.get_or_init(|| once.get_or_init(|| 1) + 1), 2);
        assert_eq!(once.get_or_init(|| 0), 2);
    }

    #[test]
    fn a_panicking_computation_leaves_the_cell_empty() {
        let once: Once<u32> = Once::default();
        assert!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| once.get_or_init(|| panic!("no")))).is_err());
        assert_eq!(once.get_or_init(|| 7), 7);
    }
}
