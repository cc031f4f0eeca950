//! Checks of xtask itself: the cargo runner, bad example names.

use super::{Run, run_process};
use anyhow::{Context, Result, ensure};
use std::path::Path;
use std::process::Command;

pub fn unknown_example(root: &Path) -> Result<()> {
    let error = crate::build::check_example_name(root, "no-such-example")
        .err()
        .context("an unknown example name was accepted")?;
    let message = format!("{error:#}");
    ensure!(
        message.contains("no-such-example"),
        "message does not name the example: {message}"
    );
    ensure!(
        message.contains("hello"),
        "message does not list the known examples: {message}"
    );
    Ok(())
}

/// The cargo runner in `.cargo/config.toml`: `cargo run-example hello` builds and runs the
/// firmware on the virtual board; with `DB410C_RUNNER=board` it `fastboot boot`s the boot
/// image instead (here with a fake fastboot that records its arguments).
pub fn cargo_runner(root: &Path) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let run = run_process(
        Command::new(&cargo)
            .current_dir(root)
            .args(["run-example", "hello"])
            .env_remove("DB410C_RUNNER"),
    )?;
    run.console_has(&regex::escape(&super::banner("hello")?))?;
    run.ended_by_reset()?;

    let scratch = tempfile::tempdir()?;
    let log = scratch.path().join("fastboot.log");
    let fake = scratch.path().join("fastboot");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\necho \"$@\" >> '{}'\n", log.display()),
    )?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755))?;
    }
    let run = run_process(
        Command::new(&cargo)
            .current_dir(root)
            .args(["run-example", "hello"])
            .env("DB410C_RUNNER", "board")
            .env("FASTBOOT", &fake),
    )?;
    run.exit_code_is(0)?;
    let recorded = std::fs::read_to_string(&log).context("the fake fastboot was not called")?;
    ensure!(
        recorded.trim_end().starts_with("boot ") && recorded.trim_end().ends_with("hello.boot.img"),
        "unexpected fastboot call: {recorded:?}"
    );
    Ok(())
}

/// Runs this xtask binary (a fresh process, so exit codes and messages are checked as a user
/// sees them) with the given PATH and no FASTBOOT.
pub fn xtask(root: &Path, args: &[&str], path: &std::ffi::OsStr) -> Result<Run> {
    let me = std::env::current_exe().context("cannot find the xtask executable")?;
    run_process(
        Command::new(me)
            .current_dir(root)
            .args(args)
            .env("PATH", path)
            .env_remove("FASTBOOT"),
    )
}
