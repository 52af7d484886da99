//! Retrying what waited too long for a lock.
//!
//! Every migration statement runs with a bounded lock wait (PostgreSQL's
//! `lock_timeout`), so that a migration queued behind another transaction
//! never queues the application's queries behind itself for longer than
//! the bound. A statement that hits it (SQLSTATE `55P03`), or that the
//! server chose as a deadlock's victim (`40P01`), did nothing: its
//! transaction is rolled back and tried again after a pause that grows
//! exponentially, with jitter, until the run's retry budget is spent. Any
//! other error is never retried.

use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};

/// The first pause between two attempts (before jitter, which adds up to as
/// much again).
const FIRST_PAUSE: Duration = Duration::from_millis(100);

/// The longest pause between two attempts (before jitter): how long a
/// blocker that went away may go unnoticed.
const LONGEST_PAUSE: Duration = Duration::from_secs(4);

/// The retries of one transaction (or one statement outside a transaction).
pub(crate) struct Retries {
    started: Instant,
    budget: Duration,
    pauses: ExponentialBackoff,
    attempts: u32,
}

impl Retries {
    /// Retries within `budget`, counted from now.
    pub(crate) fn new(budget: Duration) -> Retries {
        Retries {
            started: Instant::now(),
            budget,
            pauses: ExponentialBuilder::new()
                .with_min_delay(FIRST_PAUSE)
                .with_max_delay(LONGEST_PAUSE)
                .with_jitter()
                .without_max_times()
                .build(),
            attempts: 1,
        }
    }

    /// The attempt under way (1 for the first).
    pub(crate) fn attempt(&self) -> u32 {
        self.attempts
    }

    /// How long since the first attempt began.
    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The pause before the next attempt, or `None` when that attempt would
    /// start after the budget is spent.
    pub(crate) fn next_pause(&mut self) -> Option<Duration> {
        let pause = self.pauses.next()?;
        if self.started.elapsed() + pause > self.budget {
            return None;
        }
        self.attempts += 1;
        Some(pause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_with_jitter_up_to_a_cap() {
        let mut r = Retries::new(Duration::from_secs(3600));
        let pauses: Vec<Duration> = (0..12).filter_map(|_| r.next_pause()).collect();
        assert_eq!(pauses.len(), 12);
        assert_eq!(r.attempt(), 13);
        assert!(
            pauses[0] >= FIRST_PAUSE && pauses[0] <= FIRST_PAUSE * 2,
            "{pauses:?}"
        );
        assert!(pauses[3] >= FIRST_PAUSE * 8, "{pauses:?}");
        for p in &pauses {
            assert!(*p <= LONGEST_PAUSE * 2, "{pauses:?}");
        }
        assert!(pauses[11] >= LONGEST_PAUSE, "{pauses:?}");
    }

    #[test]
    fn a_spent_budget_gives_no_pause() {
        let mut r = Retries::new(Duration::ZERO);
        assert_eq!(r.next_pause(), None);
        assert_eq!(r.attempt(), 1);
        let mut r = Retries::new(Duration::from_millis(150));
        // The first pause (100-200 ms) may fit; by the third it cannot.
        let n = (0..3).filter_map(|_| r.next_pause()).count();
        assert!(n <= 1, "{n}");
    }
}
