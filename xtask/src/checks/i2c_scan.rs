//! Checks of the `i2c_scan` example: the table printed is the set of devices attached on the
//! command line (another set gives another table, computed here), every other address comes
//! back as `NoAcknowledge(Address)` within its bound, and a bus held low stops that bus's
//! scan with the documented error while the other bus is still scanned.

use super::{Run, Runner};
use anyhow::{Context, Result, ensure};
use regex::Regex;

/// The devices of the documented run.
const DOCUMENTED: [&str; 6] = [
    "--i2c",
    "0:0x50=24c32",
    "--i2c",
    "0:0x48=lm75",
    "--i2c",
    "1:0x1d=sensor",
];
/// Wire time of a NACKed probe at 100 kHz (START, 9 bits, STOP: 11 SCL periods) and of an
/// answered one (START, 18 bits, STOP: 20), in µs.
const NACK_WIRE_US: u64 = 110;
const ANSWER_WIRE_US: u64 = 200;
/// What the driver's own work may add to a probe, in µs.
const DRIVER_US: u64 = 60;

/// The `i2cdetect`-style table the example prints for a bus where `found` answered.
fn table(found: &[u8]) -> Vec<String> {
    let mut lines = vec!["     0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f".to_string()];
    for row in (0..=0x77u8).step_by(16) {
        let mut line = format!("{row:02x}:");
        for address in row..=(row + 15).min(0x77) {
            if address < 0x08 {
                line.push_str("   ");
            } else if found.contains(&address) {
                line.push_str(&format!(" {address:02x}"));
            } else {
                line.push_str(" --");
            }
        }
        lines.push(line);
    }
    lines
}

/// Asserts the table and the summary of bus `name` (`I2C0`, `I2C1`) with `found` answering,
/// and that the slowest probes stay within their bounds.
fn bus_scanned(run: &Run, name: &str, found: &[u8]) -> Result<()> {
    let mut lines = vec![format!("i2c_scan: {name} at 100000 Hz")];
    lines.extend(table(found));
    let printed: Vec<&str> = run.stdout.lines().map(str::trim_end).collect();
    let at = printed
        .iter()
        .position(|l| *l == lines[0])
        .with_context(|| format!("no {name} banner{}", run.context()))?;
    for (k, line) in lines.iter().enumerate() {
        ensure!(
            printed.get(at + k) == Some(&line.as_str()),
            "{name}: expected line {line:?}, printed {:?}{}",
            printed.get(at + k),
            run.context()
        );
    }
    let summary = Regex::new(&format!(
        r"(?m)^i2c_scan: {name}: (\d+) found, (\d+) NoAcknowledge\(Address\); slowest answer (\d+) us, slowest NACK (\d+) us\r?$"
    ))
    .expect("valid");
    let caps = summary
        .captures(&run.stdout)
        .with_context(|| format!("no {name} summary{}", run.context()))?;
    let number = |k: usize| caps[k].parse::<u64>();
    let (present, absent, answer, nack) = (number(1)?, number(2)?, number(3)?, number(4)?);
    ensure!(
        present == found.len() as u64 && absent == 112 - present,
        "{name}: {present} found and {absent} NACKs, expected {} and {}{}",
        found.len(),
        112 - found.len(),
        run.context()
    );
    ensure!(
        (NACK_WIRE_US..=NACK_WIRE_US + DRIVER_US).contains(&nack),
        "{name}: slowest NACK {nack} us, wire time {NACK_WIRE_US} us{}",
        run.context()
    );
    if present > 0 {
        ensure!(
            (ANSWER_WIRE_US..=ANSWER_WIRE_US + DRIVER_US).contains(&answer),
            "{name}: slowest answer {answer} us, wire time {ANSWER_WIRE_US} us{}",
            run.context()
        );
    }
    Ok(())
}

fn run_with(runner: &Runner, args: &[&str]) -> Result<Run> {
    let run = runner.run(args)?;
    run.ended_by_reset()?;
    Ok(run)
}

/// The documented run: the documented output (timings checked against the wire time
/// instead), the same tables as computed here.
pub fn documented_devices(runner: &Runner) -> Result<()> {
    let run = run_with(runner, &DOCUMENTED)?;
    let timing = Regex::new(r"slowest answer \d+ us, slowest NACK \d+ us$").expect("valid");
    let printed: Vec<&str> = run.stdout.lines().map(str::trim_end).collect();
    for line in super::documented_output("i2c_scan")? {
        let found = if timing.is_match(&line) {
            let stem = timing.replace(&line, "");
            printed.iter().any(|p| p.starts_with(stem.as_ref()))
        } else {
            printed.contains(&line.as_str())
        };
        ensure!(found, "console lacks the line {line:?}{}", run.context());
    }
    bus_scanned(&run, "I2C0", &[0x48, 0x50])?;
    bus_scanned(&run, "I2C1", &[0x1d])
}

/// Another set of devices gives another table; a device whose address is refused
/// (`nack-addr`) is not listed; an empty bus lists nothing.
pub fn other_devices(runner: &Runner) -> Result<()> {
    let run = run_with(
        runner,
        &[
            "--i2c",
            "1:0x3c=sensor",
            "--i2c",
            "1:0x08=24c32",
            "--i2c",
            "1:0x77=lm75",
            "--i2c",
            "1:0x51=24c32",
            "--i2c-fault",
            "1:nack-addr@0x51",
        ],
    )?;
    bus_scanned(&run, "I2C0", &[])?;
    bus_scanned(&run, "I2C1", &[0x08, 0x3c, 0x77])
}

/// SDA held low for good on I2C0: its scan stops at the first probe with the documented
/// error (after the driver's bus clears, within its bound); I2C1 is scanned as usual.
pub fn bus_stuck(runner: &Runner) -> Result<()> {
    let run = run_with(
        runner,
        &[
            "--i2c-fault",
            "0:sda-stuck",
            "--i2c",
            "1:0x1d=sensor",
            "--trace",
            "i2c",
        ],
    )?;
    let source =
        std::fs::read_to_string(crate::process::workspace_root()?.join("examples/i2c_scan.rs"))?;
    let stopped = "i2c_scan: I2C0: probe of 0x08 failed: I2C: bus stuck: SDA held low after bus recovery (Bus); scan stopped";
    ensure!(
        source.contains(stopped),
        "examples/i2c_scan.rs no longer documents {stopped:?}"
    );
    run.console_has_lines(&[stopped.to_string()])?;
    ensure!(
        !run.stdout.contains("i2c_scan: I2C0: 0 found"),
        "the I2C0 scan went on after the stuck bus{}",
        run.context()
    );
    let clears = run.stderr.matches("i2c0 bus clear done, SDA low").count();
    ensure!(
        clears == 3,
        "expected the driver's 3 bus clears on I2C0, saw {clears}{}",
        run.context()
    );
    bus_scanned(&run, "I2C1", &[0x1d])
}
