//! Checks of the `gpio_irq` example: the volume-up button through the TLMM summary
//! interrupt, mirrored on LED 1 by the handler.

use super::{LED1, Run, Runner, TICKS_PER_SECOND};
use anyhow::{Result, ensure};

/// The volume-up button (active low).
const VOLUME_UP: u32 = 107;
/// Ticks (= instructions while the CPU runs) from the button's edge to LED1's change: the
/// exception entry, the dispatcher, the handler's critical section and the pad accesses.
/// The core sleeps in WFI when the edge comes, so nothing else runs first (96 measured).
const MAX_LATENCY_TICKS: u64 = 200;

/// LED1's changes after `Board::take` switched it off.
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

/// Pressed from 200 ms to 500 ms: two interrupts reported at those times; LED1 follows each
/// edge within MAX_LATENCY_TICKS.
pub fn press(runner: &Runner) -> Result<()> {
    let (press, release) = (TICKS_PER_SECOND / 5, TICKS_PER_SECOND / 2);
    let run = runner.run(&[
        "--press",
        &format!("{VOLUME_UP}@{press}:{release}"),
        "--trace",
        "gpio",
    ])?;
    run.ended_by_reset()?;
    run.console_has_lines(&[
        "pressed at 200 ms".into(),
        "released at 500 ms".into(),
        "2 button interrupts, done".into(),
    ])?;
    let led1 = led1_changes(&run)?;
    let follows = |ticks: u64, edge: u64| ticks >= edge && ticks - edge <= MAX_LATENCY_TICKS;
    ensure!(
        matches!(led1.as_slice(),
            [(on, high), (off, low)] if high == "high" && low == "low"
                && follows(*on, press) && follows(*off, release)),
        "LED1 should go high within {MAX_LATENCY_TICKS} ticks of t={press} and low within \
         {MAX_LATENCY_TICKS} ticks of t={release}; it changed {led1:?}{}",
        run.context()
    );
    Ok(())
}

/// Never pressed: no interrupt, LED1 stays off, the alarm still ends the second.
pub fn untouched(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--trace", "gpio"])?;
    run.ended_by_reset()?;
    run.console_has_lines(&["0 button interrupts, done".into()])?;
    let led1 = led1_changes(&run)?;
    ensure!(
        led1.is_empty(),
        "LED1 changed unpressed: {led1:?}{}",
        run.context()
    );
    Ok(())
}
