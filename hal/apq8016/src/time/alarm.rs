//! [`Alarm`]: the EL1 non-secure physical timer as an interrupt-driven alarm.
//!
//! # Design notes
//!
//! - **Which timer**: the EL1 non-secure physical timer (`CNTP_*_EL0`, PPI 3 = ID 19,
//!   docs/hardware/gic-timers.md#architected-timer). It compares against `CNTPCT_EL0`, the
//!   counter [`Instant`] reads, so a deadline is an `Instant` with no offset to apply (the
//!   virtual timer would compare against `CNTVCT_EL0 = CNTPCT_EL0 - CNTVOFF_EL2`). The
//!   runtime lets EL1 use it when entered at EL2 (`CNTHCTL_EL2.EL1PCEN`).
//! - **The HAL owns the interrupt**: [`Alarm::new`] registers its own handler for ID 19. On
//!   expiry that handler either moves the compare value on by one period (periodic: the next
//!   deadline is the previous deadline plus the period, so there is no drift however late
//!   the interrupt was taken) or turns the timer off (one-shot), which also drops the
//!   level-triggered line before the dispatcher's end of interrupt; then it calls the user's
//!   callback ([`Alarm::set_callback`]). A deadline already past fires at once.
//! - **The `embassy-time` driver** (`time/driver.rs`, feature `embassy-time-driver`) is
//!   built on this alarm: it takes the `Alarm` by value, keeps it with its timer queue in a
//!   `critical_section::Mutex`, sets it to the earliest deadline and re-arms from the
//!   callback. Its ticks are 1.28 MHz (counter / 15), a rate `embassy-time-driver` offers
//!   that divides 19.2 MHz exactly.
//! - **State** shared with the handler is three atomics (period, callback, expiry count).
//!   The timer is banked per core and only core 0 runs today: one alarm, on core 0.
//! - Host builds have no timer registers: the register accesses become no-ops and only the
//!   pure arithmetic ([`next_deadline`]) is tested.

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use super::{Duration, Instant, duration_to_ticks, ticks_per_second};
use crate::interrupt::{self, Handler, InterruptController, InterruptId, Priority, Trigger};

/// Set once the alarm has been handed out.
static TAKEN: AtomicBool = AtomicBool::new(false);
/// Period in ticks; 0 = one-shot.
static PERIOD_TICKS: AtomicU64 = AtomicU64::new(0);
/// The user's callback (`fn()` as a word, 0 = none).
static CALLBACK: AtomicUsize = AtomicUsize::new(0);
/// Expiries handled since [`Alarm::new`].
static EXPIRIES: AtomicU32 = AtomicU32::new(0);

/// `CNTP_CTL_EL0.ENABLE` (bit 0); `IMASK` (bit 1) stays 0, `ISTATUS` (bit 2) is read-only.
const CONTROL_ENABLE: u64 = 1;
/// `CNTP_CTL_EL0.ISTATUS`: the compare condition is met.
const CONTROL_STATUS: u64 = 1 << 2;

/// The compare value after an expiry at `deadline`: `Some(deadline + period)` for a
/// periodic alarm (saturating), `None` (stop) for a one-shot one (`period == 0`).
pub const fn next_deadline(deadline: u64, period: u64) -> Option<u64> {
    if period == 0 {
        None
    } else {
        Some(deadline.saturating_add(period))
    }
}

#[cfg(target_arch = "aarch64")]
mod registers {
    use aarch64_cpu::registers::{CNTP_CTL_EL0, CNTP_CVAL_EL0, Readable, Writeable};
    pub fn control() -> u64 {
        CNTP_CTL_EL0.get()
    }
    pub fn set_control(value: u64) {
        CNTP_CTL_EL0.set(value);
    }
    pub fn compare() -> u64 {
        CNTP_CVAL_EL0.get()
    }
    pub fn set_compare(value: u64) {
        CNTP_CVAL_EL0.set(value);
    }
}

#[cfg(not(target_arch = "aarch64"))]
mod registers {
    pub fn control() -> u64 {
        0
    }
    pub fn set_control(_value: u64) {}
    pub fn compare() -> u64 {
        0
    }
    pub fn set_compare(_value: u64) {}
}

/// The handler the HAL registers for [`Alarm::INTERRUPT`].
fn on_expiry() {
    let period = PERIOD_TICKS.load(Ordering::Relaxed);
    match next_deadline(registers::compare(), period) {
        Some(next) => registers::set_compare(next),
        None => registers::set_control(0),
    }
    EXPIRIES.fetch_add(1, Ordering::Relaxed);
    let callback = CALLBACK.load(Ordering::Acquire);
    if callback != 0 {
        // SAFETY: CALLBACK only ever holds 0 or a `fn()` stored by `set_callback`.
        let callback = unsafe { core::mem::transmute::<usize, Handler>(callback) };
        callback();
    }
}

/// An alarm on the generic timer: one-shot ([`Alarm::set`]) or periodic
/// ([`Alarm::start_periodic`]), calling a function from its interrupt on each expiry.
///
/// ```no_run
/// use apq8016_hal::interrupt::{self, InterruptController};
/// use apq8016_hal::time::{Alarm, Duration};
///
/// fn every_100_ms() {
///     // IRQ context: keep it short, share state through atomics.
/// }
///
/// let mut interrupts = InterruptController::take().unwrap();
/// let mut alarm = Alarm::new(&mut interrupts).unwrap();
/// alarm.set_callback(Some(every_100_ms));
/// alarm.start_periodic(Duration::from_millis(100)).unwrap();
/// // SAFETY: not inside a critical section; the alarm's handler is registered.
/// unsafe { interrupt::enable_irq() };
/// loop {
///     interrupt::wait_for_interrupt(); // sleeps until the next expiry
/// }
/// ```
#[derive(Debug)]
pub struct Alarm {
    _private: (),
}

/// Why an [`Alarm`] could not be made or started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum AlarmError {
    /// [`Alarm::new`] was already called.
    AlreadyTaken,
    /// The interrupt controller refused the timer's line.
    Interrupt(interrupt::Error),
    /// A periodic alarm needs a period of at least one tick.
    ZeroPeriod,
}

impl core::fmt::Display for AlarmError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            AlarmError::AlreadyTaken => f.write_str("the alarm was already taken"),
            AlarmError::Interrupt(e) => write!(f, "timer interrupt: {e}"),
            AlarmError::ZeroPeriod => f.write_str("a periodic alarm needs a non-zero period"),
        }
    }
}

impl core::error::Error for AlarmError {}

impl Alarm {
    /// The timer's interrupt: PPI 3, ID 19.
    pub const INTERRUPT: InterruptId = InterruptId::NON_SECURE_PHYSICAL_TIMER;

    /// Takes the timer (once): stops it, registers the HAL's expiry handler and enables the
    /// level-triggered line at [`Priority::DEFAULT`]. IRQs stay as they are on the core
    /// ([`interrupt::enable_irq`] unmasks them).
    pub fn new(interrupts: &mut InterruptController) -> Result<Alarm, AlarmError> {
        if TAKEN.swap(true, Ordering::AcqRel) {
            return Err(AlarmError::AlreadyTaken);
        }
        registers::set_control(0);
        PERIOD_TICKS.store(0, Ordering::Relaxed);
        let setup = |interrupts: &mut InterruptController| {
            interrupts.set_handler(Self::INTERRUPT, on_expiry)?;
            interrupts.set_priority(Self::INTERRUPT, Priority::DEFAULT)?;
            interrupts.set_trigger(Self::INTERRUPT, Trigger::Level)?;
            interrupts.clear_pending(Self::INTERRUPT)?;
            interrupts.enable(Self::INTERRUPT)
        };
        if let Err(e) = setup(interrupts) {
            TAKEN.store(false, Ordering::Release);
            return Err(AlarmError::Interrupt(e));
        }
        Ok(Alarm { _private: () })
    }

    /// Calls `callback` (in IRQ context, after the HAL has re-armed or stopped the timer)
    /// on every expiry; `None` for no call.
    pub fn set_callback(&mut self, callback: Option<Handler>) {
        CALLBACK.store(callback.map_or(0, |c| c as usize), Ordering::Release);
    }

    /// Fires once at `at` (at once if `at` has passed), replacing any earlier setting.
    pub fn set(&mut self, at: Instant) {
        PERIOD_TICKS.store(0, Ordering::Relaxed);
        self.arm(at.ticks());
    }

    /// Fires once, `delay` from now.
    pub fn set_after(&mut self, delay: Duration) {
        self.set(Instant::now() + delay);
    }

    /// Fires every `period`, the first time one period from now. Deadlines are exact
    /// multiples of the period (in ticks) from that start, however late each interrupt is
    /// taken. [`AlarmError::ZeroPeriod`] for a period under one tick.
    pub fn start_periodic(&mut self, period: Duration) -> Result<(), AlarmError> {
        let ticks = duration_to_ticks(period, ticks_per_second());
        if ticks == 0 {
            return Err(AlarmError::ZeroPeriod);
        }
        PERIOD_TICKS.store(ticks, Ordering::Relaxed);
        self.arm(Instant::now().ticks().saturating_add(ticks));
        Ok(())
    }

    fn arm(&mut self, compare: u64) {
        registers::set_compare(compare);
        registers::set_control(CONTROL_ENABLE);
    }

    /// Stops the alarm (no further expiry, no callback).
    pub fn cancel(&mut self) {
        registers::set_control(0);
        PERIOD_TICKS.store(0, Ordering::Relaxed);
    }

    /// The next deadline, if the alarm is running.
    pub fn deadline(&self) -> Option<Instant> {
        (registers::control() & CONTROL_ENABLE != 0)
            .then(|| Instant::from_ticks(registers::compare()))
    }

    /// Whether the running alarm's deadline has passed and its interrupt not yet handled.
    pub fn is_expired(&self) -> bool {
        let control = registers::control();
        control & CONTROL_ENABLE != 0 && control & CONTROL_STATUS != 0
    }

    /// Expiries the HAL's handler has taken since [`Alarm::new`].
    pub fn expiry_count(&self) -> u32 {
        EXPIRIES.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periodic_deadlines_advance_by_whole_periods() {
        let period = 1_920_000;
        let mut deadline = 5_000;
        for n in 1..=10u64 {
            deadline = next_deadline(deadline, period).unwrap();
            assert_eq!(deadline, 5_000 + n * period);
        }
        assert_eq!(next_deadline(u64::MAX - 1, period), Some(u64::MAX));
    }

    #[test]
    fn one_shot_stops() {
        assert_eq!(next_deadline(123, 0), None);
    }
}
