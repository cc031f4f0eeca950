//! # {{name}}: your own program on the DragonBoard 410c
//!
//! Made by `cargo xtask new {{name}}`. It says hello on the debug console, lights user LED 1
//! for half a second, and resets the board. Change `main` to make it yours; keep the
//! `## Expected output` block below in step with what it prints (`cargo xtask test` checks
//! examples against it, and `cargo xtask lava` uses it).
//!
//! Run it: `cargo xtask run {{name}}` (virtual board), `cargo xtask flash {{name}}` (a real board
//! in fastboot mode), `cargo xtask run {{name}} -- --trace gpio` (see the LED change).
//!
//! ## What to connect
//!
//! A **1.8 V** USB-serial adapter on the low-speed header: adapter RX to pin 11, adapter TX to
//! pin 13, GND to pin 1; 115200 8N1.
//!
//! ## Expected output
//!
//! ```text
//! {{name}}: hello from my own program
//! LED1 on for 500 ms
//! done, resetting
//! ```

// No standard library and no usual `main`: the runtime in `apq8016-hal` starts the function
// named in `entry!` on the boot core at EL1.
#![no_std]
#![no_main]

// `write!` on the console.
use core::fmt::Write;

use db410c::Board;
// `delay_ms` on the board's `Delay` (polls the Arm generic timer).
use embedded_hal::delay::DelayNs;

/// The first line this program prints (the banner in its expected output).
const GREETING: &str = "{{name}}: hello from my own program";

db410c::entry!(main);

fn main() -> ! {
    // The board's peripherals, set up: console (115200 8N1), LEDs (off), button, delay, ...
    let mut board = Board::take().unwrap();
    let _ = write!(board.console, "\r\n{GREETING}\r\n");

    let _ = write!(board.console, "LED1 on for 500 ms\r\n");
    board.led1.set_high();
    board.delay.delay_ms(500);
    board.led1.set_low();

    // Let the last byte leave the UART before the reset cuts the power.
    let _ = write!(board.console, "done, resetting\r\n");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
