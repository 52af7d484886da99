//! Carrying out a plan: the tracking table's identity, the lock, the table,
//! transactions. Written once over [`Session`]; the sync and async APIs both
//! call `execute`.
//!
//! The promises it keeps, each tested end to end against PostgreSQL:
//! - one history: the table is resolved on the server ([`crate::history::identity`])
//!   and that identity is used to create, read, write and lock it;
//! - each migration applied exactly once by N runners started together: the
//!   table is created and read only under the lock;
//! - no statement executed twice: a failing statement is named from the
//!   first (and only) execution ([`Session::batch`]);
//! - what is reported as done is committed;
//! - a `no-transaction` migration records its attempt before its first
//!   statement, so a run that dies leaves it marked for `repair`;
//! - an abandoned run (dropped, or unwinding) rolls back and unlocks.
//!
//! Its rooms: `orchestrate` (the run from start to end), `transaction` (a
//! transaction's attempts), `autocommit` (a `no-transaction` migration),
//! `lock_wait` and `retry` (giving way to a lock, and trying again),
//! `blockers` (who held the lock), `session_state` (the session as the run
//! found it), `invalid_index` (what a failed concurrent build leaves),
//! `script` (the SQL of each step), `context` (what every step shares),
//! `trace` (spans and events). It may not parse SQL files (that is core's)
//! nor decide what to run (that is `plan`'s).

mod autocommit;
pub(crate) mod blockers;
mod context;
pub(crate) mod invalid_index;
mod lock_wait;
mod orchestrate;
pub(crate) mod retry;
pub(crate) mod script;
pub(crate) mod session_state;
pub(crate) mod trace;
mod transaction;

pub(crate) use context::{Hooks, Progress};
pub(crate) use orchestrate::{dry_run, execute};
