//! The index crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong building, opening or searching an index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// There is no index at the path.
    #[error("no index at {}: build one with `storyline index <archive> --index {}`", .0.display(), .0.display())]
    NotFound(PathBuf),
    /// The index was built by an incompatible version of Storyline.
    #[error("the index at {} has schema version {found}, this storyline reads version {expected}: rebuild it with `storyline index`", path.display())]
    Incompatible {
        /// The index.
        path: PathBuf,
        /// The version it was built with.
        found: u32,
        /// The version this build reads.
        expected: u32,
    },
    /// A file of the index is damaged or missing.
    #[error("the index at {} is damaged ({message}): rebuild it with `storyline index`", path.display())]
    Corrupt {
        /// The index.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// tantivy failed.
    #[error("index engine: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// Reading or writing stories failed.
    #[error(transparent)]
    Story(#[from] storyline_story::StoryError),
}

/// The index crate's result type.
pub type Result<T, E = IndexError> = std::result::Result<T, E>;

pub(crate) fn io_error(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> IndexError + '_ {
    move |source| IndexError::Io {
        path: path.to_path_buf(),
        source,
    }
}
