//! Check of `cargo xtask lava`.

use anyhow::{Result, ensure};
use std::path::Path;

pub fn job_for_hello(root: &Path) -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let out = scratch.path().join("hello.yaml");
    crate::lava::run(
        root,
        "hello",
        Some(&out),
        None,
        &crate::progress::Progress::quiet(),
    )?;
    let yaml = std::fs::read_to_string(&out)?;
    crate::lava::check_job(&yaml, "hello")?;
    let image = crate::image::default_output(root, "hello").canonicalize()?;
    ensure!(
        yaml.contains(&format!("file://{}", image.display())),
        "the job does not point at the image:\n{yaml}"
    );
    Ok(())
}
