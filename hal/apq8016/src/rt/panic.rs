//! The panic handler (cargo feature `panic-handler`, on by default): prints
//! `*** panicked at <file>:<line>:<col>: <message>` on the debug console, then resets the board
//! through PS_HOLD.
//!
//! Interrupts are masked first so nothing interleaves with the report on this core. If another
//! core panics at the same time, both reports may interleave on the wire; the first to finish
//! resets the whole SoC. A panic while formatting a panic report resets without printing.

use core::fmt::Write;
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering};

use super::console::{ReportConsole, reset_after_report};

/// Set by the first panic on any core.
static PANICKING: AtomicBool = AtomicBool::new(false);

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
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
    let mut out = ReportConsole::new();
    let _ = out.write_str("\n*** panicked at ");
    match info.location() {
        Some(location) => {
            let _ = write!(
                out,
                "{}:{}:{}",
                location.file(),
                location.line(),
                location.column()
            );
        }
        None => {
            let _ = out.write_str("<unknown location>");
        }
    }
    let _ = write!(out, ": {}\n*** resetting (PS_HOLD)\n", info.message());
    out.flush();
    reset_after_report()
}
