//! SD host controllers SDHC1 (eMMC slot, 0x0782_4000) and SDHC2 (µSD slot, 0x0786_4000), with
//! an SD card in the µSD slot when `--sd IMAGE` gives one.
//!
//! Design notes:
//! - One model answers the 4 KiB page of a controller: the Qualcomm "core" (MCI) registers at
//!   +0x000..+0x800 and the standard SD host controller registers (SD Host Controller
//!   Simplified Specification 3.00) at +0x900..+0xA1C (docs/hardware/sdhc.md: hc 0x11C, core 0x800).
//!   Anything else in the page, and any register not listed below, is an unclaimed access.
//! - Without a card (always on the eMMC slot: the DragonBoard's eMMC is not modelled) the
//!   controller still sends every command it is given, and a command that expects a response
//!   ends with a command timeout error (ERROR_INT_STATUS bit 0, NORMAL_INT_STATUS bit 15);
//!   one without a response (e.g. CMD0) ends with command complete. PRESENT_STATE shows no
//!   card (CARD_INSERTED 0, CARD_STATE_STABLE 1), idle CMD/DAT lines pulled high.
//! - With a card (`sd_card.rs`), writing the command register's upper byte sends the command
//!   at once: the response lands in RESPONSE0-3 as spec §2.2.7 lays it out (R2: bits 127:8 of
//!   the register; others: bits 39:8), a command with busy (response type 48-bit busy) also
//!   ends with transfer complete, and a command with data starts the data phase. Data moves
//!   by programmed I/O through BUFFER_DATA_PORT (+0x20) one block at a time: buffer read
//!   (write) ready each time a block is available (wanted), transfer complete after the last
//!   block of the count (single block, or BLOCK_COUNT with the count enabled), then Auto CMD12
//!   if the transfer mode asks for it (its response in RESPONSE3). Auto CMD23 sends CMD23 with
//!   ARGUMENT2 (+0x00) before the command; a card given its count (by Auto CMD23 or the
//!   host's own CMD23) leaves the data state by itself after the last block. Bus time is not modelled:
//!   every step completes at once. A data phase the card does not start (e.g. a read past its
//!   end) ends with a data timeout error.
//! - With DMA enabled in the transfer mode, the same data phase is moved by the controller's
//!   DMA engine instead of the host (SDMA or ADMA2 as HOST_CONTROL1 selects, `sdhc/dma.rs`):
//!   the register access that starts or resumes it only marks it pending, and the bus then
//!   runs it against guest memory ([`Sdhc::run_dma`]), all at once.
//! - The hc interrupt output (the row's first line) is high while any latched status bit is
//!   also enabled in NORMAL/ERROR_INT_SIGNAL_ENABLE (+0x38/+0x3A).
//! - Status bits are only latched when enabled in the matching status-enable register, and
//!   are cleared by writing 1 (spec §2.2.17/§2.2.18). Software reset (0x2F) completes at
//!   once; internal clock stable follows internal clock enable immediately.
//! - The capabilities describe what the platform documents for these slots (1.8 V / 3.3 V,
//!   high speed, SDMA and ADMA2, 64-bit bus, 8-bit bus on the eMMC slot, 200 MHz base
//!   clock); they are not a read-out of real silicon.
//! - Vendor capabilities register (32-bit, right after the standard window at +0xA1C, i.e.
//!   hc +0x11C): it shadows the low word of CAPABILITIES; what is written there is what
//!   CAPABILITIES reads from then on (drivers use it to correct the advertised voltages).
//! - Core registers: MCI_POWER (+0x00, bit 7 software reset self-clears), MCI_VERSION (+0x50,
//!   read-only), MCI_STATUS2 (+0x6C, read-only; bit 0 "MCI active" stays set while a core
//!   reset is in progress: always 0 here, the reset is instantaneous) and HC_MODE (+0x78,
//!   bit 0 selects the standard SD host interface).

mod dma;
#[cfg(test)]
mod dma_tests;

use crate::bus::{Ctx, Fault};
use crate::models::sd_card::{self, Data, Response, SdCard};
use crate::regfile::{Hit, Register, RegisterFile, Registers};

/// Offset of the standard SD host registers in the page.
pub const HC_OFFSET: u64 = 0x900;
/// Length of the standard SD host register window.
pub const HC_LEN: u64 = 0x11C;
/// Vendor capabilities register (offset from the page).
const VENDOR_CAPS0: u64 = HC_OFFSET + HC_LEN;

/// MCI_VERSION: major 1 (bits 31:28), minor 0x42 (bits 15:0): a "v4" controller, which is
/// what the device tree's `qcom,sdhci-msm-v4` names.
const MCI_VERSION: u32 = 0x1000_0042;
/// MCI_POWER software reset bit.
const CORE_SW_RESET: u32 = 1 << 7;

/// Register names: the core registers, the vendor capabilities register, and the standard
/// SD host registers as one byte window (their per-byte behaviour is in `hc_byte` /
/// `hc_write_byte`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    /// MCI_POWER.
    McIPower,
    /// MCI_VERSION.
    McIVersion,
    /// MCI_STATUS2.
    McIStatus2,
    /// HC_MODE.
    HcMode,
    /// Vendor capabilities (shadows CAPABILITIES' low word).
    VendorCaps0,
    /// The standard SD host controller registers.
    Standard,
}

static REGISTERS: [Register<Reg>; 6] = [
    Register::rw(Reg::McIPower, "MCI_POWER", 0x00)
        .mask(!CORE_SW_RESET)
        .special(),
    Register::ro(Reg::McIVersion, "MCI_VERSION", 0x50).reset(MCI_VERSION),
    Register::ro(Reg::McIStatus2, "MCI_STATUS2", 0x6C),
    Register::rw(Reg::HcMode, "HC_MODE", 0x78),
    Register::rw(Reg::VendorCaps0, "VENDOR_CAPS0", VENDOR_CAPS0).special(),
    Register::rw(Reg::Standard, "SDHCI", HC_OFFSET).window(HC_LEN),
];

// Standard register offsets (spec 3.00 §2.1).
const BLOCK_SIZE: usize = 0x04;
const BLOCK_COUNT: usize = 0x06;
const ARGUMENT: usize = 0x08;
const TRANSFER_MODE: usize = 0x0C;
const COMMAND: usize = 0x0E;
const RESPONSE: usize = 0x10;
const BUFFER_DATA_PORT: usize = 0x20;
const PRESENT_STATE: usize = 0x24;
const HOST_CONTROL1: usize = 0x28;
const CLOCK_CONTROL: usize = 0x2C;
const SOFTWARE_RESET: usize = 0x2F;
const NORMAL_STATUS: usize = 0x30;
const ERROR_STATUS: usize = 0x32;
const NORMAL_STATUS_ENABLE: usize = 0x34;
const ERROR_STATUS_ENABLE: usize = 0x36;
const NORMAL_SIGNAL_ENABLE: usize = 0x38;
const ERROR_SIGNAL_ENABLE: usize = 0x3A;
const CAPABILITIES: usize = 0x40;
const MAX_CURRENT: usize = 0x48;
const ADMA_ERROR_STATUS: usize = 0x54;
const HOST_VERSION: usize = 0xFE;

/// Host controller specification version 3.00.
const SPEC_VERSION_3_00: u16 = 0x0002;

// NORMAL_INT_STATUS bits (§2.2.17).
const COMMAND_COMPLETE: u16 = 1 << 0;
const TRANSFER_COMPLETE: u16 = 1 << 1;
const DMA_INTERRUPT: u16 = 1 << 3;
const BUFFER_WRITE_READY: u16 = 1 << 4;
const BUFFER_READ_READY: u16 = 1 << 5;
// ERROR_INT_STATUS bits (§2.2.18).
const COMMAND_TIMEOUT_ERROR: u16 = 1 << 0;
const DATA_TIMEOUT_ERROR: u16 = 1 << 4;
const ADMA_ERROR: u16 = 1 << 9;

// TRANSFER_MODE bits (§2.2.5).
const DMA_ENABLE: u16 = 1 << 0;
const BLOCK_COUNT_ENABLE: u16 = 1 << 1;
const AUTO_CMD12: u16 = 0b01 << 2;
const AUTO_CMD23: u16 = 0b10 << 2;
const AUTO_CMD_MASK: u16 = 0b11 << 2;
const READ_DIRECTION: u16 = 1 << 4;
const MULTIPLE_BLOCKS: u16 = 1 << 5;
// COMMAND bits (§2.2.6).
const DATA_PRESENT: u16 = 1 << 5;
const RESPONSE_48_BUSY: u16 = 0b11;

/// Where the data of the current command goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// A register block the card sends (SCR, SD status, switch status).
    Bytes(Vec<u8>),
    /// Card blocks from this block address on.
    Blocks(u64),
}

/// A data phase in progress (programmed I/O).
#[derive(Debug)]
struct Transfer {
    read: bool,
    source: Source,
    /// Bytes of the current block (read: still to be read by the host; write: written so
    /// far).
    buffer: Vec<u8>,
    /// Read position in `buffer`.
    position: usize,
    /// Block size from BLOCK_SIZE.
    block_size: usize,
    /// Blocks moved so far.
    done: u32,
    /// Blocks to move (`None`: until the host stops it).
    total: Option<u32>,
    /// Issue CMD12 after the last block.
    auto_stop: bool,
    /// The card was given the block count (CMD23): it leaves the data state by itself after
    /// the last block.
    card_counted: bool,
    /// The buffer is ready for the host (read: holds a block; write: has room).
    ready: bool,
    /// Moved by the DMA engine in this mode (`None`: by the host, through the port).
    dma: Option<dma::Mode>,
}

/// One controller.
#[derive(Debug)]
pub struct Sdhc {
    /// Register bytes of the standard window (plain read/write registers live here).
    hc: [u8; 0x100],
    caps: u64,
    regs: RegisterFile<Reg>,
    normal_status: u16,
    error_status: u16,
    /// Commands issued since reset (statistics for tests).
    pub commands: u32,
    /// The card in the slot.
    card: Option<SdCard>,
    /// The data phase in progress.
    transfer: Option<Transfer>,
    /// The DMA engine has work: the bus calls [`Self::run_dma`] after the access.
    dma_pending: bool,
    /// The last data phase ended with a data error (the DMA engine stops without an error
    /// of its own).
    data_failed: bool,
}

impl Sdhc {
    /// A controller; `eight_bit` for the eMMC slot (8-bit bus support in the capabilities).
    pub fn new(eight_bit: bool) -> Self {
        let base_clock_mhz = 200u64;
        let caps = (1 << 7) // timeout clock unit: MHz
            | 19 // timeout clock 19 MHz (XO)
            | base_clock_mhz << 8
            | 2 << 16 // max block length 2048
            | u64::from(eight_bit) << 18
            | 1 << 19 // ADMA2
            | 1 << 21 // high speed
            | 1 << 22 // SDMA
            | 1 << 24 // 3.3 V
            | 1 << 26 // 1.8 V
            | 1 << 28; // 64-bit system bus
        Self {
            hc: [0; 0x100],
            caps,
            regs: RegisterFile::new(&REGISTERS),
            normal_status: 0,
            error_status: 0,
            commands: 0,
            card: None,
            transfer: None,
            dma_pending: false,
            data_failed: false,
        }
    }

    /// Put `card` in the slot.
    pub fn insert(&mut self, card: SdCard) {
        self.card = Some(card);
    }

    /// The card in the slot.
    pub fn card(&self) -> Option<&SdCard> {
        self.card.as_ref()
    }

    fn reset_all(&mut self) {
        self.hc = [0; 0x100];
        self.normal_status = 0;
        self.error_status = 0;
        self.transfer = None;
        self.dma_pending = false;
    }

    fn half(&self, off: usize) -> u16 {
        u16::from_le_bytes([self.hc[off], self.hc[off + 1]])
    }

    fn present_state(&self) -> u32 {
        // CARD_STATE_STABLE, DAT[3:0] and CMD line levels high.
        let mut state = 1 << 17 | 0xF << 20 | 1 << 24;
        if self.card.is_some() {
            // CARD_INSERTED, CARD_DETECT_PIN_LEVEL, WRITE_PROTECT_PIN_LEVEL (a µSD card has no
            // write-protect switch: writable).
            state |= 1 << 16 | 1 << 18 | 1 << 19;
        }
        if let Some(transfer) = &self.transfer {
            // COMMAND_INHIBIT_DAT, DAT_LINE_ACTIVE, and the direction's transfer-active and
            // buffer-enable bits.
            state |= 1 << 1 | 1 << 2;
            if transfer.read {
                state |= 1 << 9 | u32::from(transfer.ready) << 11;
            } else {
                state |= 1 << 8 | u32::from(transfer.ready) << 10;
            }
        }
        state
    }

    fn latch(&mut self, normal: u16, error: u16) {
        self.normal_status |= normal & self.half(NORMAL_STATUS_ENABLE);
        self.error_status |= error & self.half(ERROR_STATUS_ENABLE);
    }

    fn word(&self, off: usize) -> u32 {
        u32::from_le_bytes(self.hc[off..off + 4].try_into().expect("4 bytes"))
    }

    fn issue_command(&mut self) -> Result<(), Fault> {
        self.commands += 1;
        let command = self.half(COMMAND);
        let response_type = command & 3;
        if self.card.is_none() {
            self.hc[RESPONSE..RESPONSE + 16].fill(0);
            if response_type == 0 {
                self.latch(COMMAND_COMPLETE, 0);
            } else {
                self.latch(0, COMMAND_TIMEOUT_ERROR);
            }
            return Ok(());
        };
        let mode = self.half(TRANSFER_MODE);
        let with_data = command & DATA_PRESENT != 0;
        let dma = if with_data && mode & DMA_ENABLE != 0 {
            // A reserved DMA select (01b) has no behaviour to model: stop the run.
            Some(dma::Mode::select(self.hc[HOST_CONTROL1]).ok_or(Fault::Unclaimed)?)
        } else {
            None
        };
        let index = (command >> 8) as u8 & 0x3F;
        let argument = self.word(ARGUMENT);
        // Auto CMD23: the block count from ARGUMENT2 (the SDMA address register, +0x00) goes
        // to the card first (spec §2.2.5); its response is not kept.
        let auto_cmd23 =
            with_data && mode & MULTIPLE_BLOCKS != 0 && mode & AUTO_CMD_MASK == AUTO_CMD23;
        let argument2 = self.word(0x00);
        let Some(card) = &mut self.card else {
            return Ok(());
        };
        if auto_cmd23 {
            card.command(23, argument2);
        }
        let card_counted = card.block_count_set();
        let (response, data) = card.command(index, argument);
        if index == 12 {
            // A stop (or abort) ends the data phase in progress.
            self.transfer = None;
        }
        match response {
            Response::None if response_type != 0 => {
                self.hc[RESPONSE..RESPONSE + 16].fill(0);
                self.latch(0, COMMAND_TIMEOUT_ERROR);
                return Ok(());
            }
            Response::None => {}
            Response::Short(value) => {
                self.hc[RESPONSE..RESPONSE + 16].fill(0);
                self.hc[RESPONSE..RESPONSE + 4].copy_from_slice(&value.to_le_bytes());
            }
            Response::Long(register) => {
                // RESPONSE[119:0] = register bits 127:8 (the CRC byte is dropped).
                for k in 0..15 {
                    self.hc[RESPONSE + k] = register[14 - k];
                }
                self.hc[RESPONSE + 15] = 0;
            }
        }
        self.latch(COMMAND_COMPLETE, 0);
        if !with_data {
            if response_type == RESPONSE_48_BUSY {
                // The card releases DAT0 at once: busy over.
                self.latch(TRANSFER_COMPLETE, 0);
            }
            return Ok(());
        }
        let read = mode & READ_DIRECTION != 0;
        let source = match data {
            Data::Bytes(bytes) if read => Source::Bytes(bytes),
            Data::ReadBlocks { first, .. } if read => Source::Blocks(first),
            Data::WriteBlocks { first, .. } if !read => Source::Blocks(first),
            _ => {
                // The card sends (or takes) nothing the host expects: the data line times out.
                if let Some(card) = &mut self.card {
                    card.data_done();
                }
                self.latch(0, DATA_TIMEOUT_ERROR);
                return Ok(());
            }
        };
        let total = if mode & MULTIPLE_BLOCKS == 0 {
            Some(1)
        } else if mode & BLOCK_COUNT_ENABLE != 0 {
            Some(u32::from(self.half(BLOCK_COUNT)))
        } else {
            None
        };
        self.data_failed = false;
        self.transfer = Some(Transfer {
            read,
            source,
            buffer: Vec::new(),
            position: 0,
            block_size: usize::from(self.half(BLOCK_SIZE) & 0xFFF).max(1),
            done: 0,
            total,
            auto_stop: mode & AUTO_CMD_MASK == AUTO_CMD12 && mode & MULTIPLE_BLOCKS != 0,
            card_counted,
            ready: false,
            dma,
        });
        self.next_block();
        self.dma_pending = dma.is_some() && self.transfer.is_some();
        Ok(())
    }

    /// Make the next block available to the host, or finish the transfer after the last one.
    fn next_block(&mut self) {
        let (Some(transfer), Some(card)) = (&mut self.transfer, &mut self.card) else {
            return;
        };
        if transfer.total.is_some_and(|total| transfer.done >= total) {
            self.finish_transfer();
            return;
        }
        let size = transfer.block_size;
        // With DMA the engine, not the host, takes the buffer: no buffer ready status.
        let by_dma = transfer.dma.is_some();
        let ready_status = |status| if by_dma { 0 } else { status };
        if !transfer.read {
            transfer.buffer.clear();
            transfer.ready = true;
            self.latch(ready_status(BUFFER_WRITE_READY), 0);
            return;
        }
        let block = match &transfer.source {
            Source::Bytes(bytes) => {
                let mut block = bytes.clone();
                block.resize(size, 0);
                Some(block)
            }
            Source::Blocks(first) => card
                .read_block(first + u64::from(transfer.done))
                .map(|b| b[..size.min(sd_card::BLOCK_LEN)].to_vec()),
        };
        match block {
            Some(block) => {
                transfer.buffer = block;
                transfer.position = 0;
                transfer.ready = true;
                self.latch(ready_status(BUFFER_READ_READY), 0);
            }
            // Past the card's end: no more data comes.
            None => self.end_with_data_timeout(),
        }
    }

    /// The card stops sending (taking) data in the middle of the data phase.
    fn end_with_data_timeout(&mut self) {
        self.transfer = None;
        self.data_failed = true;
        self.latch(0, DATA_TIMEOUT_ERROR);
    }

    /// A block has been moved: count it, then go on.
    fn block_moved(&mut self) {
        let Some(transfer) = &mut self.transfer else {
            return;
        };
        transfer.done += 1;
        transfer.ready = false;
        if self.half(TRANSFER_MODE) & BLOCK_COUNT_ENABLE != 0 {
            let count = self.half(BLOCK_COUNT).saturating_sub(1);
            self.hc[BLOCK_COUNT..BLOCK_COUNT + 2].copy_from_slice(&count.to_le_bytes());
        }
        self.next_block();
    }

    fn finish_transfer(&mut self) {
        let Some(transfer) = self.transfer.take() else {
            return;
        };
        if let Some(card) = &mut self.card {
            if transfer.auto_stop {
                if let (Response::Short(value), _) = card.command(12, 0) {
                    self.hc[RESPONSE + 12..RESPONSE + 16].copy_from_slice(&value.to_le_bytes());
                }
            } else if transfer.total == Some(1)
                || transfer.card_counted
                || matches!(transfer.source, Source::Bytes(_))
            {
                card.data_done();
            }
        }
        self.latch(TRANSFER_COMPLETE, 0);
    }

    /// One byte read from BUFFER_DATA_PORT.
    fn read_port(&mut self) -> u8 {
        let Some(transfer) = &mut self.transfer else {
            return 0;
        };
        if !transfer.read || !transfer.ready {
            return 0;
        }
        let byte = transfer.buffer.get(transfer.position).copied().unwrap_or(0);
        transfer.position += 1;
        if transfer.position >= transfer.block_size {
            self.block_moved();
        }
        byte
    }

    /// One byte written to BUFFER_DATA_PORT.
    fn write_port(&mut self, value: u8) {
        let Some(transfer) = &mut self.transfer else {
            return;
        };
        if self.card.is_none() || transfer.read || !transfer.ready {
            return;
        }
        transfer.buffer.push(value);
        if transfer.buffer.len() < transfer.block_size {
            return;
        }
        self.commit_written_block();
    }

    /// The write buffer holds a whole block: write it to the card, then go on.
    fn commit_written_block(&mut self) {
        let (Some(transfer), Some(card)) = (&mut self.transfer, &mut self.card) else {
            return;
        };
        if let Source::Blocks(first) = transfer.source {
            let mut block = [0u8; sd_card::BLOCK_LEN];
            let n = transfer.buffer.len().min(sd_card::BLOCK_LEN);
            block[..n].copy_from_slice(&transfer.buffer[..n]);
            if !card.write_block(first + u64::from(transfer.done), &block) {
                self.end_with_data_timeout();
                return;
            }
        }
        self.block_moved();
    }

    fn hc_byte(&self, off: usize) -> Option<u8> {
        let byte_of = |v: u64, base: usize| (v >> (8 * (off - base))) as u8;
        Some(match off {
            0x00..=0x0F | 0x28..=0x2B | 0x2E | 0x34..=0x3B | 0x3E | 0x3F | 0x54..=0x5F => {
                self.hc[off]
            }
            0x10..=0x1F => self.hc[off],
            0x20..=0x23 => 0, // BUFFER_DATA_PORT: read in `read_special`
            0x24..=0x27 => byte_of(u64::from(self.present_state()), PRESENT_STATE),
            0x2C => self.hc[off] | (self.hc[off] & 1) << 1,
            0x2D => self.hc[off],
            SOFTWARE_RESET => 0,
            0x30 | 0x31 => {
                let error = u16::from(self.error_status != 0) << 15;
                byte_of(u64::from(self.normal_status | error), NORMAL_STATUS)
            }
            0x32 | 0x33 => byte_of(u64::from(self.error_status), ERROR_STATUS),
            0x3C | 0x3D => 0, // auto CMD error status
            0x40..=0x47 => byte_of(self.caps, CAPABILITIES),
            0x48..=0x4F => byte_of(0, MAX_CURRENT),
            0x60..=0x6F => 0, // preset values
            0xFC | 0xFD => 0, // slot interrupt status
            0xFE | 0xFF => byte_of(u64::from(SPEC_VERSION_3_00), HOST_VERSION),
            _ => return None,
        })
    }

    fn hc_write_byte(&mut self, off: usize, v: u8) -> Option<()> {
        match off {
            0x03 => {
                // The SDMA system address's top byte: a transfer waiting at a buffer boundary
                // goes on (spec §2.2.1).
                self.hc[off] = v;
                self.dma_pending |= self.sdma_waiting();
            }
            ADMA_ERROR_STATUS..=0x57 => {} // read-only
            0x00..=0x0D | 0x28..=0x2B | 0x2E | 0x34..=0x3B | 0x3E | 0x3F | 0x58..=0x5F => {
                self.hc[off] = v;
            }
            0x0E => self.hc[off] = v,
            0x0F => {
                // Writing the upper byte of the command register issues the command.
                self.hc[off] = v;
                if self.issue_command().is_err() {
                    return None;
                }
            }
            0x20..=0x23 => self.write_port(v),
            CLOCK_CONTROL | 0x2D => self.hc[off] = v,
            SOFTWARE_RESET => {
                if v & 1 != 0 {
                    self.reset_all();
                }
                if v & 2 != 0 {
                    self.normal_status &= !1;
                    self.error_status &= !0xF;
                }
                if v & 4 != 0 {
                    self.normal_status &= !0x3E;
                    self.error_status &= !0x70;
                    self.transfer = None;
                    self.dma_pending = false;
                    if let Some(card) = &mut self.card {
                        card.data_done();
                    }
                }
            }
            0x30 | 0x31 => self.normal_status &= !(u16::from(v) << (8 * (off - NORMAL_STATUS))),
            0x32 | 0x33 => self.error_status &= !(u16::from(v) << (8 * (off - ERROR_STATUS))),
            0x50..=0x53 => {} // force event: no card, nothing to force
            _ => return None,
        }
        Some(())
    }
}

impl Registers for Sdhc {
    type Id = Reg;

    fn interrupt_lines(&self) -> u32 {
        let normal = self.normal_status & self.half(NORMAL_SIGNAL_ENABLE) != 0;
        let error = self.error_status & self.half(ERROR_SIGNAL_ENABLE) != 0;
        u32::from(normal || error)
    }

    fn file(&mut self, _window: usize) -> &mut RegisterFile<Reg> {
        &mut self.regs
    }

    fn read_special(&mut self, _: &mut Ctx<'_>, hit: Hit<Reg>) -> Result<u32, Fault> {
        match hit.id {
            Reg::VendorCaps0 => Ok(self.caps as u32),
            _ => {
                let mut v = 0u32;
                for i in 0..hit.size {
                    let off = hit.index + i;
                    let b = if (BUFFER_DATA_PORT..BUFFER_DATA_PORT + 4).contains(&off) {
                        self.read_port()
                    } else {
                        self.hc_byte(off).ok_or(Fault::Unclaimed)?
                    };
                    v |= u32::from(b) << (8 * i);
                }
                Ok(v)
            }
        }
    }

    fn write_special(&mut self, ctx: &mut Ctx<'_>, hit: Hit<Reg>, value: u32) -> Result<(), Fault> {
        match hit.id {
            Reg::McIPower => {
                if value & CORE_SW_RESET != 0 {
                    self.reset_all();
                }
                self.regs.write_default(&hit, value);
            }
            Reg::VendorCaps0 => self.caps = self.caps & !0xFFFF_FFFF | u64::from(value),
            _ => {
                let off = hit.index;
                // Check the whole access first, so a partly valid access changes nothing.
                for i in 0..hit.size {
                    self.hc_byte(off + i).ok_or(Fault::Unclaimed)?;
                }
                for i in 0..hit.size {
                    self.hc_write_byte(off + i, (value >> (8 * i)) as u8)
                        .ok_or(Fault::Unclaimed)?;
                }
                if self.dma_pending {
                    ctx.effects.dma_requested = true;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
