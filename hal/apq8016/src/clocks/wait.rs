//! Bounded busy-waiting shared by the drivers of this crate.
//!
//! Every hardware wait has two independent bounds: elapsed generic-timer time (the real
//! limit) and an iteration cap, so a wait ends even when the timer does not advance (timer
//! not enabled, broken emulation). The cap assumes one poll takes at least
//! [`MIN_POLL_NS`]; a device-register read alone takes longer than that on the A53, so on
//! working hardware the time bound always fires first.

use crate::time::{Duration, Instant};

/// Lower bound on the duration of one poll iteration, used to derive the iteration cap.
const MIN_POLL_NS: u128 = 10;
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
pub(crate) fn poll_for(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let cap = u64::try_from(timeout.as_nanos() / MIN_POLL_NS)
        .unwrap_or(u64::MAX)
        .max(MIN_POLLS);
    let start = Instant::now();
    let mut polls: u64 = 0;
    loop {
        if done() {
            return true;
        }
        polls += 1;
        if polls >= cap || start.elapsed() >= timeout {
            return done();
        }
        core::hint::spin_loop();
    }
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
