//! Checks of the `watchdog` example: the APSS watchdog kept alive by pets, then a bark and a
//! bite on time in virtual time, and the next boot told that the watchdog reset it.

use super::{LED1, Runner, TICKS_PER_SECOND, documented_output};
use anyhow::{Result, ensure};
use regex::Regex;

/// Ticks a measured edge may trail the pet it follows (the LED is toggled right after the pet).
const SLACK: u64 = 2_000;

/// Every documented line; LED 1 toggled at each of the five pets, 500 ms apart (so the 1 s
/// watchdog would have bitten without them); one bark 750 ms and the bite 1 s after the last
/// pet, ending the run as a system reset (exit 0).
pub fn pets_then_bite(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--trace", "gpio"])?;
    run.console_has_lines(&documented_output("watchdog")?)?;
    let pets: Vec<u64> = run
        .gpio_trace()
        .into_iter()
        .filter(|(_, pin, _)| *pin == LED1)
        .skip(1) // switched off by Board::take
        .map(|(t, _, _)| t)
        .collect();
    ensure!(
        pets.len() == 5,
        "expected LED1 toggled at 5 pets, got {pets:?}{}",
        run.context()
    );
    for pair in pets.windows(2) {
        let gap = pair[1] - pair[0];
        ensure!(
            (TICKS_PER_SECOND / 2..=TICKS_PER_SECOND / 2 + SLACK).contains(&gap),
            "pets {pair:?} not 500 ms apart{}",
            run.context()
        );
    }
    let last_pet = pets[4];
    let ticks = |pattern: &str| -> Vec<u64> {
        Regex::new(pattern)
            .expect("valid")
            .captures_iter(&run.stderr)
            .map(|c| c[1].parse().unwrap_or(0))
            .collect()
    };
    let barks = ticks(r"(?m)^emu: t=(\d+) apss-wdt bark$");
    let bites = ticks(r"(?m)^emu: APSS watchdog bite at t=(\d+) \(pc=0x[0-9a-f]+\): system reset$");
    let after = |t: u64, ms: u64| {
        let expected = ms * TICKS_PER_SECOND / 1000;
        t >= last_pet && t - last_pet <= expected && t - last_pet + SLACK >= expected
    };
    ensure!(
        matches!(barks.as_slice(), [t] if after(*t, 750)),
        "expected one bark 750 ms after the last pet (t={last_pet}), got {barks:?}{}",
        run.context()
    );
    ensure!(
        matches!(bites.as_slice(), [t] if after(*t, 1000)),
        "expected the bite 1000 ms after the last pet (t={last_pet}), got {bites:?}{}",
        run.context()
    );
    ensure!(
        !run.stderr.contains("PS_HOLD released"),
        "the bite run also released PS_HOLD{}",
        run.context()
    );
    run.exit_code_is(0)
}

/// `--reset-reason watchdog` (the previous run ended with a bite): the program reads WDT_STS,
/// says so, and powers off without starting the watchdog.
pub fn next_boot_knows_the_watchdog_reset_it(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--reset-reason", "watchdog"])?;
    run.console_has(r"(?m)^last reset: watchdog bite\r\npowering off\r$")?;
    ensure!(
        !run.stdout.contains("watchdog on:") && !run.stderr.contains("apss-wdt"),
        "the watchdog was started again after a watchdog reset{}",
        run.context()
    );
    run.board_has(r"emu: PS_HOLD released at pc=0x[0-9a-f]+: power off\n")?;
    run.exit_code_is(0)
}
