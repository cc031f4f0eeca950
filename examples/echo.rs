//! # echo: reading the console, with its error reports
//!
//! Reads lines from the debug console and sends each one back as `echo: <line>`. Shows the
//! receive side of the UART driver: [`Uart::read_with_timeout`], and what the receive errors
//! look like (overrun, framing) and that reading simply goes on after one.
//!
//! - A line ends with CR or LF; empty lines are ignored, so a terminal that sends CR LF for
//!   Enter gives one line, not two. Lines longer than 128 bytes are echoed in 128-byte pieces.
//!   Nothing is echoed while you type (turn on local echo in your terminal to see it).
//! - A receive error is printed as `uart error: <what the driver says>` and reading goes on.
//!   The driver reports an error before the characters still waiting in the receive FIFO and
//!   loses none of them, so the bytes of the line received before the error are still echoed.
//!   The character that had the error is delivered like any other (the hardware stores it).
//! - **Overrun demonstration**: after printing its prompt, the program deliberately does not
//!   read for 50 ms. Anything sent in that time lands in the 64-character receive FIFO; if you
//!   paste more than 64 characters at once (64 characters take 5.6 ms at 115200 baud), the
//!   rest is lost and the first read reports `uart error: UART receive overrun: ...`,
//!   followed by the 64 characters that were kept.
//! - It stops after a line `quit`, or when nothing arrived for 500 ms, prints `bye` and resets
//!   the board (so be quick, or paste).
//!
//! ## What to connect
//!
//! A **1.8 V** USB-serial adapter on the low-speed expansion header: adapter RX to pin 11
//! (board TX), adapter TX to pin 13 (board RX), GND to pin 1. Open the port at 115200 8N1.
//! Sending a break or using the wrong baud rate or parity in the terminal provokes
//! framing errors.
//!
//! ## Expected output
//!
//! For the input `hello` Enter `world` Enter `quit` Enter:
//!
//! ```text
//! echo: type lines; `quit` or 500 ms of silence ends
//! echo: hello
//! echo: world
//! bye
//! ```
//!
//! On the virtual board: `db410c-emu --input-str 'hello\rworld\rquit\r' <elf>`; add
//! `\e{framing}` before a character to give it a framing error, `\w{N}` to keep the line idle
//! for N ticks of the 19.2 MHz counter.

#![no_std]
#![no_main]

use core::fmt::Write;

use db410c::hal::time::Duration;
use db410c::hal::uart::{Error, Uart};
use db410c::{Board, ConsoleUart};
use embedded_hal::delay::DelayNs;

/// How long the program does not read after its prompt, to show the overrun report.
const OVERRUN_DEMO_PAUSE_MS: u32 = 50;
/// Silence after which the program gives up and resets.
const IDLE_TIMEOUT: Duration = Duration::from_millis(500);
/// Longest line kept; longer ones are echoed in pieces of this size.
const LINE_CAPACITY: usize = 128;
/// The line that ends the program.
const QUIT: &[u8] = b"quit";

db410c::entry!(main);

fn main() -> ! {
    // Take the board: the console runs at 115200 8N1 with its receiver on from here, so what
    // arrives from now on is collected in the UART's receive FIFO even while we do not read.
    let mut board = Board::take().unwrap();
    let console = &mut board.console;
    let _ = write!(
        console,
        "\r\necho: type lines; `quit` or {} ms of silence ends\r\n",
        IDLE_TIMEOUT.as_millis()
    );
    let _ = console.flush();

    // The overrun demonstration: not reading for a while lets the 64-character FIFO fill up.
    board.delay.delay_ms(OVERRUN_DEMO_PAUSE_MS);

    // The line being assembled, and a buffer for what one read returns (a read returns every
    // character already waiting, up to the buffer size, so it can be more than one).
    let mut line = [0u8; LINE_CAPACITY];
    let mut line_len = 0;
    let mut received = [0u8; 16];

    'session: loop {
        match console.read_with_timeout(&mut received, IDLE_TIMEOUT) {
            Ok(count) => {
                for &byte in &received[..count] {
                    match byte {
                        // End of a line: echo it unless it is empty; stop on `quit`.
                        b'\r' | b'\n' => {
                            if line_len == 0 {
                                continue;
                            }
                            if &line[..line_len] == QUIT {
                                break 'session;
                            }
                            echo(console, &line[..line_len]);
                            line_len = 0;
                        }
                        // Any other byte belongs to the line; a full line goes out as it is.
                        _ => {
                            if line_len == LINE_CAPACITY {
                                echo(console, &line);
                                line_len = 0;
                            }
                            line[line_len] = byte;
                            line_len += 1;
                        }
                    }
                }
            }
            // Nothing arrived for IDLE_TIMEOUT: the session is over.
            Err(Error::Timeout) => {
                let _ = write!(console, "no input for {} ms\r\n", IDLE_TIMEOUT.as_millis());
                break 'session;
            }
            // A receive error (overrun, framing, break...): the driver has already cleared
            // it, and the characters received before it are still in the FIFO. Report it
            // and keep reading; the partial line is kept too.
            Err(error) => {
                let _ = write!(console, "uart error: {error}\r\n");
            }
        }
    }

    // Finish the console output before the reset cuts it off, then reset via PS_HOLD.
    let _ = console.write_all(b"bye\r\n");
    let _ = console.flush();
    board.ps_hold.reset()
}

/// Sends `echo: <line>` and a line end. The bytes go out as received (not necessarily UTF-8).
fn echo(console: &mut Uart<ConsoleUart>, line: &[u8]) {
    let _ = console.write_all(b"echo: ");
    let _ = console.write_all(line);
    let _ = console.write_all(b"\r\n");
}
