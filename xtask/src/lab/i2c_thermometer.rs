//! Grading of the lab `i2c_thermometer` (labs/i2c_thermometer/README.md): the LM75 model on
//! I2C0 with four temperatures set in turn (whole and half degrees, below and above zero), the
//! reads' times from the I2C trace; then a run without the sensor, whose address is not
//! acknowledged.

use super::grade::{self, Criterion};
use crate::checks::{Run, Runner, TICKS_PER_SECOND};
use anyhow::Result;
use regex::Regex;

/// The sensor and its temperatures: each is converted at the model's next 100 ms conversion,
/// well before the reading 250 ms later.
const SENSOR: &str = "0:0x48=lm75,temp=21.5,temp@120ms=-5.5,temp@370ms=30,temp@620ms=-0.5";
/// What the four readings print, and why a wrong one is wrong.
const READINGS: [(&str, &str); 4] = [
    ("temperature: 21.5 C", "a half degree"),
    ("temperature: -5.5 C", "below zero"),
    ("temperature: 30.0 C", "a whole degree"),
    ("temperature: -0.5 C", "between -1 and 0"),
];
/// Time between two readings, and how far off it may be.
const INTERVAL: u64 = TICKS_PER_SECOND / 4;
const INTERVAL_TOLERANCE: u64 = TICKS_PER_SECOND / 200;

/// The console lines that start with `temperature:`.
fn temperature_lines(run: &Run) -> Vec<String> {
    grade::console_lines(run)
        .into_iter()
        .filter(|line| line.starts_with("temperature:"))
        .map(str::to_owned)
        .collect()
}

pub fn grade(runner: &Runner) -> Result<Vec<Criterion>> {
    let limit = ["--max-instructions", "400_000_000"];
    let mut args = vec!["--i2c", SENSOR, "--trace", "i2c"];
    args.extend(limit);
    let run = runner.run(&args)?;
    let mut criteria = vec![grade::ends_with_reset(
        &run,
        "with the sensor: four readings",
    )];

    let lines = temperature_lines(&run);
    for (n, (expected, what)) in READINGS.iter().enumerate() {
        criteria.push(Criterion::equal(
            format!("reading {} ({what}) is printed `{expected}`", n + 1),
            format!("`{expected}`"),
            lines
                .get(n)
                .map_or("no such reading".to_owned(), |line| format!("`{line}`")),
        ));
    }

    let reads: Vec<u64> = Regex::new(r"(?m)^emu: t=(\d+) i2c0 START 0x48 read")?
        .captures_iter(&run.stderr)
        .filter_map(|c| c[1].parse().ok())
        .collect();
    let intervals: Vec<u64> = reads.windows(2).map(|pair| pair[1] - pair[0]).collect();
    criteria.push(Criterion::new(
        "the sensor is read four times, 250 ms apart (+- 5 ms)",
        reads.len() == READINGS.len()
            && intervals
                .iter()
                .all(|ticks| ticks.abs_diff(INTERVAL) <= INTERVAL_TOLERANCE),
        "4 reads, 250 ms apart",
        format!(
            "{} reads, apart: {}",
            reads.len(),
            grade::list(&intervals.iter().map(|&t| grade::ms(t)).collect::<Vec<_>>())
        ),
    ));

    let without = runner.run(&limit)?;
    criteria.push(grade::ends_with_reset(
        &without,
        "without the sensor: the four readings are still attempted",
    ));
    let lines = temperature_lines(&without);
    let reported = lines.len() == READINGS.len()
        && lines
            .iter()
            .all(|line| line.starts_with("temperature: no sensor"));
    criteria.push(Criterion::new(
        "without the sensor, each reading says `temperature: no sensor` (and why)",
        reported,
        "4 lines starting `temperature: no sensor`",
        grade::list(
            &lines
                .iter()
                .map(|line| format!("`{line}`"))
                .collect::<Vec<_>>(),
        ),
    ));
    Ok(criteria)
}
