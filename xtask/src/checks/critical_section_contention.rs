//! Checks of the `critical_section_contention` example: the HAL's critical section keeps a
//! slow read-modify-write exact with four cores contending, and a single-core style section
//! (interrupt masking only) loses updates under the same load, so the test can tell the two
//! apart.

use super::{Runner, documented_output};
use anyhow::{Context, Result, ensure};
use regex::Regex;

/// The documented lines (round 1's total exactly 4 x 200, round 2 losing updates), round 2's
/// count short of 800; a second run prints the same.
pub fn lock_needed_with_four_cores(runner: &Runner) -> Result<()> {
    let run = runner.run(&[])?;
    run.ended_by_reset()?;
    run.console_has_lines(&documented_output("critical_section_contention")?)?;
    // Round 1 is exact by the documented line; round 2 gives its count on the next line.
    let re = Regex::new(
        r"(?m)^interrupts masked only [^\r\n]*: updates lost\r?\n  \((\d+) of (\d+) counted\)",
    )?;
    let caps = re.captures(&run.stdout).with_context(|| {
        format!(
            "interrupt masking alone did not lose updates with four cores, so the test cannot tell a single-core implementation apart{}",
            run.context()
        )
    })?;
    let (counted, expected): (u64, u64) = (caps[1].parse()?, caps[2].parse()?);
    ensure!(
        expected == 800 && counted < expected,
        "round 2 counted {counted} of {expected}{}",
        run.context()
    );
    let again = runner.run(&[])?;
    ensure!(
        again.stdout == run.stdout,
        "the second run printed something else{}",
        again.context()
    );
    Ok(())
}
