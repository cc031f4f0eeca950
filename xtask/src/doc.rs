//! `cargo xtask doc`: the firmware crates' API documentation, built for the firmware target
//! with rustdoc warnings (broken links, bad code blocks, ...) denied.

use crate::build;
use crate::prereq::TARGET;
use anyhow::Result;
use std::path::{Path, PathBuf};

/// The documented crates (package names), in dependency order.
pub const CRATES: [&str; 3] = ["apq8016-pac", "apq8016-hal", "db410c"];

/// Builds the documentation; returns the path of the board crate's index page.
pub fn run(root: &Path) -> Result<PathBuf> {
    let mut flags = std::env::var("RUSTDOCFLAGS").unwrap_or_default();
    if !flags.is_empty() {
        flags.push(' ');
    }
    flags.push_str("-D warnings");
    let mut cargo = build::cargo(root);
    cargo.args(["doc", "--no-deps", "--target", TARGET]);
    for package in CRATES {
        cargo.args(["--package", package]);
    }
    // The HAL's optional async modules are documented too.
    cargo.args([
        "--features",
        "apq8016-hal/executor,apq8016-hal/embassy-time-driver",
    ]);
    cargo.env("RUSTDOCFLAGS", flags);
    build::run_checked(
        &mut cargo,
        "building the documentation (rustdoc -D warnings)",
    )?;
    let index = build::target_dir(root)
        .join(TARGET)
        .join("doc/db410c/index.html");
    anyhow::ensure!(
        index.is_file(),
        "rustdoc succeeded but wrote no {}",
        index.display()
    );
    Ok(index)
}
