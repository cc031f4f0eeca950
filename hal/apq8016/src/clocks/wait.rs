//! Bounded busy-waiting shared by the drivers of this crate.
//!
//! Every hardware wait has two independent bounds: elapsed generic-timer time (the real
//! limit) and an iteration cap, so a wait ends even when the timer does not advance (timer
//! not enabled, broken emulation). The cap assumes one poll takes at least
//! [`MIN_POLL_NS`]; a device-register read alone takes longer than that on the A53, so on
//! working hardware the time bound always fires first.

use crate::time::{Duration, Instant, duration_to_ticks, ticks_per_second};

/// Lower bound on the duration of one poll iteration, used to derive the iteration cap.
const MIN_POLL_NS: u64 = 10;
/// The iteration cap is never below this, so very short timeouts still poll a few times.
const MIN_POLLS: u64 = 1_000;

/// Polls `done` until it returns `true` or `timeout_us` microseconds have passed.
/// See [`poll_for`].
#[inline]
pub(crate) fn poll_until(timeout_us: u64, done: impl FnMut() -> bool) -> bool {
    poll_for(Duration::from_micros(timeout_us), done)
}

/// Polls `done` until it returns `true`, `timeout` has passed or the iteration cap is
/// reached. Returns whether `done` became true; the condition is checked once more after the
/// bound expires so a slow last iteration cannot cause a false timeout.
///
/// When `done` holds at once, that first check is all that runs: the timer is read and the
/// bounds are worked out only when there really is something to wait for.
#[inline]
pub(crate) fn poll_for(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    done() || keep_polling(timeout, done)
}

/// The waiting part of [`poll_for`], after a first check of `done` failed.
fn keep_polling(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let cap = poll_cap(timeout);
    let limit = duration_to_ticks(timeout, ticks_per_second());
    let start = Instant::now();
    let mut polls: u64 = 1;
    loop {
        if polls >= cap || Instant::now().ticks_since(start) >= limit {
            return done();
        }
        core::hint::spin_loop();
        if done() {
            return true;
        }
        polls += 1;
    }
}

/// The iteration cap for `timeout`: one poll per [`MIN_POLL_NS`], at least [`MIN_POLLS`].
/// 64-bit arithmetic only (saturating), so no 128-bit division routine is linked.
const fn poll_cap(timeout: Duration) -> u64 {
    let cap = timeout
        .as_secs()
        .saturating_mul(1_000_000_000 / MIN_POLL_NS)
        .saturating_add(timeout.subsec_nanos() as u64 / MIN_POLL_NS);
    if cap < MIN_POLLS { MIN_POLLS } else { cap }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_when_the_condition_holds() {
        let mut calls = 0;
        assert!(poll_until(200, || {
            calls += 1;
            calls == 3
        }));
        assert_eq!(calls, 3);
    }

    #[test]
    fn the_cap_is_one_poll_per_10_ns_and_saturates() {
        assert_eq!(poll_cap(Duration::from_micros(200)), 20_000);
        assert_eq!(poll_cap(Duration::from_nanos(5)), MIN_POLLS);
        assert_eq!(poll_cap(Duration::new(3, 25)), 300_000_002);
        assert_eq!(poll_cap(Duration::MAX), u64::MAX);
    }

    #[test]
    fn a_condition_that_holds_at_once_is_checked_once() {
        let mut calls = 0;
        assert!(poll_until(0, || {
            calls += 1;
            true
        }));
        assert_eq!(calls, 1);
    }

    #[test]
    fn gives_up_on_a_condition_that_never_holds() {
        // On the host the stand-in counter advances one 19.2 MHz tick per read, so this
        // ends by time (~3840 polls) or by the cap, whichever is first.
        let mut calls = 0u64;
        assert!(!poll_until(200, || {
            calls += 1;
            false
        }));
        assert!((2..=200 * 100 + 1).contains(&calls), "{calls}");
    }
}
