//! `embedded-hal-async`'s `SpiBus<u8>` for the QUP SPI master, driven by the QUP's interrupt:
//! [`AsyncSpi`], made with [`Spi::into_async`].
//!
//! ```no_run
//! use apq8016_hal::{clocks::Clocks, gpio::Pins, interrupt, pac, spi::{Config, Spi}};
//! use embedded_hal_async::spi::SpiBus as _;
//!
//! # async fn demo() -> Result<(), Box<dyn core::error::Error>> {
//! let p = pac::Peripherals::take().unwrap();
//! let mut clocks = Clocks::new(p.GCC);
//! let pins = Pins::new(p.TLMM);
//! let mut interrupts = interrupt::InterruptController::take().unwrap();
//! let config = Config::default().with_frequency(10_000_000);
//! let spi = Spi::new(p.BLSP1_QUP5, pins.gpio16, pins.gpio17, pins.gpio19, &mut clocks, config)?;
//! // Registers the QUP5 handler (GIC ID 131, level) and enables the line.
//! let mut spi = spi.into_async(&mut interrupts)?;
//! let mut id = [0x9F, 0, 0, 0];
//! spi.transfer_in_place(&mut id).await?; // other tasks run while the bytes are clocked
//! let spi = spi.into_blocking(&mut interrupts);
//! # let _ = spi;
//! # Ok(())
//! # }
//! ```
//!
//! # Design notes
//!
//! - **Its own core set-up and chunk loop**, independent of the polled driver's (which is
//!   tuned for throughput separately): FIFO mode, one byte per FIFO word right-justified
//!   (`OUTPUT_BIT_SHIFT_EN`, the layout of docs/hardware/qup-i2c-spi.md#sequences), the
//!   configured mode, and the interrupt sources on (`crate::qup::signal::enable_sources`).
//!   A transfer runs in chunks of one FIFO's worth: counts, RUN → PAUSE, fill the output
//!   FIFO, RUN, then the future sleeps until the QUP's interrupt (the service flags at the
//!   chunk's end, or an enabled FIFO or SPI clock error) wakes it, drains the input FIFO and
//!   goes to RESET. [`AsyncSpi::into_blocking`] sets the core up again for the polled
//!   driver.
//! - **Same rules as the polled driver**: unequal `transfer` lengths clock the longer one
//!   (0x00 out, extra input dropped); every wait is bounded (a chunk: 4 × its wire time +
//!   1 ms, state changes 1 ms) and a timeout is [`Error::Timeout`]; the FIFO and clock
//!   errors map to [`Error::Overrun`] / [`Error::Underrun`] as there; after an error the
//!   core is set up again, so the next transfer starts clean.

use core::sync::atomic::Ordering;

use super::{Error, Instance, Spi, mode_bits};
use crate::interrupt::{self, InterruptController, InterruptId};
use crate::pac;
use crate::qup::signal::{self, MiniCore};
use crate::qup::{self, RegisterBlock};
use crate::time::{Duration, Instant};
use pac::blsp1_qup1::qup_state::State;

/// SPI mini-core selector of `QUP_CONFIG.MINI_CORE`.
const MINI_CORE_SPI: u8 = 1;
/// Bits per word minus one.
const WORD_BITS_MINUS_ONE: u8 = 7;
/// Most words per chunk.
const CHUNK_MAX: usize = 64;
/// Fixed part of a chunk's time bound, in µs.
const CHUNK_TIMEOUT_BASE_US: u64 = 1_000;
/// `QUP_ERROR_FLAGS` overrun bits: INPUT_OVER_RUN (2), OUTPUT_OVER_RUN (5).
const QUP_OVERRUN: u32 = 1 << 2 | 1 << 5;
/// `SPI_ERROR_FLAGS` CLK_OVER_RUN.
const SPI_CLK_OVER_RUN: u32 = 1 << 1;

/// A QUP SPI master whose transfers wait for the QUP's interrupt: `QUP5` (GIC ID 131).
pub trait AsyncInstance: Instance {
    /// The QUP's interrupt.
    #[doc(hidden)]
    const INTERRUPT: pac::Interrupt;
}

impl AsyncInstance for pac::BLSP1_QUP5 {
    const INTERRUPT: pac::Interrupt = pac::Interrupt::BLSP1_QUP5;
}

/// The handler registered for QUP `I`'s interrupt.
fn on_interrupt<I: AsyncInstance>() {
    signal::on_interrupt(I::register_block(), MiniCore::Spi);
}

/// The interrupt-driven SPI master: `embedded_hal_async::spi::SpiBus<u8>`. Made by
/// [`Spi::into_async`]; [`AsyncSpi::into_blocking`] gives the polled driver back.
pub struct AsyncSpi<I: AsyncInstance> {
    spi: Spi<I>,
    /// Words per chunk (from the FIFO sizes).
    chunk: usize,
}

impl<I: AsyncInstance> core::fmt::Debug for AsyncSpi<I> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AsyncSpi").field("spi", &self.spi).finish()
    }
}

impl<I: AsyncInstance> Spi<I> {
    /// The interrupt-driven driver: registers the HAL's handler for the QUP's interrupt in
    /// the interrupt table, makes the line level-triggered, enables it and sets the core up
    /// for interrupt-driven transfers. Needs IRQs unmasked on core 0 (where SPIs go). On an
    /// error (the GIC refused the line) the handler is removed again and the driver is
    /// dropped.
    pub fn into_async(
        self,
        interrupts: &mut InterruptController,
    ) -> Result<AsyncSpi<I>, interrupt::Error> {
        let id = InterruptId::from(I::INTERRUPT);
        signal::attach(interrupts, id, on_interrupt::<I>)?;
        let (output, input) = qup::fifo_sizes(self.regs.get());
        let spi = AsyncSpi {
            spi: self,
            chunk: (output.min(input) / 4).clamp(1, CHUNK_MAX),
        };
        // A failed set-up shows again (as an error) at the first transfer.
        let _ = spi.set_up_core();
        Ok(spi)
    }
}

impl<I: AsyncInstance> AsyncSpi<I> {
    /// Disables the QUP's interrupt, removes its handler, sets the core up for the polled
    /// driver again and gives it back.
    pub fn into_blocking(self, interrupts: &mut InterruptController) -> Spi<I> {
        let id = InterruptId::from(I::INTERRUPT);
        let _ = interrupts.disable(id);
        let _ = interrupts.remove_handler(id);
        let _ = self.spi.reset_core();
        self.spi
    }

    /// How many times the QUP's interrupt handler ran (since power-on).
    pub fn interrupt_count(&self) -> u32 {
        signal::signal(I::register_block())
            .interrupts
            .load(Ordering::Relaxed)
    }

    /// The SCLK rate actually produced, in Hz.
    pub fn frequency(&self) -> u32 {
        self.spi.frequency_hz
    }

    fn registers(&self) -> &RegisterBlock {
        self.spi.regs.get()
    }

    /// Writes `state` and waits until the core reports it.
    fn set_state(&self, state: State) -> Result<(), Error> {
        if qup::set_state(self.registers(), state) {
            Ok(())
        } else {
            Err(Error::Timeout)
        }
    }

    /// Software reset, then FIFO mode with one byte per word, the configured mode, every flag
    /// cleared and the interrupt sources on.
    fn set_up_core(&self) -> Result<(), Error> {
        let r = self.registers();
        if !qup::software_reset(r) {
            return Err(Error::Timeout);
        }
        r.qup_config().write(|w| {
            w.n().set(WORD_BITS_MINUS_ONE);
            w.mini_core().set(MINI_CORE_SPI)
        });
        r.qup_io_modes().write(|w| {
            w.output_mode().fifo();
            w.input_mode().fifo();
            w.output_bit_shift_en().set_bit()
        });
        r.qup_mx_output_cnt().reset();
        r.qup_mx_input_cnt().reset();
        let bits = mode_bits(self.spi.config.mode);
        r.spi_config()
            .write(|w| w.input_first().bit(bits.input_first));
        r.spi_io_control().write(|w| {
            w.no_tri_state().set_bit();
            w.clk_idle_high().bit(bits.clk_idle_high)
        });
        self.clear_flags();
        signal::enable_sources(r, true);
        Ok(())
    }

    /// Clears the service and done flags (write 1 to clear).
    fn clear_flags(&self) {
        self.registers().qup_operational().write(|w| {
            w.out_service_flag().set_bit();
            w.in_service_flag().set_bit();
            w.max_output_done().set_bit();
            w.max_input_done().set_bit()
        });
    }

    /// Bound of a chunk of `n` words: 4 × its wire time + 1 ms.
    fn chunk_timeout(&self, n: usize) -> Duration {
        let bits = n as u64 * 8 * 4;
        let wire_us = bits * 1_000_000 / u64::from(self.spi.frequency_hz.max(1));
        Duration::from_micros(wire_us + CHUNK_TIMEOUT_BASE_US)
    }

    /// Clocks `max(write.len(), read.len())` bytes (0x00 past `write`, input past `read`
    /// dropped); on an error the core is set up again.
    async fn exchange(&mut self, write: &[u8], read: &mut [u8]) -> Result<(), Error> {
        let total = write.len().max(read.len());
        let mut done = 0;
        let mut result = Ok(());
        while done < total {
            let n = self.chunk.min(total - done);
            let out = write.get(done..).unwrap_or(&[]);
            let out = &out[..out.len().min(n)];
            let input = match read.get_mut(done..) {
                Some(rest) => {
                    let len = rest.len().min(n);
                    &mut rest[..len]
                }
                None => &mut [],
            };
            result = self.run_chunk(n, out, input).await;
            if result.is_err() {
                break;
            }
            done += n;
        }
        if result.is_err() {
            let _ = self.set_up_core();
        }
        result
    }

    /// [`Self::exchange`] with one buffer: each byte sent is replaced by the one read.
    async fn exchange_in_place(&mut self, words: &mut [u8]) -> Result<(), Error> {
        let mut result = Ok(());
        let mut out = [0u8; CHUNK_MAX];
        for chunk in words.chunks_mut(self.chunk) {
            let n = chunk.len();
            out[..n].copy_from_slice(chunk);
            result = self.run_chunk(n, &out[..n], chunk).await;
            if result.is_err() {
                break;
            }
        }
        if result.is_err() {
            let _ = self.set_up_core();
        }
        result
    }

    /// One chunk of `n` ≤ FIFO-depth words: `out` then 0x00 up to `n` go out, the first
    /// `input.len()` bytes read come back into `input`.
    async fn run_chunk(&mut self, n: usize, out: &[u8], input: &mut [u8]) -> Result<(), Error> {
        let regs = self.spi.regs;
        let r = regs.get();
        let signal = signal::signal(I::register_block());
        r.qup_mx_write_cnt().write(|w| w.count().set(n as u16));
        r.qup_mx_read_cnt().write(|w| w.count().set(n as u16));
        self.set_state(State::Run)?;
        self.set_state(State::Pause)?;
        for k in 0..n {
            let byte = out.get(k).copied().unwrap_or(0);
            r.qup_output_fifo().write(|w| w.data().set(u32::from(byte)));
        }
        signal.clear_errors();
        let deadline = Instant::now()
            .checked_add(self.chunk_timeout(n))
            .unwrap_or(Instant::from_ticks(u64::MAX));
        self.set_state(State::Run)?;
        let outcome = signal::wait_until(signal, deadline, || {
            if signal.has_error() {
                return Some(false);
            }
            let done = regs.get().qup_operational().read().max_input_done();
            done.bit_is_set().then_some(true)
        })
        .await;
        match outcome {
            None => return Err(Error::Timeout),
            Some(false) => {
                let fifo = signal.fifo_errors.load(Ordering::Acquire);
                let spi = signal.spi_errors.load(Ordering::Acquire);
                return Err(if fifo & QUP_OVERRUN != 0 || spi & SPI_CLK_OVER_RUN != 0 {
                    Error::Overrun
                } else {
                    Error::Underrun
                });
            }
            Some(true) => {}
        }
        for k in 0..n {
            let byte = r.qup_input_fifo().read().data().bits() as u8;
            if let Some(slot) = input.get_mut(k) {
                *slot = byte;
            }
        }
        self.clear_flags();
        self.set_state(State::Reset)
    }
}

impl<I: AsyncInstance> embedded_hal_async::spi::ErrorType for AsyncSpi<I> {
    type Error = Error;
}

impl<I: AsyncInstance> embedded_hal_async::spi::SpiBus<u8> for AsyncSpi<I> {
    async fn read(&mut self, words: &mut [u8]) -> Result<(), Error> {
        self.exchange(&[], words).await
    }

    async fn write(&mut self, words: &[u8]) -> Result<(), Error> {
        self.exchange(words, &mut []).await
    }

    async fn transfer(&mut self, read: &mut [u8], write: &[u8]) -> Result<(), Error> {
        self.exchange(write, read).await
    }

    async fn transfer_in_place(&mut self, words: &mut [u8]) -> Result<(), Error> {
        self.exchange_in_place(words).await
    }

    /// Every transfer has ended when its future completes: nothing to wait for.
    async fn flush(&mut self) -> Result<(), Error> {
        Ok(())
    }
}
