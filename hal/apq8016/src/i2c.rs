//! BLSP1 QUP I2C master (blocking, polled): QUP2 (the low-speed header's I2C0, GPIO 6/7) and
//! QUP6 (I2C1, GPIO 22/23), implementing embedded-hal 1.0's `I2c`.
//!
//! ```no_run
//! use apq8016_hal::{clocks::Clocks, gpio::Pins, i2c::{Config, I2c}, pac};
//! use embedded_hal::i2c::I2c as _;
//!
//! let p = pac::Peripherals::take().unwrap();
//! let mut clocks = Clocks::new(p.GCC);
//! let pins = Pins::new(p.TLMM);
//! // The header's I2C1: QUP6 on GPIO 22 (SDA) / 23 (SCL), 100 kHz.
//! let mut i2c = I2c::new(p.BLSP1_QUP6, pins.gpio22, pins.gpio23, &mut clocks, Config::default())?;
//! for address in 0x08..0x78 {
//!     if i2c.write(address, &[]).is_ok() { /* a device acknowledged its address */ }
//! }
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```
//!
//! Design notes:
//! - QUP v2 tags in FIFO mode (docs/hardware/qup-i2c-spi.md#i2c-v2-tags-and-transfer): each
//!   transaction is a chain of *messages*. A message is what fits the FIFOs at once: optional
//!   `START` + address byte, one data tag + length, then the data (writes). Messages after the
//!   first are loaded in PAUSE with `CONFIG_DURING_RUN` set in the counts, so the bus stays
//!   held between them.
//! - Operations map to the bus as embedded-hal defines (the plan, host-tested, is in `plan`):
//!   consecutive operations of one direction are one run of bytes (no START between them,
//!   split into messages as the FIFOs need); a change of direction is a repeated START with the
//!   address; the last message ends with `STOP`. The last byte of every read run is NACKed
//!   (`DATA_READ_NACK` before a repeated START, `DATA_READ_STOP` at the end). A run of zero
//!   bytes is the address alone (`START`, or `START_STOP` at the end: an address probe).
//! - NACK on the address vs on data: `I2C_MASTER_STATUS` has one `PACKET_NACKED` bit. A read
//!   message can only be NACKed on its address; a write message without `START` only on data.
//!   For a write message with `START`, the driver looks at how many output FIFO words the
//!   master took (`QUP_OUT_FIFO_CNT`): the first word holds `START`, the address, the tag and
//!   the length, so a NACK after only that word was taken is the address. This reading of the
//!   FIFO count is **inferred** (docs/hardware/qup-i2c-spi.md#master-status-fields-and-bus-clear)
//!   and verified only on the virtual board.
//! - Bus recovery: before every transaction the driver reads the SDA level
//!   (`I2C_MASTER_STATUS.SDA`); if a device holds it low, it runs the QUP bus clear (9 SCL
//!   pulses and a STOP), up to [`RECOVERY_ATTEMPTS`] times, and fails with
//!   [`Error::BusStuck`] if SDA stays low.
//! - Every wait is bounded: state changes 1 ms; a message 4 × its wire time + 1 ms (a device
//!   stretching SCL past that gives [`Error::Timeout`]); after any error the core is reset so
//!   the next transaction starts clean.
//! - The core clock is the 19.2 MHz crystal (the root's reset state); the SCL dividers are
//!   worked out by [`clock_control`] (host-tested).

mod asynch;
mod config;
mod eh;
mod plan;

use core::fmt;

use crate::clocks::{Branch, Clocks, I2cClock, wait};
use crate::gpio::{AnyPin, DriveStrength, Pin, Pull};
use crate::pac;
use crate::time::Duration;
pub use asynch::{AsyncI2c, AsyncInstance};
pub use config::{ClockControl, Config, ConfigError, MAX_FREQUENCY_HZ, clock_control};
use pac::blsp1_qup1::qup_state::State;
use plan::{Message, Plan};

use crate::qup::{self, RegisterBlock, Regs};

/// How often the bus clear is tried before [`Error::BusStuck`].
pub const RECOVERY_ATTEMPTS: u32 = 3;
/// Fixed part of every message's time bound, in µs.
const MESSAGE_TIMEOUT_BASE_US: u64 = 1_000;
/// I2C mini-core selector of `QUP_CONFIG.MINI_CORE`.
const MINI_CORE_I2C: u8 = 2;
/// Bits per word minus one for the v2 tag format.
const WORD_BITS_MINUS_ONE: u8 = 7;
/// Error bits of `I2C_MASTER_STATUS`.
const I2C_STATUS_ERRORS: u32 = 0x0380_00FC;
/// Error bits of `QUP_ERROR_FLAGS`.
const QUP_ERRORS: u32 = 0x3C;
/// Most bytes one read tag can ask for.
const MAX_TAG_LENGTH: usize = 256;

/// v2 tags (docs/hardware/qup-i2c-spi.md#tags-fifo-mode).
mod tag {
    pub const START: u8 = 0x81;
    pub const DATA_WRITE: u8 = 0x82;
    pub const DATA_WRITE_STOP: u8 = 0x83;
    pub const DATA_READ: u8 = 0x85;
    pub const DATA_READ_NACK: u8 = 0x86;
    pub const DATA_READ_STOP: u8 = 0x87;
    pub const START_STOP: u8 = 0x8A;
}

mod sealed {
    pub trait Sealed {}
}

/// A BLSP1 QUP used as an I2C master: `pac::BLSP1_QUP2` or `pac::BLSP1_QUP6`.
pub trait Instance: sealed::Sealed + Sized {
    /// Root of the I2C core clock.
    #[doc(hidden)]
    const CLOCK: I2cClock;
    /// The core-clock branch.
    #[doc(hidden)]
    const BRANCH: Branch;
    /// Name used in `Debug` output.
    #[doc(hidden)]
    const NAME: &'static str;
    /// Mux function of the pads (docs/hardware/tlmm-gpio.md#function-numbers).
    #[doc(hidden)]
    const PIN_FUNCTION: u8;
    /// The register block.
    #[doc(hidden)]
    fn register_block() -> *const RegisterBlock;
    /// The SDA pad, as [`I2c::free`] gives it back.
    type SdaPad: SdaPin<Self> + TryFrom<AnyPin, Error = AnyPin>;
    /// The SCL pad.
    type SclPad: SclPin<Self> + TryFrom<AnyPin, Error = AnyPin>;
}

macro_rules! instance {
    ($periph:ident, $clock:ident, $branch:ident, $function:literal, $sda:literal, $scl:literal) => {
        impl sealed::Sealed for pac::$periph {}
        impl Instance for pac::$periph {
            const CLOCK: I2cClock = I2cClock::$clock;
            const BRANCH: Branch = Branch::$branch;
            const NAME: &'static str = stringify!($periph);
            const PIN_FUNCTION: u8 = $function;
            type SdaPad = Pin<$sda>;
            type SclPad = Pin<$scl>;
            fn register_block() -> *const RegisterBlock {
                pac::$periph::ptr()
            }
        }
        impl sealed::Sealed for Pin<$sda> {}
        impl sealed::Sealed for Pin<$scl> {}
        impl SdaPin<pac::$periph> for Pin<$sda> {}
        impl SclPin<pac::$periph> for Pin<$scl> {}
    };
}

// docs/hardware/board-pinout.md#blsp1-instances-on-the-board: SDA is the lower pad.
instance!(BLSP1_QUP2, Blsp1Qup2, Blsp1Qup2I2cApps, 3, 6, 7);
instance!(BLSP1_QUP6, Blsp1Qup6, Blsp1Qup6I2cApps, 2, 22, 23);

/// A pad that can carry the SDA signal of QUP `I`.
pub trait SdaPin<I: Instance>: Into<AnyPin> + sealed::Sealed {}
/// A pad that can carry the SCL signal of QUP `I`.
pub trait SclPin<I: Instance>: Into<AnyPin> + sealed::Sealed {}

/// Errors of a transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// No device acknowledged the address (embedded-hal: `NoAcknowledge(Address)`).
    AddressNack {
        /// The 7-bit address.
        address: u8,
    },
    /// The device acknowledged its address but not a data byte (`NoAcknowledge(Data)`).
    DataNack {
        /// The 7-bit address.
        address: u8,
    },
    /// Another master won the bus.
    ArbitrationLoss,
    /// The controller saw a START or STOP where none belongs (or another bus-level error).
    Bus,
    /// SDA stays low after [`RECOVERY_ATTEMPTS`] bus clears: a device holds the bus.
    BusStuck,
    /// The transfer did not finish within its bound (e.g. a device holds SCL low).
    Timeout,
    /// The controller reported a FIFO overrun or underrun.
    Fifo,
    /// The address does not fit in 7 bits.
    InvalidAddress {
        /// The address given.
        address: u8,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::AddressNack { address } => {
                write!(f, "I2C: no acknowledge for address 0x{address:02x}")
            }
            Error::DataNack { address } => {
                write!(
                    f,
                    "I2C: device 0x{address:02x} did not acknowledge a data byte"
                )
            }
            Error::ArbitrationLoss => f.write_str("I2C: arbitration lost"),
            Error::Bus => f.write_str("I2C: bus error"),
            Error::BusStuck => f.write_str("I2C: bus stuck: SDA held low after bus recovery"),
            Error::Timeout => f.write_str("I2C: timeout: the transfer did not finish"),
            Error::Fifo => f.write_str("I2C: controller FIFO overrun or underrun"),
            Error::InvalidAddress { address } => {
                write!(f, "I2C: address 0x{address:02x} does not fit in 7 bits")
            }
        }
    }
}

impl core::error::Error for Error {}

/// Direction of a run of bytes on the bus.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Direction {
    Write,
    Read,
}

/// A configured I2C master on QUP `I`. Owns the peripheral and its two pads.
///
/// ```no_run
/// use apq8016_hal::{clocks::Clocks, gpio::Pins, i2c::{Config, I2c}, pac};
/// use embedded_hal::i2c::I2c as _;
///
/// let p = pac::Peripherals::take().unwrap();
/// let mut clocks = Clocks::new(p.GCC);
/// let pins = Pins::new(p.TLMM);
/// // QUP2 on GPIO 6 (SDA) / 7 (SCL): the DragonBoard 410c's I2C0, at 400 kHz.
/// let config = Config::default().with_frequency(Config::FAST_MODE_HZ);
/// let mut i2c = I2c::new(p.BLSP1_QUP2, pins.gpio6, pins.gpio7, &mut clocks, config)?;
/// let mut id = [0u8; 2];
/// i2c.write_read(0x48, &[0x00], &mut id)?;
/// let (qup, sda, scl) = i2c.free();
/// # let _ = (qup, sda, scl);
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub struct I2c<I: Instance> {
    qup: I,
    regs: Regs,
    sda: AnyPin,
    scl: AnyPin,
    clock_control: ClockControl,
    core_clock_hz: u32,
    /// Most data bytes in one message (from the FIFO sizes).
    message_max: usize,
}

impl<I: Instance> fmt::Debug for I2c<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("I2c")
            .field("instance", &I::NAME)
            .field("frequency_hz", &self.clock_control.achieved_hz)
            .field("sda", &self.sda.number())
            .field("scl", &self.scl.number())
            .finish_non_exhaustive()
    }
}

impl<I: Instance> I2c<I> {
    /// Sets up QUP `qup` as an I2C master on its pads: checks `config`, turns on BLSP1_AHB
    /// and the I2C core clock (19.2 MHz), resets the core and muxes the pads.
    pub fn new(
        qup: I,
        sda: impl SdaPin<I>,
        scl: impl SclPin<I>,
        clocks: &mut Clocks,
        config: Config,
    ) -> Result<Self, ConfigError> {
        let core_clock_hz = crate::clocks::XO_HZ;
        let clock_control = clock_control(core_clock_hz, config.frequency_hz)?;
        clocks.enable(Branch::Blsp1Ahb)?;
        clocks.set_i2c_clock_xo(I::CLOCK)?;
        clocks.enable(I::BRANCH)?;
        let mut i2c = I2c {
            qup,
            regs: Regs(I::register_block()),
            sda: sda.into(),
            scl: scl.into(),
            clock_control,
            core_clock_hz,
            message_max: 0,
        };
        i2c.message_max = i2c.fifo_message_max();
        // A failed reset here shows again (as an error) at the first transfer.
        let _ = i2c.reset_core();
        for pin in [&mut i2c.sda, &mut i2c.scl] {
            pin.set_function(I::PIN_FUNCTION, Pull::None, DriveStrength::Ma16);
        }
        Ok(i2c)
    }

    /// Changes the bus rate. On an error nothing is changed.
    pub fn apply_config(&mut self, config: &Config) -> Result<(), ConfigError> {
        self.clock_control = clock_control(self.core_clock_hz, config.frequency_hz)?;
        Ok(())
    }

    /// The SCL rate actually produced, in Hz.
    pub fn frequency(&self) -> u32 {
        self.clock_control.achieved_hz
    }

    /// Resets the core and gives back the peripheral and the pads (SDA, SCL). The clocks
    /// stay on; the pads keep their I2C function until reconfigured.
    pub fn free(self) -> (I, I::SdaPad, I::SclPad) {
        let _ = self.reset_core();
        let (Ok(sda), Ok(scl)) = (I::SdaPad::try_from(self.sda), I::SclPad::try_from(self.scl))
        else {
            unreachable!("an I2C driver holds its instance's own pads")
        };
        (self.qup, sda, scl)
    }

    /// Most data bytes per message: what the smaller FIFO holds after the tag bytes.
    fn fifo_message_max(&self) -> usize {
        let (output, input) = qup::fifo_sizes(self.regs.get());
        // Output: START, address, tag, length; input: the echoed tag and length.
        (output - 4).min(input - 2).min(MAX_TAG_LENGTH)
    }

    /// Writes `state` and waits until the core reports it.
    fn set_state(&self, state: State) -> Result<(), Error> {
        if qup::set_state(self.regs.get(), state) {
            Ok(())
        } else {
            Err(Error::Timeout)
        }
    }

    /// Software reset, then the I2C v2 FIFO-mode setup (steps 1-4 of
    /// docs/hardware/qup-i2c-spi.md#v2-fifo-mode-transfer) with every flag cleared.
    fn reset_core(&self) -> Result<(), Error> {
        let r = self.regs.get();
        if !qup::software_reset(r) {
            return Err(Error::Timeout);
        }
        r.qup_config().write(|w| {
            w.n().set(WORD_BITS_MINUS_ONE);
            w.mini_core().set(MINI_CORE_I2C)
        });
        r.i2c_master_gen()
            .write(|w| w.en_version_two_tag().set_bit());
        if !wait::poll_until(qup::STATE_TIMEOUT_US, || {
            r.qup_state().read().i2c_mast_gen().bit_is_set()
        }) {
            return Err(Error::Timeout);
        }
        r.qup_io_modes().write(|w| {
            w.output_mode().fifo();
            w.input_mode().fifo();
            w.pack_en().set_bit();
            w.unpack_en().set_bit()
        });
        r.qup_mx_output_cnt().reset();
        r.qup_mx_input_cnt().reset();
        r.qup_error_flags_en().reset();
        self.clear_flags();
        Ok(())
    }

    fn clear_flags(&self) {
        let r = self.regs.get();
        self.clear_operational_flags();
        let errors = r.qup_error_flags().read().bits();
        r.qup_error_flags().write(|w| {
            w.input_over_run().bit(errors & (1 << 2) != 0);
            w.output_under_run().bit(errors & (1 << 3) != 0);
            w.input_under_run().bit(errors & (1 << 4) != 0);
            w.output_over_run().bit(errors & (1 << 5) != 0)
        });
        r.i2c_master_status().write(|w| {
            w.bus_error().set_bit();
            w.packet_nacked().set_bit();
            w.arb_lost().set_bit();
            w.invalid_write().set_bit();
            w.failed().set(3);
            w.invalid_tag().set_bit();
            w.invalid_read_addr().set_bit();
            w.invalid_read_seq().set_bit()
        });
    }

    /// Clears the service and done flags of `QUP_OPERATIONAL` (write 1 to clear).
    fn clear_operational_flags(&self) {
        self.regs.get().qup_operational().write(|w| {
            w.out_service_flag().set_bit();
            w.in_service_flag().set_bit();
            w.max_output_done().set_bit();
            w.max_input_done().set_bit()
        });
    }

    /// Writes the SCL dividers.
    fn write_clock_control(&self) {
        let control = self.clock_control;
        self.regs.get().i2c_master_clk_ctl().write(|w| {
            w.fs_div().set(control.fs_div);
            w.hs_div().set(config::HS_DIV);
            w.high_time_div().set(control.high_time_div)
        });
    }

    /// Time bound for a message of `bytes` bytes on the wire.
    fn message_timeout(&self, bytes: usize) -> Duration {
        // 9 bits per byte (8 + acknowledge), 4 x margin.
        let bits = (bytes as u64 + 1) * 9 * 4;
        let wire_us = bits * 1_000_000 / u64::from(self.clock_control.achieved_hz.max(1));
        Duration::from_micros(wire_us + MESSAGE_TIMEOUT_BASE_US)
    }

    /// Frees the bus if a device holds SDA low: bus clear up to [`RECOVERY_ATTEMPTS`] times.
    fn recover_bus_if_held(&self) -> Result<(), Error> {
        let r = self.regs.get();
        if r.i2c_master_status().read().sda().bit_is_set() {
            return Ok(());
        }
        for _ in 0..RECOVERY_ATTEMPTS {
            self.reset_core()?;
            self.set_state(State::Run)?;
            self.write_clock_control();
            r.i2c_master_bus_clear().write(|w| w.clear().set_bit());
            // 9 pulses and a STOP: about 10 SCL periods; allow 10 x that plus 100 µs.
            let periods_us =
                100 * 1_000_000 / u64::from(self.clock_control.achieved_hz.max(1)) + 100;
            let done = wait::poll_until(periods_us, || {
                r.i2c_master_bus_clear().read().clear().bit_is_clear()
            });
            self.reset_core()?;
            if done && r.i2c_master_status().read().sda().bit_is_set() {
                return Ok(());
            }
        }
        Err(Error::BusStuck)
    }

    /// Runs a transaction (see the module notes for how operations map to messages).
    fn run(&mut self, address: u8, operations: &mut [Operation<'_>]) -> Result<(), Error> {
        if address > 0x7F {
            return Err(Error::InvalidAddress { address });
        }
        self.reset_core()?;
        self.recover_bus_if_held()?;
        let result = self.run_messages(address, operations);
        if result.is_err() {
            // Start the next transaction from a clean core; its error is the one to report.
            let _ = self.reset_core();
        } else {
            let _ = self.set_state(State::Reset);
        }
        result
    }

    fn run_messages(&mut self, address: u8, operations: &mut [Operation<'_>]) -> Result<(), Error> {
        let mut plan = Plan::new(self.message_max);
        let mut cursor = Cursor::new(0);
        while let Some(message) = plan.next(operations.len(), |k| {
            (operations[k].direction(), operations[k].len())
        }) {
            if message.start {
                cursor = Cursor::new(message.run_start);
            }
            self.run_message(address, message, operations, &mut cursor)?;
        }
        Ok(())
    }

    fn run_message(
        &mut self,
        address: u8,
        message: Message,
        operations: &mut [Operation<'_>],
        cursor: &mut Cursor,
    ) -> Result<(), Error> {
        let (first, last) = (message.first, message.last);
        let r = self.regs.get();
        // Output bytes: [START, address byte], [tag, length], write data.
        let mut output = [0u8; MAX_TAG_LENGTH + 4];
        let mut out_len = 0;
        let read_bit = u8::from(message.direction == Direction::Read);
        if message.tag == tag::START || message.tag == tag::START_STOP {
            output[0] = message.tag;
            output[1] = address << 1 | read_bit;
            out_len = 2;
        } else {
            if message.start {
                output[0] = tag::START;
                output[1] = address << 1 | read_bit;
                out_len = 2;
            }
            output[out_len] = message.tag;
            // A length byte of 0 stands for 256.
            output[out_len + 1] = message.length as u8;
            out_len += 2;
            if message.direction == Direction::Write {
                for byte in &mut output[out_len..out_len + message.length] {
                    *byte = cursor.next_write(operations);
                }
                out_len += message.length;
            }
        }
        let in_len = if message.direction == Direction::Read && message.length > 0 {
            message.length + 2
        } else {
            0
        };
        // Messages after the first are loaded in PAUSE: CONFIG_DURING_RUN.
        r.qup_mx_write_cnt().write(|w| {
            w.count()
                .set(out_len as u16)
                .config_during_run()
                .bit(!first)
        });
        r.qup_mx_read_cnt()
            .write(|w| w.count().set(in_len as u16).config_during_run().bit(!first));
        if first {
            self.set_state(State::Run)?;
            self.write_clock_control();
            self.set_state(State::Pause)?;
        }
        let words = out_len.div_ceil(4);
        for chunk in output[..out_len].chunks(4) {
            let mut word = [0u8; 4];
            word[..chunk.len()].copy_from_slice(chunk);
            r.qup_output_fifo()
                .write(|w| w.data().set(u32::from_le_bytes(word)));
        }
        self.set_state(State::Run)?;

        let timeout = self.message_timeout(out_len + in_len);
        let mut failure = None;
        let done = wait::poll_for(timeout, || {
            let status = r.i2c_master_status().read().bits();
            let core = r.qup_error_flags().read().bits();
            if status & I2C_STATUS_ERRORS != 0 || core & QUP_ERRORS != 0 {
                failure = Some((status, core));
                return true;
            }
            let op = r.qup_operational().read();
            op.max_output_done().bit_is_set() && (in_len == 0 || op.max_input_done().bit_is_set())
        });
        if let Some((status, core)) = failure {
            return Err(self.classify(address, message, status, core, words));
        }
        if !done {
            return Err(Error::Timeout);
        }
        // Input: the echoed tag and length, then the data.
        let mut index = 0;
        for _ in 0..in_len.div_ceil(4) {
            let word = r.qup_input_fifo().read().data().bits().to_le_bytes();
            for byte in word {
                if (2..in_len).contains(&index) {
                    cursor.next_read(operations, byte);
                }
                index += 1;
            }
        }
        self.clear_operational_flags();
        if last {
            // Wait for the STOP to leave the bus.
            let idle = wait::poll_for(self.message_timeout(1), || {
                r.i2c_master_status().read().bus_active().bit_is_clear()
            });
            if !idle {
                return Err(Error::Timeout);
            }
        } else {
            self.set_state(State::Pause)?;
        }
        Ok(())
    }

    /// Turns the status bits of a failed message into an [`Error`].
    fn classify(
        &self,
        address: u8,
        message: Message,
        status: u32,
        core: u32,
        words: usize,
    ) -> Error {
        const BUS_ERROR: u32 = 1 << 2;
        const PACKET_NACKED: u32 = 1 << 3;
        const ARB_LOST: u32 = 1 << 4;
        if status & ARB_LOST != 0 {
            Error::ArbitrationLoss
        } else if status & PACKET_NACKED != 0 {
            let on_address = match message.direction {
                Direction::Read => true,
                Direction::Write if !message.start => false,
                Direction::Write => {
                    let left =
                        usize::from(self.regs.get().qup_out_fifo_cnt().read().count().bits());
                    words.saturating_sub(left) <= 1
                }
            };
            if on_address || message.length == 0 {
                Error::AddressNack { address }
            } else {
                Error::DataNack { address }
            }
        } else if status & BUS_ERROR != 0 || status & I2C_STATUS_ERRORS != 0 {
            Error::Bus
        } else {
            debug_assert_ne!(core & QUP_ERRORS, 0);
            Error::Fifo
        }
    }
}

pub use embedded_hal::i2c::Operation;

/// Where the next byte of a run goes or comes from: operation index and byte offset.
struct Cursor {
    operation: usize,
    offset: usize,
}

impl Cursor {
    fn new(operation: usize) -> Self {
        Cursor {
            operation,
            offset: 0,
        }
    }

    /// Skips to the next operation with a byte left at the cursor.
    fn settle(&mut self, operations: &[Operation<'_>]) {
        while self.operation < operations.len() && self.offset >= operations[self.operation].len() {
            self.operation += 1;
            self.offset = 0;
        }
    }

    fn next_write(&mut self, operations: &[Operation<'_>]) -> u8 {
        self.settle(operations);
        let byte = match operations.get(self.operation) {
            Some(Operation::Write(data)) => data[self.offset],
            _ => 0,
        };
        self.offset += 1;
        byte
    }

    fn next_read(&mut self, operations: &mut [Operation<'_>], byte: u8) {
        self.settle(operations);
        if let Some(Operation::Read(buffer)) = operations.get_mut(self.operation) {
            buffer[self.offset] = byte;
        }
        self.offset += 1;
    }
}

/// Direction and length of an operation.
trait OperationExt {
    fn direction(&self) -> Direction;
    fn len(&self) -> usize;
}

impl OperationExt for Operation<'_> {
    fn direction(&self) -> Direction {
        match self {
            Operation::Write(_) => Direction::Write,
            Operation::Read(_) => Direction::Read,
        }
    }

    fn len(&self) -> usize {
        match self {
            Operation::Write(data) => data.len(),
            Operation::Read(buffer) => buffer.len(),
        }
    }
}
