//! An async executor for the APQ8016E: `embassy-executor`'s task queue with this chip's
//! wake-up ("pender") and sleep (feature `executor`).
//!
//! ```no_run
//! use apq8016_hal::executor::Executor;
//! use apq8016_hal::gpio::{Level, Output, OutputConfig, Pins};
//! use apq8016_hal::interrupt::{self, InterruptController};
//! use apq8016_hal::pac;
//!
//! #[embassy_executor::task]
//! async fn light(mut led: Output) {
//!     led.set_high(); // a real task awaits timers, pins or the UART (examples/async_blinky.rs)
//! }
//!
//! let pins = Pins::new(pac::Peripherals::take().unwrap().TLMM);
//! let led1 = Output::new(pins.gpio21, Level::Low, OutputConfig::default());
//! let mut interrupts = InterruptController::take().unwrap();
//! let executor = Executor::woken_by_interrupt(&mut interrupts).unwrap();
//! // SAFETY: not inside a critical section; every enabled line has its handler.
//! unsafe { interrupt::enable_irq() };
//! executor.run(|spawner| spawner.spawn(light(led1).unwrap()));
//! ```
//!
//! # Design notes
//!
//! - **Why `embassy-executor`**: it is the maintained executor of the embedded Rust world
//!   (static task storage, no allocation, `#[embassy_executor::task]`), and its `raw`
//!   executor is platform-neutral: it calls a function named `__pender` with the executor's
//!   context word whenever a task becomes ready. Embassy has no AArch64 platform, so this
//!   module provides that function and the loop that sleeps between polls. Built without a
//!   `platform-*` feature, the crate brings no pender of its own.
//! - **Two ways to wake a core**, chosen per executor ([`Wake`]):
//!   - [`Wake::Interrupt`]: the executor sleeps in `WFI` and another core wakes it with a
//!     software-generated interrupt ([`Executor::WAKE_SGI`], SGI 7, whose handler does
//!     nothing); a wake-up on the executor's own core (from a task or from an interrupt
//!     handler) only sets a flag, since the core is awake anyway. Sleeping uses
//!     [`interrupt::wait_until`]: the flag is checked with IRQs masked and `WFI` runs only if
//!     it is clear, so a wake-up between the check and the sleep is never lost. Needs the
//!     GIC: the core's CPU interface enabled (core 0 after `InterruptController::take`) and
//!     IRQs unmasked.
//!   - [`Wake::Event`]: the executor sleeps in `WFE`; a wake-up from another core is `DSB`
//!     then `SEV` (which wakes every core's `WFE`: the others find no work and sleep again),
//!     from the executor's own core `SEVL` (sets only this core's event register). A `SEV`
//!     between the check and the `WFE` leaves the event register set, so the `WFE` returns
//!     at once: no wake-up is lost either. Needs no GIC at all, so it also serves cores
//!     that take no interrupts. An interrupt for the core also ends a `WFE`.
//! - **How they compare** on the virtual board: docs/benchmarks.md ("Async executor").
//! - **The context word** given to `raw::Executor::new` is not a pointer but
//!   `core | mode << 8`: the pender needs nothing else, and so touches no memory but the
//!   core's flag.
//! - **One executor per core**, each with its own flag in [`WORK_PENDING`]; a task stays on
//!   the executor that spawned it, and a waker may be used from any core or handler.
//! - [`Executor::run`] takes the executor by value and never returns, so the executor can
//!   live in `run`'s own stack frame for the rest of the program: that gives the `&'static`
//!   the raw executor needs without a `static` (the panic handler resets the board, there
//!   is no unwinding that could pop the frame).

use core::marker::PhantomData;
use core::sync::atomic::{AtomicBool, Ordering};

use embassy_executor::{Spawner, raw};

use crate::cpu::CORE_COUNT;
use crate::interrupt::{self, InterruptController, InterruptId};

/// How wake-ups reach an executor's core, and how it sleeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Wake {
    /// Sleep in `WFI`; other cores send [`Executor::WAKE_SGI`].
    Interrupt,
    /// Sleep in `WFE`; other cores execute `SEV`.
    Event,
}

/// Per core: a task was woken since the executor last looked.
pub static WORK_PENDING: [AtomicBool; CORE_COUNT] = [const { AtomicBool::new(false) }; CORE_COUNT];

/// Context word: bits 7:0 the core, bit 8 the mode.
const MODE_EVENT: usize = 1 << 8;
const CORE_MASK: usize = 0xFF;

/// `GICD_SGIR`: writing it sends an SGI (docs/hardware/gic-timers.md#gicv2-qgic2).
const GICD_SGIR: usize = 0x0B00_0F00;

/// The `GICD_SGIR` value sending SGI `id` to `core` (target-list filter 0: the listed cores).
pub const fn sgi_request(id: u16, core: usize) -> u32 {
    (1u32 << (16 + core)) | (id as u32 & 0xF)
}

/// The context word of an executor on `core` woken by `wake`.
const fn context(core: usize, wake: Wake) -> usize {
    (core & CORE_MASK)
        | match wake {
            Wake::Interrupt => 0,
            Wake::Event => MODE_EVENT,
        }
}

/// The core running this code (always 0 on the host).
fn this_core() -> usize {
    #[cfg(target_arch = "aarch64")]
    {
        crate::cpu::current_core()
    }
    #[cfg(not(target_arch = "aarch64"))]
    {
        0
    }
}

/// Called by `embassy-executor` whenever a task of the executor with this context becomes
/// ready (from any core, in a task or an interrupt handler).
#[unsafe(export_name = "__pender")]
fn pender(context: *mut ()) {
    let word = context as usize;
    let core = word & CORE_MASK;
    WORK_PENDING[core].store(true, Ordering::Release);
    let same_core = core == this_core();
    if word & MODE_EVENT != 0 {
        if same_core {
            send_local_event();
        } else {
            send_event_to_all();
        }
    } else if !same_core {
        send_wake_sgi(core);
    }
}

/// `SEVL`: sets this core's event register, so its next `WFE` returns at once.
#[inline]
fn send_local_event() {
    #[cfg(target_arch = "aarch64")]
    // SAFETY: `sevl` only sets this core's event register.
    unsafe {
        core::arch::asm!("sevl", options(nomem, nostack, preserves_flags))
    };
}

/// `DSB` then `SEV`: the flag is visible to every core before any of them can wake.
#[inline]
fn send_event_to_all() {
    #[cfg(target_arch = "aarch64")]
    {
        use aarch64_cpu::asm::barrier;
        barrier::dsb(barrier::ISH);
        crate::cpu::send_event();
    }
}

/// Sends [`Executor::WAKE_SGI`] to `core`, after a barrier that makes the flag visible first.
fn send_wake_sgi(core: usize) {
    #[cfg(target_arch = "aarch64")]
    {
        use aarch64_cpu::asm::barrier;
        barrier::dsb(barrier::ISHST);
        // SAFETY: GICD_SGIR is the distributor's write-only SGI request register, mapped as
        // device memory by the runtime. One write is one complete request, so it needs no
        // lock against the interrupt controller driver, which never keeps state about it.
        unsafe {
            core::ptr::write_volatile(
                GICD_SGIR as *mut u32,
                sgi_request(Executor::WAKE_SGI.number(), core),
            )
        };
    }
    #[cfg(not(target_arch = "aarch64"))]
    let _ = (core, GICD_SGIR);
}

/// The handler of [`Executor::WAKE_SGI`]: the interrupt has already woken the core.
fn on_wake_sgi() {}

/// An `embassy-executor` executor for the core that makes it.
///
/// Spawn `#[embassy_executor::task]` functions through the [`Spawner`] that
/// [`Executor::run`] hands out. Between polls the core sleeps ([`Wake`]).
pub struct Executor {
    wake: Wake,
    core: usize,
    /// Bound to the core that made it.
    not_send: PhantomData<*mut ()>,
}

impl Executor {
    /// The SGI that wakes an executor of kind [`Wake::Interrupt`] (SGIs 0–7 are the
    /// non-secure world's under TF-A; the examples use 1 and 2).
    pub const WAKE_SGI: InterruptId = match InterruptId::sgi(7) {
        Ok(id) => id,
        Err(_) => panic!("SGI 7 exists"),
    };

    /// An executor for this core that sleeps in `WFI` and is woken from other cores by
    /// [`Executor::WAKE_SGI`]: registers the SGI's (empty) handler and enables it on this
    /// core. Call it on the core that will run the executor, with its CPU interface enabled
    /// (core 0: `InterruptController::take`), and unmask IRQs before [`Executor::run`].
    pub fn woken_by_interrupt(
        interrupts: &mut InterruptController,
    ) -> Result<Executor, interrupt::Error> {
        interrupts.set_handler(Self::WAKE_SGI, on_wake_sgi)?;
        interrupts.enable(Self::WAKE_SGI)?;
        Ok(Self::new(Wake::Interrupt))
    }

    /// An executor for this core that sleeps in `WFE` and is woken by `SEV`. Needs no
    /// interrupt controller.
    pub fn woken_by_event() -> Executor {
        Self::new(Wake::Event)
    }

    fn new(wake: Wake) -> Executor {
        Executor {
            wake,
            core: this_core(),
            not_send: PhantomData,
        }
    }

    /// How this executor is woken.
    pub fn wake(&self) -> Wake {
        self.wake
    }

    /// Runs the executor on this core for ever: calls `init` with a [`Spawner`] (spawn the
    /// first tasks there), then polls the tasks that are ready and sleeps while none is.
    ///
    /// # Panics
    ///
    /// For [`Wake::Interrupt`], if IRQs are masked on this core: no interrupt handler could
    /// run, so no timer or pad interrupt would ever wake a task.
    pub fn run(self, init: impl FnOnce(Spawner)) -> ! {
        let core = self.core;
        let wake = self.wake;
        #[cfg(target_arch = "aarch64")]
        assert!(
            wake == Wake::Event || interrupt::irq_enabled(),
            "Executor::run: unmask IRQs (interrupt::enable_irq) before running an executor \
             woken by interrupt"
        );
        let executor = raw::Executor::new(context(core, wake) as *mut ());
        let mut slot = core::mem::MaybeUninit::new(executor);
        // SAFETY: `slot` lives in this function's frame, and this function never returns
        // (the loop below has no exit; a panic resets the board without unwinding), so the
        // reference is valid for the rest of the program, and nothing else refers to it.
        let executor: &'static raw::Executor =
            unsafe { &*core::ptr::from_mut(&mut slot).cast::<raw::Executor>() };
        init(executor.spawner());
        let pending = &WORK_PENDING[core];
        loop {
            // SAFETY: `poll` is only called from this loop, on the executor's own core, and
            // never re-entered (tasks cannot reach the raw executor).
            unsafe { executor.poll() };
            match wake {
                Wake::Interrupt => {
                    interrupt::wait_until(|| pending.swap(false, Ordering::Acquire));
                }
                Wake::Event => {
                    if !pending.swap(false, Ordering::Acquire) {
                        crate::cpu::wait_for_event();
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_word_round_trip() {
        for core in 0..CORE_COUNT {
            let interrupt = context(core, Wake::Interrupt);
            let event = context(core, Wake::Event);
            assert_eq!(interrupt & CORE_MASK, core);
            assert_eq!(event & CORE_MASK, core);
            assert_eq!(interrupt & MODE_EVENT, 0);
            assert_ne!(event & MODE_EVENT, 0);
        }
    }

    #[test]
    fn sgi_request_targets_one_core() {
        assert_eq!(sgi_request(7, 0), 0x0001_0007);
        assert_eq!(sgi_request(7, 3), 0x0008_0007);
    }
}
