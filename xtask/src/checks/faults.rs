//! Checks of the `panic` and `exception` examples: the runtime's reports.

use super::Runner;
use anyhow::Result;

pub fn panic_report(runner: &Runner) -> Result<()> {
    let run = runner.run(&[])?;
    run.console_has(r"panicked at examples/panic\.rs:\d+:\d+")?;
    run.ended_by_reset()
}

pub fn exception_report(runner: &Runner) -> Result<()> {
    let run = runner.run(&[])?;
    run.console_has(r"(?i)undefined instruction|brk")?;
    run.console_has(r"ESR[^\n]*0x[0-9a-f]+")?;
    run.console_has(r"ELR[^\n]*0x[0-9a-f]+")?;
    run.ended_by_reset()
}
