//! What the bench measures with: deterministic picks, the query set, percentiles, peak memory.

use storyline_index::Tables;
use storyline_related::eval::SplitMix64;
use storyline_story::Language;

/// The process's peak resident memory so far (MiB), 0 where /proc is not there.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Resets the process's peak resident memory to its current size (Linux `clear_refs`), so the
/// next [`peak_rss_mib`] is the high-water mark from now on.
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The `p` quantile (0–1) of sorted samples, nearest rank; 0 for no samples.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The median of a few samples (sorted in place).
pub fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    percentile(samples, 0.5)
}

/// `n` deterministic picks below `below`.
pub fn picks(seed: u64, n: usize, below: usize) -> Vec<usize> {
    let mut rng = SplitMix64(seed);
    (0..n)
        .map(|_| (rng.next_u64() % below.max(1) as u64) as usize)
        .collect()
}

/// The related subjects (story ordinals) timed per corpus, for Storyline and its peers alike.
pub fn subjects(seed: u64, n: usize, stories: usize) -> Vec<u32> {
    picks(seed ^ 1, n, stories)
        .into_iter()
        .map(|o| o as u32)
        .collect()
}

/// 1–3 word queries taken from the indexed stories' headlines (words of 4+ letters).
pub fn queries(tables: &Tables, n: usize, seed: u64) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    for (i, pick) in picks(seed, n * 3, tables.len()).into_iter().enumerate() {
        if out.len() == n {
            break;
        }
        let title = &tables.titles[pick];
        let words: Vec<String> = if tables.languages[pick] == Language::Zh {
            // Chinese: the headline's segmented words of two or more characters
            storyline_index::analyzer::query_words(title)
                .into_iter()
                .filter(|w| w.chars().count() >= 2)
                .collect()
        } else {
            title
                .split_whitespace()
                .filter(|w| w.len() >= 4 && w.chars().all(char::is_alphanumeric))
                .map(String::from)
                .collect()
        };
        if words.is_empty() {
            continue;
        }
        let take = 1 + i % 3;
        out.push(
            words
                .iter()
                .take(take)
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    out
}
