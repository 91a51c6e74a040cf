//! Compact in-memory tables the related-story scorer needs beside the tantivy index: story
//! ordinals (in date order, so every posting list is date-sorted) with their day, language and
//! tag ids; tags with their display spelling and story counts; tag postings; and a short TF-IDF
//! vector per story over a shared vocabulary, for text similarity without touching the index.
//! Built with the index and persisted beside it: a file of raw columns, mapped and read in
//! place when an index is opened (see [`Tables::write_to`]).

use std::collections::HashMap;
use std::sync::OnceLock;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use storyline_story::{Language, Story, TagNormalizer};
use tantivy::tokenizer::TextAnalyzer;

use tantivy::directory::OwnedBytes;

use crate::analyzer;
use crate::flat::{Column, Jagged, Names, Positions, Strings};

/// What a tables file starts with: the format of what follows (raw columns in place). A file
/// in an older format is not read: the tables are built again from the index.
const MAGIC: &[u8; 8] = b"SLTAB\x00\x00\x05";

/// Columns of a tables file, in the order they are written.
const SECTIONS: usize = 20;

/// What a tables file holds besides its columns: the small parts, and each column's length in
/// bytes (postcard, after the format mark and the head's own length).
#[derive(Serialize, Deserialize)]
struct Head {
    opstamp: u64,
    languages: Vec<Language>,
    tags: Vec<TagEntry>,
    sections: Vec<u64>,
}

/// Bytes that pad `len` to a multiple of 8, so every column starts aligned for its values.
fn padding(len: usize) -> usize {
    len.next_multiple_of(8) - len
}

/// Terms kept in a story's text vector.
pub const VECTOR_TERMS: usize = 16;

/// One context tag of the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagEntry {
    /// The matching key (normalised, aliases applied).
    pub key: String,
    /// The most used spelling, for display.
    pub display: String,
    /// How many stories carry it.
    pub stories: u32,
}

impl TagEntry {
    /// Whether the tag continues what `typed` (a tag key) begins: its key starts with it, or,
    /// from three bytes typed, one of its later words does (`civil war` → `syrian civil war`).
    pub fn continues(&self, typed: &str) -> bool {
        self.key.starts_with(typed)
            || (typed.len() >= 3
                && self
                    .key
                    .match_indices(' ')
                    .any(|(at, _)| self.key[at + 1..].starts_with(typed)))
    }
}

/// One term of a text vector: its id in the vocabulary and its weight. Plain data, so a file
/// of vectors is read in place.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Term {
    /// The term id.
    pub id: u32,
    /// Its TF-IDF weight.
    pub weight: f32,
}

impl Term {
    /// The term `id` with `weight`.
    pub const fn new(id: u32, weight: f32) -> Term {
        Term { id, weight }
    }
}

/// A sparse, L2-normalised TF-IDF vector, term ids ascending.
pub type TextVector = Vec<Term>;

/// A text vector stored inline: its terms ascending, then [`PAD`] entries. A cosine against a
/// stored story reads one place in memory, not a list's offsets and then its entries.
pub type PackedVector = [Term; VECTOR_TERMS];

/// The entry that fills a packed vector after its terms (it adds nothing to a cosine).
pub const PAD: Term = Term::new(u32::MAX, 0.0);

/// `vector` (at most [`VECTOR_TERMS`] terms are kept), packed.
pub fn pack(vector: &[Term]) -> PackedVector {
    let mut packed = [PAD; VECTOR_TERMS];
    for (slot, entry) in packed.iter_mut().zip(vector) {
        *slot = *entry;
    }
    packed
}

/// The terms of a packed vector, without its padding.
pub fn unpadded(packed: &PackedVector) -> &[Term] {
    let len = packed
        .iter()
        .position(|term| term.id == PAD.id)
        .unwrap_or(VECTOR_TERMS);
    &packed[..len]
}

/// A story in a term's text postings.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct TextPosting {
    /// Its ordinal, with [`TAGGED`] set when the story has tags.
    pub ord: u32,
    /// Its day.
    pub day: i32,
    /// The term's weight in its text vector.
    pub weight: f32,
}

/// The bit of [`TextPosting::ord`] that says the story has tags.
pub const TAGGED: u32 = 1 << 31;

/// Postings between two fences of [`Tables::text_fences`].
pub const FENCE: usize = 32;

/// Who will read tables opened from a file, which decides what [`Tables::from_owned_bytes_for`]
/// checks value by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Readers {
    /// Searches and the related-story engine: every column is checked.
    #[default]
    All,
    /// Searches only. The text vectors and postings, which only the related-story engine reads
    /// (half the file), are not read at all, and the engine refuses these tables.
    Search,
}

/// Whether the text columns went unchecked ([`Readers::Search`]). Not part of the tables'
/// value: tables are equal however they were opened.
#[derive(Debug, Clone, Copy, Default)]
struct TextUnchecked(bool);

impl PartialEq for TextUnchecked {
    fn eq(&self, _: &TextUnchecked) -> bool {
        true
    }
}

/// The scorer's tables. Story ordinals are positions in `ids` (sorted by date, then id); tag
/// ids are positions in `tags`; term ids are positions in `terms`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tables {
    /// The tantivy commit these tables describe.
    pub opstamp: u64,
    /// Story ids by ordinal.
    pub ids: Strings,
    /// Story headlines by ordinal (related lists show them without touching the index).
    pub titles: Strings,
    /// Story days (days since 1970-01-01) by ordinal, ascending.
    pub days: Column<i32>,
    /// Story languages by ordinal.
    pub languages: Vec<Language>,
    /// Tag ids of each story, in the story's order.
    pub story_tags: Jagged<u32>,
    /// Ordinals of each story's other versions present in the index (both directions).
    pub versions: Jagged<u32>,
    /// The tags.
    pub tags: Vec<TagEntry>,
    /// Stories of each tag, ordinals ascending (so: date ascending).
    pub postings: Jagged<u32>,
    /// Text vocabulary: analysed terms.
    pub terms: Strings,
    /// Stories whose text holds each term.
    pub term_stories: Column<u32>,
    /// Each story's text vector, packed.
    pub vectors: Column<PackedVector>,
    /// Each term's stories (those whose text vector holds it), in date order: the text
    /// neighbours of a story are found in the lists of its terms.
    pub text_postings: Jagged<TextPosting>,
    /// Each term's fences: the day of its postings 0, [`FENCE`], 2·[`FENCE`], …, so the part of
    /// a long list nearest a day is found without a binary search that misses the cache at
    /// every step.
    pub text_fences: Jagged<i32>,
    text_unchecked: TextUnchecked,
    by_id: Lookup,
    by_key: Lookup,
    by_term: Lookup,
    /// Whether any story is in English, in Chinese.
    languages_present: [bool; 2],
}

/// The distinct tokens of a story's headline and summary with its language's analyzer, with
/// their counts (a headline token counts twice: it is what the story is about), in the order
/// they first occur.
fn story_terms(story: &Story, en: &mut TextAnalyzer, zh: &mut TextAnalyzer) -> Vec<(String, u32)> {
    let analyzer = match story.language {
        Language::En => en,
        Language::Zh => zh,
    };
    let mut terms: Vec<(String, u32)> = Vec::new();
    for (text, weight) in [(&story.title, 2), (&story.summary, 1)] {
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            let token = &stream.token().text;
            // a story has tens of distinct terms: a linear scan beats hashing each token
            match terms.iter_mut().find(|(t, _)| t == token) {
                Some(entry) => entry.1 += weight,
                None => terms.push((token.clone(), weight)),
            }
        }
    }
    terms
}

impl Tables {
    /// Builds the tables of a set of stories (ids unique, any order).
    pub fn build(stories: &[Story], normalizer: &TagNormalizer, opstamp: u64) -> Tables {
        let mut builder = TablesBuilder::default();
        builder.add(stories);
        builder.finish(normalizer, opstamp)
    }

    /// The text vector of an unsaved story (its terms weighed by this corpus's statistics).
    pub fn vector_of(&self, story: &Story) -> TextVector {
        let terms = story_terms(story, &mut analyzer::english(), &mut analyzer::chinese());
        let counts: Vec<(u32, u32)> = terms
            .into_iter()
            .filter_map(|(term, count)| Some((self.by_term().find(&self.terms, &term)?, count)))
            .collect();
        weigh(counts, &self.term_stories, self.len().max(1))
    }

    /// Resets what is derived from the tables after deserialising: the languages present now,
    /// the lookup maps (id, tag key, term → position) when first used. A batch that never looks
    /// an id up never pays for the map.
    pub fn reindex(&mut self) {
        self.languages_present = [
            self.languages.contains(&Language::En),
            self.languages.contains(&Language::Zh),
        ];
        self.by_id = Lookup::default();
        self.by_key = Lookup::default();
        self.by_term = Lookup::default();
    }

    /// Builds the lookup maps now rather than at their first use (a server does, so its first
    /// requests are not the slow ones).
    pub fn build_lookups(&self) {
        self.by_id();
        self.by_key();
        self.by_term();
    }

    fn by_id(&self) -> &Positions {
        self.by_id.0.get_or_init(|| Positions::new(&self.ids))
    }

    fn by_key(&self) -> &Positions {
        self.by_key.0.get_or_init(|| Positions::new(&self.tags[..]))
    }

    fn by_term(&self) -> &Positions {
        self.by_term.0.get_or_init(|| Positions::new(&self.terms))
    }

    /// Whether any story is in `language` (a search skips the fields of absent languages).
    pub fn has_language(&self, language: Language) -> bool {
        self.languages_present[match language {
            Language::En => 0,
            Language::Zh => 1,
        }]
    }

    /// The ordinal of a story id.
    pub fn ord(&self, id: &str) -> Option<u32> {
        self.by_id().find(&self.ids, id)
    }

    /// What to say of an id no story has: that, and the ids that start with it, when a few do
    /// (a truncated id, as a narrow terminal or a log line cuts it).
    pub fn unknown_id(&self, id: &str) -> String {
        const SHOWN: usize = 3;
        let mut starting: Vec<&str> = Vec::new();
        let mut more = 0;
        if !id.is_empty() {
            for other in self.ids.iter().filter(|other| other.starts_with(id)) {
                if starting.len() < SHOWN {
                    starting.push(other);
                } else {
                    more += 1;
                }
            }
        }
        let mut message = format!("no story with id {id:?}");
        if !starting.is_empty() {
            let listed: Vec<String> = starting.iter().map(|s| format!("{s:?}")).collect();
            message.push_str(&format!("; did you mean {}", listed.join(" or ")));
            if more > 0 {
                message.push_str(&format!(" (or {more} more starting so)"));
            }
            message.push('?');
        }
        message
    }

    /// The tag id of a matching key.
    pub fn tag_id(&self, key: &str) -> Option<u32> {
        self.by_key().find(&self.tags[..], key)
    }

    /// Copies the columns a related list reads at random (ids, days, text vectors, each story's
    /// tags and versions) out of the mapped file into memory of their own. Read in place, they
    /// cost a page-table walk at nearly every read on a large archive (file pages are 4 KiB;
    /// the heap gets huge pages); copied, they cost the copy: worth it for a batch of every
    /// list, not for a few lookups. The text postings stay where they are: a list reads them
    /// in runs of a term's nearest stories, a page at a time (copied, the 1M batch took as
    /// long).
    pub fn make_resident(&mut self) {
        let Tables {
            ids,
            vectors,
            days,
            story_tags,
            versions,
            ..
        } = self;
        rayon::join(
            || {
                ids.make_resident();
                vectors.make_resident();
            },
            || {
                days.make_resident();
                story_tags.make_resident();
                versions.make_resident();
            },
        );
    }

    /// Whether the text vectors and postings were checked when the tables were read (or the
    /// tables were built): the related-story engine reads them.
    pub fn text_checked(&self) -> bool {
        !self.text_unchecked.0
    }

    /// Number of stories.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no stories.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Serialises the tables.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        self.write_to(&mut bytes)
            .expect("tables serialise to memory");
        bytes
    }

    /// Writes the tables into `out`: the format mark, the head (its length as 8 bytes, then
    /// postcard: opstamp, languages, tags, the columns' lengths), then each column's values as
    /// they lie in memory (this machine's byte order), padded to 8 bytes. Opening an index maps
    /// the file and reads the columns in place ([`Tables::from_owned_bytes`]).
    pub fn write_to(&self, mut out: impl std::io::Write) -> std::io::Result<()> {
        let sections: [&[u8]; SECTIONS] = [
            self.ids.parts().0,
            self.ids.parts().1.as_bytes(),
            self.titles.parts().0,
            self.titles.parts().1.as_bytes(),
            self.days.as_bytes(),
            self.story_tags.parts().0.as_bytes(),
            self.story_tags.parts().1.as_bytes(),
            self.versions.parts().0.as_bytes(),
            self.versions.parts().1.as_bytes(),
            self.postings.parts().0.as_bytes(),
            self.postings.parts().1.as_bytes(),
            self.terms.parts().0,
            self.terms.parts().1.as_bytes(),
            self.term_stories.as_bytes(),
            // (term, weight bits) pairs, a story's 16 in a row
            self.vectors.as_bytes(),
            self.text_postings.parts().0.as_bytes(),
            self.text_postings.parts().1.as_bytes(),
            self.text_fences.parts().0.as_bytes(),
            self.text_fences.parts().1.as_bytes(),
            // the id lookup: a one-off command finds its story without hashing every id
            self.by_id().slots().as_bytes(),
        ];
        let head = Head {
            opstamp: self.opstamp,
            languages: self.languages.clone(),
            tags: self.tags.clone(),
            sections: sections.iter().map(|s| s.len() as u64).collect(),
        };
        let head = postcard::to_stdvec(&head).map_err(std::io::Error::other)?;
        out.write_all(MAGIC)?;
        out.write_all(&(head.len() as u64).to_le_bytes())?;
        out.write_all(&head)?;
        out.write_all(&[0; 8][..padding(head.len())])?;
        for section in sections {
            out.write_all(section)?;
            out.write_all(&[0; 8][..padding(section.len())])?;
        }
        Ok(())
    }

    /// Reads tables written by [`Tables::write_to`] from a copy of `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Tables, String> {
        Tables::from_owned_bytes(OwnedBytes::new(bytes.to_vec()))
    }

    /// Reads tables written by [`Tables::write_to`], their columns in place in `bytes` (a
    /// mapped file: nothing is decoded or copied but the head). The
    /// bytes are checked: a file in another format, cut short, or whose columns disagree is an
    /// error, never tables that would point outside themselves.
    pub fn from_owned_bytes(bytes: OwnedBytes) -> Result<Tables, String> {
        Tables::from_owned_bytes_for(bytes, Readers::All)
    }

    /// [`Tables::from_owned_bytes`] for `readers`: for searches only, the text columns are not
    /// checked (nor read).
    pub fn from_owned_bytes_for(bytes: OwnedBytes, readers: Readers) -> Result<Tables, String> {
        if cfg!(target_endian = "big") {
            // the columns are read as they lie, in a little-endian machine's order
            return Err("tables files are read in place on little-endian machines only".into());
        }
        if !bytes.as_slice().starts_with(MAGIC) {
            return Err("not tables in this version's format".into());
        }
        let cut = || "the tables file is cut short".to_string();
        let head_len = bytes
            .as_slice()
            .get(8..16)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")) as usize)
            .ok_or_else(cut)?;
        let head_end = 16usize.checked_add(head_len).ok_or_else(cut)?;
        let head: Head = postcard::from_bytes(bytes.as_slice().get(16..head_end).ok_or_else(cut)?)
            .map_err(|e| e.to_string())?;
        if head.sections.len() != SECTIONS {
            return Err(format!(
                "{} columns in the tables file, not {SECTIONS}",
                head.sections.len()
            ));
        }
        let mut at = head_end + padding(head_end);
        let mut sections = Vec::with_capacity(SECTIONS);
        for &len in &head.sections {
            let end = usize::try_from(len)
                .ok()
                .and_then(|len| at.checked_add(len))
                .filter(|&end| end <= bytes.len())
                .ok_or_else(cut)?;
            sections.push(bytes.slice(at..end));
            at = end + padding(end);
        }
        // the columns in the order `write_to` writes them
        let mut sections = sections.into_iter();
        let mut next = || sections.next().expect("SECTIONS columns");
        let strings = |text, ends| Strings::from_parts(text, Column::from_bytes(ends)?);
        fn jagged<T: bytemuck::Pod>(
            values: OwnedBytes,
            ends: OwnedBytes,
        ) -> Result<Jagged<T>, String> {
            Jagged::from_parts(Column::from_bytes(values)?, Column::from_bytes(ends)?)
        }
        // ids go into JSON lines as bytes: their text is checked whole; titles and terms are
        // checked one at a time as they are read
        let mut ids = strings(next(), next())?;
        let titles = strings(next(), next())?;
        let days = Column::from_bytes(next())?;
        let story_tags = jagged(next(), next())?;
        let versions = jagged(next(), next())?;
        let postings = jagged(next(), next())?;
        let terms = strings(next(), next())?;
        let term_stories = Column::from_bytes(next())?;
        let vectors: Column<PackedVector> = Column::from_bytes(next())?;
        let text_postings = jagged(next(), next())?;
        let text_fences = jagged(next(), next())?;
        let n = ids.len();
        let id_slots = Positions::from_slots(Column::from_bytes(next())?, n)?;
        // the passes over the file that grow with the archive, side by side: the ids' text,
        // the vectors' term ids, the text postings' ordinals
        let text_unchecked = readers == Readers::Search;
        let (checked, (vectors_in_range, postings_in_range)) = rayon::join(
            || ids.check_text(),
            || {
                if text_unchecked {
                    return (true, true);
                }
                rayon::join(
                    || {
                        vectors
                            .par_iter()
                            .flatten()
                            .all(|&entry| (entry.id as usize) < terms.len() || entry == PAD)
                    },
                    || {
                        text_postings
                            .values()
                            .par_iter()
                            .all(|p: &TextPosting| ((p.ord & !TAGGED) as usize) < n)
                    },
                )
            },
        );
        checked?;
        if !vectors_in_range {
            return Err("a text vector's term id out of range".into());
        }
        if !postings_in_range {
            return Err("a text posting's story ordinal out of range".into());
        }
        let mut tables = Tables {
            opstamp: head.opstamp,
            ids,
            titles,
            days,
            languages: head.languages,
            story_tags,
            versions,
            tags: head.tags,
            postings,
            terms,
            term_stories,
            vectors,
            text_postings,
            text_fences,
            text_unchecked: TextUnchecked(text_unchecked),
            ..Tables::default()
        };
        tables.check()?;
        tables.reindex();
        // the saved id lookup, if it finds what it should (ids hashed as when it was saved)
        if [0, n / 3, n / 2, n.saturating_sub(1)]
            .into_iter()
            .filter(|&ord| ord < n)
            .all(|ord| id_slots.find(&tables.ids, &tables.ids[ord]) == Some(ord as u32))
        {
            tables.by_id = Lookup(OnceLock::from(id_slots));
        }
        Ok(tables)
    }

    /// Whether the columns agree: one entry per story in each story column, offsets in order,
    /// and every ordinal, tag id and term id within its table.
    fn check(&self) -> Result<(), String> {
        let n = self.ids.len();
        let per_story = [
            self.titles.len(),
            self.days.len(),
            self.languages.len(),
            self.story_tags.len(),
            self.versions.len(),
            self.vectors.len(),
        ];
        if per_story.iter().any(|&len| len != n) {
            return Err(format!(
                "story columns of unequal lengths: {n} ids, {per_story:?}"
            ));
        }
        if self.postings.len() != self.tags.len()
            || self.term_stories.len() != self.terms.len()
            || self.text_postings.len() != self.terms.len()
            || self.text_fences.len() != self.terms.len()
        {
            return Err("tag or term columns of unequal lengths".into());
        }
        // a fence every FENCE postings, no more and no fewer
        let fenced = (0..self.terms.len())
            .all(|t| self.text_postings[t].len().div_ceil(FENCE) == self.text_fences[t].len());
        if !fenced {
            return Err("text fences that do not match their postings".into());
        }
        let within = |values: &[u32], bound: usize| values.iter().all(|&v| (v as usize) < bound);
        if !within(self.story_tags.values(), self.tags.len())
            || !within(self.versions.values(), n)
            || !within(self.postings.values(), n)
        {
            return Err("an offset or id out of range".into());
        }
        Ok(())
    }
}

/// What the tables keep of one story while they are being built.
#[derive(Debug)]
struct Row {
    id: String,
    title: String,
    day: i32,
    language: Language,
    contexts: Vec<String>,
    other_versions: Vec<String>,
    /// (provisional term id, count), in the order the terms first occur in the story
    terms: Vec<(u32, u32)>,
}

/// Builds [`Tables`] from stories handed over in chunks, keeping only what the tables need of
/// each (not its summary, sources or the rest), so a large archive never has to be held in
/// memory whole. The result is the same as [`Tables::build`] over all the stories at once.
#[derive(Debug, Default)]
pub struct TablesBuilder {
    rows: Vec<Row>,
    by_term: rustc_hash::FxHashMap<String, u32>,
    df: Vec<u32>,
}

impl TablesBuilder {
    /// Adds stories (ids unique across every chunk).
    pub fn add(&mut self, stories: &[Story]) {
        let tokenized: Vec<Vec<(String, u32)>> = stories
            .par_iter()
            .map_init(
                || (analyzer::english(), analyzer::chinese()),
                |(en, zh), story| story_terms(story, en, zh),
            )
            .collect();
        self.rows.reserve(stories.len());
        for (story, story_terms) in stories.iter().zip(tokenized) {
            let terms: Vec<(u32, u32)> = story_terms
                .into_iter()
                .map(|(token, count)| {
                    let id = match self.by_term.get(&token) {
                        Some(id) => *id,
                        None => {
                            let id = self.df.len() as u32;
                            self.by_term.insert(token, id);
                            self.df.push(0);
                            id
                        }
                    };
                    self.df[id as usize] += 1;
                    (id, count)
                })
                .collect();
            self.rows.push(Row {
                id: story.id.clone(),
                title: story.title.clone(),
                day: story.date.days_since_epoch(),
                language: story.language,
                contexts: story.contexts.clone(),
                other_versions: story.other_version_ids().map(String::from).collect(),
                terms,
            });
        }
    }

    /// Stories added so far.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no story was added.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The tables: stories in date order, tag and term ids in order of first use in it.
    pub fn finish(self, normalizer: &TagNormalizer, opstamp: u64) -> Tables {
        let TablesBuilder {
            mut rows,
            by_term,
            df,
        } = self;
        rows.sort_by(|a, b| a.day.cmp(&b.day).then_with(|| a.id.cmp(&b.id)));
        let mut tables = Tables {
            opstamp,
            ..Tables::default()
        };
        // ids and titles first, each into a buffer of its exact size, each row's own copy
        // freed as it is taken: the build never holds them twice over, nor a buffer's growth
        let bytes = |text: fn(&Row) -> &String| rows.iter().map(|r| text(r).len()).sum();
        tables.ids = Strings::with_capacity(rows.len(), bytes(|r| &r.id));
        tables.titles = Strings::with_capacity(rows.len(), bytes(|r| &r.title));
        for row in &mut rows {
            tables.ids.push(&std::mem::take(&mut row.id));
            tables.titles.push(&std::mem::take(&mut row.title));
        }
        let mut by_key: HashMap<String, u32> = HashMap::new();
        let n = rows.len();
        let mut spellings: Vec<HashMap<String, u32>> = Vec::new();
        let mut postings: Vec<Vec<u32>> = Vec::new();
        // term ids renumbered in order of first use in date order
        let mut renumber = vec![u32::MAX; df.len()];
        let mut final_df: Vec<u32> = Vec::new();
        let mut counts: Vec<Vec<(u32, u32)>> = Vec::with_capacity(n);
        let mut other_versions: Vec<Vec<String>> = Vec::with_capacity(n);
        for (ord, row) in rows.into_iter().enumerate() {
            let mut tag_ids = Vec::new();
            for tag in &row.contexts {
                let key = normalizer.key(tag);
                if key.is_empty() {
                    continue;
                }
                let next = tables.tags.len() as u32;
                let id = *by_key.entry(key.clone()).or_insert(next);
                if id == next {
                    tables.tags.push(TagEntry {
                        key,
                        display: String::new(),
                        stories: 0,
                    });
                    postings.push(Vec::new());
                    spellings.push(HashMap::new());
                }
                if !tag_ids.contains(&id) {
                    tag_ids.push(id);
                    tables.tags[id as usize].stories += 1;
                    postings[id as usize].push(ord as u32);
                    match spellings[id as usize].get_mut(tag.as_str()) {
                        Some(count) => *count += 1,
                        None => {
                            spellings[id as usize].insert(tag.clone(), 1);
                        }
                    }
                }
            }
            tables.story_tags.push(tag_ids);
            let terms: Vec<(u32, u32)> = row
                .terms
                .into_iter()
                .map(|(provisional, count)| {
                    let slot = &mut renumber[provisional as usize];
                    if *slot == u32::MAX {
                        *slot = final_df.len() as u32;
                        final_df.push(df[provisional as usize]);
                    }
                    (*slot, count)
                })
                .collect();
            counts.push(terms);
            other_versions.push(row.other_versions);
            tables.days.to_mut().push(row.day);
            tables.languages.push(row.language);
        }
        for (entry, counts) in tables.tags.iter_mut().zip(&spellings) {
            let best = counts.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)));
            entry.display = best.map(|(s, _)| s.clone()).unwrap_or_default();
        }
        let mut versions: Vec<Vec<u32>> = vec![Vec::new(); n];
        if other_versions.iter().any(|others| !others.is_empty()) {
            // borrowed ids, dropped right after: at the build's peak, a map of owned ids
            // would cost as much memory again as the ids themselves
            let by_id: HashMap<&str, u32> = tables
                .ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id, i as u32))
                .collect();
            for (ord, others) in other_versions.iter().enumerate() {
                for other in others
                    .iter()
                    .filter_map(|id| by_id.get(id.as_str()).copied())
                {
                    versions[ord].push(other);
                    versions[other as usize].push(ord as u32);
                }
            }
        }
        drop(other_versions);
        for list in &mut versions {
            list.sort_unstable();
            list.dedup();
        }
        tables.versions = versions.into_iter().collect();
        tables.postings = postings.into_iter().collect();
        tables.vectors = counts
            .into_par_iter()
            .map(|counts| pack(&weigh(counts, &final_df, n)))
            .collect::<Vec<_>>()
            .into();
        (tables.text_postings, tables.text_fences) = text_postings(&tables, final_df.len());
        let mut terms = vec![String::new(); final_df.len()];
        for (term, provisional) in by_term {
            let id = renumber[provisional as usize];
            if id != u32::MAX {
                terms[id as usize] = term;
            }
        }
        tables.terms = terms.into_iter().collect();
        tables.term_stories = final_df.into();
        tables.reindex();
        tables
    }
}

/// The text postings of the tables' vectors over a vocabulary of `terms`, with their fences
/// (stories are in date order, so each list is).
fn text_postings(tables: &Tables, terms: usize) -> (Jagged<TextPosting>, Jagged<i32>) {
    let mut next = vec![0u32; terms];
    for vector in tables.vectors.iter().map(unpadded) {
        for term in vector {
            next[term.id as usize] += 1;
        }
    }
    // each list's length, then its start, then (after the scatter) its end
    let mut total = 0u32;
    for count in &mut next {
        let start = total;
        total += *count;
        *count = start;
    }
    let mut postings = vec![bytemuck::Zeroable::zeroed(); total as usize];
    for (ord, vector) in tables.vectors.iter().map(unpadded).enumerate() {
        let tagged = if tables.story_tags[ord].is_empty() {
            0
        } else {
            TAGGED
        };
        for term in vector {
            let at = &mut next[term.id as usize];
            postings[*at as usize] = TextPosting {
                ord: ord as u32 | tagged,
                day: tables.days[ord],
                weight: term.weight,
            };
            *at += 1;
        }
    }
    let ends = next;
    let mut fences = Vec::with_capacity(postings.len().div_ceil(FENCE) + terms);
    let mut fence_ends = Vec::with_capacity(terms);
    let mut start = 0;
    for &end in &ends {
        let list = &postings[start..end as usize];
        fences.extend(list.iter().step_by(FENCE).map(|p| p.day));
        fence_ends.push(fences.len() as u32);
        start = end as usize;
    }
    (
        Jagged::from_parts(postings.into(), ends.into()).expect("ends in order"),
        Jagged::from_parts(fences.into(), fence_ends.into()).expect("ends in order"),
    )
}

/// Tags are found by their matching key.
impl Names for [TagEntry] {
    fn count(&self) -> usize {
        self.len()
    }

    fn name(&self, position: u32) -> &[u8] {
        self[position as usize].key.as_bytes()
    }
}

/// A name → position map derived from the tables, built at first use. It is not part of their
/// value: tables are equal whatever maps they have built so far.
#[derive(Debug, Clone, Default)]
struct Lookup(OnceLock<Positions>);

impl PartialEq for Lookup {
    fn eq(&self, _: &Lookup) -> bool {
        true
    }
}

/// TF-IDF weights of term counts, the top [`VECTOR_TERMS`] kept, L2-normalised, ids ascending.
fn weigh(counts: Vec<(u32, u32)>, df: &[u32], n: usize) -> TextVector {
    let mut weighted: TextVector = counts
        .into_iter()
        .map(|(id, tf)| {
            let idf = ((n as f32 + 1.0) / (df[id as usize] as f32 + 1.0)).ln() + 1.0;
            Term::new(id, (1.0 + (tf as f32).ln()) * idf)
        })
        .collect();
    weighted.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.id.cmp(&b.id)));
    weighted.truncate(VECTOR_TERMS);
    let norm = weighted
        .iter()
        .map(|t| t.weight * t.weight)
        .sum::<f32>()
        .sqrt();
    if norm > 0.0 {
        for term in &mut weighted {
            term.weight /= norm;
        }
    }
    weighted.sort_by_key(|term| term.id);
    weighted
}

/// Cosine of two L2-normalised sparse vectors (ids ascending). Entries with id `u32::MAX` and
/// weight 0 may pad either vector: they add nothing.
pub fn cosine(a: &[Term], b: &[Term]) -> f32 {
    let (mut i, mut j, mut dot) = (0, 0, 0.0);
    // the merge steps without a three-way branch: which side advances is data, not control
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        if x.id == y.id {
            dot += x.weight * y.weight;
        }
        i += usize::from(x.id <= y.id);
        j += usize::from(y.id <= x.id);
    }
    dot
}

#[cfg(test)]
mod tests {
    use super::*;
    use storyline_story::Date;

    fn story(id: &str, day: &str, title: &str, tags: &[&str]) -> Story {
        let mut s = Story::new(id, day.parse::<Date>().unwrap(), title);
        s.contexts = tags.iter().map(|t| t.to_string()).collect();
        s
    }

    /// Three stories, out of date order, two of one story line spelled two ways.
    fn fire_stories() -> Vec<Story> {
        vec![
            story(
                "c",
                "2020-01-03",
                "Wildfire spreads near Ventura",
                &["Thomas Fire", "California"],
            ),
            story(
                "a",
                "2020-01-01",
                "Wildfire starts in Ventura county",
                &["thomas fire"],
            ),
            story(
                "b",
                "2019-05-01",
                "Election results in California",
                &["California"],
            ),
        ]
    }

    #[test]
    fn ordinals_follow_dates_and_postings_are_date_sorted() {
        let stories = fire_stories();
        let tables = Tables::build(&stories, &TagNormalizer::new(), 7);
        assert_eq!(tables.ids.iter().collect::<Vec<_>>(), ["b", "a", "c"]);
        let fire = tables.tag_id("thomas fire").unwrap();
        assert_eq!(&tables.postings[fire as usize], [1, 2]);
        assert_eq!(tables.tags[fire as usize].stories, 2);
        let same = cosine(&tables.vectors[1], &tables.vectors[2]);
        let other = cosine(&tables.vectors[0], &tables.vectors[2]);
        assert!(same > other, "{same} vs {other}");
        assert!((cosine(&tables.vectors[2], &tables.vectors[2]) - 1.0).abs() < 1e-5);
        let back = Tables::from_bytes(&tables.to_bytes()).unwrap();
        assert_eq!(back, tables);
        assert_eq!(back.ord("c"), Some(2));
        // read in place: the columns lie in the bytes read (an allocation aligned for them)
        assert!(back.days.is_mapped() && back.term_stories.is_mapped());
        assert!(back.postings.parts().0.is_mapped() && back.ids.parts().1.is_mapped());
        assert!(back.vectors.is_mapped() && back.text_postings.parts().0.is_mapped());
        assert_eq!(back.tag_id("thomas fire"), Some(fire));
        assert_eq!(&back.titles[2], &tables.titles[2]);
        // a batch copies the columns it reads at random into memory of its own: same tables
        let mut resident = back.clone();
        resident.make_resident();
        assert!(!resident.days.is_mapped() && !resident.ids.parts().1.is_mapped());
        assert!(!resident.story_tags.parts().0.is_mapped() && !resident.vectors.is_mapped());
        // the text postings are read in runs: they stay in place
        assert!(resident.text_postings.parts().0.is_mapped());
        assert_eq!(resident, tables);
        let unsaved = tables.vector_of(&story("x", "2020-01-04", "Ventura wildfire", &[]));
        assert!(cosine(&unsaved, &tables.vectors[1]) > 0.3);
    }

    #[test]
    fn text_columns_are_checked_for_the_engine_and_left_unread_for_searches() {
        let tables = Tables::build(&fire_stories(), &TagNormalizer::new(), 7);
        let bytes = tables.to_bytes();
        assert!(Tables::from_bytes(&bytes).unwrap().text_checked());
        // a text posting naming a story past the last
        let mut damaged = tables.clone();
        let (values, ends) = tables.text_postings.parts();
        let mut values = values.to_vec();
        values[0].ord = 3 | (values[0].ord & TAGGED);
        damaged.text_postings = Jagged::from_parts(values.into(), ends.clone()).unwrap();
        let bytes = damaged.to_bytes();
        let refused = Tables::from_bytes(&bytes).unwrap_err();
        assert!(refused.contains("ordinal out of range"), "{refused}");
        // for searches, the text columns are not read: the rest is checked and reads as it is
        let searched =
            Tables::from_owned_bytes_for(OwnedBytes::new(bytes.clone()), Readers::Search).unwrap();
        assert!(!searched.text_checked());
        assert_eq!(searched.ord("c"), Some(2));
        assert_eq!(searched, damaged);
        // a text vector's term past the vocabulary
        let mut damaged = tables.clone();
        damaged.vectors.to_mut()[1][0] = Term::new(tables.terms.len() as u32, 0.5);
        let refused = Tables::from_bytes(&damaged.to_bytes()).unwrap_err();
        assert!(refused.contains("term id out of range"), "{refused}");
        // and a fence too few
        let mut damaged = tables.clone();
        let (values, ends) = tables.text_fences.parts();
        let mut ends = ends.to_vec();
        let fenced = (0..ends.len())
            .find(|&t| !tables.text_fences[t].is_empty())
            .unwrap();
        ends[fenced] -= 1;
        damaged.text_fences = Jagged::from_parts(values.clone(), ends.into()).unwrap();
        let refused = Tables::from_bytes(&damaged.to_bytes()).unwrap_err();
        assert!(refused.contains("fences"), "{refused}");
    }

    #[test]
    fn the_id_lookup_is_saved_and_read_in_place_unless_it_finds_wrong() {
        let tables = Tables::build(&fire_stories(), &TagNormalizer::new(), 7);
        let back = Tables::from_bytes(&tables.to_bytes()).unwrap();
        let saved = back.by_id.0.get().expect("read with the tables");
        assert!(saved.slots().is_mapped());
        assert_eq!(
            (back.ord("a"), back.ord("c"), back.ord("d")),
            (Some(1), Some(2), None)
        );
        // a table that finds other slots than the ids now hash to (hashed otherwise when
        // saved) is not used: the lookup is built again at its first use
        let mut moved = tables.clone();
        let slots: Vec<u32> = tables.by_id().slots().iter().rev().copied().collect();
        moved.by_id = Lookup(OnceLock::from(
            Positions::from_slots(slots.into(), 3).unwrap(),
        ));
        let back = Tables::from_bytes(&moved.to_bytes()).unwrap();
        assert!(back.by_id.0.get().is_none());
        assert_eq!(
            (back.ord("b"), back.ord("a"), back.ord("x")),
            (Some(0), Some(1), None)
        );
        // one that points past the ids is refused with the file
        let mut past = tables.clone();
        let four: Strings = ["b", "a", "c", "zz"].into_iter().collect();
        past.by_id = Lookup(OnceLock::from(Positions::new(&four)));
        let refused = Tables::from_bytes(&past.to_bytes()).unwrap_err();
        assert!(refused.contains("lookup table"), "{refused}");
    }

    #[test]
    fn tables_built_from_chunks_in_any_order_equal_tables_built_at_once() {
        let mut stories = fire_stories();
        stories.push(story(
            "d",
            "2019-05-01",
            "Results: a wildfire of votes",
            &["california", "Vote"],
        ));
        stories[3].summary = "Counting goes on; wildfire season ends.".into();
        let normalizer = TagNormalizer::new();
        let at_once = Tables::build(&stories, &normalizer, 3);
        let mut builder = TablesBuilder::default();
        builder.add(&stories[2..]);
        builder.add(&stories[..2]);
        assert_eq!(builder.len(), 4);
        let chunked = builder.finish(&normalizer, 3);
        assert_eq!(chunked, at_once);
        assert_eq!(chunked.to_bytes(), at_once.to_bytes());
    }
}
