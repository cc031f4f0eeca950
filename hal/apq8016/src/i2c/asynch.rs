//! `embedded-hal-async`'s `I2c` for the QUP I2C master, driven by the QUP's interrupt:
//! [`AsyncI2c`], made with [`I2c::into_async`].
//!
//! ```no_run
//! use apq8016_hal::{clocks::Clocks, gpio::Pins, i2c::{Config, I2c}, interrupt, pac};
//! use embedded_hal_async::i2c::I2c as _;
//!
//! # async fn demo() -> Result<(), Box<dyn core::error::Error>> {
//! let p = pac::Peripherals::take().unwrap();
//! let mut clocks = Clocks::new(p.GCC);
//! let pins = Pins::new(p.TLMM);
//! let mut interrupts = interrupt::InterruptController::take().unwrap();
//! let i2c = I2c::new(p.BLSP1_QUP2, pins.gpio6, pins.gpio7, &mut clocks, Config::default())?;
//! // Registers the QUP2 handler (GIC ID 128, level) and enables the line.
//! let mut i2c = i2c.into_async(&mut interrupts)?;
//! let mut data = [0u8; 4];
//! i2c.write_read(0x50, &[0x00, 0x00], &mut data).await?; // other tasks run meanwhile
//! let i2c = i2c.into_blocking(&mut interrupts); // the polled driver again
//! # let _ = i2c;
//! # Ok(())
//! # }
//! ```
//!
//! # Design notes
//!
//! - **Same transaction as the polled driver**: the same plan of messages, the same message
//!   loading and unloading (`I2c::load_message` / `unload_message` below: the two halves of
//!   the polled `run_message`, kept as a copy so the polled path's code, whose instruction
//!   counts the benchmarks watch, stays as it was), the same error classification and the
//!   same bounds (a message: 4 × its wire time + 1 ms). Only the wait for a message's end
//!   differs: instead of polling the flags, the future sleeps until the
//!   QUP's interrupt (the service flags at the message's end, or an I2C status or FIFO error)
//!   wakes it; the shared handler and wait are in `crate::qup::signal`.
//! - **Errors** come from what the handler recorded (it writes RESET to lower the line on a
//!   bus error, as Linux's driver does, after noting the status and `QUP_OUT_FIFO_CNT`), so
//!   an address NACK, a data NACK, an arbitration loss and a FIFO error are told apart
//!   exactly as in the polled driver. A timeout is [`Error::Timeout`]. After any error the
//!   core is reset; the bus is usable for the next transaction.
//! - **Short waits stay polled**: the core's state changes (1 ms bound, usually at once),
//!   the bus clear of a held SDA (tens of µs) and the STOP after the last message (one SCL
//!   period) are waited for as in the polled driver.

use embedded_hal::i2c::{Operation, SevenBitAddress};

use super::{
    Cursor, Direction, Error, I2C_STATUS_ERRORS, I2c, Instance, MAX_TAG_LENGTH, Message, Plan,
    QUP_ERRORS, State, tag, wait,
};
use crate::interrupt::{self, InterruptController, InterruptId};
use crate::pac;
use crate::qup::signal::{self, MiniCore};
use crate::time::{Duration, Instant};

/// A QUP I2C master whose transfers wait for the QUP's interrupt: `QUP2` (GIC ID 128) and
/// `QUP6` (GIC ID 132).
pub trait AsyncInstance: Instance {
    /// The QUP's interrupt.
    #[doc(hidden)]
    const INTERRUPT: pac::Interrupt;
}

impl AsyncInstance for pac::BLSP1_QUP2 {
    const INTERRUPT: pac::Interrupt = pac::Interrupt::BLSP1_QUP2;
}

impl AsyncInstance for pac::BLSP1_QUP6 {
    const INTERRUPT: pac::Interrupt = pac::Interrupt::BLSP1_QUP6;
}

/// The handler registered for QUP `I`'s interrupt.
fn on_interrupt<I: AsyncInstance>() {
    signal::on_interrupt(I::register_block(), MiniCore::I2c);
}

/// The interrupt-driven I2C master: `embedded_hal_async::i2c::I2c`. Made by
/// [`I2c::into_async`]; [`AsyncI2c::into_blocking`] gives the polled driver back.
pub struct AsyncI2c<I: AsyncInstance> {
    i2c: I2c<I>,
}

impl<I: AsyncInstance> core::fmt::Debug for AsyncI2c<I> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AsyncI2c").field("i2c", &self.i2c).finish()
    }
}

impl<I: AsyncInstance> I2c<I> {
    /// The interrupt-driven driver: registers the HAL's handler for the QUP's interrupt in
    /// the interrupt table, makes the line level-triggered and enables it. Needs IRQs
    /// unmasked on core 0 (where SPIs go) for its transfers to finish before their bound.
    /// On an error (the GIC refused the line) the handler is removed again and the driver
    /// is dropped.
    pub fn into_async(
        self,
        interrupts: &mut InterruptController,
    ) -> Result<AsyncI2c<I>, interrupt::Error> {
        let id = InterruptId::from(I::INTERRUPT);
        signal::attach(interrupts, id, on_interrupt::<I>)?;
        Ok(AsyncI2c { i2c: self })
    }
}

impl<I: AsyncInstance> AsyncI2c<I> {
    /// Disables the QUP's interrupt, removes its handler and gives back the polled driver.
    pub fn into_blocking(self, interrupts: &mut InterruptController) -> I2c<I> {
        let id = InterruptId::from(I::INTERRUPT);
        let _ = interrupts.disable(id);
        let _ = interrupts.remove_handler(id);
        let _ = self.i2c.reset_core();
        self.i2c
    }

    /// How many times the QUP's interrupt handler ran (since power-on).
    pub fn interrupt_count(&self) -> u32 {
        signal::signal(I::register_block())
            .interrupts
            .load(core::sync::atomic::Ordering::Relaxed)
    }

    /// The SCL rate actually produced, in Hz.
    pub fn frequency(&self) -> u32 {
        self.i2c.frequency()
    }

    /// A transaction (see the module notes of [`super`] for how operations map to the bus).
    async fn run(&mut self, address: u8, operations: &mut [Operation<'_>]) -> Result<(), Error> {
        if address > 0x7F {
            return Err(Error::InvalidAddress { address });
        }
        self.i2c.reset_core()?;
        self.i2c.recover_bus_if_held()?;
        signal::enable_sources(self.i2c.regs.get(), false);
        let result = self.run_messages(address, operations).await;
        if result.is_err() {
            let _ = self.i2c.reset_core();
        } else {
            let _ = self.i2c.set_state(State::Reset);
        }
        result
    }

    async fn run_messages(
        &mut self,
        address: u8,
        operations: &mut [Operation<'_>],
    ) -> Result<(), Error> {
        let regs = self.i2c.regs;
        let signal = signal::signal(I::register_block());
        let mut plan = Plan::new(self.i2c.message_max);
        let mut cursor = Cursor::new(0);
        while let Some(message) = plan.next(operations.len(), |k| {
            let operation = &operations[k];
            (
                super::OperationExt::direction(operation),
                super::OperationExt::len(operation),
            )
        }) {
            if message.start {
                cursor = Cursor::new(message.run_start);
            }
            signal.clear_errors();
            let loaded = self
                .i2c
                .load_message(address, message, operations, &mut cursor)?;
            let in_len = loaded.in_len;
            let deadline = Instant::now()
                .checked_add(loaded.timeout)
                .unwrap_or(Instant::from_ticks(u64::MAX));
            let outcome = signal::wait_until(signal, deadline, || {
                if signal.has_error() {
                    return Some(false);
                }
                let op = regs.get().qup_operational().read();
                let done = op.max_output_done().bit_is_set()
                    && (in_len == 0 || op.max_input_done().bit_is_set());
                done.then_some(true)
            })
            .await;
            match outcome {
                None => return Err(Error::Timeout),
                Some(false) => {
                    use core::sync::atomic::Ordering::Acquire;
                    let status = signal.bus_errors.load(Acquire);
                    let core = signal.fifo_errors.load(Acquire);
                    let left = signal.out_fifo_left.load(Acquire) as usize;
                    return Err(classify_failure(
                        address,
                        message,
                        status,
                        core,
                        loaded.words,
                        || left,
                    ));
                }
                Some(true) => {
                    self.i2c
                        .unload_message(message, in_len, operations, &mut cursor)?;
                }
            }
        }
        Ok(())
    }
}

/// A message loaded into the core and running.
struct LoadedMessage {
    /// Output FIFO words it took.
    words: usize,
    /// Input bytes it brings (echoed tag and length, then the data); 0 for a write.
    in_len: usize,
    /// Bound of its wait.
    timeout: Duration,
}

impl<I: Instance> I2c<I> {
    /// Loads one message into the core and starts it (RUN): the counts, on the first message
    /// the clock dividers, the output FIFO. The same steps as the first half of the polled
    /// `run_message`.
    fn load_message(
        &mut self,
        address: u8,
        message: Message,
        operations: &mut [Operation<'_>],
        cursor: &mut Cursor,
    ) -> Result<LoadedMessage, Error> {
        let first = message.first;
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
        Ok(LoadedMessage {
            words,
            in_len,
            timeout: self.message_timeout(out_len + in_len),
        })
    }

    /// After a message ended without an error (the second half of the polled `run_message`):
    /// takes the read data from the input FIFO, clears the flags and, after the last message,
    /// waits for the STOP (else pauses).
    fn unload_message(
        &mut self,
        message: Message,
        in_len: usize,
        operations: &mut [Operation<'_>],
        cursor: &mut Cursor,
    ) -> Result<(), Error> {
        let r = self.regs.get();
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
        if message.last {
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
}

/// The [`Error`] of a failed message (the polled driver's `I2c::classify`, on what the
/// handler recorded instead of the live registers) from `I2C_MASTER_STATUS` (`status`),
/// `QUP_ERROR_FLAGS` (`core`), the message's output words and what `QUP_OUT_FIFO_CNT` said
/// was left.
fn classify_failure(
    address: u8,
    message: Message,
    status: u32,
    core: u32,
    words: usize,
    words_left: impl FnOnce() -> usize,
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
            Direction::Write => words.saturating_sub(words_left()) <= 1,
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

impl<I: AsyncInstance> embedded_hal_async::i2c::ErrorType for AsyncI2c<I> {
    type Error = Error;
}

impl<I: AsyncInstance> embedded_hal_async::i2c::I2c<SevenBitAddress> for AsyncI2c<I> {
    async fn transaction(
        &mut self,
        address: SevenBitAddress,
        operations: &mut [Operation<'_>],
    ) -> Result<(), Error> {
        self.run(address, operations).await
    }
}
