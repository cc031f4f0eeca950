//! Grading of the lab `gpio_pattern` (labs/gpio_pattern/README.md): SOS in Morse code on
//! LED 1, judged from the GPIO trace's time stamps; LED 2 lit for the whole message.

use super::grade::{self, Criterion};
use crate::checks::{LED1, LED2, Runner, TICKS_PER_SECOND};
use anyhow::Result;

/// The Morse unit, 100 ms.
const UNIT: u64 = TICKS_PER_SECOND / 10;
/// On-time of each symbol and off-time between symbols, in units.
const ON_UNITS: [u64; 9] = [1, 1, 1, 3, 3, 3, 1, 1, 1];
const OFF_UNITS: [u64; 8] = [1, 1, 3, 1, 1, 3, 1, 1];

/// Within 5 % of `units` Morse units.
fn close(ticks: u64, units: u64) -> bool {
    ticks.abs_diff(units * UNIT) * 20 <= units * UNIT
}

/// The durations as a list in milliseconds.
fn shown(durations: &[u64]) -> String {
    let items: Vec<String> = durations
        .iter()
        .map(|&ticks| {
            if ticks > u64::MAX / 2 {
                "never ends".to_owned()
            } else {
                grade::ms(ticks)
            }
        })
        .collect();
    grade::list(&items)
}

fn expected(units: &[u64]) -> String {
    let items: Vec<String> = units.iter().map(|u| format!("{} ms", u * 100)).collect();
    format!("{} (each +- 5 %)", grade::list(&items))
}

pub fn grade(runner: &Runner) -> Result<Vec<Criterion>> {
    let run = runner.run(&["--trace", "gpio", "--max-instructions", "400_000_000"])?;
    let mut criteria = vec![grade::ends_with_reset(&run, "the message is sent")];

    let pulses = grade::pulses(&grade::pad_changes(&run, LED1));
    criteria.push(Criterion::equal(
        "LED 1 gives 9 pulses (S O S: 3 + 3 + 3)",
        "9 pulses",
        match pulses.len() {
            1 => "1 pulse".to_owned(),
            n => format!("{n} pulses"),
        },
    ));

    let lengths: Vec<u64> = pulses.iter().map(|(on, off)| off - on).collect();
    criteria.push(Criterion::new(
        "dots last 100 ms, dashes 300 ms: short short short, long long long, short short short",
        lengths.len() == ON_UNITS.len() && lengths.iter().zip(ON_UNITS).all(|(&t, u)| close(t, u)),
        expected(&ON_UNITS),
        shown(&lengths),
    ));

    let gaps: Vec<u64> = pulses
        .windows(2)
        .map(|pair| pair[1].0.saturating_sub(pair[0].1))
        .collect();
    criteria.push(Criterion::new(
        "LED 1 is off 100 ms between the symbols of a letter, 300 ms between letters",
        gaps.len() == OFF_UNITS.len() && gaps.iter().zip(OFF_UNITS).all(|(&t, u)| close(t, u)),
        expected(&OFF_UNITS),
        shown(&gaps),
    ));

    let led2 = grade::pulses(&grade::pad_changes(&run, LED2));
    let message = pulses
        .first()
        .zip(pulses.last())
        .map(|(first, last)| (first.0, last.1));
    let (passed, seen) = match (led2.as_slice(), message) {
        (_, None) => (false, "LED 1 sent nothing".to_owned()),
        ([], _) => (false, "LED 2 never lit".to_owned()),
        ([(on, off)], Some((start, end))) => {
            let off_text = if *off == u64::MAX {
                "never off".to_owned()
            } else {
                format!("off at {}", grade::ms(*off))
            };
            (
                *on <= start && *off >= end && *off != u64::MAX,
                format!(
                    "LED 2 on at {}, {off_text}; the message from {} to {}",
                    grade::ms(*on),
                    grade::ms(start),
                    grade::ms(end)
                ),
            )
        }
        (many, _) => (false, format!("LED 2 lit {} times", many.len())),
    };
    criteria.push(Criterion::new(
        "LED 2 lights before the message starts and goes off once it is over",
        passed,
        "LED 2 lit once, from before LED 1's first pulse to after its last",
        seen,
    ));
    Ok(criteria)
}
