//! Where a faulting MMIO access came from, and how a bus fault ends the run.

use unicorn_engine::{Prot, RegisterARM64, Unicorn};

use crate::bus::Fault;

use super::Outcome;

/// Find the instruction that made a data access to `addr`.
///
/// unicorn only keeps the PC of the current translated block while it runs MMIO callbacks, so
/// we decode the loads/stores of that block and compute their addresses from the registers
/// (which hold the values as of the faulting instruction, before any write-back). The first
/// load/store in the right direction whose address range covers `addr` is the culprit; if
/// none matches (unusual addressing forms), the block address is reported.
pub fn access_pc(uc: &Unicorn<'_, ()>, block: (u64, u32), addr: u64, write: bool) -> u64 {
    let xreg = |n: u32| -> u64 {
        let id = match n {
            29 => RegisterARM64::X29 as i32,
            30 => RegisterARM64::X30 as i32,
            31 => RegisterARM64::SP as i32,
            n => RegisterARM64::X0 as i32 + n as i32,
        };
        uc.reg_read(id).unwrap_or(0)
    };
    let (start, size) = block;
    let mut code = vec![0u8; size as usize];
    // The block address is virtual when the MMU is on: read it as the CPU fetched it.
    if uc.vmem_read(start, Prot::EXEC, &mut code).is_err() {
        return start;
    }
    for (k, w) in code.chunks_exact(4).enumerate() {
        let insn = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
        if let Some((ea, len, store)) = decode_ldst(insn, &xreg)
            && store == write
            && (ea..ea.wrapping_add(len)).contains(&addr)
        {
            return start + 4 * k as u64;
        }
    }
    start
}

/// Effective address, bytes touched and direction (true = store) of common load/store forms.
fn decode_ldst(insn: u32, xreg: &dyn Fn(u32) -> u64) -> Option<(u64, u64, bool)> {
    let rn = (insn >> 5) & 31;
    let base = xreg(rn);
    let size = insn >> 30;
    if insn & 0x3B00_0000 == 0x3900_0000 {
        // Load/store register, unsigned immediate.
        let vector = insn >> 26 & 1 != 0;
        let opc = insn >> 22 & 3;
        let scale = if vector && opc >= 2 { 4 } else { size };
        let imm = u64::from(insn >> 10 & 0xFFF) << scale;
        return Some((
            base.wrapping_add(imm),
            1 << scale,
            opc == 0 || (vector && opc == 2),
        ));
    }
    if insn & 0x3B20_0000 == 0x3800_0000 {
        // Unscaled / pre-index / post-index (9-bit signed immediate).
        let imm = i64::from(((insn >> 12 & 0x1FF) as i32) << 23 >> 23) as u64;
        let ea = if insn >> 10 & 3 == 1 {
            base
        } else {
            base.wrapping_add(imm)
        };
        return Some((ea, 1 << size, insn >> 22 & 3 == 0));
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
        return Some((
            base.wrapping_add(off << shift),
            1 << size,
            insn >> 22 & 3 == 0,
        ));
    }
    if insn & 0x3A00_0000 == 0x2800_0000 {
        // Load/store pair (general registers).
        let esize = if insn >> 31 != 0 { 8 } else { 4 };
        let imm = (i64::from(((insn >> 15 & 0x7F) as i32) << 25 >> 25) * esize as i64) as u64;
        let ea = if insn >> 23 & 3 == 1 {
            base
        } else {
            base.wrapping_add(imm)
        };
        return Some((ea, 2 * esize, insn >> 22 & 1 == 0));
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
