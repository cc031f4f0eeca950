//! The SD host controller's DMA engine: SDMA and ADMA2, as the SD Host Controller Simplified
//! Specification 3.00 describes them (docs/hardware/sdhc.md#dma).
//!
//! Design notes:
//! - The engine moves the same data phase the host would move through BUFFER_DATA_PORT
//!   (`Transfer`, block by block from or to the card), only its end is guest memory. It runs
//!   when the bus calls [`Sdhc::run_dma`] right after the register access that started it
//!   (the command) or resumed it (SDMA: the address's top byte), and goes as far as it can at
//!   once: bus time is not modelled.
//! - SDMA: from the SDMA system address (+0x00) on, stopping at each multiple of the buffer
//!   boundary (4 KiB << BLOCK_SIZE bits 14:12) with the DMA interrupt and the next address
//!   in the register, until the host writes the register's top byte. No DMA interrupt when
//!   the data ends exactly at a boundary: transfer complete only. A byte outside guest
//!   memory stops the run (SDMA has no error status for it).
//! - ADMA2: descriptors from the ADMA system address (+0x58, 64 bits wide with the 64-bit
//!   select), 8 bytes each (32-bit: attribute and length word, address word) or 12 bytes
//!   (64-bit, the 3.00 layout: attribute and length word, 64-bit address). `tran` moves its
//!   length (0 means 65536 bytes), `link` jumps, `nop` and `rsv` go on; `int` raises the DMA
//!   interrupt after the line, `end` stops after it. A line without `valid` (or one outside
//!   guest memory) is an ADMA error in state ST_FDS with the address register on that line;
//!   data outside guest memory, or a table whose lengths do not match the data phase, is an
//!   ADMA error in state ST_TFR (length mismatch bit set for the latter) with the register on
//!   the line after it. The data phase then stays open until the host resets the DAT line or
//!   stops the card, as on hardware. A data error of the card (a read past its end) stops the
//!   engine with no ADMA error: the data timeout is the error the host sees.
//! - A table that keeps going without moving data (a `link` loop) would hang the real
//!   controller; here it stops the run after `MAX_IDLE_LINES` lines.

use super::{
    ADMA_ERROR, ADMA_ERROR_STATUS, BLOCK_COUNT_ENABLE, BLOCK_SIZE, DMA_INTERRUPT, MULTIPLE_BLOCKS,
    Sdhc, TRANSFER_MODE,
};
use crate::bus::GuestMemory;

/// SDMA system address (spec §2.2.1).
const SDMA_ADDRESS: usize = 0x00;
/// ADMA system address, 64 bits (spec: ADMA System Address Register, 058h).
const ADMA_ADDRESS: usize = 0x58;
/// Descriptor lines read in a row without moving data before the run stops.
const MAX_IDLE_LINES: u32 = 1 << 16;

// Descriptor attribute bits (spec: ADMA2 descriptor table).
const VALID: u32 = 1 << 0;
const END: u32 = 1 << 1;
const INT: u32 = 1 << 2;
// ADMA error status (spec: ADMA Error Status Register, 054h): error state in bits 1:0,
// length mismatch in bit 2.
const STATE_FETCH_DESCRIPTOR: u8 = 0b01;
const STATE_TRANSFER_DATA: u8 = 0b11;
const LENGTH_MISMATCH: u8 = 1 << 2;

/// The DMA mode of a data phase, from HOST_CONTROL1's DMA select (bits 4:3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// SDMA; `waiting`: stopped at a buffer boundary until the host writes the address.
    Simple { waiting: bool },
    /// ADMA2 with 32-bit (`wide` false) or 64-bit addresses.
    Advanced { wide: bool },
}

impl Mode {
    /// The mode HOST_CONTROL1 selects (00 SDMA, 10 ADMA2 32-bit, 11 ADMA2 64-bit); `None`
    /// for the reserved 01.
    pub(super) fn select(host_control: u8) -> Option<Self> {
        match host_control >> 3 & 3 {
            0b00 => Some(Self::Simple { waiting: false }),
            0b10 => Some(Self::Advanced { wide: false }),
            0b11 => Some(Self::Advanced { wide: true }),
            _ => None,
        }
    }
}

/// What a descriptor line asks for (its `act` bits 5:4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// `nop` (00) or `rsv` (01): go to the next line.
    Next,
    /// `tran` (10): move data.
    Transfer,
    /// `link` (11): go on at the address.
    Link,
}

/// One ADMA2 descriptor line.
#[derive(Debug, Clone, Copy)]
struct Descriptor {
    attributes: u32,
    action: Action,
    /// Bytes (a length field of 0 means 65536).
    length: usize,
    address: u64,
}

impl Descriptor {
    /// The line at `at`, 8 bytes (`wide` false) or 12; `None` if it is outside `memory`.
    fn fetch(memory: &dyn GuestMemory, at: u64, wide: bool) -> Option<Self> {
        let mut line = [0u8; 12];
        let len = if wide { 12 } else { 8 };
        if !memory.read(at, &mut line[..len]) {
            return None;
        }
        let word = u32::from_le_bytes(line[0..4].try_into().expect("4 bytes"));
        let address = if wide {
            u64::from_le_bytes(line[4..12].try_into().expect("8 bytes"))
        } else {
            u64::from(u32::from_le_bytes(line[4..8].try_into().expect("4 bytes")))
        };
        let length = match word >> 16 {
            0 => 0x1_0000,
            n => n as usize,
        };
        let action = match word >> 4 & 3 {
            0b10 => Action::Transfer,
            0b11 => Action::Link,
            _ => Action::Next,
        };
        Some(Self {
            attributes: word & 0xFFFF,
            action,
            length,
            address,
        })
    }
}

impl Sdhc {
    /// Whether an SDMA transfer waits at a buffer boundary for its next address.
    pub(super) fn sdma_waiting(&self) -> bool {
        self.transfer
            .as_ref()
            .is_some_and(|t| t.dma == Some(Mode::Simple { waiting: true }))
    }

    /// Run the pending DMA transfer against `memory`, as far as it goes at once. `Err`: the
    /// transfer cannot go on and the run must stop (the text says why).
    pub fn run_dma(&mut self, memory: &dyn GuestMemory) -> Result<(), String> {
        if !std::mem::take(&mut self.dma_pending) {
            return Ok(());
        }
        match self.transfer.as_ref().and_then(|t| t.dma) {
            Some(Mode::Simple { .. }) => self.run_sdma(memory),
            Some(Mode::Advanced { wide }) => self.run_adma(memory, wide),
            None => Ok(()),
        }
    }

    fn set_mode(&mut self, mode: Mode) {
        if let Some(transfer) = &mut self.transfer {
            transfer.dma = Some(mode);
        }
    }

    /// Move up to `len` bytes between the data phase and `memory` at `address`: how many
    /// moved (0 once the data phase is over), or `None` if a byte is outside `memory`.
    fn move_bytes(&mut self, memory: &dyn GuestMemory, address: u64, len: usize) -> Option<usize> {
        let Some(transfer) = &self.transfer else {
            return Some(0);
        };
        if !transfer.ready {
            return Some(0);
        }
        if transfer.read {
            let n = len.min(transfer.block_size - transfer.position);
            let bytes: Vec<u8> = (transfer.position..transfer.position + n)
                .map(|k| transfer.buffer.get(k).copied().unwrap_or(0))
                .collect();
            if !memory.write(address, &bytes) {
                return None;
            }
            let Some(transfer) = &mut self.transfer else {
                return Some(0);
            };
            transfer.position += n;
            if transfer.position >= transfer.block_size {
                self.block_moved();
            }
            Some(n)
        } else {
            let n = len.min(transfer.block_size - transfer.buffer.len());
            let mut bytes = vec![0u8; n];
            if !memory.read(address, &mut bytes) {
                return None;
            }
            let Some(transfer) = &mut self.transfer else {
                return Some(0);
            };
            transfer.buffer.extend_from_slice(&bytes);
            if transfer.buffer.len() >= transfer.block_size {
                self.commit_written_block();
            }
            Some(n)
        }
    }

    fn run_sdma(&mut self, memory: &dyn GuestMemory) -> Result<(), String> {
        let boundary = 4096u64 << (self.half(BLOCK_SIZE) >> 12 & 7);
        let mut address = u64::from(self.word(SDMA_ADDRESS));
        self.set_mode(Mode::Simple { waiting: false });
        let result = loop {
            let to_boundary = boundary - address % boundary;
            let moved = match self.move_bytes(memory, address, to_boundary as usize) {
                Some(0) => break Ok(()),
                Some(n) => n as u64,
                None => {
                    break Err(format!(
                        "reaches SDMA address {address:#x}, outside guest memory"
                    ));
                }
            };
            address += moved;
            if address.is_multiple_of(boundary) && self.transfer.is_some() {
                // At the boundary with data left: wait for the host's next address.
                self.set_mode(Mode::Simple { waiting: true });
                self.latch(DMA_INTERRUPT, 0);
                break Ok(());
            }
        };
        self.hc[SDMA_ADDRESS..SDMA_ADDRESS + 4].copy_from_slice(&(address as u32).to_le_bytes());
        result
    }

    /// An ADMA error in `state`: the engine stops, the address register shows `at`.
    fn adma_error(&mut self, state: u8, at: u64) {
        self.hc[ADMA_ERROR_STATUS] = state;
        self.hc[ADMA_ADDRESS..ADMA_ADDRESS + 8].copy_from_slice(&at.to_le_bytes());
        self.latch(0, ADMA_ERROR);
    }

    fn run_adma(&mut self, memory: &dyn GuestMemory, wide: bool) -> Result<(), String> {
        let line_len: u64 = if wide { 12 } else { 8 };
        let mut at = u64::from_le_bytes(
            self.hc[ADMA_ADDRESS..ADMA_ADDRESS + 8]
                .try_into()
                .expect("8 bytes"),
        );
        if !wide {
            at &= 0xFFFF_FFFF;
        }
        self.hc[ADMA_ERROR_STATUS] = 0;
        // Without a block count the data phase lasts as long as the table.
        let mode = self.half(TRANSFER_MODE);
        let counted = mode & MULTIPLE_BLOCKS == 0 || mode & BLOCK_COUNT_ENABLE != 0;
        let mut idle_lines = 0u32;
        loop {
            let Some(line) = Descriptor::fetch(memory, at, wide) else {
                self.adma_error(STATE_FETCH_DESCRIPTOR, at);
                return Ok(());
            };
            if line.attributes & VALID == 0 {
                self.adma_error(STATE_FETCH_DESCRIPTOR, at);
                return Ok(());
            }
            let next = at.wrapping_add(line_len);
            match line.action {
                Action::Transfer => {
                    idle_lines = 0;
                    let mut address = line.address;
                    if !wide {
                        address &= 0xFFFF_FFFF;
                    }
                    let mut left = line.length;
                    while left > 0 {
                        match self.move_bytes(memory, address, left) {
                            // The data phase failed: the engine stops with it.
                            Some(0) if self.data_failed => return Ok(()),
                            // The data phase ended before the line's length.
                            Some(0) => {
                                self.adma_error(STATE_TRANSFER_DATA | LENGTH_MISMATCH, next);
                                return Ok(());
                            }
                            Some(n) => {
                                left -= n;
                                address += n as u64;
                            }
                            None => {
                                self.adma_error(STATE_TRANSFER_DATA, next);
                                return Ok(());
                            }
                        }
                    }
                    at = next;
                }
                Action::Link => {
                    at = if wide {
                        line.address
                    } else {
                        line.address & 0xFFFF_FFFF
                    };
                }
                Action::Next => at = next,
            }
            if line.action != Action::Transfer {
                idle_lines += 1;
                if idle_lines >= MAX_IDLE_LINES {
                    return Err(format!(
                        "reads {MAX_IDLE_LINES} ADMA2 descriptor lines in a row without data \
                         (a link loop?), the last at {at:#x}"
                    ));
                }
            }
            if line.attributes & INT != 0 {
                self.latch(DMA_INTERRUPT, 0);
            }
            if line.attributes & END != 0 {
                self.hc[ADMA_ADDRESS..ADMA_ADDRESS + 8].copy_from_slice(&at.to_le_bytes());
                if counted && self.transfer.is_some() && !self.data_failed {
                    // The table ended before the data phase.
                    self.adma_error(STATE_TRANSFER_DATA | LENGTH_MISMATCH, at);
                }
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::cell::RefCell;

    use crate::bus::GuestMemory;

    /// Guest memory for tests: `bytes.len()` bytes from `base`.
    pub struct TestMemory {
        pub base: u64,
        pub bytes: RefCell<Vec<u8>>,
    }

    impl TestMemory {
        pub fn new(base: u64, len: usize) -> Self {
            Self {
                base,
                bytes: RefCell::new(vec![0; len]),
            }
        }

        /// The bytes at `addr`.
        pub fn at(&self, addr: u64, len: usize) -> Vec<u8> {
            let start = (addr - self.base) as usize;
            self.bytes.borrow()[start..start + len].to_vec()
        }

        pub fn put(&self, addr: u64, data: &[u8]) {
            assert!(self.write(addr, data));
        }
    }

    impl GuestMemory for TestMemory {
        fn read(&self, addr: u64, buffer: &mut [u8]) -> bool {
            let bytes = self.bytes.borrow();
            let Some(start) = addr.checked_sub(self.base) else {
                return false;
            };
            let Some(from) = bytes.get(start as usize..start as usize + buffer.len()) else {
                return false;
            };
            buffer.copy_from_slice(from);
            true
        }

        fn write(&self, addr: u64, data: &[u8]) -> bool {
            let mut bytes = self.bytes.borrow_mut();
            let Some(start) = addr.checked_sub(self.base) else {
                return false;
            };
            let Some(to) = bytes.get_mut(start as usize..start as usize + data.len()) else {
                return false;
            };
            to.copy_from_slice(data);
            true
        }
    }
}
