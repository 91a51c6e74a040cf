//! Generates a corpus and reports the time: `cargo run --release -p storyline-synth --example
//! synth -- 1000000 [seed] [en|zh] [out.jsonl]`.

use std::time::Instant;

use storyline_story::Language;
use storyline_story::formats::jsonl::write_jsonl;
use storyline_synth::{SynthConfig, generate};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stories = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let seed = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(42);
    let language = args
        .get(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(Language::En);
    let config = SynthConfig::new(stories, seed, language);
    let started = Instant::now();
    let corpus = generate(&config);
    let seconds = started.elapsed().as_secs_f64();
    let tagged = corpus.iter().filter(|s| !s.contexts.is_empty()).count();
    println!(
        "generated {} stories ({tagged} tagged) in {seconds:.2}s",
        corpus.len()
    );
    if let Some(out) = args.get(3) {
        let file = std::fs::File::create(out).expect("create the output file");
        write_jsonl(std::io::BufWriter::new(file), &corpus).expect("write JSON Lines");
        println!("wrote {out}");
    }
}
