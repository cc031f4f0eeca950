//! The `embassy-time` driver on the generic timer's [`Alarm`] (feature
//! `embassy-time-driver`), and [`AsyncDelay`], an `embedded-hal-async` delay on it.
//!
//! ```no_run
//! use apq8016_hal::interrupt::InterruptController;
//! use apq8016_hal::time::{Alarm, Duration, driver::{self, AsyncDelay}};
//! use embedded_hal_async::delay::DelayNs;
//!
//! async fn pause() {
//!     AsyncDelay.delay_ms(100).await; // embedded-hal-async
//!     driver::sleep(Duration::from_millis(5)).await;
//! }
//!
//! let mut interrupts = InterruptController::take().unwrap();
//! driver::start(Alarm::new(&mut interrupts).unwrap()); // embassy_time::Timer, Ticker work now
//! # drop(pause());
//! ```
//!
//! # Design notes
//!
//! - **Tick rate**: `embassy-time-driver` fixes the tick rate at build time from a list of
//!   features, and 19.2 MHz is not on the list. 1.28 MHz is, and it divides the counter
//!   exactly (19.2 MHz / 15): an embassy tick is 15 counter ticks, `now()` is the counter
//!   divided by 15 and a deadline is multiplied back by 15, with no rounding error that could
//!   accumulate. So `Ticker::every(Duration::from_millis(100))` expires exactly 1 920 000
//!   counter ticks apart, as [`Alarm::start_periodic`] does. The HAL sets the feature on
//!   `embassy-time-driver` (`tick-hz-1_280_000`), so a firmware must not choose another.
//! - **One timer, no fight over it**: the driver is built on the HAL's [`Alarm`] (EL1
//!   physical timer, PPI 3 = ID 19) rather than beside it. [`start`] takes the alarm by value
//!   (it can be taken once), so a program either uses the alarm directly or hands it to the
//!   driver; the alarm's handler calls the driver's callback after stopping the timer.
//! - **Timer queue**: `embassy-time-queue-utils`' default queue, which is the one
//!   `embassy-executor` integrates into its tasks (no fixed capacity, no allocation); wakers
//!   must therefore come from `embassy-executor` tasks (e.g. the HAL's `executor`).
//!   Queue and alarm live together in a `critical_section::Mutex`. After any change of the
//!   queue's earliest deadline, and at each expiry, the queue wakes what has expired and the
//!   alarm is set to the next deadline (a deadline already past fires at once, so there is no
//!   window in which an expiry is missed) or stopped when the queue is empty.
//! - The alarm's timer is banked per core: the driver's interrupts come to the core that
//!   called [`start`], and only tasks on that core may use timers (a timer set from another
//!   core would program that core's timer instead: the driver panics with a message).
//!   Tasks on other cores are still woken by anything else, through their executor's
//!   pender. (Serving every core would take a request to the driver's core, e.g. by SGI.)

use core::cell::RefCell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use critical_section::Mutex;
use embassy_time_queue_utils::Queue;

use super::{Alarm, Duration, Instant};

/// Embassy ticks per second: the 19.2 MHz counter divided by [`COUNTER_TICKS_PER_TICK`].
pub const TICKS_PER_SECOND: u64 = embassy_time_driver::TICK_HZ;
/// Counter ticks per embassy tick.
pub const COUNTER_TICKS_PER_TICK: u64 = 15;

// The tick rate the HAL selects must be the one the divisor gives (19.2 MHz / 15).
const _: () = assert!(TICKS_PER_SECOND * COUNTER_TICKS_PER_TICK == 19_200_000);

/// An embassy tick count for a counter value (rounded down: the tick that has begun).
pub const fn ticks_from_counter(counter: u64) -> u64 {
    counter / COUNTER_TICKS_PER_TICK
}

/// The counter value at which embassy tick `ticks` begins (saturating).
pub const fn counter_from_ticks(ticks: u64) -> u64 {
    ticks.saturating_mul(COUNTER_TICKS_PER_TICK)
}

/// The embassy tick at or after counter value `counter` (rounded up), for deadlines.
pub const fn ticks_at_or_after_counter(counter: u64) -> u64 {
    counter.div_ceil(COUNTER_TICKS_PER_TICK)
}

struct State {
    alarm: Option<Alarm>,
    /// The core whose timer the alarm is (the one that called [`start`]).
    core: usize,
    queue: Queue,
}

/// The core running this code (0 on the host).
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

impl State {
    /// Wakes what has expired and sets the alarm to the next deadline (or stops it).
    fn rearm(&mut self) {
        let now = ticks_from_counter(Instant::now().ticks());
        let next = self.queue.next_expiration(now);
        let alarm = self
            .alarm
            .as_mut()
            .expect("embassy-time used before apq8016_hal::time::driver::start");
        // The timer registers are banked: from another core they would program that core's
        // timer, whose interrupt nobody handles.
        assert!(
            this_core() == self.core,
            "embassy-time timers serve only core {}, the core that started the driver",
            self.core
        );
        if next == u64::MAX {
            alarm.cancel();
        } else {
            alarm.set(Instant::from_ticks(counter_from_ticks(next)));
        }
    }
}

/// The driver: the alarm and the timer queue.
pub struct GenericTimerDriver {
    state: Mutex<RefCell<State>>,
}

impl GenericTimerDriver {
    const fn new() -> Self {
        Self {
            state: Mutex::new(RefCell::new(State {
                alarm: None,
                core: 0,
                queue: Queue::new(),
            })),
        }
    }
}

impl embassy_time_driver::Driver for GenericTimerDriver {
    fn now(&self) -> u64 {
        ticks_from_counter(Instant::now().ticks())
    }

    fn schedule_wake(&self, at: u64, waker: &Waker) {
        critical_section::with(|cs| {
            let mut state = self.state.borrow_ref_mut(cs);
            if state.queue.schedule_wake(at, waker) {
                state.rearm();
            }
        });
    }
}

embassy_time_driver::time_driver_impl!(static DRIVER: GenericTimerDriver = GenericTimerDriver::new());

/// The alarm's callback (IRQ context, the timer already stopped): wake and re-arm.
fn on_alarm() {
    critical_section::with(|cs| DRIVER.state.borrow_ref_mut(cs).rearm());
}

/// Starts the driver on `alarm` (this core's generic timer): from now on `embassy-time`'s
/// timers expire by its interrupt. Unmask IRQs on this core for them to be taken.
pub fn start(mut alarm: Alarm) {
    alarm.cancel();
    alarm.set_callback(Some(on_alarm));
    critical_section::with(|cs| {
        let mut state = DRIVER.state.borrow_ref_mut(cs);
        state.alarm = Some(alarm);
        state.core = this_core();
        state.rearm();
    });
}

/// Sleeps until the counter reaches `deadline` (an `embassy-executor` task's future).
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep { deadline }
}

/// Sleeps for at least `duration`.
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(Instant::now() + duration)
}

/// The future of [`sleep_until`]: ready once the counter has reached its deadline.
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Sleep {
    deadline: Instant,
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        embassy_time_driver::schedule_wake(
            ticks_at_or_after_counter(self.deadline.ticks()),
            cx.waker(),
        );
        Poll::Pending
    }
}

/// `embedded_hal_async::delay::DelayNs` on the time driver: a task awaiting it sleeps (its
/// core too, if nothing else is ready) and is woken by the alarm's interrupt. Waits are at
/// least as long as asked (rounded up to a counter tick, then to the next embassy tick) .
#[derive(Clone, Copy, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AsyncDelay;

impl embedded_hal_async::delay::DelayNs for AsyncDelay {
    async fn delay_ns(&mut self, ns: u32) {
        sleep(Duration::from_nanos(u64::from(ns))).await;
    }

    async fn delay_us(&mut self, us: u32) {
        sleep(Duration::from_micros(u64::from(us))).await;
    }

    async fn delay_ms(&mut self, ms: u32) {
        sleep(Duration::from_millis(u64::from(ms))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_conversions_are_exact_multiples() {
        assert_eq!(TICKS_PER_SECOND, 1_280_000);
        assert_eq!(ticks_from_counter(19_200_000), 1_280_000);
        assert_eq!(counter_from_ticks(128_000), 1_920_000);
        assert_eq!(ticks_from_counter(14), 0);
        assert_eq!(ticks_from_counter(15), 1);
        assert_eq!(ticks_at_or_after_counter(15), 1);
        assert_eq!(ticks_at_or_after_counter(16), 2);
        assert_eq!(counter_from_ticks(u64::MAX), u64::MAX);
        // A 100 ms ticker from any start: deadlines 1 920 000 counter ticks apart.
        let start = 12_345;
        for n in 0..5u64 {
            let at = start + n * 128_000;
            assert_eq!(
                counter_from_ticks(at + 128_000) - counter_from_ticks(at),
                1_920_000
            );
        }
    }
}
