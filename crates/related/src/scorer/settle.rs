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
//! evaluated, and entries come out one at a time until the caller has enough. When an entry
//! sits close enough to the cutoff (a share of the best relevance) for the best to matter,
//! only the candidates that could lift the best over the entry's cutoff are evaluated, until
//! one does or none can. The result is the same list, in the same order, as scoring every
//! candidate exactly.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use mem_prefetch::prefetch_read_data;

use super::frontier::Bound;
use super::{DecayTable, Engine, Probe, Scratch, Subject, VECTOR_TERMS};
use crate::settings::ScorerSettings;

/// How many bounded candidates [`Engine::settle`] evaluates at a time.
const EVALUATE_TOGETHER: usize = 8;

/// A candidate of the default ranking. `relevance` is exact when it equals `upper`; otherwise
/// it is the lower bound (text unknown) and `upper` the upper bound.
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    pub(super) ord: u32,
    /// its day (for the tie-break)
    pub(super) day: i32,
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
/// tie-break ([`list_place`]), packed into one integer: a score is positive and finite, so its
/// bits order as the numbers do.
#[derive(Debug, Clone, Copy)]
struct Queued {
    key: u128,
    candidate: Candidate,
}

impl Queued {
    fn new(candidate: Candidate) -> Queued {
        let score = u128::from(candidate.upper_score().to_bits());
        Queued {
            key: (score << 64) | u128::from(list_place(candidate.day, candidate.ord)),
            candidate,
        }
    }
}

/// The order lists break score ties in, greatest first: newer first, then by id. Ordinals
/// follow day, then id, so within a day the smaller ordinal comes first. Computed from the day
/// and ordinal the caller has at hand: no lookup in a table as large as the archive.
pub(super) fn list_place(day: i32, ord: u32) -> u64 {
    (u64::from(day.wrapping_sub(i32::MIN) as u32) << 32) | u64::from(u32::MAX - ord)
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
    /// Appends the admissible candidates among `pool` (ordinals touched in `scratch`),
    /// bounded, to `out`, and returns the best lower and upper bound of their relevance.
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
        out: &mut Vec<Candidate>,
    ) -> (f32, f32) {
        let admit = self.admissible(subject, settings);
        out.reserve(pool.len());
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
                let exact =
                    tag_part + text_weight * probe.cosine(&self.tables.vectors[ord as usize]);
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
                    day,
                    relevance,
                    upper,
                    factor,
                });
            }
        }
        (best_lower, best_upper)
    }

    /// Computes the cosine of a bounded candidate.
    fn evaluate(&self, probe: &Probe<'_>, candidate: &mut Candidate, text_weight: f32) {
        if !candidate.is_exact() {
            let text = probe.cosine(&self.tables.vectors[candidate.ord as usize]);
            candidate.relevance += text_weight * text;
            candidate.upper = candidate.relevance;
        }
    }

    /// Whether a candidate of exact relevance `relevance` falls under the cutoff: whether any
    /// candidate, given or not, has a relevance whose `share` exceeds it (`max · share > r`
    /// exactly when some `x · share > r`, rounding included, as a product by a positive number
    /// keeps the order). Only candidates whose bound could exceed it are evaluated: the queued
    /// ones first, then the source's further rounds while what it has not given could. The
    /// evaluations stay in the queue (its order rebuilt), and the best exact relevance found
    /// raises `bests.0`.
    #[allow(clippy::too_many_arguments)]
    fn under_cutoff(
        &self,
        probe: &Probe<'_>,
        relevance: f32,
        share: f32,
        text_weight: f32,
        queue: &mut BinaryHeap<Queued>,
        refill: &mut Refill<'_>,
        bests: &mut (f32, f32),
        unseen: &mut Option<Bound>,
    ) -> bool {
        loop {
            if bests.0 * share > relevance {
                return true;
            }
            let mut items = std::mem::take(queue).into_vec();
            let mut over = false;
            for item in &mut items {
                let mut candidate = item.candidate;
                if candidate.is_exact() || candidate.upper * share <= relevance {
                    continue;
                }
                self.evaluate(probe, &mut candidate, text_weight);
                *item = Queued::new(candidate);
                bests.0 = bests.0.max(candidate.relevance);
                if candidate.relevance * share > relevance {
                    over = true;
                    break;
                }
            }
            *queue = BinaryHeap::from(items);
            if over {
                return true;
            }
            if !unseen.is_some_and(|b| b.relevance * share > relevance) {
                return false;
            }
            *unseen = refill(queue, bests).flatten();
        }
    }

    /// Hands `take` the list's (score, ord) entries in order, before same-event collapse:
    /// the top `limit · 3 + 8` candidates by score among those whose relevance reaches
    /// `min_relative_score` of the best, until `take` says it has enough (returns true).
    /// `candidates` are the ones known at the start; `source` gives the rest when asked, and
    /// is asked only while a candidate it has not given could be the next entry, or could
    /// raise the best relevance over an entry's cutoff.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn settle(
        &self,
        probe: &Probe<'_>,
        settings: &ScorerSettings,
        mut candidates: Vec<Candidate>,
        mut bests: (f32, f32),
        text_weight: f32,
        source: &mut dyn Source,
        mut take: impl FnMut(f32, u32) -> bool,
    ) {
        #[cfg(test)]
        if tests::EXHAUSTIVE.with(std::cell::Cell::get) {
            // the reference: every candidate given and scored exactly, as before the two stages
            while source.more(&mut candidates).is_some() {}
            for candidate in candidates.iter_mut() {
                self.evaluate(probe, candidate, text_weight);
            }
            let best = candidates.iter().map(|c| c.relevance).fold(0.0, f32::max);
            bests = (best, best);
        }
        let keep = settings.limit * 3 + 8;
        let share = settings.min_relative_score;
        let mut unseen = source.bound();
        // `bests`: (best lower, best upper bound) of the relevance of every candidate given so
        // far
        // below `cut` an entry is out whatever the best turns out to be; at or above `sure` it
        // is in whatever the best turns out to be (candidates not yet given included)
        let cut = |bests: &(f32, f32)| bests.0 * share;
        let sure = |bests: &(f32, f32), unseen: Option<Bound>| {
            bests.1.max(unseen.map_or(0.0, |b| b.relevance)) * share
        };
        candidates.retain(|c| c.upper >= cut(&bests));
        let mut queue: BinaryHeap<Queued> = candidates.into_iter().map(Queued::new).collect();
        let mut given = Vec::new();
        // takes the source's next candidates into the queue; `None` when it has none left, else
        // what a candidate it has still not given can reach
        let mut refill = |queue: &mut BinaryHeap<Queued>, bests: &mut (f32, f32)| {
            given.clear();
            let (lower, upper) = source.more(&mut given)?;
            *bests = (bests.0.max(lower), bests.1.max(upper));
            let cut = cut(bests);
            for c in &given {
                if !c.is_exact() && c.upper >= cut {
                    // its cosine will likely be needed: its vector is asked for now, so that the
                    // wait for memory overlaps the walk instead of stalling the evaluation
                    let vector = &self.tables.vectors[c.ord as usize];
                    prefetch_read_data::<_, 2>(&vector[0]);
                    prefetch_read_data::<_, 2>(&vector[VECTOR_TERMS / 2]);
                }
            }
            queue.extend(
                given
                    .iter()
                    .filter(|c| c.upper >= cut)
                    .map(|&c| Queued::new(c)),
            );
            Some(source.bound())
        };
        // whether a candidate not yet given could come before `queued`
        let outdone = |queued: &Queued, unseen: Option<Bound>| {
            unseen.is_some_and(|b| queued.candidate.upper_score() <= b.score)
        };
        // the least relevance shown to be at or above the cutoff whatever the best is
        let mut proven = f32::INFINITY;
        let mut emitted = 0;
        while emitted < keep {
            while unseen.is_some() && queue.peek().is_none_or(|top| outdone(top, unseen)) {
                match refill(&mut queue, &mut bests) {
                    Some(bound) => unseen = bound,
                    None => {
                        unseen = None;
                        break;
                    }
                }
            }
            let Some(Queued { mut candidate, .. }) = queue.pop() else {
                break;
            };
            if candidate.upper < cut(&bests) {
                continue;
            }
            if !candidate.is_exact() {
                // the next bounded candidates on top are likely to need their cosine too: they
                // are evaluated together, so their vectors are fetched from memory at once
                // rather than one wait after another (an early cosine changes no entry: each
                // is still emitted only from the top of the queue)
                let mut batch = [candidate; EVALUATE_TOGETHER];
                let mut n = 1;
                while n < EVALUATE_TOGETHER
                    && queue.peek().is_some_and(|top| {
                        !top.candidate.is_exact() && top.candidate.upper >= cut(&bests)
                    })
                {
                    batch[n] = queue.pop().expect("peeked").candidate;
                    n += 1;
                }
                let fetched = batch[..n].iter().fold(0u32, |acc, c| {
                    let packed = &self.tables.vectors[c.ord as usize];
                    acc ^ packed[0].id ^ packed[VECTOR_TERMS / 2].id
                });
                std::hint::black_box(fetched);
                for other in &mut batch[1..n] {
                    self.evaluate(probe, other, text_weight);
                    bests.0 = bests.0.max(other.relevance);
                    queue.push(Queued::new(*other));
                }
                self.evaluate(probe, &mut candidate, text_weight);
                bests.0 = bests.0.max(candidate.relevance);
                let queued = Queued::new(candidate);
                if queue.peek().is_some_and(|top| *top > queued) || outdone(&queued, unseen) {
                    queue.push(queued);
                    continue;
                }
            }
            if candidate.relevance < cut(&bests) {
                continue;
            }
            if candidate.relevance < sure(&bests, unseen) && candidate.relevance < proven {
                // whether this entry is in depends on the best relevance: only the candidates
                // that could beat its cutoff are looked at
                let under = self.under_cutoff(
                    probe,
                    candidate.relevance,
                    share,
                    text_weight,
                    &mut queue,
                    &mut refill,
                    &mut bests,
                    &mut unseen,
                );
                #[cfg(test)]
                tests::NEAR_CUTOFF.with(|counts| {
                    let mut seen = counts.get();
                    seen[usize::from(under)] += 1;
                    counts.set(seen);
                });
                if under {
                    continue;
                }
                proven = candidate.relevance;
            }
            emitted += 1;
            if take(candidate.score(), candidate.ord) {
                break;
            }
        }
    }
}

/// The source's next round into the queue, raising the bests: `None` when it has none left,
/// else what a candidate it has still not given can reach.
type Refill<'r> = dyn FnMut(&mut BinaryHeap<Queued>, &mut (f32, f32)) -> Option<Option<Bound>> + 'r;

/// Candidates [`Engine::settle`] asks for as it goes.
pub(super) trait Source {
    /// Appends the next candidates to `out` and returns the best lower and upper bound of
    /// their relevance; `None` when none are left.
    fn more(&mut self, out: &mut Vec<Candidate>) -> Option<(f32, f32)>;
    /// What a candidate not yet given can reach; `None` when all have been given.
    fn bound(&self) -> Option<Bound>;
}

/// A [`Source`] with nothing to give: every candidate was known at the start.
pub(super) struct Given;

impl Source for Given {
    fn more(&mut self, _: &mut Vec<Candidate>) -> Option<(f32, f32)> {
        None
    }

    fn bound(&self) -> Option<Bound> {
        None
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::cell::Cell;
    use std::sync::Arc;

    use storyline_index::Tables;
    use storyline_story::{Language, TagNormalizer};

    use crate::{Engine, RankOrder, ScorerSettings};

    thread_local! {
        /// Makes `settle` score every candidate exactly: the reference the two stages must match.
        pub(in crate::scorer) static EXHAUSTIVE: Cell<bool> = const { Cell::new(false) };
        /// Entries near the cutoff found [in, under] it by the two stages.
        pub(in crate::scorer) static NEAR_CUTOFF: Cell<[usize; 2]> = const { Cell::new([0; 2]) };
    }

    #[test]
    fn list_place_is_newer_first_then_by_id() {
        // stories in (day, id) order, as the tables keep them
        let days = [1, 1, 2, 3, 3, 3];
        let mut ords: Vec<u32> = (0..days.len() as u32).collect();
        ords.sort_by_key(|&ord| std::cmp::Reverse(super::list_place(days[ord as usize], ord)));
        assert_eq!(ords, vec![3, 4, 5, 2, 0, 1]);
        // days before 1970 and far after it keep their order
        let far = [i32::MIN, -700_000, -1, 0, 1, 3_000_000, i32::MAX];
        assert!(
            far.windows(2)
                .all(|w| super::list_place(w[0], 0) < super::list_place(w[1], 0))
        );
    }

    /// An engine over `stories` synthetic English stories.
    fn synthetic_engine(stories: usize, seed: u64) -> Engine {
        let stories = storyline_synth::generate(&storyline_synth::SynthConfig::new(
            stories,
            seed,
            Language::En,
        ));
        Engine::new(Arc::new(Tables::build(&stories, &TagNormalizer::new(), 1)))
    }

    #[test]
    fn two_stage_lists_equal_exhaustive_scoring() {
        let engine = synthetic_engine(30_000, 7);
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
        // entries near the cutoff, whose fate needs the best relevance, were decided both ways
        let [kept, left_out] = NEAR_CUTOFF.with(Cell::get);
        assert!(
            kept > 0 && left_out > 0,
            "near the cutoff: {kept} kept, {left_out} left out"
        );
    }

    #[test]
    fn an_engine_over_tables_read_in_place_lists_what_it_lists_over_built_tables() {
        let stories =
            storyline_synth::generate(&storyline_synth::SynthConfig::new(20_000, 5, Language::En));
        let built = Arc::new(Tables::build(&stories, &TagNormalizer::new(), 1));
        let read = Tables::from_bytes(&built.to_bytes()).unwrap();
        // the text postings are the file's own, not laid out again
        assert!(read.text_postings.parts().0.is_mapped() && read.vectors.is_mapped());
        let (from_file, from_build) = (Engine::new(Arc::new(read)), Engine::new(built));
        let settings = ScorerSettings::default();
        let mut untagged = 0;
        for ord in (0..20_000u32).step_by(41) {
            let subject = from_build.subject(ord);
            untagged += usize::from(subject.tags.is_empty());
            let listed = from_file.related(&subject, &settings, RankOrder::Default);
            assert_eq!(
                listed,
                from_build.related(&subject, &settings, RankOrder::Default),
                "story {ord}"
            );
        }
        assert!(untagged > 150, "only {untagged} untagged subjects");
    }

    #[test]
    fn a_weak_suggestion_leaves_an_untagged_story_its_text_neighbours() {
        let story = |id: &str, day: &str, title: &str, tags: &[&str]| {
            let mut story = storyline_story::Story::new(id, day.parse().unwrap(), title);
            story.contexts = tags.iter().map(|t| t.to_string()).collect();
            story
        };
        // the subject's tagged neighbours each share one word with it, each in another line
        let mut stories = vec![
            story(
                "herd",
                "2020-06-10",
                "Lightning strikes a herd of reindeer on a remote mountain plateau",
                &[],
            ),
            story(
                "again",
                "2020-06-12",
                "Lightning strikes kill a reindeer herd on a remote mountain plateau",
                &[],
            ),
        ];
        for (k, (title, line)) in [
            ("Herd immunity is debated", "Pandemic"),
            ("Snow closes the plateau road", "Winter"),
            ("Dock strikes close the ports", "Port strikes"),
            ("Reindeer meat prices rise", "Food prices"),
            ("A lightning rod maker expands", "Industry"),
            ("Remote work grows", "Labour"),
            ("Mountain rescuers train", "Rescue"),
        ]
        .into_iter()
        .enumerate()
        {
            stories.push(story(&format!("n{k}"), "2020-06-09", title, &[line]));
            stories.push(story(
                &format!("m{k}"),
                "2020-06-11",
                "Officials meet",
                &[line],
            ));
        }
        let engine = Engine::new(Arc::new(Tables::build(&stories, &TagNormalizer::new(), 1)));
        let t = engine.tables();
        let (herd, again) = (t.ord("herd").unwrap(), t.ord("again").unwrap());
        let subject = engine.subject(herd);
        let settings = ScorerSettings::default();
        let best = &engine.suggest_tags(&subject, &settings, 1)[0];
        assert!(
            best.confidence > 0.0 && best.confidence < settings.min_suggestion_confidence,
            "{best:?}"
        );
        // ranked on its text: the same event two days later first, no line stood in
        let (items, basis) = engine.related_with_basis(&subject, &settings, RankOrder::Default);
        assert_eq!(items[0].ord, again, "{items:?}");
        assert!(items.iter().all(|i| !i.explanation.suggested_tags));
        assert_eq!(basis.ranked_on, crate::RankedOn::Text);
        assert_eq!(basis.best_suggestion.as_ref(), Some(best));
        // any suggestion standing in: the line's stories, and the same event is left out
        let any = ScorerSettings {
            min_suggestion_confidence: 0.0,
            ..ScorerSettings::default()
        };
        let lined = engine.related(&subject, &any, RankOrder::Default);
        assert!(!lined.is_empty() && lined.iter().all(|i| i.explanation.suggested_tags));
        assert!(lined.iter().all(|i| i.ord != again), "{lined:?}");
        // a suggestion sure enough still stands in
        let sure = ScorerSettings {
            min_suggestion_confidence: best.confidence,
            ..ScorerSettings::default()
        };
        let (listed, basis) = engine.related_with_basis(&subject, &sure, RankOrder::Default);
        assert_eq!(listed, lined);
        assert_eq!(basis.ranked_on, crate::RankedOn::SuggestedTags);
        // a story's own tags: nothing suggested
        let tagged = engine.subject(t.ord("n0").unwrap());
        let (_, basis) = engine.related_with_basis(&tagged, &settings, RankOrder::Default);
        assert_eq!(
            (basis.ranked_on, basis.best_suggestion),
            (crate::RankedOn::Tags, None)
        );
    }

    #[test]
    #[should_panic(expected = "opened for every reader")]
    fn the_engine_refuses_tables_opened_for_searches_only() {
        let stories =
            storyline_synth::generate(&storyline_synth::SynthConfig::new(200, 5, Language::En));
        let bytes = Tables::build(&stories, &TagNormalizer::new(), 1).to_bytes();
        let tables = Tables::from_owned_bytes_for(
            tantivy::directory::OwnedBytes::new(bytes),
            storyline_index::Readers::Search,
        )
        .unwrap();
        Engine::new(Arc::new(tables));
    }

    #[test]
    fn site_lists_read_newest_first_equal_counting_every_story() {
        let engine = synthetic_engine(30_000, 11);
        let broad = engine
            .tables()
            .tags
            .iter()
            .max_by_key(|t| t.stories)
            .unwrap();
        let variants = [
            ScorerSettings::default(),
            ScorerSettings {
                limit: 1,
                ..ScorerSettings::default()
            },
            ScorerSettings {
                limit: 60,
                older_only: true,
                ..ScorerSettings::default()
            },
            ScorerSettings {
                max_age_days: Some(30),
                same_language: true,
                ..ScorerSettings::default()
            },
            ScorerSettings {
                limit: 0,
                exclude_tags: vec![broad.display.clone()],
                ..ScorerSettings::default()
            },
        ];
        let mut compared = 0;
        for settings in &variants {
            for ord in (0..30_000u32).step_by(53) {
                let subject = engine.subject(ord);
                let every = super::super::SCRATCH.with(|scratch| {
                    let mut scratch = scratch.borrow_mut();
                    scratch.reset(engine.tables().len());
                    engine.rank_site_every(&subject, settings, &mut scratch)
                });
                let newest_first = engine.rank(&subject, settings, RankOrder::Site);
                assert_eq!(newest_first, every, "story {ord}, {settings:?}");
                compared += usize::from(every.entries.len() > 1);
            }
        }
        assert!(
            compared > 500,
            "only {compared} lists of two or more compared"
        );
    }
}
