//! Application services, one per area.

pub mod identity;
