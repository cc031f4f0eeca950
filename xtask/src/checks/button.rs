//! Checks of the `button` example: GPIO input mirrored on LED 1.

use super::{LED1, Run, Runner, TICKS_PER_SECOND};
use anyhow::{Result, ensure};
use regex::Regex;

/// The volume-up button (active low) and button's polling period.
const VOLUME_UP: u32 = 107;
const BUTTON_POLL_TICKS: u64 = TICKS_PER_SECOND / 1000;

/// Whether `ticks` is at or after `event` and at most one polling period (+5 % for the loop
/// itself) later.
fn within_one_poll(ticks: u64, event: u64) -> bool {
    ticks >= event && ticks - event <= BUTTON_POLL_TICKS + BUTTON_POLL_TICKS / 20
}

/// LED1's changes after `Board::take` switched it off (which must be its first trace line).
fn led1_changes(run: &Run) -> Result<Vec<(u64, String)>> {
    let led1: Vec<(u64, String)> = run
        .gpio_trace()
        .into_iter()
        .filter(|(_, pin, _)| *pin == LED1)
        .map(|(ticks, _, level)| (ticks, level))
        .collect();
    ensure!(
        led1.first().is_some_and(|(_, level)| level == "low"),
        "LED1 was not first switched off{}",
        run.context()
    );
    Ok(led1[1..].to_vec())
}

/// button's `pressed at N ms` / `released at N ms` lines, in order.
fn button_reports(run: &Run) -> Vec<(String, u64)> {
    let re = Regex::new(r"(?m)^(pressed|released) at (\d+) ms\r$").expect("valid");
    re.captures_iter(&run.stdout)
        .map(|c| (c[1].to_owned(), c[2].parse().unwrap_or(u64::MAX)))
        .collect()
}

/// Pressed from 200 ms to 500 ms: reported with those times, LED1 lit in between, each
/// change within one polling period of the button's.
pub fn press(runner: &Runner) -> Result<()> {
    let (press, release) = (TICKS_PER_SECOND / 5, TICKS_PER_SECOND / 2);
    let ms = |ticks: u64| ticks * 1000 / TICKS_PER_SECOND;
    let run = runner.run(&[
        "--press",
        &format!("{VOLUME_UP}@{press}:{release}"),
        "--trace",
        "gpio",
    ])?;
    run.ended_by_reset()?;
    run.console_has(r"(?m)^done\r$")?;
    let reports = button_reports(&run);
    ensure!(
        matches!(reports.as_slice(),
            [(p, p_ms), (r, r_ms)] if p == "pressed" && r == "released"
                && (ms(press)..=ms(press) + 1).contains(p_ms)
                && (ms(release)..=ms(release) + 1).contains(r_ms)),
        "expected `pressed at {} ms` and `released at {} ms` (+1), got {reports:?}{}",
        ms(press),
        ms(release),
        run.context()
    );
    let led1 = led1_changes(&run)?;
    ensure!(
        matches!(led1.as_slice(),
            [(on, high), (off, low)] if high == "high" && low == "low"
                && within_one_poll(*on, press) && within_one_poll(*off, release)),
        "LED1 should go high within one poll of t={press} and low within one poll of \
         t={release}; it changed {led1:?}{}",
        run.context()
    );
    Ok(())
}

/// Never pressed: the pull-up keeps the pad high, so nothing is reported and LED1 stays off.
pub fn untouched(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--trace", "gpio"])?;
    run.ended_by_reset()?;
    run.console_has(r"(?m)^done\r$")?;
    let reports = button_reports(&run);
    ensure!(
        reports.is_empty(),
        "reports without a press: {reports:?}{}",
        run.context()
    );
    let led1 = led1_changes(&run)?;
    ensure!(
        led1.is_empty(),
        "LED1 changed without a press: {led1:?}{}",
        run.context()
    );
    Ok(())
}

/// Held from power-on: reported at the first poll, LED1 lit until the end of the 1 s run.
pub fn held_from_start(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--press", &format!("{VOLUME_UP}@0"), "--trace", "gpio"])?;
    run.ended_by_reset()?;
    run.console_has(r"(?m)^done\r$")?;
    let reports = button_reports(&run);
    ensure!(
        matches!(reports.as_slice(), [(p, p_ms)] if p == "pressed" && *p_ms < 10),
        "expected one `pressed` within 10 ms, got {reports:?}{}",
        run.context()
    );
    let led1 = led1_changes(&run)?;
    ensure!(
        matches!(led1.as_slice(),
            [(on, high), (off, low)] if high == "high" && low == "low"
                && off - on >= TICKS_PER_SECOND - BUTTON_POLL_TICKS
                && off - on <= TICKS_PER_SECOND + TICKS_PER_SECOND / 20),
        "LED1 should be lit for the 1 s run, then switched off; it changed {led1:?}{}",
        run.context()
    );
    Ok(())
}
