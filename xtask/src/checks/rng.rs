//! Checks of the `rng` example: the PRNG words depend on the seed only.

use super::{Run, Runner};
use anyhow::{Result, ensure};
use regex::Regex;

pub fn distinct_words(runner: &Runner) -> Result<()> {
    let words = |run: &Run| -> Vec<String> {
        let re = Regex::new(r"(?m)0x([0-9a-f]{8})\b").expect("valid");
        re.captures_iter(&run.stdout)
            .map(|c| c[1].to_owned())
            .collect()
    };
    let first = runner.run(&["--seed", "1"])?;
    first.ended_by_reset()?;
    let w1 = words(&first);
    ensure!(
        w1.len() >= 8,
        "expected at least 8 random words{}",
        first.context()
    );
    let mut unique = w1.clone();
    unique.sort();
    unique.dedup();
    ensure!(unique.len() == w1.len(), "random words repeat: {w1:?}");
    ensure!(
        !w1.iter().any(|w| w == "00000000"),
        "a random word is zero: {w1:?}"
    );
    let again = runner.run(&["--seed", "1"])?;
    ensure!(words(&again) == w1, "same seed gave different words");
    let other = runner.run(&["--seed", "2"])?;
    ensure!(words(&other) != w1, "a different seed gave the same words");
    Ok(())
}
