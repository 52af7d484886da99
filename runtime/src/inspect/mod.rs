//! Comparing databases: the catalog snapshot (`catalog`: tables, columns,
//! types, constraints, indexes, sequences, views, functions, enums,
//! triggers, policies, extensions, owners, grants), `verify` (each DOWN
//! undoes its UP, on a scratch database) and `drift` (a live database
//! against a replay of its history). One snapshot for all of them.
//!
//! It applies migrations only through `crate::run` (the same run as
//! production) and only on scratch databases; on a live database it only
//! reads.

pub(crate) mod catalog;
pub mod drift;
pub mod verify;
