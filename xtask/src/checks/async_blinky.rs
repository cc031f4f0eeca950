//! Checks of the `async_blinky` example: LED, button and console tasks on the HAL's async
//! executor, timed by the `embassy-time` driver on the generic timer.

use super::{LED1, LED2, Run, Runner, TICKS_PER_SECOND, documented_output};
use anyhow::{Context, Result, ensure};
use regex::Regex;

/// LED1's period (100 ms) in ticks, and how many periods the example runs.
const PERIOD_TICKS: u64 = TICKS_PER_SECOND / 10;
const PERIODS: usize = 20;
/// The volume-up button (active low).
const VOLUME_UP: u32 = 107;

/// The changes of `pin` after `Board::take` switched it off: (ticks, level).
fn changes(run: &Run, pin: u32) -> Result<Vec<(u64, String)>> {
    let trace: Vec<(u64, String)> = run
        .gpio_trace()
        .into_iter()
        .filter(|(_, p, _)| *p == pin)
        .map(|(ticks, _, level)| (ticks, level))
        .collect();
    ensure!(
        trace.first().is_some_and(|(_, level)| level == "low"),
        "gpio{pin} was not first switched off: {trace:?}{}",
        run.context()
    );
    Ok(trace[1..].to_vec())
}

/// `count` toggles (high first, alternating), each exactly `spacing` ticks after the one
/// before.
fn toggles_exactly(
    toggles: &[(u64, String)],
    count: usize,
    spacing: u64,
    what: &str,
) -> Result<()> {
    ensure!(
        toggles.len() == count,
        "{what} changed {} times, expected {count}: {toggles:?}",
        toggles.len()
    );
    for (n, (_, level)) in toggles.iter().enumerate() {
        let expected = if n % 2 == 0 { "high" } else { "low" };
        ensure!(
            level == expected,
            "{what} toggle {n} went {level}: {toggles:?}"
        );
    }
    for pair in toggles.windows(2) {
        let gap = pair[1].0 - pair[0].0;
        ensure!(
            gap == spacing,
            "{what} toggles {gap} ticks apart, expected exactly {spacing} (the ticker's \
             deadlines are whole periods, the 1.28 MHz embassy tick is 15 counter ticks): \
             {toggles:?}"
        );
    }
    Ok(())
}

/// A line typed and the button held 300..600 ms: the documented output in order (echo,
/// press and release at their times, the summary); LED1 toggles exactly every 100 ms and
/// LED2 every 200 ms; the core slept: far fewer instructions than the two seconds' ticks.
pub fn tasks_exact_and_asleep(runner: &Runner) -> Result<()> {
    let (press, release) = (3 * PERIOD_TICKS, 6 * PERIOD_TICKS);
    let run = runner.run(&[
        "--send-after",
        "async_blinky",
        "hello\\r",
        "--press",
        &format!("{VOLUME_UP}@{press}:{release}"),
        "--trace",
        "gpio",
        "--stats",
    ])?;
    run.ended_by_reset()?;
    run.console_has_lines(&documented_output("async_blinky")?)?;
    toggles_exactly(&changes(&run, LED1)?, PERIODS, PERIOD_TICKS, "LED1")?;
    toggles_exactly(&changes(&run, LED2)?, PERIODS / 2, 2 * PERIOD_TICKS, "LED2")?;

    // Busy-waiting would execute one instruction per tick for the two seconds (38.4 million);
    // asleep, the core only runs the wake-ups: 20 blink periods, the typed characters, the
    // button, and the final wait for the console to drain. Measured: about 175 000.
    let instructions = Regex::new(r"emu: stats: instructions=(\d+)")?
        .captures(&run.stderr)
        .context("no --stats line")?[1]
        .parse::<u64>()?;
    let busy = PERIODS as u64 * PERIOD_TICKS;
    ensure!(
        instructions * 100 < busy,
        "{instructions} instructions in {busy} ticks: the executor did not sleep{}",
        run.context()
    );
    Ok(())
}

/// Nothing typed, never pressed: no echo and no button line, the same exact blinking.
pub fn untouched(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--trace", "gpio"])?;
    run.ended_by_reset()?;
    let documented = documented_output("async_blinky")?;
    let quiet: Vec<String> = documented
        .iter()
        .filter(|line| !line.starts_with("echo:") && !line.starts_with("button "))
        .cloned()
        .collect();
    run.console_has_lines(&quiet)?;
    ensure!(
        !run.stdout.contains("button pressed") && !run.stdout.contains("echo:"),
        "a button or echo line without input{}",
        run.context()
    );
    toggles_exactly(&changes(&run, LED1)?, PERIODS, PERIOD_TICKS, "LED1")?;
    Ok(())
}

/// Largest wake-up latency accepted from `async_wake`, in ticks (= instructions on the
/// virtual board) from core 1's signal to the listener's poll on a sleeping core. Measured:
/// SGI 220..225, SEV 147.
const MAX_SGI_WAKE_TICKS: u64 = 400;
const MAX_SEV_WAKE_TICKS: u64 = 300;

/// `async_wake`: both executors (core 0 woken by SGI from WFI, core 2 by SEV from WFE) are
/// woken from core 1 every time, within the bounds; the other documented lines; the run is
/// deterministic (the same output and instruction count twice).
pub fn wake_across_cores(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--stats"])?;
    run.ended_by_reset()?;
    let documented = documented_output("async_wake")?;
    let fixed: Vec<String> = documented
        .iter()
        .filter(|line| !line.starts_with("SGI:") && !line.starts_with("SEV:"))
        .cloned()
        .collect();
    run.console_has_lines(&fixed)?;
    for (name, bound) in [("SGI", MAX_SGI_WAKE_TICKS), ("SEV", MAX_SEV_WAKE_TICKS)] {
        let pattern =
            format!(r"(?m)^{name}: (\d+) wake-ups, signal to poll (\d+)\.\.(\d+) ticks\r?$");
        let caps = Regex::new(&pattern)?
            .captures(&run.stdout)
            .with_context(|| format!("no {name} line{}", run.context()))?;
        let (count, fastest, slowest): (u64, u64, u64) =
            (caps[1].parse()?, caps[2].parse()?, caps[3].parse()?);
        ensure!(
            count == 10,
            "{count} {name} wake-ups, expected 10{}",
            run.context()
        );
        ensure!(
            fastest <= slowest && slowest <= bound,
            "{name} wake-ups took {fastest}..{slowest} ticks, at most {bound} expected{}",
            run.context()
        );
    }
    let again = runner.run(&["--stats"])?;
    let stats = |run: &Run| {
        run.stderr
            .lines()
            .find(|line| line.starts_with("emu: stats:"))
            .map(str::to_owned)
    };
    ensure!(
        again.stdout == run.stdout && stats(&again) == stats(&run) && stats(&run).is_some(),
        "two runs differ:{}\n--- second run:{}",
        run.context(),
        again.context()
    );
    Ok(())
}
