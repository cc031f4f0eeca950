//! Reference solution of the lab `periodic_timer` (labs/periodic_timer/README.md): each edge
//! is scheduled from the start time (start + n half periods), never from the previous edge,
//! so the time the loop itself takes does not add up.

#![no_std]
#![no_main]

use db410c::hal::gpio::{Level, Output, OutputConfig};
use db410c::hal::time::{Duration, Instant};
use db410c::{Board, println};

/// Half a period of the 20 Hz wave: the time between two edges.
const HALF_PERIOD: Duration = Duration::from_millis(25);
/// Edges to give: 20 periods (one second).
const EDGES: u32 = 40;

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!("periodic_timer: 20 Hz on GPIO-A (LS 23) for 1 s");

    let mut wave = Output::new(board.header.gpio_a, Level::Low, OutputConfig::default());

    let start = Instant::now();
    for edge in 0..EDGES {
        // Edge n is due n half periods after the start, whatever the loop cost before.
        let due = start + HALF_PERIOD * edge;
        while Instant::now() < due {
            core::hint::spin_loop();
        }
        wave.toggle();
    }

    println!("periodic_timer: done");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
