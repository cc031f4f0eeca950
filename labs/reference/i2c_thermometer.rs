//! Reference solution of the lab `i2c_thermometer` (labs/i2c_thermometer/README.md): the
//! LM75's temperature register is a 9-bit two's complement number of half degrees in the top
//! bits of two bytes; a transfer that fails (the sensor does not acknowledge) is reported and
//! the program goes on.

#![no_std]
#![no_main]

use db410c::hal::i2c::{Config, I2c};
use db410c::hal::time::{Duration, Instant};
use db410c::{Board, println};
use embedded_hal::i2c::I2c as _;

/// The LM75's 7-bit address with its A0..A2 pins low.
const SENSOR: u8 = 0x48;
/// The LM75's temperature register (its pointer value).
const TEMPERATURE_REGISTER: u8 = 0;
/// Readings to take, and the time between two of them.
const READINGS: u32 = 4;
const INTERVAL: Duration = Duration::from_millis(250);

db410c::entry!(main);

/// The temperature register's two bytes as half degrees Celsius: the 16-bit big-endian value
/// is signed, and its top nine bits count half degrees (an arithmetic shift keeps the sign).
fn half_degrees(raw: [u8; 2]) -> i16 {
    i16::from_be_bytes(raw) >> 7
}

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!("i2c_thermometer: LM75 at 0x48 on I2C0, {READINGS} readings");

    let mut i2c = I2c::new(
        board.i2c0,
        board.header.i2c0_sda,
        board.header.i2c0_scl,
        &mut board.clocks,
        Config::default(),
    )
    .unwrap();

    let start = Instant::now();
    for reading in 0..READINGS {
        let due = start + INTERVAL * reading;
        while Instant::now() < due {
            core::hint::spin_loop();
        }
        let mut raw = [0u8; 2];
        match i2c.write_read(SENSOR, &[TEMPERATURE_REGISTER], &mut raw) {
            Ok(()) => {
                let halves = half_degrees(raw);
                let sign = if halves < 0 { "-" } else { "" };
                let magnitude = halves.unsigned_abs();
                println!(
                    "temperature: {sign}{}.{} C",
                    magnitude / 2,
                    (magnitude % 2) * 5
                );
            }
            Err(error) => println!("temperature: no sensor ({error})"),
        }
    }

    println!("i2c_thermometer: done");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
