//! Shared state: the index and the related-story engine behind one lock (searches and related
//! queries read; updates write and swap in a fresh engine), the token, limits and metrics.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use storyline_index::StoryIndex;
use storyline_related::{Engine, ScorerSettings};

use crate::error::{ApiError, ApiResult, ErrorCode};

/// The index with its engine.
pub struct Live {
    /// The opened index.
    pub index: StoryIndex,
    /// The related-story engine over its tables.
    pub engine: Engine,
}

/// Limits the service enforces.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Longest query, in characters.
    pub max_query_chars: usize,
    /// Largest `limit`.
    pub max_limit: usize,
    /// Deepest `offset`.
    pub max_offset: usize,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Per-request time limit.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_query_chars: 512,
            max_limit: 100,
            max_offset: 10_000,
            max_body_bytes: 2 << 20,
            timeout: Duration::from_secs(10),
        }
    }
}

/// Request counts and latencies for `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    /// (route, status) → count, total seconds, latency buckets
    pub requests: Mutex<std::collections::BTreeMap<(String, u16), RouteStats>>,
    /// Requests seen (gives request ids).
    pub counter: AtomicU64,
}

/// Per route and status.
#[derive(Debug, Default, Clone)]
pub struct RouteStats {
    /// Requests.
    pub count: u64,
    /// Sum of latencies in seconds.
    pub seconds: f64,
    /// Cumulative counts per bucket of [`BUCKETS`].
    pub buckets: [u64; BUCKETS.len()],
}

/// Latency histogram bucket bounds, in seconds.
pub const BUCKETS: [f64; 8] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1.0];

impl Metrics {
    /// Records one request.
    pub fn record(&self, route: &str, status: u16, seconds: f64) {
        let mut requests = self.requests.lock().expect("metrics lock");
        let stats = requests.entry((route.to_string(), status)).or_default();
        stats.count += 1;
        stats.seconds += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                stats.buckets[i] += 1;
            }
        }
    }

    /// The next request id.
    pub fn next_id(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// Everything the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The index and engine.
    pub live: Arc<RwLock<Live>>,
    /// The API token that enables updates, if any.
    pub token: Option<Arc<str>>,
    /// Default scorer settings (overridable per request).
    pub scorer: Arc<ScorerSettings>,
    /// Limits.
    pub limits: Arc<Limits>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// How many stories the served index holds.
    pub fn stories(&self) -> usize {
        self.live.read().map_or(0, |live| live.index.tables().len())
    }

    /// State over the index at `path`.
    pub fn open(
        path: &Path,
        token: Option<String>,
        scorer: ScorerSettings,
        limits: Limits,
    ) -> storyline_index::Result<AppState> {
        let index = StoryIndex::open(path)?;
        if let Some(why) = index.tables_rebuilt() {
            tracing::info!(%why, "scorer tables built again from the stories");
        }
        index.tables().build_lookups();
        if index
            .tables()
            .languages
            .contains(&storyline_story::Language::Zh)
        {
            // the Chinese dictionary loads while the server starts, not in the first Chinese
            // search (80–185 ms); an archive without Chinese stories never loads it
            std::thread::spawn(storyline_index::analyzer::warm_up);
        }
        let engine = Engine::new(Arc::clone(index.tables()));
        let live = Arc::new(RwLock::new(Live { index, engine }));
        {
            // the documents' ordinals are read while the server starts (0.6 s for a million
            // stories), not in the first search of two words or more
            let live = Arc::clone(&live);
            std::thread::spawn(move || {
                if let Ok(live) = live.read()
                    && let Err(e) = live.index.warm_up()
                {
                    tracing::warn!(error = %e, "reading the documents' ordinals");
                }
            });
        }
        Ok(AppState {
            live,
            token: token.filter(|t| !t.is_empty()).map(Arc::from),
            scorer: Arc::new(scorer),
            limits: Arc::new(limits),
            metrics: Arc::new(Metrics::default()),
        })
    }

    /// Runs blocking work that reads the index off the async threads, within the time limit.
    pub async fn read<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Live) -> ApiResult<T> + Send + 'static,
    {
        let live = Arc::clone(&self.live);
        let task = tokio::task::spawn_blocking(move || {
            let guard = live
                .read()
                .map_err(|_| ApiError::new(ErrorCode::Unavailable, "the index is unavailable"))?;
            work(&guard)
        });
        match tokio::time::timeout(self.limits.timeout, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(ApiError::internal(join)),
            Err(_) => Err(ApiError::new(
                ErrorCode::Timeout,
                "the request took too long",
            )),
        }
    }

    /// Runs an update with the write lock, off the async threads. Updates are not cancelled by
    /// the time limit: a started commit always finishes.
    pub async fn write<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Live) -> ApiResult<T> + Send + 'static,
    {
        let live = Arc::clone(&self.live);
        tokio::task::spawn_blocking(move || {
            let mut guard = live
                .write()
                .map_err(|_| ApiError::new(ErrorCode::Unavailable, "the index is unavailable"))?;
            work(&mut guard)
        })
        .await
        .map_err(ApiError::internal)?
    }
}
