//! Progress on long work, on a terminal only: a bar on stderr (indicatif)
//! for the migrations of a run (step k of n, the file running and how long
//! it has run) and the targets of a fleet. Nothing at all when stderr is
//! not a terminal, under `NO_COLOR` or `TERM=dumb`, or with `--json`.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use sqlstrata::Starting;

/// Whether a bar may be drawn: a terminal on stderr, colors welcome, and
/// text output.
pub fn wanted(json: bool) -> bool {
    !json
        && std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

/// A bar, or nothing (when not [`wanted`]).
#[derive(Clone)]
pub struct Bar(Option<ProgressBar>);

impl Bar {
    /// A bar of migrations, shown from the first one that starts.
    pub fn migrations(wanted: bool) -> Bar {
        Bar(wanted.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} migration {pos}/{len} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        }))
    }

    /// A bar of fleet targets.
    pub fn targets(wanted: bool, total: usize) -> Bar {
        Bar(wanted.then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(u64::try_from(total).unwrap_or(u64::MAX)),
                ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} targets, {msg} ({elapsed}, {per_sec})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        }))
    }

    /// A migration starts: its step, its file, its clock.
    pub fn start(&self, s: &Starting) {
        if let Some(bar) = &self.0 {
            bar.set_length(u64::try_from(s.steps).unwrap_or(u64::MAX));
            bar.set_position(u64::try_from(s.step).unwrap_or(0));
            bar.set_message(match s.line {
                Some(line) => format!("{}:{line}", s.file),
                None => s.file.clone(),
            });
            bar.reset_elapsed();
            bar.enable_steady_tick(Duration::from_millis(200));
        }
    }

    /// Where a fleet is.
    pub fn fleet(&self, finished: usize, message: String) {
        if let Some(bar) = &self.0 {
            bar.set_position(u64::try_from(finished).unwrap_or(0));
            bar.set_message(message);
        }
    }

    /// Runs `f` (which prints) with the bar out of its way.
    pub fn suspend(&self, f: impl FnOnce()) {
        match &self.0 {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Gone from the terminal.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }

    /// Whether anything is drawn.
    #[cfg(test)]
    pub fn is_drawn(&self) -> bool {
        self.0.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_drawn_when_not_wanted() {
        let bar = Bar::migrations(false);
        bar.fleet(1, "001_a.sql".into());
        let mut ran = false;
        bar.suspend(|| ran = true);
        bar.finish();
        assert!(ran && !bar.is_drawn());
        assert!(!wanted(true), "--json");
    }
}
