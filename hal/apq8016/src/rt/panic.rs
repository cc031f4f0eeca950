//! The panic report: `*** panicked at <file>:<line>:<col>: <message>` on the console (see
//! [`crate::console`]), then a reset through PS_HOLD.
//!
//! [`report_panic`] is what a `#[panic_handler]` calls. The board crate's handler (`db410c`,
//! feature `panic-handler`, on by default) uses it; this crate registers one itself only with
//! its own feature `panic-handler` (off by default), for programs without a board crate.
//! Enable at most one of the two, or bring your own handler.
//!
//! Interrupts are masked first so nothing interleaves with the report on this core; the
//! console lock keeps other cores' console output apart. If another core panics at the same
//! time, the first to finish resets the whole SoC. A panic while formatting a panic report
//! resets without printing.

use core::fmt::Write;
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering};

use super::reset_after_report;
use crate::console;

/// Set by the first panic on any core.
static PANICKING: AtomicBool = AtomicBool::new(false);

/// Prints the panic report on the console and resets the board.
pub fn report_panic(info: &PanicInfo<'_>) -> ! {
    // SAFETY: only sets the D, A, I, F mask bits of this core; the panic path never unmasks.
    unsafe {
        core::arch::asm!(
            "msr daifset, #0xf",
            options(nomem, nostack, preserves_flags)
        )
    };
    if PANICKING.swap(true, Ordering::AcqRel) {
        reset_after_report();
    }
    let mut out = console::lock_for_report();
    // Only the message goes through `core::fmt` (and only when it has arguments): the rest is
    // written directly, which keeps the formatting machinery for strings and padding out of
    // programs that do not use it themselves.
    out.write_text("\n*** panicked at ");
    match info.location() {
        Some(location) => {
            out.write_text(location.file());
            out.write_text(":");
            out.write_decimal(location.line().into());
            out.write_text(":");
            out.write_decimal(location.column().into());
        }
        None => out.write_text("<unknown location>"),
    }
    out.write_text(": ");
    let message = info.message();
    match message.as_str() {
        Some(text) => out.write_text(text),
        None => {
            let _ = write!(out, "{message}");
        }
    }
    out.write_text("\n*** resetting (PS_HOLD)\n");
    out.flush();
    reset_after_report()
}

#[cfg(feature = "panic-handler")]
#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    report_panic(info)
}
