//! Checks of the `bus_async` example: the QUP I2C and SPI drivers through `embedded-hal-async`
//! on the QUP interrupts (the virtual board's QUP interrupt line, GIC 128 and 131), with the
//! EEPROM and the flash attached, an injected NACK and an injected clock stretch coming back
//! as the documented errors, and the core asleep while it waits.

use super::{LED1, Run, Runner, documented_output};
use anyhow::{Context, Result, ensure};
use regex::Regex;

/// The devices the example talks to.
const EEPROM: &str = "0:0x50=24c32";
const FLASH: &str = "0:nor";
/// The interrupts of I2C0 (QUP2) and SPI0 (QUP5).
const I2C0_INTERRUPT: u32 = 128;
const SPI0_INTERRUPT: u32 = 131;
/// What the absent-address step prints while the bus works.
const ABSENT_NACK: &str =
    "i2c: 0x51 answers: I2C: no acknowledge for address 0x51 (NoAcknowledge(Address))";

fn run_with(runner: &Runner, extra: &[&str]) -> Result<Run> {
    let mut args = vec!["--i2c", EEPROM, "--spi", FLASH];
    args.extend_from_slice(extra);
    let run = runner.run(&args)?;
    run.ended_by_reset()?;
    Ok(run)
}

/// Ticks at which interrupt `id` was signalled to the core (`--trace irq`).
fn signalled(run: &Run, id: u32) -> Vec<u64> {
    let re = Regex::new(&format!(r"(?m)^emu: t=(\d+) irq {id} signalled$")).expect("valid");
    re.captures_iter(&run.stderr)
        .map(|c| c[1].parse().expect("digits"))
        .collect()
}

/// The `--stats` instruction count.
fn instructions(run: &Run) -> Result<u64> {
    Ok(Regex::new(r"emu: stats: instructions=(\d+)")?
        .captures(&run.stderr)
        .with_context(|| format!("no --stats line{}", run.context()))?[1]
        .parse()?)
}

/// The documented output exactly; every transfer's end came by its QUP's interrupt (SPI: one
/// per chunk of 16 bytes: the ID, the READ command, four for the 64 bytes); LED 1 toggled
/// while the buses worked.
pub fn round_trip_by_interrupt(runner: &Runner) -> Result<()> {
    let run = run_with(runner, &["--trace", "irq", "--trace", "gpio"])?;
    run.console_has_lines(&documented_output("bus_async")?)?;
    let i2c = signalled(&run, I2C0_INTERRUPT);
    let spi = signalled(&run, SPI0_INTERRUPT);
    // Page write, at least one acknowledge poll, the write_read's two messages, the absent
    // address: one interrupt per message.
    ensure!(
        i2c.len() >= 5,
        "I2C0's interrupt signalled {} times, expected one per message (at least 5){}",
        i2c.len(),
        run.context()
    );
    ensure!(
        spi.len() == 6,
        "SPI0's interrupt signalled {} times, expected 6 (one per chunk){}",
        spi.len(),
        run.context()
    );
    let (first, last) = (i2c[0], spi[spi.len() - 1]);
    let toggles = run
        .gpio_trace()
        .into_iter()
        .filter(|&(t, pin, _)| pin == LED1 && (first..=last).contains(&t))
        .count();
    ensure!(
        toggles >= 2,
        "LED 1 toggled {toggles} times between the first bus interrupt (t={first}) and the \
         last (t={last}): the blink task did not run while the buses worked{}",
        run.context()
    );
    Ok(())
}

/// `nack-data@0x50:5`: the page write fails with `NoAcknowledge(Data)`; the bus goes on
/// working (the read back runs, the absent address NACKs its address, the flash answers).
pub fn data_nack_then_bus_usable(runner: &Runner) -> Result<()> {
    let run = run_with(runner, &["--i2c-fault", "0:nack-data@0x50:5"])?;
    let lines: Vec<String> = [
        "i2c: page write failed: I2C: device 0x50 did not acknowledge a data byte (NoAcknowledge(Data))",
        "i2c: read back 00 07 0e 15 ff ff ff ff ... DIFFERS",
        ABSENT_NACK,
        "spi: JEDEC ID ef 40 14",
        "done, resetting",
    ]
    .map(String::from)
    .to_vec();
    run.console_has_lines(&lines)
}

/// `stretch@0x50`: every transfer to 0x50 ends with the timeout error after its bound (the
/// task asleep until the deadline, no hang), then the bus works for 0x51 and the run ends.
pub fn clock_stretch_times_out(runner: &Runner) -> Result<()> {
    let run = run_with(runner, &["--i2c-fault", "0:stretch@0x50", "--trace", "i2c"])?;
    let lines: Vec<String> = [
        "i2c: page write failed: I2C: timeout: the transfer did not finish (Other)",
        "i2c: read back failed: I2C: timeout: the transfer did not finish (Other)",
        ABSENT_NACK,
        "done, resetting",
    ]
    .map(String::from)
    .to_vec();
    run.console_has_lines(&lines)?;
    // The page write (38 bytes with tags) is bounded by 4 x its wire time + 1 ms: 39 x 9 x 4
    // SCL periods of 48 ticks at 400 kHz, plus 19 200 ticks. The next START (the read back)
    // follows after the bound and the printing of the failure line (the console's FIFO
    // drains at 115200 baud: up to 2.5 ms).
    let re = Regex::new(r"(?m)^emu: t=(\d+) i2c0 0x50 holds SCL low\nemu: t=(\d+) i2c0 START")?;
    let caps = re
        .captures(&run.stderr)
        .with_context(|| format!("no stretch followed by a START{}", run.context()))?;
    let (held, next): (u64, u64) = (caps[1].parse()?, caps[2].parse()?);
    let bound = 39 * 9 * 4 * 48 + 19_200;
    let gap = next - held;
    ensure!(
        (bound - 1_000..=bound + 48_000).contains(&gap),
        "the stretched page write ended {gap} ticks after SCL was held; its bound is {bound}{}",
        run.context()
    );
    Ok(())
}

/// The core sleeps while the task polls the EEPROM through its write cycle: 10 ms more write
/// cycle (192 000 ticks of the 19.2 MHz counter) cost less than a quarter of that in
/// instructions (busy-waiting costs at least one per tick).
pub fn sleeps_through_the_write_cycle(runner: &Runner) -> Result<()> {
    let short = run_with(runner, &["--stats"])?;
    let long = runner.run(&[
        "--i2c",
        "0:0x50=24c32,write-cycle=15ms",
        "--spi",
        FLASH,
        "--stats",
    ])?;
    long.ended_by_reset()?;
    long.console_has_lines(&documented_output("bus_async")?)?;
    let (short_count, long_count) = (instructions(&short)?, instructions(&long)?);
    let added_ticks: u64 = 192_000;
    ensure!(
        long_count < short_count + added_ticks / 4,
        "10 ms more write cycle cost {} more instructions (5 ms: {short_count}, 15 ms: \
         {long_count}); asleep it costs under {}{}",
        long_count.saturating_sub(short_count),
        added_ticks / 4,
        long.context()
    );
    Ok(())
}
