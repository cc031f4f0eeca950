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
/// (including the HAL against the raw loop); the bus trace shows each of the 8 reads as 256
/// FIFO-sized chunks of 16 bytes.
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
    let chunks = run.stderr.matches(" spi0 16 bytes in ").count();
    ensure!(
        chunks == 8 * 256,
        "expected 8 x 256 chunks of 16 bytes on the bus, saw {chunks}{}",
        run.context()
    );
    Ok(())
}
