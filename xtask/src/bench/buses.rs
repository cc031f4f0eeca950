//! Bus throughput on the virtual board: how long a 256-byte I2C write and a 4 KiB SPI flash
//! read take next to their theoretical wire time (`i2c_throughput`, `spi_throughput`).
//!
//! Design notes:
//! - The firmware measures each transfer on the system counter (virtual time: one guest
//!   instruction is one tick, and the bus models advance the wire at the configured clock)
//!   and prints the measured ticks next to the wire time it works out from the achieved
//!   rate. This module runs both examples, reads those lines and computes the ratios; the
//!   figures are deterministic.
//! - `spi_throughput` also does the read with a raw register loop on the PAC (no bounds, no
//!   checks, no embedded-hal layers), so the HAL's cost per byte stands next to the least the
//!   BLOCK-mode sequence with packing needs (the same sequence as the HAL's, as one run).
//! - [`guard`] is what `cargo xtask test` holds the figures to (checks `i2c_throughput` and
//!   `spi_throughput`): never below the wire time (the model's bus timing), the I2C write at
//!   400 kHz at most [`I2C_400K_LIMIT`] × wire time and the SPI read at 1, 10 and 25 MHz at
//!   most [`SPI_LIMIT`] × (the issue's target); at 50 MHz, where the driver's loop and not
//!   the wire sets the pace, the regression guard [`SPI_50M_LIMIT`]; and the HAL's SPI read
//!   at most [`HAL_OVER_RAW_LIMIT`] × the raw loop's time at the same rate.

use crate::build;
use crate::checks::Runner;
use anyhow::{Context, Result, ensure};
use regex::Regex;
use std::fmt::Write;
use std::path::Path;

/// The issue's target for the 256-byte write at 400 kHz.
pub const I2C_400K_LIMIT: f64 = 1.10;
/// The issue's target for the 4 KiB read, held at 1, 10 and 25 MHz (measured 1.001, 1.006,
/// 1.016).
pub const SPI_LIMIT: f64 = 1.10;
/// Regression guard for the 4 KiB read at 50 MHz, where the CPU sets the pace (measured
/// 1.534; see docs/benchmarks.md).
pub const SPI_50M_LIMIT: f64 = 1.60;

/// The HAL's SPI read against the raw register loop (measured: within 1.025 at every rate).
pub const HAL_OVER_RAW_LIMIT: f64 = 1.05;
/// How `spi_throughput` names its raw-loop figures.
pub const RAW: &str = "raw register loop, ";

/// The examples and the devices they need.
pub const I2C_EXAMPLE: &str = "i2c_throughput";
pub const I2C_ARGS: &[&str] = &["--i2c", "0:0x1d=sensor"];
pub const SPI_EXAMPLE: &str = "spi_throughput";
pub const SPI_ARGS: &[&str] = &["--spi", "0:nor"];

/// One measured transfer.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// What was moved, as the example says it (`256-byte write`, `4 KiB read`).
    pub what: String,
    pub hz: u64,
    pub measured_ticks: u64,
    pub wire_ticks: u64,
}

impl Figure {
    pub fn ratio(&self) -> f64 {
        self.measured_ticks as f64 / self.wire_ticks.max(1) as f64
    }

    /// Data bytes moved (from the name: `256-byte write`, `4 KiB read`).
    pub fn bytes(&self) -> u64 {
        if self.what.contains("4 KiB") {
            4096
        } else {
            256
        }
    }

    /// Ticks beyond the wire time per data byte: the driver's instructions per byte.
    pub fn over_per_byte(&self) -> f64 {
        self.measured_ticks.saturating_sub(self.wire_ticks) as f64 / self.bytes() as f64
    }
}

/// The figures an example printed (`...: WHAT at HZ Hz: T ticks, wire W ticks`).
pub fn parse(stdout: &str) -> Vec<Figure> {
    let re = Regex::new(r"(?m)^\w+: (.+) at (\d+) Hz: (\d+) ticks, wire (\d+) ticks\r?$")
        .expect("valid");
    re.captures_iter(stdout)
        .filter_map(|c| {
            Some(Figure {
                what: c[1].to_owned(),
                hz: c[2].parse().ok()?,
                measured_ticks: c[3].parse().ok()?,
                wire_ticks: c[4].parse().ok()?,
            })
        })
        .collect()
}

/// Runs one example on the virtual board and returns its figures.
pub fn run_example(runner: &Runner, args: &[&str]) -> Result<Vec<Figure>> {
    let run = runner.run(args)?;
    run.ended_by_reset()?;
    let figures = parse(&run.stdout);
    ensure!(!figures.is_empty(), "no figures printed{}", run.context());
    Ok(figures)
}

/// Holds `figures` to the limits (see the module notes).
pub fn guard(figures: &[Figure]) -> Result<()> {
    for f in figures {
        ensure!(
            f.measured_ticks >= f.wire_ticks,
            "{} at {} Hz took {} ticks, less than its wire time {}",
            f.what,
            f.hz,
            f.measured_ticks,
            f.wire_ticks
        );
        let limit = match (f.what.as_str(), f.hz) {
            ("256-byte write", 400_000) => Some(I2C_400K_LIMIT),
            ("4 KiB read", 1_000_000 | 10_000_000 | 25_000_000) => Some(SPI_LIMIT),
            ("4 KiB read", 48_000_000..=50_000_000) => Some(SPI_50M_LIMIT),
            _ => None,
        };
        if let Some(raw) = figures
            .iter()
            .find(|r| r.hz == f.hz && r.what.strip_prefix(RAW) == Some(f.what.as_str()))
        {
            let over = f.measured_ticks as f64 / raw.measured_ticks.max(1) as f64;
            ensure!(
                over <= HAL_OVER_RAW_LIMIT,
                "{} at {} Hz took {over:.3} x the raw register loop's time ({} vs {} ticks), limit {HAL_OVER_RAW_LIMIT}",
                f.what,
                f.hz,
                f.measured_ticks,
                raw.measured_ticks
            );
        }
        if let Some(limit) = limit {
            ensure!(
                f.ratio() <= limit,
                "{} at {} Hz took {:.3} x its wire time ({} vs {} ticks), limit {limit}",
                f.what,
                f.hz,
                f.ratio(),
                f.measured_ticks,
                f.wire_ticks
            );
        }
    }
    Ok(())
}

/// The table for `cargo xtask bench`.
pub fn table(figures: &[Figure]) -> String {
    let mut out = format!(
        "{:<36} {:>10} {:>10} {:>10} {:>6} {:>9}\n",
        "transfer", "Hz", "ticks", "wire", "ratio", "over/byte"
    );
    for f in figures {
        let _ = writeln!(
            out,
            "{:<36} {:>10} {:>10} {:>10} {:>6.3} {:>9.2}",
            f.what,
            f.hz,
            f.measured_ticks,
            f.wire_ticks,
            f.ratio(),
            f.over_per_byte()
        );
    }
    out
}

/// `cargo xtask bench`'s bus section: both examples run, the table, the guard's verdict.
pub fn report(root: &Path) -> Result<String> {
    let names = [I2C_EXAMPLE.to_owned(), SPI_EXAMPLE.to_owned()];
    let elfs = build::examples(root, &names)?;
    let emu = build::virtual_board(root)?;
    let mut figures = Vec::new();
    for (elf, args) in elfs.iter().zip([I2C_ARGS, SPI_ARGS]) {
        let runner = Runner { emu: &emu, elf };
        figures.extend(
            run_example(&runner, args)
                .with_context(|| format!("running {} for the bench", elf.display()))?,
        );
    }
    let verdict = match guard(&figures) {
        Ok(()) => format!(
            "within the limits (I2C at 400 kHz <= {I2C_400K_LIMIT}, SPI at 1, 10 and 25 MHz <= {SPI_LIMIT}, at 50 MHz <= {SPI_50M_LIMIT})"
        ),
        Err(e) => format!("OUTSIDE the limits: {e}"),
    };
    Ok(format!(
        "\nBuses on the virtual board (i2c_throughput, spi_throughput): one transfer measured on \
         the 19.2 MHz counter vs its wire time at the achieved rate\n\n{}{verdict}\n",
        table(&figures)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(what: &str, hz: u64, measured_ticks: u64, wire_ticks: u64) -> Figure {
        Figure {
            what: what.into(),
            hz,
            measured_ticks,
            wire_ticks,
        }
    }

    #[test]
    fn parses_the_lines_and_guards_the_ratios() {
        let figures = parse(
            "i2c_throughput: 256-byte write at 400000 Hz: 117926 ticks, wire 111120 ticks\r\n\
             spi_throughput: 4 KiB read at 10000000 Hz: 63404 ticks, wire 62976 ticks\r\n",
        );
        assert_eq!(
            figures,
            [
                figure("256-byte write", 400_000, 117_926, 111_120),
                figure("4 KiB read", 10_000_000, 63_404, 62_976)
            ]
        );
        assert!(guard(&figures).is_ok());
        assert!(guard(&[figure("256-byte write", 400_000, 122_300, 111_120)]).is_err());
        // The 1.10 target at 1 and 10 MHz: 1.108 (the old FIFO-mode driver at 1 MHz) and 2.08
        // (at 10 MHz) fail.
        assert!(guard(&[figure("4 KiB read", 1_000_000, 697_746, 629_760)]).is_err());
        assert!(guard(&[figure("4 KiB read", 10_000_000, 130_914, 62_976)]).is_err());
        assert!(guard(&[figure("4 KiB read", 10_000_000, 69_200, 62_976)]).is_ok());
        assert!(guard(&[figure("4 KiB read", 10_000_000, 100, 62_976)]).is_err());
        assert!(guard(&[figure("4 KiB read", 25_000_000, 25_586, 25_190)]).is_ok());
        assert!(guard(&[figure("4 KiB read", 25_000_000, 27_800, 25_190)]).is_err());
        // The regression guard at 50 MHz, where the CPU sets the pace.
        assert!(guard(&[figure("4 KiB read", 50_000_000, 19_317, 12_595)]).is_ok());
        assert!(guard(&[figure("4 KiB read", 50_000_000, 20_200, 12_595)]).is_err());
        let raw = figure("raw register loop, 4 KiB read", 50_000_000, 19_000, 12_595);
        let hal = figure("4 KiB read", 50_000_000, 19_317, 12_595);
        assert!(guard(&[raw.clone(), hal]).is_ok());
        let slow_hal = figure("4 KiB read", 50_000_000, 20_100, 12_595);
        assert!(guard(&[raw, slow_hal]).is_err());
        assert_eq!(figures[1].bytes(), 4096);
        assert!((figures[1].over_per_byte() - 0.1045).abs() < 0.001);
    }
}
