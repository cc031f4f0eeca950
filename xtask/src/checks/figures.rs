//! Check of `cargo xtask figures`: the tracked figures are fresh and the register browser
//! builds.

use anyhow::{Result, ensure};
use std::path::Path;

/// `docs/figures/*.svg` match their data; the register browser is written with an index page
/// and one page per peripheral.
pub fn fresh_and_browser_builds(root: &Path) -> Result<()> {
    crate::figures::check_tracked(root)?;
    let out = tempfile::tempdir()?;
    let index = crate::figures::write_register_browser(root, out.path())?;
    ensure!(index.is_file(), "no index page at {}", index.display());
    let pages = std::fs::read_dir(out.path())?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .count();
    ensure!(pages > 10, "only {pages} pages in the register browser");
    Ok(())
}
