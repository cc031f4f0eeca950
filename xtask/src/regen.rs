//! PAC generation (in progress).
use anyhow::Result;
use std::path::Path;

pub fn run(_root: &Path, _check: bool) -> Result<()> {
    anyhow::bail!("regen is not written yet")
}
