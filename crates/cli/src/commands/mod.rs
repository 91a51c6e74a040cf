//! One module per subcommand.

pub mod batch;
pub mod bench;
pub mod eval;
pub mod r#gen;
pub mod import;
pub mod index;
pub mod mlt;
pub mod related;
pub mod scorer_args;
pub mod search;
pub mod serve;
pub mod stats;

/// Opens the index at `path`, saying on standard error when its scorer tables had to be built
/// again from the stored stories (a while on a large index, once).
pub(crate) fn open_index(
    path: &std::path::Path,
) -> storyline_index::Result<storyline_index::StoryIndex> {
    Ok(noting_rebuilt(
        path,
        storyline_index::StoryIndex::open(path)?,
    ))
}

/// [`open_index`] for searches only ([`storyline_index::StoryIndex::open_for_search`]).
pub(crate) fn open_index_for_search(
    path: &std::path::Path,
) -> storyline_index::Result<storyline_index::StoryIndex> {
    Ok(noting_rebuilt(
        path,
        storyline_index::StoryIndex::open_for_search(path)?,
    ))
}

fn noting_rebuilt(
    path: &std::path::Path,
    index: storyline_index::StoryIndex,
) -> storyline_index::StoryIndex {
    if let Some(why) = index.tables_rebuilt() {
        eprintln!(
            "note: {}: scorer tables built again from the stories ({why}); later opens read them as they are",
            path.display()
        );
    }
    index
}
