//! `storyline serve` and `storyline demo`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use serde::Deserialize;
use storyline_index::{BuildSettings, StoryIndex};
use storyline_related::ScorerSettings;
use storyline_server::{AppState, Limits};

use super::import::{FormatArg, print_problems, read_archives};
use super::index::DEFAULT_INDEX;

/// Threads running searches and related queries (plus updates). More than a few per core only
/// multiplies context switches: queued requests wait without a thread.
const BLOCKING_THREADS: usize = 8;

/// Arguments of `storyline serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The index directory.
    #[arg(long, default_value = DEFAULT_INDEX)]
    pub index: PathBuf,
    /// Address to listen on (port 0 picks a free port; the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:7700")]
    pub addr: SocketAddr,
    /// A TOML config file: `[server] token = "…"`, and `[related]` scorer settings.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    server: ServerSection,
    related: Option<ScorerSettings>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerSection {
    token: Option<String>,
    timeout_seconds: Option<u64>,
}

fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("STORYLINE_LOG")
        .unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Serves an index until SIGINT/SIGTERM.
pub fn serve_index(index: &Path, addr: SocketAddr, config: Option<&Path>) -> Result<ExitCode> {
    init_logs();
    let file: ConfigFile = match config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            toml::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.message()))?
        }
        None => ConfigFile::default(),
    };
    let token = std::env::var("STORYLINE_API_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .or(file.server.token);
    let mut limits = Limits::default();
    if let Some(seconds) = file.server.timeout_seconds {
        limits.timeout = std::time::Duration::from_secs(seconds);
    }
    let updates = token.is_some();
    // a large index takes a while to open (about 10 s for ten million stories): say so first
    eprintln!("opening {}…", index.display());
    let opening = std::time::Instant::now();
    let state = AppState::open(index, token, file.related.unwrap_or_default(), limits)?;
    let seconds = opening.elapsed().as_secs_f64();
    let opened = if seconds < 1.0 {
        format!(
            "{} stories, opened in {:.0} ms",
            state.stories(),
            seconds * 1e3
        )
    } else {
        format!("{} stories, opened in {seconds:.1} s", state.stories())
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build()?;
    runtime.block_on(storyline_server::serve(state, addr, |bound| {
        // (a closed standard output is no reason not to serve)
        let _ = outln!("listening on http://{bound}");
        let _ = std::io::stdout().flush();
        eprintln!(
            "serving {} ({opened}) at http://{bound}/ (search page), updates {}; Ctrl-C stops",
            index.display(),
            if updates {
                "enabled"
            } else {
                "disabled (set STORYLINE_API_TOKEN)"
            }
        );
    }))?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `storyline serve`.
pub fn run(args: ServeArgs) -> Result<ExitCode> {
    serve_index(&args.index, args.addr, args.config.as_deref())
}

/// Arguments of `storyline demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The archive to demonstrate with.
    #[arg(long, default_value = "index-data/sample")]
    pub archive: PathBuf,
    /// Where the index goes.
    #[arg(long, default_value = DEFAULT_INDEX)]
    pub index: PathBuf,
    /// Where the archive's copy with generated Related sections goes.
    #[arg(long, default_value = "index-data/sample-related")]
    pub pages: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7700")]
    pub addr: SocketAddr,
    /// Prepare everything but do not serve.
    #[arg(long)]
    pub no_serve: bool,
}

/// Runs `storyline demo`: import, index, generate Related sections, serve.
pub fn run_demo(args: DemoArgs) -> Result<ExitCode> {
    let imported = read_archives(std::slice::from_ref(&args.archive), FormatArg::Auto, true)?;
    print_problems(&imported.report, 20);
    outln!(
        "imported {} stories from {}",
        imported.stories.len(),
        args.archive.display()
    )?;
    let index = StoryIndex::build(
        &args.index,
        &imported.stories,
        &BuildSettings::default(),
        &|| {},
    )?;
    outln!(
        "indexed into {} ({} tags)",
        args.index.display(),
        index.tables().tags.len()
    )?;
    let engine = storyline_related::Engine::new(std::sync::Arc::clone(index.tables()));
    let settings = ScorerSettings::default();
    let lists = storyline_related::batch::generate(
        &engine,
        &settings,
        storyline_related::RankOrder::Default,
        0..engine.tables().len() as u32,
        &|_| {},
    );
    let target = storyline_related::batch::PagesTarget {
        archive: &args.archive,
        out: Some(&args.pages),
        changed_only: false,
    };
    let report = storyline_related::batch::write_pages(
        &engine,
        index.normalizer(),
        &imported.stories,
        &lists,
        &target,
    )?;
    outln!(
        "wrote Related sections: {} pages into {}",
        report.written + report.unchanged,
        args.pages.display()
    )?;
    drop(index);
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    serve_index(&args.index, args.addr, None)
}
