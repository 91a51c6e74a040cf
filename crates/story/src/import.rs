//! Importing archives: find the files under the given paths, detect each one's format, parse
//! them in parallel and merge the stories in a deterministic order, with a report of what was
//! read, imported and skipped (and why).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::formats::jsonl::parse_jsonl_line;
use crate::formats::page::{Page, parse_page};
use crate::formats::wcep::parse_wcep_day;
use crate::model::Story;
use crate::{Result, StoryError};

/// Which reader to use for a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Story pages (markdown).
    Pages,
    /// Current Events daily YAML.
    Wcep,
    /// JSON Lines.
    Jsonl,
}

impl Format {
    /// The format a file's extension implies.
    pub fn of_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "md" | "markdown" => Some(Format::Pages),
            "yaml" | "yml" => Some(Format::Wcep),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Format, String> {
        match text {
            "pages" => Ok(Format::Pages),
            "wcep" => Ok(Format::Wcep),
            "jsonl" => Ok(Format::Jsonl),
            other => Err(format!(
                "unknown format {other:?} (expected pages, wcep or jsonl)"
            )),
        }
    }
}

/// One thing that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file.
    pub path: PathBuf,
    /// The 1-based line, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// What was wrong, as a full message (`file:line: what was expected`).
    pub message: String,
}

impl From<&StoryError> for Problem {
    fn from(error: &StoryError) -> Problem {
        let line = match error {
            StoryError::Format { line, .. } => *line,
            _ => None,
        };
        Problem {
            path: error.path().to_path_buf(),
            line,
            message: error.to_string(),
        }
    }
}

/// What an import read and what it made of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Files opened (stories, day pages and the ones that failed).
    pub files_read: usize,
    /// Day pages recognised and skipped.
    pub day_pages: usize,
    /// Files whose extension no reader takes (not opened).
    pub files_ignored: usize,
    /// Stories imported.
    pub stories: usize,
    /// Files or records skipped, with the reason.
    pub skipped: Vec<Problem>,
}

impl ImportReport {
    /// Whether anything was skipped.
    pub fn has_problems(&self) -> bool {
        !self.skipped.is_empty()
    }
}

/// The stories of an import, with its report.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// The stories, in file order (paths sorted), ids unique.
    pub stories: Vec<Story>,
    /// What was read and skipped.
    pub report: ImportReport,
}

/// A file found under the import paths.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its path relative to the archive root, `/`-separated (gives page ids).
    pub rel_path: String,
    /// How to read it.
    pub format: Format,
}

/// Lists the files to import under `paths` (files or directory trees), sorted, with their
/// formats: `forced` reads every file with that reader's extensions; `None` detects each file's.
/// Returns the files and how many were passed over.
pub fn discover(paths: &[PathBuf], forced: Option<Format>) -> Result<(Vec<SourceFile>, usize)> {
    let mut files = Vec::new();
    let mut ignored = 0;
    for root in paths {
        let meta = std::fs::metadata(root).map_err(|source| StoryError::Io {
            path: root.clone(),
            source,
        })?;
        if meta.is_file() {
            let format = forced.or_else(|| Format::of_path(root)).ok_or_else(|| {
                StoryError::format(
                    root,
                    None,
                    "unknown file type: expected .md, .yaml or .jsonl (or pass --format)",
                )
            })?;
            let name = root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let rel_path = archive_relative(root, &name);
            files.push(SourceFile {
                path: root.clone(),
                rel_path,
                format,
            });
            continue;
        }
        let mut found = Vec::new();
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            let entry = entry.map_err(|e| {
                let path = e.path().unwrap_or(root).to_path_buf();
                StoryError::Io {
                    path,
                    source: e.into(),
                }
            })?;
            if !entry.file_type().is_file() || entry.file_name().to_string_lossy().starts_with('.')
            {
                continue;
            }
            // an archive's own README at its top is documentation, not a page
            if entry.depth() == 1 && entry.file_name() == "README.md" {
                ignored += 1;
                continue;
            }
            let detected = Format::of_path(entry.path());
            let format = match (forced, detected) {
                (Some(f), Some(d)) if f == d => f,
                (None, Some(d)) => d,
                _ => {
                    ignored += 1;
                    continue;
                }
            };
            let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let rel_path = archive_relative(entry.path(), &rel);
            found.push(SourceFile {
                path: entry.into_path(),
                rel_path,
                format,
            });
        }
        files.extend(found);
    }
    Ok((files, ignored))
}

/// A page's path relative to its archive root: from the `news` directory on when there is one
/// (so importing `archive/news/2017` still gives `news/2017/…` ids), else relative to the root.
fn archive_relative(full: &Path, relative: &str) -> String {
    let parts: Vec<String> = full
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    match parts.iter().rposition(|p| p == "news") {
        Some(i) => parts[i..].join("/"),
        None => relative.to_string(),
    }
}

enum FileOutcome {
    Stories(Vec<Story>, Vec<StoryError>),
    Day,
    Failed(StoryError),
}

fn read_file(file: &SourceFile) -> FileOutcome {
    let bytes = match std::fs::read(&file.path) {
        Ok(bytes) => bytes,
        Err(source) => {
            return FileOutcome::Failed(StoryError::Io {
                path: file.path.clone(),
                source,
            });
        }
    };
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => text.strip_prefix('\u{feff}').unwrap_or(text),
        Err(e) => {
            return FileOutcome::Failed(StoryError::Utf8 {
                path: file.path.clone(),
                offset: e.valid_up_to(),
            });
        }
    };
    match file.format {
        Format::Pages => match parse_page(text, &file.rel_path, &file.path) {
            Ok(Page::Story(story)) => FileOutcome::Stories(vec![*story], Vec::new()),
            Ok(Page::Day) => FileOutcome::Day,
            Err(e) => FileOutcome::Failed(e),
        },
        Format::Wcep => match parse_wcep_day(text, &file.path) {
            Ok(stories) => FileOutcome::Stories(stories, Vec::new()),
            Err(e) => FileOutcome::Failed(e),
        },
        Format::Jsonl => unreachable!("JSON Lines files are streamed by read_jsonl"),
    }
}

/// Imports every file, in parallel; `on_file` is called once per file read (for progress).
/// Problems never stop the run: they are collected in the report.
pub fn import_files(files: &[SourceFile], on_file: &(dyn Fn() + Sync)) -> Imported {
    let mut stories = Vec::new();
    let Ok(report) = import_chunked(files, usize::MAX, on_file, |chunk| {
        stories.extend(chunk);
        Ok::<(), std::convert::Infallible>(())
    });
    Imported { stories, report }
}

/// Files read in parallel at a time (story pages and day files are small).
const FILE_GROUP: usize = 256;
/// Lines of a JSON Lines file parsed in parallel at a time.
const JSONL_BLOCK: usize = 8_192;

/// Imports every file like [`import_files`] (same stories, same order, same report), but hands
/// the stories to `sink` in chunks of at least `chunk` stories (the last one may be smaller) as
/// they are read, so an archive never has to be held in memory whole. JSON Lines files are
/// read a block of lines at a time and parsed in parallel. The first error `sink` returns
/// stops the import and is returned.
pub fn import_chunked<E>(
    files: &[SourceFile],
    chunk: usize,
    on_file: &(dyn Fn() + Sync),
    mut sink: impl FnMut(Vec<Story>) -> std::result::Result<(), E>,
) -> std::result::Result<ImportReport, E> {
    let mut merger = Merger::default();
    let mut rest = files;
    while let Some(first) = rest.first() {
        if first.format == Format::Jsonl {
            merger.report.files_read += 1;
            read_jsonl(first, &mut |outcome| {
                merger.absorb(outcome);
                merger.flush(chunk, &mut sink)
            })?;
            on_file();
            rest = &rest[1..];
            continue;
        }
        let group = rest
            .iter()
            .take(FILE_GROUP)
            .take_while(|f| f.format != Format::Jsonl)
            .count();
        let outcomes: Vec<FileOutcome> = rest[..group]
            .par_iter()
            .map(|file| {
                let outcome = read_file(file);
                on_file();
                outcome
            })
            .collect();
        for outcome in outcomes {
            merger.report.files_read += 1;
            merger.absorb(outcome);
        }
        merger.flush(chunk, &mut sink)?;
        rest = &rest[group..];
    }
    merger.flush(1, &mut sink)?;
    Ok(merger.report)
}

/// Merges file outcomes in order: the report, and stories with ids not seen before.
#[derive(Default)]
struct Merger {
    report: ImportReport,
    seen: HashSet<String>,
    pending: Vec<Story>,
}

impl Merger {
    fn absorb(&mut self, outcome: FileOutcome) {
        match outcome {
            FileOutcome::Day => self.report.day_pages += 1,
            FileOutcome::Failed(e) => self.report.skipped.push(Problem::from(&e)),
            FileOutcome::Stories(stories, problems) => {
                self.report
                    .skipped
                    .extend(problems.iter().map(Problem::from));
                for story in stories {
                    if self.seen.insert(story.id.clone()) {
                        self.report.stories += 1;
                        self.pending.push(story);
                    } else {
                        let path = story.path.clone().map(PathBuf::from).unwrap_or_default();
                        self.report.skipped.push(Problem {
                            message: format!(
                                "{}: duplicate story id {:?}, the first one was kept",
                                path.display(),
                                story.id
                            ),
                            path,
                            line: None,
                        });
                    }
                }
            }
        }
    }

    /// Hands the pending stories over once there are at least `chunk` of them.
    fn flush<E>(
        &mut self,
        chunk: usize,
        sink: &mut impl FnMut(Vec<Story>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        if !self.pending.is_empty() && self.pending.len() >= chunk {
            sink(std::mem::take(&mut self.pending))?;
        }
        Ok(())
    }
}

/// Reads a JSON Lines file a block of lines at a time, each block parsed in parallel; a line
/// that is not UTF-8 is reported and skipped like any other bad line.
fn read_jsonl<E>(
    file: &SourceFile,
    take: &mut dyn FnMut(FileOutcome) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    use std::io::BufRead;
    let io_failure = |source| {
        FileOutcome::Failed(StoryError::Io {
            path: file.path.clone(),
            source,
        })
    };
    let mut reader = match std::fs::File::open(&file.path) {
        Ok(f) => std::io::BufReader::with_capacity(1 << 20, f),
        Err(e) => return take(io_failure(e)),
    };
    let mut line_number = 0;
    loop {
        let mut block: Vec<(usize, Vec<u8>)> = Vec::with_capacity(JSONL_BLOCK);
        let mut failure = None;
        while block.len() < JSONL_BLOCK {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => {
                    line_number += 1;
                    block.push((line_number, line));
                }
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        let done = block.len() < JSONL_BLOCK;
        let parsed: Vec<Option<Result<Story>>> = block
            .par_iter()
            .map(|(number, bytes)| {
                let bytes = if *number == 1 {
                    bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes)
                } else {
                    bytes
                };
                match std::str::from_utf8(bytes) {
                    Ok(text) => parse_jsonl_line(text, *number, &file.path),
                    Err(e) => Some(Err(StoryError::format(
                        &file.path,
                        Some(*number),
                        format!("invalid UTF-8 at byte {} of the line", e.valid_up_to() + 1),
                    ))),
                }
            })
            .collect();
        let mut stories = Vec::with_capacity(parsed.len());
        let mut problems = Vec::new();
        for result in parsed.into_iter().flatten() {
            match result {
                Ok(story) => stories.push(story),
                Err(e) => problems.push(e),
            }
        }
        take(FileOutcome::Stories(stories, problems))?;
        if let Some(e) = failure {
            return take(io_failure(e));
        }
        if done {
            return Ok(());
        }
    }
}

/// Discovers and imports in one call, without progress reporting.
pub fn import_paths(paths: &[PathBuf], forced: Option<Format>) -> Result<Imported> {
    let (files, ignored) = discover(paths, forced)?;
    let mut imported = import_files(&files, &|| {});
    imported.report.files_ignored = ignored;
    Ok(imported)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, title: &str) -> String {
        format!(
            r#"{{"id":"{id}","date":"2020-01-0{}","title":"{title}","language":"en"}}"#,
            1 + id.len() % 9
        )
    }

    #[test]
    fn chunked_import_hands_over_the_same_stories_and_reports_a_non_utf8_line() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = Vec::new();
        for i in 0..20_000 {
            bytes.extend_from_slice(line(&format!("s{i}"), &format!("Story {i}")).as_bytes());
            bytes.push(b'\n');
        }
        // line 20,001: invalid UTF-8; line 20,002: a duplicate id; line 20,003: fine
        bytes.extend_from_slice(b"{\"id\":\"bad\xff\"}\n");
        bytes.extend_from_slice(line("s7", "Again").as_bytes());
        bytes.push(b'\n');
        bytes.extend_from_slice(line("last", "Last").as_bytes());
        bytes.push(b'\n');
        let path = dir.path().join("stories.jsonl");
        std::fs::write(&path, &bytes).unwrap();
        let (files, _) = discover(std::slice::from_ref(&path), None).unwrap();

        let whole = import_files(&files, &|| {});
        let mut chunks: Vec<usize> = Vec::new();
        let mut streamed: Vec<Story> = Vec::new();
        let report = import_chunked(&files, 5_000, &|| {}, |chunk| {
            chunks.push(chunk.len());
            streamed.extend(chunk);
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(streamed, whole.stories);
        assert_eq!(report, whole.report);
        assert_eq!(report.stories, 20_001);
        assert!(
            chunks.iter().rev().skip(1).all(|&n| n >= 5_000),
            "{chunks:?}"
        );
        let messages: Vec<&str> = report.skipped.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0].contains(":20001:") && messages[0].contains("invalid UTF-8"),
            "{}",
            messages[0]
        );
        assert!(
            messages[1].contains("duplicate story id \"s7\""),
            "{}",
            messages[1]
        );
        assert_eq!(streamed.last().unwrap().id, "last");
    }

    #[test]
    fn a_sink_error_stops_the_import() {
        let dir = tempfile::tempdir().unwrap();
        let text: String = (0..10)
            .map(|i| line(&format!("s{i}"), "T") + "\n")
            .collect();
        let path = dir.path().join("a.jsonl");
        std::fs::write(&path, text).unwrap();
        let (files, _) = discover(std::slice::from_ref(&path), None).unwrap();
        let result = import_chunked(&files, 1, &|| {}, |_| Err("disk full"));
        assert_eq!(result.unwrap_err(), "disk full");
    }
}
