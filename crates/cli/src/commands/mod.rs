//! One module per subcommand.

pub mod import;
pub mod index;
pub mod search;
pub mod stats;
