//! BLSP1 QUP SPI master (blocking, polled): QUP5, the low-speed header's SPI0 (GPIO 16 MOSI,
//! 17 MISO, 19 CLK), implementing embedded-hal 1.0's `SpiBus<u8>`.
//!
//! ```no_run
//! use apq8016_hal::gpio::{Level, Output, OutputConfig, Pins};
//! use apq8016_hal::{clocks::Clocks, pac, spi::{Config, Spi}};
//! use embedded_hal::spi::SpiBus as _;
//!
//! let p = pac::Peripherals::take().unwrap();
//! let mut clocks = Clocks::new(p.GCC);
//! let pins = Pins::new(p.TLMM);
//! let mut cs = Output::new(pins.gpio18, Level::High, OutputConfig::default()); // SPI0 CS_N
//! let mut spi = Spi::new(p.BLSP1_QUP5, pins.gpio16, pins.gpio17, pins.gpio19, &mut clocks, Config::default())?;
//! cs.set_low();
//! spi.write(&[0x06])?; // e.g. a flash's WRITE ENABLE
//! spi.flush()?;
//! cs.set_high();
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```
//!
//! Design notes:
//! - Chip select is not the driver's: the board drives the CS pad (GPIO 18) as a plain GPIO
//!   output, as the upstream device tree does (docs/hardware/qup-i2c-spi.md#sequences). Use
//!   `embedded-hal-bus`'s `ExclusiveDevice` with that output for an `SpiDevice`.
//! - BLOCK mode with packing (`PACK_EN` / `UNPACK_EN`: each 32-bit FIFO word carries 4
//!   bytes, the first in bits 7:0), so the controller never waits for the CPU between FIFO
//!   loads (docs/hardware/qup-i2c-spi.md#shift-engine-and-fifos). Every transfer is full
//!   duplex and is one *run* of up to [`RUN_MAX`] bytes: `MX_OUTPUT_CNT` = `MX_INPUT_CNT` =
//!   the length, RUN, then a service loop that writes a block (4 words) whenever
//!   `OUT_BLOCK_WRITE_REQ` shows room for one and reads a block whenever `IN_BLOCK_READ_REQ`
//!   shows one, the rest of the input once `MAX_INPUT_DONE` is set; then RESET. The shift
//!   engine stands still (SCLK stops, no data lost) when the output FIFO is empty or the
//!   input FIFO full, so a slow loop costs time, never data. The words go straight between
//!   the caller's buffers and the FIFO (no copy).
//! - `transfer` with unequal lengths clocks `max(read, write)` bytes: writes past the end of
//!   `write` send 0x00, reads past the end of `read` are dropped (embedded-hal's rule).
//! - SCLK = the SPI core clock; the rate and the mode encoding are worked out in `config`
//!   (host-tested); the achieved rate is [`Spi::frequency`].
//! - Every wait is bounded: state changes 1 ms; a run 4 x its wire time + 1 ms (the bound's
//!   rate part is worked out once per configuration; the loop reads the counter only when a
//!   poll found nothing to do, so a busy loop costs no timer reads). Errors:
//!   [`Error::Timeout`] (e.g. the core clock stopped), [`Error::Overrun`] / [`Error::Underrun`]
//!   from `QUP_ERROR_FLAGS` and `SPI_ERROR_FLAGS` (checked at the end of each run). After an
//!   error the core is reset and set up again, so the next transfer starts clean.

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

/// Fixed part of every run's time bound, in µs.
const RUN_TIMEOUT_BASE_US: u64 = 1_000;
/// Fewest idle polls of a run's loop before it gives up (as `clocks::wait` does).
const MIN_POLLS: u64 = 1_000;
/// Most bytes one run clocks: the 16-bit count, rounded down to whole 16-byte blocks.
pub const RUN_MAX: usize = 0xFFF0;
/// Bytes per packed FIFO word.
const WORD_BYTES: usize = 4;
/// Most FIFO words the service loop moves per request (a 16-byte block).
const SERVICE_WORDS: usize = 4;
/// `QUP_OPERATIONAL` bits the service loop tests.
const MAX_INPUT_DONE: u32 = 1 << 11;
const OUT_BLOCK_WRITE_REQ: u32 = 1 << 12;
const IN_BLOCK_READ_REQ: u32 = 1 << 13;
/// SPI mini-core selector of `QUP_CONFIG.MINI_CORE`.
const MINI_CORE_SPI: u8 = 1;
/// Bits per word minus one.
const WORD_BITS_MINUS_ONE: u8 = 7;
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
    /// FIFO words per block (from `QUP_IO_MODES`).
    block_words: usize,
    /// A run's time bound per byte, in counter ticks × 2^16 (worked out once per
    /// configuration), and its fixed part in ticks.
    limit_per_byte: u64,
    limit_base: u64,
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
            block_words: 1,
            limit_per_byte: 0,
            limit_base: 0,
        };
        // A failed reset here shows again (as an error) at the first transfer.
        let _ = spi.reset_core();
        spi.block_words = spi.output_block_words();
        spi.set_limits();
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
        self.set_limits();
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

    /// FIFO words per block: the smaller of the output and input block sizes (the FIFOs
    /// hold several blocks each).
    fn output_block_words(&self) -> usize {
        let modes = self.regs.get().qup_io_modes().read();
        // Block size codes: 0 = 4 bytes, n = 16 × n bytes (docs/hardware/qup-i2c-spi.md).
        let bytes = |code: u8| if code == 0 { 4 } else { 16 * usize::from(code) };
        let output = bytes(modes.output_block_size().bits());
        let input = bytes(modes.input_block_size().bits());
        (output.min(input) / WORD_BYTES).max(1)
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
            w.output_mode().block();
            w.input_mode().block();
            w.unpack_en().set_bit();
            w.pack_en().set_bit()
        });
        // BLOCK mode counts in MX_OUTPUT_CNT / MX_INPUT_CNT; the FIFO-mode ones stay 0.
        r.qup_mx_write_cnt().reset();
        r.qup_mx_read_cnt().reset();
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

    /// Works out the run bound's parts: 4 x the wire time of a byte (8 SCLK periods) and
    /// 1 ms, in counter ticks.
    fn set_limits(&mut self) {
        let ticks_per_second = u64::from(crate::time::ticks_per_second());
        let per_byte = (4 * 8 * ticks_per_second) << 16;
        self.limit_per_byte = per_byte.div_ceil(u64::from(self.frequency_hz.max(1)));
        let base = Duration::from_micros(RUN_TIMEOUT_BASE_US);
        self.limit_base = crate::time::duration_to_ticks(base, ticks_per_second as u32);
    }

    /// The time bound of a run of `bytes`, in counter ticks.
    fn run_limit(&self, bytes: usize) -> u64 {
        self.limit_base + ((bytes as u64 * self.limit_per_byte) >> 16)
    }

    /// Clocks `buffers.len()` bytes (see the module notes) in runs of at most [`RUN_MAX`];
    /// on an error the core is reset.
    fn exchange(&mut self, buffers: &mut impl Buffers) -> Result<(), Error> {
        let total = buffers.len();
        let mut done = 0;
        let mut result = Ok(());
        while done < total {
            let n = RUN_MAX.min(total - done);
            result = self.run(buffers, done, n);
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

    /// One run of `n` bytes from byte `offset` of `buffers`: RUN, the service loop, the
    /// error check, RESET.
    fn run(&mut self, buffers: &mut impl Buffers, offset: usize, n: usize) -> Result<(), Error> {
        let r = self.regs.get();
        r.qup_mx_output_cnt().write(|w| w.count().set(n as u16));
        r.qup_mx_input_cnt().write(|w| w.count().set(n as u16));
        self.set_state(State::Run)?;
        let words = n.div_ceil(WORD_BYTES);
        // Words per service: a block, at most SERVICE_WORDS (the fast path's size).
        let service = self.block_words.min(SERVICE_WORDS);
        let output_end = buffers.output_end();
        let (mut written, mut read) = (0, 0);
        let limit = self.run_limit(n);
        let start = Instant::now();
        let mut idle_polls = 0;
        while read < words {
            let operational = r.qup_operational().read().bits();
            let mut serviced = false;
            if written < words && operational & OUT_BLOCK_WRITE_REQ != 0 {
                let end = words.min(written + service);
                if offset + written * WORD_BYTES >= output_end {
                    // Past the data (all of a `read`): zeros.
                    while written < end {
                        r.qup_output_fifo().write(|w| w.data().set(0));
                        written += 1;
                    }
                } else {
                    while written < end {
                        let word = buffers.output_word(offset + written * WORD_BYTES);
                        r.qup_output_fifo().write(|w| w.data().set(word));
                        written += 1;
                    }
                }
                serviced = true;
            }
            if operational & IN_BLOCK_READ_REQ != 0 {
                // A block is in the FIFO, so at least a block of this run is still unread.
                if service == SERVICE_WORDS {
                    let fifo = r.qup_input_fifo();
                    let block = [
                        fifo.read().bits(),
                        fifo.read().bits(),
                        fifo.read().bits(),
                        fifo.read().bits(),
                    ];
                    buffers.store_block(offset + read * WORD_BYTES, block);
                    read += SERVICE_WORDS;
                } else {
                    for _ in 0..service {
                        let word = r.qup_input_fifo().read().bits();
                        buffers.store_input(offset + read * WORD_BYTES, word);
                        read += 1;
                    }
                }
                serviced = true;
            } else if operational & MAX_INPUT_DONE != 0 {
                // All of the run's input is in the FIFO: less than a block is left.
                while read < words {
                    let word = r.qup_input_fifo().read().bits();
                    buffers.store_input(offset + read * WORD_BYTES, word);
                    read += 1;
                }
                serviced = true;
            }
            if !serviced {
                // A stopped counter cannot make this endless: the idle polls are counted too.
                idle_polls += 1;
                if idle_polls > limit.max(MIN_POLLS) || Instant::now().ticks_since(start) > limit {
                    let _ = self.check_errors();
                    return Err(Error::Timeout);
                }
            }
        }
        let result = self.check_errors();
        self.clear_flags();
        self.set_state(State::Reset)?;
        result
    }

    /// The error flags' error, if any.
    fn check_errors(&self) -> Result<(), Error> {
        let r = self.regs.get();
        let core = r.qup_error_flags().read().bits();
        let spi = r.spi_error_flags().read().bits();
        if core & (QUP_OVERRUN | QUP_UNDERRUN) == 0 && spi == 0 {
            return Ok(());
        }
        Err(if core & QUP_OVERRUN != 0 || spi & SPI_CLK_OVER_RUN != 0 {
            Error::Overrun
        } else {
            debug_assert!(core & QUP_UNDERRUN != 0 || spi & SPI_CLK_UNDER_RUN != 0);
            Error::Underrun
        })
    }
}

/// Where a transfer's bytes come from and go to: byte `k` of the transfer is sent from
/// `output_word` and received into `store_input`, 4 bytes per FIFO word, first byte in bits
/// 7:0 (the packed layout).
pub(crate) trait Buffers {
    /// Bytes the transfer clocks.
    fn len(&self) -> usize;
    /// The index from which every output byte is 0x00.
    fn output_end(&self) -> usize;
    /// The packed output word of bytes `index..index + 4` (0x00 past the data).
    fn output_word(&self, index: usize) -> u32;
    /// Stores the packed input word of bytes `index..index + 4` (bytes past the buffer are
    /// dropped).
    fn store_input(&mut self, index: usize, word: u32);
    /// Stores [`SERVICE_WORDS`] packed input words from byte `index` on.
    fn store_block(&mut self, index: usize, words: [u32; SERVICE_WORDS]);
}

/// Bytes `index..index + 4` of `data` as a packed word (0x00 past its end).
#[inline(always)]
fn pack(data: &[u8], index: usize) -> u32 {
    match data.get(index..index + WORD_BYTES) {
        Some(bytes) => u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
        None => {
            let mut word = 0;
            for (k, &byte) in data.iter().skip(index).take(WORD_BYTES).enumerate() {
                word |= u32::from(byte) << (8 * k);
            }
            word
        }
    }
}

/// Stores the packed `word` at bytes `index..index + 4` of `data` (what fits).
#[inline(always)]
fn unpack(data: &mut [u8], index: usize, word: u32) {
    match data.get_mut(index..index + WORD_BYTES) {
        Some(bytes) => bytes.copy_from_slice(&word.to_le_bytes()),
        None => {
            for (k, slot) in data.iter_mut().skip(index).take(WORD_BYTES).enumerate() {
                *slot = (word >> (8 * k)) as u8;
            }
        }
    }
}

/// Stores packed `words` from byte `index` of `data` on (what fits): one bounds check for
/// the whole block when it fits.
#[inline(always)]
fn unpack_block(data: &mut [u8], index: usize, words: [u32; SERVICE_WORDS]) {
    let block: Option<&mut [u8; SERVICE_WORDS * WORD_BYTES]> = data
        .get_mut(index..index + SERVICE_WORDS * WORD_BYTES)
        .and_then(|bytes| bytes.try_into().ok());
    match block {
        Some(bytes) => {
            bytes[0..4].copy_from_slice(&words[0].to_le_bytes());
            bytes[4..8].copy_from_slice(&words[1].to_le_bytes());
            bytes[8..12].copy_from_slice(&words[2].to_le_bytes());
            bytes[12..16].copy_from_slice(&words[3].to_le_bytes());
        }
        None => {
            for (k, word) in words.into_iter().enumerate() {
                unpack(data, index + k * WORD_BYTES, word);
            }
        }
    }
}

/// Separate output and input buffers (`transfer`, `read`, `write`).
pub(crate) struct Split<'a> {
    pub(crate) write: &'a [u8],
    pub(crate) read: &'a mut [u8],
}

impl Buffers for Split<'_> {
    fn len(&self) -> usize {
        self.write.len().max(self.read.len())
    }
    fn output_end(&self) -> usize {
        self.write.len()
    }
    #[inline(always)]
    fn output_word(&self, index: usize) -> u32 {
        pack(self.write, index)
    }
    #[inline(always)]
    fn store_input(&mut self, index: usize, word: u32) {
        unpack(self.read, index, word);
    }
    #[inline(always)]
    fn store_block(&mut self, index: usize, words: [u32; SERVICE_WORDS]) {
        unpack_block(self.read, index, words);
    }
}

/// One buffer, each byte sent replaced by the one received (`transfer_in_place`). Safe
/// because the controller sends a word before it receives it: the loop writes word `k` to
/// the output FIFO before it reads word `k` back.
pub(crate) struct InPlace<'a>(pub(crate) &'a mut [u8]);

impl Buffers for InPlace<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn output_end(&self) -> usize {
        self.0.len()
    }
    #[inline(always)]
    fn output_word(&self, index: usize) -> u32 {
        pack(self.0, index)
    }
    #[inline(always)]
    fn store_input(&mut self, index: usize, word: u32) {
        unpack(self.0, index, word);
    }
    #[inline(always)]
    fn store_block(&mut self, index: usize, words: [u32; SERVICE_WORDS]) {
        unpack_block(self.0, index, words);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_words_put_the_first_byte_in_bits_7_to_0_and_pad_with_zeros() {
        let data = [1, 2, 3, 4, 5, 6];
        assert_eq!(pack(&data, 0), 0x0403_0201);
        assert_eq!(pack(&data, 4), 0x0000_0605);
        assert_eq!(pack(&data, 8), 0);
        let split = Split {
            write: &data,
            read: &mut [],
        };
        assert_eq!((split.len(), split.output_end()), (6, 6));
    }

    #[test]
    fn input_words_store_what_fits() {
        let mut data = [0u8; 6];
        unpack(&mut data, 0, 0x0403_0201);
        unpack(&mut data, 4, 0x0807_0605);
        assert_eq!(data, [1, 2, 3, 4, 5, 6]);
        let mut block = [0u8; 18];
        unpack_block(
            &mut block,
            0,
            [0x0403_0201, 0x0807_0605, 0x0C0B_0A09, 0x100F_0E0D],
        );
        assert_eq!(
            block[..16],
            core::array::from_fn::<u8, 16, _>(|k| k as u8 + 1)
        );
        assert_eq!(block[16..], [0, 0]);
        // A block that runs past the end stores its first bytes only.
        let mut short = [0u8; 6];
        unpack_block(
            &mut short,
            0,
            [0x0403_0201, 0x0807_0605, 0x0C0B_0A09, 0x100F_0E0D],
        );
        assert_eq!(short, [1, 2, 3, 4, 5, 6]);
        let mut in_place = InPlace(&mut short);
        in_place.store_input(4, 0xFFFF_0A09);
        assert_eq!(in_place.0, [1, 2, 3, 4, 9, 10]);
    }
}
