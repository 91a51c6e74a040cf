//! Helpers shared by the end-to-end tests: where the real archives are, and running the binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The real archive `name` under `../shared/corpus`, or `None` (with the reason printed) when
/// this checkout has no `../shared` beside it: such tests then pass without running.
pub fn corpus(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(name);
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!(
            "SKIPPED: {} not found (tests on the real archives need ../shared beside the checkout)",
            path.display()
        );
        None
    }
}

/// The bundled sample archive.
pub fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("index-data/sample")
}

/// Runs the `storyline` binary with `args`.
pub fn storyline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_storyline"))
        .args(args)
        .output()
        .expect("run storyline")
}

/// Runs `storyline` and parses its standard output as JSON, asserting the exit status.
pub fn storyline_json(args: &[&str], status: i32) -> serde_json::Value {
    let out = storyline(args);
    assert_eq!(
        out.status.code(),
        Some(status),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// A path as a `&str` (test paths are UTF-8).
pub fn s(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// Builds (once per test binary) an index of a real archive in a temporary directory.
pub struct BuiltIndex {
    /// Keeps the directory alive.
    pub dir: tempfile::TempDir,
    /// The imported stories.
    pub stories: Vec<storyline_story::Story>,
    /// The opened index.
    pub index: storyline_index::StoryIndex,
}

/// Imports `path` and builds an index of it.
pub fn build_index(path: &Path) -> BuiltIndex {
    let imported = storyline_story::import_paths(&[path.to_path_buf()], None).expect("import");
    let dir = tempfile::tempdir().expect("tempdir");
    let index = storyline_index::StoryIndex::build(
        &dir.path().join("index"),
        &imported.stories,
        &storyline_index::BuildSettings::default(),
        &|| {},
    )
    .expect("build");
    BuiltIndex {
        dir,
        stories: imported.stories,
        index,
    }
}
