//! MSM IOMMU v1 translation context banks (the GPU IOMMU's two banks), from the ARM SMMU
//! context bank register layout (docs/hardware/iommu.md).
//!
//! Design notes:
//! - Only the context bank registers are modelled; the IOMMU's global space is not (Linux's
//!   `qcom_iommu` driver never touches it on this SoC), so an access there stops the run.
//! - Nothing is ever translated on the virtual board (no bus master behind this IOMMU runs),
//!   so no fault is ever raised: FSR is write-one-to-clear and nothing sets it, and the
//!   fault interrupt lines stay low. The configuration registers store what
//!   is written; the TLB maintenance registers accept writes and a TLB sync completes at once
//!   (TLBSTATUS.SACTIVE reads 0).

use crate::regfile::{Register, RegisterFile, Registers};

/// Number of context banks and their spacing.
pub const BANKS: u32 = 2;
/// Distance between context banks.
pub const BANK_STRIDE: u64 = 0x1000;

/// Register names (each an array over the banks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    /// SCTLR.
    Sctlr,
    /// ACTLR.
    Actlr,
    /// RESUME.
    Resume,
    /// TCR2.
    Tcr2,
    /// TTBR0 low word.
    Ttbr0Low,
    /// TTBR0 high word.
    Ttbr0High,
    /// TTBR1 low word.
    Ttbr1Low,
    /// TTBR1 high word.
    Ttbr1High,
    /// TCR.
    Tcr,
    /// CONTEXTIDR.
    ContextIdr,
    /// MAIR0.
    Mair0,
    /// MAIR1.
    Mair1,
    /// PAR low word.
    ParLow,
    /// PAR high word.
    ParHigh,
    /// FSR.
    Fsr,
    /// FAR low word.
    FarLow,
    /// FAR high word.
    FarHigh,
    /// FSYNR0.
    Fsynr0,
    /// TLBIVA.
    Tlbiva,
    /// TLBIVAA.
    Tlbivaa,
    /// TLBIASID.
    Tlbiasid,
    /// TLBIALL.
    Tlbiall,
    /// TLBIVAL.
    Tlbival,
    /// TLBSYNC.
    Tlbsync,
    /// TLBSTATUS.
    Tlbstatus,
}

const fn rw(id: Reg, name: &'static str, offset: u64) -> Register<Reg> {
    Register::rw(id, name, offset).array(BANKS, BANK_STRIDE)
}
const fn ro(id: Reg, name: &'static str, offset: u64) -> Register<Reg> {
    Register::ro(id, name, offset).array(BANKS, BANK_STRIDE)
}
const fn wo(id: Reg, name: &'static str, offset: u64) -> Register<Reg> {
    Register::wo(id, name, offset).array(BANKS, BANK_STRIDE)
}

static REGISTERS: [Register<Reg>; 25] = [
    rw(Reg::Sctlr, "SCTLR", 0x000),
    rw(Reg::Actlr, "ACTLR", 0x004),
    wo(Reg::Resume, "RESUME", 0x008),
    rw(Reg::Tcr2, "TCR2", 0x010),
    rw(Reg::Ttbr0Low, "TTBR0", 0x020),
    rw(Reg::Ttbr0High, "TTBR0_HIGH", 0x024),
    rw(Reg::Ttbr1Low, "TTBR1", 0x028),
    rw(Reg::Ttbr1High, "TTBR1_HIGH", 0x02C),
    rw(Reg::Tcr, "TCR", 0x030),
    rw(Reg::ContextIdr, "CONTEXTIDR", 0x034),
    rw(Reg::Mair0, "MAIR0", 0x038),
    rw(Reg::Mair1, "MAIR1", 0x03C),
    ro(Reg::ParLow, "PAR", 0x050),
    ro(Reg::ParHigh, "PAR_HIGH", 0x054),
    Register::w1c(Reg::Fsr, "FSR", 0x058).array(BANKS, BANK_STRIDE),
    ro(Reg::FarLow, "FAR", 0x060),
    ro(Reg::FarHigh, "FAR_HIGH", 0x064),
    ro(Reg::Fsynr0, "FSYNR0", 0x068),
    wo(Reg::Tlbiva, "TLBIVA", 0x600),
    wo(Reg::Tlbivaa, "TLBIVAA", 0x608),
    wo(Reg::Tlbiasid, "TLBIASID", 0x610),
    wo(Reg::Tlbiall, "TLBIALL", 0x618),
    wo(Reg::Tlbival, "TLBIVAL", 0x620),
    wo(Reg::Tlbsync, "TLBSYNC", 0x7F0),
    ro(Reg::Tlbstatus, "TLBSTATUS", 0x7F4),
];

/// The context banks of one MSM IOMMU v1.
#[derive(Debug, Clone)]
pub struct MsmIommu {
    regs: RegisterFile<Reg>,
}

impl Default for MsmIommu {
    fn default() -> Self {
        Self {
            regs: RegisterFile::new(&REGISTERS),
        }
    }
}

impl Registers for MsmIommu {
    type Id = Reg;

    fn file(&mut self, _window: usize) -> &mut RegisterFile<Reg> {
        &mut self.regs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::Fault;
    use crate::bus::testing::access;

    #[test]
    fn banks_store_configuration_and_fsr_is_write_one_to_clear() {
        let mut m = MsmIommu::default();
        // Linux reads FSR at probe and writes the value back to clear it.
        assert_eq!(access(&mut m, 0x058, 4, None), Ok(0));
        access(&mut m, 0x058, 4, Some(0xFFFF_FFFF)).unwrap();
        assert_eq!(access(&mut m, 0x1058, 4, None), Ok(0));
        // The two banks (window offsets 0x0 and 0x1000) hold their own TTBR0.
        access(&mut m, 0x1020, 4, Some(0x8000_1000)).unwrap();
        assert_eq!(access(&mut m, 0x1020, 4, None), Ok(0x8000_1000));
        assert_eq!(access(&mut m, 0x0020, 4, None), Ok(0));
        // A TLB sync completes at once.
        access(&mut m, 0x7F0, 4, Some(0)).unwrap();
        assert_eq!(access(&mut m, 0x7F4, 4, None), Ok(0));
        // Write-only and read-only registers refuse the other direction; gaps are unclaimed.
        assert_eq!(access(&mut m, 0x7F0, 4, None), Err(Fault::Unclaimed));
        assert_eq!(access(&mut m, 0x7F4, 4, Some(1)), Err(Fault::Unclaimed));
        assert_eq!(access(&mut m, 0x040, 4, None), Err(Fault::Unclaimed));
        assert_eq!(access(&mut m, 0x2000, 4, None), Err(Fault::Unclaimed));
    }
}
