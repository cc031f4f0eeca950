//! Monotonic time from the Arm generic timer.
//!
//! ```no_run
//! use apq8016_hal::time::{Delay, Duration, Instant};
//!
//! let start = Instant::now();
//! Delay::new().delay(Duration::from_millis(1));
//! assert!(start.elapsed() >= Duration::from_millis(1)); // never early
//! ```
//!
//! # Design notes
//!
//! - The clock is the **system counter** as every core sees it through `CNTPCT_EL0`, counting at
//!   the frequency firmware wrote to `CNTFRQ_EL0` (19.2 MHz on this SoC: docs/hardware/gic-timers.md#architected-timer). It is
//!   shared by all cores, never stops and needs neither a driver nor interrupts, so [`Instant`]
//!   and [`Delay`] are free functions of the hardware rather than owned peripherals.
//! - Every counter read is preceded by an `ISB`: without it the A53 may read the counter early
//!   (out of order with the code before it), which makes short measurements come out too small.
//! - An [`Instant`] is a raw tick count (`u64`). Differences use wrapping arithmetic, so even a
//!   counter wrap (after thousands of years at 19.2 MHz) would not produce a bogus huge
//!   duration.
//! - The tick ↔ [`Duration`] conversions are pure functions of the frequency
//!   ([`ticks_to_duration`], [`duration_to_ticks`]) and are unit-tested on the host.
//!   Converting a duration to ticks rounds **up**, so a delay never ends early; converting
//!   ticks to a duration rounds **down** (the elapsed time is at least what is reported).
//!   Both saturate instead of overflowing.
//! - On host builds (unit tests of the HAL) there is no counter register. A stand-in counter
//!   that advances by one tick per read keeps timeout loops in driver tests finite; it is
//!   compiled only when `target_arch != "aarch64"`.
//! - [`Alarm`] (in `time/alarm.rs`) is the one part that needs interrupts: the EL1 physical
//!   timer compares against the same counter and raises PPI 3 at a deadline.
//! - `driver` (feature `embassy-time-driver`) is the `embassy-time` driver, built on the
//!   [`Alarm`], with `embedded-hal-async`'s `DelayNs` on it.

pub use core::time::Duration;

mod alarm;
#[cfg(feature = "embassy-time-driver")]
pub mod driver;
pub use alarm::{Alarm, AlarmError, next_deadline};

use core::ops::{Add, AddAssign, Sub, SubAssign};

/// Nanoseconds per second.
const NANOS_PER_SEC: u64 = 1_000_000_000;

/// Frequency reported by the host stand-in counter: the APQ8016's 19.2 MHz.
#[cfg(not(target_arch = "aarch64"))]
const HOST_TICKS_PER_SECOND: u32 = 19_200_000;

/// Reads the system counter (`CNTPCT_EL0`), after an `ISB` so the read is not hoisted above
/// earlier instructions.
#[cfg(target_arch = "aarch64")]
#[inline(always)]
fn read_counter() -> u64 {
    use aarch64_cpu::asm::barrier;
    use aarch64_cpu::registers::{CNTPCT_EL0, Readable};
    barrier::isb(barrier::SY);
    CNTPCT_EL0.get()
}

/// Host stand-in: a counter that advances by one tick on every read (see the design notes).
#[cfg(not(target_arch = "aarch64"))]
fn read_counter() -> u64 {
    use core::sync::atomic::{AtomicU64, Ordering};
    static HOST_COUNTER: AtomicU64 = AtomicU64::new(0);
    HOST_COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// Frequency of the system counter in Hz, as firmware programmed it into `CNTFRQ_EL0`.
///
/// On the DragonBoard 410c this is 19 200 000. A value of 0 would mean the boot firmware never
/// programmed the register; conversions then treat the frequency as 1 Hz rather than divide by
/// zero.
#[inline]
pub fn ticks_per_second() -> u32 {
    #[cfg(target_arch = "aarch64")]
    {
        use aarch64_cpu::registers::{CNTFRQ_EL0, Readable};
        // The architecture defines CNTFRQ_EL0 as a 32-bit value in a 64-bit register.
        CNTFRQ_EL0.get() as u32
    }
    #[cfg(not(target_arch = "aarch64"))]
    {
        HOST_TICKS_PER_SECOND
    }
}

/// Converts a tick count at `ticks_per_second` Hz into a [`Duration`], rounding down.
/// A frequency of 0 is treated as 1 Hz.
///
/// Only 64-bit arithmetic (no 128-bit division routine is linked into the firmware).
pub const fn ticks_to_duration(ticks: u64, ticks_per_second: u32) -> Duration {
    let freq = if ticks_per_second == 0 {
        1
    } else {
        ticks_per_second as u64
    };
    let secs = ticks / freq;
    // rem < freq <= 2^32 - 1 and 1e9 < 2^30, so rem * 1e9 < 2^62: no overflow; the quotient
    // is below 1e9.
    let rem = ticks % freq;
    let nanos = (rem * NANOS_PER_SEC / freq) as u32;
    Duration::new(secs, nanos)
}

/// Converts a [`Duration`] into ticks at `ticks_per_second` Hz, rounding **up** (so a wait of
/// that many ticks is never shorter than `duration`), saturating at `u64::MAX`.
/// A frequency of 0 is treated as 1 Hz.
pub const fn duration_to_ticks(duration: Duration, ticks_per_second: u32) -> u64 {
    let freq = if ticks_per_second == 0 {
        1
    } else {
        ticks_per_second as u64
    };
    // subsec_nanos < 1e9 < 2^30 and freq < 2^32: the product fits in 62 bits.
    let subsec_ticks = (duration.subsec_nanos() as u64 * freq).div_ceil(NANOS_PER_SEC);
    match duration.as_secs().checked_mul(freq) {
        Some(whole) => whole.saturating_add(subsec_ticks),
        None => u64::MAX,
    }
}

/// A point in time: a reading of the system counter.
///
/// Comparable and hashable; differences between two instants are [`Duration`]s.
///
/// ```no_run
/// use apq8016_hal::time::{Duration, Instant};
///
/// let start = Instant::now();
/// let deadline = start + Duration::from_millis(10);
/// while Instant::now() < deadline {
///     // poll something
/// }
/// assert!(start.elapsed() >= Duration::from_millis(10));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Instant {
    ticks: u64,
}

impl Instant {
    /// The current value of the system counter.
    #[inline]
    pub fn now() -> Self {
        Self {
            ticks: read_counter(),
        }
    }

    /// An instant from a raw counter value.
    pub const fn from_ticks(ticks: u64) -> Self {
        Self { ticks }
    }

    /// The raw counter value.
    pub const fn ticks(self) -> u64 {
        self.ticks
    }

    /// Ticks from `earlier` to `self` (wrapping, so a counter wrap between them is handled).
    pub const fn ticks_since(self, earlier: Instant) -> u64 {
        self.ticks.wrapping_sub(earlier.ticks)
    }

    /// Time from `earlier` to `self`, rounded down to the counter resolution.
    pub fn duration_since(self, earlier: Instant) -> Duration {
        ticks_to_duration(self.ticks_since(earlier), ticks_per_second())
    }

    /// Time since this instant was taken.
    pub fn elapsed(self) -> Duration {
        Instant::now().duration_since(self)
    }

    /// `self + duration`, or `None` if the counter value would overflow.
    pub fn checked_add(self, duration: Duration) -> Option<Instant> {
        let ticks = duration_to_ticks(duration, ticks_per_second());
        self.ticks.checked_add(ticks).map(Instant::from_ticks)
    }

    /// `self - duration`, or `None` if it would be before counter value 0.
    pub fn checked_sub(self, duration: Duration) -> Option<Instant> {
        let ticks = duration_to_ticks(duration, ticks_per_second());
        self.ticks.checked_sub(ticks).map(Instant::from_ticks)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    /// Adds a duration (rounded up to whole ticks).
    ///
    /// # Panics
    /// If the counter value overflows `u64` (not reachable with real durations).
    fn add(self, rhs: Duration) -> Instant {
        self.checked_add(rhs)
            .expect("overflow when adding duration to instant")
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    /// Subtracts a duration (rounded up to whole ticks).
    ///
    /// # Panics
    /// If the result would be before counter value 0.
    fn sub(self, rhs: Duration) -> Instant {
        self.checked_sub(rhs)
            .expect("overflow when subtracting duration from instant")
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, rhs: Duration) {
        *self = *self - rhs;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    /// Same as [`Instant::duration_since`].
    fn sub(self, rhs: Instant) -> Duration {
        self.duration_since(rhs)
    }
}

/// A source of monotonic time (lets code be generic over the clock, e.g. for tests).
pub trait Monotonic {
    /// The current time.
    fn now(&self) -> Instant;
    /// Counter frequency in Hz.
    fn ticks_per_second(&self) -> u32;
}

/// The system counter (`CNTPCT_EL0`): the [`Monotonic`] clock of this HAL.
#[derive(Clone, Copy, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SystemCounter;

impl Monotonic for SystemCounter {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn ticks_per_second(&self) -> u32 {
        ticks_per_second()
    }
}

/// Busy-wait delays measured on the system counter.
///
/// Implements [`embedded_hal::delay::DelayNs`]. Waits are at least as long as requested (the
/// tick count is rounded up) and about one counter tick (52 ns at 19.2 MHz) longer at most,
/// plus the time to return. No interrupts are used, so it also works with them masked. It is
/// `Copy`: any number of delays can exist, since they only read the shared counter.
///
/// ```no_run
/// use apq8016_hal::time::{Delay, Duration};
/// use embedded_hal::delay::DelayNs;
///
/// let mut delay = Delay::new();
/// delay.delay_ms(100); // embedded-hal
/// delay.delay(Duration::from_micros(5));
/// ```
#[derive(Clone, Copy, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Delay {
    ticks_per_second: u32,
}

impl Delay {
    /// A delay using the counter frequency read now from `CNTFRQ_EL0`.
    pub fn new() -> Self {
        Self {
            ticks_per_second: ticks_per_second(),
        }
    }

    /// Counter frequency the delay converts with.
    pub fn ticks_per_second(&self) -> u32 {
        self.ticks_per_second
    }

    /// Waits at least `duration`.
    pub fn delay(&mut self, duration: Duration) {
        self.delay_ticks(duration_to_ticks(duration, self.ticks_per_second));
    }

    /// Waits at least `ticks` counter ticks.
    pub fn delay_ticks(&mut self, ticks: u64) {
        let start = Instant::now();
        while Instant::now().ticks_since(start) < ticks {
            core::hint::spin_loop();
        }
    }
}

impl Default for Delay {
    fn default() -> Self {
        Self::new()
    }
}

impl embedded_hal::delay::DelayNs for Delay {
    fn delay_ns(&mut self, ns: u32) {
        self.delay(Duration::from_nanos(u64::from(ns)));
    }

    fn delay_us(&mut self, us: u32) {
        self.delay(Duration::from_micros(u64::from(us)));
    }

    fn delay_ms(&mut self, ms: u32) {
        self.delay(Duration::from_millis(u64::from(ms)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: u32 = 19_200_000;

    #[test]
    fn ticks_to_duration_exact_and_rounding_down() {
        assert_eq!(ticks_to_duration(0, F), Duration::ZERO);
        assert_eq!(ticks_to_duration(19_200_000, F), Duration::from_secs(1));
        assert_eq!(ticks_to_duration(1_920, F), Duration::from_micros(100));
        // One tick is 52.083.. ns: rounds down to 52 ns.
        assert_eq!(ticks_to_duration(1, F), Duration::from_nanos(52));
        // 1.5 s worth of ticks plus one tick.
        assert_eq!(
            ticks_to_duration(28_800_001, F),
            Duration::new(1, 500_000_052)
        );
    }

    #[test]
    fn ticks_to_duration_no_overflow_at_max() {
        let d = ticks_to_duration(u64::MAX, F);
        assert_eq!(d.as_secs(), u64::MAX / 19_200_000);
        assert!(d.subsec_nanos() < 1_000_000_000);
    }

    #[test]
    fn duration_to_ticks_rounds_up() {
        assert_eq!(duration_to_ticks(Duration::ZERO, F), 0);
        assert_eq!(duration_to_ticks(Duration::from_nanos(1), F), 1);
        assert_eq!(duration_to_ticks(Duration::from_nanos(52), F), 1);
        assert_eq!(duration_to_ticks(Duration::from_nanos(53), F), 2);
        assert_eq!(duration_to_ticks(Duration::from_millis(100), F), 1_920_000);
        assert_eq!(duration_to_ticks(Duration::from_secs(1), F), 19_200_000);
    }

    #[test]
    fn duration_to_ticks_saturates() {
        assert_eq!(duration_to_ticks(Duration::MAX, F), u64::MAX);
        assert_eq!(duration_to_ticks(Duration::MAX, 1), u64::MAX);
    }

    #[test]
    fn round_trip_never_shortens() {
        for ns in [1u64, 51, 52, 53, 999, 1_000_001, 123_456_789] {
            let d = Duration::from_nanos(ns);
            assert!(ticks_to_duration(duration_to_ticks(d, F), F) >= d, "{ns}");
        }
    }

    #[test]
    fn zero_frequency_is_treated_as_one_hz() {
        assert_eq!(ticks_to_duration(3, 0), Duration::from_secs(3));
        assert_eq!(duration_to_ticks(Duration::from_millis(1500), 0), 2);
    }

    #[test]
    fn instant_arithmetic() {
        let a = Instant::from_ticks(1000);
        let b = a + Duration::from_micros(1);
        assert_eq!(b.ticks(), 1000 + 20); // 19.2 ticks rounded up
        assert_eq!(b - a, Duration::from_nanos(1_041)); // 20 ticks = 1041.66 ns
        assert_eq!((b - Duration::from_micros(1)).ticks(), 1000);
        assert!(
            Instant::from_ticks(5)
                .checked_sub(Duration::from_secs(1))
                .is_none()
        );
        assert!(
            Instant::from_ticks(u64::MAX)
                .checked_add(Duration::from_secs(1))
                .is_none()
        );
    }

    #[test]
    fn wrapping_difference() {
        let before_wrap = Instant::from_ticks(u64::MAX - 1);
        let after_wrap = Instant::from_ticks(2);
        assert_eq!(after_wrap.ticks_since(before_wrap), 4);
    }

    #[test]
    fn delay_waits_at_least_the_requested_ticks() {
        let mut delay = Delay::new();
        let start = Instant::now();
        delay.delay_ticks(100);
        assert!(Instant::now().ticks_since(start) >= 100);
        // Monotonic ordering of successive readings.
        assert!(Instant::now() > start);
    }
}
