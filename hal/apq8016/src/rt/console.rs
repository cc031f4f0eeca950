//! Last-resort console output for exception and panic reports.
//!
//! # Design notes
//!
//! Reports are written by this private polled writer straight to the BLSP1 UART2 registers
//! (the SoC debug console every boot stage uses), not through [`crate::uart::Uart`]: a report
//! may be produced while the driver is half-way through an operation, while its owner holds a
//! lock, or before any driver exists. So the writer takes no lock, keeps no state and touches
//! no clock: it relies on the console having been set up by the boot firmware (LK, U-Boot and
//! TF-A all leave it running at 115200 8N1, facts §11) or by our own driver.
//!
//! Mode: the UART_DM either sends single characters (DMEN.TX_SC_EN set, the U-Boot/TF-A way:
//! one TF write = one character) or packed words whose count has to be announced in NCF_TX
//! first (LK/Linux). Single-character mode is the only one usable without knowing what is in
//! flight, so if TX_SC_EN is clear the writer waits (bounded) for the transmitter to drain,
//! then sets TX_SC_EN, leaving the other DMEN bits (the receive side) alone, and enables the
//! transmitter. Then per byte: wait for SR.TXRDY, write it to TF. `\n` is sent as `\r\n`.
//!
//! Every wait is bounded by time (the system counter), so a console that is unclocked or
//! wedged cannot keep the board from resetting afterwards.

use crate::pac;
use crate::time::{Duration, Instant, ticks_per_second};

/// Longest wait for the UART to accept one character (>100 character times at 115200 baud).
const CHAR_TIMEOUT: Duration = Duration::from_millis(10);
/// Longest wait for the transmitter to empty completely (64-byte FIFO at 115200 baud ≈ 5.6 ms).
const DRAIN_TIMEOUT: Duration = Duration::from_millis(20);

/// Writer for reports; see the module notes.
pub(crate) struct ReportConsole {
    /// The console gave up (a wait timed out): stop waiting for each following byte.
    dead: bool,
}

/// The console's register block.
fn regs() -> &'static pac::blsp1_uart1::RegisterBlock {
    // SAFETY: BLSP1_UART2's register block is at a fixed, always-mapped address (device memory
    // in the initial page table); only volatile register accesses are made through it.
    unsafe { &*pac::BLSP1_UART2::ptr() }
}

/// Polls `done` until it returns true or `timeout` passes; returns whether it became true.
fn wait_for(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let limit = crate::time::duration_to_ticks(timeout, ticks_per_second());
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

impl ReportConsole {
    /// Takes over the console transmitter in single-character mode (see the module notes).
    pub(crate) fn new() -> Self {
        let uart = regs();
        let mut dead = false;
        if !uart.dmen().read().tx_sc_en().bit_is_set() {
            dead = !wait_for(DRAIN_TIMEOUT, || uart.sr().read().txemt().bit_is_set());
            uart.dmen().modify(|_, w| w.tx_sc_en().set_bit());
        }
        uart.cr().write(|w| w.tx_en().set_bit());
        Self { dead }
    }

    fn put(&mut self, byte: u8) {
        let uart = regs();
        if !self.dead {
            self.dead = !wait_for(CHAR_TIMEOUT, || uart.sr().read().txrdy().bit_is_set());
        }
        if !self.dead {
            uart.tf(0).write(|w| w.data().set(u32::from(byte)));
        }
    }

    /// Writes `s`, sending `\n` as `\r\n` (without going through `core::fmt`).
    pub(crate) fn write_text(&mut self, s: &str) {
        for byte in s.bytes() {
            if byte == b'\n' {
                self.put(b'\r');
            }
            self.put(byte);
        }
    }

    /// Writes `value` as `0x` followed by 16 hex digits (no `core::fmt`: the exception path
    /// stays small and independent of the formatting machinery).
    pub(crate) fn write_hex(&mut self, value: u64) {
        self.write_text("0x");
        for shift in (0..16).rev() {
            let digit = ((value >> (shift * 4)) & 0xF) as u8;
            self.put(if digit < 10 {
                b'0' + digit
            } else {
                b'a' + digit - 10
            });
        }
    }

    /// Waits (bounded) until the last character has left the shift register.
    pub(crate) fn flush(&mut self) {
        let uart = regs();
        if !self.dead {
            wait_for(DRAIN_TIMEOUT, || uart.sr().read().txemt().bit_is_set());
        }
    }
}

impl core::fmt::Write for ReportConsole {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.write_text(s);
        Ok(())
    }
}

/// Releases PS_HOLD without going through any driver (see [`crate::reset`]), after a report.
pub(crate) fn reset_after_report() -> ! {
    // SAFETY: the report path owns the system from here on; nothing else will use PS_HOLD
    // again, and the write only releases the power hold.
    let ps_hold = unsafe { crate::reset::PsHold::new(pac::MPM_PS_HOLD::steal()) };
    ps_hold.reset()
}
