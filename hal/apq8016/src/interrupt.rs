//! Interrupts: the GICv2 interrupt controller (QGIC2), handler registration and IRQ entry.
//!
//! ```no_run
//! use apq8016_hal::interrupt::{self, InterruptController, InterruptId, Priority, Trigger};
//! use core::sync::atomic::{AtomicU32, Ordering};
//!
//! static UART_INTERRUPTS: AtomicU32 = AtomicU32::new(0);
//!
//! fn on_uart() {
//!     // Runs in IRQ context, with IRQs masked on this core (no nesting).
//!     UART_INTERRUPTS.fetch_add(1, Ordering::Relaxed);
//! }
//!
//! let mut interrupts = InterruptController::take().unwrap(); // initialised, all lines off
//! let uart = InterruptId::from(apq8016_hal::pac::Interrupt::BLSP1_UART2);
//! interrupts.set_handler(uart, on_uart).unwrap();
//! interrupts.set_priority(uart, Priority::DEFAULT).unwrap();
//! interrupts.set_trigger(uart, Trigger::Level).unwrap();
//! interrupts.enable(uart).unwrap();
//! // SAFETY: not inside a critical section; the handler above is registered.
//! unsafe { interrupt::enable_irq() };
//! loop {
//!     interrupt::wait_for_interrupt();
//! }
//! ```
//!
//! # Design notes
//!
//! - **Driver**: the register work is the `arm-gic` crate's `GicV2` (enable/disable with
//!   its "did the bit stick" check, per-line trigger, priority mask, SGIs, the distributor's
//!   group enables, `GICD_TYPER`), wrapped in [`InterruptController`], a singleton
//!   ([`InterruptController::take`]) that validates every ID first. What `GicV2` 0.10 does not
//!   offer, or does in a way we cannot use, is plain volatile accesses here, each at its
//!   offset in the GICv2 architecture specification (Arm IHI 0048B; the bases are in
//!   docs/hardware/gic-timers.md#gicv2-qgic2): the CPU interface's
//!   control register; per-line priorities (`GicV2` writes the whole 32-bit
//!   `GICD_IPRIORITYR` word and so zeroes the three neighbouring lines: we read-modify-write
//!   it); targets (`GICD_ITARGETSR`); pending and active sets and clears; and the initial
//!   setup, which touches only the words of the lines `GICD_TYPER` reports (`GicV2::setup`
//!   writes all 32 `GICD_IGROUPR` words: past the 288 lines of this GIC, and Non-secure
//!   writes to them are ignored anyway).
//! - **IDs** are a validated newtype, [`InterruptId`]: below [`InterruptId::LIMIT`] (288 =
//!   9 × 32 lines; the highest ID any source lists for this SoC is 270, the BLSP1 BAM:
//!   docs/hardware/memory-map.md#interrupts). `From<pac::Interrupt>` gives the SPIs the PAC
//!   knows, constants give the generic-timer PPIs. The GIC reports how many lines it really
//!   has (`GICD_TYPER`); an ID past that is [`Error::NotImplemented`] at run time.
//! - **Priorities** ([`Priority`]) are 16 levels, 0 (most urgent) to 15, kept in the upper
//!   four bits of the 8-bit priority field. GICv2 guarantees at least 16 levels, and a
//!   non-secure access to a GIC with the security extensions sees only the upper half of the
//!   implemented bits, so four bits work on every GICv2 and under the stock TrustZone.
//! - **Handlers** are plain `fn()` in a static table ([`table::HandlerTable`]) of one atomic
//!   word per ID, set and cleared by [`InterruptController::set_handler`] /
//!   [`InterruptController::remove_handler`]: no allocation, no lock on the dispatch path.
//!   Like esp-hal's run-time binding (and unlike embassy's link-time `bind_interrupts!`), the
//!   binding is a value written at run time; state a handler shares with `main` lives in
//!   statics (atomics, or `critical_section::Mutex`).
//! - **IRQ entry**: `aarch64-rt`'s vector table (installed by the runtime, [`crate::rt`])
//!   calls the runtime's `irq_current` for IRQs taken at EL1 (SP0 or SPx), which calls
//!   [`dispatch()`]: read `GICC_IAR` (acknowledge), ignore the spurious ID 1023, call the
//!   handler, write the same value to `GICC_EOIR` (priority drop and deactivation in one,
//!   `EOImode` 0). An acknowledged ID without a handler is a programming error: it is
//!   reported on the console like any unexpected exception, and the board resets.
//!   The dispatcher only touches `GICC_IAR`/`GICC_EOIR`; the controller never does.
//! - **No nesting**: the CPU masks IRQs when it takes one, and the dispatcher leaves them
//!   masked, so a handler runs to completion and a more urgent interrupt waits until it
//!   returns. Priorities order pending interrupts, they do not pre-empt handlers.
//! - **Sleeping**: [`wait_until`] checks its condition with IRQs masked and executes `WFI`
//!   only if it is false (a pending interrupt wakes a masked core), then unmasks so the
//!   handler runs. A plain check-then-[`wait_for_interrupt`] loop can lose a wake-up: the
//!   interrupt may be taken between the check and the `WFI` (a GIC signals a few
//!   instructions after the event), and the core then sleeps past it.
//! - **Critical sections** (`critical_section`, [`crate::critical_section_impl`]) mask IRQ
//!   and FIQ on this core before taking the global lock, so a handler never runs inside one;
//!   a handler may itself enter one (the saved mask is restored, still masked).
//! - **Groups**: under the stock TrustZone (or TF-A) this firmware is non-secure; the secure
//!   side put the interrupts we may use in group 1, which the non-secure `GICC_IAR` returns.
//!   TF-A keeps SGIs 8–15 and the secure physical timer (ID 18) in group 0: use SGIs 0–7.
//!   A GIC without security extensions (the virtual board decides) gets every line put in
//!   group 0, which the same registers then serve.
//! - **Cores**: the CPU-interface registers and the SGI/PPI lines (and their enables) are
//!   banked per core: the controller's first use (any method after
//!   [`InterruptController::take`], e.g. registering a handler; programs that never use it
//!   carry no set-up code) sets them up for the core that makes it, which should be core 0,
//!   and routes SPIs to core 0. Another core ([`crate::cpu`]) can send SGIs through
//!   the same controller (shared in a `critical_section::Mutex`);
//!   [`InterruptController::send_sgi`] takes a target set of cores.

mod controller;
pub mod dispatch;
mod id;
pub mod table;

pub use controller::{InterruptController, SgiTarget};
pub use dispatch::dispatch;
pub use id::{CoreSet, Error, InterruptId, InterruptKind, Priority, Trigger};
pub use table::Handler;

/// Unmasks IRQs on this core (clears `PSTATE.I`): pending, enabled interrupts are taken from
/// the next instruction on.
///
/// # Safety
///
/// Must not be called inside a critical section (it would let a handler run inside it), and
/// every interrupt the GIC can signal must have a handler (else the dispatcher reports it and
/// resets the board).
#[inline]
pub unsafe fn enable_irq() {
    #[cfg(target_arch = "aarch64")]
    // SAFETY: `msr daifclr, #2` only clears this core's IRQ mask bit; the caller guarantees
    // that no critical section is open. No `nomem`: memory accesses must not move across it.
    unsafe {
        core::arch::asm!("msr daifclr, #2", options(nostack, preserves_flags))
    };
}

/// Masks IRQs on this core (sets `PSTATE.I`).
#[inline]
pub fn disable_irq() {
    #[cfg(target_arch = "aarch64")]
    // SAFETY: `msr daifset, #2` only sets this core's IRQ mask bit.
    unsafe {
        core::arch::asm!("msr daifset, #2", options(nostack, preserves_flags))
    };
}

/// Whether IRQs are unmasked on this core (`PSTATE.I` clear). Always `false` on the host.
#[inline]
pub fn irq_enabled() -> bool {
    #[cfg(target_arch = "aarch64")]
    {
        use aarch64_cpu::registers::{DAIF, Readable};
        !DAIF.is_set(DAIF::I)
    }
    #[cfg(not(target_arch = "aarch64"))]
    {
        false
    }
}

/// Sleeps (`WFI`) until an interrupt is pending for this core.
///
/// The core wakes up even with IRQs masked; with them unmasked the handler runs before this
/// function returns. It may also return early for other architectural reasons.
///
/// To sleep until something a handler does, use [`wait_until`]: checking a condition and
/// then calling this function races with an interrupt that comes between the two (its
/// handler runs, then the core sleeps past the event it was waiting for).
#[inline]
pub fn wait_for_interrupt() {
    #[cfg(target_arch = "aarch64")]
    aarch64_cpu::asm::wfi();
}

/// Sleeps until `condition` holds, without missing an interrupt that makes it true; returns
/// how many times the core slept (`WFI`).
///
/// Each round masks IRQs, evaluates `condition`, and only if it is false executes `WFI` (an
/// interrupt that is pending wakes the core even while masked), then unmasks IRQs so the
/// handler runs. An interrupt that comes after the check therefore ends the `WFI` instead of
/// being handled just before it. Call it with IRQs unmasked (after [`enable_irq`]): with
/// them masked no handler runs, so it returns only when `condition` becomes true by itself.
/// IRQs are left as they were.
pub fn wait_until(mut condition: impl FnMut() -> bool) -> u32 {
    let was_enabled = irq_enabled();
    let mut sleeps = 0;
    loop {
        disable_irq();
        let done = condition();
        if !done {
            wait_for_interrupt();
            sleeps += 1;
        }
        if was_enabled {
            // SAFETY: restores the unmasked state this function was called in (so not inside
            // a critical section, by `enable_irq`'s contract); a pending interrupt is taken
            // here.
            unsafe { enable_irq() };
        }
        if done {
            return sleeps;
        }
    }
}
