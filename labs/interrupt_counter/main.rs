//! Lab `interrupt_counter`: count button presses by interrupt, the CPU asleep in between.
//! The task: `labs/interrupt_counter/README.md`. Check your work with
//! `cargo xtask lab check interrupt_counter`.
//!
//! This starting point builds and runs and counts the presses right, but it polls: the CPU
//! runs flat out for two seconds. Make the button raise an interrupt, count in its handler,
//! and let `main` sleep until there is something to print.

#![no_std]
#![no_main]

use db410c::hal::time::{Duration, Instant};
use db410c::{Board, println};

/// How long the program counts presses.
const RUN_TIME: Duration = Duration::from_millis(2000);

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!("interrupt_counter: counting volume-up presses for 2 s");

    let end = Instant::now() + RUN_TIME;
    let mut presses = 0u32;
    let mut was_pressed = false;
    // Polling: read the button over and over, and act on each change from released to pressed.
    while Instant::now() < end {
        let pressed = board.volume_up.is_pressed();
        if pressed && !was_pressed {
            presses += 1;
            board.led1.toggle();
            println!("press {presses}");
        }
        was_pressed = pressed;
    }

    println!("presses: {presses}");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
