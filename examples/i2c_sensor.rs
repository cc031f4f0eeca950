//! # i2c_sensor: an LM75 temperature sensor on I2C0, read through the `lm75` crate
//!
//! Shows a device driver from crates.io working on this HAL unchanged: the `lm75` crate knows
//! nothing about this board, it only needs something that implements embedded-hal 1.0's
//! `I2c` trait, and our `I2c0` does. The program sets the sensor's over-temperature
//! thresholds (register writes), reads the temperature every 200 ms (a pointer write, a
//! repeated START and two bytes read: `write_read`), puts the sensor in shutdown, where it
//! stops converting and keeps its last reading, wakes it up again, and shows what the crate
//! returns when no sensor answers.
//!
//! ## What to connect
//!
//! An LM75 (or LM75A/B, TMP75 in LM75 mode) with A0..A2 tied low, so at address 0x48, on the
//! low-speed header's I2C0: SCL on LS 15, SDA on LS 17, GND on LS 1, VCC 1.8 V on LS 35 (or a
//! 3.3 V part behind a level shifter), pull-ups to 1.8 V on SCL and SDA.
//!
//! On the virtual board the readings are set on the command line, each from a time on (the
//! sensor converts every 100 ms, so a change shows at the next conversion):
//! `cargo xtask run i2c_sensor -- --i2c 0:0x48=lm75,temp=21.5,temp@150ms=23,temp@350ms=-5.5,temp@500ms=30.5`.
//!
//! ## Expected output
//!
//! ```text
//! i2c_sensor: I2C0 at 400000 Hz, LM75 at 0x48 through the lm75 crate
//! i2c_sensor: over-temperature 80.0 C, hysteresis 75.0 C
//! i2c_sensor: at 0 ms: 21.5 C
//! i2c_sensor: at 200 ms: 23.0 C
//! i2c_sensor: at 400 ms: -5.5 C
//! i2c_sensor: shut down at 450 ms
//! i2c_sensor: at 600 ms: -5.5 C (held while shut down)
//! i2c_sensor: enabled at 650 ms
//! i2c_sensor: at 800 ms: 30.5 C
//! i2c_sensor: LM75 at 0x49: I2C: no acknowledge for address 0x49 (NoAcknowledge(Address))
//! resetting
//! ```
//!
//! The times are counted from the first reading. Without a sensor every step reports the
//! address NACK instead.

#![no_std]
#![no_main]

use db410c::hal::i2c::{Config, I2c};
use db410c::hal::time::{Duration, Instant};
use db410c::{Board, I2c0, println};
use embedded_hal::i2c::Error as _;
use lm75::{Address, Lm75};

db410c::entry!(main);

/// The sensor's address with A0..A2 low.
const SENSOR: u8 = 0x48;
/// An address where nothing answers.
const ABSENT: u8 = 0x49;
/// The thresholds set (the part's power-on values, written back as a demonstration).
const OVER_TEMPERATURE: f32 = 80.0;
const HYSTERESIS: f32 = 75.0;

/// What the crate's error says: the bus error with its embedded-hal kind, or the crate's own.
fn report(what: &str, error: lm75::Error<db410c::hal::i2c::Error>) {
    match error {
        lm75::Error::I2C(error) => println!("i2c_sensor: {what}: {error} ({:?})", error.kind()),
        lm75::Error::InvalidInputData => println!("i2c_sensor: {what}: invalid input"),
    }
}

/// Waits until `ms` milliseconds after `start`.
fn wait_until(start: Instant, ms: u64) {
    while start.elapsed() < Duration::from_millis(ms) {
        core::hint::spin_loop();
    }
}

/// One reading at `ms` after `start`, printed with `note` after it.
fn read_at(sensor: &mut Lm75<&mut I2c0, lm75::ic::Lm75>, start: Instant, ms: u64, note: &str) {
    wait_until(start, ms);
    match sensor.read_temperature() {
        Ok(celsius) => println!("i2c_sensor: at {ms} ms: {celsius:.1} C{note}"),
        Err(error) => report("reading", error),
    }
}

fn main() -> ! {
    let mut board = Board::take().unwrap();

    // 1. The header's I2C0 at 400 kHz (the LM75 takes up to 400 kHz).
    let config = Config::default().with_frequency(Config::FAST_MODE_HZ);
    let mut i2c = I2c::new(
        board.i2c0,
        board.header.i2c0_sda,
        board.header.i2c0_scl,
        &mut board.clocks,
        config,
    )
    .unwrap();
    println!(
        "i2c_sensor: I2C0 at {} Hz, LM75 at 0x{SENSOR:02x} through the lm75 crate",
        i2c.frequency()
    );

    // 2. The driver borrows the bus (`&mut I2c0` is an `I2c` too), so the bus is ours again
    //    when the driver is dropped.
    let mut sensor = Lm75::new(&mut i2c, Address::from(SENSOR));

    // 3. Thresholds for the sensor's OS output: two 16-bit register writes.
    match sensor
        .set_os_temperature(OVER_TEMPERATURE)
        .and_then(|()| sensor.set_hysteresis_temperature(HYSTERESIS))
    {
        Ok(()) => println!(
            "i2c_sensor: over-temperature {OVER_TEMPERATURE:.1} C, hysteresis {HYSTERESIS:.1} C"
        ),
        Err(error) => report("thresholds", error),
    }

    // 4. A reading every 200 ms.
    let start = Instant::now();
    for ms in [0, 200, 400] {
        read_at(&mut sensor, start, ms, "");
    }

    // 5. Shutdown: the sensor stops converting and keeps its last reading.
    wait_until(start, 450);
    match sensor.disable() {
        Ok(()) => println!("i2c_sensor: shut down at 450 ms"),
        Err(error) => report("shutdown", error),
    }
    read_at(&mut sensor, start, 600, " (held while shut down)");
    wait_until(start, 650);
    match sensor.enable() {
        Ok(()) => println!("i2c_sensor: enabled at 650 ms"),
        Err(error) => report("enable", error),
    }
    read_at(&mut sensor, start, 800, "");
    // The driver gives the bus back.
    let i2c = sensor.destroy();

    // 6. No sensor at 0x49: the crate hands back the bus error.
    let mut absent = Lm75::new(i2c, Address::from(ABSENT));
    if let Err(error) = absent.read_temperature() {
        report("LM75 at 0x49", error);
    }

    println!("resetting");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
