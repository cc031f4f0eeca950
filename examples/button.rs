//! # button: the volume-up button mirrored on LED 1
//!
//! Polls the volume-up button (S3, TLMM GPIO 107) every millisecond for one second and
//! mirrors it on user LED 1 (TLMM GPIO 21): lit while the button is held. Each change is
//! printed with the time it was seen, read from the Arm generic timer (milliseconds since
//! the counter started, i.e. roughly since power-on). After the second it prints `done` and
//! resets the board.
//!
//! The button is active low: it connects the pad to ground, and the pad's internal pull-up
//! (enabled by `Board::take`) holds it high otherwise. There is no debouncing; a real button
//! may bounce for a few milliseconds, which shows as extra `pressed`/`released` pairs.
//!
//! ## What to connect
//!
//! Nothing for the button and the LED: both are on the board (S3 "VOL+" next to the power
//! button; LED 1 is the green LED marked 1 near the USB connectors). For the console: a
//! **1.8 V** USB-serial adapter on the low-speed header, adapter RX to pin 11, adapter TX to
//! pin 13, GND to pin 1; 115200 8N1. Press the button within a second of the start.
//!
//! ## Expected output
//!
//! ```text
//! button: mirroring volume-up on LED1 for 1000 ms
//! pressed at 200 ms
//! released at 500 ms
//! done
//! ```
//!
//! On the virtual board, `--press 107@200ms:500ms` holds the button from 200 ms to 500 ms of
//! virtual time (plain numbers are ticks of the 19.2 MHz counter), and `--trace gpio` shows
//! LED 1 following it.

#![no_std]
#![no_main]

use db410c::hal::time::{Duration, Instant, ticks_per_second};
use db410c::{Board, println};
use embedded_hal::delay::DelayNs;

/// How long the program watches the button.
const RUN_TIME: Duration = Duration::from_millis(1000);
/// Time between two looks at the button.
const POLL_PERIOD_MS: u32 = 1;

db410c::entry!(main);

fn main() -> ! {
    // Take the board: GPIO 107 becomes an input with pull-up, LED 1 an output, off.
    let mut board = Board::take().unwrap();
    println!(
        "\nbutton: mirroring volume-up on LED1 for {} ms",
        RUN_TIME.as_millis()
    );

    // Time is measured from here with the generic timer.
    let start = Instant::now();
    // Start from "released", so a button already held at the start is reported too.
    let mut was_pressed = false;

    while start.elapsed() < RUN_TIME {
        // Read the pad once per period; report and mirror only changes.
        let pressed = board.volume_up.is_pressed();
        if pressed != was_pressed {
            was_pressed = pressed;
            // LED 1 is active high: lit while the button is held.
            if pressed {
                board.led1.set_high();
            } else {
                board.led1.set_low();
            }
            let what = if pressed { "pressed" } else { "released" };
            // A line is shorter than the 64-character TX FIFO, so this does not wait for
            // the line and the polling period stays steady.
            println!("{what} at {} ms", millis_now());
        }
        board.delay.delay_ms(POLL_PERIOD_MS);
    }

    // Leave the LED off, finish the console output, and reset.
    board.led1.set_low();
    println!("done");
    let _ = board.console.flush();
    board.ps_hold.reset()
}

/// The generic timer's count, in milliseconds (rounded down).
fn millis_now() -> u64 {
    Instant::now().ticks() * 1000 / u64::from(ticks_per_second().max(1))
}
