//! `cargo xtask test`: the whole test suite, step by step.
//!
//! Design notes: every step runs even when an earlier one failed (so one run shows every
//! problem), except steps that need an artefact a failed step did not produce. The last line is
//! `xtask: N passed, M failed`, which CI tooling reads; the exit status is non-zero on any failure.

use crate::{build, checks, doc, prereq, regen};
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// One step's outcome.
struct Outcome {
    name: String,
    result: Result<()>,
    seconds: f64,
}

/// Runs the suite; `only` keeps the steps whose name contains it.
pub fn run(root: &Path, only: Option<&str>) -> Result<ExitCode> {
    prereq::firmware(root)?;
    prereq::virtual_board(root)?;

    let mut outcomes: Vec<Outcome> = Vec::new();
    let wanted = |name: &str| only.is_none_or(|o| name.contains(o));
    // The build steps also run when a selected example check needs their artefacts.
    let example_step_names: Vec<String> = checks::all()
        .iter()
        .map(|c| format!("example {}: {}", c.example, c.what))
        .collect();
    let builds_needed = example_step_names.iter().any(|n| wanted(n));
    let mut step = |name: &str, body: &mut dyn FnMut() -> Result<()>| -> bool {
        let is_build = name == "build examples" || name == "build virtual board";
        let selected = wanted(name) || (is_build && builds_needed);
        if !selected {
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
        outcomes.push(Outcome {
            name: name.to_owned(),
            result,
            seconds,
        });
        ok
    };

    step("fmt", &mut || {
        build::run_checked(
            build::cargo(root).args(["fmt", "--all", "--", "--check"]),
            "cargo fmt --check",
        )
    });
    step("clippy host crates", &mut || {
        build::run_checked(
            build::cargo(root).args([
                "clippy",
                "--package",
                "xtask",
                "--package",
                "db410c-emu",
                "--package",
                "apq8016-hal",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
            "clippy (host)",
        )
    });
    step("clippy firmware crates", &mut || {
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
                "--features",
                "db410c-examples/defmt",
                "--lib",
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
    step("host unit tests", &mut || {
        build::run_checked(
            build::cargo(root).args([
                "test",
                "--package",
                "xtask",
                "--package",
                "apq8016-hal",
                "--package",
                "db410c-emu",
            ]),
            "cargo test (host)",
        )
    });
    step("PAC is fresh (regen --check)", &mut || {
        regen::run(root, true)
    });
    step("docs build with warnings denied", &mut || {
        doc::run(root).map(|_| ())
    });

    let mut elfs: Option<Vec<(String, PathBuf)>> = None;
    let names = build::example_names(root)?;
    step("build examples", &mut || {
        let paths = build::examples(root, &names)?;
        elfs = Some(names.iter().cloned().zip(paths).collect());
        Ok(())
    });
    let mut emu: Option<PathBuf> = None;
    step("build virtual board", &mut || {
        emu = Some(build::virtual_board(root)?);
        Ok(())
    });

    for check in checks::all() {
        let name = format!("example {}: {}", check.example, check.what);
        step(&name, &mut || {
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
        step(&name, &mut || (check.run)(root));
    }

    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    let passed = outcomes.len() - failed;
    eprintln!();
    for outcome in &outcomes {
        let mark = if outcome.result.is_ok() {
            "ok  "
        } else {
            "FAIL"
        };
        eprintln!("  {mark} {:<60} {:>7.1} s", outcome.name, outcome.seconds);
    }
    println!("xtask: {passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
