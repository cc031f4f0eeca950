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
/// PC and its [`Shape`] (all the word says; the address needs the registers, read at each
/// access). Only used to clear an access as whole; a split is
/// always confirmed from a fresh read (code can change under a cached copy).
#[derive(Debug, Default)]
pub struct BlockCode {
    block: (u64, u32),
    /// Whether the block's code was read (a failed or empty read is tried again next time).
    read: bool,
    /// The block's loads and stores: PC and shape.
    accesses: Vec<(u64, Shape)>,
}

impl BlockCode {
    fn accesses(&mut self, uc: &Unicorn<'_, ()>, block: (u64, u32)) -> &[(u64, Shape)] {
        if self.block != block || !self.read {
            let words = read_block(uc, block);
            self.block = block;
            self.read = !words.is_empty();
            self.accesses = block_words(block.0, &words)
                .filter_map(|(pc, insn)| Some((pc, decode_shape(insn)?)))
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
    block_words(start, words)
        .filter_map(move |(pc, insn)| decode_ldst(insn, |n| xreg(uc, n)).map(|access| (pc, access)))
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
        .filter(|(_, shape)| shape.store == write)
        .map(|(pc, shape)| (*pc, shape.access(|n| xreg(uc, n))));
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

/// A load or store as its instruction word alone describes it; the address comes from the
/// registers: `(X[base] & base_mask) + extend(X[index]) << shift + imm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape {
    base: u32,
    base_mask: u64,
    imm: u64,
    /// Register offset: (register, extend option, shift).
    index: Option<(u32, u32, u32)>,
    len: u64,
    element: u64,
    store: bool,
}

impl Shape {
    /// A single access of `len` bytes at the base register plus `imm`.
    fn one(insn: u32, imm: u64, len: u64, store: bool) -> Self {
        Self {
            base: insn >> 5 & 31,
            base_mask: u64::MAX,
            imm,
            index: None,
            len,
            element: len,
            store,
        }
    }

    /// The access with the registers' values now.
    fn access(&self, xreg: impl Fn(u32) -> u64) -> LoadStore {
        let offset = self.index.map_or(0, |(rm, option, shift)| {
            let rm = xreg(rm);
            let off = match option {
                2 => rm & 0xFFFF_FFFF,
                6 => i64::from(rm as u32 as i32) as u64,
                _ => rm,
            };
            off << shift
        });
        LoadStore {
            addr: (xreg(self.base) & self.base_mask)
                .wrapping_add(offset)
                .wrapping_add(self.imm),
            len: self.len,
            element: self.element,
            store: self.store,
        }
    }
}

/// Effective address, size and direction of common load/store forms (and `DC ZVA`).
fn decode_ldst(insn: u32, xreg: impl Fn(u32) -> u64) -> Option<LoadStore> {
    decode_shape(insn).map(|shape| shape.access(xreg))
}

/// The [`Shape`] of common load/store forms (and `DC ZVA`); `None` for other words.
fn decode_shape(insn: u32) -> Option<Shape> {
    if insn & 0xFFFF_FFE0 == 0xD50B_7420 {
        // DC ZVA, Xt: the whole aligned block.
        return Some(Shape {
            base: insn & 31,
            base_mask: !(ZVA_BLOCK - 1),
            ..Shape::one(insn, 0, ZVA_BLOCK, true)
        });
    }
    let size = insn >> 30;
    if insn & 0x3F00_0000 == 0x0800_0000 {
        // Load/store exclusive, acquire/release (LDXR, STXR, LDAR, STLR, LDXP, ...): base
        // register only; bit 21 = pair.
        let element = 1u64 << size;
        let pair = insn >> 21 & 1 != 0 && size >= 2;
        return Some(Shape {
            len: if pair { 2 * element } else { element },
            element,
            ..Shape::one(insn, 0, element, insn >> 22 & 1 == 0)
        });
    }
    if insn & 0x3B00_0000 == 0x3900_0000 {
        // Load/store register, unsigned immediate.
        let vector = insn >> 26 & 1 != 0;
        let opc = insn >> 22 & 3;
        let scale = if vector && opc >= 2 { 4 } else { size };
        let imm = u64::from(insn >> 10 & 0xFFF) << scale;
        return Some(Shape::one(
            insn,
            imm,
            1 << scale,
            opc == 0 || (vector && opc == 2),
        ));
    }
    if insn & 0x3B20_0000 == 0x3800_0000 {
        // Unscaled / pre-index / post-index (9-bit signed immediate; post-index: none).
        let imm = i64::from(((insn >> 12 & 0x1FF) as i32) << 23 >> 23) as u64;
        let imm = if insn >> 10 & 3 == 1 { 0 } else { imm };
        return Some(Shape::one(insn, imm, 1 << size, insn >> 22 & 3 == 0));
    }
    if insn & 0x3B20_0C00 == 0x3820_0800 {
        // Register offset.
        let shift = if insn >> 12 & 1 != 0 { size } else { 0 };
        return Some(Shape {
            index: Some((insn >> 16 & 31, insn >> 13 & 7, shift)),
            ..Shape::one(insn, 0, 1 << size, insn >> 22 & 3 == 0)
        });
    }
    if insn & 0x3A00_0000 == 0x2800_0000 {
        // Load/store pair (general registers): two single accesses (post-index: no offset).
        let esize: u64 = if insn >> 31 != 0 { 8 } else { 4 };
        let imm = (i64::from(((insn >> 15 & 0x7F) as i32) << 25 >> 25) * esize as i64) as u64;
        let imm = if insn >> 23 & 3 == 1 { 0 } else { imm };
        return Some(Shape {
            len: 2 * esize,
            element: esize,
            ..Shape::one(insn, imm, esize, insn >> 22 & 1 == 0)
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
        Fault::Dma(problem) => Outcome::Stopped {
            what: format!(
                "{} of {size} bytes at {addr:#x} started a DMA transfer that {problem}",
                if write { "write" } else { "read" }
            ),
            pc,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// X2 is -16, X5 0x6_0025 (not 64-byte aligned); SP 0x8000_0000; every other Xn is
    /// 0x1_0000 × (n + 1).
    fn xreg(n: u32) -> u64 {
        match n {
            2 => -16i64 as u64,
            5 => 0x6_0025,
            31 => 0x8000_0000,
            n => 0x1_0000 * u64::from(n + 1),
        }
    }

    fn access(addr: u64, len: u64, element: u64, store: bool) -> Option<LoadStore> {
        Some(LoadStore {
            addr,
            len,
            element,
            store,
        })
    }

    #[test]
    fn decodes_the_forms_it_knows() {
        let (x1, x3, x5, x7) = (0x2_0000, 0x4_0000, 0x6_0025, 0x8_0000);
        let cases = [
            // ldr w5, [x7, #8]
            (0xB940_08E5, access(x7 + 8, 4, 4, false)),
            // str w1, [x2], #4 (post-index: the access is at x2)
            (0xB800_4441, access(-16i64 as u64, 4, 4, true)),
            // ldur x0, [x1, #-8]
            (0xF85F_8020, access(x1 - 8, 8, 8, false)),
            // ldr x0, [x1, x2, lsl #3]
            (0xF862_7820, access(x1 - 128, 8, 8, false)),
            // ldr w0, [x1, w2, sxtw]
            (0xB862_C820, access(x1 - 16, 4, 4, false)),
            // ldp w1, w2, [x3, #-8]
            (0x297F_0861, access(x3 - 8, 8, 4, false)),
            // stp x1, x2, [sp, #-16]!
            (0xA9BF_0BE1, access(0x8000_0000 - 16, 16, 8, true)),
            // stp x1, x2, [x3], #16 (post-index)
            (0xA881_0861, access(x3, 16, 8, true)),
            // ldxr w0, [x1]; ldxp x0, x1, [x2]; stxr w3, w0, [x1]
            (0x885F_7C20, access(x1, 4, 4, false)),
            (0xC87F_0440, access(-16i64 as u64, 16, 8, false)),
            (0x8803_7C20, access(x1, 4, 4, true)),
            // dc zva, x5: the 64-byte block X5 is in
            (0xD50B_7425, access(x5 & !63, 64, 64, true)),
            // ldr q0, [x1, #16]; str q0, [x1, #16]
            (0x3DC0_0420, access(x1 + 16, 16, 16, false)),
            (0x3D80_0420, access(x1 + 16, 16, 16, true)),
            // subs x0, x0, #1; b.ne .-4: not loads or stores
            (0xF100_0400, None),
            (0x54FF_FFE1, None),
        ];
        for (insn, expected) in cases {
            assert_eq!(decode_ldst(insn, xreg), expected, "{insn:#010x}");
            // The cached shape gives the same access, and says the direction alone.
            let shape = decode_shape(insn);
            assert_eq!(shape.map(|s| s.access(xreg)), expected, "{insn:#010x}");
            assert_eq!(shape.map(|s| s.store), expected.map(|a| a.store));
        }
    }

    #[test]
    fn elements_and_pieces() {
        // ldp w1, w2, [x3]: two 4-byte elements; a 4-byte piece at +2 is neither.
        let pair = LoadStore {
            addr: 0x1000,
            len: 8,
            element: 4,
            store: false,
        };
        assert!(pair.is_element(0x1000, 4) && pair.is_element(0x1004, 4));
        assert!(!pair.is_element(0x1002, 4) && !pair.is_element(0x1000, 8));
        assert!(!pair.is_element(0x1008, 4) && !pair.is_element(0xFFC, 4));
        assert!(pair.covers(0x1007) && !pair.covers(0x1008) && !pair.covers(0xFFF));
        // A 64-bit access split into 32-bit pieces: the pieces are not elements.
        let wide = LoadStore { element: 8, ..pair };
        assert!(wide.is_element(0x1000, 8) && !wide.is_element(0x1000, 4));
        assert!(!wide.is_element(0x1004, 4));
    }
}
