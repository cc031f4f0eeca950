//! The PM8916 real-time clock: RTC_RW (peripheral 0x60) and RTC_ALARM (0x61)
//! (docs/hardware/spmi-pm8916.md#rtc).
//!
//! Design notes:
//! - The count is whole seconds that advance with virtual time: 19_200_000 ticks of the
//!   19.2 MHz counter per second, from the moment the count was last loaded or enabled (the
//!   sub-second phase restarts there). It starts enabled at `--rtc SECONDS` (default
//!   [`DEFAULT_RTC_SECONDS`]), so runs are deterministic.
//! - RTC_CTRL bit 7 stops (0) and restarts (1) the count. A write to an RTC_WRITE byte replaces
//!   that byte of the count at once (the sequence drivers use, disable / write / enable, needs
//!   no more) and restarts the phase; RTC_READ reads the running count.
//! - The alarm: ALARM_RW holds the time, ALARM_CTRL bit 7 enables it. Its status (the alarm
//!   peripheral's INT_RT_STS and INT_LATCHED_STS bit 1, the DT's <0 0x61 1> interrupt) is set
//!   once the count reaches the alarm time while the alarm is enabled, and stays set until
//!   ALARM_CTRL2 bit 0 (clear) or INT_LATCHED_CLR bit 1 is written. It is computed when read,
//!   and the arbiter asks for a timed event at [`Rtc::alarm_tick`] so that the alarm's PMIC
//!   interrupt (`super::interrupts`) reaches the GIC on time, also while the CPU sleeps.

/// Virtual counter ticks per RTC second.
const TICKS_PER_SECOND: u64 = 19_200_000;

/// The RTC count when no `--rtc` is given: 2026-01-01 00:00:00 UTC.
pub const DEFAULT_RTC_SECONDS: u32 = 1_767_225_600;

/// Peripheral numbers.
pub const RTC_RW: u8 = 0x60;
/// The alarm peripheral.
pub const RTC_ALARM: u8 = 0x61;

/// RTC_RW offsets.
const RTC_WRITE: u8 = 0x40;
const RTC_CTRL: u8 = 0x46;
const RTC_READ: u8 = 0x48;
/// RTC_ALARM offsets.
const ALARM_RW: u8 = 0x40;
const ALARM_CTRL: u8 = 0x46;
const ALARM_CTRL2: u8 = 0x48;
const INT_RT_STS: u8 = 0x10;
const INT_LATCHED_CLR: u8 = 0x14;
const INT_LATCHED_STS: u8 = 0x18;
/// Enable bit of RTC_CTRL and ALARM_CTRL.
const ENABLE: u8 = 0x80;
/// The alarm's interrupt bit in the alarm peripheral's interrupt registers.
const ALARM_BIT: u8 = 1 << 1;

/// RTC state.
#[derive(Debug, Clone)]
pub struct Rtc {
    /// Count at `anchor`.
    count: u32,
    /// Tick at which `count` was loaded (or the count restarted).
    anchor: u64,
    enabled: bool,
    alarm: u32,
    alarm_enabled: bool,
    /// The alarm went off and was not cleared yet.
    alarm_fired: bool,
}

impl Rtc {
    /// Running from `seconds` at tick 0.
    pub fn new(seconds: u32) -> Self {
        Self {
            count: seconds,
            anchor: 0,
            enabled: true,
            alarm: 0,
            alarm_enabled: false,
            alarm_fired: false,
        }
    }

    /// The count at tick `now`.
    pub fn seconds(&self, now: u64) -> u32 {
        if !self.enabled {
            return self.count;
        }
        let elapsed = now.saturating_sub(self.anchor) / TICKS_PER_SECOND;
        self.count.wrapping_add(elapsed as u32)
    }

    /// The first tick at which the armed alarm goes off (`None`: disarmed, the count
    /// stopped, or it already went off).
    pub fn alarm_tick(&self) -> Option<u64> {
        if !(self.alarm_enabled && self.enabled) || self.alarm_fired {
            return None;
        }
        let ahead = u64::from(self.alarm.saturating_sub(self.count));
        Some(self.anchor + ahead * TICKS_PER_SECOND)
    }

    /// Latch the alarm if it is due at `now`.
    fn check_alarm(&mut self, now: u64) {
        if self.alarm_enabled && self.enabled && self.seconds(now) >= self.alarm {
            self.alarm_fired = true;
        }
    }

    /// Restart the count from its value at `now`.
    fn reload(&mut self, now: u64, count: u32) {
        self.count = count;
        self.anchor = now;
    }

    /// A register the RTC computes: `Some(value)`; `None` leaves it to the register list.
    pub fn read(&mut self, now: u64, peripheral: u8, offset: u8) -> Option<u8> {
        self.check_alarm(now);
        match (peripheral, offset) {
            (RTC_RW, o) if (RTC_READ..RTC_READ + 4).contains(&o) => {
                Some(self.seconds(now).to_le_bytes()[usize::from(o - RTC_READ)])
            }
            (RTC_RW, o) if (RTC_WRITE..RTC_WRITE + 4).contains(&o) => {
                Some(self.seconds(now).to_le_bytes()[usize::from(o - RTC_WRITE)])
            }
            (RTC_RW, RTC_CTRL) => Some(if self.enabled { ENABLE } else { 0 }),
            (RTC_ALARM, o) if (ALARM_RW..ALARM_RW + 4).contains(&o) => {
                Some(self.alarm.to_le_bytes()[usize::from(o - ALARM_RW)])
            }
            (RTC_ALARM, ALARM_CTRL) => Some(if self.alarm_enabled { ENABLE } else { 0 }),
            (RTC_ALARM, INT_RT_STS | INT_LATCHED_STS) => {
                Some(if self.alarm_fired { ALARM_BIT } else { 0 })
            }
            _ => None,
        }
    }

    /// A write to a register the RTC handles: `true` when taken.
    pub fn write(&mut self, now: u64, peripheral: u8, offset: u8, value: u8) -> bool {
        self.check_alarm(now);
        match (peripheral, offset) {
            (RTC_RW, o) if (RTC_WRITE..RTC_WRITE + 4).contains(&o) => {
                let mut bytes = self.seconds(now).to_le_bytes();
                bytes[usize::from(o - RTC_WRITE)] = value;
                self.reload(now, u32::from_le_bytes(bytes));
            }
            (RTC_RW, RTC_CTRL) => {
                let enable = value & ENABLE != 0;
                if enable != self.enabled {
                    let count = self.seconds(now);
                    self.enabled = enable;
                    self.reload(now, count);
                }
            }
            (RTC_ALARM, o) if (ALARM_RW..ALARM_RW + 4).contains(&o) => {
                let mut bytes = self.alarm.to_le_bytes();
                bytes[usize::from(o - ALARM_RW)] = value;
                self.alarm = u32::from_le_bytes(bytes);
            }
            (RTC_ALARM, ALARM_CTRL) => self.alarm_enabled = value & ENABLE != 0,
            (RTC_ALARM, ALARM_CTRL2) => {
                if value & 1 != 0 {
                    self.alarm_fired = false;
                }
            }
            (RTC_ALARM, INT_LATCHED_CLR) => {
                if value & ALARM_BIT != 0 {
                    self.alarm_fired = false;
                }
            }
            _ => return false,
        }
        self.check_alarm(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_seconds_in_virtual_time_and_loads_written_bytes() {
        let mut rtc = Rtc::new(100);
        assert_eq!(rtc.seconds(TICKS_PER_SECOND - 1), 100);
        assert_eq!(rtc.seconds(2 * TICKS_PER_SECOND), 102);
        // Disable, write 0 to the low byte, the upper bytes, the low byte; enable.
        let t = 5 * TICKS_PER_SECOND / 2;
        rtc.write(t, RTC_RW, RTC_CTRL, 0);
        for (o, v) in [(0, 0), (1, 0x02), (2, 0), (3, 0), (0, 0x05)] {
            rtc.write(t + 10, RTC_RW, RTC_WRITE + o, v);
        }
        assert_eq!(rtc.seconds(t + 3 * TICKS_PER_SECOND), 0x205, "stopped");
        let start = t + 3 * TICKS_PER_SECOND;
        rtc.write(start, RTC_RW, RTC_CTRL, ENABLE);
        assert_eq!(
            rtc.read(start + TICKS_PER_SECOND, RTC_RW, RTC_READ),
            Some(0x06)
        );
        assert_eq!(
            rtc.read(start + TICKS_PER_SECOND, RTC_RW, RTC_READ + 1),
            Some(0x02)
        );
    }

    #[test]
    fn alarm_status_latches_when_the_count_reaches_it_until_cleared() {
        let mut rtc = Rtc::new(10);
        for (o, v) in 12u32.to_le_bytes().into_iter().enumerate() {
            rtc.write(0, RTC_ALARM, ALARM_RW + o as u8, v);
        }
        rtc.write(0, RTC_ALARM, ALARM_CTRL, ENABLE);
        assert_eq!(
            rtc.read(2 * TICKS_PER_SECOND - 1, RTC_ALARM, INT_RT_STS),
            Some(0)
        );
        assert_eq!(
            rtc.read(2 * TICKS_PER_SECOND, RTC_ALARM, INT_RT_STS),
            Some(ALARM_BIT)
        );
        rtc.write(2 * TICKS_PER_SECOND, RTC_ALARM, ALARM_CTRL, 0);
        assert_eq!(
            rtc.read(3 * TICKS_PER_SECOND, RTC_ALARM, INT_LATCHED_STS),
            Some(ALARM_BIT),
            "stays set after the alarm is disabled"
        );
        rtc.write(3 * TICKS_PER_SECOND, RTC_ALARM, ALARM_CTRL2, 1);
        assert_eq!(
            rtc.read(3 * TICKS_PER_SECOND, RTC_ALARM, INT_RT_STS),
            Some(0)
        );
    }
}
