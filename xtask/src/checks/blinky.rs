//! Checks of the `blinky` example: the two user LEDs alternate on time.

use super::{LED1, LED2, Runner, TICKS_PER_SECOND};
use anyhow::{Result, ensure};

/// blinky toggles every 100 ms.
const BLINK_PERIOD_TICKS: u64 = TICKS_PER_SECOND / 10;

pub fn leds_alternate(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--trace", "gpio"])?;
    run.ended_by_reset()?;
    let trace = run.gpio_trace();
    let led1: Vec<_> = trace.iter().filter(|(_, pin, _)| *pin == LED1).collect();
    let led2: Vec<_> = trace.iter().filter(|(_, pin, _)| *pin == LED2).collect();
    ensure!(
        led1.len() >= 6 && led2.len() >= 6,
        "too few LED transitions: {trace:?}"
    );
    // Consecutive LED1 changes alternate high/low and are one blink period apart (2 %).
    for pair in led1.windows(2) {
        ensure!(pair[0].2 != pair[1].2, "LED1 did not alternate: {pair:?}");
    }
    let driven: Vec<_> = led1
        .iter()
        .filter(|(_, _, level)| level != "input")
        .collect();
    for pair in driven.windows(2).skip(1) {
        let spacing = pair[1].0 - pair[0].0;
        let error = spacing.abs_diff(BLINK_PERIOD_TICKS);
        ensure!(
            error * 50 <= BLINK_PERIOD_TICKS,
            "LED1 changes {spacing} ticks apart, expected {BLINK_PERIOD_TICKS} +- 2 %: {pair:?}"
        );
    }
    // The LEDs alternate: whenever LED1 goes high LED2 is (or goes) low within the same step.
    let mut led2_level = "low".to_owned();
    let mut checked = 0;
    for (ticks, pin, level) in &trace {
        if *pin == LED2 {
            led2_level = level.clone();
        } else if *pin == LED1 && level == "high" && checked > 0 {
            let next_led2 = trace.iter().find(|(t, p, _)| *p == LED2 && t >= ticks);
            let after = next_led2.filter(|(t, _, _)| t - ticks < BLINK_PERIOD_TICKS / 10);
            let level2 = after
                .map(|(_, _, l)| l.clone())
                .unwrap_or(led2_level.clone());
            ensure!(
                level2 == "low",
                "LED1 and LED2 on together at t={ticks}: {trace:?}"
            );
        }
        if *pin == LED1 {
            checked += 1;
        }
    }
    Ok(())
}
