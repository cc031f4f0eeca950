//! The board's console: which UART it is, `print!`/`println!`, and the panic handler.
//!
//! # Design notes
//!
//! - The console is BLSP1 UART2 ([`ConsoleUart`]), on LS pins 11/13: the UART every boot
//!   stage of this board prints on. [`select_console`] tells the HAL's console writer
//!   ([`hal::console`]) so; [`entry!`](crate::entry) does it before `main`, [`Board::new`]
//!   again (for programs that start some other way).
//! - [`print!`](crate::print)/[`println!`](crate::println) write through that writer, not
//!   through [`Board::console`]: they work before [`Board::take`], need no `&mut` to the
//!   board, and hold the console lock for the whole message, so messages from several cores
//!   or interrupt handlers never mix. Until `Board::take` they rely on the boot firmware's
//!   console setup (115200 8N1), like the panic report. `\n` is sent as `\r\n`.
//! - [`print_plain!`](crate::print_plain)/[`println_plain!`](crate::println_plain) print a
//!   list of strings and integers without `core::fmt` (each part through [`PlainText`]). Rust's
//!   formatting machinery costs about 2.5 KiB of code once a program uses it (measured on
//!   `hello`: `Formatter::pad`, `pad_integral`, `fmt::write` and the integer `Display`s), which
//!   matters for the smallest programs; `print!`/`println!` stay the general tool.
//! - Output is dropped, never waited on forever, when the UART does not accept characters
//!   (each character waits at most 10 ms; after one timeout the rest of the message is
//!   dropped).
//! - The `#[panic_handler]` (feature `panic-handler`, default) prints the report on this
//!   console with [`hal::rt::panic::report_panic`] and resets the board. Turn the feature off
//!   to bring your own; do not also enable `apq8016-hal`'s `panic-handler`.
//!
//! [`Board::new`]: crate::Board::new
//! [`Board::take`]: crate::Board::take
//! [`Board::console`]: crate::Board::console

use core::fmt::{self, Write};

use crate::hal;
use hal::pac;

/// The UART the board's console is on: BLSP1 UART2 (TX GPIO 4 = LS 11, RX GPIO 5 = LS 13).
pub type ConsoleUart = pac::BLSP1_UART2;

/// Makes [`ConsoleUart`] the HAL's console (see the module notes). Cheap; idempotent.
pub fn select_console() {
    hal::console::select::<ConsoleUart>();
}

/// Implementation of [`print!`](crate::print). Not public API.
#[doc(hidden)]
pub fn _print(args: fmt::Arguments<'_>, newline: bool) {
    let mut console = hal::console::lock();
    let _ = console.write_fmt(args);
    if newline {
        console.write_text("\n");
    }
}

/// Waits (bounded, 20 ms) until everything printed on the console has left the UART, e.g.
/// before a reset that would cut the last line off. Like `Board::console.flush()`, without
/// needing the board.
pub fn flush() {
    hal::console::lock().flush();
}

/// A value [`print_plain!`](crate::print_plain) can write without `core::fmt`: strings as they
/// are (`\n` as `\r\n`), unsigned integers in decimal.
pub trait PlainText {
    /// Writes `self` on the console.
    fn write_to(&self, console: &mut hal::console::ConsoleWriter);
}

impl PlainText for &str {
    fn write_to(&self, console: &mut hal::console::ConsoleWriter) {
        console.write_text(self);
    }
}

macro_rules! plain_text_decimal {
    ($($type:ty),*) => {$(
        impl PlainText for $type {
            fn write_to(&self, console: &mut hal::console::ConsoleWriter) {
                console.write_decimal(*self as u64);
            }
        }
    )*};
}
plain_text_decimal!(u8, u16, u32, u64, usize);

/// Implementation of [`print_plain!`](crate::print_plain). Not public API.
#[doc(hidden)]
pub fn _print_plain(parts: &[&dyn PlainText], newline: bool) {
    let mut console = hal::console::lock();
    for part in parts {
        part.write_to(&mut console);
    }
    if newline {
        console.write_text("\n");
    }
}

/// Prints strings and unsigned integers one after the other, without `core::fmt` (see the
/// [module notes](crate::console)): `print_plain!("x = ", x)` prints what `print!("x = {x}")`
/// does for a string or an unsigned integer `x`. Every part implements [`PlainText`].
#[macro_export]
macro_rules! print_plain {
    ($($part:expr),* $(,)?) => {
        $crate::console::_print_plain(&[$(&$part as &dyn $crate::console::PlainText),*], false)
    };
}

/// [`print_plain!`](crate::print_plain) with a line end (`\r\n` on the wire):
/// `println_plain!("Hello from the ", db410c::BOARD_NAME, "!")`.
///
/// ```no_run
/// let answer: u32 = 42;
/// db410c::println_plain!("the answer is ", answer);
/// ```
#[macro_export]
macro_rules! println_plain {
    ($($part:expr),* $(,)?) => {
        $crate::console::_print_plain(&[$(&$part as &dyn $crate::console::PlainText),*], true)
    };
}

/// Prints to the board's console (see [`crate::console`]): `print!("x = {}", x)`.
///
/// `\n` is sent as `\r\n`. Works from the start of `main` (before [`Board::take`](crate::Board::take)),
/// on any core and in interrupt handlers; output is dropped if the console does not accept it.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::console::_print(::core::format_args!($($arg)*), false)
    };
}

/// Prints to the board's console with a line end (`\r\n` on the wire): `println!("x = {}", x)`.
/// See [`print!`](crate::print).
///
/// ```no_run
/// db410c::println!("Hello from the {}!", db410c::BOARD_NAME);
/// ```
#[macro_export]
macro_rules! println {
    () => {
        $crate::console::_print(::core::format_args!(""), true)
    };
    ($($arg:tt)*) => {
        $crate::console::_print(::core::format_args!($($arg)*), true)
    };
}

/// The board's panic handler: report on the console, then reset (see the module notes).
#[cfg(all(feature = "panic-handler", target_arch = "aarch64"))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    select_console();
    hal::rt::panic::report_panic(info)
}
