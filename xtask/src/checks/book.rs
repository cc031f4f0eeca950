//! Checks of the book (`cargo xtask book`): its generated chapters match their sources (every
//! example has one), its listings are compiled code, it builds without an mdBook warning, and
//! every internal link and anchor of the built HTML resolves.

use anyhow::{Result, ensure};
use std::path::Path;

/// Generated chapters fresh, one per example, listings follow the rule, README reaches the
/// book's table of contents (two clicks to any chapter on a code host).
pub fn sources(root: &Path) -> Result<()> {
    crate::book::chapters::check_table(root)?;
    crate::book::check_generated(root)?;
    crate::book::listings::check(root)?;
    let readme = std::fs::read_to_string(root.join("README.md"))?;
    ensure!(
        readme.contains("](book/src/SUMMARY.md)"),
        "README.md has no link to book/src/SUMMARY.md (the book's table of contents)"
    );
    Ok(())
}

/// The book builds with mdBook warnings as errors; every internal link and anchor resolves;
/// every example chapter and the register browser are in the output.
pub fn builds_and_links_resolve(root: &Path) -> Result<()> {
    crate::figures::check_tracked(root)?;
    let built = crate::book::build(root)?;
    let report = crate::book::links::check(&built.html)?;
    for name in crate::build::example_names(root)? {
        let page = built.html.join(format!("examples/{name}.html"));
        ensure!(page.is_file(), "the built book has no {}", page.display());
    }
    ensure!(
        built.html.join("registers/index.html").is_file(),
        "the built book has no register browser"
    );
    ensure!(
        report.internal > 1000,
        "only {} internal links checked: the checker found too little",
        report.internal
    );
    Ok(())
}
