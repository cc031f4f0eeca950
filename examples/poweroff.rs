//! # poweroff: switch the board off instead of resetting it
//!
//! Releasing PS_HOLD (the SoC's "keep me powered" signal to the PMIC) does whatever the
//! PM8916's PS_HOLD action says: a warm reset, a hard reset, or a shutdown. The boot chain
//! leaves it at "hard reset", which is why `Board::reset` restarts the board.
//! `Board::power_off` first sets the action to shutdown, then releases PS_HOLD: the board
//! switches off and stays off until the power key is pressed.
//!
//! ## What to connect
//!
//! Nothing. For the console: a **1.8 V** USB-serial adapter on the low-speed header, adapter
//! RX to pin 11, adapter TX to pin 13, GND to pin 1; 115200 8N1.
//!
//! ## Expected output
//!
//! ```text
//! poweroff: PS_HOLD action hard reset, as the boot chain left it
//! powering off
//! ```
//!
//! On the virtual board the run ends with `emu: PS_HOLD released at pc=...: power off`
//! (exit 0); a firmware that calls `Board::reset` ends with `...: system reset` instead.

#![no_std]
#![no_main]

use db410c::hal::pmic::{Pm8916, PsHoldAction};
use db410c::{Board, println};

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    let pmic = Pm8916::new(board.spmi().unwrap()).unwrap();
    let action = match pmic.ps_hold_action().unwrap() {
        Some(PsHoldAction::HardReset) => "hard reset",
        Some(PsHoldAction::WarmReset) => "warm reset",
        Some(PsHoldAction::Shutdown) => "shutdown",
        None => "none (PS_HOLD reset disabled)",
    };
    println!("\npoweroff: PS_HOLD action {action}, as the boot chain left it");
    println!("powering off");
    let _ = board.console.flush();
    match board.power_off() {
        Err(e) => panic!("could not power off: {e}"),
    }
}
