//! Two-stage ranking for the default order: every candidate is first bounded by its tags and
//! date alone, and its text cosine (a random read of its vector: the scorer's main cost on large
//! archives) is computed only when it could change the list.
//!
//! A candidate the text pass did not reach has relevance `(1 - w) · share + w · cosine` with the
//! cosine unknown, so it lies in `[(1 - w) · share, (1 - w) · share + w]`. The list is the top
//! `keep` by score among the candidates whose relevance reaches `min_relative_score` of the best
//! one. [`Engine::settle`] computes cosines best upper bound first until no unevaluated
//! candidate can enter the top, and pins down the best relevance only when a listed entry sits
//! close enough to the cutoff for it to matter. The result is the same list, in the same
//! order, as scoring every candidate exactly.

use std::cmp::Ordering;

use super::{DecayTable, Engine, Scratch, Subject, packed_cosine};
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

impl Engine {
    /// The admissible candidates touched in `scratch`, bounded, with the best lower and upper
    /// bound of their relevance.
    pub(super) fn candidates(
        &self,
        subject: &Subject,
        settings: &ScorerSettings,
        decay: &DecayTable,
        scratch: &Scratch,
        total: f32,
        text_weight: f32,
    ) -> (Vec<Candidate>, f32, f32) {
        let t = &self.tables;
        let mut out = Vec::with_capacity(scratch.touched.len());
        let (mut best_lower, mut best_upper) = (0.0f32, 0.0f32);
        for &ord in &scratch.touched {
            let slot = scratch.slots[ord as usize];
            let share = if total > 0.0 { slot.tag / total } else { 0.0 };
            let tag_part = (1.0 - text_weight) * share;
            // the text pass saw only each term's stories nearest in time; a tag candidate it
            // missed has its cosine bounded now and computed when it matters
            let (relevance, upper) = if slot.text > 0.0 || share == 0.0 {
                let exact = tag_part + text_weight * slot.text;
                (exact, exact)
            } else if tag_part == 0.0 {
                let exact = tag_part
                    + text_weight * packed_cosine(&subject.vector, &self.packed[ord as usize]);
                (exact, exact)
            } else {
                (tag_part, tag_part + text_weight)
            };
            let factor = decay.factor(t.days[ord as usize] - subject.day);
            if relevance * factor > 0.0 && self.admissible(subject, ord, settings) {
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
    fn evaluate(&self, subject: &Subject, candidate: &mut Candidate, text_weight: f32) {
        if !candidate.is_exact() {
            let text = packed_cosine(&subject.vector, &self.packed[candidate.ord as usize]);
            candidate.relevance += text_weight * text;
            candidate.upper = candidate.relevance;
        }
    }

    /// The list order: score, then newest, then id.
    fn by_rank(&self, a: (f32, u32), b: (f32, u32)) -> Ordering {
        let t = &self.tables;
        b.0.total_cmp(&a.0)
            .then_with(|| t.days[b.1 as usize].cmp(&t.days[a.1 as usize]))
            .then_with(|| t.ids[a.1 as usize].cmp(&t.ids[b.1 as usize]))
    }

    /// The exact best relevance: candidates evaluated best upper bound first until no other
    /// can beat the best found.
    fn exact_best(&self, subject: &Subject, candidates: &mut [Candidate], text_weight: f32) -> f32 {
        candidates.sort_unstable_by(|a, b| b.upper.total_cmp(&a.upper));
        let mut best = 0.0f32;
        for candidate in candidates.iter_mut() {
            if candidate.upper <= best {
                break;
            }
            self.evaluate(subject, candidate, text_weight);
            best = best.max(candidate.relevance);
        }
        best
    }

    /// The top `keep` candidates at or above `cut`, exact and in list order, moved to the front
    /// of `candidates`; returns how many there are. Evaluates the best upper bounds in growing
    /// rounds until the weakest kept entry beats every bound left.
    fn top(
        &self,
        subject: &Subject,
        candidates: &mut [Candidate],
        keep: usize,
        cut: f32,
        text_weight: f32,
    ) -> usize {
        let mut round = (keep * 2).max(16);
        loop {
            let all = round >= candidates.len();
            let head_len = if all {
                candidates.len()
            } else {
                candidates.select_nth_unstable_by(round, |a, b| {
                    b.upper_score().total_cmp(&a.upper_score())
                });
                round
            };
            let bound = if all {
                f32::NEG_INFINITY
            } else {
                candidates[round].upper_score()
            };
            let head = &mut candidates[..head_len];
            for candidate in head.iter_mut() {
                self.evaluate(subject, candidate, text_weight);
            }
            // entries below the cut go last, the rest in list order
            head.sort_unstable_by(|a, b| {
                (a.relevance < cut)
                    .cmp(&(b.relevance < cut))
                    .then_with(|| self.by_rank((a.score(), a.ord), (b.score(), b.ord)))
            });
            let eligible = head.iter().take_while(|c| c.relevance >= cut).count();
            if all || (eligible >= keep && head[keep - 1].score() > bound) {
                return eligible.min(keep);
            }
            round *= 4;
        }
    }

    /// The ranked (score, ord) entries of the list before same-event collapse: the top
    /// `limit · 3 + 8` candidates by score among those whose relevance reaches
    /// `min_relative_score` of the best.
    pub(super) fn settle(
        &self,
        subject: &Subject,
        settings: &ScorerSettings,
        candidates: &mut Vec<Candidate>,
        (best_lower, best_upper): (f32, f32),
        text_weight: f32,
    ) -> Vec<(f32, u32)> {
        #[cfg(test)]
        let (best_lower, best_upper) = if tests::EXHAUSTIVE.with(std::cell::Cell::get) {
            // the reference: every candidate scored exactly, as before the two stages
            for candidate in candidates.iter_mut() {
                self.evaluate(subject, candidate, text_weight);
            }
            let best = candidates.iter().map(|c| c.relevance).fold(0.0, f32::max);
            (best, best)
        } else {
            (best_lower, best_upper)
        };
        let keep = settings.limit * 3 + 8;
        let share = settings.min_relative_score;
        let mut best_exact: Option<f32> = None;
        loop {
            // below `cut` an entry is out whatever the best turns out to be
            let cut = best_exact.unwrap_or(best_lower) * share;
            candidates.retain(|c| c.upper >= cut);
            let n = self.top(subject, candidates, keep, cut, text_weight);
            // at or above `sure` an entry is in whatever the best turns out to be
            let sure = best_exact.unwrap_or(best_upper) * share;
            if best_exact.is_none() && candidates[..n].iter().any(|c| c.relevance < sure) {
                best_exact = Some(self.exact_best(subject, candidates, text_weight));
                continue;
            }
            return candidates[..n].iter().map(|c| (c.score(), c.ord)).collect();
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
