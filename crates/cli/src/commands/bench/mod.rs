//! `storyline bench`: the whole pipeline at growing corpus sizes, as a scaling table.
//!
//! For each corpus (synthetic at the given sizes, or real archives): import (synthetic: a JSON
//! Lines export read back), index build, index size, search latency p50/p99 over 1–3 word
//! queries, related latency p50/p99, batch throughput, the process's peak memory so far, and
//! the growth exponent of index and batch time from the previous size (1 = linear). `--plot`
//! draws the timings against corpus size (log-log SVG); `--peers` measures Hugo's related
//! content, SQLite FTS5 and tantivy's more-like-this on the same stories, as ratios.

mod peers;
mod plot;
mod run;
mod table;
mod workload;

pub use run::{BenchArgs, run};
