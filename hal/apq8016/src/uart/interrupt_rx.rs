//! Interrupt-driven reception: the UART's receive interrupt moves every character into a
//! software ring buffer, so nothing is lost while the program is busy elsewhere.
//!
//! ```no_run
//! use apq8016_hal::interrupt::{self, InterruptController, InterruptId, Trigger};
//! use apq8016_hal::uart::{Config, RxBuffer, Uart};
//! use apq8016_hal::{clocks::Clocks, gpio::Pins, pac};
//!
//! // The buffer lives in a static: the interrupt handler reaches it there.
//! static CONSOLE_RX: RxBuffer<512> = RxBuffer::new();
//! fn on_console_interrupt() {
//!     CONSOLE_RX.on_interrupt();
//! }
//!
//! let p = pac::Peripherals::take().unwrap();
//! let mut clocks = Clocks::new(p.GCC);
//! let pins = Pins::new(p.TLMM);
//! let uart = Uart::new(p.BLSP1_UART2, pins.gpio4, pins.gpio5, &mut clocks, Config::default())?;
//! let (mut tx, rx) = uart.split();
//! let mut rx = rx.into_interrupt_driven(&CONSOLE_RX);
//!
//! let mut interrupts = InterruptController::take().unwrap();
//! let id = InterruptId::from(pac::Interrupt::BLSP1_UART2);
//! interrupts.set_handler(id, on_console_interrupt).unwrap();
//! interrupts.set_trigger(id, Trigger::Level).unwrap();
//! interrupts.enable(id).unwrap();
//! // SAFETY: not inside a critical section; the only enabled line has its handler.
//! unsafe { interrupt::enable_irq() };
//!
//! let mut buf = [0u8; 64];
//! loop {
//!     let n = rx.read(&mut buf)?; // sleeps (WFI) until the handler has stored something
//!     tx.write_all(&buf[..n])?;
//! }
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```
//!
//! # Design notes
//!
//! - **Which interrupt**: `RXLEV` with `RFWR = 0`: the UART asserts it while its receive FIFO
//!   holds more than zero words (docs/hardware/uart-dm.md#registers), i.e. from the first
//!   character on, and the level stays up until the FIFO is empty. The handler reads `SR` and
//!   `RF` until `SR.RXRDY` is clear, so one interrupt takes everything that is there. `RXSTALE`
//!   is not used: it ends a packed-mode (`DMRX`) transfer whose tail is still in a partial
//!   word, and in single-character mode (which the driver keeps, so the polled path, the
//!   transmitter and this one share one mode) no character ever waits in a partial word; a
//!   watermark above zero would need it to get the last characters of a burst. One interrupt
//!   per character in the worst case costs ~100 instructions per 86.8 µs at 115200 baud.
//! - **The ring** is one `AtomicU16` per slot: a character (0..=255) or an error marker
//!   (`ERROR_MARKER | kind`), so errors keep their place among the characters. Single
//!   producer (the handler, on the core the line is routed to) and single consumer (the
//!   [`InterruptRx`]): `head` is written only by the handler, `tail` only by the reader,
//!   each with `Release`, read by the other with `Acquire`. No lock, no critical section on
//!   the interrupt path.
//! - **Errors are reported as by the polled driver** ([`super::UartRx`]): the handler turns
//!   the sticky `SR` flags into markers in the order overrun, break, parity/framing, clears
//!   them (`RESET_ERROR`, `RESET_BREAK_INT`) and then takes the characters still in the FIFO.
//!   A read returns the characters before a marker, the next read the error, the read after
//!   that the characters after it. A full ring loses the new characters: the loss is
//!   reported as [`Error::Overrun`] after the characters that were kept (a marker once there
//!   is room again, or by the next read that finds the ring empty).
//! - **Waking readers**: a blocking [`InterruptRx::read`] sleeps with
//!   [`crate::interrupt::wait_until`] (`WFI`: for a reader on the core that takes the UART's
//!   interrupt, core 0 unless re-routed). The handler also wakes an
//!   [`embassy_sync::waitqueue::AtomicWaker`], which the `embedded-io-async` implementation
//!   (`uart/asynch.rs`) registers: executor-agnostic.

use core::sync::atomic::{AtomicBool, AtomicU16, AtomicU32, AtomicUsize, Ordering};

use embassy_sync::waitqueue::AtomicWaker;

use super::{ChannelCommand, Error, RegisterBlock, Regs, UartRx, has_error};
use crate::clocks::wait;
use crate::time::Duration;

/// Slot value bit: the slot holds an error, not a character.
const ERROR_MARKER: u16 = 0x100;
const MARK_OVERRUN: u16 = ERROR_MARKER;
const MARK_BREAK: u16 = ERROR_MARKER | 1;
const MARK_PARITY_OR_FRAMING: u16 = ERROR_MARKER | 2;

/// Storage for interrupt-driven reception of one UART: a ring of `N` slots (characters and
/// error markers) filled by [`RxBuffer::on_interrupt`]. Put it in a `static` and call
/// `on_interrupt` from the UART's interrupt handler; see the [module example](self).
pub struct RxBuffer<const N: usize> {
    /// Address of the UART's register block; 0 until [`UartRx::into_interrupt_driven`].
    regs: AtomicUsize,
    slots: [AtomicU16; N],
    /// Slots written so far (wrapping); only the handler stores it.
    head: AtomicUsize,
    /// Slots consumed so far (wrapping); only the reader stores it.
    tail: AtomicUsize,
    /// Characters were dropped because the ring was full and the loss is not reported yet.
    overflowed: AtomicBool,
    /// How many times the handler found the UART attached (interrupts served).
    interrupts: AtomicU32,
    /// Characters the handler took from the FIFO (stored or dropped).
    received: AtomicU32,
    /// Woken by the handler whenever it stored something (async readers).
    pub(super) waker: AtomicWaker,
}

impl<const N: usize> Default for RxBuffer<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> RxBuffer<N> {
    /// An empty buffer, not attached to a UART.
    pub const fn new() -> Self {
        assert!(N >= 2, "an RxBuffer needs at least two slots");
        Self {
            regs: AtomicUsize::new(0),
            slots: [const { AtomicU16::new(0) }; N],
            head: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
            overflowed: AtomicBool::new(false),
            interrupts: AtomicU32::new(0),
            received: AtomicU32::new(0),
            waker: AtomicWaker::new(),
        }
    }

    /// The UART's receive interrupt: call it from the handler registered for the UART's
    /// interrupt ID (e.g. `pac::Interrupt::BLSP1_UART2`). Takes every character and pending
    /// error from the UART into the ring, which ends the interrupt (the FIFO is empty).
    /// Does nothing before the buffer is attached.
    pub fn on_interrupt(&self) {
        let address = self.regs.load(Ordering::Acquire);
        if address == 0 {
            return;
        }
        self.interrupts.fetch_add(1, Ordering::Relaxed);
        // SAFETY: `address` was stored by `UartRx::into_interrupt_driven` from the driver's own
        // register pointer (the MMIO block of a UART, mapped for the whole program); the
        // receive registers it touches (SR, RF, CR commands) belong to the receiver half that
        // was handed over with it.
        let r: &RegisterBlock = unsafe { &*(address as *const RegisterBlock) };
        let mut stored = false;
        loop {
            let sr = r.sr().read();
            if has_error(&sr) {
                let cr = r.cr();
                cr.write(|w| w.channel_command().variant(ChannelCommand::ResetError));
                if sr.rx_break().bit_is_set() {
                    cr.write(|w| w.channel_command().variant(ChannelCommand::ResetBreakInt));
                }
                for (set, marker) in [
                    (sr.overrun().bit_is_set(), MARK_OVERRUN),
                    (sr.rx_break().bit_is_set(), MARK_BREAK),
                    (sr.par_frame_err().bit_is_set(), MARK_PARITY_OR_FRAMING),
                ] {
                    if set {
                        stored |= self.push(marker);
                    }
                }
            }
            if sr.rxrdy().bit_is_clear() {
                break;
            }
            // Single-character mode: the character is in bits 7:0.
            let byte = r.rf(0).read().data().bits() as u8;
            self.received.fetch_add(1, Ordering::Relaxed);
            stored |= self.push(u16::from(byte));
        }
        if stored {
            self.waker.wake();
        }
    }

    /// Stores one slot value (handler only); on a full ring, drops it and remembers the loss.
    /// Returns whether something was stored.
    fn push(&self, value: u16) -> bool {
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Acquire);
        let free = N - head.wrapping_sub(tail);
        let mut head = head;
        if self.overflowed.load(Ordering::Relaxed) {
            // The loss goes in first, once there is room for it and the value after it;
            // the reader may have reported it meanwhile (it clears the flag with a swap).
            if free < 2 {
                return false;
            }
            if self.overflowed.swap(false, Ordering::AcqRel) {
                self.slots[head % N].store(MARK_OVERRUN, Ordering::Relaxed);
                head = head.wrapping_add(1);
            }
        } else if free == 0 {
            self.overflowed.store(true, Ordering::Release);
            return false;
        }
        self.slots[head % N].store(value, Ordering::Relaxed);
        self.head.store(head.wrapping_add(1), Ordering::Release);
        true
    }

    /// Whether a read would return at once: characters or an error are waiting.
    pub fn is_ready(&self) -> bool {
        self.head.load(Ordering::Acquire) != self.tail.load(Ordering::Relaxed)
            || self.overflowed.load(Ordering::Acquire)
    }

    /// Characters and error markers waiting in the ring.
    pub fn len(&self) -> usize {
        self.head
            .load(Ordering::Acquire)
            .wrapping_sub(self.tail.load(Ordering::Relaxed))
    }

    /// Whether nothing is waiting (see [`RxBuffer::is_ready`] for pending losses).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many interrupts the handler has served since the buffer was attached.
    pub fn interrupt_count(&self) -> u32 {
        self.interrupts.load(Ordering::Relaxed)
    }

    /// How many characters the handler has taken from the UART (kept or lost to a full ring).
    pub fn received_count(&self) -> u32 {
        self.received.load(Ordering::Relaxed)
    }

    /// Without waiting: `Ok(n)` with the characters up to the next error marker (0 if
    /// nothing is waiting), or the error at the front (consumed). Reader only.
    pub(super) fn take(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let head = self.head.load(Ordering::Acquire);
        let mut tail = self.tail.load(Ordering::Relaxed);
        let mut n = 0;
        while tail != head && n < buf.len() {
            let value = self.slots[tail % N].load(Ordering::Relaxed);
            if value & ERROR_MARKER != 0 {
                if n > 0 {
                    break;
                }
                self.tail.store(tail.wrapping_add(1), Ordering::Release);
                return Err(match value {
                    MARK_OVERRUN => Error::Overrun,
                    MARK_BREAK => Error::Break,
                    _ => Error::ParityOrFraming,
                });
            }
            buf[n] = value as u8;
            n += 1;
            tail = tail.wrapping_add(1);
        }
        self.tail.store(tail, Ordering::Release);
        if n == 0 && tail == head && self.overflowed.swap(false, Ordering::AcqRel) {
            return Err(Error::Overrun);
        }
        Ok(n)
    }

    fn attach(&self, regs: Regs) {
        self.head.store(0, Ordering::Relaxed);
        self.tail.store(0, Ordering::Relaxed);
        self.overflowed.store(false, Ordering::Relaxed);
        self.regs.store(regs.0 as usize, Ordering::Release);
    }

    fn detach(&self) {
        self.regs.store(0, Ordering::Release);
    }
}

/// The receiving half of a UART, fed by its interrupt through an [`RxBuffer`]
/// ([`UartRx::into_interrupt_driven`]). Reading takes from the buffer, never from the UART.
pub struct InterruptRx<const N: usize> {
    rx: UartRx,
    buffer: &'static RxBuffer<N>,
}

impl UartRx {
    /// Hands reception over to the UART's receive interrupt: attaches `buffer` (emptied),
    /// sets the watermark to zero and unmasks `RXLEV` in the UART, so the UART asserts its
    /// interrupt line while a character waits (see the [module notes](self)).
    /// Characters already in the FIFO go into the buffer at the first interrupt.
    ///
    /// Still to do by the caller: a handler for the UART's GIC interrupt that calls
    /// [`RxBuffer::on_interrupt`] on the same buffer, the line enabled (level-triggered), and
    /// IRQs unmasked on the core it is routed to (core 0 by default).
    pub fn into_interrupt_driven<const N: usize>(
        self,
        buffer: &'static RxBuffer<N>,
    ) -> InterruptRx<N> {
        buffer.attach(self.regs);
        let r = self.regs.get();
        r.rfwr().write(|w| w.rfw().set(0));
        r.imr().write(|w| w.rxlev().set_bit());
        InterruptRx { rx: self, buffer }
    }
}

impl<const N: usize> InterruptRx<N> {
    /// Reads at least one byte, sleeping (`WFI`, see [`crate::interrupt::wait_until`]) until
    /// the interrupt handler has stored one, and as many more as are waiting, up to
    /// `buf.len()`; or reports the error that comes first (see the module notes). Returns 0
    /// only for an empty `buf`. IRQs must be unmasked on this core and the UART's interrupt
    /// routed to it (else the core sleeps until some other interrupt).
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        let buffer = self.buffer;
        crate::interrupt::wait_until(|| buffer.is_ready());
        self.take(buf)
    }

    /// Like [`InterruptRx::read`], but gives up with [`Error::Timeout`] if nothing arrived
    /// within `timeout`. Checks the buffer in a loop (no `WFI`), so it needs no timer
    /// interrupt; the UART's interrupt keeps filling the buffer meanwhile.
    pub fn read_with_timeout(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        let buffer = self.buffer;
        if !wait::poll_for(timeout, || buffer.is_ready()) {
            return Err(Error::Timeout);
        }
        self.take(buf)
    }

    /// Without waiting: the characters waiting (0 if none), or the error at the front.
    pub fn read_available(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        self.take(buf)
    }

    /// [`RxBuffer::take`], with the parity/framing flag named as the polled driver names it:
    /// with parity off it can only be a framing error.
    pub(super) fn take(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        match self.buffer.take(buf) {
            Err(Error::ParityOrFraming) if !self.rx.parity_enabled => Err(Error::Framing),
            other => other,
        }
    }

    /// Whether a read would not wait (characters or an error are in the buffer).
    pub fn read_ready(&self) -> bool {
        self.buffer.is_ready()
    }

    /// The buffer this receiver reads from (counters, fill level).
    pub fn buffer(&self) -> &'static RxBuffer<N> {
        self.buffer
    }

    /// Masks the UART's interrupts, detaches the buffer and gives back the polled receiver.
    /// What is still in the buffer is dropped; characters still in the FIFO stay there for
    /// the polled receiver.
    pub fn into_polled(self) -> UartRx {
        self.rx.regs.get().imr().reset();
        self.buffer.detach();
        self.rx
    }
}

impl<const N: usize> core::fmt::Debug for InterruptRx<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InterruptRx")
            .field("pin", &self.rx.pin.number())
            .field("capacity", &N)
            .field("waiting", &self.buffer.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_and_errors_keep_their_order() {
        let b: RxBuffer<8> = RxBuffer::new();
        for v in [
            u16::from(b'a'),
            u16::from(b'b'),
            MARK_PARITY_OR_FRAMING,
            u16::from(b'x'),
        ] {
            assert!(b.push(v));
        }
        let mut buf = [0u8; 8];
        assert_eq!(b.take(&mut buf), Ok(2));
        assert_eq!(&buf[..2], b"ab");
        assert_eq!(b.take(&mut buf), Err(Error::ParityOrFraming));
        assert_eq!(b.take(&mut buf), Ok(1));
        assert_eq!(buf[0], b'x');
        assert_eq!(b.take(&mut buf), Ok(0));
        assert!(!b.is_ready());
    }

    #[test]
    fn a_full_ring_reports_the_loss_after_what_it_kept() {
        let b: RxBuffer<4> = RxBuffer::new();
        for c in b"abcd" {
            assert!(b.push(u16::from(*c)));
        }
        assert!(!b.push(u16::from(b'e')), "full: dropped");
        let mut buf = [0u8; 2];
        assert_eq!(b.take(&mut buf), Ok(2));
        // Room for the marker and the next character.
        assert!(b.push(u16::from(b'f')));
        let mut buf = [0u8; 8];
        assert_eq!(b.take(&mut buf), Ok(2));
        assert_eq!(&buf[..2], b"cd");
        assert_eq!(b.take(&mut buf), Err(Error::Overrun));
        assert_eq!(b.take(&mut buf), Ok(1));
        assert_eq!(buf[0], b'f');
    }

    #[test]
    fn a_loss_with_nothing_after_it_is_reported_by_the_reader() {
        let b: RxBuffer<2> = RxBuffer::new();
        assert!(b.push(1) && b.push(2));
        assert!(!b.push(3));
        let mut buf = [0u8; 4];
        assert_eq!(b.take(&mut buf), Ok(2));
        assert!(b.is_ready());
        assert_eq!(b.take(&mut buf), Err(Error::Overrun));
        assert!(!b.is_ready());
        assert_eq!(b.take(&mut buf), Ok(0));
    }
}
