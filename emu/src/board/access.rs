//! Where an MMIO access came from, what access the instruction really made, and how a bus
//! fault ends the run.
//!
//! Design notes:
//! - Width policy, first half (the register files hold the second: which widths a register
//!   answers): the model sees each access as the instruction makes it. The engine hands the
//!   MMIO windows 32-bit pieces of 64- and 128-bit accesses, aligned pieces of an unaligned
//!   one and single bytes of a `DC ZVA`; the board decodes the accessing instruction and, for
//!   a piece, reports the one access (its address, size and PC) as unclaimed and stops:
//!   no model on this board has registers wider than 32 bits. A pair of 32-bit registers
//!   (LDP/STP of W registers) is two 32-bit accesses and goes through as such.

use unicorn_engine::{Prot, RegisterARM64, Unicorn};

use crate::bus::Fault;

use super::Outcome;

/// One load or store as an instruction makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadStore {
    /// Effective address (virtual when the MMU is on).
    pub addr: u64,
    /// Bytes touched in all.
    pub len: u64,
    /// Bytes per single access (a register of a pair, or `len`).
    pub element: u64,
    /// Store (else load).
    pub store: bool,
}

impl LoadStore {
    /// Whether the access of `size` bytes at `addr` is one of this instruction's single
    /// accesses, exactly.
    fn is_element(&self, addr: u64, size: u64) -> bool {
        let offset = addr.wrapping_sub(self.addr);
        // Elements are 1 to 64 bytes, a power of two: a mask, not a division (this runs on
        // every MMIO access).
        let aligned = if self.element.is_power_of_two() {
            offset & (self.element - 1) == 0
        } else {
            offset.is_multiple_of(self.element)
        };
        offset < self.len && size == self.element && aligned
    }

    fn covers(&self, addr: u64) -> bool {
        addr.wrapping_sub(self.addr) < self.len
    }
}

/// The instruction words of the translated block `block`, read as the CPU fetched them (the
/// block address is virtual when the MMU is on).
fn read_block(uc: &Unicorn<'_, ()>, block: (u64, u32)) -> Vec<u32> {
    let mut code = vec![0u8; block.1 as usize];
    if uc.vmem_read(block.0, Prot::EXEC, &mut code).is_err() {
        return Vec::new();
    }
    code.chunks_exact(4)
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        .collect()
}

/// The loads and stores of the last block an MMIO access came from, so that a loop polling a
/// register neither reads nor decodes its code again on every access: per load or store, its
/// PC, its instruction word and its direction (which the word alone says; the address needs
/// the registers, read at each access). Only used to clear an access as whole; a split is
/// always confirmed from a fresh read (code can change under a cached copy).
#[derive(Debug, Default)]
pub struct BlockCode {
    block: (u64, u32),
    /// Whether the block's code was read (a failed or empty read is tried again next time).
    read: bool,
    accesses: Vec<(u64, u32, bool)>,
}

impl BlockCode {
    fn accesses(&mut self, uc: &Unicorn<'_, ()>, block: (u64, u32)) -> &[(u64, u32, bool)] {
        if self.block != block || !self.read {
            let words = read_block(uc, block);
            self.block = block;
            self.read = !words.is_empty();
            // Which words are loads or stores, and their direction, does not depend on the
            // registers: decode with all registers 0 to find them.
            self.accesses = block_words(block.0, &words)
                .filter_map(|(pc, insn)| {
                    decode_ldst(insn, &|_| 0).map(|access| (pc, insn, access.store))
                })
                .collect();
        }
        &self.accesses
    }
}

/// The words of a block starting at `start`, with their PCs.
fn block_words(start: u64, words: &[u32]) -> impl Iterator<Item = (u64, u32)> + '_ {
    words
        .iter()
        .enumerate()
        .map(move |(k, &insn)| (start + 4 * k as u64, insn))
}

/// General register `n` (31: SP) as the engine holds it now.
fn xreg(uc: &Unicorn<'_, ()>, n: u32) -> u64 {
    let id = match n {
        29 => RegisterARM64::X29 as i32,
        30 => RegisterARM64::X30 as i32,
        31 => RegisterARM64::SP as i32,
        n => RegisterARM64::X0 as i32 + n as i32,
    };
    uc.reg_read(id).unwrap_or(0)
}

/// The loads and stores among `words` (the block starting at `start`), with their PCs,
/// computed from the registers (which hold the values as of the accessing instruction,
/// before any write-back).
///
/// unicorn only keeps the PC of the current translated block while it runs MMIO callbacks,
/// so this is how the board learns which instruction made an access.
fn block_accesses<'a>(
    uc: &'a Unicorn<'_, ()>,
    start: u64,
    words: &'a [u32],
) -> impl Iterator<Item = (u64, LoadStore)> + 'a {
    block_words(start, words).filter_map(move |(pc, insn)| {
        decode_ldst(insn, &|n| xreg(uc, n)).map(|access| (pc, access))
    })
}

/// Find the instruction that made a data access of `size` bytes to `addr`: a load/store in
/// the right direction of the current block that makes exactly this access, else one whose
/// range covers `addr`; if none matches (unusual addressing forms), the block address.
pub fn access_pc(
    uc: &Unicorn<'_, ()>,
    block: (u64, u32),
    addr: u64,
    size: usize,
    write: bool,
) -> u64 {
    let words = read_block(uc, block);
    let accesses: Vec<_> = block_accesses(uc, block.0, &words).collect();
    let right_way = || accesses.iter().filter(|(_, a)| a.store == write);
    right_way()
        .find(|(_, a)| a.is_element(addr, size as u64))
        .or_else(|| right_way().find(|(_, a)| a.covers(addr)))
        .map_or(block.0, |&(pc, _)| pc)
}

/// The access an instruction really makes, when the engine hands the MMIO window a piece of
/// it: unicorn splits 64- and 128-bit accesses into 32-bit ones, an unaligned access into
/// aligned ones, and `DC ZVA` into single bytes. Returns `Some((pc, access))` with the one
/// access (address, size) the instruction makes, or `None` when `size` bytes at `addr` is
/// an access of its own (or the instruction is not one the decoder knows: then the access
/// is taken as it comes, as before).
pub fn split_access(
    uc: &Unicorn<'_, ()>,
    cache: &mut BlockCode,
    block: (u64, u32),
    addr: u64,
    size: usize,
    write: bool,
) -> Option<(u64, LoadStore)> {
    // The cached loads and stores of the right direction, decoded with the registers now.
    let cached = cache
        .accesses(uc, block)
        .iter()
        .filter(|&&(_, _, store)| store == write)
        .filter_map(|&(pc, insn, _)| {
            decode_ldst(insn, &|n| xreg(uc, n)).map(|access| (pc, access))
        });
    split_in(cached, addr, size, write)?;
    let words = read_block(uc, block);
    split_in(block_accesses(uc, block.0, &words), addr, size, write)
}

fn split_in(
    accesses: impl Iterator<Item = (u64, LoadStore)>,
    addr: u64,
    size: usize,
    write: bool,
) -> Option<(u64, LoadStore)> {
    // One pass (this runs on every MMIO access): an exact access clears it at once.
    let mut covering = None;
    for (pc, access) in accesses {
        if access.store != write {
            continue;
        }
        if access.is_element(addr, size as u64) {
            return None;
        }
        if covering.is_none() && access.covers(addr) {
            covering = Some((pc, access));
        }
    }
    let (pc, access) = covering?;
    // Report the single access (one register of a pair) that contains `addr`.
    let offset = addr.wrapping_sub(access.addr);
    let element_at = access
        .addr
        .wrapping_add(offset / access.element * access.element);
    Some((
        pc,
        LoadStore {
            addr: element_at,
            len: access.element,
            ..access
        },
    ))
}

/// `DC ZVA` zeroes this many bytes (DCZID_EL0.BS = 4 words on the Cortex-A53: 64 bytes).
const ZVA_BLOCK: u64 = 64;

/// Effective address, size and direction of common load/store forms (and `DC ZVA`).
fn decode_ldst(insn: u32, xreg: &dyn Fn(u32) -> u64) -> Option<LoadStore> {
    let one = |addr: u64, len: u64, store: bool| LoadStore {
        addr,
        len,
        element: len,
        store,
    };
    if insn & 0xFFFF_FFE0 == 0xD50B_7420 {
        // DC ZVA, Xt: the whole aligned block.
        let addr = xreg(insn & 31) & !(ZVA_BLOCK - 1);
        return Some(one(addr, ZVA_BLOCK, true));
    }
    // Registers are read only for load/store forms (most words of a block are not).
    let base = || xreg((insn >> 5) & 31);
    let size = insn >> 30;
    if insn & 0x3F00_0000 == 0x0800_0000 {
        // Load/store exclusive, acquire/release (LDXR, STXR, LDAR, STLR, LDXP, ...): base
        // register only; bit 21 = pair.
        let element = 1u64 << size;
        let pair = insn >> 21 & 1 != 0 && size >= 2;
        return Some(LoadStore {
            addr: base(),
            len: if pair { 2 * element } else { element },
            element,
            store: insn >> 22 & 1 == 0,
        });
    }
    if insn & 0x3B00_0000 == 0x3900_0000 {
        // Load/store register, unsigned immediate.
        let vector = insn >> 26 & 1 != 0;
        let opc = insn >> 22 & 3;
        let scale = if vector && opc >= 2 { 4 } else { size };
        let imm = u64::from(insn >> 10 & 0xFFF) << scale;
        return Some(one(
            base().wrapping_add(imm),
            1 << scale,
            opc == 0 || (vector && opc == 2),
        ));
    }
    if insn & 0x3B20_0000 == 0x3800_0000 {
        // Unscaled / pre-index / post-index (9-bit signed immediate).
        let imm = i64::from(((insn >> 12 & 0x1FF) as i32) << 23 >> 23) as u64;
        let ea = if insn >> 10 & 3 == 1 {
            base()
        } else {
            base().wrapping_add(imm)
        };
        return Some(one(ea, 1 << size, insn >> 22 & 3 == 0));
    }
    if insn & 0x3B20_0C00 == 0x3820_0800 {
        // Register offset.
        let rm = xreg(insn >> 16 & 31);
        let option = insn >> 13 & 7;
        let off = match option {
            2 => rm & 0xFFFF_FFFF,
            6 => i64::from(rm as u32 as i32) as u64,
            _ => rm,
        };
        let shift = if insn >> 12 & 1 != 0 { size } else { 0 };
        return Some(one(
            base().wrapping_add(off << shift),
            1 << size,
            insn >> 22 & 3 == 0,
        ));
    }
    if insn & 0x3A00_0000 == 0x2800_0000 {
        // Load/store pair (general registers): two single accesses.
        let esize: u64 = if insn >> 31 != 0 { 8 } else { 4 };
        let imm = (i64::from(((insn >> 15 & 0x7F) as i32) << 25 >> 25) * esize as i64) as u64;
        let ea = if insn >> 23 & 3 == 1 {
            base()
        } else {
            base().wrapping_add(imm)
        };
        return Some(LoadStore {
            addr: ea,
            len: 2 * esize,
            element: esize,
            store: insn >> 22 & 1 == 0,
        });
    }
    None
}

pub fn fault_outcome(f: Fault, write: bool, size: usize, addr: u64, pc: u64) -> Outcome {
    match f {
        Fault::Unclaimed => Outcome::Unclaimed {
            write,
            size,
            addr,
            pc,
        },
        Fault::ClockOff(clock) => Outcome::Stopped {
            what: format!(
                "{} of {size} bytes at {addr:#x} while {clock} is off (the bus access would hang on hardware)",
                if write { "write" } else { "read" }
            ),
            pc,
        },
    }
}
