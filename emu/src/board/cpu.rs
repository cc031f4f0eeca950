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

/// The board's DRAM: one host buffer that every core's engine maps (`mem_map_ptr`), so a
/// store by one core is seen by all. It must outlive every engine that maps it.
///
/// Allocated with the allocator's default alignment and aligned to a page inside: for a
/// larger alignment the allocator zeroes the whole gigabyte by hand (0.6 s of system time and
/// 1 GiB of memory touched on every run), while at the default alignment it takes zeroed
/// pages from the system, which touches only the pages the firmware uses.
pub struct Dram {
    /// The allocation.
    base: *mut u8,
    /// Page-aligned DRAM inside it.
    ptr: *mut u8,
    /// Physical pages devices wrote by DMA since the board last took them
    /// (`take_device_writes`): the engines' translated code from them is stale.
    device_writes: std::cell::RefCell<Vec<u64>>,
}

impl Dram {
    const PAGE: usize = 1 << 12;
    const LAYOUT: std::alloc::Layout =
        match std::alloc::Layout::from_size_align(DRAM_SIZE as usize + Self::PAGE, 16) {
            Ok(layout) => layout,
            Err(_) => panic!("DRAM layout"),
        };

    /// Zeroed DRAM (the host gives pages on first touch).
    pub fn new() -> Result<Self, String> {
        // SAFETY: the layout has a non-zero size.
        let base = unsafe { std::alloc::alloc_zeroed(Self::LAYOUT) };
        if base.is_null() {
            return Err("cannot allocate the DRAM buffer".into());
        }
        let offset = base.align_offset(Self::PAGE);
        if offset >= Self::PAGE {
            // SAFETY: allocated just above with this layout.
            unsafe { std::alloc::dealloc(base, Self::LAYOUT) };
            return Err("cannot align the DRAM buffer".into());
        }
        // SAFETY: `offset < PAGE`, so DRAM_SIZE bytes from `base + offset` are inside the
        // allocation of DRAM_SIZE + PAGE bytes.
        let ptr = unsafe { base.add(offset) };
        Ok(Self {
            base,
            ptr,
            device_writes: Default::default(),
        })
    }

    /// The 32-bit word at physical address `addr`, if it is in DRAM.
    pub fn word(&self, addr: u64) -> Option<u32> {
        let offset = addr.checked_sub(DRAM_BASE)?;
        if offset.checked_add(4)? > DRAM_SIZE {
            return None;
        }
        let mut bytes = [0u8; 4];
        // SAFETY: `offset + 4` is inside the allocation; the engines run on this thread, so
        // no guest store happens during the copy.
        unsafe {
            std::ptr::copy_nonoverlapping(self.ptr.add(offset as usize), bytes.as_mut_ptr(), 4);
        }
        Some(u32::from_le_bytes(bytes))
    }

    /// The host address of `len` bytes at physical `addr`, if they are all in DRAM.
    fn span(&self, addr: u64, len: usize) -> Option<*mut u8> {
        let offset = addr.checked_sub(DRAM_BASE)?;
        if offset.checked_add(len as u64)? > DRAM_SIZE {
            return None;
        }
        // SAFETY: `offset + len <= DRAM_SIZE`, so the pointer stays inside the allocation.
        Some(unsafe { self.ptr.add(offset as usize) })
    }

    /// Map this DRAM into `uc`.
    fn map_into(&self, uc: &mut Unicorn<'static, ()>) -> Result<(), String> {
        // SAFETY: the buffer is DRAM_SIZE bytes, page aligned, and outlives the engine (the
        // board drops its engines before the DRAM).
        unsafe { uc.mem_map_ptr(DRAM_BASE, DRAM_SIZE, Prot::ALL, self.ptr.cast()) }.map_err(fail)
    }
}

/// DRAM as the DMA masters see it (`bus::GuestMemory`).
impl crate::bus::GuestMemory for Dram {
    fn read(&self, addr: u64, buffer: &mut [u8]) -> bool {
        let Some(from) = self.span(addr, buffer.len()) else {
            return false;
        };
        // SAFETY: `span` checked that the bytes are inside the allocation; the engines run
        // on this thread, so no guest store happens during the copy.
        unsafe { std::ptr::copy_nonoverlapping(from, buffer.as_mut_ptr(), buffer.len()) };
        true
    }

    fn write(&self, addr: u64, data: &[u8]) -> bool {
        let Some(to) = self.span(addr, data.len()) else {
            return false;
        };
        // SAFETY: as in `read`; the DRAM is only ever accessed through this raw pointer (by
        // the engines and here), never through a Rust reference to its bytes.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), to, data.len()) };
        if !data.is_empty() {
            let mut pages = self.device_writes.borrow_mut();
            let last = (addr + data.len() as u64 - 1) >> 12;
            for page in (addr >> 12)..=last {
                if !pages.contains(&(page << 12)) {
                    pages.push(page << 12);
                }
            }
        }
        true
    }
}

impl Dram {
    /// The physical pages devices wrote by DMA since the last call.
    pub fn take_device_writes(&self) -> Vec<u64> {
        std::mem::take(&mut *self.device_writes.borrow_mut())
    }
}

impl Drop for Dram {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with the same layout; no engine maps it any more.
        unsafe { std::alloc::dealloc(self.base, Self::LAYOUT) };
    }
}

/// A fresh Cortex-A53 engine (MIDR_EL1 0x410F_D034, checked by `tests/cpu_identity.rs`)
/// mapping `dram` (no MMIO yet).
///
/// The CPU model must be chosen before anything is mapped (the engine refuses it later).
pub fn new_engine(dram: &Dram) -> Result<Unicorn<'static, ()>, String> {
    let mut uc = Unicorn::new(Arch::ARM64, Mode::ARM).map_err(fail)?;
    uc.ctl_set_cpu_model(sys::Arm64CpuModel::A53.into())
        .map_err(fail)?;
    dram.map_into(&mut uc)?;
    Ok(uc)
}

/// Write the image into DRAM through `uc`.
pub fn load(uc: &mut Unicorn<'_, ()>, image: &LoadedImage) -> Result<(), String> {
    for (addr, bytes) in &image.chunks {
        uc.mem_write(*addr, bytes).map_err(fail)?;
    }
    Ok(())
}

/// VMPIDR_EL2 (S3_4_C0_C0_5): the MPIDR_EL1 value Non-secure EL1 reads.
pub fn vmpidr_el2(val: u64) -> RegisterARM64CP {
    cp(3, 4, 0, 0, 5, val)
}

/// MPIDR_EL1 of core `core`: bit 31 (RES1), uniprocessor bit clear, Aff0 = core.
pub const fn mpidr(core: usize) -> u64 {
    0x8000_0000 | core as u64
}

/// State of a secondary core started by PSCI CPU_ON (PSCI 1.0, "CPU_ON"): AArch64 EL1h
/// Non-secure, DAIF masked, MMU and caches off (a fresh engine), PC = `entry`,
/// x0 = `context`, MPIDR_EL1 reads `mpidr(core)`.
pub fn start_secondary(
    uc: &mut Unicorn<'_, ()>,
    core: usize,
    entry: u64,
    context: u64,
) -> Result<(), String> {
    uc.reg_write(RegisterARM64::PSTATE, pstate_elh(3))
        .map_err(fail)?;
    uc.reg_write_arm64_coproc(&scr_el3(SCR_EL3_NS | SCR_EL3_HCE | SCR_EL3_RW))
        .map_err(fail)?;
    uc.reg_write_arm64_coproc(&hcr_el2(super::interrupts::with_line(HCR_EL2_RW, false)))
        .map_err(fail)?;
    uc.reg_write_arm64_coproc(&vmpidr_el2(mpidr(core)))
        .map_err(fail)?;
    uc.reg_write(RegisterARM64::PSTATE, pstate_elh(1))
        .map_err(fail)?;
    uc.reg_write_arm64_coproc(&spsr_el1(pstate_elh(1)))
        .map_err(fail)?;
    uc.reg_write(RegisterARM64::X0, context).map_err(fail)?;
    uc.reg_write(RegisterARM64::PC, entry).map_err(fail)?;
    Ok(())
}

/// State of a core woken from a power-down state of PSCI CPU_SUSPEND (PSCI 1.0,
/// "CPU_SUSPEND": as after CPU_ON): AArch64 EL1h, DAIF masked, MMU and caches off, PC =
/// `entry`, x0 = `context`. The engine is the core's own (its translated code stays valid:
/// it is keyed by physical address); its TLB is dropped, as translations made with the MMU on
/// must not answer fetches made with it off.
pub fn resume_from_power_down(
    uc: &mut Unicorn<'_, ()>,
    entry: u64,
    context: u64,
) -> Result<(), String> {
    let mut sctlr = sctlr_el1(0);
    uc.reg_read_arm64_coproc(&mut sctlr).map_err(fail)?;
    sctlr.val &= !(SCTLR_I | SCTLR_C | SCTLR_M);
    uc.reg_write_arm64_coproc(&sctlr).map_err(fail)?;
    // The SPSR write makes the engine recompute its cached flags (as for the milestone call).
    uc.reg_write(RegisterARM64::PSTATE, pstate_elh(1))
        .map_err(fail)?;
    uc.reg_write_arm64_coproc(&spsr_el1(pstate_elh(1)))
        .map_err(fail)?;
    uc.reg_write(RegisterARM64::X0, context).map_err(fail)?;
    uc.reg_write(RegisterARM64::PC, entry).map_err(fail)?;
    uc.ctl_flush_tlb().map_err(fail)
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
