//! BLSP1 UART_DM v1.4 driver (blocking, polled), for UART1 (GPIO 0/1) and UART2 (GPIO 4/5,
//! the board's debug console).
//!
//! ```no_run
//! use apq8016_hal::{clocks::Clocks, gpio::Pins, pac, uart::{Config, Uart}};
//!
//! let p = pac::Peripherals::take().unwrap();
//! let mut clocks = Clocks::new(p.GCC);
//! let pins = Pins::new(p.TLMM);
//! let uart = Uart::new(p.BLSP1_UART2, pins.gpio4, pins.gpio5, &mut clocks, Config::default())?;
//! let (mut tx, mut rx) = uart.split(); // e.g. one half per task
//! let mut line = [0u8; 64];
//! let received = rx.read(&mut line)?; // waits for at least one character
//! tx.write_all(&line[..received])?; // echo
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```
//!
//! Design notes:
//! - Registers are reached through the PAC's BLSP register map (docs/hardware/uart-dm.md#register-maps).
//! - Single-character mode (`DMEN.TX_SC_EN | RX_SC_EN`, as U-Boot and TF-A): each write to
//!   `TF` sends one character and each read of `RF` returns one, so no `NCF_TX` bookkeeping
//!   and no stale-timeout handling is needed. `SR.TXRDY` = room in the TX FIFO,
//!   `SR.RXRDY` = at least one character in the RX FIFO, `SR.TXEMT` = everything sent.
//! - [`Uart::split`] gives a [`UartTx`] and a [`UartRx`]; all ecosystem traits are
//!   implemented for the whole UART and for the matching half.
//! - Interrupt-driven receive: [`UartRx::into_interrupt_driven`] hands the receiver to the
//!   UART's interrupt, which fills an [`RxBuffer`] ([`interrupt_rx`]); the resulting
//!   [`InterruptRx`] also implements `embedded-io-async` `Read`, and [`UartTx`]
//!   `embedded-io-async` `Write` (`uart/asynch.rs`).
//! - Lifecycle: [`Uart::new`] takes the peripheral and the pads and keeps them;
//!   [`Uart::free`] disables the UART and gives all three back. [`Uart::apply_config`] changes
//!   baud rate, parity, stop and data bits at run time, on the core clock the UART already has
//!   (the settings are worked out by the pure [`baud_settings_for_clock`], host-tested).
//! - Pins are checked by type: [`TxPin<I>`]/[`RxPin<I>`] are only implemented for the pads
//!   wired to instance `I` (function 2, docs/hardware/tlmm-gpio.md#function-numbers). They are muxed with TX at 8 mA like the
//!   boot chain, RX with a pull-up so an unconnected line idles high instead of producing
//!   breaks.
//! - Receive errors are sticky `SR` flags that say nothing about which FIFO character they
//!   belong to. A read that finds one reports it at once ([`Error::Overrun`] first, then
//!   [`Error::Break`], then parity/framing; when several are pending the others are kept and
//!   reported by the next reads), clears all error flags with `CR = RESET_ERROR`
//!   (plus `RESET_BREAK_INT` for a break) and leaves the RX FIFO alone: characters received
//!   before the error are returned by the next reads. `SR` has one bit for parity *and*
//!   framing errors, so they are only told apart when parity is off (then it can only be a
//!   framing error: [`Error::Framing`]); with parity on it is [`Error::ParityOrFraming`].
//!   A break would also put a NUL in the FIFO; `MR2.RX_BREAK_ZERO_CHAR_OFF` suppresses it.
//! - Clocking: [`Uart::new`] works the core clock and `CSR` code out at run time (a search of
//!   some 60,000 instructions); [`Uart::with_settings`] takes them from [`Config::settings`],
//!   a `const fn`, so for a configuration known at build time (the board's console) the
//!   compiler does the search and the firmware only writes registers.
//! - Writing: [`UartTx::write`] and [`UartTx::write_byte`] check `SR.TXRDY` first and write
//!   `TF` at once when the FIFO has room (inline, about as many instructions as a raw
//!   register loop); the bounded wait, with its timer reads, is out of line and runs only when
//!   the FIFO is full.
//! - Waits for FIFO room and for the transmitter to drain are bounded by
//!   `2 × (FIFO depth + 2)` character times + 1 ms; `read` blocks until data arrives (there
//!   is no bound on when a peer sends), [`Uart::read_with_timeout`] takes a deadline.
//! - Before touching the clock, if the UART is already clocked (the boot chain used it),
//!   we give its transmitter up to 10 ms to drain so its last message is not cut.

mod asynch;
mod config;
mod eh;
pub mod interrupt_rx;

use core::fmt;

use crate::clocks::{Branch, Clocks, UartClock, wait};
use crate::gpio::{AnyPin, DriveStrength, Pin, Pull};
use crate::pac;
use crate::time::Duration;
pub use config::{
    BAUD_TOLERANCE_PPM, BaudSettings, CSR_DIVISORS, Config, ConfigError, DataBits, Parity,
    Settings, StopBits, baud_settings, baud_settings_for_clock,
};
pub use interrupt_rx::{InterruptRx, RxBuffer};

type RegisterBlock = pac::blsp1_uart1::RegisterBlock;

/// Depth of each FIFO in characters.
pub const FIFO_DEPTH: u32 = 64;
/// Mux function of the UART pads (docs/hardware/tlmm-gpio.md#function-numbers).
const UART_PIN_FUNCTION: u8 = 2;
/// How long a previous user's transmission may take to drain before we reconfigure, in µs.
const HANDOVER_DRAIN_US: u64 = 10_000;

mod sealed {
    pub trait Sealed {}
}

/// A BLSP1 UART peripheral: `pac::BLSP1_UART1` or `pac::BLSP1_UART2`.
pub trait Instance: sealed::Sealed + Sized {
    /// The root clock of this UART's core clock.
    #[doc(hidden)]
    const CLOCK: UartClock;
    /// The core-clock branch.
    #[doc(hidden)]
    const BRANCH: Branch;
    /// Name used in `Debug` output.
    #[doc(hidden)]
    const NAME: &'static str;
    /// The register block.
    #[doc(hidden)]
    fn register_block() -> *const RegisterBlock;
    /// The pad that carries this UART's TX signal (the only one: each BLSP1 UART has one
    /// pad pair), as [`Uart::free`] gives it back.
    type TxPad: TxPin<Self> + TryFrom<AnyPin, Error = AnyPin>;
    /// The pad that carries this UART's RX signal.
    type RxPad: RxPin<Self> + TryFrom<AnyPin, Error = AnyPin>;
}

impl sealed::Sealed for pac::BLSP1_UART1 {}
impl Instance for pac::BLSP1_UART1 {
    const CLOCK: UartClock = UartClock::Blsp1Uart1;
    const BRANCH: Branch = Branch::Blsp1Uart1Apps;
    const NAME: &'static str = "BLSP1_UART1";
    type TxPad = Pin<0>;
    type RxPad = Pin<1>;
    fn register_block() -> *const RegisterBlock {
        pac::BLSP1_UART1::ptr()
    }
}

impl sealed::Sealed for pac::BLSP1_UART2 {}
impl Instance for pac::BLSP1_UART2 {
    const CLOCK: UartClock = UartClock::Blsp1Uart2;
    const BRANCH: Branch = Branch::Blsp1Uart2Apps;
    const NAME: &'static str = "BLSP1_UART2";
    type TxPad = Pin<4>;
    type RxPad = Pin<5>;
    fn register_block() -> *const RegisterBlock {
        pac::BLSP1_UART2::ptr()
    }
}

/// A pad that can carry the TX signal of UART `I`.
pub trait TxPin<I: Instance>: Into<AnyPin> + sealed::Sealed {}
/// A pad that can carry the RX signal of UART `I`.
pub trait RxPin<I: Instance>: Into<AnyPin> + sealed::Sealed {}

impl sealed::Sealed for Pin<0> {}
impl sealed::Sealed for Pin<1> {}
impl sealed::Sealed for Pin<4> {}
impl sealed::Sealed for Pin<5> {}
impl TxPin<pac::BLSP1_UART1> for Pin<0> {}
impl RxPin<pac::BLSP1_UART1> for Pin<1> {}
impl TxPin<pac::BLSP1_UART2> for Pin<4> {}
impl RxPin<pac::BLSP1_UART2> for Pin<5> {}

/// Errors while transferring data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// Characters arrived while the RX FIFO was full and were lost (after the ones still in
    /// the FIFO).
    Overrun,
    /// A character had a bad stop bit (parity is off, so the error flag can only mean this).
    Framing,
    /// A character had a parity or a framing error (the hardware has one flag for both).
    ParityOrFraming,
    /// A break condition (line held low for longer than a character) was received.
    Break,
    /// The transmitter made no progress within the bound (see module notes), or nothing
    /// arrived before the deadline of [`Uart::read_with_timeout`].
    Timeout,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::Overrun => "UART receive overrun: characters were lost",
            Error::Framing => "UART framing error",
            Error::ParityOrFraming => "UART parity or framing error",
            Error::Break => "UART break received",
            Error::Timeout => "UART timeout",
        })
    }
}

impl core::error::Error for Error {}

/// Pointer to a UART register block that may be sent to another core.
#[derive(Clone, Copy)]
struct Regs(*const RegisterBlock);

// SAFETY: the pointer is the fixed MMIO address of a UART owned by the driver holding it;
// the register block may be accessed from any core (device memory, no CPU-local state).
unsafe impl Send for Regs {}

impl Regs {
    #[inline(always)]
    fn get(&self) -> &RegisterBlock {
        // SAFETY: built only from `Instance::register_block()`, the MMIO block of a UART
        // whose peripheral value the `Uart` (or its halves) took over; mapped for the whole
        // program.
        unsafe { &*self.0 }
    }
}

/// A configured BLSP1 UART `I` (`pac::BLSP1_UART1` or `pac::BLSP1_UART2`). Owns the
/// peripheral and its two pads. [`Uart::split`] separates it into a transmitter and a receiver.
///
/// ```no_run
/// use apq8016_hal::{clocks::Clocks, gpio::Pins, pac, uart::{Config, Uart}};
///
/// let p = pac::Peripherals::take().unwrap();
/// let mut clocks = Clocks::new(p.GCC);
/// let pins = Pins::new(p.TLMM);
/// // UART2 on GPIO 4 (TX) / 5 (RX): the DragonBoard 410c's console.
/// let mut uart = Uart::new(p.BLSP1_UART2, pins.gpio4, pins.gpio5, &mut clocks, Config::default())?;
/// uart.write_all(b"hello\r\n")?;
/// uart.flush()?;
/// // Switch to 9600 8E1 at run time, then give everything back.
/// uart.apply_config(&Config::default().with_baudrate(9600).with_parity(apq8016_hal::uart::Parity::Even))?;
/// let (uart2, tx_pin, rx_pin) = uart.free();
/// # let _ = (uart2, tx_pin, rx_pin);
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub struct Uart<I: Instance> {
    uart: I,
    tx: UartTx,
    rx: UartRx,
    baud: BaudSettings,
}

/// The transmitting half of a [`Uart`]; owns the TX pad.
pub struct UartTx {
    regs: Regs,
    /// Bound for TX progress, in µs.
    timeout_us: u64,
    pin: AnyPin,
}

/// The receiving half of a [`Uart`]; owns the RX pad.
pub struct UartRx {
    regs: Regs,
    parity_enabled: bool,
    pin: AnyPin,
    /// Errors that were pending together with a reported one; `RESET_ERROR` clears all the
    /// hardware flags at once, so the others are kept here and reported by the next reads.
    deferred_errors: DeferredErrors,
}

/// Receive errors still to be reported (one bit each).
#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct DeferredErrors(u8);

impl DeferredErrors {
    const BREAK: u8 = 1 << 0;
    const PARITY_OR_FRAMING: u8 = 1 << 1;

    /// Takes the first deferred error, in the order the driver reports errors.
    fn take(&mut self, parity_enabled: bool) -> Option<Error> {
        if self.0 & Self::BREAK != 0 {
            self.0 &= !Self::BREAK;
            Some(Error::Break)
        } else if self.0 & Self::PARITY_OR_FRAMING != 0 {
            self.0 &= !Self::PARITY_OR_FRAMING;
            Some(if parity_enabled {
                Error::ParityOrFraming
            } else {
                Error::Framing
            })
        } else {
            None
        }
    }
}

impl<I: Instance> fmt::Debug for Uart<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Uart")
            .field("instance", &I::NAME)
            .field("baud", &self.baud.achieved_baudrate)
            .field("tx", &self.tx.pin.number())
            .field("rx", &self.rx.pin.number())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for UartTx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UartTx")
            .field("pin", &self.pin.number())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for UartRx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UartRx")
            .field("pin", &self.pin.number())
            .finish_non_exhaustive()
    }
}

impl<I: Instance> Uart<I> {
    /// Sets up UART `uart` on its pads: checks `config`, enables BLSP1_AHB and the core
    /// clock at the rate the baud rate needs, muxes the pads and programs the UART
    /// (single-character FIFO access, no flow control, no interrupts, RX and TX on).
    ///
    /// This works out the clocking at run time (a search of some 60,000 instructions, and its
    /// code in the firmware); with a configuration known at build time,
    /// [`Uart::with_settings`] and a `const` from [`Config::settings`] avoid both.
    pub fn new(
        uart: I,
        tx: impl TxPin<I>,
        rx: impl RxPin<I>,
        clocks: &mut Clocks,
        config: Config,
    ) -> Result<Self, ConfigError> {
        // Validate before touching anything.
        let settings = config.settings()?;
        Self::with_settings(uart, tx, rx, clocks, settings)
    }

    /// Like [`Uart::new`], with the configuration already checked and its clocking worked out
    /// by [`Config::settings`] (ideally in a `const`, so at build time). Fails only if a
    /// clock does not start ([`ConfigError::Clock`]).
    pub fn with_settings(
        uart: I,
        tx: impl TxPin<I>,
        rx: impl RxPin<I>,
        clocks: &mut Clocks,
        settings: Settings,
    ) -> Result<Self, ConfigError> {
        let (config, baud) = (settings.config(), settings.baud());
        // The peripheral is kept (for `free`); its registers are reached through `regs`.
        let regs = Regs(I::register_block());

        if clocks.is_enabled(Branch::Blsp1Ahb) && clocks.is_enabled(I::BRANCH) {
            // Let whatever the boot chain was sending go out before the clock changes. A
            // timeout here is not an error: the UART may just be disabled or stuck.
            let sr = regs.get().sr();
            if sr.read().txemt().bit_is_clear() {
                wait::poll_until(HANDOVER_DRAIN_US, || sr.read().txemt().bit_is_set());
            }
        }
        clocks.enable(Branch::Blsp1Ahb)?;
        clocks.set_uart_clock_settings(I::CLOCK, &settings.core_clock())?;
        clocks.enable(I::BRANCH)?;

        let mut uart = Uart {
            uart,
            tx: UartTx {
                regs,
                timeout_us: tx_timeout_us(&config, baud.achieved_baudrate),
                pin: tx.into(),
            },
            rx: UartRx {
                regs,
                parity_enabled: config.parity != Parity::None,
                pin: rx.into(),
                deferred_errors: DeferredErrors::default(),
            },
            baud,
        };
        uart.program(&config);
        // Pads last, while the UART is still disabled; then turn it on.
        uart.tx
            .pin
            .set_function(UART_PIN_FUNCTION, Pull::None, DriveStrength::Ma8);
        uart.rx
            .pin
            .set_function(UART_PIN_FUNCTION, Pull::Up, DriveStrength::Ma8);
        uart.enable();
        Ok(uart)
    }

    /// Changes the configuration at run time: baud rate, parity, stop and data bits.
    ///
    /// The UART keeps its core clock (the one [`Uart::new`] chose, 7.3728 MHz for the usual
    /// rates), so only baud rates that clock can make within [`BAUD_TOLERANCE_PPM`] are
    /// accepted: from 7.3728 MHz, 300 to 460 800 baud (all the standard rates). Other rates
    /// need a new core clock: [`Uart::free`] and [`Uart::new`] again. On an error nothing is
    /// changed. What is still in the transmitter is sent first (bounded wait); characters
    /// being received while the UART is reprogrammed are lost, and the receive FIFO is
    /// emptied.
    pub fn apply_config(&mut self, config: &Config) -> Result<(), ConfigError> {
        let baud = baud_settings_for_clock(config.baudrate, self.baud.achieved_core_clock_hz)?;
        // A timeout only means the old settings could not send everything; go on anyway.
        let _ = self.tx.flush();
        self.baud = BaudSettings {
            core_clock_hz: self.baud.core_clock_hz,
            ..baud
        };
        self.tx.timeout_us = tx_timeout_us(config, baud.achieved_baudrate);
        self.rx.parity_enabled = config.parity != Parity::None;
        self.rx.deferred_errors = DeferredErrors::default();
        self.program(config);
        self.enable();
        Ok(())
    }

    /// Programs the UART registers for `config`, leaving it disabled (clocks running).
    fn program(&mut self, config: &Config) {
        let r = self.tx.regs.get();
        let code = self.baud.csr_code;
        r.cr()
            .write(|w| w.rx_disable().set_bit().tx_disable().set_bit());
        r.csr()
            .write(|w| w.tx_clk_sel().set(code).rx_clk_sel().set(code));
        // No hardware flow control.
        r.mr1().reset();
        let (parity, stop, bits) = config.mr2_fields();
        r.mr2().write(|w| {
            w.parity_mode().variant(parity);
            w.stop_bit_len().variant(stop);
            w.bits_per_char().variant(bits);
            w.rx_break_zero_char_off().set_bit()
        });
        // Polled driver: no interrupts.
        r.imr().reset();
        r.dmen()
            .write(|w| w.tx_sc_en().set_bit().rx_sc_en().set_bit());
    }

    /// Resets both directions and the error flags, then turns RX and TX on.
    fn enable(&mut self) {
        let r = self.tx.regs.get();
        for command in [
            ChannelCommand::ResetRx,
            ChannelCommand::ResetTx,
            ChannelCommand::ResetError,
            ChannelCommand::ResetBreakInt,
        ] {
            r.cr().write(|w| w.channel_command().variant(command));
        }
        r.cr().write(|w| w.rx_en().set_bit().tx_en().set_bit());
    }

    /// The baud rate actually produced, in bit/s.
    pub fn baudrate(&self) -> u32 {
        self.baud.achieved_baudrate
    }

    /// The clocking chosen for the configured baud rate.
    pub fn baud_settings(&self) -> BaudSettings {
        self.baud
    }

    /// Splits into transmitter and receiver, e.g. to use them from different tasks.
    /// The halves share only `SR` (read-only) and `CR` (write-only commands, no
    /// read-modify-write), so they do not interfere. The halves go on using the UART for
    /// the rest of the program: there is no way back to the peripheral value ([`Uart::free`]).
    pub fn split(self) -> (UartTx, UartRx) {
        (self.tx, self.rx)
    }

    /// See [`UartTx::write`].
    #[inline]
    pub fn write(&mut self, data: &[u8]) -> Result<usize, Error> {
        self.tx.write(data)
    }

    /// See [`UartTx::write_byte`].
    #[inline]
    pub fn write_byte(&mut self, byte: u8) -> Result<(), Error> {
        self.tx.write_byte(byte)
    }

    /// See [`UartTx::write_all`].
    pub fn write_all(&mut self, data: &[u8]) -> Result<(), Error> {
        self.tx.write_all(data)
    }

    /// See [`UartTx::flush`].
    pub fn flush(&mut self) -> Result<(), Error> {
        self.tx.flush()
    }

    /// See [`UartRx::read`].
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        self.rx.read(buf)
    }

    /// See [`UartRx::read_with_timeout`].
    pub fn read_with_timeout(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, Error> {
        self.rx.read_with_timeout(buf, timeout)
    }

    /// See [`UartRx::read_ready`].
    pub fn read_ready(&self) -> bool {
        self.rx.read_ready()
    }

    /// See [`UartTx::write_ready`].
    pub fn write_ready(&self) -> bool {
        self.tx.write_ready()
    }

    /// Sends what is still in the transmitter, disables the UART and gives back the
    /// peripheral and the pads as (UART, TX, RX). The
    /// clocks stay on and the pads keep their UART function until reconfigured (e.g. by
    /// [`Output::new`](crate::gpio::Output::new)).
    ///
    /// The pads come back typed ([`Instance::TxPad`], [`Instance::RxPad`]), so they can go
    /// straight into [`Uart::new`] again.
    pub fn free(mut self) -> (I, I::TxPad, I::RxPad) {
        // What is still in the transmitter goes out first (bounded wait): disabling TX now
        // would cut it off, and the next `Uart::new` empties the FIFO.
        let _ = self.tx.flush();
        self.tx
            .regs
            .get()
            .cr()
            .write(|w| w.rx_disable().set_bit().tx_disable().set_bit());
        // `new` only accepts this instance's pads, so the conversions cannot fail.
        let (Ok(tx), Ok(rx)) = (
            I::TxPad::try_from(self.tx.pin),
            I::RxPad::try_from(self.rx.pin),
        ) else {
            unreachable!("a UART driver holds its instance's own pads")
        };
        (self.uart, tx, rx)
    }
}

impl UartTx {
    /// Queues as many bytes of `data` as fit in the TX FIFO, waiting (bounded) for room for
    /// the first one. Returns how many were queued (0 only for empty `data`).
    ///
    /// When the FIFO has room, this reads `SR` and writes `TF` and nothing else, inline (10
    /// instructions executed for one byte, against 7 for a raw register loop: `cargo xtask
    /// bench`); the bounded wait, with its timer reads, runs only when the FIFO is full.
    #[inline]
    pub fn write(&mut self, data: &[u8]) -> Result<usize, Error> {
        let Some((&first, rest)) = data.split_first() else {
            return Ok(0);
        };
        let r = self.regs.get();
        if r.sr().read().txrdy().bit_is_clear() {
            // An empty `rest` is passed as a constant, so for a one-byte `data` this is a
            // tail call and the fast path needs no stack frame.
            let rest = if rest.is_empty() { &[] } else { rest };
            return write_after_wait(self.regs, self.timeout_us, first, rest);
        }
        r.tf(0).write(|w| w.data().set(u32::from(first)));
        if rest.is_empty() {
            return Ok(1);
        }
        Ok(1 + queue_while_room(self.regs, rest))
    }

    /// Sends one byte, waiting (bounded) for room in the TX FIFO: [`UartTx::write`] for a
    /// single byte. When the FIFO has room this is one `SR` read and one `TF` write, inline:
    /// 8 instructions executed, against 7 for a raw register loop (`cargo xtask bench`).
    #[inline]
    pub fn write_byte(&mut self, byte: u8) -> Result<(), Error> {
        let r = self.regs.get();
        if r.sr().read().txrdy().bit_is_clear() {
            return write_after_wait(self.regs, self.timeout_us, byte, &[]).map(|_| ());
        }
        r.tf(0).write(|w| w.data().set(u32::from(byte)));
        Ok(())
    }

    /// Writes all of `data`, waiting for FIFO room as needed (each wait bounded).
    pub fn write_all(&mut self, mut data: &[u8]) -> Result<(), Error> {
        while !data.is_empty() {
            let n = self.write(data)?;
            data = &data[n..];
        }
        Ok(())
    }

    /// Waits (bounded) until every queued character has left the transmitter.
    pub fn flush(&mut self) -> Result<(), Error> {
        let sr = self.regs.get().sr();
        if wait::poll_until(self.timeout_us, || sr.read().txemt().bit_is_set()) {
            Ok(())
        } else {
            Err(Error::Timeout)
        }
    }

    /// Whether the TX FIFO has room (a write would not block).
    pub fn write_ready(&self) -> bool {
        self.regs.get().sr().read().txrdy().bit_is_set()
    }

    /// Queues one character if there is room (non-blocking; used by embedded-hal-nb).
    fn write_byte_nb(&mut self, byte: u8) -> nb::Result<(), Error> {
        if !self.write_ready() {
            return Err(nb::Error::WouldBlock);
        }
        self.regs
            .get()
            .tf(0)
            .write(|w| w.data().set(u32::from(byte)));
        Ok(())
    }

    /// Whether the transmitter is idle (non-blocking flush; used by embedded-hal-nb).
    fn flush_nb(&mut self) -> nb::Result<(), Error> {
        if self.regs.get().sr().read().txemt().bit_is_set() {
            Ok(())
        } else {
            Err(nb::Error::WouldBlock)
        }
    }
}

impl UartRx {
    /// Reads at least one byte (blocking until one arrives or an error is pending) and as
    /// many more as are already waiting, up to `buf.len()`. Returns 0 only for an empty
    /// `buf`. On an error nothing is consumed from the FIFO (see module notes).
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if let Some(n) = self.read_available(buf)? {
                return Ok(n);
            }
            core::hint::spin_loop();
        }
    }

    /// Like [`UartRx::read`], but gives up with [`Error::Timeout`] if nothing arrived
    /// within `timeout`.
    pub fn read_with_timeout(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut result = Ok(None);
        wait::poll_for(timeout, || {
            result = self.read_available(buf);
            !matches!(result, Ok(None))
        });
        match result {
            Ok(Some(n)) => Ok(n),
            Ok(None) => Err(Error::Timeout),
            Err(e) => Err(e),
        }
    }

    /// Whether a character is waiting or an error is pending (a read would not block).
    pub fn read_ready(&self) -> bool {
        let sr = self.regs.get().sr().read();
        sr.rxrdy().bit_is_set() || has_error(&sr) || self.deferred_errors != DeferredErrors(0)
    }

    /// Without blocking: `Err` if an error is pending (and clears it), `Ok(Some(n))` with
    /// the characters waiting (n ≥ 1), or `Ok(None)` if nothing is there. `buf` not empty.
    fn read_available(&mut self, buf: &mut [u8]) -> Result<Option<usize>, Error> {
        let sr = self.regs.get().sr().read();
        self.check_errors(&sr)?;
        let r = self.regs.get();
        if sr.rxrdy().bit_is_clear() {
            return Ok(None);
        }
        let mut n = 0;
        loop {
            // Single-character mode: the character is in bits 7:0.
            buf[n] = r.rf(0).read().data().bits() as u8;
            n += 1;
            if n == buf.len() {
                break;
            }
            let sr = r.sr().read();
            // Stop at a new error so it is reported on the next call, after these bytes.
            if sr.rxrdy().bit_is_clear() || has_error(&sr) {
                break;
            }
        }
        Ok(Some(n))
    }

    /// Reports and clears a pending receive error, leaving the FIFO untouched.
    /// When several are pending at once, the first is returned and the others are reported by
    /// the following calls, so no error is lost.
    fn check_errors(&mut self, sr: &pac::blsp1_uart1::sr::R) -> Result<(), Error> {
        if has_error(sr) {
            let mut pending = DeferredErrors(0);
            if sr.rx_break().bit_is_set() {
                pending.0 |= DeferredErrors::BREAK;
            }
            if sr.par_frame_err().bit_is_set() {
                pending.0 |= DeferredErrors::PARITY_OR_FRAMING;
            }
            let cr = self.regs.get().cr();
            cr.write(|w| w.channel_command().variant(ChannelCommand::ResetError));
            if sr.rx_break().bit_is_set() {
                cr.write(|w| w.channel_command().variant(ChannelCommand::ResetBreakInt));
            }
            if sr.overrun().bit_is_set() {
                self.deferred_errors.0 |= pending.0;
                return Err(Error::Overrun);
            }
            self.deferred_errors.0 |= pending.0;
        }
        match self.deferred_errors.take(self.parity_enabled) {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Reads one character if one is waiting (non-blocking; used by embedded-hal-nb).
    fn read_byte_nb(&mut self) -> nb::Result<u8, Error> {
        let mut byte = [0u8];
        match self.read_available(&mut byte)? {
            Some(_) => Ok(byte[0]),
            None => Err(nb::Error::WouldBlock),
        }
    }
}

/// [`UartTx::write`] when the FIFO is full: waits (bounded) for room, queues `first`, then as
/// many bytes of `rest` as fit. Out of line and without `self`, so the fast path that calls it
/// needs no stack frame and no register shuffling.
#[cold]
#[inline(never)]
fn write_after_wait(regs: Regs, timeout_us: u64, first: u8, rest: &[u8]) -> Result<usize, Error> {
    let r = regs.get();
    let sr = r.sr();
    if !wait::poll_until(timeout_us, || sr.read().txrdy().bit_is_set()) {
        return Err(Error::Timeout);
    }
    r.tf(0).write(|w| w.data().set(u32::from(first)));
    Ok(1 + queue_while_room(regs, rest))
}

/// Queues bytes of `data` while the TX FIFO has room; returns how many.
#[inline(never)]
fn queue_while_room(regs: Regs, data: &[u8]) -> usize {
    let r = regs.get();
    let mut written = 0;
    for &byte in data {
        if r.sr().read().txrdy().bit_is_clear() {
            break;
        }
        r.tf(0).write(|w| w.data().set(u32::from(byte)));
        written += 1;
    }
    written
}

use pac::blsp1_uart1::cr::ChannelCommand;

fn has_error(sr: &pac::blsp1_uart1::sr::R) -> bool {
    sr.overrun().bit_is_set() || sr.par_frame_err().bit_is_set() || sr.rx_break().bit_is_set()
}

/// Bound for TX progress (FIFO room or drain): `2 × (FIFO + 2)` character times + 1 ms.
fn tx_timeout_us(config: &Config, baud: u32) -> u64 {
    let char_us = (u64::from(config.bits_per_frame()) * 1_000_000).div_ceil(u64::from(baud.max(1)));
    2 * (u64::from(FIFO_DEPTH) + 2) * char_us + 1_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tx_timeout_covers_a_full_fifo() {
        let c = Config::default();
        // 115200 8N1: 10 bits = 86.8 µs -> 87 µs per char.
        let t = tx_timeout_us(&c, 115_200);
        assert_eq!(t, 2 * 66 * 87 + 1_000);
        assert!(t > u64::from(FIFO_DEPTH) * 87);
    }
}
