//! BLSP1 QUP model in I2C master mode: v2 tags in FIFO mode, with the devices and faults of
//! `--i2c` / `--i2c-fault` (docs/hardware/qup-i2c-spi.md).
//!
//! Design notes:
//! - State machine: `QUP_STATE` takes RESET (0), RUN (1) and PAUSE (3) at once and reports
//!   `STATE_VALID`, but only while the I2C core clock (the QUP's I2C APPS branch) runs: without
//!   it a write is ignored and `STATE_VALID` reads 0. Writing 2 (CLEAR) twice in PAUSE returns
//!   to RESET. RESET empties the FIFOs, drops the service flags and releases the bus;
//!   `QUP_SW_RESET` also puts every register back to its reset value.
//! - A message is what `QUP_MX_WRITE_CNT` announces: when that many output bytes are in the
//!   output FIFO and the core is in RUN, the model plays the message on its bus at once
//!   (devices see each START, byte and STOP at its wire tick: 1 SCL period for START and STOP,
//!   9 per byte, the period from `I2C_MASTER_CLK_CTL` and the core clock) and publishes the
//!   outcome at the message's last wire tick (a scheduled event): the output words leave the
//!   FIFO, read data (each read tag's echoed tag and length, then the bytes) enters the input
//!   FIFO, and `MAX_OUTPUT_DONE` / `OUT_SERVICE_FLAG` (and `MAX_INPUT_DONE` /
//!   `IN_SERVICE_FLAG` once `QUP_MX_READ_CNT` bytes are in) are set.
//! - Errors end the message with a STOP. A NACK sets `PACKET_NACKED`; the output words the
//!   master had taken (up to and including the one holding the refused byte) leave the FIFO
//!   and the rest stay there (`QUP_OUT_FIFO_CNT`). Arbitration loss sets `ARB_LOST`; a data
//!   tag in the wrong direction `INVALID_WRITE` / `INVALID_READ_ADDR`; an unknown tag
//!   `INVALID_TAG`. FIFO misuse sets `QUP_ERROR_FLAGS` (writing a full output FIFO, reading
//!   an empty input FIFO, input beyond the input FIFO).
//! - FIFOs: 64 bytes each (16 words; `QUP_IO_MODES` reads block 16 bytes, size 1). No source
//!   gives this SoC's FIFO sizes; drivers read them from `QUP_IO_MODES`.
//! - Only what the HAL and the documented drivers use is modelled: I2C mini-core, v2 tags,
//!   FIFO mode with packing. Anything else (SPI, block/BAM mode, v1 tags) is reported once
//!   on stderr and the message is not played, so the firmware's own timeout ends it.
//!   The SPI mode of the QUP is its own model, [`spi::QupSpi`], wired to QUP5 (the header's
//!   SPI0); QUP2 and QUP6 are I2C only here. The register map (`registers.rs`) is shared with
//!   the SPI model: both mini-cores' registers exist in every block, and the SPI ones are
//!   plain storage in I2C mode.
//! - Interrupt line (level, GIC 128 for QUP2 and 132 for QUP6; docs/hardware/qup-i2c-spi.md#interrupt):
//!   high while an unmasked service flag (`OUT_SERVICE_FLAG`, `IN_SERVICE_FLAG` without
//!   their `QUP_OPERATIONAL_MASK` bit), an enabled `QUP_ERROR_FLAGS` bit, or, outside RESET,
//!   an `I2C_MASTER_STATUS` error bit is set. Writing RESET to `QUP_STATE` therefore drops a
//!   bus error's interrupt (the status bits stay readable until written back);
//!   `QUP_SW_RESET` drops everything. The line is evaluated after every access and event.
//! - Bus clear (`I2C_MASTER_BUS_CLEAR`, in RUN): reads 1 for 10 SCL periods (9 pulses and a
//!   STOP), then frees SDA unless the fault holds it for good. `I2C_MASTER_STATUS.SDA` / `SCL`
//!   read the line levels: SDA low while a device holds it, SCL low while one stretches it.

use std::collections::VecDeque;

use super::i2c_devices::{Fault as BusFault, I2cDevice, I2cSetup};
use crate::bus::{Ctx, Fault};
use crate::machine::Device;
use crate::regfile::{Hit, RegisterFile, Registers};

mod registers;
use crate::scheduler::Event;
pub use registers::Reg;
use registers::*;

/// I2C_MASTER_STATUS bits.
const PACKET_NACKED: u32 = 1 << 3;
const ARB_LOST: u32 = 1 << 4;
const INVALID_WRITE: u32 = 1 << 5;
const BUS_ACTIVE: u32 = 1 << 8;
const BUS_MASTER: u32 = 1 << 9;
const INVALID_TAG: u32 = 1 << 23;
const INVALID_READ_ADDR: u32 = 1 << 24;
const SDA: u32 = 1 << 26;
const SCL: u32 = 1 << 27;
const STATUS_ERRORS: u32 = 0x0380_00FC;

/// v2 tags.
const TAG_START: u8 = 0x81;
const TAG_DATA_WRITE: u8 = 0x82;
const TAG_DATA_WRITE_STOP: u8 = 0x83;
const TAG_DATA_READ: u8 = 0x85;
const TAG_DATA_READ_NACK: u8 = 0x86;
const TAG_DATA_READ_STOP: u8 = 0x87;
const TAG_START_STOP: u8 = 0x8A;

/// Who holds SDA low.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SdaHold {
    Free,
    UntilBusClear,
    Forever,
}

/// A message played on the bus whose outcome is not published yet.
#[derive(Debug)]
struct InFlight {
    /// Tick of the outcome; `None` while a device stretches SCL for good.
    done_at: Option<u64>,
    /// Output words the master took.
    words_taken: usize,
    /// I2C_MASTER_STATUS error bits.
    errors: u32,
    /// Bytes for the input FIFO.
    input: Vec<u8>,
}

/// One QUP in I2C mode with its bus.
#[derive(Debug)]
pub struct Qup {
    /// This model in the machine table (for its timed events).
    device: Device,
    /// Bus number: 0 = QUP2 (I2C0), 1 = QUP6 (I2C1); also the clock view index.
    bus: usize,
    regs: RegisterFile<Reg>,
    state: u32,
    state_valid: bool,
    clear_writes: u8,
    out_fifo: VecDeque<u32>,
    in_fifo: VecDeque<u32>,
    flags: u32,
    status_errors: u32,
    message_loaded: bool,
    in_flight: Option<InFlight>,
    bus_active: bool,
    /// Address and direction of the device addressed in the running transfer.
    current: Option<(u8, bool)>,
    /// Data bytes written to the current device since its address.
    data_written: usize,
    bus_clear_done_at: Option<u64>,
    devices: Vec<(u8, Box<dyn I2cDevice>)>,
    faults: Vec<BusFault>,
    sda: SdaHold,
    arbitration_loss_pending: bool,
    noted_unsupported: bool,
    /// `--trace i2c`: one stderr line per START, STOP, data run and bus clear.
    trace: bool,
}

impl Qup {
    /// The QUP for bus `bus` (0: QUP2, 1: QUP6) with the devices and faults of `setup`.
    pub fn new(device: Device, bus: usize, setup: &I2cSetup) -> Self {
        let faults: Vec<BusFault> = setup
            .faults
            .iter()
            .filter(|(b, _)| *b == bus)
            .map(|(_, f)| *f)
            .collect();
        let sda = if faults.contains(&BusFault::SdaStuck) {
            SdaHold::Forever
        } else if faults.contains(&BusFault::SdaLow) {
            SdaHold::UntilBusClear
        } else {
            SdaHold::Free
        };
        Self {
            device,
            bus,
            regs: RegisterFile::new(&REGISTERS),
            state: STATE_RESET,
            state_valid: true,
            clear_writes: 0,
            out_fifo: VecDeque::new(),
            in_fifo: VecDeque::new(),
            flags: 0,
            status_errors: 0,
            message_loaded: false,
            in_flight: None,
            bus_active: false,
            current: None,
            data_written: 0,
            bus_clear_done_at: None,
            devices: setup
                .devices
                .iter()
                .filter(|a| a.bus == bus)
                .map(|a| (a.address, a.kind.build()))
                .collect(),
            arbitration_loss_pending: faults.contains(&BusFault::ArbitrationLoss),
            faults,
            sda,
            noted_unsupported: false,
            trace: setup.trace,
        }
    }

    /// Adds a `--trace i2c` line for tick `at`.
    fn trace(&self, ctx: &mut Ctx<'_>, at: u64, what: std::fmt::Arguments<'_>) {
        if self.trace {
            ctx.effects
                .messages
                .push(format!("t={at} i2c{} {what}", self.bus));
        }
    }

    fn name(&self) -> &'static str {
        ["QUP2 (I2C0)", "QUP6 (I2C1)"][self.bus]
    }

    /// Releases the bus (STOP to the addressed device) and empties the core.
    fn enter_reset(&mut self, now: u64) {
        self.state = STATE_RESET;
        self.clear_writes = 0;
        self.out_fifo.clear();
        self.in_fifo.clear();
        self.flags = 0;
        self.message_loaded = false;
        self.in_flight = None;
        self.release_bus(now);
    }

    fn release_bus(&mut self, now: u64) {
        if self.bus_active {
            if let Some((address, _)) = self.current
                && let Some(device) = self.device_at(address)
            {
                device.stop(now);
            }
            self.bus_active = false;
        }
        self.current = None;
    }

    fn device_at(&mut self, address: u8) -> Option<&mut Box<dyn I2cDevice>> {
        self.devices
            .iter_mut()
            .find(|(a, _)| *a == address)
            .map(|(_, d)| d)
    }

    /// Ticks of one SCL period at the current dividers and core clock.
    fn period_ticks(&self, ctx: &Ctx<'_>) -> u64 {
        let control = self.regs.value(Reg::ClkCtl);
        let fs = u64::from(control & 0xFF);
        let high = u64::from(control >> 16 & 0xFF);
        let cycles = fs + if high == 0 { fs } else { high } + 6;
        let core = u128::from(ctx.clocks.qup_i2c_core_hz[self.bus].max(1));
        ((u128::from(cycles) * TICKS_PER_SECOND / core) as u64).max(1)
    }

    fn note_unsupported(&mut self, ctx: &mut Ctx<'_>, what: &str) {
        if !self.noted_unsupported {
            self.noted_unsupported = true;
            ctx.effects.messages.push(format!(
                "note: {}: {what} is not modelled; the message is not sent",
                self.name()
            ));
        }
    }

    /// Plays the loaded message if the core runs and its bytes are all in the output FIFO.
    fn try_start(&mut self, ctx: &mut Ctx<'_>) {
        if self.state != STATE_RUN || !self.message_loaded || self.in_flight.is_some() {
            return;
        }
        let count = (self.regs.value(Reg::MxWriteCnt) & 0xFFFF) as usize;
        let words = count.div_ceil(4);
        if count == 0 || self.out_fifo.len() < words {
            return;
        }
        let config = self.regs.value(Reg::Config);
        let io_modes = self.regs.value(Reg::IoModes);
        if config >> 8 & 0xF != 2 {
            return self.note_unsupported(ctx, "a mini-core other than I2C (QUP_CONFIG)");
        }
        if self.regs.value(Reg::MasterGen) & 1 == 0 {
            return self.note_unsupported(ctx, "the v1 tag format (I2C_MASTER_GEN = 0)");
        }
        if io_modes >> 10 & 0xF != 0 || io_modes >> 14 & 3 != 3 {
            return self.note_unsupported(ctx, "a mode other than FIFO with pack/unpack");
        }
        let bytes: Vec<u8> = self
            .out_fifo
            .iter()
            .take(words)
            .flat_map(|w| w.to_le_bytes())
            .take(count)
            .collect();
        let flight = self.play(ctx, &bytes, words);
        if let Some(at) = flight.done_at {
            ctx.effects.schedule(at, Event::Update(self.device));
        }
        self.message_loaded = false;
        self.in_flight = Some(flight);
    }

    /// Plays one message's tags on the bus; returns its outcome.
    fn play(&mut self, ctx: &mut Ctx<'_>, bytes: &[u8], words: usize) -> InFlight {
        let period = self.period_ticks(ctx);
        let mut t = ctx.now;
        let mut flight = InFlight {
            done_at: None,
            words_taken: words,
            errors: 0,
            input: Vec::new(),
        };
        let mut pos = 0;
        // Ends the message with an error after the byte at `at`: STOP, words taken so far.
        let fail = |qup: &mut Self, flight: &mut InFlight, t: &mut u64, bit: u32, at: usize| {
            flight.errors |= bit;
            flight.words_taken = (at / 4 + 1).min(words);
            *t += period;
            qup.release_bus(*t);
        };
        while pos < bytes.len() {
            let tag = bytes[pos];
            match tag {
                TAG_START | TAG_START_STOP => {
                    let Some(&address_byte) = bytes.get(pos + 1) else {
                        fail(self, &mut flight, &mut t, INVALID_TAG, pos);
                        break;
                    };
                    if self.sda != SdaHold::Free || self.arbitration_loss_pending {
                        // SDA is low where the master wants it high: it has lost the bus.
                        self.arbitration_loss_pending = false;
                        self.trace(ctx, t, format_args!("START lost arbitration"));
                        fail(self, &mut flight, &mut t, ARB_LOST, pos);
                        break;
                    }
                    // A repeated START ends the previous device's transfer without STOP; the
                    // next address phase starts a new one.
                    self.current = None;
                    t += period;
                    self.bus_active = true;
                    let address = address_byte >> 1;
                    let read = address_byte & 1 != 0;
                    t += 9 * period;
                    let refused = self.faults.contains(&BusFault::NackAddress(address));
                    let ack =
                        !refused && self.device_at(address).is_some_and(|d| d.address(t, read));
                    let direction = if read { "read" } else { "write" };
                    let answer = if ack { "ack" } else { "nack" };
                    self.trace(
                        ctx,
                        t,
                        format_args!("START 0x{address:02x} {direction} {answer}"),
                    );
                    if !ack {
                        fail(self, &mut flight, &mut t, PACKET_NACKED, pos + 1);
                        break;
                    }
                    self.current = Some((address, read));
                    self.data_written = 0;
                    if self.faults.contains(&BusFault::Stretch(address)) {
                        // SCL held low from here on: no outcome, ever.
                        self.trace(ctx, t, format_args!("0x{address:02x} holds SCL low"));
                        return flight;
                    }
                    pos += 2;
                    if tag == TAG_START_STOP {
                        t += period;
                        self.release_bus(t);
                        self.trace(ctx, t, format_args!("STOP"));
                    }
                }
                TAG_DATA_WRITE | TAG_DATA_WRITE_STOP => {
                    let length = bytes
                        .get(pos + 1)
                        .map_or(0, |&l| if l == 0 { 256 } else { usize::from(l) });
                    let Some((address, false)) = self.current else {
                        fail(self, &mut flight, &mut t, INVALID_WRITE, pos);
                        break;
                    };
                    pos += 2;
                    let mut refused_at = None;
                    for k in 0..length {
                        let Some(&byte) = bytes.get(pos + k) else {
                            break;
                        };
                        t += 9 * period;
                        let nack = self
                            .faults
                            .contains(&BusFault::NackData(address, self.data_written));
                        self.data_written += 1;
                        let ack = self.device_at(address).is_some_and(|d| d.write(t, byte));
                        if nack || !ack {
                            refused_at = Some(pos + k);
                            break;
                        }
                    }
                    if let Some(at) = refused_at {
                        let byte = self.data_written - 1;
                        self.trace(ctx, t, format_args!("data byte {byte} nack"));
                        fail(self, &mut flight, &mut t, PACKET_NACKED, at);
                        break;
                    }
                    pos += length;
                    self.trace(ctx, t, format_args!("wrote {length} bytes"));
                    if tag == TAG_DATA_WRITE_STOP {
                        t += period;
                        self.release_bus(t);
                        self.trace(ctx, t, format_args!("STOP"));
                    }
                }
                TAG_DATA_READ | TAG_DATA_READ_NACK | TAG_DATA_READ_STOP => {
                    let length = bytes
                        .get(pos + 1)
                        .map_or(0, |&l| if l == 0 { 256 } else { usize::from(l) });
                    let Some((address, true)) = self.current else {
                        fail(self, &mut flight, &mut t, INVALID_READ_ADDR, pos);
                        break;
                    };
                    flight.input.push(tag);
                    flight.input.push(length as u8);
                    for _ in 0..length {
                        t += 9 * period;
                        let byte = self.device_at(address).map_or(0xFF, |d| d.read(t));
                        flight.input.push(byte);
                    }
                    pos += 2;
                    self.trace(ctx, t, format_args!("read {length} bytes"));
                    if tag == TAG_DATA_READ_STOP {
                        t += period;
                        self.release_bus(t);
                        self.trace(ctx, t, format_args!("STOP"));
                    }
                }
                _ => {
                    fail(self, &mut flight, &mut t, INVALID_TAG, pos);
                    break;
                }
            }
        }
        flight.done_at = Some(t.max(ctx.now + 1));
        flight
    }

    /// Publishes a finished message's outcome.
    fn finish(&mut self, flight: InFlight) {
        for _ in 0..flight.words_taken {
            self.out_fifo.pop_front();
        }
        for chunk in flight.input.chunks(4) {
            let mut word = [0u8; 4];
            word[..chunk.len()].copy_from_slice(chunk);
            if self.in_fifo.len() >= FIFO_WORDS {
                self.set_error_flag(INPUT_OVER_RUN);
            } else {
                self.in_fifo.push_back(u32::from_le_bytes(word));
            }
        }
        if flight.errors != 0 {
            self.status_errors |= flight.errors;
            return;
        }
        self.flags |= OUT_SERVICE_FLAG | MAX_OUTPUT_DONE;
        let read_count = (self.regs.value(Reg::MxReadCnt) & 0xFFFF) as usize;
        if read_count > 0 && flight.input.len() >= read_count {
            self.flags |= IN_SERVICE_FLAG | MAX_INPUT_DONE;
        }
    }

    fn set_error_flag(&mut self, bit: u32) {
        let flags = self.regs.value(Reg::ErrorFlags);
        self.regs.set_value(Reg::ErrorFlags, flags | bit);
    }

    fn write_state(&mut self, ctx: &mut Ctx<'_>, value: u32) {
        if !ctx.clocks.qup_i2c_apps[self.bus] {
            self.state_valid = false;
            return;
        }
        self.state_valid = true;
        match value & 3 {
            STATE_RESET => self.enter_reset(ctx.now),
            STATE_RUN => {
                self.state = STATE_RUN;
                self.clear_writes = 0;
                self.try_start(ctx);
            }
            STATE_CLEAR => {
                if self.state == STATE_PAUSE {
                    self.clear_writes += 1;
                    if self.clear_writes >= 2 {
                        self.enter_reset(ctx.now);
                    }
                }
            }
            _ => self.state = STATE_PAUSE,
        }
    }

    fn status(&self, now: u64) -> u32 {
        let stretched = self.in_flight.as_ref().is_some_and(|f| f.done_at.is_none());
        let clearing = self.bus_clear_done_at.is_some_and(|at| now < at);
        let sda_high = self.sda == SdaHold::Free;
        self.status_errors
            | if self.bus_active {
                BUS_ACTIVE | BUS_MASTER
            } else {
                0
            }
            | if sda_high { SDA } else { 0 }
            | if stretched || clearing { 0 } else { SCL }
    }
}

impl Registers for Qup {
    type Id = Reg;

    fn file(&mut self, _window: usize) -> &mut RegisterFile<Reg> {
        &mut self.regs
    }

    fn read_special(&mut self, ctx: &mut Ctx<'_>, hit: Hit<Reg>) -> Result<u32, Fault> {
        let v = match hit.id {
            Reg::State => {
                self.state
                    | u32::from(self.state_valid) << 2
                    | (self.regs.value(Reg::MasterGen) & 1) << 4
            }
            Reg::IoModes => self.regs.value(Reg::IoModes),
            Reg::Operational => {
                let full = |f: &VecDeque<u32>| f.len() >= FIFO_WORDS;
                u32::from(!self.out_fifo.is_empty()) << 4
                    | u32::from(!self.in_fifo.is_empty()) << 5
                    | u32::from(full(&self.out_fifo)) << 6
                    | u32::from(full(&self.in_fifo)) << 7
                    | self.flags
            }
            Reg::OutFifoCnt => self.out_fifo.len() as u32,
            Reg::InFifoCnt => self.in_fifo.len() as u32,
            Reg::InputFifo => match self.in_fifo.pop_front() {
                Some(word) => word,
                None => {
                    self.set_error_flag(INPUT_UNDER_RUN);
                    0
                }
            },
            Reg::I2cStatus => self.status(ctx.now),
            Reg::BusClear => u32::from(self.bus_clear_done_at.is_some_and(|at| ctx.now < at)),
            other => unreachable!("{other:?} is not special"),
        };
        Ok(v)
    }

    fn write_special(&mut self, ctx: &mut Ctx<'_>, hit: Hit<Reg>, v: u32) -> Result<(), Fault> {
        match hit.id {
            Reg::State => self.write_state(ctx, v),
            Reg::IoModes => {
                let sizes = IO_MODES_RESET & IO_MODES_SIZES;
                self.regs.set_value(Reg::IoModes, sizes | v & 0x1_FC00);
            }
            Reg::SwReset => {
                if v & 1 != 0 {
                    self.regs.reset();
                    self.status_errors = 0;
                    self.bus_clear_done_at = None;
                    self.enter_reset(ctx.now);
                    self.state_valid = true;
                }
            }
            Reg::Operational => self.flags &= !(v & SERVICE_FLAGS),
            Reg::OutputFifo => {
                if self.out_fifo.len() >= FIFO_WORDS {
                    self.set_error_flag(OUTPUT_OVER_RUN);
                } else {
                    self.out_fifo.push_back(v);
                    self.try_start(ctx);
                }
            }
            Reg::I2cStatus => self.status_errors &= !(v & STATUS_ERRORS),
            Reg::BusClear => {
                if v & 1 != 0 && self.state == STATE_RUN && ctx.clocks.qup_i2c_apps[self.bus] {
                    let at = ctx.now + 10 * self.period_ticks(ctx);
                    self.bus_clear_done_at = Some(at);
                    ctx.effects.schedule(at, Event::Update(self.device));
                }
            }
            other => unreachable!("{other:?} is not special"),
        }
        Ok(())
    }

    fn written(&mut self, ctx: &mut Ctx<'_>, hit: Hit<Reg>) {
        if hit.id == Reg::MxWriteCnt {
            self.message_loaded = true;
            self.try_start(ctx);
        }
    }

    fn interrupt_lines(&self) -> u32 {
        let bus_errors = self.state != STATE_RESET && self.status_errors != 0;
        u32::from(common_interrupt_sources(&self.regs, self.flags) || bus_errors)
    }

    fn advance(&mut self, ctx: &mut Ctx<'_>) {
        if self
            .in_flight
            .as_ref()
            .and_then(|f| f.done_at)
            .is_some_and(|at| at <= ctx.now)
            && let Some(flight) = self.in_flight.take()
        {
            self.finish(flight);
        }
        if self.bus_clear_done_at.is_some_and(|at| at <= ctx.now) {
            self.bus_clear_done_at = None;
            if self.sda == SdaHold::UntilBusClear {
                self.sda = SdaHold::Free;
            }
            self.release_bus(ctx.now);
            let level = if self.sda == SdaHold::Free {
                "high"
            } else {
                "low"
            };
            self.trace(ctx, ctx.now, format_args!("bus clear done, SDA {level}"));
        }
    }
}

pub mod spi;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod interrupt_tests;
