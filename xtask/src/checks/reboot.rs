//! Checks of reboots within one run (`--max-resets`): the firmware starts again after a reset
//! and sees how the previous boot ended (`pmic_info`: a hard reset; `watchdog`: a bite).

use super::{Run, Runner, documented_output};
use anyhow::{Result, ensure};

/// How often the board reported a reboot.
fn reboots(run: &Run) -> usize {
    run.stderr
        .lines()
        .filter(|l| l.starts_with("emu: reboot "))
        .count()
}

/// `pmic_info --max-resets 1`: every documented line of both boots (the second one sees
/// HARD_RESET among the power-on reasons and powers off), one reboot, then power off; without
/// the option the run ends at the reset, after the first boot's lines.
pub fn hard_reset_seen_by_the_next_boot(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--max-resets", "1"])?;
    run.console_has_lines(&documented_output("pmic_info")?)?;
    run.board_has(r"(?m)^emu: PS_HOLD released at pc=0x[0-9a-f]+: system reset\nemu: reboot 1 of at most 1 at t=\d+\n")?;
    run.board_has(r"emu: PS_HOLD released at pc=0x[0-9a-f]+: power off\n")?;
    ensure!(reboots(&run) == 1, "expected one reboot{}", run.context());
    run.exit_code_is(0)?;
    let run = runner.run(&[])?;
    run.console_has(r"(?m)^hard reset\r$")?;
    ensure!(
        !run.stdout.contains("HARD_RESET") && reboots(&run) == 0,
        "without --max-resets the run went on after the reset{}",
        run.context()
    );
    run.ended_by_reset()
}

/// `watchdog --max-resets 3`: booted, pets, bitten, and in the same run the next boot reads
/// that the watchdog reset it and powers off: one reboot (of the three allowed), the bite line
/// before it, the power-off line at the end.
pub fn bite_then_next_boot_in_one_run(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--max-resets", "3"])?;
    let mut lines = documented_output("watchdog")?;
    lines.extend([
        "last reset: watchdog bite".to_owned(),
        "powering off".to_owned(),
    ]);
    run.console_has_lines(&lines)?;
    run.board_has(r"(?m)^emu: APSS watchdog bite at t=\d+ \(pc=0x[0-9a-f]+\): system reset\nemu: reboot 1 of at most 3 at t=\d+\n")?;
    run.board_has(r"emu: PS_HOLD released at pc=0x[0-9a-f]+: power off\n")?;
    ensure!(reboots(&run) == 1, "expected one reboot{}", run.context());
    run.exit_code_is(0)
}
