//! Atomic file output: write to a temporary file beside the target, then rename over it, so a
//! reader (or a crash) never sees half a file. A target that exists and is not a regular file
//! (`/dev/null`, `/dev/stdout`, a named pipe) is written directly: renaming over it would
//! replace the device or pipe with a plain file.

use std::io::{BufWriter, Write};
use std::path::Path;
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
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(io)?;
        let mut out = BufWriter::new(file);
        write(&mut out).map_err(io)?;
        out.flush().map_err(io)?;
        return Ok(());
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let tmp = tempfile::Builder::new()
        .prefix(".storyline-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io)?;
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
}
