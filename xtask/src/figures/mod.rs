//! TEMPORARY PLACEHOLDER, to be replaced at merge by the figures helper's real module (branch
//! wt-figures: pinout SVG, clock tree and interrupt diagrams, register browser).
//!
//! It only has the interface the book builder (`crate::book`) calls, agreed by the lead:
//! [`write_tracked`] / [`check_tracked`] for the tracked SVGs under `docs/figures/`, and
//! [`write_register_browser`] for the static register browser. The placeholder writes
//! minimal valid files so the book builds and its links resolve; it draws nothing.

use anyhow::{Context, Result, ensure};
use std::path::{Path, PathBuf};

/// The tracked figures, relative to the repository root.
pub const TRACKED: [&str; 3] = [
    "docs/figures/pinout.svg",
    "docs/figures/clock-tree.svg",
    "docs/figures/interrupts.svg",
];

/// Placeholder: writes a minimal SVG for each tracked figure that does not exist yet.
pub fn write_tracked(root: &Path) -> Result<()> {
    for relative in TRACKED {
        let path = root.join(relative);
        if path.is_file() {
            continue;
        }
        let dir = path.parent().context("figure path has a parent")?;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        std::fs::write(&path, placeholder_svg(relative))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Placeholder: fails when a tracked figure is missing.
pub fn check_tracked(root: &Path) -> Result<()> {
    for relative in TRACKED {
        ensure!(
            root.join(relative).is_file(),
            "{relative} is missing: run `cargo xtask book`"
        );
    }
    Ok(())
}

/// Placeholder: writes a one-page register browser into `out_dir`; returns its index page.
pub fn write_register_browser(root: &Path, out_dir: &Path) -> Result<PathBuf> {
    let _ = root;
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let index = out_dir.join("index.html");
    std::fs::write(
        &index,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Register browser (placeholder)</title></head>\n<body><h1>Register browser \
         (placeholder)</h1><p>The real browser is generated from svd/apq8016.svd.</p></body></html>\n",
    )
    .with_context(|| format!("cannot write {}", index.display()))?;
    Ok(index)
}

fn placeholder_svg(name: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"320\" height=\"40\" viewBox=\"0 0 320 40\">\
         <text x=\"8\" y=\"24\" font-family=\"sans-serif\" font-size=\"12\">placeholder: {name}</text></svg>\n"
    )
}
