//! # zero_cost: what "zero-cost abstraction" means for this HAL
//!
//! The HAL wraps every register access in types (a pin you own, a configured UART, an
//! `Instant`). Those types exist only for the compiler: once optimised, driving a pin through
//! [`Output::set_high`] should be the very same machine code as writing the register through the
//! PAC by hand. This example holds pairs of small functions, one written with the HAL and one
//! with the raw PAC (or a raw system-register read), each kept out of line
//! (`#[inline(never)]`) under a fixed symbol name (`#[unsafe(no_mangle)]`), so that
//! `cargo xtask bench` can find them in the ELF and compare their instructions:
//!
//! | pair | HAL | raw |
//! |---|---|---|
//! | `gpio_set_high` | `Output::set_high` on a pin known at run time | `tlmm.gpio(n).in_out().write(..)`, with the pin-number promise the HAL's type carries |
//! | `gpio_set_high_checked` | the same HAL function | the same PAC write with the PAC's bounds check |
//! | `gpio21_set_high` | `Output::new(pins.gpio21, ..)` then `set_high` | the same three register writes |
//! | `uart_write_byte` | `Uart::write(&[byte])` (bounded wait for TXRDY) | wait for TXRDY forever, then write `TF` |
//! | `timer_now` | `time::Instant::now()` | `isb; mrs x0, cntpct_el0` |
//!
//! Expected result: the GPIO and timer pairs are identical; the HAL's UART write is bigger
//! because it gives up after a timeout instead of hanging, and returns how many bytes it took.
//! `main` calls every function once (through [`core::hint::black_box`] so none is optimised
//! away), says what it did, and resets the board.
//!
//! ## What to connect
//!
//! Nothing but the console: a **1.8 V** USB-serial adapter on the low-speed header (adapter RX
//! to pin 11, adapter TX to pin 13, GND to pin 1), 115200 8N1. User LED 1 (GPIO 21) lights up.
//!
//! ## Expected output
//!
//! ```text
//! zero_cost: HAL and raw-PAC versions of the same operations
//! gpio_set_high: HAL and PAC drove GPIO 21 high
//! gpio21_set_high: HAL and PAC configured GPIO 21 and drove it high
//! uart_write_byte: HAL wrote 'H', PAC wrote 'P'
//! timer_now: HAL and raw reads agree (later >= earlier)
//! compare the machine code with `cargo xtask bench`; resetting
//! ```

#![no_std]
#![no_main]

use core::fmt::Write;
use core::hint::black_box;

use db410c::hal::gpio::{Level, Output, OutputConfig, Pins};
use db410c::hal::pac;
use db410c::hal::time::Instant;
use db410c::hal::uart::{Error as UartError, Uart};
use db410c::{Board, ConsoleUart};

db410c::entry!(main);

/// How many pads the TLMM has (`pac::TLMM::gpio(n)` accepts `n < GPIO_COUNT`).
const GPIO_COUNT: usize = 122;

// ---- GPIO, pin known at run time ----

/// HAL: drive an output high. The pin number lives in the `Output` (one byte).
#[unsafe(no_mangle)]
#[inline(never)]
pub fn bench_hal_gpio_set_high(out: &mut Output) {
    out.set_high();
}

/// Raw PAC: the same store. The pin number is passed the same way as the HAL keeps it (a byte
/// in memory); the `Output` type guarantees it is a real pad, so here the caller promises it.
///
/// # Safety
///
/// `*n` must be below 122 (the number of TLMM pads).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe fn bench_pac_gpio_set_high(n: &u8) {
    let n = usize::from(*n);
    // SAFETY: the caller promises a valid pad number (the invariant `AnyPin` holds by type).
    unsafe { core::hint::assert_unchecked(n < GPIO_COUNT) };
    // SAFETY: TLMM is mapped for the whole program; this benchmark owns the pad it drives.
    let tlmm = unsafe { pac::TLMM::steal() };
    tlmm.gpio(n).in_out().write(|w| w.out().set_bit());
}

/// Raw PAC as most people would write it: `gpio(n)` checks `n` and panics if out of range.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn bench_pac_gpio_set_high_checked(n: &u8) {
    // SAFETY: TLMM is mapped for the whole program; this benchmark owns the pad it drives.
    let tlmm = unsafe { pac::TLMM::steal() };
    tlmm.gpio(usize::from(*n))
        .in_out()
        .write(|w| w.out().set_bit());
}

// ---- GPIO, pin known at compile time (21 = user LED 1) ----

/// HAL: make GPIO 21 an output (low, 2 mA, no pull) and drive it high.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn bench_hal_gpio21_set_high() {
    // SAFETY: the board's `led1` already owns GPIO 21 with this same configuration; this
    // benchmark re-creates it to show the cost of constructing a driver for a fixed pin.
    let pins = Pins::new(unsafe { pac::TLMM::steal() });
    let mut led = Output::new(pins.gpio21, Level::Low, OutputConfig::default());
    led.set_high();
}

/// Raw PAC: the same three register writes as `Output::new` + `set_high`.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn bench_pac_gpio21_set_high() {
    // SAFETY: as in `bench_hal_gpio21_set_high`.
    let tlmm = unsafe { pac::TLMM::steal() };
    let gpio = tlmm.gpio(21);
    gpio.in_out().write(|w| w.out().clear_bit());
    gpio.cfg().write(|w| {
        w.func_sel().set(0);
        w.pull().no_pull();
        w.drv_strength().ma2();
        w.oe().set_bit()
    });
    gpio.in_out().write(|w| w.out().set_bit());
}

// ---- Console UART, one byte ----

/// HAL: write one byte (waits, bounded, for room in the TX FIFO).
#[unsafe(no_mangle)]
#[inline(never)]
pub fn bench_hal_uart_write_byte(uart: &mut Uart<ConsoleUart>, byte: u8) -> Result<(), UartError> {
    uart.write_byte(byte)
}

/// HAL: write a one-byte slice (the general `write`: returns how many bytes it queued).
#[unsafe(no_mangle)]
#[inline(never)]
pub fn bench_hal_uart_write_slice(
    uart: &mut Uart<ConsoleUart>,
    byte: u8,
) -> Result<usize, UartError> {
    uart.write(&[byte])
}

/// Raw PAC: wait (without a limit) for TXRDY, then put the byte in the TX FIFO.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn bench_pac_uart_write_byte(byte: u8) {
    // SAFETY: the console UART is mapped for the whole program; writing one byte to its FIFO
    // while the HAL driver is idle does not disturb the driver's state.
    let uart = unsafe { pac::BLSP1_UART2::steal() };
    while uart.sr().read().txrdy().bit_is_clear() {}
    uart.tf(0).write(|w| w.data().set(u32::from(byte)));
}

// ---- Generic timer ----

/// HAL: read the system counter.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn bench_hal_timer_now() -> Instant {
    Instant::now()
}

/// Raw: `ISB` (so the read is not done early), then read `CNTPCT_EL0`.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn bench_raw_timer_now() -> u64 {
    let ticks: u64;
    // SAFETY: reads a system register that EL1 may read; no memory or stack is touched.
    unsafe {
        core::arch::asm!(
            "isb",
            "mrs {ticks}, cntpct_el0",
            ticks = out(reg) ticks,
            options(nomem, nostack, preserves_flags)
        )
    };
    ticks
}

fn main() -> ! {
    let mut board = Board::take().unwrap();
    let _ = write!(
        board.console,
        "\r\nzero_cost: HAL and raw-PAC versions of the same operations\r\n"
    );

    // Every call goes through `black_box`, so the compiler cannot inline the function, see
    // through its argument or drop it: each one stays in the ELF as a separate symbol.
    black_box(bench_hal_gpio_set_high as fn(&mut Output))(black_box(&mut board.led1));
    let pin = board.led1.number();
    // SAFETY: `pin` is the number of a pad the board set up (LED 1), so it is below 122.
    unsafe { black_box(bench_pac_gpio_set_high as unsafe fn(&u8))(black_box(&pin)) };
    black_box(bench_pac_gpio_set_high_checked as fn(&u8))(black_box(&pin));
    let _ = write!(
        board.console,
        "gpio_set_high: HAL and PAC drove GPIO {pin} high\r\n"
    );

    black_box(bench_hal_gpio21_set_high as fn())();
    black_box(bench_pac_gpio21_set_high as fn())();
    let _ = write!(
        board.console,
        "gpio21_set_high: HAL and PAC configured GPIO 21 and drove it high\r\n"
    );

    let _ = write!(board.console, "uart_write_byte: HAL wrote '");
    let _ = black_box(bench_hal_uart_write_byte as fn(&mut Uart<ConsoleUart>, u8) -> _)(
        black_box(&mut board.console),
        black_box(b'H'),
    );
    let _ = write!(board.console, "', PAC wrote '");
    black_box(bench_pac_uart_write_byte as fn(u8))(black_box(b'P'));
    let _ = write!(board.console, "'\r\n");

    let earlier = black_box(bench_hal_timer_now as fn() -> Instant)();
    let later = black_box(bench_raw_timer_now as fn() -> u64)();
    let agree = if later >= earlier.ticks() {
        "agree (later >= earlier)"
    } else {
        "DISAGREE (the raw read is earlier than the HAL read)"
    };
    let _ = write!(board.console, "timer_now: HAL and raw reads {agree}\r\n");

    let _ = write!(
        board.console,
        "compare the machine code with `cargo xtask bench`; resetting\r\n"
    );
    let _ = board.console.flush();
    board.ps_hold.reset()
}
