//! # rtc: the PM8916 real-time clock
//!
//! Reads the PMIC's real-time clock (seconds since 1970-01-01 UTC), sets it, waits 2 s and
//! reads it again, then arms the RTC alarm 1 s ahead and polls its status every 10 ms for at
//! most 3 s. The RTC sits in the PM8916, reached over SPMI; it keeps counting while the SoC is
//! reset (on a real board also while it is off, from the coin cell or the main supply).
//!
//! ## What to connect
//!
//! Nothing. For the console: a **1.8 V** USB-serial adapter on the low-speed header, adapter
//! RX to pin 11, adapter TX to pin 13, GND to pin 1; 115200 8N1.
//!
//! ## Expected output
//!
//! ```text
//! rtc: the PM8916 real-time clock
//! time now: 1767225600 (2026-01-01 00:00:00 UTC)
//! setting the time to 1800000000 (2027-01-15 08:00:00 UTC)
//! after 2000 ms: 1800000002 (2027-01-15 08:00:02 UTC)
//! alarm set for 1800000003
//! alarm went off after 1000 ms, at 1800000003
//! powering off
//! ```
//!
//! On a real board the first line shows whatever time the RTC holds. On the virtual board the
//! RTC starts at 2026-01-01 00:00:00 UTC, or at `--rtc SECONDS`, and counts in virtual time;
//! the alarm is seen within one 10 ms poll of the second it is set for (so "after 990..1010 ms").
//! The run ends with `emu: PS_HOLD released at pc=...: power off`.

#![no_std]
#![no_main]

use db410c::hal::pmic::Rtc;
use db410c::hal::time::{Duration, Instant};
use db410c::{Board, print, println};
use embedded_hal::delay::DelayNs;

/// The time this example sets: 2027-01-15 08:00:00 UTC.
const NEW_TIME: u32 = 1_800_000_000;
/// How long to wait for the alarm.
const ALARM_TIMEOUT: Duration = Duration::from_millis(3000);
/// Time between two looks at the alarm status.
const POLL_MS: u32 = 10;

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!("\nrtc: the PM8916 real-time clock");
    let rtc = Rtc::new(board.spmi().unwrap());

    let now = rtc.seconds().unwrap();
    print!("time now: ");
    print_time(now);

    print!("setting the time to ");
    print_time(NEW_TIME);
    rtc.set_seconds(NEW_TIME).unwrap();
    board.delay.delay_ms(2000);
    let later = rtc.seconds().unwrap();
    print!("after 2000 ms: ");
    print_time(later);

    // The alarm: 1 s after the time just read, polled.
    let alarm = later + 1;
    rtc.set_alarm(alarm).unwrap();
    println!("alarm set for {alarm}");
    let start = Instant::now();
    loop {
        if rtc.alarm_fired().unwrap() {
            let at = rtc.seconds().unwrap();
            let waited = start.elapsed().as_millis();
            println!("alarm went off after {waited} ms, at {at}");
            break;
        }
        if start.elapsed() >= ALARM_TIMEOUT {
            println!("no alarm within {} ms", ALARM_TIMEOUT.as_millis());
            break;
        }
        board.delay.delay_ms(POLL_MS);
    }
    rtc.disable_alarm().unwrap();
    rtc.clear_alarm().unwrap();

    println!("powering off");
    let _ = board.console.flush();
    match board.power_off() {
        Err(e) => panic!("could not power off: {e}"),
    }
}

/// Prints `seconds` and the UTC date and time it stands for.
fn print_time(seconds: u32) {
    let days = seconds / 86_400;
    let of_day = seconds % 86_400;
    let (year, month, day) = civil_date(days);
    println!(
        "{seconds} ({year}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC)",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    );
}

/// Year, month (1-12) and day (1-31) of the day `days` after 1970-01-01 (proleptic
/// Gregorian calendar).
fn civil_date(days: u32) -> (u32, u32, u32) {
    let mut year = 1970;
    let mut left = days;
    loop {
        let length = if is_leap(year) { 366 } else { 365 };
        if left < length {
            break;
        }
        left -= length;
        year += 1;
    }
    let mut month_lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if is_leap(year) {
        month_lengths[1] = 29;
    }
    let mut month = 1;
    for length in month_lengths {
        if left < length {
            break;
        }
        left -= length;
        month += 1;
    }
    (year, month, left + 1)
}

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}
