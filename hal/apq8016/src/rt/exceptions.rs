//! Exception handlers: any exception reaching them is unexpected, so they print a report on
//! the console (see [`crate::console`]) and reset the board.
//!
//! Report format (lines end with CR LF on the wire):
//!
//! ```text
//! *** exception: synchronous (current EL): brk instruction
//! *** ESR=0x00000000f2000000 FAR=0x0000000000000000 ELR=0x0000000080080a1c SPSR=0x00000000000003c5
//! *** resetting (PS_HOLD)
//! ```
//!
//! The handlers are registered in aarch64-rt's vector table for EL1 by
//! `aarch64_rt::exception_handlers!`. An IRQ taken at the current EL (SP0 or SPx) goes to the
//! interrupt dispatcher ([`crate::interrupt::dispatch()`]); only an interrupt it has no handler
//! for is reported (`*** exception: unexpected IRQ (current EL): interrupt <id> has no
//! handler`). FIQs (the secure side's) and IRQs from a lower EL (there is none) are reported
//! as unexpected.
//!
//! A fault *inside* a report (e.g. the console itself faulting) would recurse; a flag makes
//! the second report skip printing and reset immediately.

use core::sync::atomic::{AtomicBool, Ordering};

use aarch64_cpu::registers::{ESR_EL1, FAR_EL1, Readable};
use aarch64_rt::{ExceptionHandlers, RegisterStateRef};

use super::{esr, reset_after_report};
use crate::console;

/// Set by the first report; a nested exception then resets without printing.
static REPORTING: AtomicBool = AtomicBool::new(false);

/// Kind of exception, for the report's first line.
#[derive(Clone, Copy)]
enum Kind {
    Synchronous,
    Irq,
    Fiq,
    SError,
}

fn report(kind: Kind, origin: &str, state: &RegisterStateRef) -> ! {
    report_with_detail(kind, origin, None, state)
}

/// `report`, with the interrupt ID of an IRQ nobody handles on the first line.
fn report_with_detail(
    kind: Kind,
    origin: &str,
    unhandled_interrupt: Option<u16>,
    state: &RegisterStateRef,
) -> ! {
    if REPORTING.swap(true, Ordering::AcqRel) {
        reset_after_report();
    }
    let esr = ESR_EL1.get();
    let far = FAR_EL1.get();
    let mut out = console::lock_for_report();
    let kind_name = match kind {
        Kind::Synchronous => "synchronous",
        Kind::Irq => "unexpected IRQ",
        Kind::Fiq => "unexpected FIQ",
        Kind::SError => "SError",
    };
    out.write_text("\n*** exception: ");
    out.write_text(kind_name);
    out.write_text(" (");
    out.write_text(origin);
    out.write_text(")");
    if let Kind::Synchronous | Kind::SError = kind {
        out.write_text(": ");
        out.write_text(esr::exception_class_name(esr::exception_class(esr)));
        if esr::is_write_abort(esr) {
            out.write_text(" on write");
        }
    }
    if let Some(id) = unhandled_interrupt {
        // Decimal without core::fmt: the report must not pull it into every image.
        out.write_text(": interrupt ");
        out.write_decimal(u64::from(id));
        out.write_text(" has no handler");
    }
    for (name, value) in [
        ("\n*** ESR=", esr),
        (" FAR=", far),
        (" ELR=", state.elr as u64),
        (" SPSR=", state.spsr),
    ] {
        out.write_text(name);
        out.write_hex(value);
    }
    out.write_text("\n*** resetting (PS_HOLD)\n");
    out.flush();
    reset_after_report()
}

/// The runtime's exception handlers (all report and reset).
pub struct Exceptions;

impl ExceptionHandlers for Exceptions {
    extern "C" fn sync_current(state: RegisterStateRef) {
        report(Kind::Synchronous, "current EL", &state)
    }
    extern "C" fn irq_current(state: RegisterStateRef) {
        if let Err(id) = crate::interrupt::dispatch() {
            report_with_detail(Kind::Irq, "current EL", Some(id), &state)
        }
    }
    extern "C" fn fiq_current(state: RegisterStateRef) {
        report(Kind::Fiq, "current EL", &state)
    }
    extern "C" fn serror_current(state: RegisterStateRef) {
        report(Kind::SError, "current EL", &state)
    }
    extern "C" fn sync_lower(state: RegisterStateRef) {
        report(Kind::Synchronous, "lower EL", &state)
    }
    extern "C" fn irq_lower(state: RegisterStateRef) {
        report(Kind::Irq, "lower EL", &state)
    }
    extern "C" fn fiq_lower(state: RegisterStateRef) {
        report(Kind::Fiq, "lower EL", &state)
    }
    extern "C" fn serror_lower(state: RegisterStateRef) {
        report(Kind::SError, "lower EL", &state)
    }
}

aarch64_rt::exception_handlers!(Exceptions);
