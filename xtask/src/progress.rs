//! Progress display for steps that take more than a moment (`image`, `flash`).
//!
//! On a terminal each step shows an indicatif spinner with the elapsed time, replaced by a
//! `done` line when it ends; when stderr is not a terminal (CI logs, tests) each step prints one
//! plain line when it starts and one when it ends, so logs stay readable and diffable.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How steps are shown.
pub struct Progress {
    spinners: bool,
    quiet: bool,
}

impl Progress {
    /// Spinners when stderr is a terminal, plain lines otherwise.
    pub fn for_stderr() -> Self {
        Self {
            spinners: std::io::stderr().is_terminal(),
            quiet: false,
        }
    }

    /// Nothing at all (for checks that run these commands as a library).
    pub fn quiet() -> Self {
        Self {
            spinners: false,
            quiet: true,
        }
    }

    /// A line of information (e.g. before a step whose tool shows its own progress).
    pub fn note(&self, message: &str) {
        if !self.quiet {
            eprintln!("xtask: {message}");
        }
    }

    /// Runs `body` as one step called `message`, shown while it runs; returns its result.
    pub fn step<T, E>(&self, message: &str, body: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        let start = Instant::now();
        let spinner = if self.spinners {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} xtask: {msg} ({elapsed})")
                    .expect("valid template"),
            );
            bar.set_message(message.to_owned());
            bar.enable_steady_tick(Duration::from_millis(100));
            Some(bar)
        } else {
            if !self.quiet {
                eprintln!("xtask: {message} ...");
            }
            None
        };
        let result = body();
        let outcome = if result.is_ok() { "done" } else { "FAILED" };
        let seconds = start.elapsed().as_secs_f64();
        match spinner {
            Some(bar) => {
                bar.set_style(
                    ProgressStyle::with_template("xtask: {msg}").expect("valid template"),
                );
                bar.finish_with_message(format!("{message}: {outcome} ({seconds:.1} s)"));
            }
            None if !self.quiet => eprintln!("xtask: {message}: {outcome} ({seconds:.1} s)"),
            None => {}
        }
        result
    }
}
