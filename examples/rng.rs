//! # rng: random numbers from the hardware PRNG
//!
//! Starts the SoC's pseudo-random number generator (its AHB clock is enabled through the
//! clock controller), prints eight 32-bit words from it, then resets the board.
//!
//! ## What to connect
//!
//! A **1.8 V** USB-serial adapter on the low-speed header: adapter RX to pin 11, adapter TX to
//! pin 13, GND to pin 1; 115200 8N1.
//!
//! ## Expected output
//!
//! ```text
//! rng: 8 words from the hardware PRNG
//! random[0] = 0x........
//! ...
//! random[7] = 0x........
//! resetting
//! ```
//!
//! The words differ from board to board and boot to boot; on the virtual board they depend on
//! `--seed`.

#![no_std]
#![no_main]

use db410c::hal::rng::Rng;
use db410c::{Board, println};

/// How many words to print.
const WORDS: usize = 8;

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!("\nrng: {WORDS} words from the hardware PRNG");

    // The board hands out the PRNG peripheral; the driver needs the clock controller to turn
    // on the PRNG's bus clock. `unwrap`: failure means the clock never came up, a hardware
    // problem worth a panic report.
    let mut rng = Rng::new(board.prng, &mut board.clocks).unwrap();

    for i in 0..WORDS {
        // Each read waits (bounded) until the generator has a fresh word.
        let word = rng.next_u32().unwrap();
        println!("random[{i}] = {word:#010x}");
    }

    println!("resetting");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
