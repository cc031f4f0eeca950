//! Checks of the `critical_section_contention` example: the HAL's critical section keeps a
//! slow read-modify-write exact with four cores contending, and a single-core style section
//! (interrupt masking only) loses updates under the same load, so the test can tell the two
//! apart.

use super::{Runner, documented_output};
use anyhow::{Result, ensure};
use regex::Regex;

/// The documented lines; independently of them, round 1's total is exactly 4 x 200 and round
/// 2's is short; a second run prints the same.
pub fn lock_needed_with_four_cores(runner: &Runner) -> Result<()> {
    let run = runner.run(&[])?;
    run.ended_by_reset()?;
    run.console_has_lines(&documented_output("critical_section_contention")?)?;
    let re = Regex::new(r"(?m)^(.*): total (\d+) of (\d+)")?;
    let totals: Vec<(String, u64, u64)> = re
        .captures_iter(&run.stdout)
        .map(|c| Ok((c[1].to_owned(), c[2].parse()?, c[3].parse()?)))
        .collect::<Result<_>>()?;
    ensure!(
        totals.len() == 2,
        "expected two totals, found {totals:?}{}",
        run.context()
    );
    let (first, second) = (&totals[0], &totals[1]);
    ensure!(
        first.0.starts_with("critical_section::with") && first.2 == 800 && first.1 == first.2,
        "the HAL's critical section lost updates: {first:?}{}",
        run.context()
    );
    ensure!(
        second.0.starts_with("interrupts masked only") && second.1 < second.2,
        "interrupt masking alone did not lose updates with four cores, so the test cannot tell a single-core implementation apart: {second:?}{}",
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
