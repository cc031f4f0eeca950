//! Checks of the `panic` and `exception` examples: the runtime's reports, and the exit codes
//! `cargo xtask run` and the cargo runner give for them.

use super::tools::xtask;
use super::{Runner, run_process};
use anyhow::{Context, Result};
use std::path::Path;
use std::process::Command;

pub fn panic_report(runner: &Runner) -> Result<()> {
    let run = runner.run(&[])?;
    run.console_has_lines(&[super::banner("panic")?])?;
    run.console_has(r"panicked at examples/panic\.rs:\d+:\d+")?;
    run.ended_by_reset()
}

pub fn exception_report(runner: &Runner) -> Result<()> {
    let run = runner.run(&[])?;
    run.console_has_lines(&[super::banner("exception")?])?;
    run.console_has(r"(?i)undefined instruction|brk")?;
    run.console_has(r"ESR[^\n]*0x[0-9a-f]+")?;
    run.console_has(r"ELR[^\n]*0x[0-9a-f]+")?;
    run.ended_by_reset()
}

/// `cargo xtask run` and the cargo runner (`cargo run-example`) exit with distinct codes when
/// the firmware reports a panic (101) or an unexpected exception (102), and 0 for a clean run,
/// although the virtual board itself exits 0 after the runtime's reset in all three cases.
pub fn exit_codes(root: &Path) -> Result<()> {
    use crate::session::{EXCEPTION_EXIT, PANIC_EXIT};
    let path = std::env::var_os("PATH").unwrap_or_default();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    for (example, code, report) in [
        ("hello", 0, None),
        ("panic", PANIC_EXIT, Some("a panic")),
        ("exception", EXCEPTION_EXIT, Some("an unexpected exception")),
    ] {
        let how = format!("`cargo xtask run {example}`");
        let run = xtask(root, &["run", example], &path)?;
        run.exit_code_is(i32::from(code)).context(how.clone())?;
        run.board_has(r"emu: PS_HOLD released at pc=0x[0-9a-f]+: system reset")
            .context(how.clone())?;
        if let Some(what) = report {
            run.board_has(&format!(
                "xtask: the firmware reported {what} on its console: exit code {code}"
            ))
            .context(how)?;
        }
        let run = run_process(
            Command::new(&cargo)
                .current_dir(root)
                .args(["run-example", example])
                .env_remove("DB410C_RUNNER"),
        )?;
        run.exit_code_is(i32::from(code))
            .with_context(|| format!("`cargo run-example {example}`"))?;
    }
    Ok(())
}
