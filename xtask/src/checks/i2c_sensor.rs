//! Checks of the `i2c_sensor` example: the `lm75` crate, unchanged, reads the virtual board's
//! LM75 through the HAL's `I2c`; the readings printed are the ones set on the command line
//! (as the sensor converts them: at its 100 ms conversions, held in shutdown), other
//! readings give other output, and without a sensor every step reports the address NACK.

use super::{Run, Runner};
use anyhow::Result;

/// The readings of the documented run (see the example's header).
const DOCUMENTED: &str = "0:0x48=lm75,temp=21.5,temp@150ms=23,temp@350ms=-5.5,temp@500ms=30.5";

fn run_with(runner: &Runner, args: &[&str]) -> Result<Run> {
    let run = runner.run(args)?;
    run.ended_by_reset()?;
    Ok(run)
}

/// The documented run prints exactly the documented lines, and the crate's register writes
/// and reads are on the bus (three-byte threshold writes; pointer write, repeated START,
/// two bytes read).
pub fn documented_readings(runner: &Runner) -> Result<()> {
    let run = run_with(runner, &["--i2c", DOCUMENTED, "--trace", "i2c"])?;
    run.console_has_lines(&super::documented_output("i2c_sensor")?)?;
    run.board_has(r"(?m)^emu: t=\d+ i2c0 START 0x48 write ack\nemu: t=\d+ i2c0 wrote 3 bytes\n")?;
    run.board_has(
        r"(?m)^emu: t=\d+ i2c0 START 0x48 write ack\nemu: t=\d+ i2c0 wrote 1 bytes\nemu: t=\d+ i2c0 START 0x48 read ack\nemu: t=\d+ i2c0 read 2 bytes\n",
    )
}

/// Other readings (rounded down to the sensor's 0.5 °C steps, limited to -55 °C) are the
/// ones printed, at the same conversions.
pub fn other_readings(runner: &Runner) -> Result<()> {
    let run = run_with(
        runner,
        &[
            "--i2c",
            "0:0x48=lm75,temp=-10,temp@150ms=0.7,temp@350ms=99.5,temp@500ms=-60",
        ],
    )?;
    let lines: Vec<String> = [
        "i2c_sensor: at 0 ms: -10.0 C",
        "i2c_sensor: at 200 ms: 0.5 C",
        "i2c_sensor: at 400 ms: 99.5 C",
        "i2c_sensor: at 600 ms: 99.5 C (held while shut down)",
        "i2c_sensor: at 800 ms: -55.0 C",
    ]
    .map(String::from)
    .into();
    run.console_has_lines(&lines)
}

/// No sensor: the crate returns the HAL's error, `NoAcknowledge(Address)`, at every step.
pub fn no_sensor(runner: &Runner) -> Result<()> {
    let run = run_with(runner, &[])?;
    let nack = "I2C: no acknowledge for address 0x48 (NoAcknowledge(Address))";
    let mut lines = vec![format!("i2c_sensor: thresholds: {nack}")];
    lines.extend((0..3).map(|_| format!("i2c_sensor: reading: {nack}")));
    lines.push(format!("i2c_sensor: shutdown: {nack}"));
    lines.push(format!("i2c_sensor: reading: {nack}"));
    lines.push(format!("i2c_sensor: enable: {nack}"));
    lines.push(format!("i2c_sensor: reading: {nack}"));
    lines.push(
        "i2c_sensor: LM75 at 0x49: I2C: no acknowledge for address 0x49 (NoAcknowledge(Address))"
            .into(),
    );
    run.console_has_lines(&lines)
}
