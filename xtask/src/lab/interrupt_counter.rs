//! Grading of the lab `interrupt_counter` (labs/interrupt_counter/README.md): three presses of
//! the volume-up button (`--press`), each counted once, printed, and mirrored by LED 1 within
//! 0.1 ms (GPIO trace); and the CPU asleep between them (`--stats`: a core that polls
//! executes about one instruction per tick of the 19.2 MHz counter, one that sleeps in WFI
//! almost none).

use super::grade::{self, Criterion};
use crate::checks::{LED1, Runner, TICKS_PER_SECOND};
use anyhow::Result;

/// The presses, in milliseconds from power-on (press, release).
const PRESSES: [(u64, u64); 3] = [(300, 400), (800, 1200), (1500, 1550)];
/// How soon LED 1 must follow a press: 0.1 ms. An interrupt handler gets there in a few
/// microseconds; waking up every millisecond to poll the button does not.
const REACTION: u64 = TICKS_PER_SECOND / 10_000;
/// Most instructions a sleeping run may execute (two seconds of polling are about 38 million).
const SLEEPING_BUDGET: u64 = 2_000_000;

pub fn grade(runner: &Runner) -> Result<Vec<Criterion>> {
    let presses: Vec<String> = PRESSES
        .iter()
        .map(|(down, up)| format!("107@{down}ms:{up}ms"))
        .collect();
    let mut args = vec![
        "--trace",
        "gpio",
        "--stats",
        "--max-instructions",
        "200_000_000",
    ];
    for press in &presses {
        args.extend(["--press", press.as_str()]);
    }
    let run = runner.run(&args)?;
    let mut criteria = vec![grade::ends_with_reset(&run, "the count is printed")];

    let lines = grade::console_lines(&run);
    let press_lines: Vec<String> = lines
        .iter()
        .filter(|line| {
            line.strip_prefix("press ")
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .map(|line| format!("`{line}`"))
        .collect();
    criteria.push(Criterion::equal(
        "each press is printed once, as it comes (`press 1`, `press 2`, `press 3`; releases are not presses)",
        "[`press 1`, `press 2`, `press 3`]",
        grade::list(&press_lines),
    ));
    let total = lines
        .iter()
        .find(|line| line.starts_with("presses:"))
        .map_or("no `presses:` line".to_owned(), |line| format!("`{line}`"));
    criteria.push(Criterion::equal(
        "after two seconds the total is printed",
        "`presses: 3`",
        total,
    ));

    let changes = grade::pad_changes(&run, LED1);
    let on_time = changes.len() == PRESSES.len()
        && changes.iter().zip(PRESSES).all(|((ticks, _), (down, _))| {
            let pressed = down * TICKS_PER_SECOND / 1000;
            *ticks >= pressed && ticks - pressed <= REACTION
        });
    let seen: Vec<String> = changes
        .iter()
        .map(|(ticks, level)| format!("{level} at {}", grade::ms(*ticks)))
        .collect();
    criteria.push(Criterion::new(
        "LED 1 toggles once per press, within 0.1 ms of it (in the interrupt handler)",
        on_time,
        "3 changes: at 300, 800 and 1500 ms (+ 0.1 ms at most)",
        grade::list(&seen),
    ));

    // Few instructions count only for a run that did its work and ended properly.
    let finished = criteria[0].passed;
    let instructions = grade::instructions(&run);
    criteria.push(Criterion::new(
        "the CPU sleeps (WFI) while it waits: no polling",
        finished && instructions.is_some_and(|n| n < SLEEPING_BUDGET),
        format!("fewer than {SLEEPING_BUDGET} instructions in the two seconds"),
        match instructions {
            None => "no instruction count".to_owned(),
            Some(n) if finished => format!("{n} instructions"),
            Some(n) => format!("{n} instructions, but the run did not finish its work"),
        },
    ));
    Ok(criteria)
}
