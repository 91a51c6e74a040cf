//! Batch generation: every story's related list, in parallel, deterministic, shardable, written
//! as JSON Lines or back into the archive's story pages.
//!
//! Shard `i/n` takes the i-th of n contiguous ranges of story ordinals (date order), so the
//! outputs of shards `1/n … n/n` concatenate to the unsharded output exactly.

use std::collections::HashMap;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

use rayon::prelude::*;
use serde::Serialize;
use storyline_story::atomic::is_temporary;
use storyline_story::formats::jsonl::parse_jsonl_line;
use storyline_story::formats::page::{
    RelatedLine, render_related_section, replace_related_section,
};
use storyline_story::{Language, RelatedEntry, Staged, Story, TagNormalizer};

use crate::scorer::{Engine, RankOrder, RankedOn, Ranking, RelatedItem};
use crate::settings::ScorerSettings;

/// One shard of a batch: `index` of `count`, 1-based as written (`--shard 2/4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, 1 to `count`.
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let err = || format!("expected a shard like 2/4 (the second of four), found {text:?}");
        let (i, n) = text.split_once('/').ok_or_else(err)?;
        let (index, count): (usize, usize) = (
            i.trim().parse().map_err(|_| err())?,
            n.trim().parse().map_err(|_| err())?,
        );
        if count == 0 || index == 0 || index > count {
            return Err(err());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// The ordinals of this shard among `len` stories.
    pub fn range(self, len: usize) -> Range<u32> {
        let start = len * (self.index - 1) / self.count;
        let end = len * self.index / self.count;
        start as u32..end as u32
    }
}

/// Computes the lists of the stories in `range`, in ordinal order. `on_story` is called once
/// per story with what its list was ranked on (for progress and the summary).
pub fn generate(
    engine: &Engine,
    settings: &ScorerSettings,
    order: RankOrder,
    range: Range<u32>,
    on_story: &(dyn Fn(RankedOn) + Sync),
) -> Vec<(u32, Vec<RelatedItem>)> {
    range
        .into_par_iter()
        .map(|ord| {
            let (items, basis) = engine.related_with_basis(&engine.subject(ord), settings, order);
            on_story(basis.ranked_on);
            (ord, items)
        })
        .collect()
}

/// Stories whose lines one worker computes and renders into one buffer.
const BLOCK: u32 = 64;

/// Appends one story's list to `buf` as a JSON line: `{"id": …, "related": [{"id", "score",
/// "shared_tags"}]}` (the tags by their display names).
pub fn jsonl_line(engine: &Engine, ord: u32, ranking: &Ranking, buf: &mut Vec<u8>) {
    let t = engine.tables();
    buf.extend_from_slice(b"{\"id\":");
    json_str(buf, id_bytes(t, ord));
    buf.extend_from_slice(b",\"related\":[");
    for (i, &(related, score)) in ranking.entries.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(b"{\"id\":");
        json_str(buf, id_bytes(t, related));
        buf.extend_from_slice(b",\"score\":");
        json(buf, score);
        buf.extend_from_slice(b",\"shared_tags\":[");
        for (j, tag) in ranking.shared_tags(engine, related).enumerate() {
            if j > 0 {
                buf.push(b',');
            }
            json_str(buf, t.tags[tag as usize].display.as_bytes());
        }
        buf.extend_from_slice(b"]}");
    }
    buf.extend_from_slice(b"]}\n");
}

/// A story's id as bytes (read in place, with no check of the text: it was checked when the
/// tables were read).
fn id_bytes(t: &storyline_index::Tables, ord: u32) -> &[u8] {
    t.ids
        .bytes(ord as usize)
        .unwrap_or_else(|| panic!("story {ord} of {}", t.len()))
}

/// Appends a string (UTF-8 bytes) as serde_json writes it. Most ids need no escaping (no
/// quote, backslash or control character): they are copied as they are, found so by a scan
/// without branches.
fn json_str(buf: &mut Vec<u8>, text: &[u8]) {
    let escape = text.iter().fold(false, |any, &b| {
        any | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if escape {
        json(
            buf,
            std::str::from_utf8(text).expect("strings of the tables are UTF-8"),
        );
    } else {
        buf.push(b'"');
        buf.extend_from_slice(text);
        buf.push(b'"');
    }
}

/// Appends a string or number as serde_json writes it (its escaping, its number format).
fn json(buf: &mut Vec<u8>, value: impl Serialize) {
    // into memory nothing can fail (a NaN score would be written null)
    serde_json::to_writer(buf, &value).expect("a string or number serialises to JSON");
}

/// How many lists a JSON Lines batch wrote, and how many of them were empty.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Lists written.
    pub lists: usize,
    /// Lists without an entry.
    pub empty: usize,
}

/// Computes the lists of the stories in `range` and writes them to `out` as JSON Lines (see
/// [`jsonl_line`]), in ordinal order. Worker threads (one per rayon thread) take blocks of
/// stories in order and render each block's lines into a buffer; this thread writes the
/// buffers in order as they complete. At most `ahead` stories (rounded up to whole blocks) are
/// computed ahead of the writer, so memory holds a few blocks of text whatever the archive's
/// size, and written buffers are filled again: the batch touches little fresh memory.
/// `on_story` is called once per story with what its list was ranked on (for progress and the
/// summary). The first write error stops the run.
pub fn write_jsonl(
    engine: &Engine,
    settings: &ScorerSettings,
    order: RankOrder,
    range: Range<u32>,
    ahead: usize,
    on_story: &(dyn Fn(RankedOn) + Sync),
    out: &mut dyn Write,
) -> std::io::Result<Tally> {
    let blocks = range.len().div_ceil(BLOCK as usize);
    let workers = rayon::current_num_threads().clamp(1, blocks.max(1));
    let window = ahead.div_ceil(BLOCK as usize).max(workers);
    let line = Mutex::new(Line {
        claimed: 0,
        written: 0,
        stopped: false,
        done: (0..window).map(|_| None).collect(),
        spare: Vec::new(),
    });
    // `ready`: a block the writer waits for is done; `room`: the writer moved on (or stopped)
    let (ready, room) = (Condvar::new(), Condvar::new());
    let work = |line: &Mutex<Line>| {
        // a worker that panics stops the run (the panic is raised again when the scope ends)
        let _stop = StopOnPanic(Stopper {
            line,
            conds: [&ready, &room],
        });
        let mut state = line.lock().expect("batch line");
        loop {
            let block = state.claimed;
            if state.stopped || block >= blocks {
                return;
            }
            state.claimed += 1;
            while block >= state.written + window && !state.stopped {
                state = room.wait(state).expect("batch line");
            }
            if state.stopped {
                return;
            }
            let mut buf = state
                .spare
                .pop()
                .unwrap_or_else(|| Vec::with_capacity(BLOCK as usize * 2048));
            drop(state);
            let from = range.start + block as u32 * BLOCK;
            let to = range.end.min(from + BLOCK);
            let mut tally = Tally::default();
            for ord in from..to {
                let ranking = engine.rank(&engine.subject(ord), settings, order);
                jsonl_line(engine, ord, &ranking, &mut buf);
                tally.lists += 1;
                tally.empty += usize::from(ranking.entries.is_empty());
                on_story(ranking.ranked_on());
            }
            state = line.lock().expect("batch line");
            state.done[block % window] = Some((buf, tally));
            if block == state.written {
                ready.notify_one();
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| work(&line));
        }
        let mut total = Tally::default();
        let result = (|| {
            for block in 0..blocks {
                let (mut buf, tally) = {
                    let mut state = line.lock().expect("batch line");
                    loop {
                        if let Some(done) = state.done[block % window].take() {
                            break done;
                        }
                        if state.stopped {
                            return Err(std::io::Error::other("a batch worker stopped"));
                        }
                        state = ready.wait(state).expect("batch line");
                    }
                };
                let written = out.write_all(&buf);
                buf.clear();
                let mut state = line.lock().expect("batch line");
                state.spare.push(buf);
                state.written = block + 1;
                room.notify_all();
                drop(state);
                written?;
                total.lists += tally.lists;
                total.empty += tally.empty;
            }
            Ok(total)
        })();
        if result.is_err() {
            Stopper {
                line: &line,
                conds: [&ready, &room],
            }
            .stop();
        }
        result
    })
}

/// Stops a [`write_jsonl`] run: the workers take no more blocks, and whoever waits wakes.
struct Stopper<'a> {
    line: &'a Mutex<Line>,
    conds: [&'a Condvar; 2],
}

impl Stopper<'_> {
    fn stop(&self) {
        let mut state = self
            .line
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.stopped = true;
        drop(state);
        for cond in self.conds {
            cond.notify_all();
        }
    }
}

/// Stops the run when dropped by a panicking worker, so the writer does not wait for a block
/// that will never come.
struct StopOnPanic<'a>(Stopper<'a>);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stop();
        }
    }
}

/// The blocks of a [`write_jsonl`] run: which are taken, which written, and the rendered ones
/// waiting for their turn.
struct Line {
    /// blocks `0..claimed` are taken by a worker
    claimed: usize,
    /// blocks `0..written` are written
    written: usize,
    /// the writer failed or a worker panicked: the others stop
    stopped: bool,
    /// rendered blocks by block number modulo the window
    done: Vec<Option<(Vec<u8>, Tally)>>,
    /// written buffers, to be filled again
    spare: Vec<Vec<u8>>,
}

/// What writing pages did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PagesReport {
    /// Pages whose Related section was written.
    pub written: usize,
    /// Pages whose Related section was already what it should be.
    pub unchanged: usize,
    /// Other files copied unchanged (with an output directory).
    pub copied: usize,
    /// Stories without a page or a JSON Lines record in the archive (e.g. imported from
    /// Current Events YAML, which has no place for a Related list).
    pub without_page: usize,
    /// Stories of the archive's JSON Lines files whose `related` field was written.
    pub records_written: usize,
    /// Stories of the archive's JSON Lines files whose `related` field was already what it
    /// should be.
    pub records_unchanged: usize,
}

/// Where the pages go.
#[derive(Debug, Clone)]
pub struct PagesTarget<'a> {
    /// The archive root the stories' `path`s are relative to, or one JSON Lines file.
    pub archive: &'a Path,
    /// A directory to write a copy of the tree to (a file, for a JSON Lines file); `None`
    /// edits the archive in place.
    pub out: Option<&'a Path>,
    /// With `out`: write only the pages whose Related section changes (no full copy).
    pub changed_only: bool,
}

/// The site link of a story page (`/news/…/slug.md`, `/zh/news/…` for the Chinese edition).
fn page_link(story: &Story, language: Language) -> Option<String> {
    let path = story.path.as_deref()?;
    let prefix = if language == Language::Zh {
        "/zh/"
    } else {
        "/"
    };
    Some(format!("{prefix}{}", path.trim_start_matches('/')))
}

/// The language of a page's Related section: the one its section headings use (the archive's
/// own format: a Chinese-edition page may carry an English headline), else the story's.
pub fn page_language(page: &str, story: &Story) -> Language {
    const ZH: [&str; 4] = [
        "\n### 有关:",
        "\n### 有關:",
        "\n### 信息来源:",
        "\n### 信息來源:",
    ];
    const EN: [&str; 3] = ["\n### Related:", "\n### Sources:", "\n### Source:"];
    if ZH.iter().any(|h| page.contains(h)) {
        Language::Zh
    } else if EN.iter().any(|h| page.contains(h)) {
        Language::En
    } else {
        story.language
    }
}

/// The shared tags of a related item, in the subject's own spelling where it has one.
fn shown_tags(
    engine: &Engine,
    spelling: &HashMap<String, &str>,
    item: &RelatedItem,
) -> Vec<String> {
    let t = engine.tables();
    item.shared_tags
        .iter()
        .map(|tag| {
            let entry = &t.tags[*tag as usize];
            spelling
                .get(&entry.key)
                .map_or_else(|| entry.display.clone(), |s| s.to_string())
        })
        .collect()
}

/// The subject's tags by key, in its own spelling.
fn spellings<'s>(normalizer: &TagNormalizer, story: &'s Story) -> HashMap<String, &'s str> {
    story
        .contexts
        .iter()
        .map(|c| (normalizer.key(c), c.as_str()))
        .collect()
}

/// The Related section a story's page should carry, in `language`.
pub fn related_section(
    engine: &Engine,
    normalizer: &TagNormalizer,
    stories: &HashMap<&str, &Story>,
    story: &Story,
    items: &[RelatedItem],
    language: Language,
) -> String {
    let t = engine.tables();
    let spelling = spellings(normalizer, story);
    let lines: Vec<RelatedLine> = items
        .iter()
        .filter_map(|item| {
            let target = stories.get(&t.ids[item.ord as usize])?;
            Some(RelatedLine {
                link: page_link(target, language)?,
                title: target.title.clone(),
                contexts: shown_tags(engine, &spelling, item),
            })
        })
        .collect();
    if lines.is_empty() {
        String::new()
    } else {
        render_related_section(&lines, language)
    }
}

/// The `related` field a story's JSON Lines record should carry: the list's stories (those in
/// `stories`) with their titles and the shared tags, as a page's Related section lists them.
pub fn related_entries(
    engine: &Engine,
    normalizer: &TagNormalizer,
    stories: &HashMap<&str, &Story>,
    story: &Story,
    items: &[RelatedItem],
) -> Vec<RelatedEntry> {
    let t = engine.tables();
    let spelling = spellings(normalizer, story);
    items
        .iter()
        .filter_map(|item| {
            let target = stories.get(&t.ids[item.ord as usize])?;
            Some(RelatedEntry {
                id: target.id.clone(),
                title: target.title.clone(),
                contexts: shown_tags(engine, &spelling, item),
            })
        })
        .collect()
}

/// What rewriting one JSON Lines file did: its stories whose `related` changed, those
/// already right, and their ids.
struct RecordsOutcome {
    written: usize,
    unchanged: usize,
    ids: Vec<String>,
}

/// Writes the `related` field of every story record of the JSON Lines file `source` that has
/// a list, to `destination` (atomically; the file is left alone when nothing changes and
/// `always` is false). Other lines (blank, unreadable, stories without a list) are kept byte
/// for byte, and so are the records that were already right; a changed record is written as
/// `import --out` writes it.
fn rewrite_records(
    source: &Path,
    destination: &Path,
    always: bool,
    related_of: &(dyn Fn(&Story) -> Option<Vec<RelatedEntry>> + Sync),
    staged: &Staged,
) -> storyline_story::Result<RecordsOutcome> {
    let text = std::fs::read_to_string(source).map_err(|e| storyline_story::StoryError::Io {
        path: source.to_path_buf(),
        source: e,
    })?;
    let mut outcome = RecordsOutcome {
        written: 0,
        unchanged: 0,
        ids: Vec::new(),
    };
    let mut updated = String::with_capacity(text.len() + text.len() / 4);
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let body = line.trim_end_matches(['\n', '\r']);
        let record = parse_jsonl_line(body, index + 1, source).and_then(Result::ok);
        let Some(mut story) = record else {
            updated.push_str(line);
            continue;
        };
        let Some(related) = related_of(&story) else {
            updated.push_str(line);
            continue;
        };
        outcome.ids.push(story.id.clone());
        if story.related == related {
            outcome.unchanged += 1;
            updated.push_str(line);
            continue;
        }
        outcome.written += 1;
        story.related = related;
        updated.push_str(&serde_json::to_string(&story).expect("a story serialises to JSON"));
        updated.push_str(&line[body.len()..]);
    }
    if outcome.written > 0 || always {
        staged.stage(destination, updated.as_bytes())?;
    }
    Ok(outcome)
}

/// Whether `path` names a JSON Lines file.
fn is_jsonl(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
}

/// Writes each story's Related section into its page, and each story record of the
/// archive's JSON Lines files its `related` field: every file written is staged beside its
/// target and put in place with the others once all are written ([`Staged`]), so an error
/// part way changes nothing.
pub fn write_pages(
    engine: &Engine,
    normalizer: &TagNormalizer,
    stories: &[Story],
    lists: &[(u32, Vec<RelatedItem>)],
    target: &PagesTarget<'_>,
) -> storyline_story::Result<PagesReport> {
    let t = engine.tables();
    let by_id: HashMap<&str, &Story> = stories.iter().map(|s| (s.id.as_str(), s)).collect();
    // JSON Lines records first: a story found there has its list written there
    let lists_by_id: HashMap<&str, &[RelatedItem]> = lists
        .iter()
        .map(|(ord, items)| (&t.ids[*ord as usize], items.as_slice()))
        .collect();
    let related_of = |record: &Story| {
        let items = lists_by_id.get(record.id.as_str())?;
        // the record as the index has it (it may have been updated since the file was read)
        let story = by_id.get(record.id.as_str()).copied().unwrap_or(record);
        Some(related_entries(engine, normalizer, &by_id, story, items))
    };
    let single = is_jsonl(target.archive) && target.archive.is_file();
    // the archive's files, read once: for its JSON Lines files now, for the copy at the end
    let files = if single {
        vec![target.archive.to_path_buf()]
    } else {
        walk(target.archive)
    };
    let record_files: Vec<&PathBuf> = files.iter().filter(|p| is_jsonl(p)).collect();
    // every file is written beside its target first; none replaces it before all are written
    let staged = Staged::new();
    let record_outcomes: Vec<storyline_story::Result<(PathBuf, RecordsOutcome)>> = record_files
        .par_iter()
        .map(|&source| {
            let rel = if single {
                PathBuf::new()
            } else {
                source
                    .strip_prefix(target.archive)
                    .unwrap_or(source)
                    .to_path_buf()
            };
            let destination = match target.out {
                Some(out) if single => out.to_path_buf(),
                Some(out) => out.join(&rel),
                None => source.to_path_buf(),
            };
            let always = target.out.is_some() && !target.changed_only;
            Ok((
                rel,
                rewrite_records(source, &destination, always, &related_of, &staged)?,
            ))
        })
        .collect();
    let mut report = PagesReport::default();
    let mut pages = std::collections::HashSet::new();
    let mut in_records = std::collections::HashSet::new();
    for outcome in record_outcomes {
        let (rel, records) = outcome?;
        report.records_written += records.written;
        report.records_unchanged += records.unchanged;
        in_records.extend(records.ids);
        pages.insert(rel);
    }
    let outcomes: Vec<storyline_story::Result<Option<(PathBuf, bool)>>> = lists
        .par_iter()
        .map(|(ord, items)| {
            let Some(story) = by_id.get(&t.ids[*ord as usize]) else {
                return Ok(None);
            };
            let Some(rel) = story.path.as_deref() else {
                return Ok(None);
            };
            let source = target.archive.join(rel);
            let Ok(text) = std::fs::read_to_string(&source) else {
                return Ok(None);
            };
            let language = page_language(&text, story);
            let section = related_section(engine, normalizer, &by_id, story, items, language);
            let updated = replace_related_section(&text, &section);
            let changed = updated != text;
            let destination = target
                .out
                .map_or_else(|| source.clone(), |out| out.join(rel));
            if changed || (target.out.is_some() && !target.changed_only) {
                staged.stage(&destination, updated.as_bytes())?;
            }
            Ok(Some((PathBuf::from(rel), changed)))
        })
        .collect();
    for (outcome, (ord, _)) in outcomes.into_iter().zip(lists) {
        match outcome? {
            Some((rel, changed)) => {
                if changed {
                    report.written += 1;
                } else {
                    report.unchanged += 1;
                }
                pages.insert(rel);
            }
            None if in_records.contains(&t.ids[*ord as usize]) => {}
            None => report.without_page += 1,
        }
    }
    if let (Some(out), false, false) = (target.out, target.changed_only, single) {
        let copies: Vec<&PathBuf> = files
            .iter()
            .filter(|entry| !pages.contains(entry.strip_prefix(target.archive).unwrap_or(entry)))
            .collect();
        copies.par_iter().try_for_each(|&entry| {
            let rel = entry.strip_prefix(target.archive).unwrap_or(entry);
            let bytes = std::fs::read(entry).map_err(|source| storyline_story::StoryError::Io {
                path: entry.clone(),
                source,
            })?;
            staged.stage(&out.join(rel), &bytes)
        })?;
        report.copied = copies.len();
    }
    staged.commit()?;
    Ok(report)
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => stack.push(path),
                // a temporary file of a run that was killed is not part of the archive
                Ok(kind) if kind.is_file() && !is_temporary(&path) => files.push(path),
                _ => {}
            }
        }
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_contiguously_and_cover_everything() {
        let ranges: Vec<Range<u32>> = (1..=3)
            .map(|i| Shard { index: i, count: 3 }.range(10))
            .collect();
        assert_eq!(ranges, [0..3, 3..6, 6..10]);
        assert_eq!(
            "2/4".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 4 }
        );
        for bad in ["0/4", "5/4", "x", "1/0", "2"] {
            assert!(
                bad.parse::<Shard>()
                    .unwrap_err()
                    .contains("expected a shard"),
                "{bad}"
            );
        }
    }

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        for text in [
            "news/2017/12/4/thomas-fire",
            "",
            "quote \" and backslash \\",
            "tab\tnew line\ncontrol \u{1}\u{1f} delete \u{7f}",
            "中文 標籤 and é",
            "emoji 🔥",
        ] {
            let mut fast = Vec::new();
            json_str(&mut fast, text.as_bytes());
            assert_eq!(fast, serde_json::to_vec(text).unwrap(), "{text:?}");
        }
    }

    /// A sink that accepts `room` bytes, then fails.
    struct Full {
        room: usize,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if buf.len() > self.room {
                return Err(std::io::Error::other("disk full"));
            }
            self.room -= buf.len();
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn engine(stories: usize) -> Engine {
        let stories =
            storyline_synth::generate(&storyline_synth::SynthConfig::new(stories, 5, Language::En));
        let tables = storyline_index::Tables::build(&stories, &TagNormalizer::new(), 1);
        Engine::new(std::sync::Arc::new(tables))
    }

    #[test]
    fn jsonl_batch_writes_every_list_in_order_and_stops_at_a_write_error() {
        let engine = engine(3_000);
        let settings = ScorerSettings::default();
        let batch_ahead = |ahead: usize, out: &mut dyn Write| {
            write_jsonl(
                &engine,
                &settings,
                RankOrder::Default,
                0..3_000,
                ahead,
                &|_| {},
                out,
            )
        };
        let batch = |out: &mut dyn Write| batch_ahead(500, out);
        let mut out = Vec::new();
        let tally = batch(&mut out).unwrap();
        // however far ahead the workers may run, the same bytes in the same order
        for ahead in [0, 1, 64, 100_000] {
            let mut other = Vec::new();
            let other_tally = batch_ahead(ahead, &mut other).unwrap();
            assert_eq!(other_tally, tally, "ahead {ahead}");
            assert!(other == out, "ahead {ahead}: different output");
        }
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!((tally.lists, lines.len()), (3_000, 3_000));
        let t = engine.tables();
        for (ord, line) in lines.iter().enumerate() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(value["id"], &t.ids[ord], "line {ord} out of order");
        }
        let empty = lines
            .iter()
            .filter(|l| l.ends_with("\"related\":[]}"))
            .count();
        assert_eq!(tally.empty, empty);
        // the same lists as the engine's own, one by one
        let third: serde_json::Value = serde_json::from_str(lines[3]).unwrap();
        let ranked = engine.rank(&engine.subject(3), &settings, RankOrder::Default);
        let ids: Vec<&str> = ranked
            .entries
            .iter()
            .map(|(ord, _)| &t.ids[*ord as usize])
            .collect();
        let written: Vec<&str> = third["related"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        assert_eq!(written, ids);

        // a sink that fills up: the error comes back (the workers stop; nothing hangs)
        let err = batch(&mut Full { room: 100_000 }).unwrap_err();
        assert_eq!(err.to_string(), "disk full");
    }

    #[test]
    fn a_worker_that_panics_stops_the_batch_instead_of_hanging_it() {
        let engine = engine(2_000);
        let settings = ScorerSettings::default();
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let count = std::sync::atomic::AtomicUsize::new(0);
            let on_story = |_| {
                if count.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 700 {
                    panic!("a worker fails");
                }
            };
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut out = Vec::new();
                write_jsonl(
                    &engine,
                    &settings,
                    RankOrder::Default,
                    0..2_000,
                    64,
                    &on_story,
                    &mut out,
                )
                .map(|_| out.len())
            }));
            let _ = done.send(outcome.is_err());
        });
        let panicked = finished
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the batch stopped rather than waiting forever");
        assert!(panicked, "the worker's panic reaches the caller");
    }
}
