//! # interrupt_latency: what an interrupt costs, in instructions
//!
//! The program interrupts itself eight times with a software-generated interrupt (SGI 0, sent
//! to this core through the GIC's `GICD_SGIR`) and waits in a small loop until the handler has
//! run. Nothing is printed about the timing: `cargo xtask bench` runs it on the virtual board,
//! where one instruction is one tick of the 19.2 MHz counter, and reads the ticks off the
//! board's trace (`--trace irq` for the moment the GIC raises the core's IRQ line,
//! `--trace-pc` for the moment the handler's first instruction and the interrupted loop's
//! next instruction run). It reports:
//!
//! - **entry**: instructions from the line asserting to the handler's first instruction (the
//!   exception vector, the runtime saving registers, the dispatcher acknowledging the GIC and
//!   looking the handler up);
//! - **exit**: instructions from the handler's return to the interrupted code's next
//!   instruction (end of interrupt, registers restored, `ERET`).
//!
//! The handler [`irq_latency_handler`] and the loop `irq_latency_resume` have fixed symbol names
//! so the bench can find them in the ELF. The handler has no branch, so its return is its last
//! instruction.
//!
//! ## What to connect
//!
//! Only the console: a **1.8 V** USB-serial adapter on the low-speed header, adapter RX to
//! pin 11, adapter TX to pin 13, GND to pin 1; 115200 8N1.
//!
//! ## Expected output
//!
//! ```text
//! interrupt_latency: 8 SGIs sent to this core, 8 handled
//! ```

#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use db410c::hal::interrupt::{self, InterruptId};
use db410c::{Board, println};

/// How many interrupts are measured.
const SAMPLES: u32 = 8;
/// The SGI used.
const SGI: u16 = 0;
/// `GICD_SGIR` (GIC distributor base 0x0B00_0000 + 0xF00, docs/hardware/gic-timers.md).
const GICD_SGIR: usize = 0x0B00_0F00;
/// `GICD_SGIR` value: target list filter 0b10 ("this core only", bits 25:24), SGI ID in 3:0.
const SGIR_THIS_CORE: u32 = 0b10 << 24 | SGI as u32;

/// How many times the handler ran; only the handler writes it.
static HANDLED: AtomicU32 = AtomicU32::new(0);

/// The measured handler: one load, one add, one store (no branch, so the bench knows its
/// last instruction). Only the handler writes `HANDLED`, so load-then-store is enough.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn irq_latency_handler() {
    HANDLED.store(HANDLED.load(Ordering::Relaxed) + 1, Ordering::Release);
}

// `irq_latency_send_and_wait(sgir, value, handled, before)`: writes `value` to `GICD_SGIR`,
// then loops at `irq_latency_resume` until `*handled` differs from `before`. The IRQ is taken
// at a block boundary, with the loop's first instruction as the return address.
core::arch::global_asm!(
    ".global irq_latency_send_and_wait",
    ".type irq_latency_send_and_wait, %function",
    "irq_latency_send_and_wait:",
    "    str w1, [x0]",
    ".global irq_latency_resume",
    "irq_latency_resume:",
    "    ldr w4, [x2]",
    "    cmp w4, w3",
    "    b.eq irq_latency_resume",
    "    ret",
    ".size irq_latency_send_and_wait, . - irq_latency_send_and_wait",
);

unsafe extern "C" {
    /// See the assembly above.
    fn irq_latency_send_and_wait(
        sgir: *mut u32,
        value: u32,
        handled: *const AtomicU32,
        before: u32,
    );
}

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    let sgi = InterruptId::sgi(SGI).unwrap();
    board
        .interrupts
        .set_handler(sgi, irq_latency_handler)
        .unwrap();
    board.interrupts.enable(sgi).unwrap();
    // SAFETY: not inside a critical section; the only enabled interrupt has its handler.
    unsafe { interrupt::enable_irq() };

    for _ in 0..SAMPLES {
        let before = HANDLED.load(Ordering::Acquire);
        // SAFETY: `GICD_SGIR` is the distributor's write-only SGI register (device memory,
        // mapped by the runtime); the value sends SGI 0 to this core, whose handler is set and
        // enabled; `HANDLED` is a static, valid for the loop's loads.
        unsafe {
            irq_latency_send_and_wait(GICD_SGIR as *mut u32, SGIR_THIS_CORE, &HANDLED, before)
        };
    }
    interrupt::disable_irq();

    println!(
        "\ninterrupt_latency: {SAMPLES} SGIs sent to this core, {} handled",
        HANDLED.load(Ordering::Acquire)
    );
    let _ = board.console.flush();
    board.ps_hold.reset()
}
