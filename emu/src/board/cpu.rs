//! The CPU: engine creation and the architectural state at entry, with every magic number
//! of the reset sequence named.

use unicorn_engine::{Arch, Mode, Prot, RegisterARM64, RegisterARM64CP, Unicorn};
use unicorn_engine_sys as sys;

use crate::loader::{DRAM_BASE, DRAM_SIZE, LoadedImage};

use super::fail;

/// PSTATE.D, .A, .I, .F (bits 9..6): all four exception classes masked.
pub const PSTATE_DAIF_MASKED: u64 = 0b1111 << 6;
/// PSTATE.M[0] (the `h` of ELxh): the exception level's own stack pointer (SP_ELx).
pub const PSTATE_SP_ELX: u64 = 1;
/// PSTATE.M[3:2]: the exception level.
pub const PSTATE_EL_SHIFT: u32 = 2;
/// PSTATE.M[3:2] mask (after the shift).
pub const PSTATE_EL_MASK: u64 = 0b11;

/// SCR_EL3.NS (bit 0): lower exception levels are Non-secure.
pub const SCR_EL3_NS: u64 = 1 << 0;
/// SCR_EL3.HCE (bit 8): HVC is enabled at EL1 and above.
pub const SCR_EL3_HCE: u64 = 1 << 8;
/// SCR_EL3.RW (bit 10): the next lower level (EL2) is AArch64.
pub const SCR_EL3_RW: u64 = 1 << 10;
/// HCR_EL2.RW (bit 31): EL1 is AArch64.
pub const HCR_EL2_RW: u64 = 1 << 31;

/// SCTLR_ELx.M (bit 0): MMU enable.
pub const SCTLR_M: u64 = 1 << 0;
/// SCTLR_ELx.C (bit 2): data cache enable.
pub const SCTLR_C: u64 = 1 << 2;
/// SCTLR_ELx.I (bit 12): instruction cache enable.
pub const SCTLR_I: u64 = 1 << 12;

/// PSTATE (and SPSR) value for ELxh with DAIF masked.
pub const fn pstate_elh(el: u64) -> u64 {
    PSTATE_DAIF_MASKED | (el << PSTATE_EL_SHIFT) | PSTATE_SP_ELX
}

/// The current exception level encoded in a PSTATE value.
pub const fn pstate_el(pstate: u64) -> u64 {
    (pstate >> PSTATE_EL_SHIFT) & PSTATE_EL_MASK
}

/// A system register by its MRS/MSR encoding (op0, op1, CRn, CRm, op2) with a value.
pub fn cp(op0: u32, op1: u32, crn: u32, crm: u32, op2: u32, val: u64) -> RegisterARM64CP {
    RegisterARM64CP {
        crn,
        crm,
        op0,
        op1,
        op2,
        val,
    }
}

/// SCR_EL3 (S3_6_C1_C1_0).
pub fn scr_el3(val: u64) -> RegisterARM64CP {
    cp(3, 6, 1, 1, 0, val)
}

/// HCR_EL2 (S3_4_C1_C1_0).
pub fn hcr_el2(val: u64) -> RegisterARM64CP {
    cp(3, 4, 1, 1, 0, val)
}

/// SPSR_EL1 (S3_0_C4_C0_0).
pub fn spsr_el1(val: u64) -> RegisterARM64CP {
    cp(3, 0, 4, 0, 0, val)
}

/// SPSR_EL2 (S3_4_C4_C0_0).
pub fn spsr_el2(val: u64) -> RegisterARM64CP {
    cp(3, 4, 4, 0, 0, val)
}

/// SPSR of the given exception level (1 or 2).
pub fn spsr_el(el: u64, val: u64) -> RegisterARM64CP {
    if el == 2 {
        spsr_el2(val)
    } else {
        spsr_el1(val)
    }
}

/// SCTLR_EL1 (S3_0_C1_C0_0).
pub fn sctlr_el1(val: u64) -> RegisterARM64CP {
    cp(3, 0, 1, 0, 0, val)
}

/// A fresh Cortex-A53 engine (MIDR_EL1 0x410F_D034, checked by `tests/cpu_identity.rs`) with DRAM mapped and the image written into it (no MMIO yet).
///
/// The CPU model must be chosen before anything is mapped (the engine refuses it later).
pub fn new_engine(image: &LoadedImage) -> Result<Unicorn<'static, ()>, String> {
    let mut uc = Unicorn::new(Arch::ARM64, Mode::ARM).map_err(fail)?;
    uc.ctl_set_cpu_model(sys::Arm64CpuModel::A53.into())
        .map_err(fail)?;
    uc.mem_map(DRAM_BASE, DRAM_SIZE, Prot::ALL).map_err(fail)?;
    for (addr, bytes) in &image.chunks {
        uc.mem_write(*addr, bytes).map_err(fail)?;
    }
    Ok(uc)
}

/// CPU state at entry (docs/hardware/boot.md#cpu-state-at-entry): AArch64, MMU/caches off, DAIF masked, Non-secure, at
/// `entry_el` (1 or 2) on its own stack pointer; x0 from the image, x1..x3 zero.
///
/// unicorn starts in Secure EL1, so this passes through EL3h to make the lower levels
/// Non-secure AArch64 (SCR_EL3, HCR_EL2) before dropping to the entry level.
pub fn reset(uc: &mut Unicorn<'_, ()>, image: &LoadedImage, entry_el: u8) -> Result<(), String> {
    let el = u64::from(entry_el);
    uc.reg_write(RegisterARM64::PSTATE, pstate_elh(3))
        .map_err(fail)?;
    uc.reg_write_arm64_coproc(&scr_el3(SCR_EL3_NS | SCR_EL3_HCE | SCR_EL3_RW))
        .map_err(fail)?;
    // IMO/FMO: the board drives HCR_EL2.VI as the IRQ line (`interrupts`).
    uc.reg_write_arm64_coproc(&hcr_el2(super::interrupts::with_line(HCR_EL2_RW, false)))
        .map_err(fail)?;
    uc.reg_write(RegisterARM64::PSTATE, pstate_elh(el))
        .map_err(fail)?;
    uc.reg_write_arm64_coproc(&spsr_el(el, pstate_elh(el)))
        .map_err(fail)?;
    uc.reg_write(RegisterARM64::X0, image.x0).map_err(fail)?;
    for r in [RegisterARM64::X1, RegisterARM64::X2, RegisterARM64::X3] {
        uc.reg_write(r, 0).map_err(fail)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_constants_match_the_reset_values() {
        assert_eq!(pstate_elh(3), 0x3CD);
        assert_eq!(pstate_elh(2), 0x3C9);
        assert_eq!(pstate_elh(1), 0x3C5);
        assert_eq!(SCR_EL3_NS | SCR_EL3_HCE | SCR_EL3_RW, 0x501);
        assert_eq!(HCR_EL2_RW, 0x8000_0000);
        assert_eq!(pstate_el(0x3C9), 2);
    }
}
