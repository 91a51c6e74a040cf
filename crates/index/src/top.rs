//! The best documents of a search in an order that is the stories', not the build's: by
//! relevance or date, and among equals the newest story first (of one day, by id, the scorer
//! tables' order, reversed). tantivy's own top-k breaks ties by document address, which
//! depends on how a build's threads split the archive: two builds of the same stories, or one
//! index before and after a merge, listed tied stories differently, and on the Current Events
//! Portal, whose one-sentence stories often score alike, most first pages hold ties.
//!
//! Searches count their matches beside it, so every match is offered (no Block-WAND); a
//! document scoring below the last kept one is turned away on one comparison.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::store::{NO_ORDINAL, StoryIndex};

/// What orders the documents before their place in the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum By {
    /// Relevance, then newest first.
    Relevance,
    /// Newest first.
    Newest,
    /// Oldest first.
    Oldest,
}

/// A document's rank: its score (0 unless by relevance), then `place`, higher first; the
/// same for two documents the tables do not hold, then the lower address first, as tantivy
/// does.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ranked {
    score: Score,
    place: u64,
    address: DocAddress,
}

impl Ranked {
    fn cmp_rank(&self, other: &Ranked) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then(self.place.cmp(&other.place))
            .then(other.address.cmp(&self.address))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Ranked) -> bool {
        self.cmp_rank(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Ranked) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Ranked) -> Ordering {
        self.cmp_rank(other)
    }
}

/// The first `offset + limit` documents by `by` (the page cut from them by the caller), with
/// their scores (0 unless by relevance).
pub(crate) struct TopStories<'a> {
    pub(crate) index: &'a StoryIndex,
    pub(crate) by: By,
    pub(crate) wanted: usize,
}

/// A segment's best documents so far.
pub(crate) struct TopSegment {
    by: By,
    ordinals: Arc<[u32]>,
    wanted: usize,
    segment: SegmentOrdinal,
    heap: BinaryHeap<Reverse<Ranked>>,
    /// the score a document must beat to be looked at: the last kept one's less one step (a
    /// tie is looked at), `Score::MIN` until `wanted` documents are kept
    floor: Score,
}

impl TopSegment {
    /// Where a document ranks among those of equal score: the tables' ordinals follow the
    /// day, then the id, so newest first is the highest ordinal first (of one day, the last
    /// id first: newest first is oldest first reversed); a document the tables do not hold
    /// last.
    fn place(&self, doc: DocId) -> u64 {
        match self.ordinals.get(doc as usize).copied() {
            None | Some(NO_ORDINAL) => 0,
            Some(ord) => match self.by {
                By::Relevance | By::Newest => u64::from(ord) + 1,
                By::Oldest => u64::from(NO_ORDINAL - ord),
            },
        }
    }

    /// Offers a document.
    #[inline]
    fn offer(&mut self, doc: DocId, score: Score) {
        // most documents score below the last kept: they are turned away before their place
        // is read
        if score <= self.floor {
            return;
        }
        let ranked = Ranked {
            score,
            place: self.place(doc),
            address: DocAddress::new(self.segment, doc),
        };
        if self.heap.len() < self.wanted {
            self.heap.push(Reverse(ranked));
        } else if let Some(mut last) = self.heap.peek_mut()
            && ranked > last.0
        {
            *last = Reverse(ranked);
        } else {
            return;
        }
        if self.heap.len() >= self.wanted
            && let Some(last) = self.heap.peek()
        {
            self.floor = last.0.score.next_down();
        }
    }
}

impl SegmentCollector for TopSegment {
    type Fruit = Vec<Ranked>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let score = if self.by == By::Relevance { score } else { 0.0 };
        self.offer(doc, score);
    }

    fn harvest(self) -> Self::Fruit {
        self.heap
            .into_iter()
            .map(|Reverse(ranked)| ranked)
            .collect()
    }
}

impl Collector for TopStories<'_> {
    type Fruit = Vec<(Score, DocAddress)>;
    type Child = TopSegment;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<TopSegment> {
        let ordinals = self
            .index
            .ordinals(reader)
            .map_err(|e| tantivy::TantivyError::InternalError(e.to_string()))?;
        Ok(TopSegment {
            by: self.by,
            ordinals,
            wanted: self.wanted,
            segment,
            heap: BinaryHeap::with_capacity(self.wanted.min(4_096)),
            floor: Score::MIN,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.by == By::Relevance
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Ranked>>) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<Ranked> = fruits.into_iter().flatten().collect();
        // best first
        all.sort_unstable_by(|a, b| b.cmp(a));
        all.truncate(self.wanted);
        Ok(all.into_iter().map(|r| (r.score, r.address)).collect())
    }
}
