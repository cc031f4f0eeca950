//! Checks of the `hello` example: banner, EL2 entry, boot image, determinism.

use super::{Runner, documented_output, run_process};
use anyhow::{Result, ensure};
use std::process::Command;

pub fn prints_documented_output(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--stats"])?;
    // Every documented line, in order: banner, chip, EL1, timer frequency, resetting.
    run.console_has_lines(&documented_output("hello")?)?;
    run.board_has(r"emu: stats: instructions=\d+ first-console-byte-at=\d+")?;
    run.ended_by_reset()
}

/// What `cargo xtask flash hello` sends to the board: the boot image (gzip'd Image + DTB in an
/// Android v0 container), loaded the way LK does it (kernel at 0x8008_0000, x0 = DTB).
pub fn boots_from_boot_image(runner: &Runner) -> Result<()> {
    let image = runner.elf.with_extension("boot.img");
    let name = runner
        .elf
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("hello");
    let kernel = crate::image::kernel_section(runner.elf)?;
    std::fs::write(&image, crate::image::boot_image(&kernel, name)?)?;
    let run = run_process(Command::new(runner.emu).arg(&image).arg("--stats"))?;
    run.console_has(&regex::escape(&super::banner("hello")?))?;
    run.console_has(r"running at EL1")?;
    run.ended_by_reset()
}

pub fn entered_at_el2(runner: &Runner) -> Result<()> {
    let run = runner.run(&["--entry-el", "2"])?;
    run.console_has(r"running at EL1")?;
    run.ended_by_reset()
}

pub fn deterministic(runner: &Runner) -> Result<()> {
    let first = runner.run(&["--stats", "--trace", "gpio"])?;
    let second = runner.run(&["--stats", "--trace", "gpio"])?;
    ensure!(
        first.stdout == second.stdout,
        "console output differs between two runs"
    );
    ensure!(
        first.stderr == second.stderr,
        "board report differs between two runs"
    );
    Ok(())
}
