//! What a run tells `tracing` (feature `tracing`; without it, nothing and no
//! cost). Spans and events, all with target `sqlstrata`:
//!
//! | name | kind | fields |
//! | --- | --- | --- |
//! | `sqlstrata.run` | span, INFO | `operation`, `table` |
//! | `sqlstrata.migration` | span, INFO | `version`, `file`, `direction` (`up`/`down`) |
//! | lock | event, INFO | `mode` (`advisory`/`lease`), `waited_ms` |
//! | statement | event, DEBUG | `file`, `line`, `duration_ms` |
//! | committed | event, INFO | `migrations` (how many the transaction held) |
//! | lock wait | event, WARN | `file`, `line`, `attempt`, `deadlock`, `retry_in_ms`, `blockers` (pids) and the whole report as the message |

use std::future::Future;
use std::time::Duration;

#[cfg(feature = "tracing")]
pub(crate) type Span = tracing::Span;
#[cfg(not(feature = "tracing"))]
pub(crate) type Span = ();

/// The span of a whole run.
pub(crate) fn run(operation: &dyn std::fmt::Debug, table: &str) -> Span {
    #[cfg(feature = "tracing")]
    {
        tracing::info_span!(target: "sqlstrata", "sqlstrata.run", operation = ?operation, table = %table)
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = (operation, table);
    }
}

/// The span of one migration's UP or DOWN.
pub(crate) fn migration(version: i64, file: &str, up: bool) -> Span {
    #[cfg(feature = "tracing")]
    {
        tracing::info_span!(target: "sqlstrata", "sqlstrata.migration", version, file = %file, direction = if up { "up" } else { "down" })
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = (version, file, up);
    }
}

/// `future`, inside `span`.
pub(crate) fn traced<F: Future>(future: F, span: Span) -> impl Future<Output = F::Output> {
    #[cfg(feature = "tracing")]
    {
        tracing::Instrument::instrument(future, span)
    }
    #[cfg(not(feature = "tracing"))]
    {
        let () = span;
        future
    }
}

/// Runs `f` (which emits events) inside `span`.
pub(crate) fn within(span: &Span, f: impl FnOnce()) {
    #[cfg(feature = "tracing")]
    span.in_scope(f);
    #[cfg(not(feature = "tracing"))]
    {
        let () = *span;
        f();
    }
}

/// The lock was taken.
pub(crate) fn lock(mode: &str, waited: Duration) {
    #[cfg(feature = "tracing")]
    tracing::info!(target: "sqlstrata", mode, waited_ms = waited.as_millis() as u64, "lock");
    #[cfg(not(feature = "tracing"))]
    let _ = (mode, waited);
}

/// A statement ran.
pub(crate) fn statement(file: &str, line: u32, duration: Duration) {
    #[cfg(feature = "tracing")]
    tracing::debug!(target: "sqlstrata", file, line, duration_ms = duration.as_secs_f64() * 1e3, "statement");
    #[cfg(not(feature = "tracing"))]
    let _ = (file, line, duration);
}

/// A transaction committed.
pub(crate) fn committed(migrations: usize) {
    #[cfg(feature = "tracing")]
    tracing::info!(target: "sqlstrata", migrations, "committed");
    #[cfg(not(feature = "tracing"))]
    let _ = migrations;
}

/// A statement gave way to a lock and its transaction will be retried.
pub(crate) fn lock_wait(wait: &crate::report::LockWait) {
    #[cfg(feature = "tracing")]
    {
        let pids: Vec<String> = wait.blockers.iter().map(|b| b.pid.to_string()).collect();
        tracing::warn!(
            target: "sqlstrata",
            file = %wait.file,
            line = wait.line.unwrap_or(0),
            attempt = wait.attempt,
            deadlock = wait.gave == crate::report::Gave::Deadlock,
            retry_in_ms = wait.retry_in.as_millis() as u64,
            blockers = %pids.join(","),
            "lock wait: {wait}"
        );
    }
    #[cfg(not(feature = "tracing"))]
    let _ = wait;
}
