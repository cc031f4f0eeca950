//! # uart_irq_echo: console input by interrupt, nothing lost while the program is busy
//!
//! The UART keeps at most 64 received characters in its FIFO: at 115200 baud that is 5.6 ms
//! of input. A program that reads by polling and is busy for longer loses characters (the
//! `echo` example shows the overrun report). Here the UART's receive interrupt moves each
//! character into a 512-byte buffer in RAM as it arrives (`RxBuffer`, `InterruptRx`), so
//! the program may be busy for much longer. Three rounds, each waiting for you to paste text:
//!
//! 1. **By interrupt, blocking**: read what the buffer holds (sleeping in `WFI` while it is
//!    empty), echo it, then be busy for 10 ms (a loop that never reads). Ends at Ctrl-D.
//! 2. **By interrupt, async**: the same with `embedded-io-async` `read` and `write` on the
//!    same buffer, run by a ten-line `block_on` that sleeps in `WFE` and is woken by `SEV`
//!    (the interrupt handler wakes the task's waker). Ends at Ctrl-D.
//! 3. **Polled** (for comparison): the same busy loop reading the UART directly. It cannot
//!    keep up: the FIFO overflows, the driver reports the overrun, and characters are lost.
//!    It only counts what arrives, and ends after 100 ms without input. (Each read, or
//!    each error report, is followed by the busy time, during which the full FIFO overflows
//!    again: a report does not empty it, so here the kept characters only come through once
//!    the line is quiet.)
//!
//! Errors are reported as the polled driver reports them (`uart error: ...`), in their place
//! among the characters.
//!
//! ## What to connect
//!
//! A **1.8 V** USB-serial adapter on the low-speed header: adapter RX to pin 11, adapter TX to
//! pin 13, GND to pin 1; 115200 8N1. Paste a few hundred characters at each prompt (Ctrl-D
//! after the first two).
//!
//! ## Expected output
//!
//! For the same 354-character paste (six lines) at each prompt, Ctrl-D after the first two:
//!
//! ```text
//! uart_irq_echo: paste, then Ctrl-D (by interrupt, busy 10 ms after each read)
//! paste line 1: the quick brown fox jumps over the lazy dog
//! paste line 2: the quick brown fox jumps over the lazy dog
//! paste line 3: the quick brown fox jumps over the lazy dog
//! paste line 4: the quick brown fox jumps over the lazy dog
//! paste line 5: the quick brown fox jumps over the lazy dog
//! paste line 6: the quick brown fox jumps over the lazy dog
//! by interrupt: 354 bytes echoed, 0 errors
//! uart_irq_echo: paste, then Ctrl-D (async, busy 10 ms after each read)
//! paste line 1: the quick brown fox jumps over the lazy dog
//! paste line 2: the quick brown fox jumps over the lazy dog
//! paste line 3: the quick brown fox jumps over the lazy dog
//! paste line 4: the quick brown fox jumps over the lazy dog
//! paste line 5: the quick brown fox jumps over the lazy dog
//! paste line 6: the quick brown fox jumps over the lazy dog
//! async: 354 bytes echoed, 0 errors
//! uart_irq_echo: paste (polled, busy 10 ms after each read)
//! uart error: UART receive overrun: characters were lost
//! uart error: UART receive overrun: characters were lost
//! uart error: UART receive overrun: characters were lost
//! uart error: UART receive overrun: characters were lost
//! polled: 65 bytes received, 4 errors
//! done
//! ```
//!
//! On the virtual board the check types the paste with `--send-after` at each prompt, at
//! line rate (`cargo xtask test --only uart_irq_echo`).

#![no_std]
#![no_main]

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use db410c::hal::interrupt::{self, InterruptId, Trigger};
use db410c::hal::pac;
use db410c::hal::time::{Duration, Instant};
use db410c::hal::uart::{Error, RxBuffer};
use db410c::{Board, cores, println};

/// How long the program is busy after each read.
const BUSY: Duration = Duration::from_millis(10);
/// Ctrl-D: ends rounds 1 and 2.
const END_OF_TRANSMISSION: u8 = 0x04;
/// Round 3 ends after this much silence (its Ctrl-D could be among the lost characters).
const POLLED_SILENCE: Duration = Duration::from_millis(100);
/// How long round 3 waits for the paste to begin.
const POLLED_FIRST_WAIT: Duration = Duration::from_secs(5);

/// The receive buffer; the interrupt handler fills it, the program reads it.
static CONSOLE_RX: RxBuffer<512> = RxBuffer::new();

/// The console UART's interrupt handler (GIC ID 140, BLSP1 UART2).
fn on_console_interrupt() {
    CONSOLE_RX.on_interrupt();
}

/// Keeps the CPU busy for `time` without reading the UART (the interrupt still comes).
fn busy_for(time: Duration) {
    let end = Instant::now() + time;
    while Instant::now() < end {}
}

/// Runs `future` to completion on this core: poll it; while it is pending, sleep (`WFE`)
/// until an event. Its waker sends the event (`SEV`), so a wake from an interrupt handler or
/// from another core ends the sleep; an event sent between the poll and the `WFE` is not
/// lost (it stays in the core's event register and the `WFE` returns at once).
fn block_on<F: Future>(future: F) -> F::Output {
    fn clone(_: *const ()) -> RawWaker {
        RawWaker::new(core::ptr::null(), &VTABLE)
    }
    fn wake(_: *const ()) {
        cores::send_event();
    }
    fn drop(_: *const ()) {}
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, drop);
    // SAFETY: the vtable's functions ignore the data pointer and have no state, so every
    // contract of `RawWakerVTable` holds (clone gives an equal waker, wake is thread-safe).
    let waker = unsafe { Waker::from_raw(clone(core::ptr::null())) };
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        cores::wait_for_event();
    }
}

/// What one round saw.
#[derive(Default)]
struct Tally {
    bytes: usize,
    errors: usize,
}

impl Tally {
    /// Counts and returns the part of `data` before Ctrl-D, and whether Ctrl-D was in it.
    fn take<'a>(&mut self, data: &'a [u8]) -> (&'a [u8], bool) {
        let end = data.iter().position(|&b| b == END_OF_TRANSMISSION);
        let text = &data[..end.unwrap_or(data.len())];
        self.bytes += text.len();
        (text, end.is_some())
    }

    fn error(&mut self, error: Error) {
        println!("uart error: {error}");
        self.errors += 1;
    }
}

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    // The console's two halves: we write the echo on one and hand the other to the interrupt.
    let (mut tx, rx) = board.console.split();
    let mut rx = rx.into_interrupt_driven(&CONSOLE_RX);

    // The GIC side: the console UART's line, level-triggered, with its handler.
    let uart = InterruptId::from(pac::Interrupt::BLSP1_UART2);
    board
        .interrupts
        .set_handler(uart, on_console_interrupt)
        .unwrap();
    board.interrupts.set_trigger(uart, Trigger::Level).unwrap();
    board.interrupts.enable(uart).unwrap();
    // SAFETY: not inside a critical section; the only enabled line has its handler.
    unsafe { interrupt::enable_irq() };

    let mut buf = [0u8; 256];

    // Round 1: blocking reads from the buffer; busy between them.
    println!("uart_irq_echo: paste, then Ctrl-D (by interrupt, busy 10 ms after each read)");
    // Let the prompt leave the wire before the first read (which may sleep).
    let _ = tx.flush();
    let mut tally = Tally::default();
    loop {
        match rx.read(&mut buf) {
            Ok(n) => {
                let (text, end) = tally.take(&buf[..n]);
                let _ = tx.write_all(text);
                if end {
                    break;
                }
                busy_for(BUSY);
            }
            Err(e) => tally.error(e),
        }
    }
    println!(
        "by interrupt: {} bytes echoed, {} errors",
        tally.bytes, tally.errors
    );

    // Round 2: the same with embedded-io-async, on the same buffer.
    println!("uart_irq_echo: paste, then Ctrl-D (async, busy 10 ms after each read)");
    let _ = tx.flush();
    let tally = block_on(async {
        use embedded_io_async::{Read, Write};
        let mut tally = Tally::default();
        loop {
            match Read::read(&mut rx, &mut buf).await {
                Ok(n) => {
                    let (text, end) = tally.take(&buf[..n]);
                    let _ = Write::write_all(&mut tx, text).await;
                    if end {
                        break tally;
                    }
                    busy_for(BUSY);
                }
                Err(e) => tally.error(e),
            }
        }
    });
    println!(
        "async: {} bytes echoed, {} errors",
        tally.bytes, tally.errors
    );

    // Round 3: polled, for comparison. Interrupts off for the UART; the FIFO alone holds
    // what arrives while the loop is busy.
    let mut rx = rx.into_polled();
    println!("uart_irq_echo: paste (polled, busy 10 ms after each read)");
    let mut tally = Tally::default();
    let mut wait = POLLED_FIRST_WAIT;
    loop {
        match rx.read_with_timeout(&mut buf, wait) {
            Ok(n) => {
                tally.take(&buf[..n]);
            }
            Err(Error::Timeout) => break,
            Err(e) => tally.error(e),
        }
        wait = POLLED_SILENCE;
        busy_for(BUSY);
    }
    println!(
        "polled: {} bytes received, {} errors",
        tally.bytes, tally.errors
    );

    println!("done");
    let _ = tx.flush();
    board.ps_hold.reset()
}
