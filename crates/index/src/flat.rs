//! Flat containers for the scorer's tables: many strings in one buffer, many short lists in one
//! array. A table of a million stories is then a handful of allocations rather than millions,
//! and it decodes as a few long copies rather than one small allocation per story.

use std::ops::{Index, Range};

use serde::{Deserialize, Serialize};

/// The end of the items so far, as a `u32` offset: tables stay far below 4 Gi bytes of text or
/// entries (10M stories hold about 2 GB of ids and titles together, in two buffers).
fn end(len: usize) -> u32 {
    u32::try_from(len).expect("a table column holds under 4 Gi entries")
}

/// Where the `i`-th item lies, given where each item ends.
fn span(ends: &[u32], i: usize) -> Option<Range<usize>> {
    let end = *ends.get(i)? as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] as usize };
    Some(start..end)
}

/// A list of strings stored end to end in one buffer; `strings[i]` is the `i`-th.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Strings {
    text: String,
    /// Where each string ends in `text`.
    ends: Vec<u32>,
}

impl Strings {
    /// No strings yet, room for `count` of `bytes` in all.
    pub fn with_capacity(count: usize, bytes: usize) -> Strings {
        Strings {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(count),
        }
    }

    /// Appends a string.
    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(end(self.text.len()));
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The `i`-th string, if there is one.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.text.get(span(&self.ends, i)?)
    }

    /// The strings in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| &self[i])
    }

    /// Whether the offsets are in order and fall on character boundaries (decoded bytes are
    /// checked before use).
    pub(crate) fn is_well_formed(&self) -> bool {
        let mut start = 0usize;
        self.ends.iter().all(|&end| {
            let end = end as usize;
            let ok = start <= end && self.text.is_char_boundary(end);
            start = end;
            ok
        }) && self
            .ends
            .last()
            .is_none_or(|&e| e as usize == self.text.len())
    }
}

impl Index<usize> for Strings {
    type Output = str;

    fn index(&self, i: usize) -> &str {
        let range = span(&self.ends, i).unwrap_or_else(|| panic!("string {i} of {}", self.len()));
        &self.text[range]
    }
}

impl<S: AsRef<str>> FromIterator<S> for Strings {
    fn from_iter<I: IntoIterator<Item = S>>(items: I) -> Strings {
        let mut strings = Strings::default();
        for s in items {
            strings.push(s.as_ref());
        }
        strings
    }
}

/// Short lists stored end to end in one array; `lists[i]` is the `i`-th list as a slice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Jagged<T> {
    values: Vec<T>,
    /// Where each list ends in `values`.
    ends: Vec<u32>,
}

impl<T> Default for Jagged<T> {
    fn default() -> Self {
        Jagged {
            values: Vec::new(),
            ends: Vec::new(),
        }
    }
}

impl<T> Jagged<T> {
    /// Appends a list.
    pub fn push(&mut self, list: impl IntoIterator<Item = T>) {
        self.values.extend(list);
        self.ends.push(end(self.values.len()));
    }

    /// Number of lists.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are no lists.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// All the lists' entries, end to end.
    pub fn values(&self) -> &[T] {
        &self.values
    }

    /// The `i`-th list, if there is one.
    pub fn get(&self, i: usize) -> Option<&[T]> {
        self.values.get(span(&self.ends, i)?)
    }

    /// The lists in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[T]> + '_ {
        (0..self.len()).map(|i| &self[i])
    }

    /// Whether the offsets are in order and within the values.
    pub(crate) fn is_well_formed(&self) -> bool {
        self.ends.windows(2).all(|w| w[0] <= w[1])
            && self
                .ends
                .last()
                .is_none_or(|&e| e as usize == self.values.len())
    }
}

impl<T> Index<usize> for Jagged<T> {
    type Output = [T];

    fn index(&self, i: usize) -> &[T] {
        self.get(i)
            .unwrap_or_else(|| panic!("list {i} of {}", self.len()))
    }
}

impl<T, L: IntoIterator<Item = T>> FromIterator<L> for Jagged<T> {
    fn from_iter<I: IntoIterator<Item = L>>(lists: I) -> Jagged<T> {
        let mut jagged = Jagged::default();
        for list in lists {
            jagged.push(list);
        }
        jagged
    }
}

/// A column of names that [`Positions`] finds positions in.
pub trait Names {
    /// Number of names.
    fn count(&self) -> usize;
    /// The name at `position`.
    fn name(&self, position: u32) -> &str;
}

impl Names for Strings {
    fn count(&self) -> usize {
        self.len()
    }

    fn name(&self, position: u32) -> &str {
        &self[position as usize]
    }
}

/// Each name's position among a column of names, found by hashing: an open-addressing table
/// of positions only, so a million ids cost 8 MB of table and no copy of any id. Lookups
/// compare against the column itself. When a name occurs twice, its last position is kept.
#[derive(Debug, Clone, Default)]
pub struct Positions {
    /// position + 1 (0: empty); the length is a power of two at least twice the names'
    slots: Vec<u32>,
    /// 64 − log2(slots.len())
    shift: u32,
}

impl Positions {
    /// The positions of the names in `names`.
    pub fn new(names: &(impl Names + ?Sized)) -> Positions {
        let size = (names.count() * 2).next_power_of_two().max(2);
        let mut positions = Positions {
            slots: vec![0; size],
            shift: 64 - size.trailing_zeros(),
        };
        for position in 0..end(names.count()) {
            let slot = positions.probe(names, names.name(position));
            positions.slots[slot] = position + 1;
        }
        positions
    }

    /// The position of `name` in `names` (the column these positions were built from).
    pub fn find(&self, names: &(impl Names + ?Sized), name: &str) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        self.slots[self.probe(names, name)].checked_sub(1)
    }

    /// The slot holding `name`'s position, or the empty slot where it goes.
    fn probe(&self, names: &(impl Names + ?Sized), name: &str) -> usize {
        use std::hash::BuildHasher;
        let hash = rustc_hash::FxBuildHasher.hash_one(name);
        // the product's high bits mix every bit of the hash
        let mut slot = (hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize;
        loop {
            match self.slots[slot] {
                0 => return slot,
                taken if names.name(taken - 1) == name => return slot,
                _ => slot = (slot + 1) & (self.slots.len() - 1),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_keep_each_string_whole_and_in_order() {
        let strings: Strings = ["news/a", "", "消息/乙", "c"].into_iter().collect();
        assert_eq!(strings.len(), 4);
        assert_eq!(&strings[0], "news/a");
        assert_eq!(&strings[1], "");
        assert_eq!(&strings[2], "消息/乙");
        assert_eq!(strings.get(3), Some("c"));
        assert_eq!(strings.get(4), None);
        assert_eq!(
            strings.iter().collect::<Vec<_>>(),
            ["news/a", "", "消息/乙", "c"]
        );
        assert!(strings.is_well_formed());
        let back: Strings = postcard::from_bytes(&postcard::to_stdvec(&strings).unwrap()).unwrap();
        assert_eq!(back, strings);
    }

    #[test]
    fn jagged_lists_keep_each_list_whole_and_in_order() {
        let lists: Jagged<u32> = [vec![3, 1], vec![], vec![7]].into_iter().collect();
        assert_eq!(lists.len(), 3);
        assert_eq!(&lists[0], &[3, 1]);
        assert!(lists[1].is_empty());
        assert_eq!(lists.get(2), Some(&[7][..]));
        assert_eq!(lists.get(3), None);
        assert_eq!(lists.values(), [3, 1, 7]);
        assert_eq!(
            lists.iter().map(<[u32]>::len).collect::<Vec<_>>(),
            [2, 0, 1]
        );
        assert!(lists.is_well_formed());
    }

    #[test]
    fn positions_find_every_name_and_nothing_else() {
        let names: Strings = (0..5_000).map(|i| format!("news/2020/1/{i}/a")).collect();
        let positions = Positions::new(&names);
        for (i, name) in names.iter().enumerate() {
            assert_eq!(positions.find(&names, name), Some(i as u32));
        }
        assert_eq!(positions.find(&names, "news/2020/1/5000/a"), None);
        assert_eq!(positions.find(&names, ""), None);
        let twice: Strings = ["a", "b", "a"].into_iter().collect();
        let positions = Positions::new(&twice);
        assert_eq!(
            positions.find(&twice, "a"),
            Some(2),
            "the last one, as a map would keep"
        );
        assert_eq!(Positions::default().find(&twice, "a"), None);
    }

    #[test]
    fn offsets_out_of_order_or_inside_a_character_are_caught() {
        let strings = Strings {
            text: "消息".into(),
            ends: vec![1, 6],
        };
        assert!(!strings.is_well_formed(), "1 is inside 消");
        let strings = Strings {
            text: "abc".into(),
            ends: vec![2, 1, 3],
        };
        assert!(!strings.is_well_formed());
        let lists = Jagged {
            values: vec![1u32, 2],
            ends: vec![1, 3],
        };
        assert!(!lists.is_well_formed(), "ends past the values");
    }
}
