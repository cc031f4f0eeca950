//! The console: one polled, lock-protected writer on the UART the board chose.
//!
//! Everything that prints without owning a [`Uart`](crate::uart::Uart) goes through this
//! module: the panic report, the exception report, the `defmt` logger (feature
//! `defmt-logger`) and the board crate's `print!`/`println!`.
//!
//! # Design notes
//!
//! - **Which UART** is a board decision: the board crate calls [`select`] with the UART type
//!   (the DragonBoard 410c's `entry!` does it before `main`). Until then, or in a program that
//!   never selects one, everything written here is dropped; the reports still reset the board.
//! - **No driver state.** The writer talks straight to the UART registers and relies on the
//!   UART having been set up by the boot firmware (LK, U-Boot and TF-A all leave the console
//!   running at 115200 8N1) or by a [`Uart`](crate::uart::Uart) driver. It can therefore
//!   print before any driver exists, while a driver is half-way through an operation, and from
//!   a panic or exception handler.
//! - **Mode.** The UART_DM either sends single characters (`DMEN.TX_SC_EN`, the U-Boot/TF-A
//!   way and the way the `Uart` driver works: one `TF` write = one character) or packed words
//!   whose count has to be announced in `NCF_TX` first (LK/Linux). Only single-character mode
//!   is usable without knowing what is in flight, so when a writer is created and `TX_SC_EN`
//!   is clear, it waits (bounded) for the transmitter to drain, sets `TX_SC_EN` (leaving the
//!   receive-side bits alone) and enables the transmitter. Then per byte: wait for
//!   `SR.TXRDY`, write it to `TF`. The `Uart` driver and this writer can therefore take turns
//!   on the same UART without reconfiguring anything.
//! - **Lock.** A [`ConsoleWriter`] holds the console lock for its lifetime: interrupts (IRQ,
//!   FIQ) are masked on this core and a global lock that remembers its owner core is taken
//!   (the same protocol as the HAL's `critical-section` implementation, but a lock of its own,
//!   so printing does not hold up unrelated critical sections). Output of two cores or of a
//!   thread and an interrupt handler therefore never interleaves. The lock is re-entrant on
//!   the owning core, so a panic inside a `defmt` frame can still print its report. The
//!   `Uart` driver does not take this lock: text written through a driver on one core while
//!   another core prints here can interleave.
//! - **Reports never hang.** Every wait is bounded by time (the system counter): 10 ms per
//!   character, 20 ms for draining. After the first timeout the writer drops the rest of its
//!   output. [`lock_for_report`] waits at most 100 ms for the lock (another core may have
//!   died holding it) and then prints without it.
//! - **Text** written with [`ConsoleWriter::write_text`] or `core::fmt::Write` goes out with
//!   every `\n` as `\r\n`, which serial terminals need; [`ConsoleWriter::write_bytes`] sends
//!   bytes unchanged (binary `defmt` frames).

use core::fmt;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicUsize, Ordering};

use crate::critical_section_impl::{OwnerLock, owner_id};
use crate::pac;
use crate::time::{Duration, Instant, duration_to_ticks, ticks_per_second};
use crate::uart::Instance;

type RegisterBlock = pac::blsp1_uart1::RegisterBlock;

/// Longest wait for the UART to accept one character (>100 character times at 115200 baud).
const CHAR_TIMEOUT: Duration = Duration::from_millis(10);
/// Longest wait for the transmitter to empty completely (64-byte FIFO at 115200 baud ≈ 5.6 ms).
const DRAIN_TIMEOUT: Duration = Duration::from_millis(20);
/// Longest wait of a report for the lock before it prints without it.
const REPORT_LOCK_TIMEOUT: Duration = Duration::from_millis(100);

/// Address of the selected UART's register block, 0 = no console.
static CONSOLE_UART: AtomicUsize = AtomicUsize::new(0);
/// The console lock (see the module notes).
static LOCK: OwnerLock = OwnerLock::new();

/// Makes UART `I` (`pac::BLSP1_UART1` or `pac::BLSP1_UART2`) the console.
///
/// The board crate calls this; a program built on the HAL alone calls it before printing.
/// Selecting does not touch the UART: it must already run (boot firmware or a
/// [`Uart`](crate::uart::Uart) driver).
pub fn select<I: Instance>() {
    CONSOLE_UART.store(I::register_block() as usize, Ordering::Release);
}

/// Whether a console UART has been [`select`]ed.
pub fn is_selected() -> bool {
    CONSOLE_UART.load(Ordering::Acquire) != 0
}

/// Takes the console lock (waiting as long as another core holds it) and returns the writer.
/// The lock is released when the writer is dropped.
pub fn lock() -> ConsoleWriter {
    let saved_daif = mask_interrupts();
    let nested = LOCK.acquire(this_core());
    ConsoleWriter::new(saved_daif, Held::Lock { nested })
}

/// Like [`lock`], for a last-resort report (panic, exception): waits at most 100 ms for the
/// lock, then writes without it, so a core that died holding the lock cannot silence the
/// report.
pub fn lock_for_report() -> ConsoleWriter {
    let saved_daif = mask_interrupts();
    let me = this_core();
    let limit = duration_to_ticks(REPORT_LOCK_TIMEOUT, ticks_per_second());
    let start = Instant::now();
    let held = loop {
        if let Some(nested) = LOCK.try_acquire(me) {
            break Held::Lock { nested };
        }
        if Instant::now().ticks_since(start) > limit {
            break Held::Nothing;
        }
        core::hint::spin_loop();
    };
    ConsoleWriter::new(saved_daif, held)
}

/// What a writer has to give back when dropped.
#[derive(Clone, Copy)]
enum Held {
    /// The lock (`nested`: this core already held it, so only the outer writer frees it).
    Lock { nested: bool },
    /// Nothing: a report that gave up waiting for the lock.
    Nothing,
}

/// Exclusive access to the console; see the module notes. Obtained from [`lock`].
///
/// Implements `core::fmt::Write` (text, `\n` sent as `\r\n`).
pub struct ConsoleWriter {
    /// The UART's register block address, 0 = none selected (output is dropped).
    uart: usize,
    /// `DAIF` before the interrupts were masked, restored on drop.
    saved_daif: u64,
    held: Held,
    /// A wait timed out: drop the rest of this writer's output.
    gave_up: bool,
    /// The writer must be dropped on the core that created it (the lock knows its owner).
    _this_core: PhantomData<*const ()>,
}

impl fmt::Debug for ConsoleWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsoleWriter")
            .field("selected", &(self.uart != 0))
            .finish_non_exhaustive()
    }
}

impl ConsoleWriter {
    /// Takes over the transmitter in single-character mode (see the module notes).
    fn new(saved_daif: u64, held: Held) -> Self {
        let mut writer = ConsoleWriter {
            uart: CONSOLE_UART.load(Ordering::Acquire),
            saved_daif,
            held,
            gave_up: false,
            _this_core: PhantomData,
        };
        if let Some(uart) = writer.regs() {
            if !uart.dmen().read().tx_sc_en().bit_is_set() {
                writer.gave_up = !wait_for(DRAIN_TIMEOUT, || uart.sr().read().txemt().bit_is_set());
                uart.dmen().modify(|_, w| w.tx_sc_en().set_bit());
            }
            uart.cr().write(|w| w.tx_en().set_bit());
        }
        writer
    }

    fn regs(&self) -> Option<&'static RegisterBlock> {
        if self.uart == 0 {
            return None;
        }
        // SAFETY: a non-zero address was stored by `select` from `Instance::register_block`:
        // a UART register block, always mapped (device memory in the initial page table). Only
        // volatile register accesses are made through the reference.
        Some(unsafe { &*(self.uart as *const RegisterBlock) })
    }

    /// Sends one byte, waiting (bounded) for room in the FIFO.
    fn put(&mut self, byte: u8) {
        let Some(uart) = self.regs() else { return };
        if self.gave_up {
            return;
        }
        if wait_for(CHAR_TIMEOUT, || uart.sr().read().txrdy().bit_is_set()) {
            uart.tf(0).write(|w| w.data().set(u32::from(byte)));
        } else {
            self.gave_up = true;
        }
    }

    /// Sends `bytes` unchanged.
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.put(byte);
        }
    }

    /// Sends `text`, every `\n` as `\r\n` (without going through `core::fmt`).
    pub fn write_text(&mut self, text: &str) {
        for_each_text_byte(text, |byte| self.put(byte));
    }

    /// Sends `value` as `0x` and 16 lower-case hex digits (no `core::fmt`: the exception
    /// report stays small and independent of the formatting machinery).
    pub fn write_hex(&mut self, value: u64) {
        for_each_hex_byte(value, |byte| self.put(byte));
    }

    /// Sends `value` in decimal (no `core::fmt`, like [`ConsoleWriter::write_hex`]).
    pub fn write_decimal(&mut self, value: u64) {
        for_each_decimal_digit(value, |digit| self.put(digit));
    }

    /// Waits (bounded) until the last character has left the transmitter.
    pub fn flush(&mut self) {
        let Some(uart) = self.regs() else { return };
        if !self.gave_up {
            wait_for(DRAIN_TIMEOUT, || uart.sr().read().txemt().bit_is_set());
        }
    }
}

impl fmt::Write for ConsoleWriter {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.write_text(text);
        Ok(())
    }
}

impl Drop for ConsoleWriter {
    fn drop(&mut self) {
        if let Held::Lock { nested } = self.held {
            LOCK.release(nested);
        }
        restore_interrupts(self.saved_daif);
    }
}

/// Calls `put` with the bytes of `text`, `\n` expanded to `\r\n`.
fn for_each_text_byte(text: &str, mut put: impl FnMut(u8)) {
    for byte in text.bytes() {
        if byte == b'\n' {
            put(b'\r');
        }
        put(byte);
    }
}

/// Calls `put` with `value` as `0x` and 16 lower-case hex digits (no buffer, like
/// [`for_each_decimal_digit`]).
fn for_each_hex_byte(value: u64, mut put: impl FnMut(u8)) {
    put(b'0');
    put(b'x');
    for shift in (0..16).rev() {
        let digit = ((value >> (shift * 4)) & 0xF) as u8;
        put(if digit < 10 {
            b'0' + digit
        } else {
            b'a' + digit - 10
        });
    }
}

/// Calls `put` with the decimal digits of `value`, most significant first: the highest power
/// of ten not above `value` (1 for 0), then one digit per power. No buffer, which keeps this
/// small (it is in every program, for the reports).
fn for_each_decimal_digit(value: u64, mut put: impl FnMut(u8)) {
    let mut power = 1;
    while value / power >= 10 {
        power *= 10;
    }
    loop {
        put(b'0' + (value / power % 10) as u8);
        if power == 1 {
            break;
        }
        power /= 10;
    }
}

/// Polls `done` until it returns true or `timeout` passes; returns whether it became true.
/// The timer is read only if the first poll fails (the usual case, room in the FIFO, costs
/// one register read).
fn wait_for(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    if done() {
        return true;
    }
    let limit = duration_to_ticks(timeout, ticks_per_second());
    let start = Instant::now();
    loop {
        if done() {
            return true;
        }
        if Instant::now().ticks_since(start) > limit {
            return false;
        }
        core::hint::spin_loop();
    }
}

/// Masks IRQ and FIQ on this core; returns the previous `DAIF`.
#[cfg(target_arch = "aarch64")]
fn mask_interrupts() -> u64 {
    use aarch64_cpu::registers::{DAIF, Readable};
    let saved = DAIF.get();
    // SAFETY: `msr daifset, #3` only sets the I and F mask bits of this core; the compiler must
    // not move memory accesses across it (no `nomem`).
    unsafe { core::arch::asm!("msr daifset, #3", options(nostack, preserves_flags)) };
    saved
}

/// Restores this core's `DAIF` mask bits saved by [`mask_interrupts`].
#[cfg(target_arch = "aarch64")]
fn restore_interrupts(saved: u64) {
    // SAFETY: writes back this core's mask bits as `mask_interrupts` read them.
    unsafe { core::arch::asm!("msr daif, {}", in(reg) saved, options(nostack, preserves_flags)) };
}

/// The lock identity of this core.
#[cfg(target_arch = "aarch64")]
fn this_core() -> u64 {
    use aarch64_cpu::registers::{MPIDR_EL1, Readable};
    owner_id(MPIDR_EL1.get())
}

// Host builds (unit tests): one "core", no interrupts.
#[cfg(not(target_arch = "aarch64"))]
fn mask_interrupts() -> u64 {
    0
}
#[cfg(not(target_arch = "aarch64"))]
fn restore_interrupts(_saved: u64) {}
#[cfg(not(target_arch = "aarch64"))]
fn this_core() -> u64 {
    owner_id(0)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use core::fmt::Write;
    use std::vec::Vec;

    #[test]
    fn text_gets_crlf_line_ends() {
        let mut out = Vec::new();
        for_each_text_byte("a\nb\r\n", |b| out.push(b));
        assert_eq!(out, b"a\r\nb\r\r\n");
    }

    #[test]
    fn decimal_has_no_leading_zeros() {
        for (value, text) in [
            (0, "0"),
            (7, "7"),
            (10, "10"),
            (240, "240"),
            (u64::from(u32::MAX), "4294967295"),
            (u64::MAX, "18446744073709551615"),
        ] {
            let mut digits = Vec::new();
            for_each_decimal_digit(value, |digit| digits.push(digit));
            assert_eq!(digits, text.as_bytes());
        }
    }

    #[test]
    fn hex_is_zero_padded_lower_case() {
        let hex = |value| {
            let mut out = Vec::new();
            for_each_hex_byte(value, |byte| out.push(byte));
            out
        };
        assert_eq!(hex(0), b"0x0000000000000000");
        assert_eq!(hex(0x8008_0a1c), b"0x0000000080080a1c");
        assert_eq!(hex(u64::MAX), b"0xffffffffffffffff");
    }

    #[test]
    fn without_a_console_output_is_dropped_and_the_lock_is_given_back() {
        // No `select` in host tests: nothing is written, nothing blocks.
        assert!(!is_selected());
        {
            let mut outer = lock();
            assert_eq!(LOCK.owner(), this_core());
            {
                // Re-entrant on the same core (a panic inside a defmt frame).
                let mut inner = lock_for_report();
                inner.write_text("nested\n");
                inner.flush();
            }
            assert_eq!(LOCK.owner(), this_core(), "inner writer must keep the lock");
            let _ = write!(outer, "dropped {}", 42);
            outer.write_hex(1);
        }
        assert_eq!(LOCK.owner(), 0, "lock freed with the outer writer");
    }
}
