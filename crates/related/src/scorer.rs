//! The related-story scorer.
//!
//! For a subject story it gathers candidates from the postings of its (specific enough) tags
//! and from its text neighbours, scores each one
//!
//! ```text
//! score = ((1 - text_weight) · tag_share + text_weight · text_cosine) · date_factor
//! tag_share = Σ w(shared tags) / Σ w(subject's tags),   w(t) = ln(N / stories(t)) ^ tag_idf_power
//! ```
//!
//! and returns the best, without the story itself, its own versions, or a second report of the
//! same event. A story without tags borrows the tags suggested by its text neighbours
//! (weighted by their confidence), which is how untagged stories find their story line.
//! `site` order reproduces what the archives did: most shared tags first, then newest.
//!
//! Everything runs on the in-memory [`Tables`]: no index lookups on the hot path. Posting
//! lists are date-sorted, so a very large tag is scanned only around the subject's date.

use std::cell::RefCell;
use std::sync::Arc;

use mem_prefetch::{prefetch_read_data, prefetch_write_data};
use serde::Serialize;
use storyline_index::Tables;
use storyline_index::tables::{
    PAD, PackedVector, TAGGED, Term, TextVector, VECTOR_TERMS, cosine, unpadded,
};
use storyline_story::Language;

use crate::settings::ScorerSettings;

mod frontier;
mod postings;
mod settle;

use frontier::{Bound, Frontier, TagPostings};
use postings::TextPostings;
use settle::Source;

/// How many postings ahead the text pass and the story-line walk ask for a story's slot: far
/// enough for the wait for memory to overlap the work on the postings between.
const AHEAD: usize = 8;

/// The ranking to produce.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RankOrder {
    /// Tag specificity × date proximity + text similarity.
    #[default]
    Default,
    /// Shared-tag count, then newest first: the order the archives' own sites used.
    Site,
}

impl std::str::FromStr for RankOrder {
    type Err = String;

    fn from_str(text: &str) -> Result<RankOrder, String> {
        match text {
            "default" => Ok(RankOrder::Default),
            "site" => Ok(RankOrder::Site),
            other => Err(format!(
                "unknown order {other:?} (expected default or site)"
            )),
        }
    }
}

/// The story related stories are sought for: stored in the index, or an unsaved draft.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    /// Its ordinal, when it is in the index (it and its versions are then excluded).
    pub ord: Option<u32>,
    /// Its day (days since 1970-01-01).
    pub day: i32,
    /// Its language.
    pub language: Language,
    /// Its text vector.
    pub vector: TextVector,
    /// Its tag ids.
    pub tags: Vec<u32>,
}

/// Why a story was ranked where it was.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// Shared tags that counted, with their weight (tag id, weight).
    pub tag_weights: Vec<(u32, f32)>,
    /// Share of the subject's tag weight the story shares (0–1).
    pub tag_share: f32,
    /// Cosine of the two TF-IDF text vectors (0–1).
    pub text_similarity: f32,
    /// The text blend weight used.
    pub text_weight: f32,
    /// Days between the two stories (positive: the related story is newer).
    pub days_apart: i32,
    /// The date decay factor.
    pub date_factor: f32,
    /// Whether the subject's tags were suggested from its text (it had none).
    pub suggested_tags: bool,
}

/// One related story.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RelatedItem {
    /// Its ordinal in the tables.
    pub ord: u32,
    /// Its score (for `site` order: the number of shared tags).
    pub score: f32,
    /// Tags both stories carry (tag ids), the subject's order.
    pub shared_tags: Vec<u32>,
    /// Why it is here.
    pub explanation: Explanation,
}

/// What a list was ranked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RankedOn {
    /// The story's own tags.
    Tags,
    /// Tags its text neighbours suggest (it has none that another story shares).
    SuggestedTags,
    /// Its text alone: it has no usable tag, and no suggestion was sure enough.
    Text,
}

/// Why a list holds what it holds, as a whole ([`Engine::related_with_basis`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Basis {
    /// What the list was ranked on.
    pub ranked_on: RankedOn,
    /// For a story without usable tags of its own: the best tag its text neighbours suggest,
    /// whether or not it was sure enough to stand in.
    pub best_suggestion: Option<TagSuggestion>,
}

/// A ranked list of related stories before its explanations ([`Engine::rank`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// (ordinal, score) of each related story, best first.
    pub entries: Vec<(u32, f32)>,
    /// The tags the scores counted, with their weights (the subject's own, or suggested).
    tags: Vec<(u32, f32)>,
    /// The tags shared tags are reported from, in their order.
    shared_from: Vec<u32>,
    /// The sum of the tags' weights.
    total: f32,
    /// The text blend weight used.
    text_weight: f32,
    /// Whether the tags were suggested from the text (the subject had none that count).
    suggested: bool,
    /// The best suggestion, for a subject without tags that count (used or not).
    best_suggestion: Option<TagSuggestion>,
    /// The date decay used (the same factors as the ranking's table).
    decay: crate::settings::DateDecay,
    /// The order ranked in.
    order: RankOrder,
}

impl Ranking {
    /// What the list was ranked on.
    pub fn ranked_on(&self) -> RankedOn {
        if self.order == RankOrder::Site {
            RankedOn::Tags
        } else if self.suggested {
            RankedOn::SuggestedTags
        } else if self.total > 0.0 {
            RankedOn::Tags
        } else {
            RankedOn::Text
        }
    }

    /// What the list was ranked on, with the best suggestion.
    pub fn basis(&self) -> Basis {
        Basis {
            ranked_on: self.ranked_on(),
            best_suggestion: self.best_suggestion.clone(),
        }
    }

    /// The tags a listed story shares with the subject, in the subject's order.
    pub fn shared_tags<'a>(
        &'a self,
        engine: &'a Engine,
        ord: u32,
    ) -> impl Iterator<Item = u32> + 'a {
        let candidate_tags = &engine.tables.story_tags[ord as usize];
        self.shared_from
            .iter()
            .copied()
            .filter(move |tag| candidate_tags.contains(tag))
    }
}

/// A suggested tag.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TagSuggestion {
    /// The tag id.
    pub tag: u32,
    /// Share of the text neighbours' similarity carried by stories with this tag (0–1).
    pub confidence: f32,
}

/// One story's accumulators in [`Scratch`], with its day: kept together so a candidate costs
/// one cache line.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    stamp: u32,
    day: i32,
    tag: f32,
    text: f32,
}

/// Scratch space reused across queries on a thread: dense accumulators with epoch stamps, so
/// nothing is cleared between queries.
struct Scratch {
    slots: Vec<Slot>,
    epoch: u32,
    touched: OrdList,
    /// the touched stories that share a (weighted) tag with the subject
    tag_touched: Vec<u32>,
    /// the stories with tags the text pass touched
    text_tagged: OrdList,
    /// per tag: the epoch of the query that last gave it suggestion mass, and that mass
    tag_mass: Vec<(u32, f32)>,
    /// the tags given mass in this query, in the order first given
    mass_tags: Vec<u32>,
}

/// A list of ordinals that can be appended to without a branch: room is made before a run of
/// appends, and each writes its slot and moves the end by 0 or 1.
#[derive(Debug, Default)]
struct OrdList {
    buf: Vec<u32>,
    len: usize,
}

impl OrdList {
    fn clear(&mut self) {
        self.len = 0;
    }

    /// Room for `more` appends.
    fn reserve(&mut self, more: usize) {
        if self.buf.len() < self.len + more {
            self.buf.resize(self.len + more, 0);
        }
    }

    /// Appends `ord` when `keep` (room must have been made).
    fn push_if(&mut self, ord: u32, keep: bool) {
        self.buf[self.len] = ord;
        self.len += usize::from(keep);
    }

    fn push(&mut self, ord: u32) {
        self.reserve(1);
        self.push_if(ord, true);
    }
}

impl std::ops::Deref for OrdList {
    type Target = [u32];

    fn deref(&self) -> &[u32] {
        &self.buf[..self.len]
    }
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            slots: Vec::new(),
            epoch: 0,
            touched: OrdList::default(),
            tag_touched: Vec::new(),
            text_tagged: OrdList::default(),
            tag_mass: Vec::new(),
            mass_tags: Vec::new(),
        }
    }

    fn reset(&mut self, n: usize) {
        if self.slots.len() < n {
            self.slots.resize(n, Slot::default());
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.slots.iter_mut().for_each(|s| s.stamp = 0);
            self.tag_mass.iter_mut().for_each(|m| m.0 = 0);
            self.epoch = 1;
        }
        self.touched.clear();
        self.tag_touched.clear();
        self.text_tagged.clear();
    }

    /// Asks for `ord`'s slot to be brought into the cache: it will be touched soon.
    fn expect(&self, ord: u32) {
        if let Some(slot) = self.slots.get(ord as usize) {
            prefetch_write_data::<_, 3>(slot);
        }
    }

    /// The slot of `ord` (on `day`), zeroed the first time this query touches it.
    fn touch(&mut self, ord: u32, day: i32) -> &mut Slot {
        let slot = &mut self.slots[ord as usize];
        if slot.stamp != self.epoch {
            *slot = Slot {
                stamp: self.epoch,
                day,
                tag: 0.0,
                text: 0.0,
            };
            self.touched.push(ord);
        }
        slot
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
}

/// Decay factors by day distance, for one decay setting (beyond the table: computed).
#[derive(Debug)]
struct DecayTable {
    decay: crate::settings::DateDecay,
    factors: Vec<f32>,
    /// `ceilings[d]`: the greatest factor at `d` days or more within the table, so a bound
    /// holds whatever the curve's rounding does
    ceilings: Vec<f32>,
}

impl DecayTable {
    const DAYS: usize = 40_000;

    fn new(decay: crate::settings::DateDecay) -> DecayTable {
        let factors: Vec<f32> = (0..Self::DAYS as i32).map(|d| decay.factor(d)).collect();
        let mut ceilings = factors.clone();
        for d in (0..Self::DAYS - 1).rev() {
            ceilings[d] = ceilings[d].max(ceilings[d + 1]);
        }
        DecayTable {
            decay,
            factors,
            ceilings,
        }
    }

    /// The greatest factor of any story `days` or more apart.
    fn ceiling(&self, days: u32) -> f32 {
        self.ceilings
            .get(days as usize)
            .copied()
            .unwrap_or(self.ceilings[Self::DAYS - 1])
    }

    /// The factor for stories `days` apart. Beyond the table (over a century) the curve is
    /// held at most at the table's last ceiling, so [`DecayTable::ceiling`] bounds it too.
    fn factor(&self, days: i32) -> f32 {
        self.factors
            .get(days.unsigned_abs() as usize)
            .copied()
            .unwrap_or_else(|| self.decay.factor(days).min(self.ceilings[Self::DAYS - 1]))
    }
}

/// What makes a candidate admissible for one subject: [`Engine::admissible`] with its lookups
/// done once.
struct Admit<'a> {
    ord: Option<u32>,
    versions: &'a [u32],
    day: i32,
    language: Language,
    older_only: bool,
    max_age_days: Option<u32>,
    languages: Option<&'a [Language]>,
}

impl Admit<'_> {
    /// Whether `candidate`, on `day`, may be listed.
    fn check(&self, candidate: u32, day: i32) -> bool {
        if let Some(ord) = self.ord
            && (candidate == ord || self.versions.binary_search(&candidate).is_ok())
        {
            return false;
        }
        if self.older_only && day > self.day {
            return false;
        }
        if let Some(max) = self.max_age_days
            && (day - self.day).unsigned_abs() > max
        {
            return false;
        }
        self.languages
            .is_none_or(|languages| languages[candidate as usize] == self.language)
    }
}

/// The related-story engine over an index's tables.
#[derive(Debug)]
pub struct Engine {
    tables: Arc<Tables>,
    /// tag id → its stories with their days, in date order
    tag_postings: TagPostings,
    /// tag id → ln(N / stories)
    idf: Vec<f32>,
    decay: std::sync::RwLock<Arc<DecayTable>>,
}

/// One side of many cosines, laid out so that finding a term in it is a comparison with all
/// its terms at once (which the compiler turns into a few vector instructions), not a merge.
struct Probe<'a> {
    terms: [u32; VECTOR_TERMS],
    /// the terms' weights, then zeros up to index 32: where a term that is not found points
    weights: [f32; 33],
    /// the vector, when it is too long for the arrays
    long: Option<&'a [Term]>,
}

impl<'a> Probe<'a> {
    fn new(vector: &'a [Term]) -> Probe<'a> {
        let mut probe = Probe {
            terms: [PAD.id; VECTOR_TERMS],
            weights: [0.0; 33],
            long: (vector.len() > VECTOR_TERMS).then_some(vector),
        };
        for (k, &Term { id: term, weight }) in vector.iter().take(VECTOR_TERMS).enumerate() {
            probe.terms[k] = term;
            probe.weights[k] = weight;
        }
        probe
    }

    /// [`cosine`] with a packed vector: the same products, summed in the same (term) order.
    /// Padding meets padding with weight 0 on both sides, which adds nothing. A term that is
    /// not found adds `0 · weight`, which leaves the (non-negative) sum as it is, bit for bit:
    /// whether a term is shared is data, not a branch.
    fn cosine(&self, packed: &PackedVector) -> f32 {
        if let Some(vector) = self.long {
            // its padding adds nothing
            return cosine(vector, packed);
        }
        let mut dot = 0.0;
        for &Term { id: term, weight } in packed {
            let mut found = 0u32;
            for (k, own) in self.terms.iter().enumerate() {
                found |= u32::from(*own == term) << k;
            }
            // 32 when not found
            dot += self.weights[found.trailing_zeros() as usize] * weight;
        }
        dot
    }
}

/// A story found by text alone has relevance at most `text_weight` (a cosine is at most 1);
/// this covers rounding.
const TEXT_SLACK: f32 = 1.001;

/// Whether stories found by text alone could be kept out of a list ranked on `tags`
/// (weighted): they are when a story sharing the weightiest tag is a candidate, since its
/// relevance of at least `(1 - text_weight) · its share` puts the cutoff (`min_relative_score`
/// of the best) above `text_weight`. The ranking checks that it held.
fn text_may_be_needless(tags: &[(u32, f32)], settings: &ScorerSettings) -> bool {
    let total: f32 = tags.iter().map(|(_, w)| w).sum();
    let most_share = tags.iter().map(|(_, w)| w / total).fold(0.0, f32::max);
    let text_weight = settings.text_weight.clamp(0.0, 1.0);
    total > 0.0
        && text_weight * TEXT_SLACK < settings.min_relative_score * (1.0 - text_weight) * most_share
}

/// The tag candidates a list has not seen yet, for [`Engine::settle`]: the rest of its
/// [`Frontier`], bounded as [`Engine::candidates`] bounds them.
struct TagSource<'a> {
    engine: &'a Engine,
    frontier: Frontier<'a>,
    scratch: &'a mut Scratch,
    subject: &'a Subject,
    settings: &'a ScorerSettings,
    decay: &'a DecayTable,
    probe: &'a Probe<'a>,
    total: f32,
    text_weight: f32,
    /// every posting in the first round (the exhaustive reference the tests compare with)
    all: bool,
}

impl Source for TagSource<'_> {
    fn more(&mut self, out: &mut Vec<settle::Candidate>) -> Option<(f32, f32)> {
        let from = self.scratch.tag_touched.len();
        if !self.frontier.advance(self.decay, self.scratch, self.all) {
            return None;
        }
        Some(self.engine.candidates(
            self.subject,
            self.settings,
            self.decay,
            self.scratch,
            self.probe,
            &self.scratch.tag_touched[from..],
            self.total,
            self.text_weight,
            out,
        ))
    }

    fn bound(&self) -> Option<Bound> {
        self.frontier
            .bound(self.decay, self.total, self.text_weight)
    }
}

impl Engine {
    /// An engine over `tables`, ready for any number of lists. The text postings are the
    /// tables' own: only the tag postings are laid out (with each story's day beside it).
    ///
    /// # Panics
    ///
    /// On tables whose text columns went unchecked (opened for searches only).
    pub fn new(tables: Arc<Tables>) -> Engine {
        assert!(
            tables.text_checked(),
            "the related-story engine needs tables opened for every reader (StoryIndex::open)"
        );
        let tag_postings = TagPostings::build(&tables);
        let n = tables.len().max(1) as f32;
        let idf = tables
            .tags
            .iter()
            .map(|t| (n / t.stories.max(1) as f32).ln().max(0.0))
            .collect();
        let decay =
            std::sync::RwLock::new(Arc::new(DecayTable::new(ScorerSettings::default().decay)));
        Engine {
            tables,
            tag_postings,
            idf,
            decay,
        }
    }

    fn decay_table(&self, settings: &ScorerSettings) -> Arc<DecayTable> {
        let current = Arc::clone(&self.decay.read().expect("decay lock"));
        if current.decay == settings.decay {
            return current;
        }
        let table = Arc::new(DecayTable::new(settings.decay));
        *self.decay.write().expect("decay lock") = Arc::clone(&table);
        table
    }

    fn text_postings(&self) -> TextPostings<'_> {
        TextPostings::of(&self.tables)
    }

    /// The tables.
    pub fn tables(&self) -> &Arc<Tables> {
        &self.tables
    }

    /// A stored story as a subject.
    pub fn subject(&self, ord: u32) -> Subject {
        let t = &self.tables;
        Subject {
            ord: Some(ord),
            day: t.days[ord as usize],
            language: t.languages[ord as usize],
            vector: unpadded(&t.vectors[ord as usize]).to_vec(),
            tags: t.story_tags[ord as usize].to_vec(),
        }
    }

    /// The weight of a tag: its specificity.
    pub fn tag_weight(&self, tag: u32, settings: &ScorerSettings) -> f32 {
        self.idf[tag as usize].powf(settings.tag_idf_power)
    }

    fn is_broad(&self, tag: u32, settings: &ScorerSettings) -> bool {
        let share = self.tables.tags[tag as usize].stories as f32 / self.tables.len().max(1) as f32;
        share > settings.max_tag_share
    }

    fn excluded_tags(&self, settings: &ScorerSettings) -> Vec<u32> {
        settings
            .exclude_tags
            .iter()
            .filter_map(|t| self.tables.tag_id(&storyline_story::normalize_tag(t)))
            .collect()
    }

    /// Which candidates may be listed for `subject` at all: not itself or its versions, and
    /// within the settings' date and language limits.
    fn admissible<'a>(&'a self, subject: &Subject, settings: &ScorerSettings) -> Admit<'a> {
        let t = &self.tables;
        Admit {
            ord: subject.ord,
            versions: subject
                .ord
                .map_or(&[][..], |ord| &t.versions[ord as usize][..]),
            day: subject.day,
            language: subject.language,
            older_only: settings.older_only,
            max_age_days: settings.max_age_days,
            languages: settings.same_language.then_some(&t.languages[..]),
        }
    }

    /// Accumulates exact text dot products with the subject over each of its terms' postings
    /// (the part of each list nearest in time).
    fn text_pass(&self, subject: &Subject, settings: &ScorerSettings, scratch: &mut Scratch) {
        let epoch = scratch.epoch;
        let mut windows = [&[][..]; postings::LANES];
        // a stored story's terms are one chunk: their windows are found together
        for terms in subject.vector.chunks(postings::LANES) {
            self.text_postings().near_each(
                terms,
                subject.day,
                settings.text_candidates,
                &mut windows,
            );
            // each window's start is asked for at once (the rest streams in behind it)
            for postings in &windows[..terms.len()] {
                if let Some(first) = postings.first() {
                    prefetch_read_data::<_, 3>(first);
                }
            }
            for (&Term { weight, .. }, postings) in terms.iter().zip(windows) {
                scratch.touched.reserve(postings.len());
                scratch.text_tagged.reserve(postings.len());
                // whether a story is met for the first time is data, not a branch: about half
                // are, in no predictable order
                for (i, posting) in postings.iter().enumerate() {
                    if let Some(ahead) = postings.get(i + AHEAD) {
                        scratch.expect(ahead.ord & !TAGGED);
                    }
                    let ord = posting.ord & !TAGGED;
                    let slot = &mut scratch.slots[ord as usize];
                    let fresh = slot.stamp != epoch;
                    // a fresh slot's old sums are masked to 0, bit for bit; the mask is opaque
                    // to the optimiser, which would otherwise turn it back into a branch that
                    // mispredicts about every other posting
                    let kept = std::hint::black_box(u32::from(fresh).wrapping_sub(1));
                    let tag = f32::from_bits(slot.tag.to_bits() & kept);
                    let text = f32::from_bits(slot.text.to_bits() & kept);
                    *slot = Slot {
                        stamp: epoch,
                        day: posting.day,
                        tag,
                        text: text + weight * posting.weight,
                    };
                    scratch.touched.push_if(ord, fresh);
                    scratch
                        .text_tagged
                        .push_if(ord, fresh && posting.ord & TAGGED != 0);
                }
            }
        }
    }

    /// Tag suggestions from the text neighbours accumulated in `scratch`.
    fn suggestions_from(
        &self,
        subject: &Subject,
        settings: &ScorerSettings,
        decay: &DecayTable,
        scratch: &mut Scratch,
        limit: usize,
    ) -> Vec<TagSuggestion> {
        let t = &self.tables;
        let admit = self.admissible(subject, settings);
        let mut neighbours: Vec<(f32, u32)> = Vec::with_capacity(scratch.text_tagged.len());
        for &ord in scratch.text_tagged.iter() {
            let slot = &scratch.slots[ord as usize];
            if slot.text > 0.0 && admit.check(ord, slot.day) {
                neighbours.push((slot.text * decay.factor(slot.day - subject.day), ord));
            }
        }
        let keep = 30.min(neighbours.len());
        let by_score = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if keep > 0 && keep < neighbours.len() {
            neighbours.select_nth_unstable_by(keep - 1, by_score);
        }
        neighbours.truncate(keep);
        let total: f32 = neighbours.iter().map(|(s, _)| s).sum();
        if total <= 0.0 {
            return Vec::new();
        }
        // each tag's mass, summed in the neighbours' order, in a dense per-thread array
        let epoch = scratch.epoch;
        if scratch.tag_mass.len() < t.tags.len() {
            scratch.tag_mass.resize(t.tags.len(), (0, 0.0));
        }
        scratch.mass_tags.clear();
        for (score, ord) in &neighbours {
            for &tag in &t.story_tags[*ord as usize] {
                if subject.tags.contains(&tag) {
                    continue;
                }
                let entry = &mut scratch.tag_mass[tag as usize];
                if entry.0 == epoch {
                    entry.1 += score;
                } else {
                    *entry = (epoch, *score);
                    scratch.mass_tags.push(tag);
                }
            }
        }
        let mut suggestions: Vec<TagSuggestion> = scratch
            .mass_tags
            .iter()
            .map(|&tag| TagSuggestion {
                tag,
                confidence: scratch.tag_mass[tag as usize].1 / total,
            })
            .collect();
        let order = |a: &TagSuggestion, b: &TagSuggestion| {
            b.confidence
                .total_cmp(&a.confidence)
                .then_with(|| t.tags[a.tag as usize].key.cmp(&t.tags[b.tag as usize].key))
        };
        // the first `limit` in that (total) order: selected, then sorted
        if limit == 0 {
            return Vec::new();
        }
        if limit < suggestions.len() {
            suggestions.select_nth_unstable_by(limit - 1, order);
            suggestions.truncate(limit);
        }
        suggestions.sort_by(order);
        suggestions
    }

    /// The subject's tags that are not excluded, in its order.
    fn usable_tags(subject: &Subject, excluded: &[u32]) -> Vec<u32> {
        subject
            .tags
            .iter()
            .copied()
            .filter(|t| !excluded.contains(t))
            .collect()
    }

    /// The subject's own usable tags with their weights: specific ones (or all, when every one
    /// is broad), none when no other story shares any of them.
    fn own_tags(&self, subject: &Subject, settings: &ScorerSettings) -> Vec<(u32, f32)> {
        let usable = Self::usable_tags(subject, &self.excluded_tags(settings));
        let specific: Vec<u32> = usable
            .iter()
            .copied()
            .filter(|t| !self.is_broad(*t, settings))
            .collect();
        let chosen = if specific.is_empty() {
            usable
        } else {
            specific
        };
        if chosen
            .iter()
            .any(|t| self.tables.tags[*t as usize].stories > 1)
        {
            chosen
                .into_iter()
                .map(|t| (t, self.tag_weight(t, settings)))
                .collect()
        } else {
            Vec::new()
        }
    }

    /// For a subject whose own tags find nothing (it has none, or only tags no other story
    /// carries): the tags its text neighbours suggest, weighted by specificity × confidence.
    /// Only suggestions at least `min_suggestion_confidence` sure count; a story whose tags
    /// were all excluded gets none. The flag says whether suggestions were used; the best
    /// suggestion (not excluded) comes along, used or not.
    fn suggested_weights(
        &self,
        subject: &Subject,
        settings: &ScorerSettings,
        decay: &DecayTable,
        scratch: &mut Scratch,
    ) -> (Vec<(u32, f32)>, bool, Option<TagSuggestion>) {
        let excluded = self.excluded_tags(settings);
        let all_excluded =
            !subject.tags.is_empty() && Self::usable_tags(subject, &excluded).is_empty();
        if settings.suggested_tags == 0 || all_excluded {
            return (Vec::new(), false, None);
        }
        let suggestions: Vec<TagSuggestion> = self
            .suggestions_from(subject, settings, decay, scratch, settings.suggested_tags)
            .into_iter()
            .filter(|s| !excluded.contains(&s.tag))
            .collect();
        let suggested: Vec<(u32, f32)> = suggestions
            .iter()
            .filter(|s| s.confidence >= settings.min_suggestion_confidence)
            .map(|s| (s.tag, self.tag_weight(s.tag, settings) * s.confidence))
            .collect();
        let used = !suggested.is_empty();
        (suggested, used, suggestions.into_iter().next())
    }

    /// The related stories of `subject`, best first.
    pub fn related(
        &self,
        subject: &Subject,
        settings: &ScorerSettings,
        order: RankOrder,
    ) -> Vec<RelatedItem> {
        self.related_with_basis(subject, settings, order).0
    }

    /// [`Engine::related`], with what the list as a whole was ranked on.
    pub fn related_with_basis(
        &self,
        subject: &Subject,
        settings: &ScorerSettings,
        order: RankOrder,
    ) -> (Vec<RelatedItem>, Basis) {
        let ranking = self.rank(subject, settings, order);
        (self.explain(subject, &ranking), ranking.basis())
    }

    /// The related stories of `subject`, best first, without their explanations: what a batch
    /// writes. [`Engine::related`] is this, explained.
    pub fn rank(&self, subject: &Subject, settings: &ScorerSettings, order: RankOrder) -> Ranking {
        match order {
            RankOrder::Default => SCRATCH.with(|scratch| {
                let mut scratch = scratch.borrow_mut();
                scratch.reset(self.tables.len());
                self.rank_default(subject, settings, &mut scratch)
            }),
            RankOrder::Site => self.rank_site(subject, settings),
        }
    }

    /// The items of a ranking, each with why it is there.
    fn explain(&self, subject: &Subject, ranking: &Ranking) -> Vec<RelatedItem> {
        let t = &self.tables;
        ranking
            .entries
            .iter()
            .map(|&(ord, score)| {
                let candidate_tags = &t.story_tags[ord as usize];
                let tag_weights: Vec<(u32, f32)> = ranking
                    .tags
                    .iter()
                    .copied()
                    .filter(|(tag, _)| candidate_tags.contains(tag))
                    .collect();
                let days_apart = t.days[ord as usize] - subject.day;
                let tag_share = if ranking.total > 0.0 {
                    tag_weights.iter().map(|(_, w)| w).sum::<f32>() / ranking.total
                } else {
                    0.0
                };
                let date_factor = match ranking.order {
                    RankOrder::Default => ranking.decay.factor(days_apart),
                    RankOrder::Site => 1.0,
                };
                RelatedItem {
                    ord,
                    score,
                    shared_tags: ranking.shared_tags(self, ord).collect(),
                    explanation: Explanation {
                        tag_share,
                        tag_weights,
                        text_similarity: cosine(
                            &subject.vector,
                            &self.tables.vectors[ord as usize],
                        ),
                        text_weight: ranking.text_weight,
                        days_apart,
                        date_factor,
                        suggested_tags: ranking.suggested,
                    },
                }
            })
            .collect()
    }

    fn rank_default(
        &self,
        subject: &Subject,
        settings: &ScorerSettings,
        scratch: &mut Scratch,
    ) -> Ranking {
        let t = &self.tables;
        let decay = self.decay_table(settings);
        let own = self.own_tags(subject, settings);
        // a story sharing the subject's weightiest tag likely makes the best entry, and text
        // neighbours can then not make the list: the text pass waits until that is seen not
        // to hold
        let text_later = text_may_be_needless(&own, settings);
        if !text_later {
            self.text_pass(subject, settings, scratch);
        }
        let (tags, suggested, best_suggestion) = if own.is_empty() {
            self.suggested_weights(subject, settings, &decay, scratch)
        } else {
            (own, false, None)
        };
        let total: f32 = tags.iter().map(|(_, w)| w).sum();
        let text_weight = if total > 0.0 {
            settings.text_weight.clamp(0.0, 1.0)
        } else {
            1.0
        };
        let probe = Probe::new(&subject.vector);
        #[cfg(test)]
        let whole = settle::tests::EXHAUSTIVE.with(std::cell::Cell::get);
        #[cfg(not(test))]
        let whole = false;
        let mut tag_candidates = TagSource {
            engine: self,
            frontier: Frontier::new(&self.tag_postings, &tags, subject.day, settings.scan_window),
            scratch,
            subject,
            settings,
            decay: &decay,
            probe: &probe,
            total,
            text_weight,
            all: whole,
        };
        // the tag candidates, nearest in time first, until those seen show that stories found
        // by text alone cannot make the list (the best one's relevance puts the cutoff above
        // anything text alone reaches): then only tag candidates are ranked, and their story
        // lines are read only as far as the list needs
        let mut tag_only = None;
        if total > 0.0 {
            let mut seen = Vec::new();
            let (mut best_lower, mut best_upper) = (0.0f32, 0.0f32);
            while let Some((lower, upper)) = tag_candidates.more(&mut seen) {
                (best_lower, best_upper) = (best_lower.max(lower), best_upper.max(upper));
                if !seen.is_empty()
                    && text_weight * TEXT_SLACK < settings.min_relative_score * best_lower
                {
                    tag_only = Some((seen, best_lower, best_upper));
                    break;
                }
            }
        }
        let mut entries: Vec<(u32, f32)> = Vec::with_capacity(settings.limit);
        let take = |score: f32, ord: u32| {
            // a second report of the same event (close in time, nearly the same text) is left
            // out
            let day = t.days[ord as usize];
            let mut probe = None;
            let duplicate = entries.iter().any(|&(kept, _)| {
                (t.days[kept as usize] - day).unsigned_abs() <= settings.duplicate_days
                    && probe
                        .get_or_insert_with(|| Probe::new(&self.tables.vectors[ord as usize]))
                        .cosine(&self.tables.vectors[kept as usize])
                        >= settings.duplicate_similarity
            });
            if !duplicate {
                entries.push((ord, score));
            }
            entries.len() >= settings.limit
        };
        match tag_only {
            Some((candidates, best_lower, best_upper)) => {
                self.settle(
                    &probe,
                    settings,
                    candidates,
                    (best_lower, best_upper),
                    text_weight,
                    &mut tag_candidates,
                    take,
                );
            }
            None => {
                // every tag posting has been visited: text candidates join them
                let scratch = tag_candidates.scratch;
                if text_later {
                    self.text_pass(subject, settings, scratch);
                }
                let mut candidates = Vec::new();
                let bests = self.candidates(
                    subject,
                    settings,
                    &decay,
                    scratch,
                    &probe,
                    &scratch.touched,
                    total,
                    text_weight,
                    &mut candidates,
                );
                self.settle(
                    &probe,
                    settings,
                    candidates,
                    bests,
                    text_weight,
                    &mut settle::Given,
                    take,
                );
            }
        }
        Ranking {
            entries,
            tags,
            shared_from: subject.tags.clone(),
            total,
            text_weight,
            suggested,
            best_suggestion,
            decay: settings.decay,
            order: RankOrder::Default,
        }
    }

    /// The `site` ranking: most shared tags first, then newest (then by id). The subject's tag
    /// lists are read together from their newest story back, so each story is met once, with
    /// all its shared tags counted at once; the reading stops at the first older day where
    /// `limit` stories found share at least as many tags as any story still unread can (as
    /// many as there are lists not read to their start). A list of a thousand stories is read
    /// only as far back as the list needs.
    fn rank_site(&self, subject: &Subject, settings: &ScorerSettings) -> Ranking {
        let t = &self.tables;
        let tags = Self::usable_tags(subject, &self.excluded_tags(settings));
        let admit = self.admissible(subject, settings);
        // the days a story may have (the admissibility check below still decides)
        let newest = match (settings.older_only, settings.max_age_days) {
            (true, _) => subject.day,
            (false, Some(max)) => subject.day.saturating_add_unsigned(max),
            (false, None) => i32::MAX,
        };
        let oldest = settings
            .max_age_days
            .map_or(i32::MIN, |max| subject.day.saturating_sub_unsigned(max));
        let mut unread: Vec<&[u32]> = tags
            .iter()
            .map(|&tag| {
                let list = &t.postings[tag as usize][..];
                let from = list.partition_point(|&ord| t.days[ord as usize] < oldest);
                let to = list.partition_point(|&ord| t.days[ord as usize] <= newest);
                &list[from..to.max(from)]
            })
            .collect();
        let mut found: Vec<(u32, f32)> = Vec::new();
        // found stories by how many tags they share
        let mut by_count = vec![0usize; tags.len() + 1];
        let mut day_read = i32::MAX;
        while let Some(ord) = unread.iter().filter_map(|list| list.last().copied()).max() {
            let day = t.days[ord as usize];
            if day < day_read {
                // every story still unread is older than each one found and shares at most
                // `left` tags: a found story sharing as many comes before it
                let left = unread.iter().filter(|list| !list.is_empty()).count();
                if by_count[left..].iter().sum::<usize>() >= settings.limit {
                    break;
                }
                day_read = day;
            }
            let mut count = 0;
            for list in &mut unread {
                if let Some((&last, rest)) = list.split_last()
                    && last == ord
                {
                    *list = rest;
                    count += 1;
                }
            }
            if admit.check(ord, day) {
                found.push((ord, count as f32));
                by_count[count] += 1;
            }
        }
        self.site_ranking(tags, found, settings)
    }

    /// The `site` ranking of `found` (story, shared-tag count): most shared tags first, then
    /// the list tie-break, the first `limit`.
    fn site_ranking(
        &self,
        tags: Vec<u32>,
        mut found: Vec<(u32, f32)>,
        settings: &ScorerSettings,
    ) -> Ranking {
        let place = |ord: u32| settle::list_place(self.tables.days[ord as usize], ord);
        found.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| place(b.0).cmp(&place(a.0)))
        });
        found.truncate(settings.limit);
        Ranking {
            entries: found,
            tags: tags.iter().map(|&tag| (tag, 1.0)).collect(),
            total: tags.len() as f32,
            shared_from: tags,
            text_weight: 0.0,
            suggested: false,
            best_suggestion: None,
            decay: settings.decay,
            order: RankOrder::Site,
        }
    }

    /// The `site` ranking by counting every story of the subject's tags (the reference
    /// [`Engine::rank_site`] is tested against).
    #[cfg(test)]
    fn rank_site_every(
        &self,
        subject: &Subject,
        settings: &ScorerSettings,
        scratch: &mut Scratch,
    ) -> Ranking {
        let t = &self.tables;
        let tags = Self::usable_tags(subject, &self.excluded_tags(settings));
        for tag in &tags {
            for &ord in &t.postings[*tag as usize] {
                scratch.touch(ord, t.days[ord as usize]).tag += 1.0;
            }
        }
        let admit = self.admissible(subject, settings);
        let scored: Vec<(u32, f32)> = scratch
            .touched
            .iter()
            .filter(|&&ord| admit.check(ord, t.days[ord as usize]))
            .map(|&ord| (ord, scratch.slots[ord as usize].tag))
            .collect();
        self.site_ranking(tags, scored, settings)
    }

    /// Tags suggested for `subject` from its text neighbours, most confident first; tags it
    /// already carries are not suggested.
    pub fn suggest_tags(
        &self,
        subject: &Subject,
        settings: &ScorerSettings,
        limit: usize,
    ) -> Vec<TagSuggestion> {
        let decay = self.decay_table(settings);
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            scratch.reset(self.tables.len());
            self.text_pass(subject, settings, &mut scratch);
            self.suggestions_from(subject, settings, &decay, &mut scratch, limit)
        })
    }
}
