//! The checksum of a migration: SHA-256 of what runs when it is applied
//! (see [`sqlstrata_model::checksum`], re-exported here).

pub use sqlstrata_model::{checksum, to_hex};
