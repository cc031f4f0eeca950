//! An example's expected console output, read from its documentation: the ```` ```text ````
//! block under the `## Expected output` heading (or `## Expected output (decoded)`) of the
//! `//!` comment at the top of `examples/<name>.rs`.
//!
//! Design notes: that block is the one source of what an example prints. The checks in
//! `cargo xtask test` take the lines they look for (hello's banner, echo's prompt, the defmt
//! messages of defmt_hello) from it, and `cargo xtask lava` takes the start and end of the
//! monitored console from it, so changing an example's output means changing its doc block,
//! and the checks follow (or fail, if the doc and the program disagree).

use anyhow::{Context, Result, bail};
use std::path::Path;

/// The lines of `examples/<example>.rs`'s expected-output block.
pub fn lines(root: &Path, example: &str) -> Result<Vec<String>> {
    let path = root.join("examples").join(format!("{example}.rs"));
    let source = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    parse(&source).with_context(|| format!("{}: expected output", path.display()))
}

/// The expected-output block of an example's source text.
pub fn parse(source: &str) -> Result<Vec<String>> {
    let doc = source
        .lines()
        .map_while(|line| line.strip_prefix("//!"))
        .map(|line| line.strip_prefix(' ').unwrap_or(line));
    let mut after_heading = doc.skip_while(|line| !line.starts_with("## Expected output"));
    if after_heading.next().is_none() {
        bail!("no `## Expected output` heading in the `//!` comment at the top");
    }
    let mut block = after_heading
        .take_while(|line| !line.starts_with("## "))
        .skip_while(|line| line.trim_end() != "```text");
    if block.next().is_none() {
        bail!("no ```text block under `## Expected output`");
    }
    let mut lines = Vec::new();
    for line in block {
        if line.trim_end() == "```" {
            if lines.is_empty() {
                bail!("the ```text block under `## Expected output` is empty");
            }
            return Ok(lines);
        }
        lines.push(line.to_owned());
    }
    bail!("the ```text block under `## Expected output` is not closed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_block_under_the_heading() {
        let source = "//! # demo\n//!\n//! ```text\n//! not this\n//! ```\n//!\n\
                      //! ## Expected output (decoded)\n//!\n//! For some input:\n//!\n\
                      //! ```text\n//! first line\n//!   indented\n//! ```\n//!\n//! After.\n\
                      \n// ```text\n// not a doc line\n";
        assert_eq!(parse(source).unwrap(), ["first line", "  indented"]);
    }

    #[test]
    fn missing_parts_are_clear_errors() {
        let message = |source: &str| format!("{:#}", parse(source).unwrap_err());
        assert!(message("//! # demo\n").contains("no `## Expected output` heading"));
        assert!(
            message("//! ## Expected output\n//!\n//! ## Next\n//! ```text\n//! x\n//! ```\n")
                .contains("no ```text block")
        );
        assert!(message("//! ## Expected output\n//! ```text\n//! x\n").contains("not closed"));
        assert!(message("//! ## Expected output\n//! ```text\n//! ```\n").contains("empty"));
    }

    #[test]
    fn every_example_has_one() {
        let root = crate::process::workspace_root().unwrap();
        for name in crate::build::example_names(&root).unwrap() {
            let lines = lines(&root, &name).unwrap();
            assert!(!lines[0].is_empty(), "{name}: first expected line is empty");
        }
    }
}
