//! # pmic: the PM8916 power-management IC over SPMI
//!
//! Talks to the board's PMIC through the SoC's SPMI arbiter: prints the PMIC's revision and
//! why it powered on, shows what an SPMI error looks like (a PMIC peripheral that does not
//! exist), blinks all five user-visible LEDs through one API (LEDs 1 and 2 on SoC pads, LEDs 3
//! and 4 and the blue BT LED on PMIC pins), waits up to 3 s for the power key, then powers the
//! board **off** (the PMIC's PS_HOLD action is set to shutdown before PS_HOLD is released).
//!
//! The power key is polled from the PMIC's live status register every 10 ms; PMIC interrupts,
//! the RTC and the PMIC watchdog are not used here.
//!
//! ## What to connect
//!
//! Nothing: the LEDs and the power key (S2) are on the board. For the console: a **1.8 V**
//! USB-serial adapter on the low-speed header, adapter RX to pin 11, adapter TX to pin 13, GND
//! to pin 1; 115200 8N1. Press the power key briefly once the prompt shows (a long press makes
//! the PMIC itself switch the board off).
//!
//! ## Expected output
//!
//! ```text
//! pmic: the PM8916 over SPMI
//! revision: type 0x51 subtype 0x0b v2.0
//! power-on reason: KPDPWR (0x80)
//! warm reset: no
//! reading PMIC peripheral 0x55: PMIC access: no SPMI channel serves PMIC SID 0 peripheral 0x55
//! blinking LED1, LED2, LED3, LED4 and the BT LED
//! press the power key within 3000 ms
//! power key pressed at 2000 ms
//! powering off
//! ```
//!
//! Without a press the wait ends with `no power key press within 3000 ms` before
//! `powering off`. On the virtual board, `--press power@2s:2200ms` presses the power key at
//! 2 s of virtual time, `--pon-reason usb-chg` makes the PMIC report another power-on reason,
//! and `--trace gpio` shows the LEDs (`gpio21`, `gpio120`, `pm8916-gpio1`, `pm8916-gpio2`,
//! `pm8916-mpp3`). The run ends with `emu: PS_HOLD released at pc=...: power off`.

#![no_std]
#![no_main]

use db410c::hal::pmic::PowerOnReason;
use db410c::hal::time::{Duration, Instant, ticks_per_second};
use db410c::{Board, println};
use embedded_hal::delay::DelayNs;
use embedded_hal::digital::StatefulOutputPin;

/// How long each LED stays lit.
const BLINK_MS: u32 = 100;
/// How long to wait for the power key.
const KEY_TIMEOUT: Duration = Duration::from_millis(3000);
/// Time between two looks at the power key.
const KEY_POLL_MS: u32 = 10;

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!("\npmic: the PM8916 over SPMI");

    // The PMIC side of the board: this is the first SPMI traffic. It checks the arbiter and
    // the PMIC's identity and sets LEDs 3, 4 and BT up as outputs, off.
    let mut pmic = board.pmic().unwrap();

    // Identification and the reasons for this power-on.
    let revision = pmic.pm8916.revision().unwrap();
    println!("revision: {revision}");
    let reason = pmic.pm8916.power_on_reason().unwrap();
    print_reason(reason);
    let warm = !pmic.pm8916.warm_reset_reason().unwrap().is_empty();
    println!("warm reset: {}", if warm { "yes" } else { "no" });

    // An error path: no PMIC peripheral sits at 0x55xx, so the arbiter has no channel for it.
    let mut byte = [0u8];
    match pmic.pm8916.read_raw(0x5504, &mut byte) {
        Ok(()) => println!("reading PMIC peripheral 0x55: {:#04x}?!", byte[0]),
        Err(e) => println!("reading PMIC peripheral 0x55: {e}"),
    }

    // One API for all five LEDs: each is an embedded-hal `StatefulOutputPin`.
    println!("blinking LED1, LED2, LED3, LED4 and the BT LED");
    blink(&mut board.led1, &mut board.delay);
    blink(&mut board.led2, &mut board.delay);
    blink(&mut pmic.led3, &mut board.delay);
    blink(&mut pmic.led4, &mut board.delay);
    blink(&mut pmic.bt_led, &mut board.delay);

    // Wait for the power key, polling the PMIC's live status.
    println!("press the power key within {} ms", KEY_TIMEOUT.as_millis());
    let start = Instant::now();
    let mut pressed = false;
    while start.elapsed() < KEY_TIMEOUT {
        if pmic.power_key.is_pressed().unwrap() {
            pressed = true;
            break;
        }
        board.delay.delay_ms(KEY_POLL_MS);
    }
    if pressed {
        println!("power key pressed at {} ms", millis_now());
    } else {
        println!("no power key press within {} ms", KEY_TIMEOUT.as_millis());
    }

    // Power off: the PMIC's PS_HOLD action becomes "shutdown", then PS_HOLD is released.
    println!("powering off");
    let _ = board.console.flush();
    match board.power_off() {
        Err(e) => panic!("could not power off: {e}"),
    }
}

/// Prints the names of the power-on reasons that are set, and the raw register.
fn print_reason(reason: PowerOnReason) {
    let mut names = reason.iter_names().map(|(name, _)| name);
    let first = names.next().unwrap_or("none");
    db410c::print!("power-on reason: {first}");
    for name in names {
        db410c::print!(" {name}");
    }
    println!(" ({:#04x})", reason.bits());
}

/// Lights `led` for [`BLINK_MS`], then switches it off. Works for a SoC pad and a PMIC pin
/// alike; a PMIC error (an SPMI transfer that failed) stops the program.
fn blink<L: StatefulOutputPin>(led: &mut L, delay: &mut impl DelayNs)
where
    L::Error: core::fmt::Debug,
{
    led.set_high().unwrap();
    delay.delay_ms(BLINK_MS);
    led.toggle().unwrap();
    delay.delay_ms(BLINK_MS);
}

/// The generic timer's count, in milliseconds (rounded down).
fn millis_now() -> u64 {
    Instant::now().ticks() * 1000 / u64::from(ticks_per_second().max(1))
}
