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
//! | `gpio_interrupt_ack` | `Input::clear_interrupt` (pin known at run time) | `tlmm.gpio(n).intr_status().write(..)`, with the same promise |
//! | `uart_write_byte` | `Uart::write_byte(byte)` (bounded wait for TXRDY) | wait for TXRDY forever, then write `TF` |
//! | `uart_write` | `Uart::write(&[byte])` (the same, and returns how many bytes it took) | the same raw loop |
//! | `spi_byte` | `SpiBus::transfer_in_place` of one byte on SPI0 (10 MHz) | the QUP register sequence for one byte, no error checks |
//! | `i2c_byte` | `I2c::write(0x50, &[byte])` on I2C0 (1 MHz) | the QUP register sequence for the same transaction, no error checks |
//! | `timer_now` | `time::Instant::now()` | `isb; mrs x0, cntpct_el0` |
//!
//! (Raw loops poll at most 100,000 times, so the example cannot hang when nothing answers.)
//!
//! Expected result: the GPIO and timer pairs are identical; the HAL's UART writes are a little
//! bigger because they give up after a timeout instead of hanging (the wait itself is out of
//! line: with room in the FIFO it never runs).
//!
//! `main` also *runs* each pair once under a counter (`executed`): on the virtual board,
//! which advances the system counter by one tick per instruction, that is the number of
//! instructions each call executes, and it prints them (`executed:` lines; `cargo xtask bench`
//! reads them and guards the ratios). Then it resets the board.
//!
//! ## What to connect
//!
//! The console: a **1.8 V** USB-serial adapter on the low-speed header (adapter RX to pin 11,
//! adapter TX to pin 13, GND to pin 1), 115200 8N1. User LED 1 (GPIO 21) lights up. For the
//! I2C pair, an I2C device at address 0x50 (e.g. a 24C32 EEPROM) on I2C0 (LS 15/17); without
//! one the line says "NOT acknowledged" and the counts are of the failed transaction. The
//! virtual board's run: `--i2c 0:0x50=24c32 --spi 0:nor` (SPI0 works with or without a device).
//!
//! ## Expected output
//!
//! ```text
//! zero_cost: HAL and raw-PAC versions of the same operations
//! gpio_set_high: HAL and PAC drove GPIO 21 high
//! gpio21_set_high: HAL and PAC configured GPIO 21 and drove it high
//! gpio_interrupt_ack: HAL and PAC acknowledged GPIO 36
//! uart_write_byte: HAL wrote 'H', PAC wrote 'P'
//! uart_write: HAL wrote 'S'
//! spi_byte: HAL and PAC exchanged a byte on SPI0
//! i2c_byte: HAL and PAC wrote a byte to 0x50 on I2C0: acknowledged
//! timer_now: HAL and raw reads agree (later >= earlier)
//! executed: gpio_set_high: HAL 7, raw 7 instructions
//! executed: gpio_interrupt_ack: HAL 6, raw 6 instructions
//! executed: uart_write_byte: HAL 8, raw 7 instructions
//! executed: uart_write: HAL 10, raw 7 instructions
//! executed: spi_byte: HAL 109, raw 57 instructions
//! executed: i2c_byte: HAL 814, raw 494 instructions
//! executed: timer_now: HAL 3, raw 3 instructions
//! compare the machine code with `cargo xtask bench`; resetting
//! ```
//!
//! (The counts are from the virtual board with Rust 1.95; on hardware they are counter ticks.)

#![no_std]
#![no_main]

use core::fmt::Write;
use core::hint::black_box;

use db410c::hal::gpio::{Input, InputConfig, Level, Output, OutputConfig, Pins};
use db410c::hal::i2c::{self, I2c};
use db410c::hal::pac;
use db410c::hal::pac::blsp1_qup1::{RegisterBlock as QupRegisters, qup_state::State};
use db410c::hal::spi::{self, Spi};
use db410c::hal::time::Instant;
use db410c::hal::uart::{Error as UartError, Uart};
use db410c::{Board, ConsoleUart, I2c0, Spi0};
use embedded_hal::i2c::I2c as _;
use embedded_hal::spi::SpiBus;

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

// ---- GPIO interrupt acknowledge, pin known at run time ----

/// HAL: acknowledge a pad's interrupt, as a `TLMM_SUMMARY` handler does for each pad it serves.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn bench_hal_gpio_interrupt_ack(input: &mut Input) {
    input.clear_interrupt();
}

/// Raw PAC: write 0 to the pad's `INTR_STATUS`, with the same pin-number promise as
/// `bench_pac_gpio_set_high`.
///
/// # Safety
///
/// `*n` must be below 122 (the number of TLMM pads).
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe fn bench_pac_gpio_interrupt_ack(n: &u8) {
    let n = usize::from(*n);
    // SAFETY: the caller promises a valid pad number (the invariant `AnyPin` holds by type).
    unsafe { core::hint::assert_unchecked(n < GPIO_COUNT) };
    // SAFETY: TLMM is mapped for the whole program; this benchmark owns the pad it acknowledges.
    let tlmm = unsafe { pac::TLMM::steal() };
    tlmm.gpio(n)
        .intr_status()
        .write(|w| w.intr_status().clear_bit());
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

// ---- Raw QUP helpers (SPI and I2C) ----

/// How often a raw loop polls before it gives up: enough for any wait here, so the example
/// cannot hang when nothing is connected (the HAL bounds its waits by time instead).
const RAW_SPINS: u32 = 100_000;

/// Polls `done` until it holds, at most [`RAW_SPINS`] times.
#[inline(always)]
fn spin(mut done: impl FnMut() -> bool) {
    for _ in 0..RAW_SPINS {
        if done() {
            return;
        }
    }
}

/// Writes a QUP state and polls until the core reports it.
#[inline(always)]
fn raw_qup_state(qup: &QupRegisters, state: State) {
    qup.qup_state().write(|w| w.state().variant(state));
    spin(|| {
        let s = qup.qup_state().read();
        s.state_valid().bit_is_set() && s.state().variant() == state
    });
}

// ---- SPI, one byte each way ----

/// HAL: exchange one byte on SPI0 (`SpiBus::transfer_in_place` of a one-byte buffer).
#[unsafe(no_mangle)]
#[inline(never)]
pub fn bench_hal_spi_byte(spi: &mut Spi0, byte: u8) -> Result<u8, spi::Error> {
    let mut buffer = [byte];
    spi.transfer_in_place(&mut buffer)?;
    Ok(buffer[0])
}

/// Raw PAC: the same exchange on the QUP registers, the core in SPI BLOCK mode with packing
/// as `Spi::new` left it (the HAL's sequence): counts, RUN, wait for the output block
/// request, the byte, wait for the byte in, read it, clear the flags, RESET. No error
/// checks, waits bounded by a poll count only.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn bench_pac_spi_byte(byte: u8) -> u8 {
    // SAFETY: QUP5 is mapped for the whole program; the SPI driver that owns it is idle
    // between its calls, and this leaves the core in RESET as the driver does.
    let qup = unsafe { pac::BLSP1_QUP5::steal() };
    qup.qup_mx_output_cnt().write(|w| w.count().set(1));
    qup.qup_mx_input_cnt().write(|w| w.count().set(1));
    raw_qup_state(&qup, State::Run);
    spin(|| {
        qup.qup_operational()
            .read()
            .out_block_write_req()
            .bit_is_set()
    });
    qup.qup_output_fifo()
        .write(|w| w.data().set(u32::from(byte)));
    spin(|| qup.qup_operational().read().max_input_done().bit_is_set());
    let read = qup.qup_input_fifo().read().data().bits() as u8;
    qup.qup_operational().write(|w| {
        w.out_service_flag().set_bit();
        w.in_service_flag().set_bit();
        w.max_output_done().set_bit();
        w.max_input_done().set_bit()
    });
    raw_qup_state(&qup, State::Reset);
    read
}

// ---- I2C, one byte written ----

/// The device the I2C pair writes to (a 24C32 EEPROM on the virtual board's I2C0).
const I2C_DEVICE: u8 = 0x50;

/// HAL: write one byte to the device on I2C0 (`I2c::write`: a whole transaction).
#[unsafe(no_mangle)]
#[inline(never)]
pub fn bench_hal_i2c_byte(i2c: &mut I2c0, byte: u8) -> Result<(), i2c::Error> {
    i2c.write(I2C_DEVICE, &[byte])
}

/// Raw PAC: the same transaction on the QUP registers, with the set-up the HAL does for every
/// transaction (reset, I2C mini-core, v2 tags, FIFO mode): one message `START`, address,
/// `DATA_WRITE_STOP` with 1 byte; RUN, the SCL dividers (`clock_control`, from
/// `ClockControl::register_value`), PAUSE, the two FIFO words, RUN; wait until the message is
/// out and the bus idle; RESET. No error checks, waits bounded by a poll count only.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn bench_pac_i2c_byte(byte: u8, clock_control: u32) {
    // SAFETY: QUP2 is mapped for the whole program; the I2C driver that owns it is idle
    // between its calls and resets the core at the start of each transaction.
    let qup = unsafe { pac::BLSP1_QUP2::steal() };
    qup.qup_sw_reset().write(|w| w.reset().set_bit());
    spin(|| {
        let s = qup.qup_state().read();
        s.state_valid().bit_is_set() && s.state().is_reset()
    });
    qup.qup_config().write(|w| {
        w.n().set(7);
        w.mini_core().set(2)
    });
    qup.i2c_master_gen()
        .write(|w| w.en_version_two_tag().set_bit());
    spin(|| qup.qup_state().read().i2c_mast_gen().bit_is_set());
    qup.qup_io_modes().write(|w| {
        w.output_mode().fifo();
        w.input_mode().fifo();
        w.pack_en().set_bit();
        w.unpack_en().set_bit()
    });
    // START (0x81), address, DATA_WRITE_STOP (0x83), length 1, the byte.
    let words = [
        u32::from_le_bytes([0x81, I2C_DEVICE << 1, 0x83, 1]),
        u32::from(byte),
    ];
    qup.qup_mx_write_cnt().write(|w| w.count().set(5));
    qup.qup_mx_read_cnt().write(|w| w.count().set(0));
    raw_qup_state(&qup, State::Run);
    qup.i2c_master_clk_ctl().write(|w| {
        w.fs_div().set(clock_control as u8);
        w.hs_div().set((clock_control >> 8) as u8 & 7);
        w.high_time_div().set((clock_control >> 16) as u8)
    });
    raw_qup_state(&qup, State::Pause);
    for word in words {
        qup.qup_output_fifo().write(|w| w.data().set(word));
    }
    raw_qup_state(&qup, State::Run);
    spin(|| qup.qup_operational().read().max_output_done().bit_is_set());
    spin(|| qup.i2c_master_status().read().bus_active().bit_is_clear());
    raw_qup_state(&qup, State::Reset);
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

// ---- Counting executed instructions ----

/// Executes exactly one instruction (`ret`): the calibration of `executed`.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn bench_calibrate() {}

/// System-counter ticks around one call of the function at address `function`, with `x0` and
/// `x1` as its first two arguments and `x8` pointing at room for a value returned in memory
/// (how rustc passes these functions' arguments and results on AArch64, as the C ABI does).
/// One copy only (`inline(never)`), so the code around the call is the same for every call.
#[inline(never)]
fn ticks_around(function: usize, x0: usize, x1: usize) -> u64 {
    let mut returned = [0u64; 4];
    let (start, end): (u64, u64);
    // SAFETY: `function` is one of this file's `bench_*` functions and `x0`/`x1` are valid
    // arguments for it (see each call); `x8` points at writable room for its result. Every
    // register the call may change is declared clobbered (`clobber_abi("C")`).
    unsafe {
        core::arch::asm!(
            // `ISB` ends the virtual board's translated block, so each counter read is in a
            // block of its own, the same for every call: the code around `blr` costs the
            // same ticks each time, and `executed` subtracts them.
            "isb",
            "mrs x20, cntpct_el0",
            "blr {function}",
            "isb",
            "mrs x21, cntpct_el0",
            "b 2f",
            "2:",
            function = in(reg) function,
            inout("x0") x0 => _,
            inout("x1") x1 => _,
            in("x8") returned.as_mut_ptr(),
            out("x20") start,
            out("x21") end,
            clobber_abi("C"),
        )
    };
    end.wrapping_sub(start)
}

/// Instructions that one call of the function at `function` executes, its `ret` included.
///
/// The virtual board advances the system counter by exactly one tick per instruction it
/// executes, so the ticks around the call, minus those around a call of [`bench_calibrate`]
/// (which executes one instruction), are the callee's instructions. On hardware the counter
/// runs at 19.2 MHz, far slower than the core: there the figure says little.
fn executed(function: usize, x0: usize, x1: usize) -> u64 {
    let overhead = ticks_around(bench_calibrate as *const () as usize, 0, 0).wrapping_sub(1);
    ticks_around(function, x0, x1).wrapping_sub(overhead)
}

/// The address of a value, as an argument for [`executed`].
fn address_of<T>(value: &mut T) -> usize {
    value as *mut T as usize
}

fn main() -> ! {
    let mut board = Board::take().unwrap();
    let _ = write!(
        board.console,
        "\r\nzero_cost: HAL and raw-PAC versions of the same operations\r\n"
    );
    // (name, HAL instructions, raw instructions), printed at the end.
    let mut counts: [(&str, u64, u64); 7] = [("", 0, 0); 7];

    // Every function is called by address (through `executed`, or through `black_box`), so
    // the compiler cannot inline it, see through its argument or drop it: each one stays in
    // the ELF as a separate symbol.
    let mut pin = board.led1.number();
    let hal = executed(
        bench_hal_gpio_set_high as *const () as usize,
        address_of(&mut board.led1),
        0,
    );
    // `pin` is the number of a pad the board set up (LED 1), so it is below 122, as
    // `bench_pac_gpio_set_high` requires.
    let raw = executed(
        bench_pac_gpio_set_high as *const () as usize,
        address_of(&mut pin),
        0,
    );
    counts[0] = ("gpio_set_high", hal, raw);
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

    // GPIO-A (LS 23) as an input; acknowledging a pad with nothing pending changes nothing.
    let mut input = Input::new(board.header.gpio_a, InputConfig::default());
    let mut pad = input.number();
    let hal = executed(
        bench_hal_gpio_interrupt_ack as *const () as usize,
        address_of(&mut input),
        0,
    );
    // `pad` is a real pad (below 122), as `bench_pac_gpio_interrupt_ack` requires.
    let raw = executed(
        bench_pac_gpio_interrupt_ack as *const () as usize,
        address_of(&mut pad),
        0,
    );
    counts[1] = ("gpio_interrupt_ack", hal, raw);
    let _ = write!(
        board.console,
        "gpio_interrupt_ack: HAL and PAC acknowledged GPIO {pad}\r\n"
    );

    // The writes are measured with room in the FIFO (the path that matters: a wait costs
    // what the line rate dictates), so the UART is drained before each.
    let _ = write!(board.console, "uart_write_byte: HAL wrote '");
    let _ = board.console.flush();
    let hal = executed(
        bench_hal_uart_write_byte as *const () as usize,
        address_of(&mut board.console),
        usize::from(b'H'),
    );
    let _ = write!(board.console, "', PAC wrote '");
    let _ = board.console.flush();
    let raw = executed(
        bench_pac_uart_write_byte as *const () as usize,
        usize::from(b'P'),
        0,
    );
    let _ = write!(board.console, "'\r\n");
    counts[2] = ("uart_write_byte", hal, raw);
    let _ = write!(board.console, "uart_write: HAL wrote '");
    let _ = board.console.flush();
    let hal = executed(
        bench_hal_uart_write_slice as *const () as usize,
        address_of(&mut board.console),
        usize::from(b'S'),
    );
    let _ = write!(board.console, "'\r\n");
    counts[3] = ("uart_write", hal, raw);

    // SPI0 at 10 MHz (one byte is 8 SCLK periods: 15 counter ticks of wire time).
    let mut spi = Spi::new(
        board.spi0,
        board.header.spi0_mosi,
        board.header.spi0_miso,
        board.header.spi0_sclk,
        &mut board.clocks,
        spi::Config::default().with_frequency(10_000_000),
    )
    .unwrap();
    let hal = executed(
        bench_hal_spi_byte as *const () as usize,
        address_of(&mut spi),
        0xA5,
    );
    let raw = executed(bench_pac_spi_byte as *const () as usize, 0xA5, 0);
    counts[4] = ("spi_byte", hal, raw);
    let _ = write!(
        board.console,
        "spi_byte: HAL and PAC exchanged a byte on SPI0\r\n"
    );

    // I2C0 at 1 MHz: a one-byte write is START, 2 bytes of 9 bits and STOP, 20 SCL periods
    // (384 counter ticks of wire time, spent polling by both versions).
    let config = i2c::Config::default().with_frequency(i2c::Config::FAST_MODE_PLUS_HZ);
    let mut i2c = I2c::new(
        board.i2c0,
        board.header.i2c0_sda,
        board.header.i2c0_scl,
        &mut board.clocks,
        config,
    )
    .unwrap();
    let clock_control = i2c::clock_control(db410c::hal::clocks::XO_HZ, config.frequency_hz)
        .unwrap()
        .register_value();
    let hal = executed(
        bench_hal_i2c_byte as *const () as usize,
        address_of(&mut i2c),
        0,
    );
    let raw = executed(
        bench_pac_i2c_byte as *const () as usize,
        0,
        clock_control as usize,
    );
    counts[5] = ("i2c_byte", hal, raw);
    let outcome = match bench_hal_i2c_byte(&mut i2c, 0) {
        Ok(()) => "acknowledged",
        Err(_) => "NOT acknowledged (nothing at 0x50?)",
    };
    let _ = write!(
        board.console,
        "i2c_byte: HAL and PAC wrote a byte to 0x50 on I2C0: {outcome}\r\n"
    );

    let earlier = black_box(bench_hal_timer_now as fn() -> Instant)();
    let later = black_box(bench_raw_timer_now as fn() -> u64)();
    let agree = if later >= earlier.ticks() {
        "agree (later >= earlier)"
    } else {
        "DISAGREE (the raw read is earlier than the HAL read)"
    };
    let _ = write!(board.console, "timer_now: HAL and raw reads {agree}\r\n");
    counts[6] = (
        "timer_now",
        executed(bench_hal_timer_now as *const () as usize, 0, 0),
        executed(bench_raw_timer_now as *const () as usize, 0, 0),
    );

    for (name, hal, raw) in counts {
        let _ = write!(
            board.console,
            "executed: {name}: HAL {hal}, raw {raw} instructions\r\n"
        );
    }
    let _ = write!(
        board.console,
        "compare the machine code with `cargo xtask bench`; resetting\r\n"
    );
    let _ = board.console.flush();
    board.ps_hold.reset()
}
