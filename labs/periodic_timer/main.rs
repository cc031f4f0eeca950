//! Lab `periodic_timer`: a precise 20 Hz square wave on the low-speed header's GPIO-A. The
//! task: `labs/periodic_timer/README.md`. Check your work with
//! `cargo xtask lab check periodic_timer`.
//!
//! This starting point builds and runs and gives the right number of edges, but its timing
//! drifts: find out why, and make every edge land on time.

#![no_std]
#![no_main]

use db410c::hal::gpio::{Level, Output, OutputConfig};
use db410c::{Board, println};
use embedded_hal::delay::DelayNs;

/// Half a period of the 20 Hz wave: the time between two edges.
const HALF_PERIOD_MS: u32 = 25;
/// Edges to give: 20 periods (one second).
const EDGES: u32 = 40;

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!("periodic_timer: 20 Hz on GPIO-A (LS 23) for 1 s");

    // GPIO-A (low-speed header pin 23, TLMM GPIO 36) as a push-pull output, low.
    let mut wave = Output::new(board.header.gpio_a, Level::Low, OutputConfig::default());

    for edge in 1..=EDGES {
        wave.toggle();
        println!("edge {edge}");
        board.delay.delay_ms(HALF_PERIOD_MS);
    }

    println!("periodic_timer: done");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
