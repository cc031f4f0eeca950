//! # i2c_scan: which addresses answer on the header's two I2C buses, as an `i2cdetect` table
//!
//! Shows how a missing device looks through embedded-hal's `I2c` trait: the probe of an
//! address where nothing is connected ends in `Err` with the kind
//! `NoAcknowledge(Address)`, quickly (one address byte on the wire), and the bus is ready
//! for the next probe at once. Each probe is a one-byte read (START, address with R/W = 1,
//! one byte, NACK, STOP): reading is harmless for EEPROMs, sensors and most other parts.
//! Addresses 0x00-0x07 and 0x78-0x7f are reserved by the I2C specification (general call,
//! START byte, high-speed and 10-bit prefixes) and not probed. Any error other than an
//! address NACK (a bus held low, a lost arbitration) stops the scan of that bus with a
//! message.
//!
//! ## What to connect
//!
//! Anything on the low-speed header's I2C0 (SCL LS 15, SDA LS 17) and I2C1 (SCL LS 19, SDA
//! LS 21), 1.8 V, with pull-ups. On the virtual board the devices come from the command
//! line: `cargo xtask run i2c_scan -- --i2c 0:0x50=24c32 --i2c 0:0x48=lm75 --i2c 1:0x1d=sensor`.
//!
//! ## Expected output
//!
//! ```text
//! i2c_scan: I2C0 at 100000 Hz
//!      0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f
//! 00:                         -- -- -- -- -- -- -- --
//! 10: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- --
//! 20: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- --
//! 30: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- --
//! 40: -- -- -- -- -- -- -- -- 48 -- -- -- -- -- -- --
//! 50: 50 -- -- -- -- -- -- -- -- -- -- -- -- -- -- --
//! 60: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- --
//! 70: -- -- -- -- -- -- -- --
//! i2c_scan: I2C0: 2 found, 110 NoAcknowledge(Address); slowest answer 224 us, slowest NACK 130 us
//! i2c_scan: I2C1 at 100000 Hz
//!      0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f
//! 00:                         -- -- -- -- -- -- -- --
//! 10: -- -- -- -- -- -- -- -- -- -- -- -- -- 1d -- --
//! 20: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- --
//! 30: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- --
//! 40: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- --
//! 50: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- --
//! 60: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- --
//! 70: -- -- -- -- -- -- -- --
//! i2c_scan: I2C1: 1 found, 111 NoAcknowledge(Address); slowest answer 224 us, slowest NACK 130 us
//! resetting
//! ```
//!
//! `--` is an address that did not answer, a number one that did. A device that answers
//! takes 20 SCL periods (START, address, one byte, STOP: 200 µs at 100 kHz), a NACKed
//! address 11 (110 µs), plus the driver's own time. With SDA held low for good
//! (`--i2c-fault 0:sda-stuck`) the I2C0 scan stops at its first probe:
//!
//! ```text
//! i2c_scan: I2C0: probe of 0x08 failed: I2C: bus stuck: SDA held low after bus recovery (Bus); scan stopped
//! ```

#![no_std]
#![no_main]

use db410c::hal::i2c::{Config, I2c, Instance};
use db410c::hal::time::Instant;
use db410c::{Board, print, println};
use embedded_hal::i2c::{Error as _, ErrorKind, I2c as _, NoAcknowledgeSource};

db410c::entry!(main);

/// The first and last address a scan probes (the rest are reserved).
const FIRST: u8 = 0x08;
const LAST: u8 = 0x77;

/// Probes every address of one bus and prints the table (or why the scan stopped).
fn scan<I: Instance>(name: &str, i2c: &mut I2c<I>) {
    println!("i2c_scan: {name} at {} Hz", i2c.frequency());
    let mut found = [false; 128];
    let (mut present, mut absent) = (0, 0);
    // The longest probe of each outcome, in µs.
    let (mut slowest_answer, mut slowest_nack) = (0, 0);
    for address in FIRST..=LAST {
        let start = Instant::now();
        let result = i2c.read(address, &mut [0u8; 1]);
        let took = start.elapsed().as_micros();
        match result {
            Ok(()) => {
                found[usize::from(address)] = true;
                present += 1;
                slowest_answer = slowest_answer.max(took);
            }
            Err(error)
                if error.kind() == ErrorKind::NoAcknowledge(NoAcknowledgeSource::Address) =>
            {
                absent += 1;
                slowest_nack = slowest_nack.max(took);
            }
            Err(error) => {
                println!(
                    "i2c_scan: {name}: probe of 0x{address:02x} failed: {error} ({:?}); scan stopped",
                    error.kind()
                );
                return;
            }
        }
    }
    println!("     0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f");
    for row in (0..=LAST).step_by(16) {
        print!("{row:02x}:");
        for address in row..=(row + 15).min(LAST) {
            if address < FIRST {
                print!("   ");
            } else if found[usize::from(address)] {
                print!(" {address:02x}");
            } else {
                print!(" --");
            }
        }
        println!();
    }
    println!(
        "i2c_scan: {name}: {present} found, {absent} NoAcknowledge(Address); slowest answer {slowest_answer} us, slowest NACK {slowest_nack} us"
    );
}

fn main() -> ! {
    let mut board = Board::take().unwrap();

    // Standard mode (100 kHz): every I2C device supports it.
    let config = Config::default().with_frequency(Config::STANDARD_MODE_HZ);
    let mut i2c0 = I2c::new(
        board.i2c0,
        board.header.i2c0_sda,
        board.header.i2c0_scl,
        &mut board.clocks,
        config,
    )
    .unwrap();
    let mut i2c1 = I2c::new(
        board.i2c1,
        board.header.i2c1_sda,
        board.header.i2c1_scl,
        &mut board.clocks,
        config,
    )
    .unwrap();

    scan("I2C0", &mut i2c0);
    scan("I2C1", &mut i2c1);

    println!("resetting");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
