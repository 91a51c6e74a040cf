//! The story crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong reading or writing an archive.
#[derive(Debug, thiserror::Error)]
pub enum StoryError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A file is not valid UTF-8.
    #[error("{}: not valid UTF-8 (byte offset {offset})", path.display())]
    Utf8 {
        /// The file.
        path: PathBuf,
        /// Where the first invalid byte is.
        offset: usize,
    },
    /// A file's content does not match its format.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Format {
        /// The file.
        path: PathBuf,
        /// The 1-based line, where known.
        line: Option<usize>,
        /// What was expected and what was found.
        message: String,
    },
}

impl StoryError {
    /// A format error at `path`, line `line` when known.
    pub fn format(
        path: impl Into<PathBuf>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        StoryError::Format {
            path: path.into(),
            line,
            message: message.into(),
        }
    }

    /// The file the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            StoryError::Io { path, .. }
            | StoryError::Utf8 { path, .. }
            | StoryError::Format { path, .. } => path,
        }
    }
}

/// The story crate's result type.
pub type Result<T, E = StoryError> = std::result::Result<T, E>;
