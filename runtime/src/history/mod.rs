//! The tracking side of a database: the tracking table's identity on the
//! server (`identity`), its shape and the SQL that reads and writes it
//! (`tracking`, `read`), the runner lock (`lock`: advisory or lease), the
//! boot's seal and its guard (`seal`), the repeatables' records
//! (`repeatable`), what a run asks of the role (`privileges`), and another
//! tool's history recorded as ours (`adopt`).
//!
//! It talks to the server only through `crate::session::Session`, and
//! reads and writes rows as the planner's data (`crate::plan::history`). It
//! may not run a migration's statements (that is `crate::run`'s) nor decide
//! what to run (that is `crate::plan`'s).

pub(crate) mod adopt;
pub(crate) mod identity;
pub(crate) mod lock;
pub(crate) mod privileges;
pub(crate) mod read;
pub(crate) mod repeatable;
pub(crate) mod seal;
pub(crate) mod tracking;
