//! Checks of the `multicore` example: cores 1..3 started through PSCI CPU_ON, a shared counter
//! under critical sections, per-core MPIDR, the refused second start, and determinism of the
//! round-robin scheduling.

use super::{Runner, documented_output};
use anyhow::{Context, Result, ensure};
use regex::Regex;

/// Every documented line in order (including `AlreadyOn` for the second start of core 1 and
/// the exact total 3000), the reset, and the same console output and instruction count on a
/// second run.
pub fn four_cores_deterministic(runner: &Runner) -> Result<()> {
    let first = runner.run(&["--stats"])?;
    first.ended_by_reset()?;
    first.console_has_lines(&documented_output("multicore")?)?;
    let second = runner.run(&["--stats"])?;
    second.ended_by_reset()?;
    ensure!(
        first.stdout == second.stdout,
        "console output differs between two runs"
    );
    let instructions = |stderr: &str| -> Result<u64> {
        let re = Regex::new(r"emu: stats: instructions=(\d+)")?;
        let caps = re
            .captures(stderr)
            .context("no `emu: stats` line on stderr")?;
        Ok(caps[1].parse()?)
    };
    let (a, b) = (instructions(&first.stderr)?, instructions(&second.stderr)?);
    ensure!(
        a == b,
        "instruction counts differ between two runs: {a} and {b}"
    );
    Ok(())
}
