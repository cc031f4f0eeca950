//! # panic: what a panic looks like
//!
//! Prints a line, then panics on purpose. The board crate's panic handler (feature
//! `panic-handler` of `db410c`, on by default) writes the location and the message on the
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

use db410c::{Board, println};

db410c::entry!(main);

fn main() -> ! {
    // Taking the board sets the console up (115200 8N1); the panic handler prints on the
    // same console whether or not the board was taken.
    let _board = Board::take().unwrap();
    println!("\npanic example: about to panic");
    // The panic report goes through the same console writer as `println!`, one character
    // after the other, so nothing needs flushing here.

    // A formatted message, to show that the report includes the arguments.
    let answer = 42;
    panic!("deliberate panic, answer = {answer}");
}
