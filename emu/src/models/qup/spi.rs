//! BLSP1 QUP model in SPI master mode (QUP5, the header's SPI0), FIFO mode, with the devices
//! of `--spi` (docs/hardware/qup-i2c-spi.md#spi-mini-core).
//!
//! Design notes:
//! - Same state machine as the I2C mode (`super`): `QUP_STATE` takes RESET, RUN and PAUSE at
//!   once and reports `STATE_VALID` only while the QUP5 SPI core clock runs; RESET empties
//!   the FIFOs and drops the flags; `QUP_SW_RESET` also resets every register.
//! - A transfer is what `QUP_MX_WRITE_CNT` announces (`QUP_MX_READ_CNT` input words are
//!   collected): when that many words are in the output FIFO and the core is in RUN, the
//!   bytes go out on the bus at once (each device sees its byte at its own wire tick, 8 SCLK
//!   periods per byte, SCLK = the QUP5 SPI core clock) and the outcome is published at the
//!   last byte's tick (a scheduled event): the output words leave the FIFO, the read bytes
//!   enter the input FIFO, and `MAX_OUTPUT_DONE` / `OUT_SERVICE_FLAG` and `MAX_INPUT_DONE` /
//!   `IN_SERVICE_FLAG` are set. With the core clock off (or at 0 Hz) nothing completes.
//! - Words: 8 bits only (`QUP_CONFIG.N = 7`), one byte per FIFO word. With
//!   `OUTPUT_BIT_SHIFT_EN` the output byte is bits 7:0, without it bits 31:24 (the two
//!   layouts in docs/hardware/qup-i2c-spi.md#sequences); input bytes are bits 7:0. Other word
//!   lengths, packing, block/BAM modes and slave mode are reported once on stderr and the
//!   transfer is not played (the firmware's own timeout ends it).
//! - Mode: CPOL = `SPI_IO_CONTROL.CLK_IDLE_HIGH`, CPHA = NOT `SPI_CONFIG.INPUT_FIRST`. The
//!   modelled devices work in modes 0 and 3; a master in mode 1 or 2 samples MISO on the
//!   device's shift edge, modelled as every input byte arriving one bit late (the previous
//!   byte's last bit first). `SPI_CONFIG.LOOPBACK` returns the output bytes.
//! - Chip select is the TLMM level of GPIO 18 (the board drives it as a GPIO). The machine
//!   passes the pad level on whenever the TLMM or this model is looked at
//!   ([`QupSpi::observe_chip_select`]); the device sees the change at this model's next
//!   update, i.e. a few instructions later at most. Bytes are clocked to the device only
//!   while chip select is low; otherwise MISO idles at 0xFF.
//! - Interrupt line (level, GIC 131; docs/hardware/qup-i2c-spi.md#interrupt): high while an
//!   unmasked service flag, an enabled `QUP_ERROR_FLAGS` bit or an enabled `SPI_ERROR_FLAGS`
//!   bit is set (the shared rule in `registers.rs`, plus the SPI mini-core's errors).
//! - FIFOs: 16 words each; `QUP_IO_MODES` reads as in the I2C mode. The SPI error flags
//!   (`SPI_ERROR_FLAGS`) never set in FIFO mode as modelled: the whole transfer is loaded
//!   before it starts.

use std::collections::VecDeque;

use crate::bus::{Ctx, Fault};
use crate::machine::Device;
use crate::models::spi_devices::{Fault as BusFault, IDLE_MISO, SpiDevice, SpiSetup};
use crate::regfile::{Hit, RegisterFile, Registers};

pub use super::registers::Reg;
use super::registers::*;
use crate::scheduler::Event;

/// SPI_CONFIG bits.
const SLAVE_OPERATION: u32 = 1 << 5;
const LOOPBACK: u32 = 1 << 8;
const INPUT_FIRST: u32 = 1 << 9;
/// SPI_IO_CONTROL.CLK_IDLE_HIGH.
const CLK_IDLE_HIGH: u32 = 1 << 10;
/// QUP_IO_MODES.OUTPUT_BIT_SHIFT_EN.
const OUTPUT_BIT_SHIFT_EN: u32 = 1 << 16;

/// The chip-select pad of the header's SPI0 (docs/hardware/board-pinout.md#blsp1-instances-on-the-board).
pub const CHIP_SELECT_GPIO: usize = 18;

/// A transfer played on the bus whose outcome is not published yet.
#[derive(Debug)]
struct InFlight {
    done_at: u64,
    words: usize,
    input: Vec<u8>,
}

/// QUP5 in SPI mode with its device.
#[derive(Debug)]
pub struct QupSpi {
    device: Device,
    regs: RegisterFile<Reg>,
    state: u32,
    state_valid: bool,
    clear_writes: u8,
    out_fifo: VecDeque<u32>,
    in_fifo: VecDeque<u32>,
    flags: u32,
    transfer_loaded: bool,
    in_flight: Option<InFlight>,
    /// Chip-select levels seen on the pad and not yet passed to the device.
    chip_select_changes: Vec<bool>,
    /// Chip-select level as the device last saw it (high = not selected).
    chip_select: bool,
    /// Last bit of the previous input byte (for the mode mismatch).
    previous_lsb: u8,
    bus_device: Option<Box<dyn SpiDevice>>,
    /// `--spi-fault` on MISO (`miso-low`, `miso-high`), if any.
    miso_fault: Option<BusFault>,
    noted_unsupported: bool,
    /// `--trace spi`: a stderr line per chip-select edge and per transfer.
    trace: bool,
}

impl QupSpi {
    /// QUP5 with the device of `setup` on bus 0, if any.
    pub fn new(device: Device, setup: &SpiSetup) -> Self {
        let faults: Vec<BusFault> = setup
            .faults
            .iter()
            .filter(|(bus, _)| *bus == 0)
            .map(|&(_, fault)| fault)
            .collect();
        Self {
            device,
            regs: RegisterFile::new(&REGISTERS),
            state: STATE_RESET,
            state_valid: true,
            clear_writes: 0,
            out_fifo: VecDeque::new(),
            in_fifo: VecDeque::new(),
            flags: 0,
            transfer_loaded: false,
            in_flight: None,
            chip_select_changes: Vec::new(),
            chip_select: true,
            previous_lsb: 1,
            bus_device: setup
                .devices
                .iter()
                .find(|a| a.bus == 0)
                .map(|a| a.kind.build(&faults)),
            miso_fault: faults.iter().copied().find(|&f| f != BusFault::BusyStuck),
            noted_unsupported: false,
            trace: setup.trace,
        }
    }

    /// Adds a `--trace spi` line for tick `at`.
    fn trace(&self, ctx: &mut Ctx<'_>, at: u64, what: std::fmt::Arguments<'_>) {
        if self.trace {
            ctx.effects.messages.push(format!("t={at} spi0 {what}"));
        }
    }

    /// The chip-select pad reads `level` now (called by the machine; see the module notes).
    pub fn observe_chip_select(&mut self, level: bool) {
        let last = self.chip_select_changes.last().copied();
        if last.unwrap_or(self.chip_select) != level {
            self.chip_select_changes.push(level);
        }
    }

    /// Passes the chip-select changes seen so far to the device, as of `ctx.now`.
    fn apply_chip_select(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now;
        for level in std::mem::take(&mut self.chip_select_changes) {
            self.chip_select = level;
            if let Some(device) = self.bus_device.as_mut() {
                if level {
                    device.deselect(now);
                } else {
                    device.select(now);
                }
            }
            let edge = if level { "high" } else { "low" };
            self.trace(ctx, now, format_args!("CS {edge}"));
        }
    }

    fn enter_reset(&mut self) {
        self.state = STATE_RESET;
        self.clear_writes = 0;
        self.out_fifo.clear();
        self.in_fifo.clear();
        self.flags = 0;
        self.transfer_loaded = false;
        self.in_flight = None;
    }

    fn set_error_flag(&mut self, bit: u32) {
        let flags = self.regs.value(Reg::ErrorFlags);
        self.regs.set_value(Reg::ErrorFlags, flags | bit);
    }

    fn note_unsupported(&mut self, ctx: &mut Ctx<'_>, what: &str) {
        if !self.noted_unsupported {
            self.noted_unsupported = true;
            ctx.effects.messages.push(format!(
                "note: QUP5 (SPI0): {what} is not modelled; the transfer is not sent"
            ));
        }
    }

    /// Plays the loaded transfer if the core runs and its words are all in the output FIFO.
    fn try_start(&mut self, ctx: &mut Ctx<'_>) {
        if self.state != STATE_RUN || !self.transfer_loaded || self.in_flight.is_some() {
            return;
        }
        let count = (self.regs.value(Reg::MxWriteCnt) & 0xFFFF) as usize;
        if count == 0 || self.out_fifo.len() < count {
            return;
        }
        let config = self.regs.value(Reg::Config);
        let io_modes = self.regs.value(Reg::IoModes);
        let spi_config = self.regs.value(Reg::SpiConfig);
        if config >> 8 & 0xF != 1 {
            return self.note_unsupported(ctx, "a mini-core other than SPI (QUP_CONFIG)");
        }
        if config & 0x1F != 7 {
            return self.note_unsupported(ctx, "a word length other than 8 bits");
        }
        if io_modes >> 10 & 0xF != 0 || io_modes >> 14 & 3 != 0 {
            return self.note_unsupported(ctx, "a mode other than FIFO without packing");
        }
        if spi_config & SLAVE_OPERATION != 0 {
            return self.note_unsupported(ctx, "slave operation");
        }
        let core_hz = if ctx.clocks.qup5_spi_apps {
            ctx.clocks.qup5_spi_core_hz
        } else {
            0
        };
        if core_hz == 0 {
            // No SCLK: the transfer never runs.
            return;
        }
        self.apply_chip_select(ctx);
        let shift = if io_modes & OUTPUT_BIT_SHIFT_EN != 0 {
            0
        } else {
            24
        };
        let polarity = self.regs.value(Reg::SpiIoControl) & CLK_IDLE_HIGH != 0;
        let phase = spi_config & INPUT_FIRST == 0;
        let mode_mismatch = polarity != phase;
        // Byte k ends 8 (k + 1) SCLK periods after the start, rounded down to a tick.
        let start = ctx.now;
        let end_of = |k: usize| {
            let bits = 8 * (k as u128 + 1);
            start + (bits * TICKS_PER_SECOND / u128::from(core_hz)) as u64
        };
        let mut t = start;
        let mut input = Vec::with_capacity(count);
        let words: Vec<u32> = self.out_fifo.iter().take(count).copied().collect();
        for (k, word) in words.into_iter().enumerate() {
            let byte = (word >> shift) as u8;
            t = end_of(k);
            let miso = if spi_config & LOOPBACK != 0 {
                byte
            } else if !self.chip_select {
                self.bus_device
                    .as_mut()
                    .map_or(IDLE_MISO, |d| d.exchange(t, byte))
            } else {
                IDLE_MISO
            };
            // A held MISO line wins over the device (the loopback is inside the QUP).
            let miso = match self.miso_fault {
                Some(fault) if spi_config & LOOPBACK == 0 => fault.miso(miso),
                _ => miso,
            };
            let seen = if mode_mismatch {
                miso >> 1 | self.previous_lsb << 7
            } else {
                miso
            };
            self.previous_lsb = miso & 1;
            input.push(seen);
        }
        let done_at = t.max(ctx.now + 1);
        self.trace(
            ctx,
            done_at,
            format_args!("{count} bytes in {} ticks", done_at - start),
        );
        ctx.effects.schedule(done_at, Event::Update(self.device));
        self.transfer_loaded = false;
        self.in_flight = Some(InFlight {
            done_at,
            words: count,
            input,
        });
    }

    fn finish(&mut self, flight: InFlight) {
        for _ in 0..flight.words {
            self.out_fifo.pop_front();
        }
        let read_count = (self.regs.value(Reg::MxReadCnt) & 0xFFFF) as usize;
        for &byte in flight.input.iter().take(read_count) {
            if self.in_fifo.len() >= FIFO_WORDS {
                self.set_error_flag(INPUT_OVER_RUN);
            } else {
                self.in_fifo.push_back(u32::from(byte));
            }
        }
        self.flags |= OUT_SERVICE_FLAG | MAX_OUTPUT_DONE;
        if read_count > 0 && flight.input.len() >= read_count {
            self.flags |= IN_SERVICE_FLAG | MAX_INPUT_DONE;
        }
    }

    fn write_state(&mut self, ctx: &mut Ctx<'_>, value: u32) {
        if !ctx.clocks.qup5_spi_apps {
            self.state_valid = false;
            return;
        }
        self.state_valid = true;
        match value & 3 {
            STATE_RESET => self.enter_reset(),
            STATE_RUN => {
                self.state = STATE_RUN;
                self.clear_writes = 0;
                self.try_start(ctx);
            }
            STATE_CLEAR => {
                if self.state == STATE_PAUSE {
                    self.clear_writes += 1;
                    if self.clear_writes >= 2 {
                        self.enter_reset();
                    }
                }
            }
            _ => self.state = STATE_PAUSE,
        }
    }
}

impl Registers for QupSpi {
    type Id = Reg;

    fn file(&mut self, _window: usize) -> &mut RegisterFile<Reg> {
        &mut self.regs
    }

    fn read_special(&mut self, _ctx: &mut Ctx<'_>, hit: Hit<Reg>) -> Result<u32, Fault> {
        let v = match hit.id {
            Reg::State => self.state | u32::from(self.state_valid) << 2,
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
            // The I2C mini-core's registers have no behaviour in SPI mode: plain storage.
            Reg::I2cStatus | Reg::BusClear => self.regs.value(hit.id),
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
                    self.enter_reset();
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
            Reg::I2cStatus | Reg::BusClear => self.regs.set_value(hit.id, v),
            other => unreachable!("{other:?} is not special"),
        }
        Ok(())
    }

    fn written(&mut self, ctx: &mut Ctx<'_>, hit: Hit<Reg>) {
        if hit.id == Reg::MxWriteCnt {
            self.transfer_loaded = true;
            self.try_start(ctx);
        }
    }

    fn interrupt_lines(&self) -> u32 {
        let spi_errors =
            self.regs.value(Reg::SpiErrorFlags) & self.regs.value(Reg::SpiErrorFlagsEn) != 0;
        u32::from(common_interrupt_sources(&self.regs, self.flags) || spi_errors)
    }

    fn advance(&mut self, ctx: &mut Ctx<'_>) {
        if self
            .in_flight
            .as_ref()
            .is_some_and(|f| f.done_at <= ctx.now)
            && let Some(flight) = self.in_flight.take()
        {
            self.finish(flight);
        }
        // Chip-select changes take effect after the bytes already on the wire.
        if self.in_flight.is_none() {
            self.apply_chip_select(ctx);
        }
    }
}

#[cfg(test)]
mod tests;
