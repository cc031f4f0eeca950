//! # spi_throughput: how close a 4 KiB SPI flash read comes to the bus's wire time
//!
//! Reads 4 KiB from an SPI NOR flash on SPI0 with one `SpiDevice::transaction` (READ command
//! and address, then 4096 bytes) at several SCLK rates, and prints how long each took on the
//! system counter next to the wire time: the 4100 bytes' 32 800 SCLK periods. The difference
//! is the driver's own time between FIFO-sized chunks (the QUP's FIFO holds 16 bytes as the
//! driver uses it) plus chip select. `cargo xtask bench` runs it and prints the ratios.
//!
//! ## What to connect
//!
//! A 25-series SPI NOR flash on the low-speed header's SPI0, as for `spi_flash`. On the
//! virtual board: `cargo xtask run spi_throughput -- --spi 0:nor`.
//!
//! ## Expected output
//!
//! ```text
//! spi_throughput: 4 KiB read at 1000000 Hz: 697746 ticks, wire 629760 ticks
//! spi_throughput: 4 KiB read at 10000000 Hz: 130914 ticks, wire 62976 ticks
//! spi_throughput: 4 KiB read at 25000000 Hz: 95032 ticks, wire 25190 ticks
//! spi_throughput: 4 KiB read at 50000000 Hz: 80696 ticks, wire 12595 ticks
//! resetting
//! ```
//!
//! Ticks are the 19.2 MHz system counter's; the measured figures depend on the driver's code.
//! The driver's time per 16-byte chunk (about 265 instructions, one tick each on the virtual
//! board) is fixed, so the ratio to the wire time grows with the rate: 1.11 at 1 MHz, 2.1 at
//! 10 MHz.

#![no_std]
#![no_main]

use db410c::hal::gpio::{Level, Output, OutputConfig};
use db410c::hal::spi::{Config, MODE_0, Spi};
use db410c::hal::time::{Delay, Instant};
use db410c::{Board, println};
use embedded_hal::spi::{Operation, SpiDevice};
use embedded_hal_bus::spi::ExclusiveDevice;

db410c::entry!(main);

/// The rates measured.
const RATES_HZ: [u32; 4] = [1_000_000, 10_000_000, 25_000_000, 50_000_000];
/// Bytes read, and bytes on the wire (READ, three address bytes, the data).
const LENGTH: usize = 4096;
const WIRE_BYTES: u64 = LENGTH as u64 + 4;

fn main() -> ! {
    let mut board = Board::take().unwrap();
    let ticks_per_second = u64::from(db410c::hal::time::ticks_per_second());
    let spi = Spi::new(
        board.spi0,
        board.header.spi0_mosi,
        board.header.spi0_miso,
        board.header.spi0_sclk,
        &mut board.clocks,
        Config::default().with_mode(MODE_0),
    )
    .unwrap();
    let chip_select = Output::new(board.header.spi0_cs, Level::High, OutputConfig::default());
    let mut flash = ExclusiveDevice::new(spi, chip_select, Delay::new()).unwrap();
    let mut buffer = [0u8; LENGTH];

    for hz in RATES_HZ {
        let config = Config::default().with_frequency(hz).with_mode(MODE_0);
        if let Err(error) = flash.bus_mut().apply_config(&config, &mut board.clocks) {
            println!("spi_throughput: {hz} Hz refused: {error}");
            continue;
        }
        let achieved = u64::from(flash.bus().frequency());
        // One transaction: chip select low, READ at address 0, 4096 bytes, chip select high.
        let start = Instant::now();
        let result = flash.transaction(&mut [
            Operation::Write(&[0x03, 0, 0, 0]),
            Operation::Read(&mut buffer),
        ]);
        let ticks = Instant::now().ticks_since(start);
        let wire = WIRE_BYTES * 8 * ticks_per_second / achieved.max(1);
        match result {
            Ok(()) => println!(
                "spi_throughput: 4 KiB read at {achieved} Hz: {ticks} ticks, wire {wire} ticks"
            ),
            Err(error) => println!("spi_throughput: read at {achieved} Hz failed: {error:?}"),
        }
    }

    println!("resetting");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
