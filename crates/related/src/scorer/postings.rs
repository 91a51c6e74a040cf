//! The text postings: for each term, the stories whose vector holds it, in date order, all in
//! one flat array, with the day of every [`FENCE`]-th posting kept aside. The part of a list
//! nearest a day is found by a binary search over those few fence days and a short scan,
//! instead of a binary search that misses the cache at every step of a long list.

use std::ops::Range;

use storyline_index::Tables;
use storyline_index::flat::Jagged;
use storyline_index::tables::{FENCE, Term, TextPosting};

/// Every term's postings (see the module): the tables' own, read where they lie.
#[derive(Debug, Clone, Copy)]
pub(super) struct TextPostings<'a> {
    postings: &'a Jagged<TextPosting>,
    fences: &'a Jagged<i32>,
}

impl<'a> TextPostings<'a> {
    /// The text postings the tables hold (built with them, stored in the index).
    pub(super) fn of(tables: &'a Tables) -> TextPostings<'a> {
        TextPostings {
            postings: &tables.text_postings,
            fences: &tables.text_fences,
        }
    }

    /// The postings of `term` nearest in time to `day`: all of them when there are at most
    /// `window` (or `window` is 0), else the `window` around the first one on or after `day`.
    /// (The scorer uses [`TextPostings::near_each`]; this is the one-term form it is tested
    /// against.)
    #[cfg(test)]
    pub(super) fn near(&self, term: u32, day: i32, window: usize) -> &'a [TextPosting] {
        let term = term as usize;
        let list = &self.postings[term];
        if window == 0 || list.len() <= window {
            return list;
        }
        // the first posting on or after `day` lies after the last fence before `day` and at
        // or before the first fence on or after it
        let fences = &self.fences[term];
        let block = fences.partition_point(|d| *d < day);
        let from = block.saturating_sub(1) * FENCE;
        let to = (block * FENCE).min(list.len());
        let center = from + list[from..to].partition_point(|p| p.day < day);
        &list[window_around(list.len(), center, window)]
    }

    /// [`TextPostings::near`] for each of `terms` (at most [`LANES`]), into `out`. The
    /// searches step together: each step reads one place in every list that is still being
    /// searched, so the waits for memory of different terms overlap instead of adding up.
    pub(super) fn near_each(
        &self,
        terms: &[Term],
        day: i32,
        window: usize,
        out: &mut [&'a [TextPosting]; LANES],
    ) {
        debug_assert!(terms.len() <= LANES);
        let mut fences: [&[i32]; LANES] = [&[]; LANES];
        for (k, term) in terms.iter().enumerate() {
            let term = term.id as usize;
            out[k] = &self.postings[term];
            if window != 0 && out[k].len() > window {
                fences[k] = &self.fences[term];
            }
        }
        let lanes = terms.len();
        // the block of each long list holding its first posting on or after `day`
        let block = lower_bounds(&fences[..lanes], |f: &i32| *f < day);
        let mut blocks: [&[TextPosting]; LANES] = [&[]; LANES];
        let mut froms = [0usize; LANES];
        for k in 0..lanes {
            if !fences[k].is_empty() {
                froms[k] = block[k].saturating_sub(1) * FENCE;
                let to = (block[k] * FENCE).min(out[k].len());
                blocks[k] = &out[k][froms[k]..to];
            }
        }
        let within = lower_bounds(&blocks[..lanes], |p: &TextPosting| p.day < day);
        for k in 0..lanes {
            if !fences[k].is_empty() {
                let list = out[k];
                out[k] = &list[window_around(list.len(), froms[k] + within[k], window)];
            }
        }
    }
}

/// The part of a date-sorted list of `len` postings a scan around a day reads: the `window`
/// postings around `center` (where the day falls), or all of them when there are at most
/// `window` (or `window` is 0).
pub(super) fn window_around(len: usize, center: usize, window: usize) -> Range<usize> {
    if window == 0 || len <= window {
        return 0..len;
    }
    let start = center.saturating_sub(window / 2).min(len - window);
    start..start + window
}

/// How many lists [`TextPostings::near_each`] searches together: a text vector's terms.
pub(super) const LANES: usize = storyline_index::tables::VECTOR_TERMS;

/// `list.partition_point(before)` of each list, the searches stepping together (branch-free
/// halving, so every step of every list is issued without waiting on the others).
fn lower_bounds<T>(lists: &[&[T]], before: impl Fn(&T) -> bool) -> [usize; LANES] {
    let mut base = [0usize; LANES];
    let mut size = [0usize; LANES];
    for (k, list) in lists.iter().enumerate() {
        size[k] = list.len();
    }
    loop {
        let mut active = false;
        for (k, list) in lists.iter().enumerate() {
            if size[k] > 1 {
                let half = size[k] / 2;
                if before(&list[base[k] + half]) {
                    base[k] += half;
                }
                size[k] -= half;
                active = true;
            }
        }
        if !active {
            break;
        }
    }
    for (k, list) in lists.iter().enumerate() {
        if let Some(first) = list.get(base[k]) {
            base[k] += usize::from(before(first));
        }
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;
    use storyline_index::tables::{TAGGED, unpadded};
    use storyline_story::{Language, TagNormalizer};

    /// The old search: a binary search over the whole list.
    fn near_plain(list: &[TextPosting], day: i32, window: usize) -> &[TextPosting] {
        if window == 0 || list.len() <= window {
            return list;
        }
        let center = list.partition_point(|p| p.day < day);
        let start = center.saturating_sub(window / 2).min(list.len() - window);
        &list[start..start + window]
    }

    /// 5,000 synthetic stories' tables.
    fn synthetic() -> Tables {
        let stories =
            storyline_synth::generate(&storyline_synth::SynthConfig::new(5_000, 3, Language::En));
        Tables::build(&stories, &TagNormalizer::new(), 1)
    }

    #[test]
    fn fenced_search_finds_the_same_window_as_a_plain_binary_search() {
        let tables = synthetic();
        let postings = TextPostings::of(&tables);
        let (first, last) = (tables.days[0], *tables.days.last().unwrap());
        let mut holders = vec![Vec::new(); tables.terms.len()];
        for (ord, vector) in tables.vectors.iter().enumerate() {
            for term in unpadded(vector) {
                holders[term.id as usize].push(ord as u32);
            }
        }
        let mut long = 0;
        for term in 0..tables.terms.len() as u32 {
            let t = term as usize;
            let list = &postings.postings[t];
            // every story whose vector holds the term, once, marked when it has tags
            let listed: Vec<u32> = list.iter().map(|p| p.ord & !TAGGED).collect();
            assert_eq!(listed, holders[t], "term {term}");
            for p in list {
                let ord = (p.ord & !TAGGED) as usize;
                assert_eq!(p.ord & TAGGED != 0, !tables.story_tags[ord].is_empty());
                assert_eq!(p.day, tables.days[ord]);
            }
            assert!(list.windows(2).all(|w| w[0].day <= w[1].day), "term {term}");
            long += usize::from(list.len() > 2 * FENCE);
            for day in (first - 3..=last + 3)
                .step_by(97)
                .chain(list.iter().map(|p| p.day))
            {
                for window in [0, 1, 7, 64, 200] {
                    let fenced = postings.near(term, day, window);
                    let plain = near_plain(list, day, window);
                    assert_eq!(fenced.as_ptr(), plain.as_ptr(), "term {term} day {day}");
                    assert_eq!(fenced.len(), plain.len());
                }
            }
        }
        assert!(long > 50, "only {long} terms longer than two fences");
    }

    #[test]
    fn searches_stepping_together_find_each_window_alone() {
        let tables = synthetic();
        let postings = TextPostings::of(&tables);
        let (first, last) = (tables.days[0], *tables.days.last().unwrap());
        let mut cut_short = 0;
        for vector in tables.vectors.iter().map(unpadded).step_by(37) {
            for day in (first - 3..=last + 3).step_by(401) {
                for window in [0, 1, 7, 64, 200] {
                    let mut together = [&[][..]; LANES];
                    postings.near_each(vector, day, window, &mut together);
                    for (k, term) in vector.iter().enumerate() {
                        let alone = postings.near(term.id, day, window);
                        assert_eq!(
                            together[k].as_ptr(),
                            alone.as_ptr(),
                            "term {} day {day}",
                            term.id
                        );
                        assert_eq!(together[k].len(), alone.len());
                        cut_short += usize::from(window > 0 && alone.len() == window);
                    }
                }
            }
        }
        assert!(
            cut_short > 1_000,
            "only {cut_short} windows shorter than their list"
        );
    }
}
