//! Index directories: generations, metadata, building, opening and updating.
//!
//! An index directory holds generations (`gen-000001/`, …) and a `CURRENT` file naming the live
//! one. A build writes a new generation completely (tantivy commit, tables, metadata) and only
//! then replaces `CURRENT` atomically, so killing a build leaves the previous index searchable;
//! leftovers of a killed build are removed by the next one. Updates go into the live generation
//! through tantivy commits, which are atomic too; the tables record the commit they describe
//! and are rebuilt from the stored stories when they lag behind (a kill between the two).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use serde::{Deserialize, Serialize};
use storyline_story::{Story, TagNormalizer, write_atomically};
use tantivy::Directory;
use tantivy::directory::MmapDirectory;
use tantivy::index::SegmentId;
use tantivy::schema::Value;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, SegmentReader, TantivyDocument};

use crate::analyzer;
use crate::builder::IndexBuilder;
use crate::error::{IndexError, Result, io_error};
use crate::schema::{Fields, SCHEMA_VERSION};
use crate::tables::{Readers, Tables};

pub(crate) const CURRENT: &str = "CURRENT";
pub(crate) const META: &str = "storyline.json";
pub(crate) const TABLES: &str = "tables.bin";
/// The documents' ordinals in the tables, per segment ([`StoryIndex::ordinals`]), kept so
/// that a command's first search need not make them.
pub(crate) const ORDINALS: &str = "ordinals.bin";
/// The first bytes of [`ORDINALS`].
const ORDINALS_MARK: &[u8; 8] = b"SLORDS1\n";
pub(crate) const WRITER_HEAP: usize = 256 << 20;

/// What an index records about how it was built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexMeta {
    /// The schema version (see [`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// The Storyline version that built it.
    pub storyline_version: String,
    /// The tag alias file's text the keys were made with (reapplied on update and query).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aliases: Option<String>,
}

/// Settings of a build.
#[derive(Debug, Clone, Default)]
pub struct BuildSettings {
    /// Text of a TOML tag alias file.
    pub aliases: Option<String>,
    /// Indexing threads (0: one per core).
    pub threads: usize,
}

/// An opened story index.
pub struct StoryIndex {
    root: PathBuf,
    generation: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    meta: IndexMeta,
    normalizer: TagNormalizer,
    tables: Arc<Tables>,
    /// who reads the tables read from the file: what is checked of them
    readers: Readers,
    /// why the tables were built again from the stories at open, if they were
    tables_rebuilt: Option<String>,
    /// per segment, the tables ordinal of each document ([`NO_ORDINAL`] for none), made at
    /// first use ([`StoryIndex::ordinals`]) and dropped when the tables change
    ordinals: RwLock<HashMap<SegmentId, Arc<[u32]>>>,
}

/// The ordinal of a document the tables do not hold (in [`StoryIndex::ordinals`]).
pub(crate) const NO_ORDINAL: u32 = u32::MAX;

impl std::fmt::Debug for StoryIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoryIndex")
            .field("generation", &self.generation)
            .field("stories", &self.tables.len())
            .finish()
    }
}

pub(crate) fn normalizer_of(path: &Path, aliases: Option<&str>) -> Result<TagNormalizer> {
    match aliases {
        Some(text) => TagNormalizer::from_toml(text).map_err(|message| IndexError::Corrupt {
            path: path.to_path_buf(),
            message: format!("aliases: {message}"),
        }),
        None => Ok(TagNormalizer::new()),
    }
}

pub(crate) fn generations(root: &Path) -> Vec<(u32, PathBuf)> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let n = name.strip_prefix("gen-")?.parse().ok()?;
            Some((n, e.path()))
        })
        .collect();
    found.sort();
    found
}

impl StoryIndex {
    /// Builds a new generation of the index at `root` from `stories` (ids must be unique) and
    /// makes it the live one. `on_story` is called once per story indexed.
    pub fn build(
        root: &Path,
        stories: &[Story],
        settings: &BuildSettings,
        on_story: &(dyn Fn() + Sync),
    ) -> Result<StoryIndex> {
        let mut builder = IndexBuilder::new(root, settings)?;
        builder.add(stories, on_story)?;
        builder.finish()
    }

    /// Opens the live generation of the index at `root`.
    pub fn open(root: &Path) -> Result<StoryIndex> {
        StoryIndex::open_with(root, None, Readers::All)
    }

    /// Opens the live generation for searches only: the scorer tables' text vectors and
    /// postings, which only the related-story engine reads, are left unread (about half of
    /// the tables file, on a large archive the larger part of opening it).
    pub fn open_for_search(root: &Path) -> Result<StoryIndex> {
        StoryIndex::open_with(root, None, Readers::Search)
    }

    /// Opens the live generation, taking `built` as its tables when they describe its commit
    /// (a build that just wrote them need not read them back).
    pub(crate) fn open_with(
        root: &Path,
        built: Option<Tables>,
        readers: Readers,
    ) -> Result<StoryIndex> {
        let current = match std::fs::read_to_string(root.join(CURRENT)) {
            Ok(name) => name.trim().to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(IndexError::NotFound(root.to_path_buf()));
            }
            Err(e) => return Err(io_error(root)(e)),
        };
        let generation = root.join(&current);
        let meta: IndexMeta = read_json(root, &generation.join(META))?;
        if meta.schema_version != SCHEMA_VERSION {
            return Err(IndexError::Incompatible {
                path: root.to_path_buf(),
                found: meta.schema_version,
                expected: SCHEMA_VERSION,
            });
        }
        let index = Index::open_in_dir(&generation)?;
        analyzer::register(&index);
        let fields = Fields::from_schema(&index.schema())?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let normalizer = normalizer_of(root, meta.aliases.as_deref())?;
        let mut story_index = StoryIndex {
            root: root.to_path_buf(),
            generation,
            index,
            reader,
            fields,
            meta,
            normalizer,
            tables: Arc::new(Tables::default()),
            readers,
            tables_rebuilt: None,
            ordinals: RwLock::default(),
        };
        match built {
            Some(tables) if tables.opstamp == story_index.index.load_metas()?.opstamp => {
                story_index.tables = Arc::new(tables);
            }
            _ => story_index.load_tables()?,
        }
        story_index.load_ordinals();
        Ok(story_index)
    }

    fn load_tables(&mut self) -> Result<()> {
        // the ordinals of the tables being replaced
        self.ordinals
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        let opstamp = self.index.load_metas()?.opstamp;
        let path = self.generation.join(TABLES);
        // mapped, not read: the columns are read in place in the page cache, with no buffer to
        // allocate, zero and fill
        // (the plain directory: the index's managed one expects tantivy's footer on each file)
        let stored = MmapDirectory::open(&self.generation)
            .map_err(|e| e.to_string())
            .and_then(|dir| {
                dir.open_read(Path::new(TABLES))
                    .map_err(|_| "missing".to_string())
            })
            .and_then(|file| file.read_bytes().map_err(|e| e.to_string()))
            .and_then(|bytes| Tables::from_owned_bytes_for(bytes, self.readers));
        let why = match stored {
            Ok(tables) if tables.opstamp == opstamp => {
                self.tables = Arc::new(tables);
                return Ok(());
            }
            // killed between a commit and the table write
            Ok(_) => "behind the index's last commit".to_string(),
            Err(e) => e,
        };
        let tables = Tables::build(&self.all_stories()?, &self.normalizer, opstamp);
        write_tables(&path, &tables)?;
        self.tables = Arc::new(tables);
        self.tables_rebuilt = Some(why);
        self.keep_ordinals();
        Ok(())
    }

    /// Adds or replaces (same id) `upserts` and deletes `deletes`, in one commit.
    pub fn update(&mut self, upserts: &[Story], deletes: &[String]) -> Result<UpdateReport> {
        let mut writer: IndexWriter<TantivyDocument> =
            self.index.writer_with_num_threads(1, WRITER_HEAP)?;
        let mut report = UpdateReport::default();
        for id in deletes {
            if self.tables.ord(id).is_some() {
                report.deleted += 1;
            } else {
                report.missing.push(id.clone());
            }
            writer.delete_term(self.fields.id_term(id));
        }
        for story in upserts {
            if self.tables.ord(&story.id).is_some() {
                report.replaced += 1;
            } else {
                report.added += 1;
            }
            writer.delete_term(self.fields.id_term(&story.id));
            writer.add_document(self.fields.document(story, &self.normalizer))?;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        self.reader.reload()?;
        // the tables on disk describe the commit before: they are built again, and the
        // ordinals kept with them
        self.load_tables()?;
        Ok(report)
    }

    /// Every story in the index, in tables order for a fresh build, else segment order.
    pub fn all_stories(&self) -> Result<Vec<Story>> {
        self.reader.reload()?;
        let searcher = self.reader.searcher();
        let mut stories = Vec::new();
        for segment in searcher.segment_readers() {
            let store = segment
                .get_store_reader(64)
                .map_err(io_error(&self.generation))?;
            for doc_id in segment.doc_ids_alive() {
                let doc: TantivyDocument = store.get(doc_id)?;
                stories.push(self.story_of(&doc)?);
            }
        }
        stories.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.id.cmp(&b.id)));
        Ok(stories)
    }

    pub(crate) fn story_of(&self, doc: &TantivyDocument) -> Result<Story> {
        let json = doc
            .get_first(self.fields.story)
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        serde_json::from_str(json).map_err(|e| IndexError::Corrupt {
            path: self.generation.clone(),
            message: format!("stored story: {e}"),
        })
    }

    /// The story with this id.
    pub fn story(&self, id: &str) -> Result<Option<Story>> {
        let searcher = self.reader.searcher();
        let query = tantivy::query::TermQuery::new(
            self.fields.id_term(id),
            tantivy::schema::IndexRecordOption::Basic,
        );
        let hits = searcher.search(
            &query,
            &tantivy::collector::TopDocs::with_limit(1).order_by_score(),
        )?;
        match hits.first() {
            Some((_, address)) => {
                let story = self.story_of(&searcher.doc(*address)?)?;
                Ok((story.id == id).then_some(story))
            }
            None => Ok(None),
        }
    }

    /// Size of the live generation on disk, in bytes.
    pub fn size_on_disk(&self) -> u64 {
        walk_size(&self.generation)
    }

    /// The scorer tables.
    pub fn tables(&self) -> &Arc<Tables> {
        &self.tables
    }

    /// Takes the scorer tables out of the index, which keeps empty ones: for a command that
    /// needs the tables of its own (to copy columns into memory) and no more lookups through
    /// the index. Without a copy when nothing else holds them.
    pub fn take_tables(&mut self) -> Tables {
        let tables = std::mem::take(&mut self.tables);
        Arc::try_unwrap(tables).unwrap_or_else(|shared| Tables::clone(&shared))
    }

    /// Why opening built the scorer tables again from the stored stories (they were missing,
    /// behind the index, damaged or in an older format), if it did: it takes a while on a large
    /// index, once, and a command says so.
    pub fn tables_rebuilt(&self) -> Option<&str> {
        self.tables_rebuilt.as_deref()
    }

    /// The tables ordinal of each document of `segment` ([`NO_ORDINAL`] for a document the
    /// tables do not hold), read from its `id` column once and kept while the tables are: a
    /// search reads a hit's headline from the tables through it, not from the compressed
    /// store. About 30 ms for 100,000 stories, 0.6 s for a million.
    pub(crate) fn ordinals(&self, segment: &SegmentReader) -> Result<Arc<[u32]>> {
        let made = self.ordinals.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(ordinals) = made.get(&segment.segment_id()) {
            return Ok(Arc::clone(ordinals));
        }
        drop(made);
        // made by one search at a time (the others wait for it rather than make it again)
        let mut cache = self
            .ordinals
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(ordinals) = cache.get(&segment.segment_id()) {
            return Ok(Arc::clone(ordinals));
        }
        let column = segment
            .fast_fields()
            .str("id")?
            .ok_or_else(|| IndexError::Corrupt {
                path: self.root.clone(),
                message: "a segment has no id column".into(),
            })?;
        let mut by_term = Vec::with_capacity(column.num_terms());
        let mut terms = column.dictionary().stream().map_err(io_error(&self.root))?;
        while terms.advance() {
            let ord = std::str::from_utf8(terms.key())
                .ok()
                .and_then(|id| self.tables.ord(id));
            by_term.push(ord.unwrap_or(NO_ORDINAL));
        }
        let ordinals: Arc<[u32]> = (0..segment.max_doc())
            .map(|doc| {
                column
                    .term_ords(doc)
                    .next()
                    .and_then(|term| by_term.get(term as usize).copied())
                    .unwrap_or(NO_ORDINAL)
            })
            .collect();
        cache.insert(segment.segment_id(), Arc::clone(&ordinals));
        Ok(ordinals)
    }

    /// Makes the documents' ordinals of every segment and writes them into the generation
    /// (atomically), for the next opening of the index.
    pub(crate) fn save_ordinals(&self) -> Result<()> {
        let searcher = self.reader.searcher();
        let mut made = Vec::new();
        for segment in searcher.segment_readers() {
            made.push((segment.segment_id().uuid_string(), self.ordinals(segment)?));
        }
        let opstamp = self.tables.opstamp;
        write_atomically(&self.generation.join(ORDINALS), |w| {
            w.write_all(ORDINALS_MARK)?;
            w.write_all(&opstamp.to_le_bytes())?;
            w.write_all(&(made.len() as u64).to_le_bytes())?;
            for (id, ordinals) in &made {
                w.write_all(id.as_bytes())?;
                w.write_all(&(ordinals.len() as u64).to_le_bytes())?;
                let bytes: Vec<u8> = ordinals.iter().flat_map(|ord| ord.to_le_bytes()).collect();
                w.write_all(&bytes)?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// [`StoryIndex::save_ordinals`] where the index was written anyway (build, update, tables
    /// built again): a file that cannot be written only means its ordinals are made again at
    /// the first search that needs them, so it does not fail the work that was done.
    pub(crate) fn keep_ordinals(&self) {
        if let Err(e) = self.save_ordinals() {
            tracing::warn!(error = %e, "the documents' ordinals were not written");
        }
    }

    /// Takes the ordinals [`StoryIndex::save_ordinals`] wrote, those of the segments and tables
    /// the index has now. A file missing, damaged or behind is left alone: its ordinals are
    /// made again at their first use.
    fn load_ordinals(&self) {
        let Ok(bytes) = std::fs::read(self.generation.join(ORDINALS)) else {
            return;
        };
        let Some(saved) = read_ordinals(&bytes, self.tables.opstamp, self.tables.len()) else {
            return;
        };
        let mut cache = self
            .ordinals
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        for segment in self.reader.searcher().segment_readers() {
            if let Some((_, ordinals)) = saved
                .iter()
                .find(|(id, _)| *id == segment.segment_id().uuid_string())
                && ordinals.len() == segment.max_doc() as usize
            {
                cache.insert(segment.segment_id(), Arc::clone(ordinals));
            }
        }
    }

    /// How many segments' ordinals are made.
    #[cfg(test)]
    fn ordinals_made(&self) -> usize {
        self.ordinals
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Makes now what searches otherwise make at their first use (the id lookup and the
    /// documents' ordinals): a server does, so its first searches are not the slow ones. The
    /// ordinals an index had no file for (one built by an older Storyline) are written.
    pub fn warm_up(&self) -> Result<()> {
        self.tables.build_lookups();
        let segments = self.reader.searcher().segment_readers().len();
        let saved = self
            .ordinals
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        if saved < segments {
            self.save_ordinals()?;
        }
        Ok(())
    }

    /// The tantivy index.
    pub fn tantivy(&self) -> &Index {
        &self.index
    }

    /// The reader (searchers come from it).
    pub fn reader(&self) -> &IndexReader {
        &self.reader
    }

    /// The fields.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// The tag normaliser the index was built with.
    pub fn normalizer(&self) -> &TagNormalizer {
        &self.normalizer
    }

    /// The build metadata.
    pub fn meta(&self) -> &IndexMeta {
        &self.meta
    }

    /// The index directory.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// What an update did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateReport {
    /// Stories that were new.
    pub added: usize,
    /// Stories that replaced one with the same id.
    pub replaced: usize,
    /// Stories deleted.
    pub deleted: usize,
    /// Ids asked to be deleted that were not in the index.
    pub missing: Vec<String>,
}

/// The segments' ordinals in an [`ORDINALS`] file written for the tables of `opstamp` (of
/// `stories` stories), or `None` when it is not one, is cut short, or is behind.
fn read_ordinals(bytes: &[u8], opstamp: u64, stories: usize) -> Option<Vec<(String, Arc<[u32]>)>> {
    let mut rest = bytes;
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, tail) = rest.split_at_checked(n)?;
        rest = tail;
        Some(head)
    };
    if take(ORDINALS_MARK.len())? != ORDINALS_MARK {
        return None;
    }
    let number = |bytes: &[u8]| -> Option<u64> { Some(u64::from_le_bytes(bytes.try_into().ok()?)) };
    if number(take(8)?)? != opstamp {
        return None;
    }
    let segments = number(take(8)?)?;
    let mut saved = Vec::new();
    for _ in 0..segments {
        let id = std::str::from_utf8(take(32)?).ok()?.to_string();
        let docs = usize::try_from(number(take(8)?)?).ok()?;
        let ordinals: Arc<[u32]> = take(docs.checked_mul(4)?)?
            .chunks_exact(4)
            .map(|ord| u32::from_le_bytes([ord[0], ord[1], ord[2], ord[3]]))
            .collect();
        // an ordinal the tables do not have is damage
        if ordinals
            .iter()
            .any(|&ord| ord != NO_ORDINAL && ord as usize >= stories)
        {
            return None;
        }
        saved.push((id, ordinals));
    }
    rest.is_empty().then_some(saved)
}

fn walk_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => walk_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

pub(crate) fn write_tables(path: &Path, tables: &Tables) -> Result<()> {
    write_atomically(path, |w| tables.write_to(w))?;
    Ok(())
}

pub(crate) fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomically(path, |w| {
        serde_json::to_writer(w, value).map_err(std::io::Error::other)
    })?;
    Ok(())
}

fn read_json<T: for<'de> Deserialize<'de>>(root: &Path, path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => IndexError::Corrupt {
            path: root.to_path_buf(),
            message: format!("{} is missing", path.display()),
        },
        _ => io_error(path)(e),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| IndexError::Corrupt {
        path: root.to_path_buf(),
        message: format!("{}: {e}", path.display()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use storyline_story::{Date, Story};

    fn story(id: &str, day: &str, title: &str) -> Story {
        Story::new(id, day.parse::<Date>().unwrap(), title)
    }

    /// Asserts that every live document's ordinal names its own story in the tables.
    fn ordinals_name_their_stories(index: &StoryIndex) {
        let searcher = index.reader().searcher();
        for segment in searcher.segment_readers() {
            let ordinals = index.ordinals(segment).unwrap();
            let store = segment.get_store_reader(1).unwrap();
            for doc in segment.doc_ids_alive() {
                let stored: TantivyDocument = store.get(doc).unwrap();
                let id = stored
                    .get_first(index.fields().id)
                    .and_then(|v| v.as_str())
                    .unwrap()
                    .to_string();
                let ord = ordinals[doc as usize];
                assert_ne!(ord, NO_ORDINAL, "{id}");
                assert_eq!(index.tables().ids.get(ord as usize), Some(id.as_str()));
            }
        }
    }

    #[test]
    fn documents_ordinals_follow_the_tables_through_updates() {
        let dir = tempfile::tempdir().unwrap();
        let stories: Vec<Story> = (0..40)
            .map(|i| {
                let day = format!("2020-02-{:02}", 1 + i % 28);
                story(&format!("s{i}"), &day, &format!("Story number {i}"))
            })
            .collect();
        let mut index = StoryIndex::build(
            &dir.path().join("index"),
            &stories,
            &BuildSettings::default(),
            &|| {},
        )
        .unwrap();
        ordinals_name_their_stories(&index);
        // a story dated first moves every ordinal by one; a deleted one leaves the tables
        let earliest = story("early", "2019-01-01", "The earliest story");
        index.update(&[earliest], &["s7".to_string()]).unwrap();
        ordinals_name_their_stories(&index);
        assert_eq!(index.tables().ord("early"), Some(0));
        // opened again, the index has them all from its file, before any search
        let root = dir.path().join("index");
        let segments = index.reader().searcher().segment_readers().len();
        let reopened = StoryIndex::open(&root).unwrap();
        assert_eq!(reopened.ordinals_made(), segments);
        ordinals_name_their_stories(&reopened);
        // a damaged or missing file is left alone: they are made again
        let file = reopened.generation.join(ORDINALS);
        let bytes = std::fs::read(&file).unwrap();
        for damaged in [
            &bytes[..bytes.len() - 1],
            &bytes[..4],
            b"not ordinals at all",
        ] {
            std::fs::write(&file, damaged).unwrap();
            let reopened = StoryIndex::open(&root).unwrap();
            assert_eq!(reopened.ordinals_made(), 0);
            ordinals_name_their_stories(&reopened);
        }
        std::fs::remove_file(&file).unwrap();
        let reopened = StoryIndex::open(&root).unwrap();
        assert_eq!(reopened.ordinals_made(), 0);
        ordinals_name_their_stories(&reopened);
        // one written for other tables is behind
        let mut behind = bytes.clone();
        behind[8] ^= 1;
        std::fs::write(&file, &behind).unwrap();
        assert_eq!(StoryIndex::open(&root).unwrap().ordinals_made(), 0);
    }
}
