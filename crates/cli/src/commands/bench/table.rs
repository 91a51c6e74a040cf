//! The bench's tables, as Markdown: the scaling table and, with `--peers`, the peers table.

use super::run::BenchRow;

/// Prints the scaling table.
pub fn print_rows(rows: &[BenchRow]) -> std::io::Result<()> {
    outln!(
        "| corpus | stories | import s | index s | index MiB | search p50/p99 ms | related p50/p99 ms | batch s | batch stories/s | peak RSS MiB | growth index/batch |"
    )?;
    outln!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")?;
    for r in rows {
        let growth = match (r.index_growth, r.batch_growth) {
            (Some(i), Some(b)) => format!("{i:.2} / {b:.2}"),
            _ => "-".into(),
        };
        outln!(
            "| {} | {} | {:.3} | {:.2} | {:.1} | {:.3} / {:.3} | {:.3} / {:.3} | {:.3} | {:.0} | {:.0} | {} |",
            r.corpus,
            r.stories,
            r.import_s,
            r.index_s,
            r.index_mib,
            r.search_p50_ms,
            r.search_p99_ms,
            r.related_p50_ms,
            r.related_p99_ms,
            r.batch_s,
            r.batch_stories_per_s,
            r.peak_rss_mib,
            growth
        )?;
    }
    Ok(())
}

/// A figure with as many decimals as it needs to show three significant digits or so.
fn number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1000.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else if magnitude >= 0.1 {
        format!("{value:.3}")
    } else {
        format!("{value:.4}")
    }
}

/// Prints the peers table: per corpus, each peer's figure next to Storyline's, and the ratio
/// (above 1: Storyline is that many times faster); then the peers that were skipped and why.
pub fn print_peers(rows: &[BenchRow]) -> std::io::Result<()> {
    outln!()?;
    outln!("| corpus | peer | figure | storyline | peer | ratio |")?;
    outln!("| --- | --- | --- | ---: | ---: | ---: |")?;
    let mut skipped = Vec::new();
    for r in rows {
        let Some(report) = &r.peers else { continue };
        for f in &report.figures {
            let opt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), number);
            outln!(
                "| {} | {} | {} ({}) | {} | {} | {} |",
                r.corpus,
                f.peer,
                f.figure,
                f.unit,
                opt(f.storyline),
                number(f.peer_value),
                f.ratio
                    .map_or_else(|| "-".to_string(), |x| format!("{x:.1}×")),
            )?;
        }
        for s in &report.skipped {
            skipped.push(format!("{}: {} skipped: {}", r.corpus, s.peer, s.reason));
        }
    }
    if !skipped.is_empty() {
        outln!()?;
        for line in skipped {
            outln!("{line}")?;
        }
    }
    outln!(
        "\nratio = how many times faster Storyline is (peer time / Storyline time; for stories/s, Storyline / peer)."
    )?;
    Ok(())
}
