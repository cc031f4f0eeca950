//! Checks of the lab exercises (`labs/`, `cargo xtask lab`): every reference solution meets
//! every criterion of its lab, every untouched starting point fails with its unmet criteria
//! named in the report, each lab has its task statement, and the command line behaves.

use super::tools::xtask;
use crate::build;
use crate::lab::{self, Variant};
use anyhow::{Result, ensure};
use std::path::Path;

/// The labs the course promises: GPIO, timing, UART protocol, interrupts, a bus device,
/// multicore.
const AT_LEAST: usize = 6;

pub fn references_pass_starts_fail(root: &Path) -> Result<()> {
    let labs = lab::all();
    ensure!(
        labs.len() >= AT_LEAST,
        "only {} labs, expected at least {AT_LEAST}",
        labs.len()
    );
    // Every start and every reference in one cargo invocation.
    let binaries: Vec<_> = labs
        .iter()
        .flat_map(|l| [(l, Variant::Student), (l, Variant::Reference)])
        .collect();
    let elfs = lab::build(root, &binaries)?;
    let emu = build::virtual_board(root)?;

    let mut problems = Vec::new();
    for (index, l) in labs.iter().enumerate() {
        let readme = root.join("labs").join(l.name).join("README.md");
        match std::fs::read_to_string(&readme) {
            Ok(text) if text.contains(&format!("cargo xtask lab check {}", l.name)) => {}
            Ok(_) => problems.push(format!(
                "{} does not say how to check the lab (`cargo xtask lab check {}`)",
                readme.display(),
                l.name
            )),
            Err(e) => problems.push(format!("{}: {e}", readme.display())),
        }
        let reference = l.report(root, Variant::Reference, &emu, &elfs[2 * index + 1])?;
        if !reference.all_passed() {
            problems.push(format!(
                "the reference solution of `{}` fails:\n{reference}",
                l.name
            ));
        }
        let start = l.report(root, Variant::Student, &emu, &elfs[2 * index])?;
        if start.all_passed() {
            problems.push(format!(
                "the untouched start of `{}` passes:\n{start}",
                l.name
            ));
        }
        let text = start.to_string();
        for failed in start.failed() {
            if failed.expected.is_empty()
                || failed.seen.is_empty()
                || !text.contains(&format!("  FAIL  {}\n", failed.what))
            {
                problems.push(format!(
                    "`{}`: the report does not name the unmet criterion `{}` with what was \
                     expected and seen:\n{text}",
                    l.name, failed.what
                ));
            }
        }
        eprintln!(
            "  lab {}: reference {} of {}, start {} of {}",
            l.name,
            reference.passed(),
            reference.criteria.len(),
            start.passed(),
            start.criteria.len()
        );
    }
    ensure!(problems.is_empty(), "{}", problems.join("\n"));
    command_line(root)
}

/// `lab list` lists every lab; `lab check` exits non-zero with the failures listed for the
/// untouched start, zero for `--reference`; an unknown name is a clear error.
fn command_line(root: &Path) -> Result<()> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let listed = xtask(root, &["lab", "list"], &path)?;
    listed.exit_code_is(0)?;
    for l in lab::all() {
        ensure!(
            listed
                .stdout
                .contains(&format!("labs/{}/README.md", l.name)),
            "`lab list` does not list {}{}",
            l.name,
            listed.context()
        );
    }
    let start = xtask(root, &["lab", "check", "gpio_pattern"], &path)?;
    ensure!(
        start.code == Some(1)
            && start.stdout.contains("  FAIL  LED 1 gives 9 pulses")
            && start.stdout.contains("score: "),
        "`lab check gpio_pattern` on the untouched start: expected exit 1 and the failures{}",
        start.context()
    );
    let reference = xtask(
        root,
        &["lab", "check", "gpio_pattern", "--reference"],
        &path,
    )?;
    reference.exit_code_is(0)?;
    reference.console_has("lab gpio_pattern passed")?;
    let unknown = xtask(root, &["lab", "check", "no_such_lab"], &path)?;
    ensure!(
        unknown.code != Some(0) && unknown.stderr.contains("the labs are: gpio_pattern"),
        "an unknown lab name is not a clear error{}",
        unknown.context()
    );
    Ok(())
}
