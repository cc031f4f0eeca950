//! Grading of the lab `periodic_timer` (labs/periodic_timer/README.md): 40 edges on GPIO-A
//! (TLMM GPIO 36), 25 ms apart each, and without drift: edge n at n x 25 ms after the first,
//! to a few microseconds (the virtual board's time is exact, so only the firmware errs).

use super::grade::{self, Criterion};
use crate::checks::{Runner, TICKS_PER_SECOND};
use anyhow::Result;

/// GPIO-A of the low-speed header (LS 23).
const GPIO_A: u32 = 36;
/// Edges and the time between two (25 ms).
const EDGES: usize = 40;
const HALF_PERIOD: u64 = TICKS_PER_SECOND / 40;
/// How far one interval may be off (0.1 %, 25 us), and how far any edge may be from its
/// place in the schedule (100 ticks, about 5 us).
const INTERVAL_TOLERANCE: u64 = HALF_PERIOD / 1000;
const SCHEDULE_TOLERANCE: u64 = 100;

pub fn grade(runner: &Runner) -> Result<Vec<Criterion>> {
    let run = runner.run(&["--trace", "gpio", "--max-instructions", "400_000_000"])?;
    let mut criteria = vec![grade::ends_with_reset(&run, "the wave is given")];
    let edges = grade::pad_changes(&run, GPIO_A);

    criteria.push(Criterion::equal(
        "GPIO-A (LS 23, GPIO 36) gives 40 edges: 20 periods",
        format!("{EDGES} edges"),
        format!("{} edges", edges.len()),
    ));

    let alternating = edges
        .iter()
        .enumerate()
        .all(|(n, (_, level))| level == if n % 2 == 0 { "high" } else { "low" });
    let levels: Vec<String> = edges.iter().map(|(_, level)| level.clone()).collect();
    criteria.push(Criterion::new(
        "the wave starts low; its edges alternate, rising first",
        alternating && !edges.is_empty(),
        "[high, low, high, low, ...]",
        grade::list(&levels),
    ));

    let intervals: Vec<u64> = edges.windows(2).map(|pair| pair[1].0 - pair[0].0).collect();
    let off: Vec<String> = intervals
        .iter()
        .enumerate()
        .filter(|(_, ticks)| ticks.abs_diff(HALF_PERIOD) > INTERVAL_TOLERANCE)
        .map(|(n, ticks)| format!("edges {}-{}: {ticks}", n + 1, n + 2))
        .collect();
    criteria.push(Criterion::new(
        "every edge comes 25 ms after the one before (+- 0.1 %)",
        !intervals.is_empty() && off.is_empty(),
        format!("{HALF_PERIOD} ticks (+- {INTERVAL_TOLERANCE}) between two edges"),
        if intervals.is_empty() {
            "no two edges".to_owned()
        } else if off.is_empty() {
            "every interval within".to_owned()
        } else {
            format!(
                "{} of {} intervals off, in ticks: {}",
                off.len(),
                intervals.len(),
                grade::list(&off)
            )
        },
    ));

    let worst = edges
        .iter()
        .enumerate()
        .map(|(n, (ticks, _))| {
            let due = edges[0].0 + n as u64 * HALF_PERIOD;
            (n, ticks.abs_diff(due), *ticks >= due)
        })
        .max_by_key(|(_, error, _)| *error);
    criteria.push(Criterion::new(
        "no drift: edge n comes n x 25 ms after the first, to 100 ticks (5 us)",
        edges.len() > 1 && worst.is_some_and(|(_, error, _)| error <= SCHEDULE_TOLERANCE),
        "every edge within 100 ticks of its place in the schedule",
        match worst {
            Some((n, error, late)) if edges.len() > 1 => format!(
                "worst: edge {} is {error} ticks ({}) {}",
                n + 1,
                grade::ms(error),
                if late { "late" } else { "early" }
            ),
            _ => "fewer than two edges".to_owned(),
        },
    ));
    Ok(criteria)
}
