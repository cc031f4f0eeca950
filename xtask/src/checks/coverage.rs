//! `cargo xtask coverage` on one run: `hello` on the virtual board with `--coverage`, mapped
//! through its DWARF to an lcov file and HTML pages, with plausible hits and misses.

use super::Runner;
use crate::coverage;
use anyhow::{Context, Result, ensure};
use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::path::Path;

/// `hello` calls `rt::current_el` (it prints the exception level) and takes no exception, so
/// the exception report (linked: the vector table points at it) never runs.
pub fn hello_report(runner: &Runner) -> Result<()> {
    let root = crate::process::workspace_root()?;
    let scratch = tempfile::tempdir()?;
    let record = scratch.path().join("hello.cov");
    let record_arg = record.to_str().context("temporary path is not UTF-8")?;
    let run = runner.run(&["--coverage", record_arg])?;
    run.ended_by_reset()?;
    let merged = coverage::merge(&root, std::slice::from_ref(&record))?;
    let out = scratch.path().join("report");
    let summary = coverage::write_report(&root, &merged, &out)?;
    let lcov = coverage::parse_lcov(&std::fs::read_to_string(out.join("lcov.info"))?)?;

    let lines_of = |file: &str| -> Result<&BTreeMap<u32, u64>> {
        let path = root.join(file);
        lcov.get(path.to_string_lossy().as_ref())
            .with_context(|| format!("lcov.info has no record for {}", path.display()))
    };
    let in_function = |file: &str, function: &str| -> Result<Vec<(u32, u64)>> {
        let span = function_lines(&root.join(file), function)?;
        let lines: Vec<(u32, u64)> = lines_of(file)?
            .iter()
            .filter(|(line, _)| span.contains(line))
            .map(|(&line, &count)| (line, count))
            .collect();
        ensure!(
            !lines.is_empty(),
            "no line of {function} (lines {span:?} of {file}) has code in the ELF"
        );
        Ok(lines)
    };
    let called = in_function("hal/apq8016/src/rt/mod.rs", "current_el")?;
    ensure!(
        called.iter().any(|&(_, count)| count > 0),
        "current_el, which hello calls, is not covered: {called:?}"
    );
    let never = in_function("hal/apq8016/src/rt/exceptions.rs", "report_with_detail")?;
    ensure!(
        never.iter().all(|&(_, count)| count == 0),
        "the exception report ran in hello, which takes no exception: {never:?}"
    );
    lines_of("hal/apq8016/src/uart.rs")?;
    lines_of("bsp/db410c/src/lib.rs")?;

    let hal = summary
        .iter()
        .find(|(name, _)| *name == "apq8016-hal")
        .map(|(_, count)| *count)
        .context("no apq8016-hal in the summary")?;
    ensure!(
        hal.found > 50 && hal.hit > 0 && hal.hit < hal.found,
        "implausible HAL line counts for hello: {hal:?}"
    );
    let index = std::fs::read_to_string(out.join("index.html"))?;
    ensure!(
        index.contains("apq8016-hal/index.html") && index.contains("db410c/index.html"),
        "index.html does not link both crates"
    );
    let page = std::fs::read_to_string(out.join("apq8016-hal/src/rt/exceptions.rs.html"))?;
    ensure!(
        page.contains("class=\"miss\"") && !page.contains("class=\"hit\""),
        "the exception report's page does not show its lines as not covered"
    );
    Ok(())
}

/// The lines (1-based) of the function `name` in a source file: from its `fn name` line to
/// the line that closes its body.
fn function_lines(file: &Path, name: &str) -> Result<RangeInclusive<u32>> {
    let source =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let lines: Vec<&str> = source.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains(&format!("fn {name}(")))
        .with_context(|| format!("no `fn {name}(` in {}", file.display()))?;
    let mut depth = 0i32;
    let mut opened = false;
    for (index, line) in lines.iter().enumerate().skip(start) {
        for c in line.chars() {
            match c {
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        if opened && depth == 0 {
            return Ok(start as u32 + 1..=index as u32 + 1);
        }
    }
    anyhow::bail!(
        "the body of `fn {name}` in {} does not close",
        file.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_spans_its_braces() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.rs");
        std::fs::write(
            &file,
            "fn a() {}\n\nfn b(\n    x: u8,\n) -> u8 {\n    if x > 0 { 1 } else { 0 }\n}\n",
        )
        .unwrap();
        assert_eq!(function_lines(&file, "a").unwrap(), 1..=1);
        assert_eq!(function_lines(&file, "b").unwrap(), 3..=7);
        assert!(function_lines(&file, "c").is_err());
    }
}
