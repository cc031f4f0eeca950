//! The HAL's and the board crate's rustdoc examples: compiled for the host as `no_run`
//! doctests (both crates build for the host, where their register accesses are never run),
//! and a required list of public APIs that must each have one.
//!
//! Design notes: the firmware target cannot run doctests, but the crates compile for the
//! host, so `cargo test --doc` type-checks and links every ```` ```no_run ```` block against
//! the real API; an example that stops compiling fails the suite step. `ignore` blocks are
//! not compiled, so they do not count: the step reads the doctest report and fails, naming
//! the API, when an item of [`REQUIRED`] has no compiled example (deleted, or turned into
//! `ignore`).

use crate::build;
use anyhow::{Context, Result, ensure};
use std::collections::BTreeSet;
use std::path::Path;

/// The features the doc examples are compiled with (the HAL's async modules included).
const FEATURES: &str = "apq8016-hal/executor,apq8016-hal/embassy-time-driver";

/// The public APIs that must have a compiled example in their rustdoc: `crate: item path` as
/// rustdoc's doctest report names it (generic parameters left out); a module path is the
/// module-level example.
pub const REQUIRED: &[&str] = &[
    // HAL: one module-level example per driver module, and its main constructors.
    "apq8016_hal: gpio",
    "apq8016_hal: gpio::Pins::new",
    "apq8016_hal: gpio::Output",
    "apq8016_hal: gpio::Input",
    "apq8016_hal: gpio::wait",
    "apq8016_hal: uart",
    "apq8016_hal: uart::Uart",
    "apq8016_hal: uart::interrupt_rx",
    "apq8016_hal: i2c",
    "apq8016_hal: i2c::I2c",
    "apq8016_hal: spi",
    "apq8016_hal: spi::Spi",
    "apq8016_hal: time",
    "apq8016_hal: time::Delay",
    "apq8016_hal: time::Instant",
    "apq8016_hal: time::alarm::Alarm",
    "apq8016_hal: time::driver",
    "apq8016_hal: interrupt",
    "apq8016_hal: interrupt::id::InterruptId",
    "apq8016_hal: pmic",
    "apq8016_hal: pmic::Pm8916",
    "apq8016_hal: pmic::pins::PmicOutput",
    "apq8016_hal: pmic::rtc::Rtc",
    "apq8016_hal: pmic::watchdog::PmicWatchdog",
    "apq8016_hal: pmic::interrupts::PmicInterrupts",
    "apq8016_hal: spmi::Spmi",
    "apq8016_hal: rng",
    "apq8016_hal: rng::Rng",
    "apq8016_hal: watchdog",
    "apq8016_hal: watchdog::Watchdog",
    "apq8016_hal: executor",
    // Board crate: the board, its LEDs, buttons, console, header buses. (`cores::start`
    // exists only on the firmware target, so the `cores` example cannot compile on the host:
    // `examples/multicore.rs` is its compiled example.)
    "db410c: ",
    "db410c: Board",
    "db410c: Board::take",
    "db410c: Board::pmic",
    "db410c: LowSpeedHeader",
    "db410c: console::println",
];

/// Compiles every doc example of the HAL and the board crate (`cargo test --doc`, host), then
/// checks that each item of [`REQUIRED`] has one that compiled; returns how many compiled.
pub fn check(root: &Path) -> Result<usize> {
    let output = build::cargo(root)
        .args([
            "test",
            "--doc",
            "--package",
            "apq8016-hal",
            "--package",
            "db410c",
            "--features",
            FEATURES,
        ])
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("cannot start cargo test --doc")?;
    let report = String::from_utf8_lossy(&output.stdout);
    ensure!(
        output.status.success(),
        "a doc example of the HAL or the board crate does not compile ({}):\n{report}",
        output.status
    );
    let compiled = compiled_items(&report);
    let missing = missing(&compiled);
    ensure!(
        missing.is_empty(),
        "these public APIs have no compiled example in their rustdoc (a ```no_run block; \
         `ignore` does not count): {}",
        missing.join(", ")
    );
    Ok(compiled.len())
}

/// The items of [`REQUIRED`] that `compiled` lacks.
fn missing(compiled: &BTreeSet<String>) -> Vec<&'static str> {
    REQUIRED
        .iter()
        .copied()
        .filter(|item| !compiled.contains(*item))
        .collect()
}

/// The crates whose doc examples are checked: source directory -> crate name in [`REQUIRED`].
const CRATE_DIRS: &[(&str, &str)] = &[("hal/apq8016/", "apq8016_hal"), ("bsp/db410c/", "db410c")];

/// `crate: item` for every doctest the report (libtest's standard output) shows as passed
/// (compiled or run), generic parameters removed, from lines like
/// `test hal/apq8016/src/uart.rs - uart::Uart<U>::new (line 190) - compile ... ok`; the crate
/// is told by the file's directory.
fn compiled_items(report: &str) -> BTreeSet<String> {
    let mut items = BTreeSet::new();
    for line in report.lines() {
        let Some(test) = line.strip_prefix("test ") else {
            continue;
        };
        if !test.ends_with("... ok") {
            continue;
        }
        let Some((file, rest)) = test.split_once(" - ") else {
            continue;
        };
        let Some((_, krate)) = CRATE_DIRS.iter().find(|(dir, _)| file.starts_with(dir)) else {
            continue;
        };
        // A crate-level example has no item path: `lib.rs - (line 1)`.
        let item = if rest.starts_with("(line ") {
            ""
        } else {
            match rest.rsplit_once(" (line ") {
                Some((item, _)) => item,
                None => continue,
            }
        };
        items.insert(format!("{krate}: {}", without_generics(item.trim())));
    }
    items
}

/// `Uart<U>::new` -> `Uart::new`.
fn without_generics(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0usize;
    for c in path.chars() {
        match c {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "\nrunning 3 tests\n\
        test hal/apq8016/src/uart.rs - uart::Uart<U>::new (line 190) - compile ... ok\n\
        test hal/apq8016/src/executor.rs - executor (line 4) ... ignored\n\
        test hal/apq8016/src/uart/config.rs - uart::config::Config::settings (line 178) ... ok\n\
        test hal/apq8016/src/gpio.rs - gpio (line 3) - compile ... FAILED\n\
        test xtask/src/main.rs - (line 3) ... ok\n\
        test bsp/db410c/src/lib.rs - (line 1) - compile ... ok\n\
        test bsp/db410c/src/lib.rs - Board (line 173) - compile ... ok\n";

    #[test]
    fn compiled_examples_are_read_from_the_report() {
        let items = compiled_items(REPORT);
        let expected: BTreeSet<String> = [
            "apq8016_hal: uart::Uart::new",
            "apq8016_hal: uart::config::Config::settings",
            "db410c: ",
            "db410c: Board",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(items, expected);
    }

    #[test]
    fn ignored_or_failed_examples_do_not_count() {
        let missing = missing(&compiled_items(REPORT));
        assert!(missing.contains(&"apq8016_hal: executor"));
        assert!(missing.contains(&"apq8016_hal: gpio"));
        assert!(!missing.contains(&"db410c: Board"));
    }
}
