//! Checks of the `timer_irq` example: a periodic alarm interrupt, exact in virtual time,
//! with the CPU asleep between interrupts.

use super::{LED1, Run, Runner, TICKS_PER_SECOND, documented_output};
use anyhow::{Context, Result, ensure};
use regex::Regex;

/// The alarm period (100 ms) and the number of ticks the example waits for.
const PERIOD_TICKS: u64 = TICKS_PER_SECOND / 10;
const TICKS: usize = 10;

/// The first capture of `pattern` in the console output, as a number.
fn number(run: &Run, pattern: &str) -> Result<u64> {
    let re = Regex::new(pattern).expect("valid regex in a check");
    let caps = re
        .captures(&run.stdout)
        .with_context(|| format!("console output lacks /{pattern}/{}", run.context()))?;
    Ok(caps[1].parse()?)
}

/// The documented lines in order (their numbers are what the virtual board gives); LED1
/// toggled by the handler exactly once per period, TICKS times; the counts printed agree
/// with the trace; the CPU slept: far fewer instructions than elapsed ticks.
pub fn periodic_ticks(runner: &Runner) -> Result<()> {
    periodic_ticks_with(runner, &[])
}

/// The same, entered at EL2 (the TF-A/U-Boot boot chain): the runtime's drop to EL1 must
/// leave the timer and the GIC's interrupts to EL1.
pub fn periodic_ticks_entered_at_el2(runner: &Runner) -> Result<()> {
    periodic_ticks_with(runner, &["--entry-el", "2"])
}

fn periodic_ticks_with(runner: &Runner, extra: &[&str]) -> Result<()> {
    let mut args = vec!["--trace", "gpio", "--stats"];
    args.extend_from_slice(extra);
    let run = runner.run(&args)?;
    run.ended_by_reset()?;
    run.console_has_lines(&documented_output("timer_irq")?)?;

    let interrupts = number(
        &run,
        r"(?m)^(\d+) interrupts in \d+ ms, \d+ wake-ups from WFI\r$",
    )?;
    let elapsed_ms = number(&run, r"(?m)^\d+ interrupts in (\d+) ms")?;
    let wake_ups = number(&run, r"(?m)^\d+ interrupts in \d+ ms, (\d+) wake-ups")?;
    let asleep = number(&run, r"(?m)^asleep (\d+)% of the time\r$")?;
    ensure!(
        interrupts == TICKS as u64,
        "{interrupts} interrupts, expected {TICKS}{}",
        run.context()
    );
    ensure!(
        (1000..=1010).contains(&elapsed_ms),
        "{TICKS} periods of 100 ms took {elapsed_ms} ms{}",
        run.context()
    );
    ensure!(
        wake_ups == interrupts,
        "{wake_ups} wake-ups for {interrupts} interrupts: WFI must sleep until each interrupt{}",
        run.context()
    );
    ensure!(
        asleep >= 90,
        "asleep only {asleep}% of the time{}",
        run.context()
    );

    // LED1: switched off by Board::take, then toggled by each interrupt, one period apart.
    let led1: Vec<(u64, String)> = run
        .gpio_trace()
        .into_iter()
        .filter(|(_, pin, _)| *pin == LED1)
        .map(|(ticks, _, level)| (ticks, level))
        .collect();
    ensure!(
        led1.first().is_some_and(|(_, level)| level == "low"),
        "LED1 was not first switched off: {led1:?}{}",
        run.context()
    );
    let toggles = &led1[1..];
    ensure!(
        toggles.len() == TICKS,
        "LED1 changed {} times after setup, expected one per interrupt ({TICKS}): {toggles:?}",
        toggles.len()
    );
    for (n, (_, level)) in toggles.iter().enumerate() {
        let expected = if n % 2 == 0 { "high" } else { "low" };
        ensure!(level == expected, "toggle {n} went {level}: {toggles:?}");
    }
    for pair in toggles.windows(2) {
        let spacing = pair[1].0 - pair[0].0;
        ensure!(
            spacing == PERIOD_TICKS,
            "LED1 toggles {spacing} ticks apart, expected exactly {PERIOD_TICKS} (the handler \
             runs the same path every period, the alarm has no drift): {toggles:?}"
        );
    }

    // Busy-waiting for a second would execute about one instruction per tick.
    let instructions = Regex::new(r"emu: stats: instructions=(\d+)")?
        .captures(&run.stderr)
        .context("no --stats line")?[1]
        .parse::<u64>()?;
    ensure!(
        instructions * 10 < TICKS_PER_SECOND,
        "{instructions} instructions in a second of mostly sleeping: WFI did not sleep{}",
        run.context()
    );
    Ok(())
}
