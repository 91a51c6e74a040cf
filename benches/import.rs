//! Import throughput on the real archives (`../shared/corpus`): the whole pipeline a user runs
//! with `storyline import` — discover, read, parse in parallel, merge. Each iteration checks the
//! story count so the bench cannot time nothing.
//!
//! `cargo bench --bench import`; quick mode for CI: `STORYLINE_BENCH_QUICK=1 … -- --test`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

fn corpus(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(name);
    if path.is_dir() {
        return Some(path);
    }
    eprintln!("SKIPPED: {} not found", path.display());
    None
}

fn import(c: &mut Criterion) {
    let mut group = c.benchmark_group("import");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for (name, min_stories) in [("thecontext-zh", 8_984), ("wcep-en", 110_000)] {
        let Some(path) = corpus(name) else { continue };
        let paths = vec![path];
        group.bench_function(name, |b| {
            b.iter(|| {
                let imported = storyline_story::import_paths(&paths, None).expect("import");
                assert!(imported.stories.len() >= min_stories);
                imported.stories.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);
