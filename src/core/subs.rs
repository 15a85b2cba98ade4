//! The tracked channels: an insertion-ordered set of names with O(1) average
//! insert, lookup and removal, iterated in subscription order (the order in
//! which `on_open` subscribes again).
//!
//! The names live once, in insertion order, in `slots`; a removal leaves a
//! hole that iteration skips, and the holes are squeezed out once they
//! outnumber the names (O(1) amortised per removal). `table` is a small
//! open-addressing hash index (linear probing, FNV-1a) of positions in
//! `slots`, built only once there are more than [`SMALL`] names: a client with
//! a few channels scans them (cheaper than hashing, and no table in memory).
//! It is written here rather than taken from `std::collections::HashMap`
//! because that costs about 2-3 KB of gzipped wasm (hashbrown's generic code,
//! SipHash) against well under 1 KB for this; the names come from the page's own
//! calls, never from the network, so an unkeyed hash is enough.

#[allow(unused_imports)]
use crate::prelude::*;
use core::fmt;

/// Holes tolerated before a compaction is considered at all.
const SLACK: usize = 16;
/// The smallest table.
const MIN_TABLE: usize = 16;
/// Up to this many slots, names are found by scanning and there is no table.
pub const SMALL: usize = 8;
/// A table cell that never held a position (ends a probe).
const EMPTY: u32 = u32::MAX;
/// A table cell whose name was removed (a probe goes on past it).
const GONE: u32 = u32::MAX - 1;

/// An insertion-ordered set of channel names.
#[derive(Clone, Default)]
pub struct Subs {
    /// The names in insertion order; `None` where one was removed.
    slots: Vec<Option<String>>,
    /// Positions in `slots` by hash of the name: `EMPTY`, `GONE` or a
    /// position. Its length is 0 (while `slots` has at most [`SMALL`]
    /// entries) or a power of two, and at most two thirds of its cells are
    /// not `EMPTY`, so every probe ends.
    table: Vec<u32>,
    /// Names tracked.
    live: usize,
    /// Cells of `table` that are not `EMPTY`.
    used: usize,
}

/// FNV-1a with a final mix (the table uses the low bits).
fn hash(name: &str) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    (h ^ (h >> 13)) as usize
}

impl Subs {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Names tracked.
    pub fn len(&self) -> usize {
        self.live
    }

    /// True when no name is tracked.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// True when `name` is tracked.
    pub fn contains(&self, name: &str) -> bool {
        if self.table.is_empty() {
            self.scan(name).is_some()
        } else {
            self.find(name).is_some()
        }
    }

    /// The position of `name` in `slots`, by scanning (no table).
    fn scan(&self, name: &str) -> Option<usize> {
        self.slots.iter().position(|s| s.as_deref() == Some(name))
    }

    /// The cell of `table` that holds `name`'s position.
    fn find(&self, name: &str) -> Option<usize> {
        let mask = self.table.len().checked_sub(1)?;
        let mut i = hash(name) & mask;
        loop {
            match self.table[i] {
                EMPTY => return None,
                GONE => {}
                at => {
                    if self.slots.get(at as usize)?.as_deref() == Some(name) {
                        return Some(i);
                    }
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds `name` last; false (and nothing changes) when already tracked.
    pub fn insert(&mut self, name: &str) -> bool {
        if self.contains(name) {
            return false;
        }
        if self.table.is_empty() && self.slots.len() < SMALL {
            self.slots.push(Some(String::from(name)));
            self.live += 1;
            return true;
        }
        if (self.used + 1) * 3 > self.table.len() * 2 {
            self.rebuild();
        }
        let at = self.slots.len() as u32;
        self.slots.push(Some(String::from(name)));
        self.used += place(&mut self.table, name, at);
        self.live += 1;
        true
    }

    /// Removes `name`; false when it was not tracked. The others keep their
    /// order.
    pub fn remove(&mut self, name: &str) -> bool {
        if self.table.is_empty() {
            let Some(at) = self.scan(name) else {
                return false;
            };
            self.slots.remove(at);
            self.live -= 1;
            return true;
        }
        let Some(cell) = self.find(name) else {
            return false;
        };
        let at = core::mem::replace(&mut self.table[cell], GONE);
        self.slots[at as usize] = None;
        self.live -= 1;
        // Holes at the end cost nothing to drop (newest-first removal never compacts).
        while let Some(None) = self.slots.last() {
            self.slots.pop();
        }
        let holes = self.slots.len() - self.live;
        let sparse = self.table.len() > MIN_TABLE && self.live * 8 < self.table.len();
        if self.live <= SMALL / 2 {
            // Few enough to scan: back to no table.
            self.slots.retain(Option::is_some);
            self.table = Vec::new();
            self.used = 0;
        } else if (holes > SLACK && holes > self.live) || sparse {
            self.slots.retain(Option::is_some);
            self.rebuild();
        }
        true
    }

    /// A new table for the names in `slots`, sized for twice as many (so
    /// without tombstones, and at most half full): O(names).
    fn rebuild(&mut self) {
        let size = (self.live * 2 + 2).next_power_of_two().max(MIN_TABLE);
        self.table = vec![EMPTY; size];
        self.used = 0;
        for (at, name) in self.slots.iter().enumerate() {
            if let Some(name) = name {
                self.used += place(&mut self.table, name, at as u32);
            }
        }
    }

    /// The names in insertion order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.slots.iter())
    }
}

/// Stores position `at` of `name` (not in the table) in the first free cell
/// of its probe; 1 when that cell was `EMPTY` (one more used), else 0.
fn place(table: &mut [u32], name: &str, at: u32) -> usize {
    let mask = table.len() - 1;
    let mut i = hash(name) & mask;
    while table[i] < GONE {
        i = (i + 1) & mask;
    }
    let was_empty = table[i] == EMPTY;
    table[i] = at;
    usize::from(was_empty)
}

/// The names of a [`Subs`], in insertion order.
#[derive(Debug, Clone)]
pub struct Iter<'a>(core::slice::Iter<'a, Option<String>>);

impl<'a> Iterator for Iter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        loop {
            if let Some(name) = self.0.next()? {
                return Some(name);
            }
        }
    }
}

impl<'a> IntoIterator for &'a Subs {
    type Item = &'a str;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Equal to a list of the same names in the same order.
impl PartialEq<[String]> for Subs {
    fn eq(&self, other: &[String]) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter().map(String::as_str))
    }
}

impl fmt::Debug for Subs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &Subs) -> Vec<&str> {
        s.iter().collect()
    }

    /// The table holds exactly the tracked names' positions, within its load
    /// limit, and the slots hold no hole at the end.
    fn check(s: &Subs) {
        if s.table.is_empty() {
            assert!(s.slots.len() <= SMALL, "no table past SMALL slots");
            assert_eq!(s.slots.iter().flatten().count(), s.len());
            assert!(
                s.slots.iter().all(Option::is_some),
                "no holes without a table"
            );
            return;
        }
        let positions: Vec<usize> = s
            .table
            .iter()
            .filter(|&&c| c < GONE)
            .map(|&c| c as usize)
            .collect();
        assert_eq!(positions.len(), s.len());
        assert_eq!(s.slots.iter().flatten().count(), s.len());
        for &at in &positions {
            let name = s.slots[at]
                .as_deref()
                .expect("a position of a removed name");
            assert_eq!(s.table[s.find(name).unwrap()] as usize, at);
        }
        assert_eq!(s.used, s.table.iter().filter(|&&c| c != EMPTY).count());
        assert!(
            s.table.is_empty() || s.used * 3 <= s.table.len() * 2,
            "load"
        );
        assert!(!matches!(s.slots.last(), Some(None)), "a hole at the end");
    }

    #[test]
    fn insert_contains_remove_keep_order() {
        let mut s = Subs::new();
        assert!(s.is_empty());
        assert!(s.insert("a"));
        assert!(s.insert("b"));
        assert!(s.insert("c"));
        assert!(!s.insert("b"), "a duplicate is refused");
        assert_eq!(names(&s), ["a", "b", "c"]);
        assert!(s.contains("b") && !s.contains("d"));
        assert!(s.remove("b"));
        assert!(!s.remove("b"));
        assert!(!s.remove("never"));
        assert!(!s.contains("b"));
        assert_eq!(names(&s), ["a", "c"]);
        assert!(s.insert("b"), "re-added, it goes last");
        assert_eq!(names(&s), ["a", "c", "b"]);
        assert_eq!(s.len(), 3);
        check(&s);
    }

    #[test]
    fn removing_the_newest_leaves_no_holes() {
        let mut s = Subs::new();
        for i in 0..100 {
            s.insert(&i.to_string());
        }
        for i in (0..100).rev() {
            assert!(s.remove(&i.to_string()));
            assert_eq!(s.slots.len(), i, "no hole left behind");
        }
        assert!(s.is_empty());
    }

    #[test]
    fn compaction_keeps_order_and_positions() {
        let mut s = Subs::new();
        for i in 0..1000 {
            s.insert(&format!("ch{i}"));
        }
        // Remove all but every 7th, oldest first: compacts several times.
        for i in (0..1000).filter(|i| i % 7 != 0) {
            assert!(s.remove(&format!("ch{i}")));
            check(&s);
        }
        let want: Vec<String> = (0..1000).step_by(7).map(|i| format!("ch{i}")).collect();
        assert_eq!(&s, &want[..]);
        assert!(s.slots.len() <= 2 * s.len() + SLACK, "holes are bounded");
        for w in &want {
            assert!(s.contains(w));
        }
        assert!(s.insert("new"));
        assert!(!s.insert("ch7"));
        assert_eq!(names(&s).last(), Some(&"new"));
        for w in &want {
            assert!(s.remove(w));
        }
        assert_eq!(names(&s), ["new"]);
        check(&s);
    }

    #[test]
    fn matches_a_vec_model_under_a_mixed_sequence() {
        let mut s = Subs::new();
        let mut model: Vec<String> = Vec::new();
        let mut x: u64 = 12345;
        for _ in 0..20_000 {
            // A small LCG: deterministic, no crate.
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let name = format!("c{}", (x >> 33) % 300);
            if (x >> 20) % 3 == 0 {
                let i = model.iter().position(|c| *c == name);
                assert_eq!(s.remove(&name), i.is_some());
                if let Some(i) = i {
                    model.remove(i);
                }
            } else {
                let fresh = !model.contains(&name);
                assert_eq!(s.insert(&name), fresh);
                if fresh {
                    model.push(name);
                }
            }
            assert_eq!(&s, &model[..]);
            check(&s);
        }
    }

    #[test]
    fn the_table_grows_and_shrinks_with_the_names() {
        let mut s = Subs::new();
        for i in 0..10_000 {
            assert!(s.insert(&format!("room/{i}")));
        }
        check(&s);
        assert!(s.table.len() <= 4 * 10_000);
        for i in (0..10_000).rev() {
            assert!(s.remove(&format!("room/{i}")));
            assert!(
                s.table.len() <= MIN_TABLE.max(8 * s.len()),
                "shrinks as names go"
            );
        }
        check(&s);
        assert!(s.is_empty() && s.slots.is_empty());
        assert!(s.insert("again"));
        assert_eq!(names(&s), ["again"]);
    }

    #[test]
    fn debug_lists_the_names_in_order() {
        let mut s = Subs::new();
        s.insert("x");
        s.insert("y");
        s.remove("x");
        s.insert("z");
        assert_eq!(format!("{s:?}"), r#"["y", "z"]"#);
        let v: Vec<&str> = (&s).into_iter().collect();
        assert_eq!(v, ["y", "z"]);
    }
}
