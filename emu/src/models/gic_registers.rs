//! The GIC's register maps (distributor: window 0, CPU interface: window 1) on the state
//! machine in `gic` (docs/hardware/gic-timers.md#gicv2-qgic2).
//!
//! Design notes:
//! - Every register range of the architecture's map is claimed in full (e.g. 32 words of
//!   ISENABLER): the entries of IDs past the 288 implemented read as zero and ignore writes,
//!   as the architecture specifies, so drivers that walk the whole range (the `arm-gic` crate
//!   does) work. Reserved offsets between the ranges are unclaimed.
//! - Word registers follow the register files' width policy (32 bits at their address);
//!   IPRIORITYR, ITARGETSR, CPENDSGIR and SPENDSGIR are byte windows that take byte and word
//!   accesses (a halfword access is unclaimed, as the architecture allows only those two).
//! - Registers the Non-secure guest sees as RAZ/WI (IGROUPR, ABPR, AIAR, AEOIR, AHPPIR) are
//!   plain registers with no writable bits.
//! - Every access that can change what the CPU interface signals sets
//!   `Effects::interrupts_changed`, so the board re-evaluates the IRQ line.

use crate::bus::{Ctx, Fault};
use crate::models::gic::{BitReg, CPUS, Gic, LINES};
use crate::regfile::{Hit, Kind, Register, RegisterFile, Registers};

/// Register names of both windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    /// GICD_CTLR.
    DistCtlr,
    /// GICD_TYPER.
    Typer,
    /// GICD_IIDR.
    DistIidr,
    /// GICD_IGROUPRn (RAZ/WI for Non-secure accesses).
    Igroupr,
    /// GICD_ISENABLERn.
    Isenabler,
    /// GICD_ICENABLERn.
    Icenabler,
    /// GICD_ISPENDRn.
    Ispendr,
    /// GICD_ICPENDRn.
    Icpendr,
    /// GICD_ISACTIVERn.
    Isactiver,
    /// GICD_ICACTIVERn.
    Icactiver,
    /// GICD_IPRIORITYRn (bytes).
    Ipriorityr,
    /// GICD_ITARGETSRn (bytes).
    Itargetsr,
    /// GICD_ICFGRn.
    Icfgr,
    /// GICD_SGIR.
    Sgir,
    /// GICD_CPENDSGIRn (bytes).
    Cpendsgir,
    /// GICD_SPENDSGIRn (bytes).
    Spendsgir,
    /// GICC_CTLR.
    CpuCtlr,
    /// GICC_PMR.
    Pmr,
    /// GICC_BPR.
    Bpr,
    /// GICC_IAR.
    Iar,
    /// GICC_EOIR.
    Eoir,
    /// GICC_RPR.
    Rpr,
    /// GICC_HPPIR.
    Hppir,
    /// GICC_ABPR (RAZ/WI, Non-secure).
    Abpr,
    /// GICC_AIAR (RAZ, Non-secure).
    Aiar,
    /// GICC_AEOIR (WI, Non-secure).
    Aeoir,
    /// GICC_AHPPIR (RAZ, Non-secure).
    Ahppir,
    /// GICC_IIDR.
    CpuIidr,
    /// GICC_DIR.
    Dir,
}

/// Words of one bit per interrupt in the architectural register ranges (IDs 0..1023); the
/// bits of IDs past `LINES` read as zero and ignore writes, as the architecture says.
const BIT_WORDS: u32 = 32;
/// Bytes of the IPRIORITYR and ITARGETSR ranges (0x400 each).
const BYTE_RANGE: u64 = 0x400;

/// GICD_TYPER: ITLinesNumber (4:0), CPUNumber (7:5), SecurityExtn (10).
pub const TYPER: u32 = (LINES as u32 / 32 - 1) | ((CPUS as u32 - 1) << 5) | (1 << 10);
/// GICD_IIDR: the chip's value is not recorded in our sources; the model reports
/// Qualcomm's JEP106 code (0x070) with product and revision 0.
pub const DIST_IIDR: u32 = 0x0000_0070;
/// GICC_IIDR: architecture version 2 (19:16) and the same implementer code.
pub const CPU_IIDR: u32 = 0x0002_0070;

static DISTRIBUTOR: [Register<Reg>; 16] = [
    Register::rw(Reg::DistCtlr, "GICD_CTLR", 0x000).special(),
    Register::ro(Reg::Typer, "GICD_TYPER", 0x004).reset(TYPER),
    Register::ro(Reg::DistIidr, "GICD_IIDR", 0x008).reset(DIST_IIDR),
    Register::rw(Reg::Igroupr, "GICD_IGROUPR", 0x080)
        .mask(0)
        .array(BIT_WORDS, 4),
    Register::rw(Reg::Isenabler, "GICD_ISENABLER", 0x100)
        .array(BIT_WORDS, 4)
        .special(),
    Register::rw(Reg::Icenabler, "GICD_ICENABLER", 0x180)
        .array(BIT_WORDS, 4)
        .special(),
    Register::rw(Reg::Ispendr, "GICD_ISPENDR", 0x200)
        .array(BIT_WORDS, 4)
        .special(),
    Register::rw(Reg::Icpendr, "GICD_ICPENDR", 0x280)
        .array(BIT_WORDS, 4)
        .special(),
    Register::rw(Reg::Isactiver, "GICD_ISACTIVER", 0x300)
        .array(BIT_WORDS, 4)
        .special(),
    Register::rw(Reg::Icactiver, "GICD_ICACTIVER", 0x380)
        .array(BIT_WORDS, 4)
        .special(),
    Register::rw(Reg::Ipriorityr, "GICD_IPRIORITYR", 0x400).window(BYTE_RANGE),
    Register::rw(Reg::Itargetsr, "GICD_ITARGETSR", 0x800).window(BYTE_RANGE),
    Register::rw(Reg::Icfgr, "GICD_ICFGR", 0xC00)
        .array(2 * BIT_WORDS, 4)
        .special(),
    Register::wo(Reg::Sgir, "GICD_SGIR", 0xF00).special(),
    Register::rw(Reg::Cpendsgir, "GICD_CPENDSGIR", 0xF10).window(16),
    Register::rw(Reg::Spendsgir, "GICD_SPENDSGIR", 0xF20).window(16),
];

static CPU_INTERFACE: [Register<Reg>; 13] = [
    Register::rw(Reg::CpuCtlr, "GICC_CTLR", 0x00).special(),
    Register::rw(Reg::Pmr, "GICC_PMR", 0x04).special(),
    Register::rw(Reg::Bpr, "GICC_BPR", 0x08).special(),
    Register::ro(Reg::Iar, "GICC_IAR", 0x0C).special(),
    Register::wo(Reg::Eoir, "GICC_EOIR", 0x10).special(),
    Register::ro(Reg::Rpr, "GICC_RPR", 0x14).special(),
    Register::ro(Reg::Hppir, "GICC_HPPIR", 0x18).special(),
    Register::rw(Reg::Abpr, "GICC_ABPR", 0x1C).mask(0),
    Register::ro(Reg::Aiar, "GICC_AIAR", 0x20),
    Register::new(Reg::Aeoir, "GICC_AEOIR", 0x24, Kind::WriteOnly).mask(0),
    Register::ro(Reg::Ahppir, "GICC_AHPPIR", 0x28),
    Register::ro(Reg::CpuIidr, "GICC_IIDR", 0xFC).reset(CPU_IIDR),
    Register::wo(Reg::Dir, "GICC_DIR", 0x1000).special(),
];

/// The GIC as a bus model: the state machine and its two register windows.
#[derive(Debug)]
pub struct GicModel {
    /// The interrupt state.
    pub gic: Gic,
    distributor: RegisterFile<Reg>,
    cpu_interface: RegisterFile<Reg>,
}

impl Default for GicModel {
    fn default() -> Self {
        Self {
            gic: Gic::new(),
            distributor: RegisterFile::new(&DISTRIBUTOR),
            cpu_interface: RegisterFile::new(&CPU_INTERFACE),
        }
    }
}

fn family(id: Reg) -> (BitReg, bool) {
    match id {
        Reg::Isenabler => (BitReg::Enable, true),
        Reg::Icenabler => (BitReg::Enable, false),
        Reg::Ispendr => (BitReg::Pending, true),
        Reg::Icpendr => (BitReg::Pending, false),
        Reg::Isactiver => (BitReg::Active, true),
        _ => (BitReg::Active, false),
    }
}

impl GicModel {
    /// Bytes of a byte window (`size` of them from byte `first`), as one value.
    fn read_bytes(&self, id: Reg, first: usize, size: usize) -> u32 {
        (0..size).fold(0, |v, k| {
            let n = (first + k) as u32;
            let byte = match id {
                Reg::Ipriorityr => self.gic.priority(n),
                Reg::Itargetsr => self.gic.targets(n),
                _ => self.gic.sgi_pending_sources(n),
            };
            v | u32::from(byte) << (8 * k)
        })
    }

    fn write_bytes(&mut self, id: Reg, first: usize, size: usize, value: u32) {
        for k in 0..size {
            let n = (first + k) as u32;
            let byte = (value >> (8 * k)) as u8;
            match id {
                Reg::Ipriorityr => self.gic.set_priority(n, byte),
                Reg::Itargetsr => self.gic.set_targets(n, byte),
                Reg::Spendsgir => self.gic.write_sgi_pending(n, byte, true),
                _ => self.gic.write_sgi_pending(n, byte, false),
            }
        }
    }
}

impl Registers for GicModel {
    type Id = Reg;

    fn file(&mut self, window: usize) -> &mut RegisterFile<Reg> {
        if window == 0 {
            &mut self.distributor
        } else {
            &mut self.cpu_interface
        }
    }

    fn read_special(&mut self, ctx: &mut Ctx<'_>, hit: Hit<Reg>) -> Result<u32, Fault> {
        let g = &mut self.gic;
        Ok(match hit.id {
            Reg::DistCtlr => g.dist_ctlr(),
            Reg::Isenabler
            | Reg::Icenabler
            | Reg::Ispendr
            | Reg::Icpendr
            | Reg::Isactiver
            | Reg::Icactiver => {
                let (which, _) = family(hit.id);
                (0..32).fold(0, |v, bit| {
                    v | u32::from(g.bit(which, hit.index as u32 * 32 + bit)) << bit
                })
            }
            Reg::Icfgr => {
                (0..16).fold(0, |v, k| v | g.config(hit.index as u32 * 16 + k) << (2 * k))
            }
            Reg::Ipriorityr | Reg::Itargetsr | Reg::Cpendsgir | Reg::Spendsgir => {
                if hit.size == 2 {
                    return Err(Fault::Unclaimed);
                }
                self.read_bytes(hit.id, hit.index, hit.size)
            }
            Reg::CpuCtlr => g.cpu_ctlr(),
            Reg::Pmr => g.pmr(),
            Reg::Bpr => g.bpr(),
            Reg::Iar => {
                ctx.effects.interrupts_changed = true;
                g.acknowledge()
            }
            Reg::Rpr => g.rpr(),
            Reg::Hppir => g.hppir(),
            other => unreachable!("{other:?} is not special on read"),
        })
    }

    fn write_special(&mut self, ctx: &mut Ctx<'_>, hit: Hit<Reg>, v: u32) -> Result<(), Fault> {
        let g = &mut self.gic;
        match hit.id {
            Reg::DistCtlr => g.set_dist_ctlr(v),
            Reg::Isenabler
            | Reg::Icenabler
            | Reg::Ispendr
            | Reg::Icpendr
            | Reg::Isactiver
            | Reg::Icactiver => {
                let (which, set) = family(hit.id);
                for bit in (0..32).filter(|b| v >> b & 1 != 0) {
                    g.write_bit(which, hit.index as u32 * 32 + bit, set);
                }
            }
            Reg::Icfgr => {
                for k in 0..16 {
                    g.set_config(hit.index as u32 * 16 + k, v >> (2 * k) & 3);
                }
            }
            Reg::Ipriorityr | Reg::Itargetsr | Reg::Cpendsgir | Reg::Spendsgir => {
                if hit.size == 2 {
                    return Err(Fault::Unclaimed);
                }
                self.write_bytes(hit.id, hit.index, hit.size, v);
            }
            Reg::Sgir => g.send_sgi(v),
            Reg::CpuCtlr => g.set_cpu_ctlr(v),
            Reg::Pmr => g.set_pmr(v),
            Reg::Bpr => g.set_bpr(v),
            Reg::Eoir => g.end_of_interrupt(v),
            Reg::Dir => g.deactivate(v),
            other => unreachable!("{other:?} is not special on write"),
        }
        ctx.effects.interrupts_changed = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::testing::access;
    use crate::bus::{Effects, Model};
    use crate::models::gcc::Gcc;

    fn cpu(m: &mut GicModel, offset: u64, write: Option<u64>) -> u64 {
        let clocks = Gcc::new().view();
        let mut effects = Effects::default();
        let mut ctx = Ctx {
            now: 0,
            clocks: &clocks,
            effects: &mut effects,
        };
        m.access(&mut ctx, 1, offset, 4, write).unwrap()
    }

    #[test]
    fn identification_and_widths() {
        let mut m = GicModel::default();
        assert_eq!(access(&mut m, 0x004, 4, None), Ok(0x468));
        assert_eq!(TYPER & 0x1F, 8, "288 lines");
        assert_eq!(access(&mut m, 0x004, 1, None), Err(Fault::Unclaimed));
        assert_eq!(access(&mut m, 0x004, 4, Some(0)), Err(Fault::Unclaimed));
        // Byte and word access to IPRIORITYR; halfword refused.
        access(&mut m, 0x400 + 40, 1, Some(0xA0)).unwrap();
        assert_eq!(access(&mut m, 0x400 + 40, 4, None), Ok(0xA0));
        access(&mut m, 0x400 + 44, 4, Some(0x8090_A0B0)).unwrap();
        assert_eq!(access(&mut m, 0x400 + 45, 1, None), Ok(0xA0));
        assert_eq!(access(&mut m, 0x400 + 46, 2, None), Err(Fault::Unclaimed));
        // Group 0 (SGI 8..15, ID 18) is RAZ/WI; IGROUPR is RAZ/WI.
        access(&mut m, 0x400 + 18, 1, Some(0xA0)).unwrap();
        assert_eq!(access(&mut m, 0x400 + 16, 4, None), Ok(0));
        access(&mut m, 0x080, 4, Some(u64::from(u32::MAX))).unwrap();
        assert_eq!(access(&mut m, 0x080, 4, None), Ok(0));
        // ITARGETSR of SGI/PPI: the reading core's bit, read only.
        assert_eq!(access(&mut m, 0x800 + 16, 4, None), Ok(0x0100_0101));
        // ICFGR0 (SGIs) reads edge for the Non-secure SGIs 0..7.
        assert_eq!(access(&mut m, 0xC00, 4, None), Ok(0xAAAA));
        assert_eq!(cpu(&mut m, 0xFC, None) >> 16 & 0xF, 2);
        // Whole architectural ranges: entries past ID 287 are RAZ/WI; reserved gaps are not
        // claimed.
        access(&mut m, 0x17C, 4, Some(u64::from(u32::MAX))).unwrap();
        assert_eq!(access(&mut m, 0x17C, 4, None), Ok(0));
        access(&mut m, 0x400 + 1016, 4, Some(0xA0A0_A0A0)).unwrap();
        assert_eq!(access(&mut m, 0x400 + 1016, 4, None), Ok(0));
        assert_eq!(access(&mut m, 0xCFC, 4, None), Ok(0));
        assert_eq!(access(&mut m, 0xD00, 4, None), Err(Fault::Unclaimed));
        assert_eq!(cpu(&mut m, 0x20, None), 0);
    }

    #[test]
    fn register_path_from_sgi_to_eoi() {
        let mut m = GicModel::default();
        access(&mut m, 0x000, 4, Some(1)).unwrap();
        cpu(&mut m, 0x00, Some(1));
        cpu(&mut m, 0x04, Some(0xF0));
        access(&mut m, 0x100, 4, Some(1 << 3)).unwrap();
        access(&mut m, 0x400 + 3, 1, Some(0x40)).unwrap();
        // SGI 3 to self through the filter.
        access(&mut m, 0xF00, 4, Some(3 | 2 << 24)).unwrap();
        assert_eq!(access(&mut m, 0xF20, 4, None), Ok(1 << 24));
        assert_eq!(cpu(&mut m, 0x18, None), 3);
        assert_eq!(cpu(&mut m, 0x0C, None), 3);
        assert_eq!(cpu(&mut m, 0x14, None), 0x40);
        assert_eq!(access(&mut m, 0x300, 4, None), Ok(1 << 3));
        assert_eq!(cpu(&mut m, 0x0C, None), 1023);
        cpu(&mut m, 0x10, Some(3));
        assert_eq!(cpu(&mut m, 0x14, None), 0xFF);
        assert_eq!(access(&mut m, 0x300, 4, None), Ok(0));
    }
}
