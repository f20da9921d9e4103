//! Application services: the use cases that handlers call.

pub mod content;
pub mod identity;
pub mod pulse;
pub mod sessions;
