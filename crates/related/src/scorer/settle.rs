//! Two-stage ranking for the default order: every candidate is first bounded by its tags and
//! date alone, and its text cosine (a random read of its vector: the scorer's main cost on large
//! archives) is computed only when it could change the list.
//!
//! A candidate the text pass did not reach has relevance `(1 - w) · share + w · cosine` with the
//! cosine unknown, so it lies in `[(1 - w) · share, (1 - w) · share + w]`. The list is the top
//! `keep` by score among the candidates whose relevance reaches `min_relative_score` of the best
//! one. [`Engine::settle`] pops candidates from a queue ordered by their best possible score:
//! an exact one on top is the next entry of the list; a bounded one on top has its cosine
//! computed and goes back in. So only the candidates whose bound reaches the list are ever
//! evaluated, and entries come out one at a time until the caller has enough. The best
//! relevance (for the cutoff) is pinned down only when an entry sits close enough to the cutoff
//! for it to matter. The result is the same list, in the same order, as scoring every candidate
//! exactly.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::{DecayTable, Engine, Probe, Scratch, Subject};
use crate::settings::ScorerSettings;

/// A candidate of the default ranking. `relevance` is exact when it equals `upper`; otherwise
/// it is the lower bound (text unknown) and `upper` the upper bound.
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    pub(super) ord: u32,
    pub(super) relevance: f32,
    pub(super) upper: f32,
    pub(super) factor: f32,
}

impl Candidate {
    fn score(&self) -> f32 {
        self.relevance * self.factor
    }

    fn upper_score(&self) -> f32 {
        self.upper * self.factor
    }

    fn is_exact(&self) -> bool {
        self.relevance == self.upper
    }
}

/// A candidate in the settling queue, greatest first: best possible score, then the list's
/// tie-break (newer first, then id order), packed into one integer: a score is positive and
/// finite, so its bits order as the numbers do, and below them the story's place in the
/// tie-break order, reversed.
#[derive(Debug, Clone, Copy)]
struct Queued {
    key: u64,
    candidate: Candidate,
}

impl Queued {
    fn new(candidate: Candidate, list_order: &[u32]) -> Queued {
        let tie = u32::MAX - list_order[candidate.ord as usize];
        Queued {
            key: (u64::from(candidate.upper_score().to_bits()) << 32) | u64::from(tie),
            candidate,
        }
    }
}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Queued {}

impl Engine {
    /// The admissible candidates among `pool` (ordinals touched in `scratch`), bounded, with
    /// the best lower and upper bound of their relevance.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn candidates(
        &self,
        subject: &Subject,
        settings: &ScorerSettings,
        decay: &DecayTable,
        scratch: &Scratch,
        probe: &Probe<'_>,
        pool: &[u32],
        total: f32,
        text_weight: f32,
    ) -> (Vec<Candidate>, f32, f32) {
        let admit = self.admissible(subject, settings);
        let mut out = Vec::with_capacity(pool.len());
        let (mut best_lower, mut best_upper) = (0.0f32, 0.0f32);
        for &ord in pool {
            let slot = scratch.slots[ord as usize];
            let share = if total > 0.0 { slot.tag / total } else { 0.0 };
            let tag_part = (1.0 - text_weight) * share;
            // the text pass saw only each term's stories nearest in time; a tag candidate it
            // missed has its cosine bounded now and computed when it matters
            let (relevance, upper) = if slot.text > 0.0 || share == 0.0 {
                let exact = tag_part + text_weight * slot.text;
                (exact, exact)
            } else if tag_part == 0.0 {
                let exact = tag_part + text_weight * probe.cosine(&self.packed[ord as usize]);
                (exact, exact)
            } else {
                (tag_part, tag_part + text_weight)
            };
            let day = slot.day;
            let factor = decay.factor(day - subject.day);
            if relevance * factor > 0.0 && admit.check(ord, day) {
                best_lower = best_lower.max(relevance);
                best_upper = best_upper.max(upper);
                out.push(Candidate {
                    ord,
                    relevance,
                    upper,
                    factor,
                });
            }
        }
        (out, best_lower, best_upper)
    }

    /// Computes the cosine of a bounded candidate.
    fn evaluate(&self, probe: &Probe<'_>, candidate: &mut Candidate, text_weight: f32) {
        if !candidate.is_exact() {
            let text = probe.cosine(&self.packed[candidate.ord as usize]);
            candidate.relevance += text_weight * text;
            candidate.upper = candidate.relevance;
        }
    }

    /// The exact best relevance: candidates evaluated best upper bound first until no other
    /// can beat the best found.
    fn exact_best(&self, probe: &Probe<'_>, candidates: &mut [Candidate], text_weight: f32) -> f32 {
        candidates.sort_unstable_by(|a, b| b.upper.total_cmp(&a.upper));
        let mut best = 0.0f32;
        for candidate in candidates.iter_mut() {
            if candidate.upper <= best {
                break;
            }
            self.evaluate(probe, candidate, text_weight);
            best = best.max(candidate.relevance);
        }
        best
    }

    /// Hands `take` the list's (score, ord) entries in order, before same-event collapse:
    /// the top `limit · 3 + 8` candidates by score among those whose relevance reaches
    /// `min_relative_score` of the best, until `take` says it has enough (returns true).
    pub(super) fn settle(
        &self,
        probe: &Probe<'_>,
        settings: &ScorerSettings,
        mut candidates: Vec<Candidate>,
        (best_lower, best_upper): (f32, f32),
        text_weight: f32,
        mut take: impl FnMut(f32, u32) -> bool,
    ) {
        #[cfg(test)]
        let (best_lower, best_upper) = if tests::EXHAUSTIVE.with(std::cell::Cell::get) {
            // the reference: every candidate scored exactly, as before the two stages
            for candidate in candidates.iter_mut() {
                self.evaluate(probe, candidate, text_weight);
            }
            let best = candidates.iter().map(|c| c.relevance).fold(0.0, f32::max);
            (best, best)
        } else {
            (best_lower, best_upper)
        };
        let keep = settings.limit * 3 + 8;
        let share = settings.min_relative_score;
        // below `cut` an entry is out whatever the best turns out to be; at or above `sure` it
        // is in whatever the best turns out to be
        let (mut cut, mut sure) = (best_lower * share, best_upper * share);
        let mut best_exact = false;
        candidates.retain(|c| c.upper >= cut);
        let order = &self.list_order;
        let mut queue: BinaryHeap<Queued> = candidates
            .into_iter()
            .map(|c| Queued::new(c, order))
            .collect();
        // the best relevance among the candidates taken out of the queue
        let mut best_popped = 0.0f32;
        let mut emitted = 0;
        while emitted < keep {
            let Some(Queued { mut candidate, .. }) = queue.pop() else {
                break;
            };
            if candidate.upper < cut {
                continue;
            }
            if !candidate.is_exact() {
                self.evaluate(probe, &mut candidate, text_weight);
                let queued = Queued::new(candidate, order);
                if queue.peek().is_some_and(|top| *top > queued) {
                    queue.push(queued);
                    continue;
                }
            }
            best_popped = best_popped.max(candidate.relevance);
            if candidate.relevance < cut {
                continue;
            }
            if !best_exact && candidate.relevance < sure {
                // whether this entry is in depends on the exact best relevance
                let mut rest: Vec<Candidate> = queue.iter().map(|q| q.candidate).collect();
                let best = self
                    .exact_best(probe, &mut rest, text_weight)
                    .max(best_popped);
                (cut, sure, best_exact) = (best * share, best * share, true);
                if candidate.relevance < cut {
                    continue;
                }
            }
            emitted += 1;
            if take(candidate.score(), candidate.ord) {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::sync::Arc;

    use storyline_index::Tables;
    use storyline_story::{Language, TagNormalizer};

    use crate::{Engine, RankOrder, ScorerSettings};

    thread_local! {
        /// Makes `settle` score every candidate exactly: the reference the two stages must match.
        pub(super) static EXHAUSTIVE: Cell<bool> = const { Cell::new(false) };
    }

    #[test]
    fn list_order_is_newer_first_then_by_id() {
        // stories in (day, id) order, as the tables keep them
        let days = [1, 1, 2, 3, 3, 3];
        assert_eq!(super::super::list_order(&days), vec![4, 5, 3, 0, 1, 2]);
        assert!(super::super::list_order(&[]).is_empty());
    }

    #[test]
    fn two_stage_lists_equal_exhaustive_scoring() {
        let stories =
            storyline_synth::generate(&storyline_synth::SynthConfig::new(30_000, 7, Language::En));
        let tables = Tables::build(&stories, &TagNormalizer::new(), 1);
        let engine = Engine::new(Arc::new(tables));
        let variants = [
            ScorerSettings::default(),
            ScorerSettings {
                limit: 1,
                text_weight: 0.3,
                min_relative_score: 0.9,
                ..ScorerSettings::default()
            },
            ScorerSettings {
                min_relative_score: 0.0,
                scan_window: 50,
                ..ScorerSettings::default()
            },
        ];
        let mut compared = 0;
        for settings in &variants {
            for ord in (0..30_000u32).step_by(97) {
                let subject = engine.subject(ord);
                EXHAUSTIVE.with(|e| e.set(true));
                let reference = engine.related(&subject, settings, RankOrder::Default);
                EXHAUSTIVE.with(|e| e.set(false));
                let two_stage = engine.related(&subject, settings, RankOrder::Default);
                assert_eq!(two_stage, reference, "story {ord}, {settings:?}");
                compared += usize::from(!reference.is_empty());
            }
        }
        assert!(compared > 800, "only {compared} non-empty lists compared");
    }
}
