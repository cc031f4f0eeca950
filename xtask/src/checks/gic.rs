//! Check of the `gic_conformance` example: every item of the GICv2 conformance suite prints
//! `ok`, and the items are exactly the ones its `## Expected output` block lists.

use super::Runner;
use anyhow::{Result, ensure};

pub fn every_item_ok(runner: &Runner) -> Result<()> {
    // Entered at EL1 as the stock boot chain does, and at EL2 (the runtime drops to EL1,
    // where the virtual board delivers interrupts).
    for entry_el in ["1", "2"] {
        all_items_ok(runner, entry_el)
            .map_err(|e| e.context(format!("entered at EL{entry_el}")))?;
    }
    Ok(())
}

fn all_items_ok(runner: &Runner, entry_el: &str) -> Result<()> {
    let expected = super::documented_output("gic_conformance")?;
    let items: Vec<&String> = expected.iter().filter(|l| l.starts_with("ok ")).collect();
    ensure!(
        items.len() >= 9,
        "the documented output lists only {} items",
        items.len()
    );
    let run = runner.run(&["--max-instructions", "50_000_000", "--entry-el", entry_el])?;
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
