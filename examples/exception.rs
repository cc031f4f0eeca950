//! # exception: what an unexpected CPU exception looks like
//!
//! Prints a line, then executes an undefined instruction (`UDF #0`). The CPU takes a
//! synchronous exception; the runtime's handler prints the exception class by name and the
//! syndrome (ESR), fault address (FAR), return address (ELR, pointing at the `UDF`) and saved
//! state (SPSR), then resets the board through PS_HOLD.
//!
//! ## What to connect
//!
//! A **1.8 V** USB-serial adapter on the low-speed header: adapter RX to pin 11, adapter TX to
//! pin 13, GND to pin 1; 115200 8N1.
//!
//! ## Expected output
//!
//! ```text
//! exception example: executing an undefined instruction
//! *** exception: synchronous (current EL): undefined instruction (unknown reason)
//! *** ESR=0x0000000002000000 FAR=0x................ ELR=0x00000000800..... SPSR=0x00000000000003c5
//! *** resetting (PS_HOLD)
//! ```
//!
//! (ESR class 0 is what the architecture reports for an undefined instruction; FAR is not
//! meaningful for this class. SPSR 0x3c5 = EL1h with interrupts masked, as the runtime runs.)

#![no_std]
#![no_main]

use db410c::{Board, println};

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!("\nexception example: executing an undefined instruction");
    // Let the line leave the UART before the exception: the handler's writer would wait for
    // it anyway, this just keeps the example independent of that detail.
    let _ = board.console.flush();

    // SAFETY: `UDF #0` is permanently undefined; executing it raises a synchronous exception
    // that the runtime's handler reports before resetting. It touches no memory or registers.
    unsafe { core::arch::asm!("udf #0", options(nomem, nostack)) };

    // Not reached: the exception handler resets the board.
    unreachable!("the undefined instruction returned")
}
