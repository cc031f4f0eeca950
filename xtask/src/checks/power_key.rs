//! Checks of the `power_key` example: the PMIC keys by interrupt (PON interrupt block, the
//! SPMI arbiter's status and summary, GIC ID 222), and of `rtc_alarm`: the RTC alarm by
//! interrupt while the CPU sleeps.

use super::{Run, Runner, documented_output};
use anyhow::{Result, ensure};
use regex::Regex;

/// The run ended with the PMIC powering the board off (exit 0).
fn ended_by_power_off(run: &Run) -> Result<()> {
    run.board_has(r"emu: PS_HOLD released at pc=0x[0-9a-f]+: power off\n")?;
    run.exit_code_is(0)
}

/// Instructions executed (`--stats`).
fn instructions(run: &Run) -> Result<u64> {
    let re = Regex::new(r"emu: stats: instructions=(\d+)").expect("valid");
    let n = re
        .captures(&run.stderr)
        .and_then(|c| c[1].parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no stats line{}", run.context()))?;
    Ok(n)
}

/// Power key 1 s..1.2 s and volume down 1.5 s..1.6 s: every documented line exactly (each
/// edge reported within the millisecond it happened), four interrupts, power off; the CPU
/// slept between them (far fewer instructions than the 3 s of ticks).
pub fn presses_by_interrupt(runner: &Runner) -> Result<()> {
    let run = runner.run(&[
        "--press",
        "power@1s:1200ms",
        "--press",
        "volume-down@1500ms:1600ms",
        "--stats",
    ])?;
    run.console_has_lines(&documented_output("power_key")?)?;
    let executed = instructions(&run)?;
    ensure!(
        executed < 10_000_000,
        "{executed} instructions in 3 s: the CPU did not sleep between the key interrupts{}",
        run.context()
    );
    ended_by_power_off(&run)
}

/// No key pressed: no interrupt, nothing reported; a key held from power-on gives no edge
/// (nothing reported either) until it is released.
pub fn untouched_and_held(runner: &Runner) -> Result<()> {
    let run = runner.run(&[])?;
    run.console_has(r"(?m)^0 key interrupts, powering off\r$")?;
    ensure!(
        !run.stdout.contains(" at "),
        "a key change was reported without a press{}",
        run.context()
    );
    ended_by_power_off(&run)?;
    let run = runner.run(&["--press", "power@0:2s"])?;
    run.console_has(r"(?m)^power key released at 2000 ms\r\n1 key interrupts, powering off\r$")?;
    ensure!(
        !run.stdout.contains("pressed at"),
        "a press before the interrupt was set up was reported as an edge{}",
        run.context()
    );
    ended_by_power_off(&run)
}

/// `rtc_alarm`: every documented line (the alarm interrupt exactly 2000 ms after the time
/// was set, the RTC then at the alarm second), one wake-up's worth of instructions, power off.
pub fn alarm_by_interrupt(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--stats"])?;
    run.console_has_lines(&documented_output("rtc_alarm")?)?;
    let executed = instructions(&run)?;
    ensure!(
        executed < 5_000_000,
        "{executed} instructions while waiting 2 s for the alarm: the CPU did not sleep{}",
        run.context()
    );
    ended_by_power_off(&run)
}
