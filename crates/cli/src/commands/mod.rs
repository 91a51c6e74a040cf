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
