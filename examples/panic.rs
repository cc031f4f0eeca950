//! # panic: what a panic looks like
//!
//! Prints a line, then panics on purpose. The runtime's panic handler (feature
//! `panic-handler` of `apq8016-hal`, on by default) writes the location and the message on the
//! console and resets the board through PS_HOLD.
//!
//! ## What to connect
//!
//! A **1.8 V** USB-serial adapter on the low-speed header: adapter RX to pin 11, adapter TX to
//! pin 13, GND to pin 1; 115200 8N1.
//!
//! ## Expected output
//!
//! ```text
//! panic example: about to panic
//! *** panicked at examples/panic.rs:<line>:<column>: deliberate panic, answer = 42
//! *** resetting (PS_HOLD)
//! ```

#![no_std]
#![no_main]

use core::fmt::Write;

use db410c::Board;

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    let _ = write!(board.console, "\r\npanic example: about to panic\r\n");
    // The panic report is written by its own tiny console writer, which waits for anything
    // still queued in the UART, so no flush is needed here.

    // A formatted message, to show that the report includes the arguments.
    let answer = 42;
    panic!("deliberate panic, answer = {answer}");
}
