//! `cargo xtask test`: the whole test suite, step by step.
//!
//! Design notes: every step runs even when an earlier one failed (so one run shows every
//! problem), except steps that need an artefact a failed step did not produce. The last line is
//! `xtask: N passed, M failed`, which CI tooling reads; the exit status is non-zero on any failure.

use crate::{build, checks, doc, doc_examples, prereq, regen};
use anyhow::{Context, Result, bail, ensure};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// One step's outcome.
struct Outcome {
    name: String,
    result: Result<()>,
    seconds: f64,
}

/// The suite's steps run so far, and which ones to run.
struct Suite<'a> {
    only: Option<&'a str>,
    /// Whether a selected example check needs the build steps' artefacts.
    builds_needed: bool,
    outcomes: Vec<Outcome>,
}

impl Suite<'_> {
    fn wanted(&self, name: &str) -> bool {
        self.only.is_none_or(|o| name.contains(o))
    }

    /// Runs one step if it is selected (the build steps also when an example check needs
    /// them), printing and recording its outcome; returns false if it failed.
    fn step(&mut self, name: &str, body: impl FnOnce() -> Result<()>) -> bool {
        let is_build = name == "build examples" || name == "build virtual board";
        if !(self.wanted(name) || (is_build && self.builds_needed)) {
            return true;
        }
        eprintln!("xtask test: {name} ...");
        let start = Instant::now();
        let result = body();
        let seconds = start.elapsed().as_secs_f64();
        let ok = result.is_ok();
        match &result {
            Ok(()) => eprintln!("xtask test: PASS {name} ({seconds:.1} s)"),
            Err(e) => eprintln!("xtask test: FAIL {name} ({seconds:.1} s): {e:#}"),
        }
        self.outcomes.push(Outcome {
            name: name.to_owned(),
            result,
            seconds,
        });
        ok
    }

    /// Prints the summary; the last line is `xtask: N passed, M failed`.
    fn report(self) -> ExitCode {
        let failed = self.outcomes.iter().filter(|o| o.result.is_err()).count();
        let passed = self.outcomes.len() - failed;
        eprintln!();
        for outcome in &self.outcomes {
            let mark = if outcome.result.is_ok() {
                "ok  "
            } else {
                "FAIL"
            };
            eprintln!("  {mark} {:<60} {:>7.1} s", outcome.name, outcome.seconds);
        }
        println!("xtask: {passed} passed, {failed} failed");
        if failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

/// Runs the suite; `only` keeps the steps whose name contains it.
pub fn run(root: &Path, only: Option<&str>) -> Result<ExitCode> {
    prereq::firmware(root)?;
    prereq::virtual_board(root)?;
    let mut suite = Suite {
        only,
        builds_needed: false,
        outcomes: Vec::new(),
    };
    suite.builds_needed = checks::all()
        .iter()
        .any(|c| suite.wanted(&format!("example {}: {}", c.example, c.what)));
    host_steps(&mut suite, root);
    let mut elfs: Option<Vec<(String, PathBuf)>> = None;
    let names = build::example_names(root)?;
    suite.step("build examples", || {
        let paths = build::examples(root, &names)?;
        elfs = Some(names.iter().cloned().zip(paths).collect());
        Ok(())
    });
    let mut emu: Option<PathBuf> = None;
    suite.step("build virtual board", || {
        emu = Some(build::virtual_board(root)?);
        Ok(())
    });

    for check in checks::all() {
        let name = format!("example {}: {}", check.example, check.what);
        suite.step(&name, || {
            let (Some(elfs), Some(emu)) = (&elfs, &emu) else {
                bail!("skipped: the examples or the virtual board did not build");
            };
            let Some((_, elf)) = elfs.iter().find(|(n, _)| n == check.example) else {
                bail!(
                    "example `{}` is not declared in examples/Cargo.toml",
                    check.example
                );
            };
            (check.run)(&checks::Runner { emu, elf })
        });
    }
    for check in checks::tool_checks() {
        let name = format!("xtask: {}", check.what);
        suite.step(&name, || (check.run)(root));
    }

    Ok(suite.report())
}

/// The HAL's optional async modules (executor, embassy-time driver), linted and unit-tested
/// with the rest.
const ASYNC_HAL_FEATURES: &str = "apq8016-hal/executor,apq8016-hal/embassy-time-driver";

/// The host crates that are linted and unit-tested (the same set for both steps, so the two
/// share one build).
const HOST_TEST_PACKAGES: [&str; 8] = [
    "--package",
    "xtask",
    "--package",
    "apq8016-hal",
    "--package",
    "db410c",
    "--package",
    "db410c-emu",
];

/// What `cargo clippy -- -D warnings` hands to cargo: clippy-driver (next to the toolchain's
/// rustc) as `RUSTC_WORKSPACE_WRAPPER`, and the lint arguments in `CLIPPY_ARGS` (clippy-driver
/// reads them from there, separated by `__CLIPPY_HACKERY__`).
fn lint_wrapper(root: &Path) -> Result<(PathBuf, String)> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = std::process::Command::new(&rustc)
        .current_dir(root)
        .args(["--print", "sysroot"])
        .output()
        .with_context(|| format!("cannot run {rustc:?}"))?;
    ensure!(output.status.success(), "`rustc --print sysroot` failed");
    let sysroot = String::from_utf8(output.stdout).context("sysroot path is not UTF-8")?;
    let driver = Path::new(sysroot.trim())
        .join("bin")
        .join(format!("clippy-driver{}", std::env::consts::EXE_SUFFIX));
    ensure!(
        driver.is_file(),
        "{} not found: install clippy with `rustup component add clippy`",
        driver.display()
    );
    Ok((
        driver,
        "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__".to_owned(),
    ))
}

/// The steps that need neither the examples nor the virtual board: formatting, lints, host
/// unit tests (with the HAL's and the board crate's doc examples), PAC freshness,
/// documentation.
fn host_steps(suite: &mut Suite, root: &Path) {
    suite.step("fmt", || {
        build::run_checked(
            build::cargo(root).args(["fmt", "--all", "--", "--check"]),
            "cargo fmt --check",
        )
    });
    // The host lint builds what the host unit tests need (`cargo test --no-run`) with
    // clippy-driver as the workspace members' compiler (what `cargo clippy` does, but with code
    // generation): the dependencies are compiled once, for both steps, instead of checked for
    // clippy and then built again for the tests. Dependencies get `--cap-lints allow` from
    // cargo, and clippy-driver lints only crates without it, so only our own code is linted.
    let host_lint = lint_wrapper(root);
    let lint_passed = suite.step("clippy host crates", || {
        let (driver, args) = host_lint.as_ref().map_err(|e| anyhow::anyhow!("{e:#}"))?;
        build::run_checked(
            build::cargo(root)
                .args(["test", "--no-run"])
                .args(HOST_TEST_PACKAGES)
                .args(["--features", ASYNC_HAL_FEATURES, "--all-targets"])
                .env("RUSTC_WORKSPACE_WRAPPER", driver)
                .env("CLIPPY_ARGS", args),
            "clippy (host)",
        )
    });
    suite.step("clippy firmware crates", || {
        build::run_checked(
            build::cargo(root).args([
                "clippy",
                "--package",
                "apq8016-pac",
                "--package",
                "apq8016-hal",
                "--package",
                "db410c",
                "--package",
                "db410c-examples",
                "--package",
                "db410c-labs",
                "--features",
                "db410c-examples/defmt,db410c-examples/async,db410c-labs/reference",
                "--lib",
                "--bins",
                "--examples",
                "--release",
                "--target",
                prereq::TARGET,
                "--",
                "-D",
                "warnings",
            ]),
            "clippy (firmware)",
        )
    });
    // After a passing lint step the tests reuse its build (same compiler wrapper and
    // arguments, so cargo finds everything fresh). Without it (lint failed or not selected),
    // plain `cargo test`, so the tests still run when a lint fails.
    let reuse_lint_build = lint_passed && suite.wanted("clippy host crates");
    suite.step("host unit tests", || {
        let mut cargo = build::cargo(root);
        cargo
            .arg("test")
            .args(HOST_TEST_PACKAGES)
            .args(["--features", ASYNC_HAL_FEATURES]);
        if let (true, Ok((driver, args))) = (reuse_lint_build, &host_lint) {
            cargo
                .env("RUSTC_WORKSPACE_WRAPPER", driver)
                .env("CLIPPY_ARGS", args);
        }
        build::run_checked(&mut cargo, "cargo test (host)")
    });
    suite.step("PAC is fresh (regen --check)", || regen::run(root, true));
    suite.step("docs build with warnings denied", || {
        doc::run(root).map(|_| ())
    });
    suite.step(
        "docs: every rustdoc example of the HAL and board crate compiles; each driver API has one",
        || {
            let count = doc_examples::check(root)?;
            eprintln!("xtask: {count} doc examples compiled");
            Ok(())
        },
    );
}
