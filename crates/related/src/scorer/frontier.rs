//! A list's tag candidates, nearest in time first.
//!
//! Each tag's posting list is scanned outward from the subject's day, in rounds that reach
//! further each time, within the same window of the list a whole scan would take (at most
//! `scan_window` stories around the day). A round visits, tag by tag in the tags' order,
//! every posting within `reach` days of the subject, so after it each candidate within reach
//! has its full tag weight, summed in the same order as a whole scan sums it. Any candidate not
//! yet seen is further away than the nearest unvisited posting, and shares only tags whose
//! postings are not all visited: [`Frontier::bound`] caps its score with that. The settling
//! queue ([`Engine::settle`](super::Engine)) asks for another round only while that cap could
//! beat its best entry, so a story line of a thousand stories is read only as far back as its
//! list needs, not to the end of its window.

use storyline_index::Tables;

use super::postings::window_around;
use super::{AHEAD, DecayTable, Scratch, TEXT_SLACK};

/// A story in a tag's postings, with its day.
#[derive(Debug, Clone, Copy)]
pub(super) struct TagPosting {
    ord: u32,
    day: i32,
}

/// Every tag's stories with their days, in date order, in one flat array: reading a story
/// line's next story costs no lookup of its day elsewhere.
#[derive(Debug, Default)]
pub(super) struct TagPostings {
    /// tag → where its postings start in `postings` (one more entry: the end)
    offsets: Vec<usize>,
    postings: Vec<TagPosting>,
}

impl TagPostings {
    /// The tables' tag postings (date-sorted, as the tables keep them).
    pub(super) fn build(tables: &Tables) -> TagPostings {
        let mut offsets = Vec::with_capacity(tables.postings.len() + 1);
        let mut postings = Vec::with_capacity(tables.postings.values().len());
        offsets.push(0);
        for list in tables.postings.iter() {
            postings.extend(list.iter().map(|&ord| TagPosting {
                ord,
                day: tables.days[ord as usize],
            }));
            offsets.push(postings.len());
        }
        TagPostings { offsets, postings }
    }

    fn list(&self, tag: u32) -> &[TagPosting] {
        &self.postings[self.offsets[tag as usize]..self.offsets[tag as usize + 1]]
    }
}

/// One tag's window of postings, split at the subject's day.
#[derive(Debug)]
struct Cursor<'a> {
    postings: &'a [TagPosting],
    /// `postings[..lo]` are still to visit, going back in time from `lo - 1`
    lo: usize,
    /// `postings[hi..]` are still to visit, going forward
    hi: usize,
    weight: f32,
}

impl Cursor<'_> {
    fn is_done(&self) -> bool {
        self.lo == 0 && self.hi == self.postings.len()
    }
}

/// The best any candidate not yet seen can do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Bound {
    /// its score (relevance × date factor) is at most this
    pub(super) score: f32,
    /// its relevance is at most this
    pub(super) relevance: f32,
}

/// The outward scan of a subject's tags (see the module).
#[derive(Debug)]
pub(super) struct Frontier<'a> {
    cursors: Vec<Cursor<'a>>,
    day: i32,
    /// days on each side visited so far (`None` before the first round)
    reach: Option<u32>,
}

impl<'a> Frontier<'a> {
    /// The scan of `tags` (with their weights) around `day`, each within `window` postings.
    pub(super) fn new(
        postings: &'a TagPostings,
        tags: &[(u32, f32)],
        day: i32,
        window: usize,
    ) -> Self {
        let cursors = tags
            .iter()
            .map(|&(tag, weight)| {
                let list = postings.list(tag);
                let center = list.partition_point(|p| p.day < day);
                let part = window_around(list.len(), center, window);
                let split = center.clamp(part.start, part.end) - part.start;
                Cursor {
                    postings: &list[part],
                    lo: split,
                    hi: split,
                    weight,
                }
            })
            .collect();
        Frontier {
            cursors,
            day,
            reach: None,
        }
    }

    /// Days to the nearest posting not yet visited (`None` when all are).
    fn next_distance(&self) -> Option<u32> {
        let mut next = None::<u32>;
        for cursor in &self.cursors {
            if cursor.lo > 0 {
                let d = (self.day - cursor.postings[cursor.lo - 1].day) as u32;
                next = Some(next.map_or(d, |n| n.min(d)));
            }
            if cursor.hi < cursor.postings.len() {
                let d = (cursor.postings[cursor.hi].day - self.day) as u32;
                next = Some(next.map_or(d, |n| n.min(d)));
            }
        }
        next
    }

    /// What a candidate not yet seen can reach, with tag weights out of `total` and text
    /// blended at `text_weight` (`None` when every candidate has been seen).
    pub(super) fn bound(&self, decay: &DecayTable, total: f32, text_weight: f32) -> Option<Bound> {
        let next = self.next_distance()?;
        // the weights of the tags with postings left, summed in the tags' order: no
        // candidate's tag weight (a sum of some of them, in that order) exceeds it
        let mut left = 0.0f32;
        for cursor in &self.cursors {
            if !cursor.is_done() {
                left += cursor.weight;
            }
        }
        let relevance = (1.0 - text_weight) * (left / total) + text_weight * TEXT_SLACK;
        Some(Bound {
            score: relevance * decay.ceiling(next),
            relevance,
        })
    }

    /// Visits the next round of postings (all of them with `all`), adding each posting's tag
    /// weight to its story's slot in `scratch`; stories met for the first time with weight are
    /// appended to `scratch.tag_touched`. Returns false when nothing was left to visit.
    pub(super) fn advance(&mut self, decay: &DecayTable, scratch: &mut Scratch, all: bool) -> bool {
        let Some(next) = self.next_distance() else {
            return false;
        };
        let reach = match self.reach {
            _ if all => u32::MAX,
            None => next,
            Some(reach) => {
                let target = next.max(reach.saturating_mul(2).saturating_add(1));
                // once the date factor stops falling, reaching further step by step cannot
                // lower the bound: the rest is visited at once
                if decay.ceiling(target.saturating_add(1)) >= decay.ceiling(next) {
                    u32::MAX
                } else {
                    target
                }
            }
        };
        self.reach = Some(reach);
        let day = self.day;
        let within = |p: &TagPosting| (p.day - day).unsigned_abs() <= reach;
        for cursor in &mut self.cursors {
            let weight = cursor.weight;
            // `ahead`: a posting visited soon, whose slot is asked for now
            let mut visit = |p: TagPosting, ahead: Option<&TagPosting>| {
                if let Some(ahead) = ahead {
                    scratch.expect(ahead.ord);
                }
                let slot = scratch.touch(p.ord, p.day);
                let first = slot.tag == 0.0;
                slot.tag += weight;
                if first && slot.tag > 0.0 {
                    scratch.tag_touched.push(p.ord);
                }
            };
            let postings = cursor.postings;
            while cursor.lo > 0 && within(&postings[cursor.lo - 1]) {
                cursor.lo -= 1;
                let ahead = cursor.lo.checked_sub(AHEAD).map(|at| &postings[at]);
                visit(postings[cursor.lo], ahead);
            }
            while cursor.hi < postings.len() && within(&postings[cursor.hi]) {
                visit(postings[cursor.hi], postings.get(cursor.hi + AHEAD));
                cursor.hi += 1;
            }
        }
        true
    }
}
