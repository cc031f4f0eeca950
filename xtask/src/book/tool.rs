//! mdBook, the book's builder: pinned, installed once per target directory.
//!
//! Design notes: mdBook is not a Debian package here, so it comes from the crates registry
//! with `cargo install` (no stdin needed, as in CI), without its `serve`/`watch` features
//! (fewer crates to build), into a directory named after the version under cargo's home
//! (`$CARGO_HOME`, else `~/.cargo`): `db410c-tools/mdbook-0.4.52/bin/mdbook`. A later run, in
//! this checkout or a fresh clone on the same machine (as CI's), finds it there and checks its
//! version, so only the first run pays for the build. `$MDBOOK` points at another mdBook (it
//! must report the pinned version).

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::process::SpawnRetrying;

/// The pinned mdBook version (0.4.x: the `{{#include}}` anchors and SUMMARY parts used here).
pub const MDBOOK_VERSION: &str = "0.4.52";

/// The install command, as it is run (and as it is printed when it fails).
fn install_args(tools: &Path) -> Vec<String> {
    vec![
        "install".into(),
        "mdbook".into(),
        "--locked".into(),
        "--version".into(),
        MDBOOK_VERSION.into(),
        "--no-default-features".into(),
        "--features".into(),
        "search".into(),
        "--root".into(),
        tools.display().to_string(),
    ]
}

/// The mdBook executable: `$MDBOOK`, else the pinned one under `<cargo home>/db410c-tools/`,
/// installed if missing or of another version.
pub fn mdbook(root: &Path) -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("MDBOOK") {
        let path = PathBuf::from(path);
        let version = version_of(&path)
            .with_context(|| format!("$MDBOOK = {} does not run", path.display()))?;
        if version != MDBOOK_VERSION {
            bail!(
                "$MDBOOK = {} is mdBook {version}; the book is built with {MDBOOK_VERSION}",
                path.display()
            );
        }
        return Ok(path);
    }
    let tools = install_root()?;
    let installed = tools.join("bin/mdbook");
    if version_of(&installed).is_ok_and(|v| v == MDBOOK_VERSION) {
        return Ok(installed);
    }
    let args = install_args(&tools);
    eprintln!(
        "xtask: installing mdBook {MDBOOK_VERSION} (once per machine): cargo {}",
        args.join(" ")
    );
    let start = Instant::now();
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(root)
        .args(&args)
        .status_retrying()
        .context("cannot run `cargo install`")?;
    if !status.success() {
        bail!(
            "installing mdBook failed ({status}); run it by hand and try again:\n    cargo {}",
            args.join(" ")
        );
    }
    eprintln!(
        "xtask: mdBook {MDBOOK_VERSION} installed in {:.0} s",
        start.elapsed().as_secs_f64()
    );
    let version = version_of(&installed)?;
    if version != MDBOOK_VERSION {
        bail!("cargo installed mdBook {version}, not {MDBOOK_VERSION}");
    }
    Ok(installed)
}

/// Where the pinned mdBook is installed: `<cargo home>/db410c-tools/mdbook-<version>`.
fn install_root() -> Result<PathBuf> {
    let cargo_home = match std::env::var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home),
        None => {
            PathBuf::from(std::env::var_os("HOME").context("neither $CARGO_HOME nor $HOME is set")?)
                .join(".cargo")
        }
    };
    Ok(cargo_home
        .join("db410c-tools")
        .join(format!("mdbook-{MDBOOK_VERSION}")))
}

/// The version an mdBook executable reports (`mdbook v0.4.52` -> `0.4.52`).
fn version_of(path: &Path) -> Result<String> {
    let output = Command::new(path)
        .arg("--version")
        .output()
        .with_context(|| format!("cannot run {}", path.display()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.split_whitespace()
        .nth(1)
        .map(|v| v.trim_start_matches('v').to_owned())
        .with_context(|| format!("{} --version printed {text:?}", path.display()))
}
