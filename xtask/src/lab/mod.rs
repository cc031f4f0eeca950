//! `cargo xtask lab`: graded lab exercises (`labs/`), each a firmware a student completes and
//! a check that runs it on the virtual board and says, criterion by criterion, what is right
//! and what is not.
//!
//! Design notes:
//! - One firmware crate, `db410c-labs` (`labs/Cargo.toml`), one binary per lab: the student's
//!   starting point is `labs/<name>/main.rs`, the task `labs/<name>/README.md` (the book makes
//!   a chapter of it). The reference solutions are the binaries `<name>_reference`
//!   (`labs/reference/<name>.rs`), behind the crate feature `reference`, so a plain build of a
//!   lab never compiles them; `lab check NAME --reference` grades the reference instead. Every
//!   build goes through one cargo invocation into the shared target directory.
//! - A lab's check (`<name>.rs` beside this file) runs the ELF on the virtual board with that
//!   lab's options (traces, scripted input, devices, `--stats`) and judges the run against a
//!   list of [`grade::Criterion`]s. It never fails on a wrong firmware: every mistake is a
//!   failed criterion with what was expected and what was seen. It fails (an `Err`) only when
//!   the board could not be run at all. What no run can show (the virtual board switches cores
//!   only between blocks of straight-line code, so some races never appear) a lab may judge
//!   from the source instead (`Lab::inspect_source`).
//! - The suite (`checks/labs.rs`) builds every lab and every reference at once and checks that
//!   each reference meets every criterion and each untouched start fails at least one, with
//!   the failure named in the report.

mod gpio_pattern;
pub mod grade;
mod i2c_thermometer;
mod interrupt_counter;
mod multicore_sum;
mod periodic_timer;
mod uart_commands;

use crate::checks::Runner;
use crate::{build, prereq};
use anyhow::{Context, Result, bail};
use grade::{Criterion, Report};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// One lab.
pub struct Lab {
    /// The binary and directory name (`labs/<name>/`).
    pub name: &'static str,
    /// One line: what the firmware must do.
    pub title: &'static str,
    /// Runs the firmware on the virtual board and judges it.
    pub grade: fn(&Runner) -> Result<Vec<Criterion>>,
    /// Criteria judged from the firmware's source, for what a run on the virtual board cannot
    /// show (see `multicore_sum`).
    pub inspect_source: Option<fn(&str) -> Vec<Criterion>>,
}

/// Which firmware of a lab to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// The student's `labs/<name>/main.rs`.
    Student,
    /// The reference solution `labs/reference/<name>.rs`.
    Reference,
}

impl Lab {
    /// The binary that holds this variant.
    pub fn binary(&self, variant: Variant) -> String {
        match variant {
            Variant::Student => self.name.to_owned(),
            Variant::Reference => format!("{}_reference", self.name),
        }
    }

    /// The source file of this variant.
    pub fn source(&self, root: &Path, variant: Variant) -> PathBuf {
        match variant {
            Variant::Student => root.join("labs").join(self.name).join("main.rs"),
            Variant::Reference => root
                .join("labs/reference")
                .join(format!("{}.rs", self.name)),
        }
    }

    /// Grades the firmware at `elf`, built from `variant`'s source.
    pub fn report(&self, root: &Path, variant: Variant, emu: &Path, elf: &Path) -> Result<Report> {
        let mut criteria = (self.grade)(&Runner { emu, elf })?;
        if let Some(inspect) = self.inspect_source {
            let path = self.source(root, variant);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            criteria.extend(inspect(&text));
        }
        Ok(Report {
            lab: self.name.to_owned(),
            title: self.title.to_owned(),
            criteria,
        })
    }
}

/// Every lab, in the order of the course.
pub fn all() -> Vec<Lab> {
    vec![
        Lab {
            name: "gpio_pattern",
            title: "SOS in Morse code on LED 1, LED 2 lit meanwhile",
            grade: gpio_pattern::grade,
            inspect_source: None,
        },
        Lab {
            name: "periodic_timer",
            title: "a 20 Hz square wave on GPIO-A for one second, every edge on time",
            grade: periodic_timer::grade,
            inspect_source: None,
        },
        Lab {
            name: "uart_commands",
            title: "a line-based command protocol on the console, with error replies",
            grade: uart_commands::grade,
            inspect_source: None,
        },
        Lab {
            name: "interrupt_counter",
            title: "count button presses by interrupt, the CPU asleep in between",
            grade: interrupt_counter::grade,
            inspect_source: None,
        },
        Lab {
            name: "i2c_thermometer",
            title: "read an LM75 temperature sensor over I2C; no sensor is not a crash",
            grade: i2c_thermometer::grade,
            inspect_source: None,
        },
        Lab {
            name: "multicore_sum",
            title: "four cores share a computation, a race-free counter, core 0 combines",
            grade: multicore_sum::grade,
            inspect_source: Some(multicore_sum::inspect_source),
        },
    ]
}

/// The lab called `name`, or an error listing the labs.
pub fn find(name: &str) -> Result<Lab> {
    let labs = all();
    let names: Vec<&str> = labs.iter().map(|lab| lab.name).collect();
    match labs.into_iter().find(|lab| lab.name == name) {
        Some(lab) => Ok(lab),
        None => bail!("unknown lab `{name}`; the labs are: {}", names.join(", ")),
    }
}

/// Builds the given lab binaries in one cargo invocation (release, firmware target); returns
/// their ELF paths in order.
pub fn build(root: &Path, binaries: &[(&Lab, Variant)]) -> Result<Vec<PathBuf>> {
    let mut cargo = build::cargo(root);
    cargo.args([
        "build",
        "--package",
        "db410c-labs",
        "--release",
        "--target",
        prereq::TARGET,
    ]);
    if binaries.iter().any(|(_, v)| *v == Variant::Reference) {
        cargo.args(["--features", "reference"]);
    }
    for (lab, variant) in binaries {
        cargo.args(["--bin", &lab.binary(*variant)]);
    }
    build::run_checked(&mut cargo, "building the lab firmware")?;
    let dir = build::target_dir(root).join(prereq::TARGET).join("release");
    Ok(binaries
        .iter()
        .map(|(lab, variant)| dir.join(lab.binary(*variant)))
        .collect())
}

/// `cargo xtask lab list`.
pub fn list() -> String {
    let mut text = String::new();
    for lab in all() {
        text.push_str(&format!(
            "{:<18} {} (labs/{}/README.md)\n",
            lab.name, lab.title, lab.name
        ));
    }
    text.push_str("check one with `cargo xtask lab check NAME`\n");
    text
}

/// `cargo xtask lab check NAME [--reference]`: builds the lab, runs it on the virtual board,
/// prints the graded report; fails unless every criterion is met.
pub fn check(root: &Path, name: &str, reference: bool) -> Result<ExitCode> {
    let lab = find(name)?;
    prereq::firmware(root)?;
    prereq::virtual_board(root)?;
    let variant = if reference {
        Variant::Reference
    } else {
        Variant::Student
    };
    let elf = build(root, &[(&lab, variant)])?.remove(0);
    let emu = build::virtual_board(root)?;
    let report = lab.report(root, variant, &emu, &elf)?;
    println!("{report}");
    Ok(if report.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
