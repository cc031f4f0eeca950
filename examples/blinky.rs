//! # blinky: the two user LEDs, alternating
//!
//! Blinks user LED 1 (TLMM GPIO 21) and user LED 2 (TLMM GPIO 120) alternately, five cycles of
//! 100 ms per LED, timed with the Arm generic timer, then resets the board.
//!
//! ## What to connect
//!
//! Nothing for the LEDs: they are on the board (the green LEDs marked 1 and 2 near the USB
//! connectors). For the console messages: a **1.8 V** USB-serial adapter on the low-speed
//! header, adapter RX to pin 11, adapter TX to pin 13, GND to pin 1; 115200 8N1.
//!
//! ## Expected output
//!
//! ```text
//! blinky: LED1/LED2 alternating, 5 cycles of 2 x 100 ms
//! cycle 1
//! cycle 2
//! cycle 3
//! cycle 4
//! cycle 5
//! done, resetting
//! ```
//!
//! On the virtual board, `--trace gpio` shows the pad changes with their time stamps
//! (1 920 000 ticks = 100 ms at 19.2 MHz apart).

#![no_std]
#![no_main]

// `DelayNs` is the embedded-hal trait that gives `delay_ms`; the board's `Delay` implements it
// by polling the generic timer.
use db410c::{Board, println};
use embedded_hal::delay::DelayNs;

/// How many on/off cycles to show before resetting.
const CYCLES: u32 = 5;
/// How long each LED stays lit.
const ON_TIME_MS: u32 = 100;

db410c::entry!(main);

fn main() -> ! {
    // Set up the board: LEDs become push-pull outputs, initially off (low).
    let mut board = Board::take().unwrap();
    // `println!` writes to the board's console (a `\n` goes out as "\r\n").
    println!("\nblinky: LED1/LED2 alternating, {CYCLES} cycles of 2 x {ON_TIME_MS} ms");

    for cycle in 1..=CYCLES {
        println!("cycle {cycle}");

        // LED1 on, LED2 off (both are active high: driving the pad high lights the LED).
        board.led1.set_high();
        board.led2.set_low();
        board.delay.delay_ms(ON_TIME_MS);

        // And the other way round.
        board.led1.set_low();
        board.led2.set_high();
        board.delay.delay_ms(ON_TIME_MS);
    }

    // Leave both LEDs off, finish the console output, and reset.
    board.led2.set_low();
    println!("done, resetting");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
