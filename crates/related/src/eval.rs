//! Quality evaluation of rankings, as `storyline eval` prints it.
//!
//! Queries are stories with at least one tag, sampled with a fixed seed. For a ranking:
//!
//! - `tagP@10`: share of the (at most 10) listed stories that share a tag with the query; a
//!   query with an empty list counts 0;
//! - `leafP@10`: share of the listed stories that carry the query's rarest tag — its most
//!   specific story line (same denominator);
//! - `len`: the average list length, so short precise lists are not mistaken for full ones;
//! - `medDays`: median date gap between the query and its top 10, over all queries;
//! - `suggest@3` (text-only rows): share of the query's tags (at most 3) found among the top 3
//!   tags suggested from its text;
//! - `existing@10`: for archives whose pages carry Related sections, the share of a page's
//!   existing entries that the ranking's top 10 reproduce.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::scorer::{Engine, RankOrder, Subject};
use crate::settings::ScorerSettings;

/// One row of the evaluation table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalRow {
    /// The ranking.
    pub ranking: String,
    /// Share of the top 10 sharing a tag with the query.
    pub tag_p10: f64,
    /// Share of the top 10 carrying the query's rarest tag.
    pub leaf_p10: f64,
    /// Median date gap of the top 10, in days.
    pub med_days: f64,
    /// Average number of stories listed (at most 10).
    pub avg_len: f64,
    /// Share of queries whose tags no other story carries: no list can share a tag with them,
    /// so they count 0 in tagP and leafP and cap both.
    pub lone_tag_queries: f64,
    /// Tag-suggestion recall@3 (text-only rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggest_recall3: Option<f64>,
    /// Recall of the pages' existing Related entries (archives that have them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_recall10: Option<f64>,
}

/// A small deterministic generator (splitmix64) for reproducible samples: the same seed gives
/// the same queries on every machine.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Samples `count` query ordinals (stories with tags) with a deterministic generator.
pub fn sample_queries(engine: &Engine, count: usize, seed: u64) -> Vec<u32> {
    let tables = engine.tables();
    let mut pool: Vec<u32> = (0..tables.len() as u32)
        .filter(|&o| !tables.story_tags[o as usize].is_empty())
        .collect();
    let mut rng = SplitMix64(seed);
    let take = count.min(pool.len());
    for i in 0..take {
        let j = i + (rng.next_u64() % (pool.len() - i) as u64) as usize;
        pool.swap(i, j);
    }
    pool.truncate(take);
    pool
}

/// tagP, leafP, date gaps, existing recall and list length of one query.
type QueryScore = (f64, f64, Vec<u32>, Option<f64>, usize);

/// Scores one ranking: `rank` gives the top ordinals of a query.
pub fn score_ranking(
    name: &str,
    engine: &Engine,
    queries: &[u32],
    existing: Option<&HashMap<u32, Vec<u32>>>,
    rank: &(dyn Fn(u32) -> Vec<u32> + Sync),
) -> EvalRow {
    let t = engine.tables();
    let per_query: Vec<QueryScore> = queries
        .par_iter()
        .map(|&q| {
            let tags = &t.story_tags[q as usize];
            let rarest = tags
                .iter()
                .copied()
                .min_by_key(|tag| (t.tags[*tag as usize].stories, *tag));
            let top: Vec<u32> = rank(q).into_iter().take(10).collect();
            let shares = top
                .iter()
                .filter(|o| t.story_tags[**o as usize].iter().any(|x| tags.contains(x)))
                .count();
            let leaf = top
                .iter()
                .filter(|o| rarest.is_some_and(|r| t.story_tags[**o as usize].contains(&r)))
                .count();
            let gaps = top
                .iter()
                .map(|o| (t.days[*o as usize] - t.days[q as usize]).unsigned_abs())
                .collect();
            let recall = existing
                .and_then(|e| e.get(&q))
                .filter(|e| !e.is_empty())
                .map(|expected| {
                    expected.iter().filter(|o| top.contains(o)).count() as f64
                        / expected.len() as f64
                });
            let listed = top.len().max(1) as f64;
            (
                shares as f64 / listed,
                leaf as f64 / listed,
                gaps,
                recall,
                top.len(),
            )
        })
        .collect();
    let n = per_query.len().max(1) as f64;
    let mut gaps: Vec<u32> = per_query.iter().flat_map(|p| p.2.iter().copied()).collect();
    gaps.sort_unstable();
    let recalls: Vec<f64> = per_query.iter().filter_map(|p| p.3).collect();
    EvalRow {
        ranking: name.to_string(),
        tag_p10: per_query.iter().map(|p| p.0).sum::<f64>() / n,
        leaf_p10: per_query.iter().map(|p| p.1).sum::<f64>() / n,
        med_days: gaps.get(gaps.len() / 2).copied().unwrap_or(0) as f64,
        avg_len: per_query.iter().map(|p| p.4 as f64).sum::<f64>() / n,
        lone_tag_queries: queries
            .iter()
            .filter(|q| {
                t.story_tags[**q as usize]
                    .iter()
                    .all(|tag| t.tags[*tag as usize].stories <= 1)
            })
            .count() as f64
            / n,
        suggest_recall3: None,
        existing_recall10: (!recalls.is_empty())
            .then(|| recalls.iter().sum::<f64>() / recalls.len() as f64),
    }
}

/// A stored story with its tags hidden from the scorer (text-only mode).
pub fn hidden_tags(engine: &Engine, ord: u32) -> Subject {
    Subject {
        tags: Vec::new(),
        ..engine.subject(ord)
    }
}

/// Tag-suggestion recall@3 in text-only mode.
pub fn suggestion_recall(engine: &Engine, settings: &ScorerSettings, queries: &[u32]) -> f64 {
    let t = engine.tables();
    let recalls: Vec<f64> = queries
        .par_iter()
        .map(|&q| {
            let truth = &t.story_tags[q as usize];
            let suggested = engine.suggest_tags(&hidden_tags(engine, q), settings, 3);
            let hits = suggested.iter().filter(|s| truth.contains(&s.tag)).count();
            hits as f64 / truth.len().clamp(1, 3) as f64
        })
        .collect();
    recalls.iter().sum::<f64>() / recalls.len().max(1) as f64
}

/// The standard table: default, site, default text-only, and (when given) a more-like-this
/// baseline.
pub fn evaluate(
    engine: &Engine,
    settings: &ScorerSettings,
    queries: &[u32],
    existing: Option<&HashMap<u32, Vec<u32>>>,
    more_like_this: Option<&(dyn Fn(u32) -> Vec<u32> + Sync)>,
) -> Vec<EvalRow> {
    let ords =
        |items: Vec<crate::RelatedItem>| items.into_iter().map(|i| i.ord).collect::<Vec<u32>>();
    let mut rows = vec![
        score_ranking("default", engine, queries, existing, &|q| {
            ords(engine.related(&engine.subject(q), settings, RankOrder::Default))
        }),
        score_ranking("site", engine, queries, existing, &|q| {
            ords(engine.related(&engine.subject(q), settings, RankOrder::Site))
        }),
    ];
    let mut text_only = score_ranking("default, text only", engine, queries, None, &|q| {
        ords(engine.related(&hidden_tags(engine, q), settings, RankOrder::Default))
    });
    text_only.suggest_recall3 = Some(suggestion_recall(engine, settings, queries));
    rows.push(text_only);
    if let Some(mlt) = more_like_this {
        rows.push(score_ranking(
            "bm25 more-like-this",
            engine,
            queries,
            existing,
            mlt,
        ));
    }
    rows
}
