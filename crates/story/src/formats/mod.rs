//! The archive formats Storyline reads and writes.

pub mod jsonl;
pub mod link;
pub mod markup;
pub mod page;
pub mod variants;
pub mod wcep;
pub mod wikilinks;
