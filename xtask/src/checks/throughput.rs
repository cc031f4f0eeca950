//! Checks of the `i2c_throughput` and `spi_throughput` examples: the figures `cargo xtask
//! bench` shows, held to their limits (`bench::buses::guard`), and the transfers really
//! happened on the modelled bus (the trace shows them at the rates printed).

use super::Runner;
use crate::bench::buses::{self, Figure};
use anyhow::{Result, ensure};

fn rates(figures: &[Figure]) -> Vec<u64> {
    figures.iter().map(|f| f.hz).collect()
}

/// The 256-byte write at every rate, within the guard; the bus trace shows 256 data bytes
/// after the address each time.
pub fn i2c_write(runner: &Runner) -> Result<()> {
    let figures = buses::run_example(runner, buses::I2C_ARGS)?;
    ensure!(
        rates(&figures) == [100_000, 400_000, 960_000],
        "rates measured: {:?}",
        rates(&figures)
    );
    buses::guard(&figures)?;
    let run = runner.run(&[buses::I2C_ARGS, &["--trace", "i2c"]].concat())?;
    let writes = run.stderr.matches("i2c0 START 0x1d write ack").count();
    ensure!(
        writes == 3,
        "expected 3 writes to 0x1d on the bus, saw {writes}{}",
        run.context()
    );
    Ok(())
}

/// The 4 KiB read at every rate, by the raw register loop and by the HAL, within the guard
/// (including the HAL against the raw loop); the bus trace shows each read (raw loop and HAL)
/// as a 4-byte command run and a 4096-byte data run, and at 1, 10 and 25 MHz the data runs
/// take exactly their wire time: the controller never stood still waiting for the CPU.
pub fn spi_read(runner: &Runner) -> Result<()> {
    let figures = buses::run_example(runner, buses::SPI_ARGS)?;
    let (raw, hal): (Vec<Figure>, Vec<Figure>) = figures
        .iter()
        .cloned()
        .partition(|f| f.what.starts_with(buses::RAW));
    for set in [&raw, &hal] {
        ensure!(
            rates(set) == [1_000_000, 10_000_000, 25_000_000, 50_000_000],
            "rates measured: {:?}",
            rates(set)
        );
    }
    buses::guard(&figures)?;
    let run = runner.run(&[buses::SPI_ARGS, &["--trace", "spi"]].concat())?;
    for (run_bytes, count) in [(4, 8), (4096, 8)] {
        let seen = run
            .stderr
            .matches(&format!(" spi0 {run_bytes} bytes in "))
            .count();
        ensure!(
            seen == count,
            "expected {count} runs of {run_bytes} bytes on the bus, saw {seen}{}",
            run.context()
        );
    }
    // Wire time in ticks of 19.2 MHz: 8 x 19.2 / MHz per byte, rounded down, no idle part.
    for line in ["4096 bytes in 629145 ticks", "4096 bytes in 62914 ticks"] {
        ensure!(
            run.stderr
                .lines()
                .any(|l| l.ends_with(&format!(" spi0 {line}"))),
            "no run \"{line}\" (at its wire time, without idle time) in the SPI trace{}",
            run.context()
        );
    }
    Ok(())
}
