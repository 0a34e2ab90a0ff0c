//! Sign-in throttling per username and client address, in place of a lock a stranger could trigger.
//!
//! After [`FREE_FAILURES`] failed sign-ins in a row for one username from one address (its IP, any port),
//! each further attempt from there must wait a delay that doubles with every failure (1 s, 2 s, 4 s, ... up
//! to [`MAX_DELAY_S`]); an attempt inside the delay is refused without checking the password. The key is the
//! username as given, whether an account has it or not, so the answers say nothing about which accounts
//! exist; other addresses are never slowed, so nobody can keep an account's owner out by failing on it. A
//! success clears the key. Kept in memory (a restart forgets it) and bounded ([`MAX_KEYS`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures in a row before a delay applies.
pub const FREE_FAILURES: u32 = 5;
/// The longest delay, seconds.
pub const MAX_DELAY_S: u64 = 15 * 60;
/// Keys kept at most; beyond, those whose delay has passed are forgotten first.
pub const MAX_KEYS: usize = 100_000;

/// The failures of each (username, client IP).
#[derive(Debug, Default)]
pub struct Throttle {
    keys: Mutex<HashMap<(String, String), Entry>>,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    failures: u32,
    /// No attempt before this.
    until: Instant,
}

/// The client's IP from `ip:port` (or the whole string when it is not one).
///
/// ```
/// use gridmap::app::throttle::client_ip;
/// assert_eq!(client_ip("127.0.0.2:40512"), "127.0.0.2");
/// assert_eq!(client_ip("[::1]:8080"), "::1");
/// assert_eq!(client_ip("unknown"), "unknown");
/// ```
pub fn client_ip(address: &str) -> String {
    address.parse::<std::net::SocketAddr>().map_or_else(|_| address.to_string(), |a| a.ip().to_string())
}

/// The delay after `failures` failures in a row, seconds.
///
/// ```
/// use gridmap::app::throttle::delay_s;
/// assert_eq!((delay_s(5), delay_s(6), delay_s(7), delay_s(8)), (0, 1, 2, 4));
/// assert_eq!(delay_s(100), 15 * 60);
/// ```
pub fn delay_s(failures: u32) -> u64 {
    match failures.checked_sub(FREE_FAILURES + 1) {
        None => 0,
        Some(n) => 1u64.checked_shl(n.min(20)).unwrap_or(u64::MAX).min(MAX_DELAY_S),
    }
}

impl Throttle {
    fn key(username: &str, address: &str) -> (String, String) {
        (username.trim().to_lowercase(), client_ip(address))
    }

    /// `Err(seconds to wait)` if `username` may not be tried from `address` yet.
    pub fn check(&self, username: &str, address: &str) -> Result<(), u64> {
        let keys = self.keys.lock().expect("throttle lock poisoned");
        match keys.get(&Self::key(username, address)) {
            Some(e) if e.until > Instant::now() => Err((e.until - Instant::now()).as_secs() + 1),
            _ => Ok(()),
        }
    }

    /// Records a failed attempt; returns the failures in a row so far.
    pub fn failed(&self, username: &str, address: &str) -> u32 {
        let mut keys = self.keys.lock().expect("throttle lock poisoned");
        let now = Instant::now();
        if keys.len() >= MAX_KEYS {
            keys.retain(|_, e| e.until > now);
            if keys.len() >= MAX_KEYS {
                // Flooded from very many addresses: forget the oldest half rather than grow without end.
                let mut untils: Vec<Instant> = keys.values().map(|e| e.until).collect();
                untils.sort();
                let cut = untils[untils.len() / 2];
                keys.retain(|_, e| e.until > cut);
            }
        }
        let e = keys.entry(Self::key(username, address)).or_insert(Entry { failures: 0, until: now });
        e.failures = e.failures.saturating_add(1);
        e.until = now + Duration::from_secs(delay_s(e.failures));
        e.failures
    }

    /// Clears the key after a successful sign-in.
    pub fn succeeded(&self, username: &str, address: &str) {
        self.keys.lock().expect("throttle lock poisoned").remove(&Self::key(username, address));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_slow_one_address_only_and_success_clears() {
        let t = Throttle::default();
        for _ in 0..FREE_FAILURES {
            assert!(t.check("wang", "10.0.0.1:1").is_ok());
            t.failed("wang", "10.0.0.1:1");
        }
        assert!(t.check("wang", "10.0.0.1:2").is_ok(), "no delay before the sixth failure");
        t.failed("Wang", "10.0.0.1:3");
        assert_eq!(t.check("wang", "10.0.0.1:4"), Err(1), "the same IP on another port, any case");
        assert!(t.check("wang", "10.0.0.2:1").is_ok(), "another address is never slowed");
        assert!(t.check("li", "10.0.0.1:1").is_ok(), "another username is not slowed");
        t.succeeded("wang", "10.0.0.1:9");
        assert!(t.check("wang", "10.0.0.1:1").is_ok());
    }
}
