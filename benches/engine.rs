//! Search, related (online) and batch on the Current Events archive when `../shared` is there,
//! else on a synthetic archive of 20,000 stories. Every iteration checks its result, so the
//! bench cannot time nothing. `cargo bench --bench engine`; CI runs it with `-- --test`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use storyline_index::{BuildSettings, SearchRequest, StoryIndex};
use storyline_related::{Engine, RankOrder, ScorerSettings};
use storyline_story::{Language, Story};

fn stories() -> (String, Vec<Story>) {
    let wcep = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/wcep-en");
    if wcep.is_dir() {
        let imported = storyline_story::import_paths(&[wcep], None).expect("import");
        return ("wcep-en".into(), imported.stories);
    }
    eprintln!("../shared/corpus/wcep-en not found: benching a synthetic archive of 20,000 stories");
    let config = storyline_synth::SynthConfig::new(20_000, 42, Language::En);
    ("synthetic-20k".into(), storyline_synth::generate(&config))
}

fn engine(c: &mut Criterion) {
    let (name, stories) = stories();
    let dir = tempfile::tempdir().expect("tempdir");
    let index = StoryIndex::build(
        &dir.path().join("index"),
        &stories,
        &BuildSettings::default(),
        &|| {},
    )
    .expect("build");
    let queries: Vec<String> = [
        "earthquake",
        "election results",
        "syria ceasefire talks",
        "wildfire california",
        "prime minister resigns",
    ]
    .iter()
    .map(|q| q.to_string())
    .collect();
    let mut group = c.benchmark_group(format!("engine/{name}"));
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    let mut i = 0;
    group.bench_function("search 1-3 words", |b| {
        b.iter(|| {
            i = (i + 1) % queries.len();
            let results = index
                .search(&SearchRequest {
                    query: queries[i].clone(),
                    ..Default::default()
                })
                .expect("search");
            assert!(results.total > 0);
            results.hits.len()
        })
    });
    let engine = Engine::new(Arc::clone(index.tables()));
    let settings = ScorerSettings::default();
    let n = engine.tables().len() as u32;
    let mut ord = 0u32;
    group.bench_function("related", |b| {
        b.iter(|| {
            ord = (ord + 7_919) % n;
            engine
                .related(&engine.subject(ord), &settings, RankOrder::Default)
                .len()
        })
    });
    group.sample_size(10);
    group.bench_function("batch 5,000 stories", |b| {
        b.iter(|| {
            let lists = storyline_related::batch::generate(
                &engine,
                &settings,
                RankOrder::Default,
                0..5_000.min(n),
                &|_| {},
            );
            assert_eq!(lists.len(), 5_000.min(n) as usize);
            lists.len()
        })
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
