//! # leds: all five user-visible LEDs through one API
//!
//! The DragonBoard has four green user LEDs and a blue BT LED. LEDs 1 and 2 hang off SoC
//! pads (TLMM GPIO 21 and 120); LEDs 3 and 4 and the BT LED off the PM8916 PMIC (its GPIO1,
//! GPIO2 and MPP3), reached over SPMI. All five are embedded-hal `StatefulOutputPin`s, so one
//! generic function lights each in turn for 100 ms. The SoC LEDs cannot fail; every change
//! of a PMIC LED is an SPMI transfer and returns a `Result`.
//!
//! ## What to connect
//!
//! Nothing: the LEDs are on the board. For the console: a **1.8 V** USB-serial adapter on the
//! low-speed header, adapter RX to pin 11, adapter TX to pin 13, GND to pin 1; 115200 8N1.
//!
//! ## Expected output
//!
//! ```text
//! leds: LED1, LED2, LED3, LED4 and the BT LED, 100 ms each
//! done
//! ```
//!
//! On the virtual board `--trace gpio` shows each LED on and off 100 ms later, in order
//! (`gpio21`, `gpio120`, `pm8916-gpio1`, `pm8916-gpio2`, `pm8916-mpp3`); the run ends with
//! `emu: PS_HOLD released at pc=...: system reset`.

#![no_std]
#![no_main]

use db410c::{Board, println};
use embedded_hal::delay::DelayNs;
use embedded_hal::digital::StatefulOutputPin;

/// How long each LED stays lit.
const BLINK_MS: u32 = 100;

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!("\nleds: LED1, LED2, LED3, LED4 and the BT LED, {BLINK_MS} ms each");
    // The PMIC side sets LEDs 3, 4 and BT up as outputs, off.
    let mut pmic = board.pmic().unwrap();
    blink(&mut board.led1, &mut board.delay);
    blink(&mut board.led2, &mut board.delay);
    blink(&mut pmic.led3, &mut board.delay);
    blink(&mut pmic.led4, &mut board.delay);
    blink(&mut pmic.bt_led, &mut board.delay);
    println!("done");
    let _ = board.console.flush();
    board.reset()
}

/// Lights `led` for [`BLINK_MS`], then switches it off: the same code for a SoC pad and a
/// PMIC pin.
fn blink<L: StatefulOutputPin>(led: &mut L, delay: &mut impl DelayNs)
where
    L::Error: core::fmt::Debug,
{
    led.set_high().unwrap();
    delay.delay_ms(BLINK_MS);
    led.toggle().unwrap();
    delay.delay_ms(BLINK_MS);
}
