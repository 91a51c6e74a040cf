//! Route handlers, one file per resource.

pub mod related;
pub mod search;
pub mod stories;
pub mod system;
pub mod tags;
