//! Grading of the lab `multicore_sum` (labs/multicore_sum/README.md): each core's share of
//! the Collatz steps of 1..=4000 (computed here too), computed on that core (its MPIDR), the
//! total, the count of numbers done (exact only without a race), core 0 waiting for the
//! others rather than for a time-out (`--stats`), and, from the source, that the count is
//! never written with a plain store (a race the virtual board cannot show, see
//! [`inspect_source`]).

use super::grade::{self, Criterion};
use crate::checks::Runner;
use anyhow::Result;
use regex::Regex;

/// The numbers shared out, and how many each of the four cores takes.
const NUMBERS: u64 = 4000;
const SHARE: u64 = NUMBERS / 4;
/// Most instructions the whole run may take: the work is about 2.7 million; waiting out a
/// one-second time-out costs about 19 million more.
const PROMPT_BUDGET: u64 = 5_000_000;

/// Steps of the Collatz sequence from `n` to 1.
fn collatz_steps(mut n: u64) -> u64 {
    let mut steps = 0;
    while n != 1 {
        n = if n.is_multiple_of(2) {
            n / 2
        } else {
            3 * n + 1
        };
        steps += 1;
    }
    steps
}

pub fn grade(runner: &Runner) -> Result<Vec<Criterion>> {
    let run = runner.run(&["--stats", "--max-instructions", "400_000_000"])?;
    let mut criteria = vec![grade::ends_with_reset(&run, "the results are printed")];
    let lines = grade::console_lines(&run);
    let find = |prefix: &str| {
        lines
            .iter()
            .find(|line| line.starts_with(prefix))
            .map_or("no such line".to_owned(), |line| format!("`{line}`"))
    };

    let mut total = 0;
    for core in 0..4u64 {
        let first = core * SHARE + 1;
        let last = first + SHARE - 1;
        let steps: u64 = (first..=last).map(collatz_steps).sum();
        total += steps;
        criteria.push(Criterion::equal(
            format!("core {core} computes numbers {first}..={last} itself"),
            format!(
                "`core {core} (MPIDR 0x8000000{core}): numbers {first}..={last}, {steps} steps`"
            ),
            find(&format!("core {core} ")),
        ));
    }
    criteria.push(Criterion::equal(
        "core 0 combines the four shares",
        format!("`total: {total} steps`"),
        find("total:"),
    ));
    criteria.push(Criterion::equal(
        "the shared count of numbers done loses no update (no race)",
        format!("`numbers done: {NUMBERS} of {NUMBERS}`"),
        find("numbers done:"),
    ));
    // Few instructions count only for a run that did its work and ended properly.
    let finished = criteria[0].passed;
    let instructions = grade::instructions(&run);
    criteria.push(Criterion::new(
        "core 0 waits for the other cores to finish, not for a time-out",
        finished && instructions.is_some_and(|n| n < PROMPT_BUDGET),
        format!("fewer than {PROMPT_BUDGET} instructions in all"),
        match instructions {
            None => "no instruction count".to_owned(),
            Some(n) if finished => format!("{n} instructions"),
            Some(n) => format!("{n} instructions, but the run did not finish its work"),
        },
    ));
    Ok(criteria)
}

/// The one thing the virtual board cannot show: it switches cores only between blocks of
/// straight-line code, so a separate load and store of the counter with no branch between them
/// is never split there, yet on the board another core's update can fall between them. So the
/// source must update the counter only with read-modify-write operations (`fetch_add` and
/// the like, or inside a critical section), never with a plain `store`.
pub fn inspect_source(source: &str) -> Vec<Criterion> {
    let code: String = source
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let store = Regex::new(r"NUMBERS_DONE\s*\.\s*store\s*\(").expect("valid regex");
    let stores = store.find_iter(&code).count();
    vec![Criterion::new(
        "`NUMBERS_DONE` changes only by atomic read-modify-write (no `NUMBERS_DONE.store`)",
        stores == 0,
        "no `NUMBERS_DONE.store(...)` in the source",
        match stores {
            0 => "none".to_owned(),
            n => format!(
                "{n} `NUMBERS_DONE.store(...)` (a load and a store are two steps another core can come between)"
            ),
        },
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_separate_store_is_found_outside_comments() {
        let racy = "let done = NUMBERS_DONE.load(Ordering::Relaxed);\nNUMBERS_DONE\n    .store(done + 1, Ordering::Relaxed);";
        assert!(!inspect_source(racy)[0].passed);
        let fixed = "// not NUMBERS_DONE.store(x)\nNUMBERS_DONE.fetch_add(1, Ordering::Relaxed);";
        assert!(inspect_source(fixed)[0].passed);
    }
}
