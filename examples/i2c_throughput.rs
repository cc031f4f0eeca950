//! # i2c_throughput: how close a 256-byte I2C write comes to the bus's wire time
//!
//! Writes 256 bytes to a device on I2C0 with one `I2c::write` at 100 kHz, 400 kHz and 1 MHz,
//! and prints how long each took on the system counter next to the wire time: START, the
//! address byte and 256 data bytes (9 SCL periods each, acknowledge included) and STOP. The
//! difference is the driver's own time: setting up the core and loading the next FIFO-sized
//! message while the bus pauses (the QUP's FIFO holds 64 bytes, tags included).
//! `cargo xtask bench` runs it and prints the ratios.
//!
//! ## What to connect
//!
//! A device that takes long writes at address 0x1d on the low-speed header's I2C0 (SCL LS 15,
//! SDA LS 17). On the virtual board, a register device:
//! `cargo xtask run i2c_throughput -- --i2c 0:0x1d=sensor`.
//!
//! ## Expected output
//!
//! ```text
//! i2c_throughput: 256-byte write at 100000 Hz: 451286 ticks, wire 444480 ticks
//! i2c_throughput: 256-byte write at 400000 Hz: 117926 ticks, wire 111120 ticks
//! i2c_throughput: 256-byte write at 960000 Hz: 53162 ticks, wire 46300 ticks
//! resetting
//! ```
//!
//! Ticks are the 19.2 MHz system counter's; the measured figures depend on the driver's code.
//! 1 MHz comes out as 960 kHz: the fastest SCL the 19.2 MHz core clock's dividers give at or
//! below 1 MHz.

#![no_std]
#![no_main]

use db410c::hal::i2c::{Config, I2c};
use db410c::hal::time::Instant;
use db410c::{Board, println};
use embedded_hal::i2c::I2c as _;

db410c::entry!(main);

/// The device written to.
const DEVICE: u8 = 0x1d;
/// The rates measured.
const RATES_HZ: [u32; 3] = [
    Config::STANDARD_MODE_HZ,
    Config::FAST_MODE_HZ,
    Config::FAST_MODE_PLUS_HZ,
];
/// Bytes written, and SCL periods on the wire: START, (address + data) x 9, STOP.
const LENGTH: usize = 256;
const WIRE_PERIODS: u64 = 1 + (LENGTH as u64 + 1) * 9 + 1;

fn main() -> ! {
    let mut board = Board::take().unwrap();
    let ticks_per_second = u64::from(db410c::hal::time::ticks_per_second());
    let mut i2c = I2c::new(
        board.i2c0,
        board.header.i2c0_sda,
        board.header.i2c0_scl,
        &mut board.clocks,
        Config::default(),
    )
    .unwrap();
    let mut data = [0u8; LENGTH];
    for (k, byte) in data.iter_mut().enumerate() {
        *byte = k as u8;
    }

    for hz in RATES_HZ {
        if let Err(error) = i2c.apply_config(&Config::default().with_frequency(hz)) {
            println!("i2c_throughput: {hz} Hz refused: {error}");
            continue;
        }
        let achieved = u64::from(i2c.frequency());
        let start = Instant::now();
        let result = i2c.write(DEVICE, &data);
        let ticks = Instant::now().ticks_since(start);
        let wire = WIRE_PERIODS * ticks_per_second / achieved.max(1);
        match result {
            Ok(()) => println!(
                "i2c_throughput: 256-byte write at {achieved} Hz: {ticks} ticks, wire {wire} ticks"
            ),
            Err(error) => println!("i2c_throughput: write at {achieved} Hz failed: {error}"),
        }
    }

    println!("resetting");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
