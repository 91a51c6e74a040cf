//! Building a new index generation from stories handed over in chunks.
//!
//! [`IndexBuilder`] opens a fresh generation directory and a tantivy writer, takes stories a
//! chunk at a time (documents go to the writer, the few fields the scorer tables need are
//! kept), and on [`IndexBuilder::finish`] commits, writes the tables and metadata and only then
//! switches `CURRENT`. An archive is thus indexed in memory proportional to the writer's budget
//! and the tables, not to the archive's text. A builder dropped before `finish` leaves an
//! unreferenced generation that the next build removes: the live index is never touched.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use storyline_story::{Story, TagNormalizer, write_atomically};
use tantivy::{Index, IndexWriter, TantivyDocument};

use crate::analyzer;
use crate::error::{Result, io_error};
use crate::schema::{Fields, SCHEMA_VERSION};
use crate::store::{
    BuildSettings, CURRENT, IndexMeta, META, StoryIndex, TABLES, WRITER_HEAP, generations,
    normalizer_of, write_json, write_tables,
};
use crate::tables::{Readers, TablesBuilder};

/// A generation being built; see the module documentation.
pub struct IndexBuilder {
    root: PathBuf,
    name: String,
    generation: PathBuf,
    writer: IndexWriter,
    fields: Fields,
    normalizer: TagNormalizer,
    aliases: Option<String>,
    tables: TablesBuilder,
}

impl std::fmt::Debug for IndexBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexBuilder")
            .field("generation", &self.generation)
            .field("stories", &self.tables.len())
            .finish()
    }
}

impl IndexBuilder {
    /// Starts a new generation of the index at `root` (created if missing), removing the
    /// leftovers of killed builds.
    pub fn new(root: &Path, settings: &BuildSettings) -> Result<IndexBuilder> {
        std::fs::create_dir_all(root).map_err(io_error(root))?;
        let live = std::fs::read_to_string(root.join(CURRENT)).ok();
        for (_, path) in generations(root) {
            if live.as_deref().map(str::trim) != path.file_name().and_then(|n| n.to_str()) {
                let _ = std::fs::remove_dir_all(&path);
            }
        }
        let next = generations(root).last().map_or(1, |(n, _)| n + 1);
        let name = format!("gen-{next:06}");
        let generation = root.join(&name);
        std::fs::create_dir_all(&generation).map_err(io_error(&generation))?;

        let normalizer = normalizer_of(root, settings.aliases.as_deref())?;
        let (schema, fields) = Fields::build();
        let index = Index::create_in_dir(&generation, schema)?;
        analyzer::register(&index);
        analyzer::warm_up();
        let threads = if settings.threads == 0 {
            rayon::current_num_threads().clamp(1, 8)
        } else {
            settings.threads
        };
        let writer: IndexWriter = index.writer_with_num_threads(threads, WRITER_HEAP * threads)?;
        Ok(IndexBuilder {
            root: root.to_path_buf(),
            name,
            generation,
            writer,
            fields,
            normalizer,
            aliases: settings.aliases.clone(),
            tables: TablesBuilder::default(),
        })
    }

    /// Adds stories (ids unique across all chunks); `on_story` is called once per story.
    pub fn add(&mut self, stories: &[Story], on_story: &(dyn Fn() + Sync)) -> Result<()> {
        let (writer, fields, normalizer) = (&self.writer, &self.fields, &self.normalizer);
        stories
            .par_chunks(1024)
            .try_for_each(|chunk| -> Result<()> {
                let batch: Vec<TantivyDocument> = chunk
                    .iter()
                    .map(|s| fields.document(s, normalizer))
                    .collect();
                for doc in batch {
                    writer.add_document(doc)?;
                    on_story();
                }
                Ok(())
            })?;
        self.tables.add(stories);
        Ok(())
    }

    /// Stories added so far.
    pub fn len(&self) -> usize {
        self.tables.len()
    }

    /// Whether no story was added.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Commits, writes the tables and metadata, makes the generation the live one and opens it.
    pub fn finish(self) -> Result<StoryIndex> {
        let IndexBuilder {
            root,
            name,
            generation,
            mut writer,
            normalizer,
            aliases,
            tables,
            ..
        } = self;
        // the scorer tables are finished while tantivy writes its segments: neither needs
        // the other, and the commit alone leaves a core mostly idle
        let (committed, mut tables) = std::thread::scope(|scope| {
            let finishing = scope.spawn(move || tables.finish(&normalizer, 0));
            let committed = writer
                .commit()
                .and_then(|opstamp| writer.wait_merging_threads().map(|()| opstamp));
            let tables = finishing
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (committed, tables)
        });
        tables.opstamp = committed?;
        let meta = IndexMeta {
            schema_version: SCHEMA_VERSION,
            storyline_version: env!("CARGO_PKG_VERSION").to_string(),
            aliases,
        };
        write_tables(&generation.join(TABLES), &tables)?;
        write_json(&generation.join(META), &meta)?;
        write_atomically(&root.join(CURRENT), |w| w.write_all(name.as_bytes()))?;
        for (_, path) in generations(&root) {
            if path != generation {
                let _ = std::fs::remove_dir_all(&path);
            }
        }
        let index = StoryIndex::open_with(&root, Some(tables), Readers::All)?;
        index.keep_ordinals();
        Ok(index)
    }
}
