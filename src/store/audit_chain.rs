//! The audit log's hash chain: each entry's `hash` is SHA-256 over the hash of the entry before it and its own
//! content, so an entry changed, deleted, inserted or moved out of band breaks the chain from there on.
//!
//! The canonical encoding is one rule for both backends: the fields (prev_hash, id, at, actor, action, address,
//! households, detail), each as its UTF-8 text (the id in decimal, households and detail as the JSON text the
//! store holds) preceded by its byte length as a big-endian u64, after the tag `gridmap-audit-v1`. Lengths
//! make the encoding unambiguous: no two different entries encode alike. The first entry chains from
//! [`GENESIS`].
//!
//! The chain proves the log is whole from its first entry to the head it reports; that no entry was removed
//! after the head needs the head hash written down elsewhere (the admin's audit page and export show it).

use std::fmt;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An audit entry as stored: the text that was hashed, and the hashes.
#[derive(Clone, Debug)]
pub struct StoredEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub address: String,
    /// The JSON text of the household codes.
    pub households: String,
    /// The JSON text of the detail.
    pub detail: String,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

impl StoredEntry {
    /// The hash this entry must carry when it follows an entry whose hash is `prev`.
    pub fn expected_hash(&self, prev: &str) -> String {
        entry_hash(prev, self.id, &self.at, &self.actor, &self.action, &self.address, &self.households, &self.detail)
    }
}

/// The hash of an entry with these fields after an entry whose hash is `prev` (see the module's encoding).
///
/// ```
/// use gridmap::store::audit_chain::{GENESIS, entry_hash};
/// let h = entry_hash(GENESIS, 1, "2026-01-01T00:00:00Z", "admin", "auth.login", "cli", "[]", "{}");
/// assert_eq!(h.len(), 64);
/// // Any field changed gives another hash.
/// assert_ne!(h, entry_hash(GENESIS, 1, "2026-01-01T00:00:00Z", "admin", "auth.login", "cli", "[]", "{\"x\":1}"));
/// ```
#[allow(clippy::too_many_arguments)] // the fields of the encoding, in its order
pub fn entry_hash(prev: &str, id: i64, at: &str, actor: &str, action: &str, address: &str, households: &str, detail: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"gridmap-audit-v1");
    let id = id.to_string();
    for field in [prev, &id, at, actor, action, address, households, detail] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The end of a chain that verifies: how many entries it holds, the last one's id and its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChainHead {
    pub entries: i64,
    /// None for an empty log.
    pub head_id: Option<i64>,
    /// [`GENESIS`] for an empty log.
    pub head_hash: String,
}

/// The first entry that does not verify, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Break {
    /// Its content or hash is not what was hashed: it was edited.
    Changed { id: i64 },
    /// It does not follow the entry before it (`after`, or the start of the log): an entry between them was
    /// deleted or inserted, or entries were reordered.
    Gap { id: i64, after: Option<i64> },
    /// It carries no hash: it was written out of band.
    Unhashed { id: i64 },
}

impl Break {
    /// The id of the entry named.
    pub fn id(&self) -> i64 {
        match self {
            Break::Changed { id } | Break::Gap { id, .. } | Break::Unhashed { id } => *id,
        }
    }
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Break::Changed { id } => write!(
                f,
                "审计日志第 {id} 条未通过校验：内容与其哈希不符，已被改动 (audit entry {id} does not verify: its content was changed)"
            ),
            Break::Gap { id, after: Some(a) } => write!(
                f,
                "审计日志第 {id} 条未通过校验：它不接在第 {a} 条之后，其间有条目被删除、插入或调换 \
                 (audit entry {id} does not follow entry {a}: an entry between them was deleted, inserted or reordered)"
            ),
            Break::Gap { id, after: None } => write!(
                f,
                "审计日志第 {id} 条未通过校验：它应是第一条，之前的条目被删除 \
                 (audit entry {id} does not follow the start of the log: entries before it were deleted)"
            ),
            Break::Unhashed { id } => write!(
                f,
                "审计日志第 {id} 条没有哈希，是绕过 gridmap 写入的 (audit entry {id} has no hash: it was written out of band)"
            ),
        }
    }
}

/// Walks a chain entry by entry, in id order.
#[derive(Clone, Debug)]
pub struct Walk {
    prev: String,
    prev_id: Option<i64>,
    entries: i64,
}

impl Default for Walk {
    fn default() -> Self {
        Walk { prev: GENESIS.into(), prev_id: None, entries: 0 }
    }
}

impl Walk {
    /// Checks the next entry: its hash over its content and its `prev_hash`, then that `prev_hash` is the
    /// hash of the entry before it.
    pub fn step(&mut self, e: &StoredEntry) -> Result<(), Break> {
        let (Some(prev_hash), Some(hash)) = (&e.prev_hash, &e.hash) else { return Err(Break::Unhashed { id: e.id }) };
        if e.expected_hash(prev_hash) != *hash {
            return Err(Break::Changed { id: e.id });
        }
        if *prev_hash != self.prev {
            return Err(Break::Gap { id: e.id, after: self.prev_id });
        }
        self.prev.clone_from(hash);
        self.prev_id = Some(e.id);
        self.entries += 1;
        Ok(())
    }

    /// The head of the chain walked so far.
    pub fn head(&self) -> ChainHead {
        ChainHead { entries: self.entries, head_id: self.prev_id, head_hash: self.prev.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<StoredEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|id| {
                let mut e = StoredEntry {
                    id,
                    at: format!("2026-01-01T00:00:{id:02}Z"),
                    actor: "admin".into(),
                    action: "auth.login".into(),
                    address: "127.0.0.1".into(),
                    households: "[]".into(),
                    detail: format!("{{\"n\":{id}}}"),
                    prev_hash: Some(prev.clone()),
                    hash: None,
                };
                let h = e.expected_hash(&prev);
                e.hash = Some(h.clone());
                prev = h;
                e
            })
            .collect()
    }

    fn walk(es: &[StoredEntry]) -> Result<ChainHead, Break> {
        let mut w = Walk::default();
        for e in es {
            w.step(e)?;
        }
        Ok(w.head())
    }

    #[test]
    fn a_whole_chain_verifies_to_its_last_hash() {
        let es = chain(5);
        let head = walk(&es).unwrap();
        assert_eq!(head.entries, 5);
        assert_eq!(head.head_id, Some(5));
        assert_eq!(Some(head.head_hash), es[4].hash.clone());
        assert_eq!(walk(&[]).unwrap().head_hash, GENESIS);
    }

    #[test]
    fn an_edit_a_deletion_a_swap_and_a_forgery_are_each_named() {
        let mut es = chain(5);
        es[2].detail = "{\"n\":99}".into();
        assert_eq!(walk(&es), Err(Break::Changed { id: 3 }));

        let mut es = chain(5);
        es.remove(2);
        assert_eq!(walk(&es), Err(Break::Gap { id: 4, after: Some(2) }));
        let mut es = chain(5);
        es.remove(0);
        assert_eq!(walk(&es), Err(Break::Gap { id: 2, after: None }));

        let mut es = chain(5);
        es.swap(1, 2);
        assert_eq!(walk(&es).unwrap_err().id(), 3);

        let mut es = chain(5);
        es[3].hash = None;
        assert_eq!(walk(&es), Err(Break::Unhashed { id: 4 }));
    }

    #[test]
    fn fields_cannot_trade_bytes() {
        let a = entry_hash(GENESIS, 1, "t", "ab", "c", "", "[]", "{}");
        let b = entry_hash(GENESIS, 1, "t", "a", "bc", "", "[]", "{}");
        assert_ne!(a, b);
    }
}
