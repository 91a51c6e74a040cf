//! # storyline-cli: the `storyline` command line
//!
//! A thin layer over the library crates: clap parses the arguments of each subcommand into a
//! struct (one file per command under `commands/`), the command calls the libraries, prints a
//! human summary (or JSON with `--json`) and returns an exit status. Long work shows a progress
//! bar on a terminal; `--quiet` hides it. Errors are reported with their whole chain; a broken
//! pipe (`storyline … | head`) is not an error.
//!
//! Exit statuses: 0 success, 1 failure, 2 usage error (clap), 3 finished but skipped some input.

/// `println!` that returns the write's error instead of panicking on it: a reader that stops
/// early (`storyline search … | head -1`) closes the pipe, and the command then ends quietly
/// (see [`main`]).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

mod commands;
mod progress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Related-story recommendation and search for news archives.
#[derive(Debug, Parser)]
#[command(name = "storyline", version, about, long_about = None)]
pub struct Cli {
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Storyline's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read archives (story pages, Current Events YAML, JSON Lines) and report or export them.
    Import(commands::import::ImportArgs),
    /// Print corpus statistics: stories per year, top tags, stories without tags.
    Stats(commands::stats::StatsArgs),
    /// Build a search index from archives, or update one in place (--update).
    Index(commands::index::IndexArgs),
    /// Search an index: words, "phrases", -exclusions, OR, tag:"…", date:….
    Search(commands::search::SearchArgs),
    /// List the stories related to one story, with --explain for the why.
    Related(commands::related::RelatedArgs),
    /// Suggest context tags for a story (or a draft's --text) from its text neighbours.
    SuggestTags(commands::related::SuggestArgs),
    /// Measure ranking quality: tagP@10, leafP@10, medDays, suggestion recall, existing recall.
    Eval(commands::eval::EvalArgs),
    /// Generate every story's Related list (JSON Lines, or written into the story pages).
    Batch(commands::batch::BatchArgs),
    /// Generate a synthetic archive (story pages or JSON Lines), deterministic for its seed.
    Gen(commands::r#gen::GenArgs),
    /// Serve search, stories, related stories and tags over HTTP, with the search page.
    Serve(commands::serve::ServeArgs),
    /// The whole pipeline on the bundled sample: import, index, Related sections, serve.
    Demo(commands::serve::DemoArgs),
    /// Benchmark the whole pipeline at growing corpus sizes and print a scaling table.
    Bench(commands::bench::BenchArgs),
}

/// Exit status when the command finished but skipped some of its input.
pub const EXIT_SKIPPED: u8 = 3;

/// Runs the command line and returns the process exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Import(args) => commands::import::run(args),
        Command::Stats(args) => commands::stats::run(args),
        Command::Index(args) => commands::index::run(args),
        Command::Search(args) => commands::search::run(args),
        Command::Related(args) => commands::related::run(args),
        Command::SuggestTags(args) => commands::related::run_suggest(args),
        Command::Eval(args) => commands::eval::run(args),
        Command::Batch(args) => commands::batch::run(args),
        Command::Gen(args) => commands::r#gen::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Demo(args) => commands::serve::run_demo(args),
        Command::Bench(args) => commands::bench::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", error_message(&error));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, `: `-separated, as anyhow's `{:#}` writes them, except that a cause
/// whose text its error's message already ends with is not written twice (the file errors
/// write their OS reason, which is also their source).
fn error_message(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if message.is_empty() {
            message = text;
        } else if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
    }
    message
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn an_error_says_each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::StorageFull, "No space left on device");
        let error = anyhow::Error::new(storyline_story::StoryError::Io {
            path: "out/stories.jsonl".into(),
            source: io,
        })
        .context("writing the archive");
        assert_eq!(
            error_message(&error),
            "writing the archive: out/stories.jsonl: No space left on device"
        );
        let chained = Err::<(), _>(anyhow::anyhow!("no story with id \"x\""))
            .context("reading the story")
            .unwrap_err();
        assert_eq!(
            error_message(&chained),
            "reading the story: no story with id \"x\""
        );
    }
}
