//! Lab `gpio_pattern`: SOS in Morse code on user LED 1. The task: `labs/gpio_pattern/README.md`.
//! Check your work with `cargo xtask lab check gpio_pattern`.
//!
//! This starting point builds and runs: it lights LED 1 for one dot and resets the board.
//! Make it send the whole message, with LED 2 lit while it does.

#![no_std]
#![no_main]

use db410c::{Board, println};
use embedded_hal::delay::DelayNs;

/// The Morse time unit: a dot lasts one unit, a dash three.
const UNIT_MS: u32 = 100;

db410c::entry!(main);

fn main() -> ! {
    // Board::take sets LED 1 and LED 2 up as outputs, both off.
    let mut board = Board::take().unwrap();
    println!("gpio_pattern: SOS on LED1");

    // One dot: LED 1 on for one unit, then off.
    board.led1.set_high();
    board.delay.delay_ms(UNIT_MS);
    board.led1.set_low();

    // Finish the console output, then reset the board: that ends the run.
    println!("gpio_pattern: done");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
