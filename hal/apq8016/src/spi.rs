//! BLSP1 QUP SPI master (blocking, polled): QUP5, the low-speed header's SPI0 (GPIO 16 MOSI,
//! 17 MISO, 19 CLK), implementing embedded-hal 1.0's `SpiBus<u8>`.
//!
//! Design notes:
//! - Chip select is not the driver's: the board drives the CS pad (GPIO 18) as a plain GPIO
//!   output, as the upstream device tree does (docs/hardware/qup-i2c-spi.md#sequences). Use
//!   `embedded-hal-bus`'s `ExclusiveDevice` with that output for an `SpiDevice`.
//! - FIFO mode, one byte per FIFO word, right-justified (`OUTPUT_BIT_SHIFT_EN = 1`, no
//!   packing, `N = 7`: the U-Boot layout in docs/hardware/qup-i2c-spi.md#sequences). Every
//!   transfer is full duplex and runs in *chunks* of at most one FIFO's worth of words: load
//!   `MX_WRITE_CNT` / `MX_READ_CNT`, RUN → PAUSE, fill the output FIFO, RUN, wait for
//!   `MAX_INPUT_DONE`, drain the input FIFO, RESET. SCLK stops between chunks (the device
//!   only sees a longer gap; CS stays as the GPIO holds it).
//! - `transfer` with unequal lengths clocks `max(read, write)` bytes: writes past the end of
//!   `write` send 0x00, reads past the end of `read` are dropped (embedded-hal's rule).
//! - SCLK = the SPI core clock; the rate and the mode encoding are worked out in `config`
//!   (host-tested); the achieved rate is [`Spi::frequency`].
//! - Every wait is bounded: state changes 1 ms; a chunk 4 × a full chunk's wire time + 1 ms
//!   (in counter ticks, worked out once per configuration: the wait for a chunk polls the
//!   flags and the counter only, so the driver sees the end of a chunk within a few
//!   instructions; `cargo xtask bench` measures the time between chunks). Errors:
//!   [`Error::Timeout`] (e.g. the core clock stopped), [`Error::Overrun`] / [`Error::Underrun`]
//!   from `QUP_ERROR_FLAGS` and `SPI_ERROR_FLAGS`. After an error the core is reset and set up
//!   again, so the next transfer starts clean.

mod asynch;
mod config;
mod eh;

use core::fmt;

use crate::clocks::{Branch, Clocks, SpiClock};
use crate::gpio::{AnyPin, DriveStrength, Pin, Pull};
use crate::pac;
use crate::time::{Duration, Instant};
pub use asynch::{AsyncInstance, AsyncSpi};
pub use config::{
    Config, ConfigError, MAX_FREQUENCY_HZ, MODE_0, MODE_1, MODE_2, MODE_3, Mode, ModeBits, Phase,
    Polarity, clock_settings, mode_bits, mode_number,
};
use pac::blsp1_qup1::qup_state::State;

use crate::qup::{self, RegisterBlock, Regs};

/// Fixed part of every chunk's time bound, in µs.
const CHUNK_TIMEOUT_BASE_US: u64 = 1_000;
/// Fewest polls of a chunk's wait before it gives up (as `clocks::wait` does).
const MIN_POLLS: u64 = 1_000;
/// SPI mini-core selector of `QUP_CONFIG.MINI_CORE`.
const MINI_CORE_SPI: u8 = 1;
/// Bits per word minus one.
const WORD_BITS_MINUS_ONE: u8 = 7;
/// Most words per chunk the driver plans for (FIFOs may be smaller; see `fifo_words`).
const CHUNK_MAX: usize = 64;
/// Overrun bits: `QUP_ERROR_FLAGS` INPUT_OVER_RUN (2), OUTPUT_OVER_RUN (5).
const QUP_OVERRUN: u32 = 1 << 2 | 1 << 5;
/// Underrun bits: `QUP_ERROR_FLAGS` OUTPUT_UNDER_RUN (3), INPUT_UNDER_RUN (4).
const QUP_UNDERRUN: u32 = 1 << 3 | 1 << 4;
/// `SPI_ERROR_FLAGS`: CLK_UNDER_RUN (0), CLK_OVER_RUN (1).
const SPI_CLK_UNDER_RUN: u32 = 1 << 0;
const SPI_CLK_OVER_RUN: u32 = 1 << 1;

mod sealed {
    pub trait Sealed {}
}

/// A BLSP1 QUP used as an SPI master: `pac::BLSP1_QUP5`.
pub trait Instance: sealed::Sealed + Sized {
    /// Root of the SPI core clock.
    #[doc(hidden)]
    const CLOCK: SpiClock;
    /// The core-clock branch.
    #[doc(hidden)]
    const BRANCH: Branch;
    /// Name used in `Debug` output.
    #[doc(hidden)]
    const NAME: &'static str;
    /// Mux function of the pads (docs/hardware/board-pinout.md#blsp1-instances-on-the-board).
    #[doc(hidden)]
    const PIN_FUNCTION: u8;
    /// The register block.
    #[doc(hidden)]
    fn register_block() -> *const RegisterBlock;
    /// The MOSI pad, as [`Spi::free`] gives it back.
    type MosiPad: MosiPin<Self> + TryFrom<AnyPin, Error = AnyPin>;
    /// The MISO pad.
    type MisoPad: MisoPin<Self> + TryFrom<AnyPin, Error = AnyPin>;
    /// The clock pad.
    type ClkPad: ClkPin<Self> + TryFrom<AnyPin, Error = AnyPin>;
}

/// A pad that can carry the MOSI signal of QUP `I`.
pub trait MosiPin<I: Instance>: Into<AnyPin> + sealed::Sealed {}
/// A pad that can carry the MISO signal of QUP `I`.
pub trait MisoPin<I: Instance>: Into<AnyPin> + sealed::Sealed {}
/// A pad that can carry the SCLK signal of QUP `I`.
pub trait ClkPin<I: Instance>: Into<AnyPin> + sealed::Sealed {}

impl sealed::Sealed for pac::BLSP1_QUP5 {}
impl Instance for pac::BLSP1_QUP5 {
    const CLOCK: SpiClock = SpiClock::Blsp1Qup5;
    const BRANCH: Branch = Branch::Blsp1Qup5SpiApps;
    const NAME: &'static str = "BLSP1_QUP5";
    const PIN_FUNCTION: u8 = 1;
    type MosiPad = Pin<16>;
    type MisoPad = Pin<17>;
    type ClkPad = Pin<19>;
    fn register_block() -> *const RegisterBlock {
        pac::BLSP1_QUP5::ptr()
    }
}
impl sealed::Sealed for Pin<16> {}
impl sealed::Sealed for Pin<17> {}
impl sealed::Sealed for Pin<19> {}
impl MosiPin<pac::BLSP1_QUP5> for Pin<16> {}
impl MisoPin<pac::BLSP1_QUP5> for Pin<17> {}
impl ClkPin<pac::BLSP1_QUP5> for Pin<19> {}

/// Errors of a transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// The transfer (or a core state change) did not finish within its bound, e.g. because
    /// the SPI core clock is off.
    Timeout,
    /// The controller reported an overrun (input FIFO or clock overrun).
    Overrun,
    /// The controller reported an underrun (output FIFO or clock underrun).
    Underrun,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Timeout => f.write_str("SPI: timeout: the transfer did not finish"),
            Error::Overrun => f.write_str("SPI: controller overrun"),
            Error::Underrun => f.write_str("SPI: controller underrun"),
        }
    }
}

impl core::error::Error for Error {}

/// A configured SPI master on QUP `I`. Owns the peripheral and its MOSI, MISO and CLK pads.
///
/// ```no_run
/// use apq8016_hal::{clocks::Clocks, gpio::Pins, pac, spi::{Config, MODE_0, Spi}};
/// use embedded_hal::spi::SpiBus as _;
///
/// let p = pac::Peripherals::take().unwrap();
/// let mut clocks = Clocks::new(p.GCC);
/// let pins = Pins::new(p.TLMM);
/// // QUP5 on GPIO 16 (MOSI) / 17 (MISO) / 19 (CLK): the DragonBoard 410c's SPI0, 10 MHz.
/// let config = Config::default().with_frequency(10_000_000).with_mode(MODE_0);
/// let mut spi = Spi::new(p.BLSP1_QUP5, pins.gpio16, pins.gpio17, pins.gpio19, &mut clocks, config)?;
/// let mut id = [0x9F, 0, 0, 0];
/// spi.transfer_in_place(&mut id)?;
/// let (qup, mosi, miso, clk) = spi.free();
/// # let _ = (qup, mosi, miso, clk);
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub struct Spi<I: Instance> {
    qup: I,
    regs: Regs,
    mosi: AnyPin,
    miso: AnyPin,
    clk: AnyPin,
    config: Config,
    frequency_hz: u32,
    /// Words per chunk (from the FIFO sizes).
    chunk: usize,
    /// Bound of one chunk's wait, in counter ticks (worked out once per configuration).
    chunk_limit_ticks: u64,
}

impl<I: Instance> fmt::Debug for Spi<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spi")
            .field("instance", &I::NAME)
            .field("frequency_hz", &self.frequency_hz)
            .field("mode", &mode_number(self.config.mode))
            .finish_non_exhaustive()
    }
}

impl<I: Instance> Spi<I> {
    /// Sets up QUP `qup` as an SPI master on its pads: checks `config`, turns on BLSP1_AHB,
    /// programs and starts the SPI core clock at the rate of `config`, resets the core and
    /// muxes the pads.
    pub fn new(
        qup: I,
        mosi: impl MosiPin<I>,
        miso: impl MisoPin<I>,
        clk: impl ClkPin<I>,
        clocks: &mut Clocks,
        config: Config,
    ) -> Result<Self, ConfigError> {
        let settings = clock_settings(config.frequency_hz)?;
        clocks.enable(Branch::Blsp1Ahb)?;
        let frequency_hz = clocks.set_spi_clock(I::CLOCK, &settings)?;
        clocks.enable(I::BRANCH)?;
        let mut spi = Spi {
            qup,
            regs: Regs(I::register_block()),
            mosi: mosi.into(),
            miso: miso.into(),
            clk: clk.into(),
            config,
            frequency_hz,
            chunk: 0,
            chunk_limit_ticks: 0,
        };
        // A failed reset here shows again (as an error) at the first transfer.
        let _ = spi.reset_core();
        spi.chunk = spi.fifo_words();
        spi.chunk_limit_ticks = spi.chunk_limit();
        for pin in [&mut spi.mosi, &mut spi.miso, &mut spi.clk] {
            pin.set_function(I::PIN_FUNCTION, Pull::None, DriveStrength::Ma8);
        }
        Ok(spi)
    }

    /// Changes the rate and mode. The rate lives in the clock controller, hence `clocks`.
    /// On an error nothing is changed.
    pub fn apply_config(
        &mut self,
        config: &Config,
        clocks: &mut Clocks,
    ) -> Result<(), ConfigError> {
        let settings = clock_settings(config.frequency_hz)?;
        self.frequency_hz = clocks.set_spi_clock(I::CLOCK, &settings)?;
        self.config = *config;
        self.chunk_limit_ticks = self.chunk_limit();
        let _ = self.reset_core();
        Ok(())
    }

    /// The SCLK rate actually produced, in Hz (at most the configured one).
    pub fn frequency(&self) -> u32 {
        self.frequency_hz
    }

    /// The configured mode.
    pub fn mode(&self) -> Mode {
        self.config.mode
    }

    /// Resets the core and gives back the peripheral and the pads (MOSI, MISO, CLK). The
    /// clocks stay on; the pads keep their SPI function until reconfigured.
    pub fn free(self) -> (I, I::MosiPad, I::MisoPad, I::ClkPad) {
        let _ = self.reset_core();
        let (Ok(mosi), Ok(miso), Ok(clk)) = (
            I::MosiPad::try_from(self.mosi),
            I::MisoPad::try_from(self.miso),
            I::ClkPad::try_from(self.clk),
        ) else {
            unreachable!("an SPI driver holds its instance's own pads")
        };
        (self.qup, mosi, miso, clk)
    }

    /// Words per chunk: what the smaller FIFO holds, one byte per word.
    fn fifo_words(&self) -> usize {
        let (output, input) = qup::fifo_sizes(self.regs.get());
        (output.min(input) / 4).clamp(1, CHUNK_MAX)
    }

    /// Writes `state` and waits until the core reports it.
    fn set_state(&self, state: State) -> Result<(), Error> {
        if qup::set_state(self.regs.get(), state) {
            Ok(())
        } else {
            Err(Error::Timeout)
        }
    }

    /// Software reset, then the SPI FIFO-mode setup with the configured mode, flags cleared.
    fn reset_core(&self) -> Result<(), Error> {
        let r = self.regs.get();
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
        r.qup_operational_mask().reset();
        r.qup_error_flags_en().reset();
        r.spi_error_flags_en().reset();
        let bits = mode_bits(self.config.mode);
        r.spi_config()
            .write(|w| w.input_first().bit(bits.input_first));
        r.spi_io_control().write(|w| {
            w.no_tri_state().set_bit();
            w.clk_idle_high().bit(bits.clk_idle_high)
        });
        self.clear_flags();
        Ok(())
    }

    fn clear_flags(&self) {
        let r = self.regs.get();
        r.qup_operational().write(|w| {
            w.out_service_flag().set_bit();
            w.in_service_flag().set_bit();
            w.max_output_done().set_bit();
            w.max_input_done().set_bit()
        });
        let errors = r.qup_error_flags().read().bits();
        // Write the read value back (write 1 to clear), as the drivers do.
        r.qup_error_flags().write(|w| {
            w.input_over_run().bit(errors & (1 << 2) != 0);
            w.output_under_run().bit(errors & (1 << 3) != 0);
            w.input_under_run().bit(errors & (1 << 4) != 0);
            w.output_over_run().bit(errors & (1 << 5) != 0)
        });
        r.spi_error_flags().write(|w| {
            w.clk_under_run().set_bit();
            w.clk_over_run().set_bit()
        });
    }

    /// Time bound for a full chunk, in counter ticks: 4 x its wire time + 1 ms.
    fn chunk_limit(&self) -> u64 {
        let bits = self.chunk as u64 * 8 * 4;
        let wire_us = bits * 1_000_000 / u64::from(self.frequency_hz.max(1));
        let timeout = Duration::from_micros(wire_us + CHUNK_TIMEOUT_BASE_US);
        crate::time::duration_to_ticks(timeout, crate::time::ticks_per_second())
    }

    /// Waits until the running chunk is done: `Ok(true)`, `Ok(false)` after the bound, or
    /// the error flags' error. A plain loop on the counter (no time arithmetic per poll), so
    /// the end of a chunk is seen within a few instructions.
    fn wait_chunk(&self) -> Result<bool, Error> {
        let r = self.regs.get();
        let start = Instant::now();
        // A stopped counter cannot make this endless: the polls are counted too.
        for _ in 0..self.chunk_limit_ticks.max(MIN_POLLS) {
            let core = r.qup_error_flags().read().bits();
            let spi = r.spi_error_flags().read().bits();
            if core & (QUP_OVERRUN | QUP_UNDERRUN) != 0 || spi != 0 {
                return Err(if core & QUP_OVERRUN != 0 || spi & SPI_CLK_OVER_RUN != 0 {
                    Error::Overrun
                } else {
                    debug_assert!(core & QUP_UNDERRUN != 0 || spi & SPI_CLK_UNDER_RUN != 0);
                    Error::Underrun
                });
            }
            if r.qup_operational().read().max_input_done().bit_is_set() {
                return Ok(true);
            }
            if Instant::now().ticks_since(start) > self.chunk_limit_ticks {
                break;
            }
        }
        Ok(r.qup_operational().read().max_input_done().bit_is_set())
    }

    /// Clocks `max(write.len(), read.len())` bytes (see the module notes); on an error the
    /// core is reset.
    fn exchange(&mut self, write: &[u8], read: &mut [u8]) -> Result<(), Error> {
        let total = write.len().max(read.len());
        let mut done = 0;
        let mut result = Ok(());
        while done < total {
            let n = self.chunk.min(total - done);
            // The bytes of this chunk that exist in each buffer (the rest: 0x00 out, dropped in).
            let out = write.get(done..).unwrap_or(&[]);
            let out = &out[..out.len().min(n)];
            let input = match read.get_mut(done..) {
                Some(rest) => {
                    let len = rest.len().min(n);
                    &mut rest[..len]
                }
                None => &mut [],
            };
            result = self
                .load_chunk(n, out)
                .and_then(|()| self.finish_chunk(n, input));
            if result.is_err() {
                break;
            }
            done += n;
        }
        if result.is_err() {
            // Start the next transfer from a clean core; the first error is the one to report.
            let _ = self.reset_core();
        }
        result
    }

    /// Like [`Self::exchange`] with one buffer: each byte sent is replaced by the one read.
    fn exchange_in_place(&mut self, words: &mut [u8]) -> Result<(), Error> {
        let mut result = Ok(());
        for chunk in words.chunks_mut(self.chunk) {
            let n = chunk.len();
            // The whole chunk is in the output FIFO before anything is read back.
            result = self
                .load_chunk(n, chunk)
                .and_then(|()| self.finish_chunk(n, chunk));
            if result.is_err() {
                break;
            }
        }
        if result.is_err() {
            let _ = self.reset_core();
        }
        result
    }

    /// Loads a chunk of `n` ≤ FIFO-depth words: `out`, then 0x00 up to `n`. The bytes go
    /// straight from the caller's buffer to the FIFO (no copy: the driver's time between
    /// chunks is what keeps a transfer from its wire time).
    fn load_chunk(&mut self, n: usize, out: &[u8]) -> Result<(), Error> {
        let r = self.regs.get();
        r.qup_mx_write_cnt().write(|w| w.count().set(n as u16));
        r.qup_mx_read_cnt().write(|w| w.count().set(n as u16));
        self.set_state(State::Run)?;
        self.set_state(State::Pause)?;
        for &byte in out {
            r.qup_output_fifo().write(|w| w.data().set(u32::from(byte)));
        }
        for _ in out.len()..n {
            r.qup_output_fifo().write(|w| w.data().set(0));
        }
        Ok(())
    }

    /// Runs the loaded chunk of `n` words and reads it back: the first `input.len()` bytes
    /// into `input`, the rest dropped.
    fn finish_chunk(&mut self, n: usize, input: &mut [u8]) -> Result<(), Error> {
        let r = self.regs.get();
        self.set_state(State::Run)?;
        if !self.wait_chunk()? {
            return Err(Error::Timeout);
        }
        for slot in input.iter_mut() {
            *slot = r.qup_input_fifo().read().data().bits() as u8;
        }
        for _ in input.len()..n {
            let _ = r.qup_input_fifo().read();
        }
        self.clear_flags();
        self.set_state(State::Reset)
    }
}
