//! # pmic_info: what the PM8916 knows about this boot
//!
//! Prints the PMIC's revision, why it powered on, whether the last reset was warm, whether
//! the SoC's watchdog caused it, and the time of the PMIC's real-time clock. Then, on the
//! first boot, it asks the PMIC for a **hard reset** (PS_HOLD action "hard reset", PS_HOLD
//! released): the board starts again, and at the next boot the power-on reason says
//! `HARD_RESET`, so the program powers the board off instead of resetting it again.
//!
//! ## What to connect
//!
//! Nothing. For the console: a **1.8 V** USB-serial adapter on the low-speed header, adapter
//! RX to pin 11, adapter TX to pin 13, GND to pin 1; 115200 8N1.
//!
//! ## Expected output
//!
//! ```text
//! pmic_info: the PM8916 and the last reset
//! revision: type 0x51 subtype 0x0b v2.0
//! power-on reason: KPDPWR (0x80)
//! warm reset: no
//! watchdog reset: no
//! RTC: 1767225600
//! hard reset
//! pmic_info: the PM8916 and the last reset
//! revision: type 0x51 subtype 0x0b v2.0
//! power-on reason: HARD_RESET (0x01)
//! warm reset: no
//! watchdog reset: no
//! RTC: 1767225600
//! powering off
//! ```
//!
//! The second half is the next boot. On the virtual board it needs `--max-resets 1` (else
//! the run ends at the reset, after `hard reset`, with `emu: PS_HOLD released at pc=...:
//! system reset`); the board then reports `emu: reboot 1 of at most 1 at t=...` in between,
//! the PMIC's power-on reason is now `HARD_RESET` alone (the power key did not start this
//! boot), and the RTC keeps counting in virtual time. The run ends with `emu: PS_HOLD released at pc=...: power off`.

#![no_std]
#![no_main]

use db410c::hal::pmic::{PowerOnReason, PsHoldAction};
use db410c::{Board, print, println};

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!("\npmic_info: the PM8916 and the last reset");
    let pmic = board.pmic().unwrap();
    let pm8916 = &pmic.pm8916;

    println!("revision: {}", pm8916.revision().unwrap());
    let reason = pm8916.power_on_reason().unwrap();
    print!("power-on reason:");
    for (name, _) in reason.iter_names() {
        print!(" {name}");
    }
    println!(" ({:#04x})", reason.bits());
    let warm = !pm8916.warm_reset_reason().unwrap().is_empty();
    println!("warm reset: {}", if warm { "yes" } else { "no" });
    let bitten = board.watchdog.last_reset_was_bite();
    println!("watchdog reset: {}", if bitten { "yes" } else { "no" });
    println!("RTC: {}", pm8916.rtc().seconds().unwrap());

    if reason.contains(PowerOnReason::HARD_RESET) {
        println!("powering off");
        let _ = board.console.flush();
        match board.power_off() {
            Err(e) => panic!("could not power off: {e}"),
        }
    }
    println!("hard reset");
    let _ = board.console.flush();
    match board.ps_hold.reset_as(pm8916, PsHoldAction::HardReset) {
        Err(e) => panic!("could not reset: {e}"),
    }
}
