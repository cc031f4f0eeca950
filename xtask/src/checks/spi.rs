//! Checks of the `spi_flash` example: the SPI master (through `embedded-hal-bus`'s
//! `ExclusiveDevice` with a GPIO chip select) against the virtual board's QUP5 model and its
//! SPI NOR flash: the ID printed is the model's, the page read back equals the one written,
//! erase and program take the model's time, and the error paths (no device; core clock off)
//! come back as documented, within the driver's bound, with the bus usable afterwards.

use super::{Run, Runner};
use anyhow::{Context, Result, ensure};
use regex::Regex;

/// The model's sector erase and page program times, in µs.
const ERASE_US: u64 = 45_000;
const PROGRAM_US: u64 = 700;
/// The driver's bound for a core state change (the first wait that fails with the clock
/// off), in µs, and what the timing of the run may add to it.
const STATE_TIMEOUT_US: u64 = 1_000;
const SLACK_US: u64 = 100;

fn run_with(runner: &Runner, args: &[&str]) -> Result<Run> {
    let run = runner.run(args)?;
    run.ended_by_reset()?;
    Ok(run)
}

/// The number after `prefix` in a console line matching `prefix(\d+) us`.
fn micros(run: &Run, prefix: &str) -> Result<u64> {
    let re = Regex::new(&format!(r"{}(\d+) us", regex::escape(prefix))).expect("valid");
    Ok(re
        .captures(&run.stdout)
        .with_context(|| format!("no line with {prefix:?}{}", run.context()))?[1]
        .parse()?)
}

/// The core-clock-off step: a timeout within the driver's bound, then the bus works again
/// (`id` = what the ID read prints afterwards).
fn clock_off_times_out(run: &Run, id: &str) -> Result<()> {
    let took = micros(
        run,
        "spi_flash: core clock off: SPI: timeout: the transfer did not finish after ",
    )?;
    ensure!(
        (STATE_TIMEOUT_US..=STATE_TIMEOUT_US + SLACK_US).contains(&took),
        "the timeout came after {took} us; the driver's bound is {STATE_TIMEOUT_US} us{}",
        run.context()
    );
    run.console_has_lines(&[format!("spi_flash: core clock on again: JEDEC ID {id}")])
}

/// The normal run: every documented line (times checked against the model instead of the
/// documented figures), the model's ID, the read-back verdict.
pub fn flash_round_trip(runner: &Runner) -> Result<()> {
    let run = run_with(runner, &["--spi", "0:nor", "--trace", "spi"])?;
    let timing = Regex::new(r"(in|after) \d+ us$").expect("valid");
    let printed: Vec<&str> = run.stdout.lines().map(str::trim_end).collect();
    for line in super::documented_output("spi_flash")? {
        let found = if timing.is_match(&line) {
            let stem = timing.replace(&line, "");
            printed.iter().any(|p| p.starts_with(stem.as_ref()))
        } else {
            printed.contains(&line.as_str())
        };
        ensure!(found, "console lacks the line {line:?}{}", run.context());
    }
    let erase = micros(&run, "erased in ")?;
    // WIP is polled with 2-byte transfers (1.6 µs at 10 MHz plus the driver's time).
    ensure!(
        (ERASE_US..=ERASE_US + SLACK_US).contains(&erase),
        "the erase took {erase} us; the flash model takes {ERASE_US} us{}",
        run.context()
    );
    let program = micros(&run, "programmed in ")?;
    ensure!(
        (PROGRAM_US..=PROGRAM_US + SLACK_US).contains(&program),
        "the page program took {program} us; the flash model takes {PROGRAM_US} us{}",
        run.context()
    );
    // Bus timing follows the clock the driver set: at 10 MHz the 256-byte page read is one
    // run of 2048 SCLK periods = 3932.16 ticks of 19.2 MHz, with no idle time (the driver
    // keeps the FIFOs serviced); the 4-byte ID at 1 MHz (mode 3) 614.4 ticks.
    for (line, rate) in [
        ("256 bytes in 3932 ticks", "10 MHz"),
        ("4 bytes in 614 ticks", "1 MHz"),
    ] {
        let re = Regex::new(&format!(r"(?m)^emu: t=\d+ spi0 {line}$")).expect("valid");
        ensure!(
            re.is_match(&run.stderr),
            "no transfer of {line:?} ({rate}) in the SPI trace{}",
            run.context()
        );
    }
    clock_off_times_out(&run, "ef 40 14")
}

/// Another ID on the command line is the one printed (the ID is really read from the bus).
pub fn other_jedec_id(runner: &Runner) -> Result<()> {
    let run = run_with(runner, &["--spi", "0:nor,id=0xc22015"])?;
    run.console_has_lines(&[
        "spi_flash: JEDEC ID c2 20 15".to_string(),
        "spi_flash: read back matches what was written (256 bytes)".to_string(),
    ])
}

/// No device: MISO idles high, the example says so; the clock-off timeout still comes.
pub fn no_flash(runner: &Runner) -> Result<()> {
    let run = run_with(runner, &[])?;
    run.console_has_lines(&["spi_flash: no flash (JEDEC ID ff ff ff)".to_string()])?;
    clock_off_times_out(&run, "ff ff ff")
}

/// The wait for an erase gives up after this long (`ERASE_LIMIT` in the example), in µs.
const ERASE_LIMIT_US: u64 = 400_000;

/// `--spi-fault 0:busy-stuck`: the erase never ends; the example's bounded wait reports it
/// within its bound (the documented line), skips the rest of the flash work (the driver
/// crate, whose wait has no bound, is not called), and the bus still runs: the later
/// transfers complete (the busy flash ignores the ID command: ff ff ff) and the clock-off
/// timeout is still bounded.
pub fn busy_stuck(runner: &Runner) -> Result<()> {
    let run = run_with(
        runner,
        &[
            "--spi",
            "0:nor",
            "--spi-fault",
            "0:busy-stuck",
            "--trace",
            "spi",
        ],
    )?;
    let source =
        std::fs::read_to_string(crate::process::workspace_root()?.join("examples/spi_flash.rs"))?;
    let stem = "spi_flash: the flash stayed busy erasing: WIP still set after ";
    ensure!(
        source.contains(stem),
        "examples/spi_flash.rs no longer documents {stem:?}"
    );
    let took = micros(&run, stem)?;
    ensure!(
        (ERASE_LIMIT_US..=ERASE_LIMIT_US + SLACK_US).contains(&took),
        "the busy flash was reported after {took} us; the bound is {ERASE_LIMIT_US} us{}",
        run.context()
    );
    ensure!(
        !run.stdout.contains("programmed") && !run.stdout.contains("w25q32jv"),
        "the example went on with a busy flash{}",
        run.context()
    );
    // Status polls went on until the bound: thousands of 2-byte transfers.
    let polls = run.stderr.matches("spi0 2 bytes in").count();
    ensure!(
        polls > 1_000,
        "only {polls} status polls in the trace{}",
        run.context()
    );
    run.console_has_lines(&["spi_flash: mode 3 at 1000000 Hz: JEDEC ID ff ff ff".to_string()])?;
    clock_off_times_out(&run, "ff ff ff")
}

/// `--spi-fault 0:miso-low`: every byte reads 0x00; the example sees no flash (an ID of all
/// zeros) and writes nothing; the clock-off timeout is still bounded.
pub fn miso_low(runner: &Runner) -> Result<()> {
    let run = run_with(runner, &["--spi", "0:nor", "--spi-fault", "0:miso-low"])?;
    run.console_has_lines(&[
        "spi_flash: no flash (JEDEC ID 00 00 00)".to_string(),
        "spi_flash: mode 3 at 1000000 Hz: JEDEC ID 00 00 00".to_string(),
    ])?;
    ensure!(
        !run.stdout.contains("erased"),
        "the example erased a flash it could not identify{}",
        run.context()
    );
    clock_off_times_out(&run, "00 00 00")
}

/// `--spi-fault 0:miso-high`: the attached flash does not answer; every byte reads 0xFF, as
/// with no device, and the example says so.
pub fn miso_high(runner: &Runner) -> Result<()> {
    let run = run_with(runner, &["--spi", "0:nor", "--spi-fault", "0:miso-high"])?;
    run.console_has_lines(&["spi_flash: no flash (JEDEC ID ff ff ff)".to_string()])?;
    ensure!(
        !run.stdout.contains("erased"),
        "the example erased a flash that does not answer{}",
        run.context()
    );
    clock_off_times_out(&run, "ff ff ff")
}
