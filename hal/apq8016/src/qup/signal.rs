//! What the interrupt-driven (async) QUP drivers share: one [`Signal`] per QUP, the interrupt
//! handler that fills it, and the bounded wait a future does on it.
//!
//! # Design notes
//!
//! - **The line** (docs/hardware/qup-i2c-spi.md#interrupt) is a level: high while a service
//!   flag is set and not masked, while an enabled FIFO error (or, in SPI mode, an enabled
//!   SPI error) is set, and in I2C mode while an I2C status error is set outside RESET. The
//!   handler lowers it the way the documented drivers do: it writes the service flags back
//!   (only `OUT_SERVICE_FLAG` / `IN_SERVICE_FLAG`: `MAX_OUTPUT_DONE` / `MAX_INPUT_DONE` stay
//!   set for the future to read), writes the error flags back, and for an I2C status error
//!   writes RESET to `QUP_STATE`.
//! - **What the future needs** of what the handler clears is kept in the [`Signal`] first:
//!   the error bits (I2C status, FIFO, SPI) and, for an I2C error, `QUP_OUT_FIFO_CNT` (RESET
//!   empties the FIFO, and the driver tells an address NACK from a data NACK by it). The
//!   future clears the record before it starts a message or chunk.
//! - **Waking**: the handler wakes the QUP's [`AtomicWaker`] (`embassy-sync`'s, as the UART
//!   and GPIO async drivers use). One waker per QUP: one future per driver at a time (the
//!   driver is borrowed mutably while a transfer runs).
//! - **Bounded waits**: [`wait_until`] gives up at its deadline. With the HAL feature
//!   `embassy-time-driver` it asks the time driver to wake the task at the deadline
//!   (`embassy_time_driver::schedule_wake`), so the core sleeps until the interrupt or the
//!   deadline; without it the future asks to be polled again at once (the executor does not
//!   sleep then, but other tasks run and the wait still ends in time).

use core::future::poll_fn;
use core::sync::atomic::{AtomicU32, Ordering};
use core::task::Poll;

use embassy_sync::waitqueue::AtomicWaker;

use super::RegisterBlock;
use crate::interrupt::{self, InterruptController, InterruptId, Trigger};
use crate::time::Instant;

/// Error bits of `I2C_MASTER_STATUS`.
const I2C_STATUS_ERRORS: u32 = 0x0380_00FC;
/// Error bits of `QUP_ERROR_FLAGS`.
const QUP_ERRORS: u32 = 0x3C;
/// Error bits of `SPI_ERROR_FLAGS`.
const SPI_ERRORS: u32 = 0x3;
/// Address of QUP1's register block; QUP n is `n - 1` blocks after it.
const QUP1_BASE: usize = 0x078B_5000;
/// Distance between two QUP register blocks.
const QUP_STRIDE: usize = 0x1000;
/// QUPs of BLSP1.
const QUP_COUNT: usize = 6;

/// Interrupt state of one QUP, filled by its handler, read by the async driver's future.
pub(crate) struct Signal {
    /// Woken by the handler.
    pub(crate) waker: AtomicWaker,
    /// `I2C_MASTER_STATUS` error bits the handler saw (I2C mode).
    pub(crate) bus_errors: AtomicU32,
    /// `QUP_ERROR_FLAGS` error bits the handler saw.
    pub(crate) fifo_errors: AtomicU32,
    /// `SPI_ERROR_FLAGS` error bits the handler saw (SPI mode).
    pub(crate) spi_errors: AtomicU32,
    /// `QUP_OUT_FIFO_CNT` when the handler saw an I2C status error.
    pub(crate) out_fifo_left: AtomicU32,
    /// Interrupts served.
    pub(crate) interrupts: AtomicU32,
}

impl Signal {
    const fn new() -> Self {
        Signal {
            waker: AtomicWaker::new(),
            bus_errors: AtomicU32::new(0),
            fifo_errors: AtomicU32::new(0),
            spi_errors: AtomicU32::new(0),
            out_fifo_left: AtomicU32::new(0),
            interrupts: AtomicU32::new(0),
        }
    }

    /// Forgets the errors recorded so far (before a message or chunk starts).
    pub(crate) fn clear_errors(&self) {
        self.bus_errors.store(0, Ordering::Relaxed);
        self.fifo_errors.store(0, Ordering::Relaxed);
        self.spi_errors.store(0, Ordering::Relaxed);
    }

    /// Whether the handler recorded an error since [`Self::clear_errors`].
    pub(crate) fn has_error(&self) -> bool {
        self.bus_errors.load(Ordering::Acquire)
            | self.fifo_errors.load(Ordering::Acquire)
            | self.spi_errors.load(Ordering::Acquire)
            != 0
    }
}

/// One [`Signal`] per BLSP1 QUP (QUP1..QUP6).
static SIGNALS: [Signal; QUP_COUNT] = [const { Signal::new() }; QUP_COUNT];

/// The [`Signal`] of the QUP whose register block is at `block`.
pub(crate) fn signal(block: *const RegisterBlock) -> &'static Signal {
    let index = (block as usize).wrapping_sub(QUP1_BASE) / QUP_STRIDE;
    &SIGNALS[index.min(QUP_COUNT - 1)]
}

/// Which mini-core's status the handler looks at.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum MiniCore {
    I2c,
    Spi,
}

/// The interrupt handler's work for the QUP at `block` (see the module notes).
pub(crate) fn on_interrupt(block: *const RegisterBlock, mini_core: MiniCore) {
    let signal = signal(block);
    // SAFETY: `block` is a QUP's register block (from a driver's `Instance`), mapped for the
    // whole program. The handler is registered only while that QUP's async driver exists,
    // and touches only the flags and state the module notes name, which the driver's future
    // expects it to.
    let r: &RegisterBlock = unsafe { &*block };
    signal.interrupts.fetch_add(1, Ordering::Relaxed);
    let fifo = r.qup_error_flags().read().bits() & QUP_ERRORS;
    if fifo != 0 {
        signal.fifo_errors.fetch_or(fifo, Ordering::Release);
        r.qup_error_flags().write(|w| {
            w.input_over_run().bit(fifo & (1 << 2) != 0);
            w.output_under_run().bit(fifo & (1 << 3) != 0);
            w.input_under_run().bit(fifo & (1 << 4) != 0);
            w.output_over_run().bit(fifo & (1 << 5) != 0)
        });
    }
    match mini_core {
        MiniCore::I2c => {
            let status = r.i2c_master_status().read().bits() & I2C_STATUS_ERRORS;
            if status != 0 && !r.qup_state().read().state().is_reset() {
                let left = u32::from(r.qup_out_fifo_cnt().read().count().bits());
                signal.out_fifo_left.store(left, Ordering::Relaxed);
                signal.bus_errors.fetch_or(status, Ordering::Release);
                r.qup_state().write(|w| w.state().reset());
            }
        }
        MiniCore::Spi => {
            let spi = r.spi_error_flags().read().bits() & SPI_ERRORS;
            if spi != 0 {
                signal.spi_errors.fetch_or(spi, Ordering::Release);
                r.spi_error_flags().write(|w| {
                    w.clk_under_run().bit(spi & 1 != 0);
                    w.clk_over_run().bit(spi & 2 != 0)
                });
            }
        }
    }
    let op = r.qup_operational().read();
    if op.out_service_flag().bit_is_set() || op.in_service_flag().bit_is_set() {
        r.qup_operational().write(|w| {
            w.out_service_flag().bit(op.out_service_flag().bit_is_set());
            w.in_service_flag().bit(op.in_service_flag().bit_is_set())
        });
    }
    signal.waker.wake();
}

/// Puts `handler` in the interrupt table for `id`, makes the line level-triggered (the QUP
/// holds it while a source is set) and enables it. On an error the handler is removed again.
pub(crate) fn attach(
    interrupts: &mut InterruptController,
    id: InterruptId,
    handler: interrupt::Handler,
) -> Result<(), interrupt::Error> {
    interrupts.set_handler(id, handler)?;
    let enabled = interrupts
        .set_trigger(id, Trigger::Level)
        .and_then(|()| interrupts.enable(id));
    if let Err(error) = enabled {
        let _ = interrupts.remove_handler(id);
        return Err(error);
    }
    Ok(())
}

/// Turns on the interrupt sources the async drivers use: the FIFO errors (and with `spi` the
/// SPI clock errors); the service flags are left unmasked.
pub(crate) fn enable_sources(r: &RegisterBlock, spi: bool) {
    r.qup_operational_mask().reset();
    r.qup_error_flags_en().write(|w| {
        w.input_over_run().set_bit();
        w.output_under_run().set_bit();
        w.input_under_run().set_bit();
        w.output_over_run().set_bit()
    });
    if spi {
        r.spi_error_flags_en().write(|w| {
            w.clk_under_run().set_bit();
            w.clk_over_run().set_bit()
        });
    }
}

/// Waits (as a future) until `check` gives a value or an error is recorded in `signal`,
/// woken by the QUP's interrupt; `None` once `deadline` has passed. `check` runs at every
/// poll, after the waker is registered, so an interrupt between two polls is never missed.
pub(crate) async fn wait_until<T>(
    signal: &Signal,
    deadline: Instant,
    mut check: impl FnMut() -> Option<T>,
) -> Option<T> {
    poll_fn(|cx| {
        signal.waker.register(cx.waker());
        if let Some(value) = check() {
            return Poll::Ready(Some(value));
        }
        let now = Instant::now();
        if now.ticks() >= deadline.ticks() {
            return Poll::Ready(None);
        }
        #[cfg(feature = "embassy-time-driver")]
        embassy_time_driver::schedule_wake(
            crate::time::driver::ticks_at_or_after_counter(deadline.ticks()),
            cx.waker(),
        );
        #[cfg(not(feature = "embassy-time-driver"))]
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(address: usize) -> *const RegisterBlock {
        address as *const RegisterBlock
    }

    #[test]
    fn each_qup_has_its_own_signal() {
        // QUP2 (I2C0), QUP5 (SPI0), QUP6 (I2C1): docs/hardware/qup-i2c-spi.md.
        for (address, index) in [(0x078B_5000, 0), (0x078B_6000, 1), (0x078B_9000, 4)] {
            assert!(core::ptr::eq(signal(block(address)), &SIGNALS[index]));
        }
        assert!(core::ptr::eq(signal(block(0x078B_A000)), &SIGNALS[5]));
    }

    #[test]
    fn recorded_errors_until_cleared() {
        let signal = Signal::new();
        assert!(!signal.has_error());
        signal.spi_errors.store(SPI_ERRORS, Ordering::Relaxed);
        assert!(signal.has_error());
        signal.clear_errors();
        assert!(!signal.has_error());
        signal.bus_errors.store(1 << 3, Ordering::Relaxed);
        assert!(signal.has_error());
    }
}
