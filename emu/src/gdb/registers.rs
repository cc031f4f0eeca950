//! Registers as GDB sees them: the AArch64 core and FP/SIMD files of `gdbstub_arch`, and a
//! short list of system registers a firmware developer reads (our own target description
//! feature, numbered by the registers' MRS/MSR encodings as `gdbstub_arch` expects).

use std::sync::OnceLock;

use gdbstub::arch::Arch;
use gdbstub_arch::aarch64::AArch64;
use gdbstub_arch::aarch64::reg::AArch64CoreRegs;
use gdbstub_arch::aarch64::reg::id::AArch64RegId;
use unicorn_engine::{RegisterARM64, Unicorn};

use crate::board::cpu::cp;

/// Where a system register's value comes from.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// A register the engine names.
    Named(RegisterARM64),
    /// Through the engine's MRS/MSR encoding interface.
    Encoded,
    /// CurrentEL, from PSTATE.
    CurrentEl,
}

/// The system registers offered: name, MRS/MSR encoding (op0:op1:CRn:CRm:op2 in 2:3:4:4:3
/// bits), source.
const SYSTEM_REGISTERS: &[(&str, u16, Source)] = &[
    ("CurrentEL", enc(3, 0, 4, 2, 2), Source::CurrentEl),
    ("SCTLR_EL1", enc(3, 0, 1, 0, 0), Source::Encoded),
    (
        "TTBR0_EL1",
        enc(3, 0, 2, 0, 0),
        Source::Named(RegisterARM64::TTBR0_EL1),
    ),
    (
        "TTBR1_EL1",
        enc(3, 0, 2, 0, 1),
        Source::Named(RegisterARM64::TTBR1_EL1),
    ),
    ("TCR_EL1", enc(3, 0, 2, 0, 2), Source::Encoded),
    (
        "MAIR_EL1",
        enc(3, 0, 10, 2, 0),
        Source::Named(RegisterARM64::MAIR_EL1),
    ),
    (
        "VBAR_EL1",
        enc(3, 0, 12, 0, 0),
        Source::Named(RegisterARM64::VBAR_EL1),
    ),
    (
        "ESR_EL1",
        enc(3, 0, 5, 2, 0),
        Source::Named(RegisterARM64::ESR_EL1),
    ),
    (
        "FAR_EL1",
        enc(3, 0, 6, 0, 0),
        Source::Named(RegisterARM64::FAR_EL1),
    ),
    (
        "ELR_EL1",
        enc(3, 0, 4, 0, 1),
        Source::Named(RegisterARM64::ELR_EL1),
    ),
    ("SPSR_EL1", enc(3, 0, 4, 0, 0), Source::Encoded),
    (
        "SP_EL0",
        enc(3, 0, 4, 1, 0),
        Source::Named(RegisterARM64::SP_EL0),
    ),
    (
        "SP_EL1",
        enc(3, 4, 4, 1, 0),
        Source::Named(RegisterARM64::SP_EL1),
    ),
    ("SCTLR_EL2", enc(3, 4, 1, 0, 0), Source::Encoded),
    ("HCR_EL2", enc(3, 4, 1, 1, 0), Source::Encoded),
    (
        "VBAR_EL2",
        enc(3, 4, 12, 0, 0),
        Source::Named(RegisterARM64::VBAR_EL2),
    ),
    (
        "ESR_EL2",
        enc(3, 4, 5, 2, 0),
        Source::Named(RegisterARM64::ESR_EL2),
    ),
    (
        "FAR_EL2",
        enc(3, 4, 6, 0, 0),
        Source::Named(RegisterARM64::FAR_EL2),
    ),
    (
        "ELR_EL2",
        enc(3, 4, 4, 0, 1),
        Source::Named(RegisterARM64::ELR_EL2),
    ),
    ("SPSR_EL2", enc(3, 4, 4, 0, 0), Source::Encoded),
];

/// The 16-bit MRS/MSR encoding `gdbstub_arch` numbers system registers by.
const fn enc(op0: u16, op1: u16, crn: u16, crm: u16, op2: u16) -> u16 {
    op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2
}

/// AArch64 with our target description: the crate's core and FP/SIMD features, and our
/// system register feature instead of its full list (several hundred registers, most of
/// which the engine does not model).
pub enum Board64 {}

impl Arch for Board64 {
    type Usize = u64;
    type Registers = AArch64CoreRegs;
    type RegId = AArch64RegId;
    type BreakpointKind = usize;

    fn target_description_xml() -> Option<&'static str> {
        static XML: OnceLock<String> = OnceLock::new();
        Some(XML.get_or_init(description).as_str())
    }
}

/// Name of the system register feature in the crate's description, which ours replaces.
const CRATE_SYSTEM_FEATURE: &str = "<feature name=\"org.rust.gdb.arm.sys.regs\">";

fn description() -> String {
    let full = AArch64::target_description_xml().unwrap_or_default();
    let (head, rest) = full.split_once(CRATE_SYSTEM_FEATURE).unwrap_or((full, ""));
    let tail = rest
        .split_once("</feature>")
        .map_or("</target>", |(_, t)| t);
    let mut xml = String::from(head);
    xml.push_str("<feature name=\"org.db410c.emu.sysregs\">");
    for (name, number, _) in SYSTEM_REGISTERS {
        xml.push_str(&format!(
            "<reg name=\"{name}\" bitsize=\"64\" regnum=\"{number}\" group=\"system\"/>"
        ));
    }
    xml.push_str("</feature>");
    xml.push_str(tail);
    xml
}

type Engine = Unicorn<'static, ()>;

fn x_register(n: usize) -> i32 {
    match n {
        29 => RegisterARM64::X29 as i32,
        30 => RegisterARM64::X30 as i32,
        _ => RegisterARM64::X0 as i32 + n as i32,
    }
}

/// The core and FP/SIMD registers of `uc`.
pub fn read_core(uc: &Engine) -> Result<AArch64CoreRegs, String> {
    let fail = |e| format!("unicorn: {e:?}");
    let mut regs = AArch64CoreRegs::default();
    for (n, x) in regs.x.iter_mut().enumerate() {
        *x = uc.reg_read(x_register(n)).map_err(fail)?;
    }
    regs.sp = uc.reg_read(RegisterARM64::SP).map_err(fail)?;
    regs.pc = uc.reg_read(RegisterARM64::PC).map_err(fail)?;
    regs.cpsr = uc.reg_read(RegisterARM64::PSTATE).map_err(fail)? as u32;
    for (n, v) in regs.v.iter_mut().enumerate() {
        let bytes = uc
            .reg_read_long(RegisterARM64::Q0 as i32 + n as i32)
            .map_err(fail)?;
        let mut le = [0u8; 16];
        le[..bytes.len().min(16)].copy_from_slice(&bytes[..bytes.len().min(16)]);
        *v = u128::from_le_bytes(le);
    }
    regs.fpcr = uc.reg_read(RegisterARM64::FPCR).map_err(fail)? as u32;
    regs.fpsr = uc.reg_read(RegisterARM64::FPSR).map_err(fail)? as u32;
    Ok(regs)
}

/// Write the core and FP/SIMD registers of `uc`.
pub fn write_core(uc: &mut Engine, regs: &AArch64CoreRegs) -> Result<(), String> {
    let fail = |e| format!("unicorn: {e:?}");
    for (n, x) in regs.x.iter().enumerate() {
        uc.reg_write(x_register(n), *x).map_err(fail)?;
    }
    uc.reg_write(RegisterARM64::PSTATE, u64::from(regs.cpsr))
        .map_err(fail)?;
    uc.reg_write(RegisterARM64::SP, regs.sp).map_err(fail)?;
    uc.reg_write(RegisterARM64::PC, regs.pc).map_err(fail)?;
    for (n, v) in regs.v.iter().enumerate() {
        uc.reg_write_long(RegisterARM64::Q0 as i32 + n as i32, &v.to_le_bytes())
            .map_err(fail)?;
    }
    uc.reg_write(RegisterARM64::FPCR, u64::from(regs.fpcr))
        .map_err(fail)?;
    uc.reg_write(RegisterARM64::FPSR, u64::from(regs.fpsr))
        .map_err(fail)?;
    Ok(())
}

/// One register, little-endian, as GDB's `p` packet wants it.
pub fn read_one(uc: &Engine, id: AArch64RegId) -> Result<Vec<u8>, String> {
    let fail = |e| format!("unicorn: {e:?}");
    let value = match id {
        AArch64RegId::X(n) if n <= 30 => uc.reg_read(x_register(n.into())).map_err(fail)?,
        AArch64RegId::Sp => uc.reg_read(RegisterARM64::SP).map_err(fail)?,
        AArch64RegId::Pc => uc.reg_read(RegisterARM64::PC).map_err(fail)?,
        AArch64RegId::Pstate => {
            let v = uc.reg_read(RegisterARM64::PSTATE).map_err(fail)? as u32;
            return Ok(v.to_le_bytes().to_vec());
        }
        AArch64RegId::V(n) if n < 32 => {
            let regs = read_core(uc)?;
            return Ok(regs.v[usize::from(n)].to_le_bytes().to_vec());
        }
        AArch64RegId::System(number) => read_system(uc, number)?,
        other => return Err(format!("register {other:?} is not offered")),
    };
    Ok(value.to_le_bytes().to_vec())
}

/// Write one register from GDB's little-endian bytes.
pub fn write_one(uc: &mut Engine, id: AArch64RegId, bytes: &[u8]) -> Result<(), String> {
    let fail = |e| format!("unicorn: {e:?}");
    let mut le = [0u8; 16];
    le[..bytes.len().min(16)].copy_from_slice(&bytes[..bytes.len().min(16)]);
    let value = u64::from_le_bytes(le[..8].try_into().unwrap_or_default());
    match id {
        AArch64RegId::X(n) if n <= 30 => uc.reg_write(x_register(n.into()), value).map_err(fail),
        AArch64RegId::Sp => uc.reg_write(RegisterARM64::SP, value).map_err(fail),
        AArch64RegId::Pc => uc.reg_write(RegisterARM64::PC, value).map_err(fail),
        AArch64RegId::Pstate => uc
            .reg_write(RegisterARM64::PSTATE, value & 0xFFFF_FFFF)
            .map_err(fail),
        AArch64RegId::V(n) if n < 32 => uc
            .reg_write_long(RegisterARM64::Q0 as i32 + i32::from(n), &le)
            .map_err(fail),
        AArch64RegId::System(number) => write_system(uc, number, value),
        other => Err(format!("register {other:?} is not offered")),
    }
}

fn system_source(number: u16) -> Result<Source, String> {
    SYSTEM_REGISTERS
        .iter()
        .find(|(_, n, _)| *n == number)
        .map(|(_, _, source)| *source)
        .ok_or_else(|| format!("system register {number:#x} is not offered"))
}

fn encoded(number: u16, val: u64) -> unicorn_engine::RegisterARM64CP {
    let n = u32::from(number);
    cp(
        n >> 14 & 3,
        n >> 11 & 7,
        n >> 7 & 0xF,
        n >> 3 & 0xF,
        n & 7,
        val,
    )
}

fn read_system(uc: &Engine, number: u16) -> Result<u64, String> {
    let fail = |e| format!("unicorn: {e:?}");
    match system_source(number)? {
        Source::Named(reg) => uc.reg_read(reg).map_err(fail),
        Source::CurrentEl => {
            let pstate = uc.reg_read(RegisterARM64::PSTATE).map_err(fail)?;
            Ok(pstate & 0b1100)
        }
        Source::Encoded => {
            let mut reg = encoded(number, 0);
            uc.reg_read_arm64_coproc(&mut reg).map_err(fail)?;
            Ok(reg.val)
        }
    }
}

fn write_system(uc: &mut Engine, number: u16, value: u64) -> Result<(), String> {
    let fail = |e| format!("unicorn: {e:?}");
    match system_source(number)? {
        Source::Named(reg) => uc.reg_write(reg, value).map_err(fail),
        Source::CurrentEl => Err("CurrentEL is read-only (write PSTATE/cpsr)".into()),
        Source::Encoded => uc
            .reg_write_arm64_coproc(&encoded(number, value))
            .map_err(fail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_match_the_crate_numbering() {
        assert_eq!(
            AArch64RegId::System(enc(3, 0, 1, 0, 0)),
            AArch64RegId::SCTLR_EL1
        );
        assert_eq!(
            AArch64RegId::System(enc(3, 0, 12, 0, 0)),
            AArch64RegId::VBAR_EL1
        );
        assert_eq!(
            AArch64RegId::System(enc(3, 0, 5, 2, 0)),
            AArch64RegId::ESR_EL1
        );
        assert_eq!(
            AArch64RegId::System(enc(3, 0, 4, 0, 1)),
            AArch64RegId::ELR_EL1
        );
        // CurrentEL is S3_0_C4_C2_2 = 0xC212.
        assert_eq!(enc(3, 0, 4, 2, 2), 0xC212);
    }

    #[test]
    fn description_has_core_fpu_and_our_system_registers_only() {
        let xml = description();
        assert!(xml.contains("org.gnu.gdb.aarch64.core"));
        assert!(xml.contains("org.gnu.gdb.aarch64.fpu"));
        assert!(xml.contains("name=\"SCTLR_EL1\""));
        assert!(!xml.contains("org.rust.gdb.arm.sys.regs"));
        assert!(xml.trim_end().ends_with("</target>"));
        assert_eq!(
            xml.matches("group=\"system\"").count(),
            SYSTEM_REGISTERS.len()
        );
    }

    #[test]
    fn every_offered_system_register_reads_on_a_fresh_core() {
        let dram = crate::board::cpu::Dram::new().unwrap();
        let uc = crate::board::cpu::new_engine(&dram).unwrap();
        for (name, number, _) in SYSTEM_REGISTERS {
            read_system(&uc, *number).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        drop(uc);
    }
}
