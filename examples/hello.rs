//! # hello: first words on the console
//!
//! Prints a banner with the chip and board names, the exception level the program runs at
//! (the runtime always drops to EL1) and the frequency of the Arm generic timer, then resets
//! the board.
//!
//! ## What to connect
//!
//! A **1.8 V** USB-serial adapter on the low-speed expansion header: adapter RX to pin 11
//! (board TX), adapter TX to pin 13 (board RX), GND to pin 1. Open the port at 115200 8N1,
//! then boot the image (e.g. `fastboot boot` of an Android boot image containing it).
//!
//! ## Expected output
//!
//! ```text
//! Hello from the DragonBoard 410c!
//! chip: Qualcomm APQ8016E (Snapdragon 410E), 4x Cortex-A53
//! running at EL1
//! generic timer: 19200000 Hz
//! resetting
//! ```

// No standard library (there is no OS) and no `main` in the usual sense: the runtime in
// `apq8016-hal` provides the entry point, which calls the function named in `entry!`.
#![no_std]
#![no_main]

use db410c::hal::{rt, time};
use db410c::{BOARD_NAME, Board, CHIP_NAME, println_plain};

// Tell the runtime which function is the program. It runs on the boot core at EL1, with the
// MMU and caches on, `.bss` zeroed and a 64 KiB stack; the board's console is selected, so
// printing works from the first line.
db410c::entry!(main);

fn main() -> ! {
    // Take the board's peripherals and set them up: this configures the console UART
    // (115200 8N1 on LS pins 11/13) among other things. It can only fail if called twice or if
    // the console clock cannot be set, so a panic (which also reports on the console) is fine.
    // The other examples write `Board::take().unwrap()`, whose report also says which of the
    // two happened; that goes through Rust's formatting machinery (`core::fmt`, about 2.5 KiB
    // of code), which this smallest program leaves out (see below).
    let Ok(board) = Board::take() else {
        panic!("the board could not be set up");
    };

    // `println_plain!` writes strings and unsigned integers to the board's console, one after
    // the other; every `\n` goes out as "\r\n", the line end a serial terminal expects. It
    // never fails: if the UART were stuck, the text would be dropped after a short timeout
    // rather than hang the program. `println!("\nHello from the {BOARD_NAME}!")` prints the
    // same and takes any format string, but brings `core::fmt` in: hello stays under 8 KiB
    // of code without it.
    println_plain!("\nHello from the ", BOARD_NAME, "!");
    println_plain!("chip: ", CHIP_NAME);

    // `CurrentEL` tells the exception level: the runtime's start code drops from EL2 to EL1
    // when the boot chain entered at EL2, so this is always 1.
    println_plain!("running at EL", rt::current_el());

    // The generic timer's frequency, as the boot firmware programmed CNTFRQ_EL0 (19.2 MHz on
    // this SoC). `Instant`, `Delay` and all timeouts in the HAL count in these ticks.
    println_plain!("generic timer: ", time::ticks_per_second(), " Hz");

    // Say goodbye and wait until the last byte has left the UART, otherwise the reset would
    // cut it off.
    println_plain!("resetting");
    db410c::console::flush();

    // Release PS_HOLD: the PMIC resets the board (and the virtual board ends the run).
    board.ps_hold.reset()
}
