//! # watchdog: the APSS watchdog pets, barks and bites
//!
//! Starts the SoC's own watchdog (the APSS watchdog) with a bark after 750 ms and a bite after
//! 1 s, pets it five times every 500 ms (toggling LED 1 at each pet), then "hangs": it keeps
//! blinking LED 2 but no longer pets. 750 ms after the last pet the watchdog barks (raises its
//! interrupt, unused here); 1 s after it, it bites and resets the SoC. At the next boot the
//! watchdog's status register says the last reset was a bite, and the program says so and
//! powers the board off instead of starting over.
//!
//! The watchdog counts the 32.768 kHz sleep clock. Its address and interrupt on this SoC are
//! inferred from sibling SoCs (docs/hardware/watchdog.md#base-address-caveat); on a board
//! whose secure firmware owns the watchdog the writes may have no effect.
//!
//! ## What to connect
//!
//! Nothing: LEDs 1 and 2 are on the board. For the console: a **1.8 V** USB-serial adapter on
//! the low-speed header, adapter RX to pin 11, adapter TX to pin 13, GND to pin 1; 115200 8N1.
//!
//! ## Expected output
//!
//! ```text
//! watchdog: the APSS watchdog
//! last reset: not by the watchdog
//! watchdog on: bark after 750 ms, bite after 1000 ms
//! pet 1
//! pet 2
//! pet 3
//! pet 4
//! pet 5
//! no more petting: the watchdog bites in 1000 ms
//! ```
//!
//! On the virtual board the run ends with `emu: t=<ticks> apss-wdt bark` 750 ms after the
//! last pet, then `emu: APSS watchdog bite at t=<ticks> (pc=...): system reset` 1 s after it.
//! With `--max-resets 1` the board then boots the program again in the same run (`emu:
//! reboot 1 of at most 1 at t=...`), which prints `last reset: watchdog bite` and `powering
//! off`; without it the run ends at the bite, and `--reset-reason watchdog` starts a new run
//! as that next boot.

#![no_std]
#![no_main]

use db410c::hal::time::Duration;
use db410c::hal::watchdog::Config;
use db410c::{Board, println};
use embedded_hal::delay::DelayNs;

/// Time from the last pet to the bark and to the bite.
const BARK: Duration = Duration::from_millis(750);
const BITE: Duration = Duration::from_millis(1000);
/// How often, and how many times, the watchdog is petted.
const PET_EVERY_MS: u32 = 500;
const PETS: u32 = 5;

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!("\nwatchdog: the APSS watchdog");

    if board.watchdog.last_reset_was_bite() {
        println!("last reset: watchdog bite");
        println!("powering off");
        let _ = board.console.flush();
        match board.power_off() {
            Err(e) => panic!("could not power off: {e}"),
        }
    }
    println!("last reset: not by the watchdog");

    let config = Config::new(BITE).bark(BARK);
    board.watchdog.enable(&config).unwrap();
    println!(
        "watchdog on: bark after {} ms, bite after {} ms",
        BARK.as_millis(),
        BITE.as_millis()
    );

    // Alive: pet well within the bark time.
    for n in 1..=PETS {
        board.delay.delay_ms(PET_EVERY_MS);
        board.watchdog.pet();
        board.led1.toggle();
        println!("pet {n}");
    }

    // "Hung": still running, but never petting again.
    println!(
        "no more petting: the watchdog bites in {} ms",
        BITE.as_millis()
    );
    let _ = board.console.flush();
    loop {
        board.delay.delay_ms(100);
        board.led2.toggle();
    }
}
