//! Reference solution of the lab `gpio_pattern` (labs/gpio_pattern/README.md): SOS in Morse
//! code on LED 1, LED 2 lit while the message is sent.

#![no_std]
#![no_main]

use db410c::{Board, println};
use embedded_hal::delay::DelayNs;

/// The Morse time unit: a dot lasts one unit, a dash three.
const UNIT_MS: u32 = 100;
/// The message, letter by letter, each symbol as its on-time in units (S = dot dot dot,
/// O = dash dash dash).
const MESSAGE: [[u32; 3]; 3] = [[1, 1, 1], [3, 3, 3], [1, 1, 1]];
/// Off-time between two symbols of a letter, and between two letters, in units.
const SYMBOL_GAP: u32 = 1;
const LETTER_GAP: u32 = 3;

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!("gpio_pattern: SOS on LED1");

    board.led2.set_high();
    for (letter_index, letter) in MESSAGE.iter().enumerate() {
        for (symbol_index, &units) in letter.iter().enumerate() {
            // The pause before each symbol but the first.
            if symbol_index > 0 {
                board.delay.delay_ms(SYMBOL_GAP * UNIT_MS);
            } else if letter_index > 0 {
                board.delay.delay_ms(LETTER_GAP * UNIT_MS);
            }
            board.led1.set_high();
            board.delay.delay_ms(units * UNIT_MS);
            board.led1.set_low();
        }
    }
    board.led2.set_low();

    println!("gpio_pattern: done");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
