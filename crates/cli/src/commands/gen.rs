//! `storyline gen`: generate a synthetic archive (story pages or JSON Lines) for tests and
//! benchmarks, deterministic for its seed.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use rayon::prelude::*;
use serde::Serialize;
use storyline_story::formats::jsonl::write_jsonl;
use storyline_story::{Date, Language, Story, normalize_tag, write_atomically};
use storyline_synth::{SynthConfig, generate_each, write_pages_with_progress};

use crate::progress;

/// Arguments of `storyline gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// How many stories to generate; accepts k and M suffixes (10k, 1M, 2.5M).
    #[arg(long, value_parser = parse_count, default_value = "10k")]
    pub stories: usize,
    /// The random seed: the same seed and options always give the same archive.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The language of the stories: en or zh.
    #[arg(long, default_value = "en")]
    pub lang: Language,
    /// Where to write: a path ending in .jsonl gets JSON Lines (written atomically), anything
    /// else a story-page tree (DIR/news/YYYY/M/D/<slug>.md). Without it only the summary is
    /// printed.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Share of stories without context tags, 0 to 1 (default: 0.47 for en, 0.01 for zh).
    #[arg(long, value_parser = parse_share)]
    pub untagged: Option<f64>,
    /// Give each tagged story a Related list of up to this many earlier stories sharing its
    /// tags (written into the pages' Related sections).
    #[arg(long, default_value_t = 0)]
    pub related: usize,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Parses a story count: `250`, `10_000`, `10k`, `1M`, `2.5M`.
pub fn parse_count(text: &str) -> std::result::Result<usize, String> {
    let cleaned: String = text.trim().chars().filter(|c| *c != '_').collect();
    let (number, scale) = match cleaned.char_indices().last() {
        Some((i, 'k' | 'K')) => (&cleaned[..i], 1e3),
        Some((i, 'm' | 'M')) => (&cleaned[..i], 1e6),
        _ => (cleaned.as_str(), 1.0),
    };
    let invalid = || format!("invalid count {text:?}: expected a number like 5000, 10k or 1.5M");
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(invalid());
    }
    let value: f64 = number.parse().map_err(|_| invalid())?;
    let count = value * scale;
    if count.fract() != 0.0 || count > 1e10 {
        return Err(format!(
            "invalid count {text:?}: not a whole number of stories"
        ));
    }
    Ok(count as usize)
}

fn parse_share(text: &str) -> std::result::Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err(format!(
            "invalid share {text:?}: expected a number from 0 to 1"
        )),
    }
}

/// The closing summary of `storyline gen`.
#[derive(Debug, Serialize)]
pub struct GenSummary {
    /// Stories generated.
    pub stories: usize,
    /// The seed used.
    pub seed: u64,
    /// The language (`en` or `zh`).
    pub language: &'static str,
    /// Share of stories with at least one context tag.
    pub tagged_share: f64,
    /// Distinct context tags (by matching key).
    pub distinct_tags: usize,
    /// Earliest date.
    pub first_date: Option<String>,
    /// Latest date.
    pub last_date: Option<String>,
    /// Where the archive went, if anywhere.
    pub out: Option<PathBuf>,
    /// `pages` or `jsonl`, when something was written.
    pub format: Option<&'static str>,
    /// Wall time in seconds (generation and writing).
    pub seconds: f64,
}

/// What the summary counts, batch by batch (in date order, as [`generate_each`] hands them).
#[derive(Default)]
struct Tally {
    stories: usize,
    tagged: usize,
    /// every tag spelling met (normalised once each, at the end)
    spellings: HashSet<String>,
    first: Option<Date>,
    last: Option<Date>,
}

impl Tally {
    fn add(&mut self, stories: &[Story]) {
        self.stories += stories.len();
        self.tagged += stories.iter().filter(|s| !s.contexts.is_empty()).count();
        for spelling in stories.iter().flat_map(|s| &s.contexts) {
            if !self.spellings.contains(spelling) {
                self.spellings.insert(spelling.clone());
            }
        }
        // batches come in date order
        if let (Some(first), Some(last)) = (stories.first(), stories.last()) {
            self.first.get_or_insert(first.date);
            self.last = Some(last.date);
        }
    }

    fn summary(self, args: &GenArgs) -> GenSummary {
        let keys: HashSet<String> = self.spellings.iter().map(|s| normalize_tag(s)).collect();
        GenSummary {
            stories: self.stories,
            seed: args.seed,
            language: args.lang.code(),
            tagged_share: if self.stories == 0 {
                0.0
            } else {
                self.tagged as f64 / self.stories as f64
            },
            distinct_tags: keys.len(),
            first_date: self.first.map(|d| d.to_string()),
            last_date: self.last.map(|d| d.to_string()),
            out: None,
            format: None,
            seconds: 0.0,
        }
    }
}

fn is_jsonl(path: &std::path::Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
}

/// Generates the stories and writes them as JSON Lines to `out`: a batch's lines are rendered
/// in parallel while the batch before is written, on this thread. A write error stops the
/// generation.
fn write_jsonl_while_generating(
    config: &SynthConfig,
    tally: &mut Tally,
    bar: &indicatif::ProgressBar,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    std::thread::scope(|scope| {
        let (batches, received) = std::sync::mpsc::sync_channel::<Vec<Vec<u8>>>(1);
        let generator = scope.spawn(move || {
            generate_each(config, |batch| {
                let lines: Vec<Vec<u8>> = batch
                    .par_chunks(1024)
                    .map(|stories| {
                        let mut lines = Vec::with_capacity(stories.len() * 800);
                        write_jsonl(&mut lines, stories).map(|()| lines)
                    })
                    .collect::<std::io::Result<_>>()?;
                tally.add(&batch);
                bar.inc(batch.len() as u64);
                batches
                    .send(lines)
                    .map_err(|_| std::io::Error::other("the writer stopped"))
            })
        });
        let mut written = Ok(());
        for lines in received {
            written = lines.iter().try_for_each(|chunk| out.write_all(chunk));
            if written.is_err() {
                // dropping the receiver stops the generator at its next batch
                break;
            }
        }
        let generated = generator
            .join()
            .expect("the generator thread does not panic");
        written.and(generated)
    })
}

/// Runs `storyline gen`. The stories are generated and written a batch of whole days at a
/// time ([`generate_each`]), so memory stays flat whatever the size (except for the ids and
/// titles `--related` keeps).
pub fn run(args: GenArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let mut config = SynthConfig::new(args.stories, args.seed, args.lang);
    if let Some(untagged) = args.untagged {
        config.untagged_share = untagged;
    }
    config.related = args.related;

    let mut tally = Tally::default();
    let bar = progress::bar(args.stories as u64, "stories", args.quiet);
    let format = match &args.out {
        Some(out) if is_jsonl(out) => {
            bar.set_message("generating JSON Lines");
            write_atomically(out, |w| {
                write_jsonl_while_generating(&config, &mut tally, &bar, w)
            })?;
            Some("jsonl")
        }
        Some(out) => {
            bar.set_message("generating pages");
            generate_each(&config, |batch| {
                write_pages_with_progress(&batch, out, &|| bar.inc(1))?;
                tally.add(&batch);
                Ok::<(), storyline_story::StoryError>(())
            })
            .with_context(|| format!("writing story pages under {}", out.display()))?;
            Some("pages")
        }
        None => {
            bar.set_message("generating");
            generate_each(&config, |batch| {
                tally.add(&batch);
                bar.inc(batch.len() as u64);
                Ok::<(), std::convert::Infallible>(())
            })
            .unwrap_or_else(|never| match never {});
            None
        }
    };
    bar.finish_and_clear();

    let mut summary = tally.summary(&args);
    summary.out = args.out.clone();
    summary.format = format;
    summary.seconds = started.elapsed().as_secs_f64();
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&summary)?)?;
    } else {
        outln!(
            "generated {} {} stories (seed {}): {:.1}% tagged, {} distinct tags, {} to {} in {:.2}s{}",
            summary.stories,
            summary.language,
            summary.seed,
            100.0 * summary.tagged_share,
            summary.distinct_tags,
            summary.first_date.as_deref().unwrap_or("-"),
            summary.last_date.as_deref().unwrap_or("-"),
            summary.seconds,
            match (&args.out, format) {
                (Some(out), Some("pages")) => format!("; wrote pages under {}", out.display()),
                (Some(out), _) => format!("; wrote {}", out.display()),
                (None, _) => String::new(),
            },
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_suffixes() {
        assert_eq!(parse_count("250"), Ok(250));
        assert_eq!(parse_count("10_000"), Ok(10_000));
        assert_eq!(parse_count("10k"), Ok(10_000));
        assert_eq!(parse_count("10K"), Ok(10_000));
        assert_eq!(parse_count("1M"), Ok(1_000_000));
        assert_eq!(parse_count("2.5m"), Ok(2_500_000));
        assert!(parse_count("1.5").is_err());
        assert!(parse_count("k").is_err());
        assert!(parse_count("-3").is_err());
        assert!(parse_count("ten").is_err());
        assert!(parse_count("1G").is_err());
    }

    #[test]
    fn shares_are_between_zero_and_one() {
        assert_eq!(parse_share("0.5"), Ok(0.5));
        assert!(parse_share("1.5").is_err());
        assert!(parse_share("half").is_err());
    }

    #[test]
    fn writes_jsonl_or_pages_by_the_out_path() {
        let dir = std::env::temp_dir().join(format!("storyline-gen-test-{}", std::process::id()));
        let jsonl = dir.join("synth.jsonl");
        let args = |out: PathBuf| GenArgs {
            stories: 50,
            seed: 1,
            lang: Language::En,
            out: Some(out),
            untagged: None,
            related: 2,
            json: true,
            quiet: true,
        };
        run(args(jsonl.clone())).unwrap();
        let text = std::fs::read_to_string(&jsonl).unwrap();
        assert_eq!(text.lines().count(), 50);
        let pages = dir.join("archive");
        run(args(pages.clone())).unwrap();
        let imported = storyline_story::import_paths(&[pages], None).unwrap();
        assert_eq!(imported.stories.len(), 50);
        assert!(imported.report.skipped.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
