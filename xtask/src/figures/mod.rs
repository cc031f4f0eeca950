//! `cargo xtask figures [--check] [--registers OUT]`: the pictures and the register browser,
//! generated from the same data the code uses.
//!
//! - `docs/figures/pinout.svg`: both expansion headers, from the board crate's pin table
//!   (`bsp/db410c/src/header_pins.rs`);
//! - `docs/figures/clock-tree.svg`: the sources, roots, branches and blocks the HAL's clock
//!   driver programs, from `hal/apq8016/src/clocks/tree.rs` and the divider search in
//!   `clocks/rcg.rs` (the console's setting is computed by the HAL's own code);
//! - `docs/figures/interrupts.svg`: every interrupt in the SVD and the HAL's PPIs, through
//!   the GIC to the four cores, marked where a HAL module uses it;
//! - `docs/figures/layers.svg`: the workspace's crates stacked by their dependencies on each
//!   other, from the Cargo manifests (the book's "how the layers fit");
//! - the register browser (`--registers OUT`): static HTML from the SVD, with a search.
//!
//! Design notes:
//! - The data files are included with `#[path]`: they depend on nothing (the clock tree only
//!   on its sibling `rcg.rs`, whose one outside name, `ClockError`, is given here), so xtask
//!   builds them for the host without building the firmware crates, and the HAL and the board
//!   crate keep them as their own (their tests check them against the code that uses them).
//! - The SVGs are tracked in git (the README shows the pinout); `--check` (and the suite's
//!   step) regenerates them in memory and fails, naming the file, when one is stale.
//! - Output is deterministic: fixed layout, no dates, sorted inputs.

mod clock_tree;
mod interrupts;
mod layers;
mod pinout;
mod registers;
mod svd_model;
mod svg;
mod usage;

#[cfg(test)]
mod tests;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// The board crate's header pin table.
#[allow(dead_code)]
#[path = "../../../bsp/db410c/src/header_pins.rs"]
mod header_pins;

/// The HAL's clock data and divider search, as the HAL's `clocks` module has them.
#[allow(dead_code)]
mod hal_clocks;

/// Where the tracked figures live, relative to the workspace root.
pub const FIGURES_DIR: &str = "docs/figures";

/// A tracked figure: file name in [`FIGURES_DIR`] and its contents.
fn tracked(root: &Path) -> Result<Vec<(&'static str, String)>> {
    Ok(vec![
        ("pinout.svg", pinout::render()),
        ("clock-tree.svg", clock_tree::render()?),
        ("interrupts.svg", interrupts::render(root)?),
        ("layers.svg", layers::render(root)?),
    ])
}

/// Writes docs/figures/pinout.svg, clock-tree.svg, interrupts.svg and layers.svg (only files whose
/// contents change are rewritten).
pub fn write_tracked(root: &Path) -> Result<()> {
    let dir = root.join(FIGURES_DIR);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for (name, contents) in tracked(root)? {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(contents.as_str()) {
            std::fs::write(&path, contents)
                .with_context(|| format!("writing {}", path.display()))?;
            println!("wrote {FIGURES_DIR}/{name}");
        }
    }
    Ok(())
}

/// Fails, naming each file, if a tracked figure differs from what its data generates.
pub fn check_tracked(root: &Path) -> Result<()> {
    check_against(root, &root.join(FIGURES_DIR))
}

/// [`check_tracked`] with the figures read from `dir`.
fn check_against(root: &Path, dir: &Path) -> Result<()> {
    let mut stale = Vec::new();
    for (name, contents) in tracked(root)? {
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(existing) if existing == contents => {}
            Ok(existing) => {
                let line = existing
                    .lines()
                    .zip(contents.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| existing.lines().count().min(contents.lines().count()));
                stale.push(format!(
                    "\n  {FIGURES_DIR}/{name}: differs from line {}",
                    line + 1
                ));
            }
            Err(_) => stale.push(format!("\n  {FIGURES_DIR}/{name}: missing")),
        }
    }
    if !stale.is_empty() {
        bail!(
            "figures are stale (they do not match the data they are drawn from); run \
             `cargo xtask figures`:{}",
            stale.concat()
        );
    }
    Ok(())
}

/// Writes the register browser into `out_dir` (index.html, one page per peripheral, the
/// search index and script, the style sheet) and returns the index page's path.
pub fn write_register_browser(root: &Path, out_dir: &Path) -> Result<PathBuf> {
    registers::write(root, out_dir)
}

/// Entry point of `cargo xtask figures [--check] [--registers OUT]`.
pub fn run(root: &Path, check: bool, registers: Option<&Path>) -> Result<()> {
    if check {
        check_tracked(root)?;
        println!("{FIGURES_DIR} is up to date");
    } else {
        write_tracked(root)?;
    }
    if let Some(out) = registers {
        let index = write_register_browser(root, out)?;
        println!("register browser: {}", index.display());
    }
    Ok(())
}
