//! Checks of the `i2c_eeprom` example: the I2C master against the virtual board's QUP model
//! and its 24C32, with each injected bus fault coming back as the documented error within
//! its time bound, and the bus still usable afterwards (the absent-device step answers).

use super::{Run, Runner};
use anyhow::{Context, Result, ensure};
use regex::Regex;

/// The EEPROM the example talks to.
const EEPROM: &str = "0:0x50=24c32";
/// The 24C32 model's write cycle, in µs.
const WRITE_CYCLE_US: u64 = 5_000;
/// What the absent-device step prints while the bus works.
const ABSENT_NACK: &str =
    "i2c_eeprom: 0x51 answers: I2C: no acknowledge for address 0x51 (NoAcknowledge(Address))";

fn run_with(runner: &Runner, fault: Option<&str>) -> Result<Run> {
    let mut args = vec!["--i2c", EEPROM, "--trace", "i2c"];
    if let Some(fault) = fault {
        args.extend(["--i2c-fault", fault]);
    }
    let run = runner.run(&args)?;
    run.ended_by_reset()?;
    Ok(run)
}

/// The normal run: every documented line (the write-cycle time checked against the model's
/// 5 ms instead of the documented figure), the bytes read back equal those written.
pub fn page_round_trip(runner: &Runner) -> Result<()> {
    let run = run_with(runner, None)?;
    expect_documented_output(&run)?;
    let cycle = Regex::new(r"write cycle over after (\d+) us").expect("valid");
    let waited: u64 = cycle
        .captures(&run.stdout)
        .with_context(|| format!("no write-cycle time{}", run.context()))?[1]
        .parse()?;
    // Acknowledge polling ends with the first poll after the write cycle: one address-only
    // transfer (20 SCL periods at 400 kHz = 50 µs) plus the driver's own time.
    ensure!(
        (WRITE_CYCLE_US..=WRITE_CYCLE_US + 200).contains(&waited),
        "write cycle took {waited} us; the 24C32 model takes {WRITE_CYCLE_US} us{}",
        run.context()
    );
    // Bus timing follows the divider the driver chose: at 400 kHz from the 19.2 MHz core
    // clock an SCL period is 48 ticks, so the 34 bytes after the address take 34 x 9 x 48.
    let page = Regex::new(
        r"(?m)^emu: t=(\d+) i2c0 START 0x50 write ack\nemu: t=(\d+) i2c0 wrote 34 bytes$",
    )
    .expect("valid");
    let caps = page
        .captures(&run.stderr)
        .with_context(|| format!("no page write in the I2C trace{}", run.context()))?;
    let (start, end): (u64, u64) = (caps[1].parse()?, caps[2].parse()?);
    ensure!(
        end - start == 34 * 9 * 48,
        "34 bytes took {} ticks on the bus, 400 kHz gives {}{}",
        end - start,
        34 * 9 * 48,
        run.context()
    );
    Ok(())
}

fn expect_documented_output(run: &Run) -> Result<()> {
    let timing = Regex::new(r"after \d+ us$").expect("valid");
    let printed: Vec<&str> = run.stdout.lines().map(str::trim_end).collect();
    for line in super::documented_output("i2c_eeprom")? {
        let found = if timing.is_match(&line) {
            let stem = timing.replace(&line, "after ");
            printed.iter().any(|p| p.starts_with(stem.as_ref()))
        } else {
            printed.contains(&line.as_str())
        };
        ensure!(found, "console lacks the line {line:?}{}", run.context());
    }
    Ok(())
}

/// Runs with `fault`; the page write must fail with `error` (the text after the time) within
/// `bound_us`, and the absent-device step must still see a working bus (unless `bus_dead`).
fn page_write_fails(
    runner: &Runner,
    fault: &str,
    error: &str,
    bound_us: u64,
    bus_dead: bool,
) -> Result<()> {
    let run = run_with(runner, Some(fault))?;
    let re = Regex::new(r"i2c_eeprom: page write failed after (\d+) us: (.*)").expect("valid");
    let caps = re
        .captures(&run.stdout)
        .with_context(|| format!("with {fault}: the page write did not fail{}", run.context()))?;
    let took: u64 = caps[1].parse()?;
    ensure!(
        caps[2].trim_end() == error,
        "with {fault}: error {:?}, expected {error:?}{}",
        &caps[2],
        run.context()
    );
    ensure!(
        took <= bound_us,
        "with {fault}: the error came after {took} us, bound {bound_us} us{}",
        run.context()
    );
    if !bus_dead {
        run.console_has_lines(&[ABSENT_NACK.to_string()])?;
    }
    Ok(())
}

/// NACK on the address of a present device: `NoAcknowledge(Address)`.
pub fn address_nack(runner: &Runner) -> Result<()> {
    page_write_fails(
        runner,
        "0:nack-addr@0x50",
        "I2C: no acknowledge for address 0x50 (NoAcknowledge(Address))",
        1_000,
        false,
    )
}

/// NACK on data byte 5: `NoAcknowledge(Data)`, as the example documents it.
pub fn data_nack(runner: &Runner) -> Result<()> {
    let documented =
        std::fs::read_to_string(crate::process::workspace_root()?.join("examples/i2c_eeprom.rs"))?;
    let error = "I2C: device 0x50 did not acknowledge a data byte (NoAcknowledge(Data))";
    ensure!(
        documented.contains(error),
        "examples/i2c_eeprom.rs no longer documents {error:?}"
    );
    page_write_fails(runner, "0:nack-data@0x50:5", error, 1_000, false)?;
    // The refusal happened where it was injected, after the address was acknowledged.
    let run = run_with(runner, Some("0:nack-data@0x50:5"))?;
    run.board_has(
        r"(?m)^emu: t=\d+ i2c0 START 0x50 write ack\n(.*\n)*emu: t=\d+ i2c0 data byte 5 nack$",
    )
}

/// SDA held until a bus clear: the driver recovers and the run is the normal one. SDA held
/// for good: a clear error after the recovery attempts, and every later transfer says so.
pub fn sda_held_low(runner: &Runner) -> Result<()> {
    let run = run_with(runner, Some("0:sda-low"))?;
    expect_documented_output(&run)?;
    // The driver ran a bus clear before its first START, and it freed SDA.
    run.board_has(r"(?m)^emu: t=\d+ i2c0 bus clear done, SDA high\n(.*\n)*emu: t=\d+ i2c0 START 0x50 write ack$")?;
    page_write_fails(
        runner,
        "0:sda-stuck",
        "I2C: bus stuck: SDA held low after bus recovery (Bus)",
        5_000,
        true,
    )?;
    let run = run_with(runner, Some("0:sda-stuck"))?;
    // Each transaction tried the bus clear 3 times, and never started a transfer.
    let clears = run.stderr.matches("i2c0 bus clear done, SDA low").count();
    ensure!(
        clears == 6,
        "expected 3 bus clears for each of the two transactions, saw {clears}{}",
        run.context()
    );
    ensure!(
        !run.stderr.contains("i2c0 START"),
        "a START went out on a stuck bus{}",
        run.context()
    );
    run.console_has_lines(&[
        "i2c_eeprom: 0x51 answers: I2C: bus stuck: SDA held low after bus recovery (Bus)".into(),
    ])
}

/// SCL stretched for good: a timeout within the driver's bound (4 x the 38-byte message's
/// wire time + 1 ms = about 4.5 ms), and the bus works again afterwards.
pub fn clock_stretch_timeout(runner: &Runner) -> Result<()> {
    page_write_fails(
        runner,
        "0:stretch@0x50",
        "I2C: timeout: the transfer did not finish (Other)",
        6_000,
        false,
    )
}

/// Arbitration lost at the first START: `ArbitrationLoss`, the bus usable afterwards.
pub fn arbitration_loss(runner: &Runner) -> Result<()> {
    page_write_fails(
        runner,
        "0:arb-lost",
        "I2C: arbitration lost (ArbitrationLoss)",
        1_000,
        false,
    )
}
