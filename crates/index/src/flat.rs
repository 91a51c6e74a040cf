//! Flat containers for the scorer's tables: many strings in one buffer, many short lists in one
//! array, plain values in one array. A table of a million stories is then a handful of arrays
//! rather than millions of allocations. Each array either owns its memory (tables being built)
//! or lies in place in the mapped tables file (tables opened from disk): opening decodes and
//! copies nothing, and no fresh memory is touched for what the file already holds.

use std::fmt;
use std::ops::{Deref, Index, Range};

use bytemuck::Pod;
use tantivy::directory::OwnedBytes;

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

/// Values of a plain type (integers, floats), in memory of their own or in place in a mapped
/// file. Either way it reads as a slice.
#[derive(Clone)]
pub struct Column<T: Pod> {
    backing: Backing<T>,
}

#[derive(Clone)]
enum Backing<T> {
    Owned(Vec<T>),
    /// bytes aligned for `T`, a whole number of values (checked when made)
    Mapped(OwnedBytes),
}

impl<T: Pod> Column<T> {
    /// The values held in `bytes` (in this machine's byte order, as [`Column::as_bytes`] gave
    /// them), read in place when the bytes are aligned for `T`, else copied.
    pub fn from_bytes(bytes: OwnedBytes) -> Result<Column<T>, String> {
        let size = std::mem::size_of::<T>();
        if !bytes.len().is_multiple_of(size) {
            return Err(format!(
                "a column of {} bytes does not hold whole {size}-byte values",
                bytes.len()
            ));
        }
        let backing = if bytemuck::try_cast_slice::<u8, T>(bytes.as_slice()).is_ok() {
            Backing::Mapped(bytes)
        } else {
            Backing::Owned(
                bytes
                    .as_slice()
                    .chunks_exact(size)
                    .map(bytemuck::pod_read_unaligned)
                    .collect(),
            )
        };
        Ok(Column { backing })
    }

    /// The values' bytes, in this machine's byte order.
    pub fn as_bytes(&self) -> &[u8] {
        bytemuck::cast_slice(self)
    }

    /// The values to change: copied into memory of their own first if they are in place in a
    /// file.
    pub fn to_mut(&mut self) -> &mut Vec<T> {
        if let Backing::Mapped(_) = self.backing {
            self.backing = Backing::Owned(self.to_vec());
        }
        match &mut self.backing {
            Backing::Owned(values) => values,
            Backing::Mapped(_) => unreachable!("just copied"),
        }
    }

    /// Copies the values into memory of their own if they are in place in a mapped file (see
    /// [`Tables::make_resident`](crate::Tables::make_resident)).
    pub fn make_resident(&mut self) {
        self.to_mut();
    }

    /// Whether the values are read in place in a mapped file.
    pub fn is_mapped(&self) -> bool {
        matches!(self.backing, Backing::Mapped(_))
    }
}

impl<T: Pod> Deref for Column<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match &self.backing {
            Backing::Owned(values) => values,
            Backing::Mapped(bytes) => bytemuck::cast_slice(bytes.as_slice()),
        }
    }
}

impl<T: Pod> Default for Column<T> {
    fn default() -> Self {
        Column {
            backing: Backing::Owned(Vec::new()),
        }
    }
}

impl<T: Pod> From<Vec<T>> for Column<T> {
    fn from(values: Vec<T>) -> Self {
        Column {
            backing: Backing::Owned(values),
        }
    }
}

impl<T: Pod> FromIterator<T> for Column<T> {
    fn from_iter<I: IntoIterator<Item = T>>(values: I) -> Self {
        Vec::from_iter(values).into()
    }
}

impl<T: Pod + PartialEq> PartialEq for Column<T> {
    fn eq(&self, other: &Self) -> bool {
        self[..] == other[..]
    }
}

impl<T: Pod + fmt::Debug> fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A list of strings stored end to end in one buffer; `strings[i]` is the `i`-th.
///
/// Strings read from a file are not all checked to be UTF-8 at once: each is checked as it is
/// read as a `str` (a few nanoseconds for a headline), and the whole buffer only when raw
/// bytes must be UTF-8 ([`Strings::check_text`]: the ids, which go into JSON as bytes).
#[derive(Clone)]
pub struct Strings {
    text: Column<u8>,
    /// Where each string ends in `text`.
    ends: Column<u32>,
    /// Whether all of `text` is known to be UTF-8 with every end on a character boundary.
    checked: bool,
}

impl Default for Strings {
    fn default() -> Self {
        Strings {
            text: Column::default(),
            ends: Column::default(),
            checked: true,
        }
    }
}

impl Strings {
    /// No strings yet, room for `count` of `bytes` in all.
    pub fn with_capacity(count: usize, bytes: usize) -> Strings {
        Strings {
            text: Vec::with_capacity(bytes).into(),
            ends: Vec::with_capacity(count).into(),
            checked: true,
        }
    }

    /// The strings whose text is `text` and which end at `ends`, checked for their shape: the
    /// ends are in order, the last one at the text's end. The text is checked string by string
    /// as strings are read, or whole by [`Strings::check_text`].
    pub fn from_parts(text: OwnedBytes, ends: Column<u32>) -> Result<Strings, String> {
        let formed = ends.windows(2).all(|w| w[0] <= w[1])
            && ends.last().map_or(0, |&e| e as usize) == text.len();
        if !formed {
            return Err("string offsets out of order or short of the text's end".into());
        }
        Ok(Strings {
            text: Column::from_bytes(text)?,
            ends,
            checked: false,
        })
    }

    /// Checks that the whole text is UTF-8 and every string ends on a character boundary, so
    /// each string's [`Strings::bytes`] are UTF-8.
    pub fn check_text(&mut self) -> Result<(), String> {
        if self.checked {
            return Ok(());
        }
        let text = std::str::from_utf8(&self.text)
            .map_err(|e| format!("strings that are not UTF-8: {e}"))?;
        if !self
            .ends
            .iter()
            .all(|&end| text.is_char_boundary(end as usize))
        {
            return Err("a string offset inside a character".into());
        }
        self.checked = true;
        Ok(())
    }

    /// The text and the ends, as [`Strings::from_parts`] takes them.
    pub fn parts(&self) -> (&[u8], &Column<u32>) {
        (&self.text, &self.ends)
    }

    /// Copies the strings into memory of their own if they are in place in a mapped file.
    pub fn make_resident(&mut self) {
        self.text.make_resident();
        self.ends.make_resident();
    }

    /// Appends a string.
    pub fn push(&mut self, s: &str) {
        let text = self.text.to_mut();
        text.extend_from_slice(s.as_bytes());
        let len = end(text.len());
        self.ends.to_mut().push(len);
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The `i`-th string's bytes, if there is one, with no check: UTF-8 when the text is
    /// checked ([`Strings::check_text`]; strings built in memory are).
    pub fn bytes(&self, i: usize) -> Option<&[u8]> {
        self.text.get(span(&self.ends, i)?)
    }

    /// The `i`-th string, if there is one and it is UTF-8.
    pub fn get(&self, i: usize) -> Option<&str> {
        std::str::from_utf8(self.bytes(i)?).ok()
    }

    /// The strings in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| &self[i])
    }
}

impl PartialEq for Strings {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text && self.ends == other.ends
    }
}

impl Eq for Strings {}

impl fmt::Debug for Strings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Index<usize> for Strings {
    type Output = str;

    /// The `i`-th string; one that is not UTF-8 (a damaged file) reads as U+FFFD.
    fn index(&self, i: usize) -> &str {
        let bytes = self
            .bytes(i)
            .unwrap_or_else(|| panic!("string {i} of {}", self.len()));
        std::str::from_utf8(bytes).unwrap_or("\u{fffd}")
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
#[derive(Clone, PartialEq)]
pub struct Jagged<T: Pod> {
    values: Column<T>,
    /// Where each list ends in `values`.
    ends: Column<u32>,
}

impl<T: Pod> Default for Jagged<T> {
    fn default() -> Self {
        Jagged {
            values: Column::default(),
            ends: Column::default(),
        }
    }
}

impl<T: Pod> Jagged<T> {
    /// The lists whose values are `values` and which end at `ends`, checked: the ends are in
    /// order, the last one at the values' end.
    pub fn from_parts(values: Column<T>, ends: Column<u32>) -> Result<Jagged<T>, String> {
        let formed = ends.windows(2).all(|w| w[0] <= w[1])
            && ends.last().is_none_or(|&e| e as usize == values.len());
        if !formed {
            return Err("list offsets out of order or past the values".into());
        }
        Ok(Jagged { values, ends })
    }

    /// The values and the ends, as [`Jagged::from_parts`] takes them.
    pub fn parts(&self) -> (&Column<T>, &Column<u32>) {
        (&self.values, &self.ends)
    }

    /// Copies the lists into memory of their own if they are in place in a mapped file.
    pub fn make_resident(&mut self) {
        self.values.make_resident();
        self.ends.make_resident();
    }

    /// Appends a list.
    pub fn push(&mut self, list: impl IntoIterator<Item = T>) {
        let values = self.values.to_mut();
        values.extend(list);
        let len = end(values.len());
        self.ends.to_mut().push(len);
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
}

impl<T: Pod + fmt::Debug> fmt::Debug for Jagged<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Pod> Index<usize> for Jagged<T> {
    type Output = [T];

    fn index(&self, i: usize) -> &[T] {
        self.get(i)
            .unwrap_or_else(|| panic!("list {i} of {}", self.len()))
    }
}

impl<T: Pod, L: IntoIterator<Item = T>> FromIterator<L> for Jagged<T> {
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
    /// The name at `position`, as bytes (UTF-8).
    fn name(&self, position: u32) -> &[u8];
}

impl Names for Strings {
    fn count(&self) -> usize {
        self.len()
    }

    fn name(&self, position: u32) -> &[u8] {
        self.bytes(position as usize)
            .unwrap_or_else(|| panic!("string {position} of {}", self.len()))
    }
}

/// Each name's position among a column of names, found by hashing: an open-addressing table
/// of positions only, so a million ids cost 8 MB of table and no copy of any id. Lookups
/// compare against the column itself. When a name occurs twice, its last position is kept.
#[derive(Debug, Clone, Default)]
pub struct Positions {
    /// position + 1 (0: empty); the length is a power of two at least twice the names'
    slots: Column<u32>,
    /// 64 − log2(slots.len())
    shift: u32,
}

impl Positions {
    /// The number of slots for `count` names.
    fn size(count: usize) -> usize {
        (count * 2).next_power_of_two().max(2)
    }

    /// The positions of the names in `names`.
    pub fn new(names: &(impl Names + ?Sized)) -> Positions {
        let size = Positions::size(names.count());
        let mut slots = vec![0; size];
        let shift = 64 - size.trailing_zeros();
        for position in 0..end(names.count()) {
            let slot = probe(&slots, shift, names, names.name(position))
                .expect("a table twice the names' size has room");
            slots[slot] = position + 1;
        }
        Positions {
            slots: slots.into(),
            shift,
        }
    }

    /// Positions of `count` names saved as [`Positions::slots`] gave them (read in place),
    /// checked to be a table of that many names that points at none past them. Whether the
    /// names hash to the same slots as when they were saved is for the caller to try.
    pub fn from_slots(slots: Column<u32>, count: usize) -> Result<Positions, String> {
        let size = Positions::size(count);
        if slots.len() != size || slots.iter().any(|&slot| slot as usize > count) {
            return Err(format!(
                "a lookup table of {} slots for {count} names, or one past them",
                slots.len()
            ));
        }
        Ok(Positions {
            slots,
            shift: 64 - size.trailing_zeros(),
        })
    }

    /// The table's slots, to save.
    pub fn slots(&self) -> &Column<u32> {
        &self.slots
    }

    /// The position of `name` in `names` (the column these positions were built from).
    pub fn find(&self, names: &(impl Names + ?Sized), name: &str) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        self.slots[probe(&self.slots, self.shift, names, name.as_bytes())?].checked_sub(1)
    }
}

/// The slot of `slots` (a table of [`Positions`]) holding `name`'s position, or the empty slot
/// where it goes; `None` when there is neither (only a damaged saved table can be full).
fn probe(slots: &[u32], shift: u32, names: &(impl Names + ?Sized), name: &[u8]) -> Option<usize> {
    use std::hash::BuildHasher;
    let hash = rustc_hash::FxBuildHasher.hash_one(name);
    // the product's high bits mix every bit of the hash
    let mut slot = (hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift) as usize;
    // searched once round at most, not forever
    for _ in 0..slots.len() {
        match slots[slot] {
            0 => return Some(slot),
            taken if names.name(taken - 1) == name => return Some(slot),
            _ => slot = (slot + 1) & (slots.len() - 1),
        }
    }
    None
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
        // read back in place from bytes, as from a mapped file
        let (text, ends) = strings.parts();
        let ends = Column::from_bytes(OwnedBytes::new(ends.as_bytes().to_vec())).unwrap();
        let back = Strings::from_parts(OwnedBytes::new(text.to_vec()), ends).unwrap();
        assert_eq!(back, strings);
        assert_eq!(&back[2], "消息/乙");
        assert_eq!(back.bytes(2), Some("消息/乙".as_bytes()));
        assert_eq!(back.get(4), None);
        // and changed: it takes a copy of its own first
        let mut more = back.clone();
        more.push("d");
        assert_eq!(more.iter().last(), Some("d"));
        assert_eq!(back.len(), 4);
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
        let (values, ends) = lists.parts();
        let back = Jagged::from_parts(values.clone(), ends.clone()).unwrap();
        assert_eq!(back, lists);
    }

    #[test]
    fn columns_read_in_place_when_aligned_and_copied_when_not() {
        let values: Column<u32> = vec![1u32, 2, 0xdead_beef].into();
        let bytes = values.as_bytes().to_vec();
        // an allocation of 13 bytes, the column from its second byte: misaligned for u32
        let mut shifted = vec![0u8];
        shifted.extend_from_slice(&bytes);
        let shifted = OwnedBytes::new(shifted).slice(1..13);
        let copied = Column::<u32>::from_bytes(shifted).unwrap();
        assert_eq!(copied, values);
        assert!(!copied.is_mapped());
        let aligned = OwnedBytes::new(
            values
                .iter()
                .flat_map(|v| v.to_ne_bytes())
                .collect::<Vec<u8>>(),
        );
        let in_place = Column::<u32>::from_bytes(aligned.clone()).unwrap();
        assert_eq!(in_place, values);
        assert_eq!(
            in_place.is_mapped(),
            aligned.as_slice().as_ptr().align_offset(4) == 0
        );
        let err = Column::<u32>::from_bytes(aligned.slice(0..6)).unwrap_err();
        assert!(err.contains("whole 4-byte values"), "{err}");
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
        let ends = |ends: Vec<u32>| Column::from(ends);
        let text = |text: &str| OwnedBytes::new(text.as_bytes().to_vec());
        assert!(Strings::from_parts(text("abc"), ends(vec![2, 1, 3])).is_err());
        let err = Strings::from_parts(text("abc"), ends(vec![1, 2])).unwrap_err();
        assert!(err.contains("short of the text's end"), "{err}");
        // the text is checked whole on demand, or string by string as strings are read
        let mut inside = Strings::from_parts(text("消息"), ends(vec![1, 6])).unwrap();
        assert_eq!(inside.get(0), None, "1 is inside 消");
        assert_eq!(&inside[1], "\u{fffd}", "read as U+FFFD, not a panic");
        let err = inside.check_text().unwrap_err();
        assert!(err.contains("inside a character"), "{err}");
        let mut bad =
            Strings::from_parts(OwnedBytes::new(vec![b'a', 0xff]), ends(vec![2])).unwrap();
        let err = bad.check_text().unwrap_err();
        assert!(err.contains("not UTF-8"), "{err}");
        let mut good = Strings::from_parts(text("消息"), ends(vec![3, 6])).unwrap();
        assert!(good.check_text().is_ok());
        assert_eq!((&good[0], good.bytes(1)), ("消", Some("息".as_bytes())));
        let err = Jagged::from_parts(Column::from(vec![1u32, 2]), ends(vec![1, 3])).unwrap_err();
        assert!(err.contains("past the values"), "{err}");
    }
}
