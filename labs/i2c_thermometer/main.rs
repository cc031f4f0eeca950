//! Lab `i2c_thermometer`: read an LM75 temperature sensor over I2C, and survive its absence.
//! The task: `labs/i2c_thermometer/README.md`. Check your work with
//! `cargo xtask lab check i2c_thermometer`.
//!
//! This starting point builds and runs: it reads the temperature register four times and
//! prints its first byte. That is right only for whole, positive temperatures, and it panics
//! when the sensor does not answer.

#![no_std]
#![no_main]

use db410c::hal::i2c::{Config, I2c};
use db410c::{Board, println};
use embedded_hal::delay::DelayNs;
// The embedded-hal I2C trait gives `write_read`.
use embedded_hal::i2c::I2c as _;

/// The LM75's 7-bit address with its A0..A2 pins low.
const SENSOR: u8 = 0x48;
/// The LM75's temperature register (its pointer value).
const TEMPERATURE_REGISTER: u8 = 0;
/// Readings to take, and the time between two of them.
const READINGS: u32 = 4;
const INTERVAL_MS: u32 = 250;

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!("i2c_thermometer: LM75 at 0x48 on I2C0, {READINGS} readings");

    // The header's I2C0: SDA on LS 17, SCL on LS 15, 100 kHz.
    let mut i2c = I2c::new(
        board.i2c0,
        board.header.i2c0_sda,
        board.header.i2c0_scl,
        &mut board.clocks,
        Config::default(),
    )
    .unwrap();

    for _ in 0..READINGS {
        // Write the register pointer, then (repeated START) read the register's two bytes.
        let mut raw = [0u8; 2];
        i2c.write_read(SENSOR, &[TEMPERATURE_REGISTER], &mut raw)
            .unwrap();
        let degrees = raw[0];
        println!("temperature: {degrees}.0 C");
        board.delay.delay_ms(INTERVAL_MS);
    }

    println!("i2c_thermometer: done");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
