//! # sgi: software-generated interrupts, the priority mask, and an interrupt nobody handles
//!
//! A core can interrupt itself (or other cores) with a software-generated interrupt (SGI,
//! IDs 0–15). This example sends SGIs to its own core:
//!
//! 1. SGI 1 with IRQs unmasked: the handler runs at once;
//! 2. inside a critical section, which masks IRQs: the handler runs only when it ends;
//! 3. with the GIC's priority mask set so that only interrupts more urgent than SGI 1's
//!    priority get through: SGI 1 stays pending, the handler does not run, until the mask is
//!    opened again;
//! 4. to show what the runtime does with a programming error, SGI 2 is enabled and sent
//!    without a handler: the runtime reports it on the console like any unexpected
//!    exception and resets the board.
//!
//! On the way, SGI 8 is refused: under the secure firmware (TF-A) SGIs 8–15 belong to the
//! secure world, and the GIC keeps them disabled for us.
//!
//! ## What to connect
//!
//! Only the console: a **1.8 V** USB-serial adapter on the low-speed header, adapter RX to
//! pin 11, adapter TX to pin 13, GND to pin 1; 115200 8N1.
//!
//! ## Expected output
//!
//! ```text
//! sgi: software-generated interrupts to this core
//! SGI 8 refused: the GIC kept interrupt 8 off
//! sent SGI 1: handler ran 1 time(s)
//! critical section: handler ran 1 time(s) inside, 2 after
//! masked: SGI 1 pending, handler ran 2 time(s)
//! unmasked: handler ran 3 time(s)
//! sending SGI 2, which has no handler
//!
//! *** exception: unexpected IRQ (current EL): interrupt 2 has no handler
//! ```
//!
//! (The report goes on with the registers and `*** resetting (PS_HOLD)`;
//! `cargo xtask run sgi` exits with 102, the code for an unexpected exception.)

#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use db410c::hal::interrupt::{self, InterruptId, Priority, SgiTarget};
use db410c::hal::time::Duration;
use db410c::{Board, println};

/// Times the SGI 1 handler ran.
static SGI1_TAKEN: AtomicU32 = AtomicU32::new(0);

fn on_sgi1() {
    SGI1_TAKEN.fetch_add(1, Ordering::Relaxed);
}

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    let interrupts = &mut board.interrupts;
    println!("\nsgi: software-generated interrupts to this core");

    // SGIs 8..15 are the secure world's: the enable bit does not stick.
    let secure_sgi = InterruptId::sgi(8).unwrap();
    if let Err(e) = interrupts.enable(secure_sgi) {
        println!("SGI 8 refused: {e}");
    }

    // 1. SGI 1 with a handler, at the default priority, IRQs unmasked.
    let sgi1 = InterruptId::sgi(1).unwrap();
    interrupts.set_handler(sgi1, on_sgi1).unwrap();
    interrupts.set_priority(sgi1, Priority::DEFAULT).unwrap();
    interrupts.enable(sgi1).unwrap();
    // SAFETY: not inside a critical section; the only enabled SGI has its handler.
    unsafe { interrupt::enable_irq() };
    interrupts.send_sgi(sgi1, SgiTarget::ThisCore).unwrap();
    // The GIC signals it a few instructions later: sleep until the handler has run.
    // (`wait_until` checks with IRQs masked, so the interrupt cannot slip in between the
    // check and the sleep.)
    interrupt::wait_until(|| SGI1_TAKEN.load(Ordering::Relaxed) == 1);
    println!(
        "sent SGI 1: handler ran {} time(s)",
        SGI1_TAKEN.load(Ordering::Relaxed)
    );

    // 2. Inside a critical section IRQs are masked on this core: the SGI waits until the
    //    section ends. (The runtime's `critical_section` implementation also takes a lock
    //    against the other cores.)
    let taken_inside = critical_section::with(|_| {
        interrupts.send_sgi(sgi1, SgiTarget::ThisCore).unwrap();
        // Plenty of time for the GIC to signal it.
        board.delay.delay(Duration::from_micros(100));
        SGI1_TAKEN.load(Ordering::Relaxed)
    });
    interrupt::wait_until(|| SGI1_TAKEN.load(Ordering::Relaxed) == 2);
    println!(
        "critical section: handler ran {taken_inside} time(s) inside, {} after",
        SGI1_TAKEN.load(Ordering::Relaxed)
    );

    // 3. Only interrupts more urgent than DEFAULT get through: SGI 1 waits, pending.
    interrupts.set_priority_threshold(Some(Priority::DEFAULT));
    interrupts.send_sgi(sgi1, SgiTarget::ThisCore).unwrap();
    let pending = interrupts.is_pending(sgi1).unwrap();
    println!(
        "masked: SGI 1 {}, handler ran {} time(s)",
        if pending { "pending" } else { "not pending" },
        SGI1_TAKEN.load(Ordering::Relaxed)
    );
    // Open the mask: the pending SGI is taken now.
    interrupts.set_priority_threshold(None);
    interrupt::wait_until(|| SGI1_TAKEN.load(Ordering::Relaxed) == 3);
    println!(
        "unmasked: handler ran {} time(s)",
        SGI1_TAKEN.load(Ordering::Relaxed)
    );

    // 4. A programming error: an enabled interrupt without a handler.
    let sgi2 = InterruptId::sgi(2).unwrap();
    interrupts.enable(sgi2).unwrap();
    println!("sending SGI 2, which has no handler");
    let _ = board.console.flush();
    interrupts.send_sgi(sgi2, SgiTarget::ThisCore).unwrap();
    // Not reached: the runtime reports the interrupt and resets.
    loop {
        interrupt::wait_for_interrupt();
    }
}
