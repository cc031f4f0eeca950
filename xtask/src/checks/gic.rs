//! Check of the `gic_conformance` example: every item of the GICv2 conformance suite prints
//! `ok`, and the items are exactly the ones its `## Expected output` block lists.

use super::Runner;
use anyhow::{Result, ensure};

pub fn every_item_ok(runner: &Runner) -> Result<()> {
    let expected = super::documented_output("gic_conformance")?;
    let items: Vec<&String> = expected.iter().filter(|l| l.starts_with("ok ")).collect();
    ensure!(
        items.len() >= 8,
        "the documented output lists only {} items",
        items.len()
    );
    let run = runner.run(&["--max-instructions", "50_000_000"])?;
    let shown: Vec<&str> = run
        .stdout
        .split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .collect();
    let failures: Vec<&&str> = shown.iter().filter(|l| l.starts_with("FAIL ")).collect();
    ensure!(
        failures.is_empty(),
        "conformance items failed: {failures:?}{}",
        run.context()
    );
    let results: Vec<&&str> = shown
        .iter()
        .filter(|l| l.starts_with("ok ") || l.starts_with("FAIL "))
        .collect();
    ensure!(
        results.len() == items.len(),
        "{} results printed, {} items documented{}",
        results.len(),
        items.len(),
        run.context()
    );
    // Every documented line (items, summary, banner) in order.
    run.console_has_lines(&expected)?;
    run.ended_by_reset()
}
