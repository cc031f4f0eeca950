//! Checks of xtask itself: the cargo runner, bad example names, `new`, `run --debug`.

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

/// The name of the scratch example the `new` check creates (and removes again).
const SCRATCH_EXAMPLE: &str = "xtask_new_check";

/// Puts `examples/Cargo.toml` back as it was and removes the scratch example's file, also when
/// the check fails half-way.
struct ScratchExample {
    manifest_path: std::path::PathBuf,
    manifest: String,
    source: std::path::PathBuf,
}

impl Drop for ScratchExample {
    fn drop(&mut self) {
        let _ = std::fs::write(&self.manifest_path, &self.manifest);
        let _ = std::fs::remove_file(&self.source);
    }
}

/// `cargo xtask new NAME` refuses an existing or a bad name; a new example builds, is
/// rustfmt-clean, runs on the virtual board printing what its doc block says, and is listed
/// for `build`/`size`. The scratch example is removed again.
pub fn new_example(root: &Path) -> Result<()> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let run = xtask(root, &["new", "hello"], &path)?;
    ensure!(
        run.code != Some(0),
        "`new hello` succeeded{}",
        run.context()
    );
    run.board_has("`hello` already exists")?;
    let run = xtask(root, &["new", "Bad-Name"], &path)?;
    ensure!(
        run.code != Some(0),
        "`new Bad-Name` succeeded{}",
        run.context()
    );
    run.board_has("`Bad-Name` is not a valid example name")?;

    let manifest_path = root.join("examples/Cargo.toml");
    let source = root.join("examples").join(format!("{SCRATCH_EXAMPLE}.rs"));
    ensure!(
        !source.exists(),
        "{} is left over from an interrupted run; remove it and its [[example]] entry",
        source.display()
    );
    let _guard = ScratchExample {
        manifest: std::fs::read_to_string(&manifest_path)?,
        manifest_path,
        source: source.clone(),
    };
    let run = xtask(root, &["new", SCRATCH_EXAMPLE], &path)?;
    run.exit_code_is(0)?;
    ensure!(source.is_file(), "`new` wrote no {}", source.display());
    ensure!(
        crate::build::example_names(root)?
            .iter()
            .any(|n| n == SCRATCH_EXAMPLE),
        "the new example is not listed in examples/Cargo.toml"
    );
    let fmt = run_process(
        Command::new("rustfmt")
            .args(["--check", "--edition", "2024"])
            .arg(&source),
    )?;
    fmt.exit_code_is(0)
        .context("the new example is not rustfmt-clean")?;
    let run = xtask(root, &["run", SCRATCH_EXAMPLE], &path)?;
    run.exit_code_is(0)?;
    run.board_has(r"emu: PS_HOLD released at pc=0x[0-9a-f]+: system reset")?;
    run.console_has_lines(&super::documented_output(SCRATCH_EXAMPLE)?)?;
    Ok(())
}

/// `cargo xtask run --debug hello`: built with overflow checks (the panic messages of checked
/// arithmetic are in the ELF, and not in the release one) into its own directory, so the
/// release ELF is not rebuilt; it runs as documented.
pub fn run_debug(root: &Path) -> Result<()> {
    let release = crate::build::examples(root, &["hello".to_owned()])?.remove(0);
    let before = std::fs::metadata(&release)?.modified()?;
    let path = std::env::var_os("PATH").unwrap_or_default();
    let run = xtask(root, &["run", "--debug", "hello"], &path)?;
    run.exit_code_is(0)?;
    run.console_has_lines(&super::documented_output("hello")?)?;
    let debug_elf = crate::build::target_dir(root)
        .join(crate::prereq::TARGET)
        .join("firmware-debug/examples/hello");
    let has_overflow_checks = |elf: &Path| -> Result<bool> {
        let bytes = std::fs::read(elf).with_context(|| format!("cannot read {}", elf.display()))?;
        Ok(bytes
            .windows(b"with overflow".len())
            .any(|w| w == b"with overflow"))
    };
    ensure!(
        has_overflow_checks(&debug_elf)?,
        "{} has no overflow checks",
        debug_elf.display()
    );
    ensure!(
        !has_overflow_checks(&release)?,
        "the release ELF has overflow checks"
    );
    ensure!(
        std::fs::metadata(&release)?.modified()? == before,
        "`run --debug` rebuilt the release ELF"
    );
    Ok(())
}

/// A firmware crate that forgets `db410c::entry!` gets the board's hint from the linker, not
/// only an undefined symbol. The crate is a scratch one outside the workspace that depends on
/// the board crate by path; it shares the workspace's release profile and target directory,
/// so the board crate's dependencies are reused.
pub fn missing_entry_hint(root: &Path) -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let bsp = root.join("bsp").join("db410c");
    std::fs::write(
        scratch.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"no-entry\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n\
             [dependencies]\ndb410c = {{ path = {:?} }}\n\n[workspace]\n\n\
             [profile.release]\nopt-level = \"s\"\nlto = \"fat\"\ncodegen-units = 1\ndebug = true\n",
            bsp.display().to_string()
        ),
    )?;
    std::fs::create_dir(scratch.path().join("src"))?;
    // Everything a firmware needs except the entry point.
    std::fs::write(
        scratch.path().join("src").join("main.rs"),
        "#![no_std]\n#![no_main]\nuse db410c as _;\n",
    )?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let run = run_process(
        Command::new(&cargo)
            .current_dir(scratch.path())
            .env("CARGO_TARGET_DIR", crate::build::target_dir(root))
            .args([
                "rustc",
                "--quiet",
                "--release",
                "--target",
                crate::prereq::TARGET,
                "--",
                "-C",
                "link-arg=-Tdb410c.ld",
            ]),
    )?;
    ensure!(
        run.code != Some(0),
        "a firmware without entry! linked{}",
        run.context()
    );
    ensure!(
        run.stderr
            .contains("db410c: no entry point: add `db410c::entry!(main);`"),
        "the link error lacks the board's hint{}",
        run.context()
    );
    Ok(())
}
