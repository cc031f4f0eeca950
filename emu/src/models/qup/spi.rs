//! BLSP1 QUP model in SPI master mode (QUP5, the header's SPI0), FIFO and BLOCK modes with
//! and without packing, with the devices of `--spi` (docs/hardware/qup-i2c-spi.md#spi-mini-core).
//!
//! Design notes:
//! - Same state machine as the I2C mode (`super`): `QUP_STATE` takes RESET, RUN and PAUSE at
//!   once and reports `STATE_VALID` only while the QUP5 SPI core clock runs; RESET empties
//!   the FIFOs and drops the flags; `QUP_SW_RESET` also resets every register.
//! - A *run* is latched at the first RUN after RESET (or when a count is written in RUN):
//!   its length in 8-bit words is the output count (`QUP_MX_WRITE_CNT` in FIFO mode,
//!   `QUP_MX_OUTPUT_CNT` in BLOCK mode), or the input count with `QUP_CONFIG.NO_OUTPUT`; the
//!   input count (`QUP_MX_READ_CNT` / `QUP_MX_INPUT_CNT`) says how many received words go to
//!   the input FIFO (none with `NO_INPUT`). The next run needs RESET.
//! - The shift engine moves one word at a time, 8 SCLK periods each, SCLK = the QUP5 SPI core
//!   clock (docs/hardware/qup-i2c-spi.md#shift-engine-and-fifos). It starts a word only in
//!   RUN with the clock running, only if the output FIFO has the data for it (a new FIFO word
//!   is taken when the previous one is used up) and only if the input FIFO has a free slot
//!   for the FIFO word it starts to fill; otherwise it stands still (SCLK stops, no error
//!   flag) and resumes when the CPU writes or reads the FIFO. Words go back to back while
//!   it can, so a run that never stalls takes exactly its wire time. The time it stood
//!   still is accounted per run (`--trace spi`: `N bytes in T ticks, I idle`).
//! - Causality: every CPU access brings the engine up to date first (`advance`), so at the
//!   end of each word the FIFOs hold exactly what the CPU had written or read by then. One
//!   scheduled update at the engine's next projected stop keeps the flags timely without
//!   an event per word.
//! - Packing: with `UNPACK_EN` each output FIFO word carries 4 bytes, sent from bits 7:0
//!   up; with `PACK_EN` 4 received bytes fill an input word from bits 7:0 up (a run's last
//!   word may be partial). Without them one byte per word: output bits 7:0 with
//!   `OUTPUT_BIT_SHIFT_EN`, bits 31:24 without; input bits 7:0.
//! - Flags: `MAX_OUTPUT_DONE` / `OUT_SERVICE_FLAG` when the run's last output word has gone,
//!   `MAX_INPUT_DONE` / `IN_SERVICE_FLAG` when its last input word is in the FIFO. BLOCK mode
//!   adds the levels `OUT_BLOCK_WRITE_REQ` (room for a 4-word block and output words still
//!   to come from the CPU) and `IN_BLOCK_READ_REQ` (a block to read); each rising edge sets
//!   its service flag.
//! - Words: 8 bits only (`QUP_CONFIG.N = 7`). Other word lengths, DMOV/BAM modes, different
//!   input and output modes and slave mode are reported once on stderr and the run is not
//!   played (the firmware's own timeout ends it). With `NO_OUTPUT`, MOSI sends 0x00
//!   (**inferred**: the level is not documented).
//! - Mode: CPOL = `SPI_IO_CONTROL.CLK_IDLE_HIGH`, CPHA = NOT `SPI_CONFIG.INPUT_FIRST`. The
//!   modelled devices work in modes 0 and 3; a master in mode 1 or 2 samples MISO on the
//!   device's shift edge, modelled as every input byte arriving one bit late (the previous
//!   byte's last bit first). `SPI_CONFIG.LOOPBACK` returns the output bytes.
//! - Chip select is the TLMM level of GPIO 18 (the board drives it as a GPIO). The machine
//!   passes the pad level on whenever the TLMM or this model is looked at
//!   ([`QupSpi::observe_chip_select`]); the device sees the change between words, i.e. a few
//!   instructions later at most. Bytes are clocked to the device only while chip select is
//!   low; otherwise MISO idles at 0xFF.
//! - FIFOs: 16 words each, blocks of 4 words; `QUP_IO_MODES` reads as in the I2C mode. The
//!   SPI error flags (`SPI_ERROR_FLAGS`) never set as modelled (the engine waits instead).
//!   `OUTPUT_OVER_RUN` is set by a write to a full output FIFO, `INPUT_UNDER_RUN` by a read
//!   of an empty input FIFO.
//! - Interrupt line (level, GIC 131; docs/hardware/qup-i2c-spi.md#interrupt): high while an
//!   unmasked service flag, an enabled `QUP_ERROR_FLAGS` bit or an enabled `SPI_ERROR_FLAGS`
//!   bit is set (the shared rule in `registers.rs`, plus the SPI mini-core's errors).

use std::collections::VecDeque;

use crate::bus::{Ctx, Fault};
use crate::machine::Device;
use crate::models::spi_devices::{Fault as BusFault, IDLE_MISO, SpiDevice, SpiSetup};
use crate::regfile::{Hit, RegisterFile, Registers};

pub use super::registers::Reg;
use super::registers::*;
use crate::scheduler::Event;

/// QUP_CONFIG bits.
const NO_OUTPUT: u32 = 1 << 6;
const NO_INPUT: u32 = 1 << 7;
/// SPI_CONFIG bits.
const SLAVE_OPERATION: u32 = 1 << 5;
const LOOPBACK: u32 = 1 << 8;
const INPUT_FIRST: u32 = 1 << 9;
/// SPI_IO_CONTROL.CLK_IDLE_HIGH.
const CLK_IDLE_HIGH: u32 = 1 << 10;
/// QUP_IO_MODES bits.
const UNPACK_EN: u32 = 1 << 14;
const PACK_EN: u32 = 1 << 15;
const OUTPUT_BIT_SHIFT_EN: u32 = 1 << 16;
/// QUP_IO_MODES input / output mode values.
const MODE_FIFO: u32 = 0;
const MODE_BLOCK: u32 = 1;

/// The chip-select pad of the header's SPI0 (docs/hardware/board-pinout.md#blsp1-instances-on-the-board).
pub const CHIP_SELECT_GPIO: usize = 18;

/// A latched run (see the module notes).
#[derive(Debug)]
struct Run {
    /// Words (bytes) the run clocks.
    length: usize,
    /// Bytes taken from the output FIFO (0 with NO_OUTPUT).
    output_bytes: usize,
    /// Received bytes that go to the input FIFO.
    input_bytes: usize,
    /// Whether MAX_INPUT_DONE comes (the input count fits the run).
    input_done_flag: bool,
    block_mode: bool,
    /// Bytes per output / input FIFO word (4 with packing, else 1).
    out_per_word: usize,
    in_per_word: usize,
    /// Position of an unpacked output byte in its FIFO word.
    out_shift: u32,
    loopback: bool,
    mode_mismatch: bool,
    /// Words finished on the wire.
    done: usize,
    /// Output FIFO word being sent and its bytes not yet sent.
    out_word: u32,
    out_left: usize,
    /// Input FIFO word being filled and its bytes so far.
    in_word: u32,
    in_count: usize,
    /// Output FIFO words the CPU wrote during the run.
    words_written: usize,
    /// The byte on the wire: (output byte, tick its last bit ends).
    current: Option<(u8, u64)>,
    /// Start of the current stretch of back-to-back bytes and its bytes so far.
    segment_start: u64,
    segment_bytes: u64,
    /// First byte's start, last byte's end, ticks stood still between bytes.
    first_start: Option<u64>,
    last_end: Option<u64>,
    idle: u64,
    finished: bool,
}

impl Run {
    fn output_words(&self) -> usize {
        self.output_bytes.div_ceil(self.out_per_word)
    }
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
    /// Sticky QUP_OPERATIONAL flags (service and done).
    flags: u32,
    /// Levels of OUT_BLOCK_WRITE_REQ and IN_BLOCK_READ_REQ as last worked out.
    block_requests: u32,
    run: Option<Run>,
    /// The pending scheduled update, if any.
    next_update: Option<u64>,
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
    /// `--trace spi`: a stderr line per chip-select edge and per run.
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
            block_requests: 0,
            run: None,
            next_update: None,
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

    /// Passes the chip-select changes seen so far to the device, as of tick `at`.
    fn apply_chip_select(&mut self, ctx: &mut Ctx<'_>, at: u64) {
        for level in std::mem::take(&mut self.chip_select_changes) {
            self.chip_select = level;
            if let Some(device) = self.bus_device.as_mut() {
                if level {
                    device.deselect(at);
                } else {
                    device.select(at);
                }
            }
            let edge = if level { "high" } else { "low" };
            self.trace(ctx, at, format_args!("CS {edge}"));
        }
    }

    fn enter_reset(&mut self) {
        self.state = STATE_RESET;
        self.clear_writes = 0;
        self.out_fifo.clear();
        self.in_fifo.clear();
        self.flags = 0;
        self.block_requests = 0;
        self.run = None;
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

    /// Latches a run from the configuration and counts, if the core runs and none is latched.
    fn latch(&mut self, ctx: &mut Ctx<'_>) {
        if self.state != STATE_RUN || self.run.is_some() {
            return;
        }
        let config = self.regs.value(Reg::Config);
        let io_modes = self.regs.value(Reg::IoModes);
        let spi_config = self.regs.value(Reg::SpiConfig);
        let (output_mode, input_mode) = (io_modes >> 10 & 3, io_modes >> 12 & 3);
        let block_mode = output_mode == MODE_BLOCK;
        let (output_count, input_count) = if block_mode {
            (Reg::MxOutputCnt, Reg::MxInputCnt)
        } else {
            (Reg::MxWriteCnt, Reg::MxReadCnt)
        };
        let output_count = (self.regs.value(output_count) & 0xFFFF) as usize;
        let input_count = (self.regs.value(input_count) & 0xFFFF) as usize;
        let no_output = config & NO_OUTPUT != 0;
        let no_input = config & NO_INPUT != 0;
        let length = if no_output { input_count } else { output_count };
        if length == 0 {
            return;
        }
        if config >> 8 & 0xF != 1 {
            return self.note_unsupported(ctx, "a mini-core other than SPI (QUP_CONFIG)");
        }
        if config & 0x1F != 7 {
            return self.note_unsupported(ctx, "a word length other than 8 bits");
        }
        if output_mode != input_mode || !matches!(output_mode, MODE_FIFO | MODE_BLOCK) {
            return self.note_unsupported(ctx, "a mode other than FIFO or BLOCK both ways");
        }
        if spi_config & SLAVE_OPERATION != 0 {
            return self.note_unsupported(ctx, "slave operation");
        }
        let polarity = self.regs.value(Reg::SpiIoControl) & CLK_IDLE_HIGH != 0;
        let phase = spi_config & INPUT_FIRST == 0;
        let input_bytes = if no_input { 0 } else { input_count.min(length) };
        self.run = Some(Run {
            length,
            output_bytes: if no_output { 0 } else { length },
            input_bytes,
            input_done_flag: input_bytes > 0 && input_count <= length,
            block_mode,
            out_per_word: if io_modes & UNPACK_EN != 0 { 4 } else { 1 },
            in_per_word: if io_modes & PACK_EN != 0 { 4 } else { 1 },
            out_shift: if io_modes & OUTPUT_BIT_SHIFT_EN != 0 {
                0
            } else {
                24
            },
            loopback: spi_config & LOOPBACK != 0,
            mode_mismatch: polarity != phase,
            done: 0,
            out_word: 0,
            out_left: 0,
            in_word: 0,
            in_count: 0,
            words_written: 0,
            current: None,
            segment_start: 0,
            segment_bytes: 0,
            first_start: None,
            last_end: None,
            idle: 0,
            finished: false,
        });
    }

    /// Ticks from a stretch's start to the end of its `bytes`-th byte at `core_hz`.
    fn stretch_ticks(bytes: u64, core_hz: u64) -> u64 {
        (u128::from(8 * bytes) * TICKS_PER_SECOND / u128::from(core_hz)) as u64
    }

    /// Runs the shift engine up to `ctx.now` (see the module notes).
    fn run_engine(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now;
        let core_hz = if ctx.clocks.qup5_spi_apps {
            ctx.clocks.qup5_spi_core_hz
        } else {
            0
        };
        while let Some(run) = self.run.as_mut() {
            if run.finished {
                break;
            }
            // Finish the byte on the wire if its time has come.
            let start_at = match run.current {
                Some((_, end)) if end > now => break,
                Some((byte, end)) => {
                    run.current = None;
                    self.finish_byte(ctx, byte, end);
                    if self.run.as_ref().is_some_and(|r| r.finished) {
                        break;
                    }
                    end
                }
                None => now,
            };
            // Chip-select changes reach the device between words.
            if !self.chip_select_changes.is_empty() {
                self.apply_chip_select(ctx, start_at);
            }
            if self.state != STATE_RUN || core_hz == 0 || !self.start_byte(start_at, core_hz) {
                break;
            }
        }
        self.refresh_block_requests();
        self.schedule_next_stop(ctx, core_hz);
    }

    /// Starts the next byte at `at` if the FIFOs allow; `false` if the engine must wait.
    fn start_byte(&mut self, at: u64, core_hz: u64) -> bool {
        let Some(run) = self.run.as_mut() else {
            return false;
        };
        let index = run.done;
        // A byte that starts a new input word needs a free slot for that word.
        if index < run.input_bytes && run.in_count == 0 && self.in_fifo.len() >= FIFO_WORDS {
            return false;
        }
        let byte = if index < run.output_bytes {
            if run.out_left == 0 {
                let Some(word) = self.out_fifo.pop_front() else {
                    return false;
                };
                run.out_word = word;
                run.out_left = run.out_per_word;
            }
            let byte = if run.out_per_word == 4 {
                (run.out_word >> (8 * (4 - run.out_left))) as u8
            } else {
                (run.out_word >> run.out_shift) as u8
            };
            run.out_left -= 1;
            byte
        } else {
            0
        };
        if run.last_end == Some(at) {
            run.segment_bytes += 1;
        } else {
            if let Some(end) = run.last_end {
                run.idle += at - end;
            }
            run.first_start.get_or_insert(at);
            run.segment_start = at;
            run.segment_bytes = 1;
        }
        let end = run.segment_start + Self::stretch_ticks(run.segment_bytes, core_hz);
        run.current = Some((byte, end));
        true
    }

    /// The byte `byte` ends on the wire at `end`: the device answers, the input FIFO gets
    /// the byte, and the run's end publishes its flags.
    fn finish_byte(&mut self, ctx: &mut Ctx<'_>, byte: u8, end: u64) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        let miso = if run.loopback {
            byte
        } else if !self.chip_select {
            self.bus_device
                .as_mut()
                .map_or(IDLE_MISO, |d| d.exchange(end, byte))
        } else {
            IDLE_MISO
        };
        // A held MISO line wins over the device (the loopback is inside the QUP).
        let miso = match self.miso_fault {
            Some(fault) if !run.loopback => fault.miso(miso),
            _ => miso,
        };
        let seen = if run.mode_mismatch {
            miso >> 1 | self.previous_lsb << 7
        } else {
            miso
        };
        self.previous_lsb = miso & 1;
        let index = run.done;
        run.done += 1;
        run.last_end = Some(end);
        if index < run.input_bytes {
            run.in_word |= u32::from(seen) << (8 * run.in_count);
            run.in_count += 1;
            if run.in_count == run.in_per_word || index + 1 == run.input_bytes {
                let word = run.in_word;
                run.in_word = 0;
                run.in_count = 0;
                if self.in_fifo.len() >= FIFO_WORDS {
                    self.set_error_flag(INPUT_OVER_RUN);
                } else {
                    self.in_fifo.push_back(word);
                }
            }
        }
        let Some(run) = self.run.as_mut() else {
            return;
        };
        if run.done < run.length {
            return;
        }
        run.finished = true;
        if run.output_bytes > 0 {
            self.flags |= OUT_SERVICE_FLAG | MAX_OUTPUT_DONE;
        }
        if run.input_done_flag {
            self.flags |= IN_SERVICE_FLAG | MAX_INPUT_DONE;
        }
        let (length, first, idle) = (run.length, run.first_start.unwrap_or(end), run.idle);
        if idle == 0 {
            self.trace(
                ctx,
                end,
                format_args!("{length} bytes in {} ticks", end - first),
            );
        } else {
            self.trace(
                ctx,
                end,
                format_args!("{length} bytes in {} ticks, {idle} idle", end - first),
            );
        }
    }

    /// Works out the block-mode request levels; a rising level sets its service flag.
    fn refresh_block_requests(&mut self) {
        let mut levels = 0;
        if let Some(run) = self.run.as_ref().filter(|r| r.block_mode) {
            if run.words_written < run.output_words()
                && FIFO_WORDS - self.out_fifo.len().min(FIFO_WORDS) >= BLOCK_WORDS
            {
                levels |= OUT_BLOCK_WRITE_REQ;
            }
            if self.in_fifo.len() >= BLOCK_WORDS {
                levels |= IN_BLOCK_READ_REQ;
            }
        }
        let rising = levels & !self.block_requests;
        if rising & OUT_BLOCK_WRITE_REQ != 0 {
            self.flags |= OUT_SERVICE_FLAG;
        }
        if rising & IN_BLOCK_READ_REQ != 0 {
            self.flags |= IN_SERVICE_FLAG;
        }
        self.block_requests = levels;
    }

    /// Schedules one update at the tick the engine will stop next (its FIFO data or input
    /// room runs out, or the run ends), unless one is pending.
    fn schedule_next_stop(&mut self, ctx: &mut Ctx<'_>, core_hz: u64) {
        if self.next_update.is_some_and(|at| at > ctx.now) {
            return;
        }
        self.next_update = None;
        let Some(run) = self.run.as_ref() else {
            return;
        };
        let Some((_, end)) = run.current else {
            return;
        };
        // Bytes after the current one that can go without the CPU.
        let remaining = run.length - run.done - 1;
        let output = if run.done + 1 < run.output_bytes {
            run.out_left + self.out_fifo.len() * run.out_per_word
        } else {
            remaining
        };
        let input_room = (FIFO_WORDS - self.in_fifo.len().min(FIFO_WORDS)) * run.in_per_word
            + (run.in_per_word - run.in_count) % run.in_per_word;
        let more = remaining.min(output).min(if run.input_bytes > 0 {
            input_room
        } else {
            remaining
        });
        let at = end + Self::stretch_ticks(more as u64, core_hz.max(1));
        self.next_update = Some(at);
        ctx.effects.schedule(at, Event::Update(self.device));
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
                self.latch(ctx);
                self.run_engine(ctx);
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

    fn read_special(&mut self, ctx: &mut Ctx<'_>, hit: Hit<Reg>) -> Result<u32, Fault> {
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
                    | self.block_requests
            }
            Reg::OutFifoCnt => self.out_fifo.len() as u32,
            Reg::InFifoCnt => self.in_fifo.len() as u32,
            Reg::InputFifo => match self.in_fifo.pop_front() {
                Some(word) => {
                    // A free slot may let a waiting engine go on.
                    self.run_engine(ctx);
                    word
                }
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
                    if let Some(run) = self.run.as_mut() {
                        run.words_written += 1;
                    }
                    self.run_engine(ctx);
                }
            }
            Reg::I2cStatus | Reg::BusClear => self.regs.set_value(hit.id, v),
            other => unreachable!("{other:?} is not special"),
        }
        Ok(())
    }

    fn written(&mut self, ctx: &mut Ctx<'_>, hit: Hit<Reg>) {
        if matches!(hit.id, Reg::MxWriteCnt | Reg::MxOutputCnt) {
            self.latch(ctx);
            self.run_engine(ctx);
        }
    }

    fn interrupt_lines(&self) -> u32 {
        let spi_errors =
            self.regs.value(Reg::SpiErrorFlags) & self.regs.value(Reg::SpiErrorFlagsEn) != 0;
        u32::from(common_interrupt_sources(&self.regs, self.flags) || spi_errors)
    }

    fn advance(&mut self, ctx: &mut Ctx<'_>) {
        self.run_engine(ctx);
        // Chip-select changes with no byte on the wire reach the device now.
        let on_wire = self.run.as_ref().is_some_and(|r| r.current.is_some());
        if !on_wire && !self.chip_select_changes.is_empty() {
            self.apply_chip_select(ctx, ctx.now);
        }
    }
}

#[cfg(test)]
mod tests;
