//! The text postings: for each term, the stories whose vector holds it, in date order, all in
//! one flat array, with the day of every [`FENCE`]-th posting kept aside. The part of a list
//! nearest a day is found by a binary search over those few fence days and a short scan,
//! instead of a binary search that misses the cache at every step of a long list.

use storyline_index::Tables;

/// A story in a term's postings.
#[derive(Debug, Clone, Copy)]
pub(super) struct TextPosting {
    /// its ordinal, with [`TAGGED`] set when the story has tags
    pub(super) ord: u32,
    pub(super) day: i32,
    pub(super) weight: f32,
}

/// The bit of [`TextPosting::ord`] that says the story has tags.
pub(super) const TAGGED: u32 = 1 << 31;

/// Postings between two fences.
const FENCE: usize = 32;

/// Every term's postings (see the module).
#[derive(Debug, Default)]
pub(super) struct TextPostings {
    /// term → where its postings start in `postings` (one more entry: the end)
    offsets: Vec<usize>,
    postings: Vec<TextPosting>,
    /// term → where its fences start in `fences` (one more entry: the end)
    fence_offsets: Vec<usize>,
    /// the day of postings 0, FENCE, 2·FENCE, … of each term
    fences: Vec<i32>,
}

impl TextPostings {
    /// The postings of the tables' text vectors (stories are in date order, so each list is).
    pub(super) fn build(tables: &Tables) -> TextPostings {
        let terms = tables.terms.len();
        let mut offsets = vec![0usize; terms + 1];
        for vector in &tables.vectors {
            for (term, _) in vector {
                offsets[*term as usize + 1] += 1;
            }
        }
        for term in 0..terms {
            offsets[term + 1] += offsets[term];
        }
        let mut next = offsets.clone();
        let empty = TextPosting {
            ord: 0,
            day: 0,
            weight: 0.0,
        };
        let mut postings = vec![empty; offsets[terms]];
        for (ord, vector) in tables.vectors.iter().enumerate() {
            let tagged = if tables.story_tags[ord].is_empty() {
                0
            } else {
                TAGGED
            };
            for (term, weight) in vector {
                let at = &mut next[*term as usize];
                postings[*at] = TextPosting {
                    ord: ord as u32 | tagged,
                    day: tables.days[ord],
                    weight: *weight,
                };
                *at += 1;
            }
        }
        let mut fence_offsets = Vec::with_capacity(terms + 1);
        let mut fences = Vec::new();
        fence_offsets.push(0);
        for term in 0..terms {
            let list = &postings[offsets[term]..offsets[term + 1]];
            fences.extend(list.iter().step_by(FENCE).map(|p| p.day));
            fence_offsets.push(fences.len());
        }
        TextPostings {
            offsets,
            postings,
            fence_offsets,
            fences,
        }
    }

    /// The postings of `term` nearest in time to `day`: all of them when there are at most
    /// `window` (or `window` is 0), else the `window` around the first one on or after `day`.
    pub(super) fn near(&self, term: u32, day: i32, window: usize) -> &[TextPosting] {
        let term = term as usize;
        let list = &self.postings[self.offsets[term]..self.offsets[term + 1]];
        if window == 0 || list.len() <= window {
            return list;
        }
        // the first posting on or after `day` lies after the last fence before `day` and at
        // or before the first fence on or after it
        let fences = &self.fences[self.fence_offsets[term]..self.fence_offsets[term + 1]];
        let block = fences.partition_point(|d| *d < day);
        let from = block.saturating_sub(1) * FENCE;
        let to = (block * FENCE).min(list.len());
        let center = from + list[from..to].partition_point(|p| p.day < day);
        let start = center.saturating_sub(window / 2).min(list.len() - window);
        &list[start..start + window]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn fenced_search_finds_the_same_window_as_a_plain_binary_search() {
        let stories =
            storyline_synth::generate(&storyline_synth::SynthConfig::new(5_000, 3, Language::En));
        let tables = Tables::build(&stories, &TagNormalizer::new(), 1);
        let postings = TextPostings::build(&tables);
        let (first, last) = (tables.days[0], *tables.days.last().unwrap());
        let mut long = 0;
        for term in 0..tables.terms.len() as u32 {
            let t = term as usize;
            let list = &postings.postings[postings.offsets[t]..postings.offsets[t + 1]];
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
}
