//! # defmt_hello: compact binary logging with defmt
//!
//! Logs a few messages with [defmt](https://defmt.ferrous-systems.com): the firmware sends only
//! an index into a string table plus the raw argument bytes, and the host looks the format
//! string up in the ELF and formats the message. The console carries these binary frames and
//! ordinary text side by side; `cargo xtask run defmt_hello` tells them apart and decodes the
//! frames (see `docs/defmt.md` for the wire format).
//!
//! Shows:
//! - `defmt::info!` / `warn!` with formatted values (integers, a hex display hint, a `bool`,
//!   an array) and the timestamp in microseconds since power-on that the HAL adds to every
//!   message;
//! - a `defmt::debug!` message that is **filtered out at compile time**: the examples build with
//!   `DEFMT_LOG=info` unless you set `DEFMT_LOG` yourself (try `DEFMT_LOG=debug`), and a
//!   filtered message costs neither code nor time;
//! - plain text through the console driver in between.
//!
//! Build: `cargo build -p db410c-examples --release --target aarch64-unknown-none
//! --example defmt_hello --features defmt` (the feature turns on the HAL's global logger).
//!
//! ## What to connect
//!
//! As for `hello`: a **1.8 V** USB-serial adapter on the low-speed expansion header, adapter RX
//! to pin 11 (board TX), adapter TX to pin 13 (board RX), GND to pin 1, 115200 8N1. A plain
//! terminal shows the text lines and some binary noise for the defmt frames; decode the captured
//! bytes with `cargo xtask` (docs/defmt.md).
//!
//! ## Expected output (decoded)
//!
//! ```text
//! 0.000021 [INFO ] defmt_hello: logging over the console UART (examples/defmt_hello.rs:50)
//! plain text from the console driver
//! 0.006729 [INFO ] generic timer: 19200000 Hz, 4 cores, sum of [1, 2, 3, 4] = 10 (examples/defmt_hello.rs:63)
//! 0.006890 [INFO ] status register 0x000000c8, console ready: true (examples/defmt_hello.rs:71)
//! 0.006981 [WARN ] about to reset the board through PS_HOLD (examples/defmt_hello.rs:77)
//! ```
#![no_std]
#![no_main]

use core::fmt::Write;

use db410c::Board;
use db410c::hal::time;

db410c::entry!(main);

fn main() -> ! {
    // defmt works before any driver exists: the logger writes to the console registers
    // directly, relying on the boot firmware having left the console running.
    defmt::info!("defmt_hello: logging over the console UART");

    let mut board = Board::take().unwrap();

    // This one is compiled out with the default DEFMT_LOG=info.
    defmt::debug!("board taken, {=u32} baud", board.console.baudrate());

    // Plain text and defmt frames can alternate on the same console.
    let _ = write!(board.console, "plain text from the console driver\r\n");
    let _ = board.console.flush();

    let values = [1u8, 2, 3, 4];
    let sum: u32 = values.iter().map(|&v| u32::from(v)).sum();
    defmt::info!(
        "generic timer: {=u32} Hz, {=usize} cores, sum of {=[u8]} = {=u32}",
        time::ticks_per_second(),
        4,
        values[..],
        sum
    );
    // `:#010x` is a display hint: the value travels as 4 bytes, the host formats it.
    defmt::info!(
        "status register {=u32:#010x}, console ready: {=bool}",
        0xC8,
        board.console.write_ready()
    );

    defmt::warn!("about to reset the board through PS_HOLD");
    // Nothing to flush on the defmt side: every frame has been handed to the UART FIFO when the
    // macro returns. Wait until the FIFO has drained, then reset.
    let _ = board.console.flush();
    board.ps_hold.reset()
}
