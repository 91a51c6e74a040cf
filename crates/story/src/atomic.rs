//! Atomic file output: write to a temporary file beside the target, then rename over it, so a
//! reader (or a crash) never sees half a file. A target that exists and is not a regular file
//! (`/dev/null`, `/dev/stdout`, a named pipe) is written directly: renaming over it would
//! replace the device or pipe with a plain file.
//!
//! One large file is written with [`write_atomically`]; many small ones (a batch's story
//! pages) with [`Staged`], which syncs them all at once and changes no target until every one
//! of them is written.

use std::collections::HashSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use crate::{Result, StoryError};

/// How often what has been written so far is synced while a file is being written.
const SYNC_EVERY: Duration = Duration::from_millis(25);

/// Writes a file atomically with `write`, which receives a buffered writer.
pub fn write_atomically<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
{
    let io = |source| StoryError::Io {
        path: path.to_path_buf(),
        source,
    };
    if is_special(path) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(io)?;
        let mut out = BufWriter::new(file);
        write(&mut out).map_err(io)?;
        out.flush().map_err(io)?;
        return Ok(());
    }
    let dir = dir_of(path);
    std::fs::create_dir_all(dir).map_err(io)?;
    let tmp = temp_in(dir).map_err(io)?;
    let file = tmp.as_file();
    std::thread::scope(|scope| {
        // what is written reaches the disk while the rest is being written, so the sync
        // before the rename waits for the last part only
        let (finished, stop) = std::sync::mpsc::channel::<()>();
        scope.spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = stop.recv_timeout(SYNC_EVERY) {
                // an error here shows again in the final sync, which reports it
                let _ = file.sync_data();
            }
        });
        let mut out = BufWriter::new(file);
        let written = write(&mut out).and_then(|()| out.flush());
        drop(finished);
        written
    })
    .map_err(io)?;
    file.sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// What temporary files are named: `.storyline-` + random letters + `.tmp`.
const TEMP_PREFIX: &str = ".storyline-";
const TEMP_SUFFIX: &str = ".tmp";

/// Whether `path` is the name of one of our temporary files (one a killed run left behind: a
/// walk over an archive passes it by).
pub fn is_temporary(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX))
}

/// The directory `path` lies in (`.` for a bare file name).
fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// A new temporary file in `dir`, named as [`is_temporary`] recognises.
fn temp_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
}

/// Whether `path` exists and is neither a regular file nor a directory (a device, a pipe): it is
/// written to, not replaced.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Many files replaced together, such as the story pages of a batch. Each is written, as it
/// comes and from any thread, to a temporary file beside its target ([`Staged::stage`]);
/// [`Staged::commit`] then makes them all durable with one sync of their file system (one
/// sync per file cost a batch of 16,000 pages seconds) and renames each over its target.
/// Until the commit no target has changed: dropped without one (an error half way through a
/// batch), the temporary files are removed and every target is as it was.
#[derive(Default)]
pub struct Staged {
    files: Mutex<Vec<(tempfile::TempPath, PathBuf)>>,
    dirs: Mutex<StagedDirs>,
}

/// The directories of a [`Staged`] set's targets.
#[derive(Default)]
struct StagedDirs {
    /// made (or found) for targets so far
    known: HashSet<PathBuf>,
    /// those that did not exist before: removed again (when empty) without a commit
    made: Vec<PathBuf>,
}

impl Staged {
    /// Nothing staged yet.
    pub fn new() -> Staged {
        Staged::default()
    }

    /// Writes `bytes` to a temporary file beside `path` (its directories are made), to
    /// replace `path` at the commit. A device or pipe is written to at once.
    pub fn stage(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        let io = |source| StoryError::Io {
            path: path.to_path_buf(),
            source,
        };
        if is_special(path) {
            return std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|mut file| file.write_all(bytes))
                .map_err(io);
        }
        let dir = dir_of(path);
        let known = self.dirs.lock().expect("staged dirs").known.contains(dir);
        if !known {
            let missing: Vec<PathBuf> = dir
                .ancestors()
                .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
                .map(Path::to_path_buf)
                .collect();
            let made = std::fs::create_dir_all(dir);
            let mut dirs = self.dirs.lock().expect("staged dirs");
            // recorded even when the making failed part way: what it made goes again
            dirs.made.extend(missing);
            made.map_err(io)?;
            dirs.known.insert(dir.to_path_buf());
        }
        let mut tmp = temp_in(dir).map_err(io)?;
        tmp.write_all(bytes).map_err(io)?;
        let tmp = tmp.into_temp_path();
        self.files
            .lock()
            .expect("staged files")
            .push((tmp, path.to_path_buf()));
        Ok(())
    }

    /// How many files are staged.
    pub fn len(&self) -> usize {
        self.files.lock().expect("staged files").len()
    }

    /// Whether no file is staged.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Syncs every staged file, renames each over its target, then syncs the renames. After
    /// a crash each target is whole: as it was, or as staged. Returns how many files were
    /// replaced. An error names the file; the files not yet renamed are removed.
    pub fn commit(self) -> Result<usize> {
        let files = std::mem::take(&mut *self.files.lock().expect("staged files"));
        let dirs = sync_points(&self.dirs.lock().expect("staged dirs").known)?;
        sync_files(files.iter().map(|(tmp, _)| tmp.as_ref()), &dirs)?;
        // from the first rename on, the directories made stay: files may be in place in them
        self.dirs.lock().expect("staged dirs").made.clear();
        let count = files.len();
        for (tmp, target) in files {
            tmp.persist(&target).map_err(|e| StoryError::Io {
                path: target.clone(),
                source: e.error,
            })?;
        }
        // the renames themselves: the directories' entries
        sync_files(std::iter::empty(), &dirs)?;
        Ok(count)
    }
}

impl Drop for Staged {
    /// Without a commit: the temporary files are removed, then the directories made for them,
    /// deepest first (each only if it is empty).
    fn drop(&mut self) {
        self.files.get_mut().map(Vec::clear).ok();
        if let Ok(StagedDirs { made, .. }) = self.dirs.get_mut() {
            made.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
            for dir in made.iter() {
                let _ = std::fs::remove_dir(dir);
            }
        }
    }
}

/// An I/O error about `path`.
fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> StoryError {
    let path = path.to_path_buf();
    move |source| StoryError::Io { path, source }
}

/// The directories [`sync_files`] is given for `dirs`: on Linux one per file system they lie
/// on (a `syncfs` of it covers the rest).
#[cfg(target_os = "linux")]
fn sync_points(dirs: &HashSet<PathBuf>) -> Result<Vec<PathBuf>> {
    use std::os::unix::fs::MetadataExt;
    let mut devices = HashSet::new();
    let mut points = Vec::new();
    for dir in dirs {
        if devices.insert(std::fs::metadata(dir).map_err(io_at(dir))?.dev()) {
            points.push(dir.clone());
        }
    }
    Ok(points)
}

/// The directories [`sync_files`] is given for `dirs`: all of them.
#[cfg(not(target_os = "linux"))]
fn sync_points(dirs: &HashSet<PathBuf>) -> Result<Vec<PathBuf>> {
    Ok(dirs.iter().cloned().collect())
}

/// Makes `files` and the entries of `dirs` (from [`sync_points`]) durable. On Linux with a
/// `syncfs` of each directory's file system; elsewhere with a sync of each file and directory.
fn sync_files<'a>(files: impl Iterator<Item = &'a Path>, dirs: &[PathBuf]) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        let _ = files;
        for dir in dirs {
            let handle = std::fs::File::open(dir).map_err(io_at(dir))?;
            rustix::fs::syncfs(&handle).map_err(|e| io_at(dir)(e.into()))?;
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        for file in files {
            std::fs::File::open(file)
                .and_then(|f| f.sync_all())
                .map_err(io_at(file))?;
        }
        for dir in dirs {
            // directories cannot be synced everywhere: a failure here loses no data written
            let _ = std::fs::File::open(dir).and_then(|f| f.sync_all());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // regression: `batch --out /dev/null` renamed a temporary file over /dev/null
    #[test]
    fn a_named_pipe_is_written_to_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("SKIPPED: mkfifo is not available");
            return;
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        write_atomically(&fifo, |w| w.write_all(b"through the pipe\n")).unwrap();
        // checked before joining the reader, which would wait forever had the pipe been replaced
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert_eq!(reader.join().unwrap(), "through the pipe\n");
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.jsonl");
        write_atomically(&target, |w| w.write_all(b"first\n")).unwrap();
        let err = write_atomically(&target, |w| {
            w.write_all(b"partial")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "first\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// Every file under `root`, relative, sorted (temporary files included).
    fn files(root: &Path) -> Vec<String> {
        let mut found: Vec<String> = walkdir::WalkDir::new(root)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| e.path().strip_prefix(root).unwrap().display().to_string())
            .collect();
        found.sort();
        found
    }

    #[test]
    fn staged_files_replace_their_targets_at_the_commit_only() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("a/old.md");
        std::fs::create_dir_all(old.parent().unwrap()).unwrap();
        std::fs::write(&old, "old text").unwrap();
        let staged = Staged::new();
        staged.stage(&old, b"new text").unwrap();
        staged
            .stage(&dir.path().join("b/c/new.md"), b"a new page")
            .unwrap();
        assert_eq!(staged.len(), 2);
        // written beside their targets, nothing replaced yet
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "old text");
        assert!(!dir.path().join("b/c/new.md").exists());
        let all = files(dir.path());
        assert_eq!(all.len(), 3, "{all:?}");
        let temporary: Vec<&String> = all.iter().filter(|f| is_temporary(Path::new(f))).collect();
        assert_eq!(temporary.len(), 2, "{all:?}");
        assert!(temporary[0].starts_with("a/") && temporary[1].starts_with("b/c/"));
        assert!(!is_temporary(Path::new("a/old.md")));
        assert_eq!(staged.commit().unwrap(), 2);
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "new text");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("b/c/new.md")).unwrap(),
            "a new page"
        );
        assert_eq!(files(dir.path()), ["a/old.md", "b/c/new.md"]);
    }

    #[test]
    fn staged_files_dropped_without_a_commit_leave_everything_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.md");
        std::fs::write(&old, "old text").unwrap();
        // a directory's place taken by a file: a page there cannot be written
        std::fs::write(dir.path().join("blocked"), "a file").unwrap();
        let staged = Staged::new();
        staged.stage(&old, b"new text").unwrap();
        let err = staged
            .stage(&dir.path().join("blocked/page.md"), b"x")
            .unwrap_err();
        assert!(
            err.to_string().contains("blocked/page.md"),
            "the error names the file: {err}"
        );
        staged
            .stage(&dir.path().join("new/deep/page.md"), b"y")
            .unwrap();
        assert!(dir.path().join("new/deep").is_dir());
        drop(staged);
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "old text");
        assert_eq!(files(dir.path()), ["blocked", "old.md"]);
        assert!(
            !dir.path().join("new").exists(),
            "the directories made for the pages are gone"
        );
    }
}
