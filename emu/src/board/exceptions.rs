//! Exceptions unicorn reports through its interrupt hook: synchronous exception entry done by
//! hand, and SMC calls answered by the secure firmware model.

use unicorn_engine::{RegisterARM64, Unicorn};

use crate::loader::{DRAM_BASE, DRAM_SIZE};
use crate::machine::PS_HOLD_BASE;
use crate::models::secure_monitor::SmcAction;

use super::access::fault_outcome;
use super::cpu::{self, SCTLR_C, SCTLR_I, SCTLR_M, pstate_el, pstate_elh};
use super::{Outcome, Shared, fail};

/// unicorn's interrupt numbers (QEMU's EXCP_* values; measured, see virtual-board notes).
pub mod intno {
    /// UDF and other undefined instructions.
    pub const UNDEFINED: u32 = 1;
    /// SVC.
    pub const SVC: u32 = 2;
    /// Instruction abort (MMU or alignment).
    pub const PREFETCH_ABORT: u32 = 3;
    /// Data abort (MMU or alignment).
    pub const DATA_ABORT: u32 = 4;
    /// BRK.
    pub const BRK: u32 = 7;
    /// HVC.
    pub const HVC: u32 = 11;
    /// SMC.
    pub const SMC: u32 = 13;
}

/// ESR_ELx.EC values used here.
mod ec {
    /// Unknown reason (undefined instruction).
    pub const UNKNOWN: u64 = 0x00;
    /// SVC from AArch64.
    pub const SVC64: u64 = 0x15;
    /// HVC from AArch64.
    pub const HVC64: u64 = 0x16;
    /// BRK from AArch64.
    pub const BRK64: u64 = 0x3C;
}

/// ESR_ELx.EC field position.
const ESR_EC_SHIFT: u32 = 26;
/// ESR_ELx.IL: 32-bit instruction.
const ESR_IL: u64 = 1 << 25;

/// Vector table offsets from VBAR_ELx.
const VECTOR_CURRENT_EL_SP0: u64 = 0x000;
const VECTOR_CURRENT_EL_SPX: u64 = 0x200;
const VECTOR_LOWER_EL_AARCH64: u64 = 0x400;

/// The interrupt hook: SMC at EL1/EL2 goes to the secure firmware, everything else is a
/// synchronous exception entered by hand.
pub fn on_interrupt(uc: &mut Unicorn<'_, ()>, state: &Shared, number: u32) -> Result<(), Outcome> {
    let el = pstate_el(uc.reg_read(RegisterARM64::PSTATE).unwrap_or(0));
    if number == intno::SMC && el >= 1 {
        secure_call(uc, state)
    } else {
        take_exception(uc, number)
    }
}

/// Hand an SMC to the secure firmware model and apply its answer to the CPU. The PC is
/// already past the SMC instruction.
fn secure_call(uc: &mut Unicorn<'_, ()>, state: &Shared) -> Result<(), Outcome> {
    let pc = uc.pc_read().unwrap_or(0);
    let smc_pc = pc.wrapping_sub(4);
    let stopped = |e| Outcome::Stopped {
        what: fail(e),
        pc: smc_pc,
    };
    let mut x = [0u64; 8];
    for (k, v) in x.iter_mut().enumerate() {
        *v = uc
            .reg_read(RegisterARM64::X0 as i32 + k as i32)
            .map_err(stopped)?;
    }
    let action = {
        let view: &Unicorn<'_, ()> = uc;
        // DRAM only: reading an MMIO window here would re-enter the models.
        let read = |addr: u64, len: usize| -> Option<Vec<u8>> {
            let end = addr.checked_add(len as u64)?;
            if addr < DRAM_BASE || end > DRAM_BASE + DRAM_SIZE {
                return None;
            }
            let mut v = vec![0u8; len];
            view.mem_read(addr, &mut v).ok().map(|()| v)
        };
        state.borrow_mut().secure.call(&x, &read)
    };
    match action {
        SmcAction::Return(v) => uc.reg_write(RegisterARM64::X0, v).map_err(stopped),
        SmcAction::EnterEl1 { pc: entry, x } => {
            for (k, v) in x.iter().enumerate() {
                uc.reg_write(RegisterARM64::X0 as i32 + k as i32, *v)
                    .map_err(stopped)?;
            }
            let mut sctlr = cpu::sctlr_el1(0);
            uc.reg_read_arm64_coproc(&mut sctlr).map_err(stopped)?;
            sctlr.val &= !(SCTLR_I | SCTLR_C | SCTLR_M);
            uc.reg_write_arm64_coproc(&sctlr).map_err(stopped)?;
            // EL1h, DAIF masked; the SPSR write makes QEMU recompute its cached flags.
            uc.reg_write(RegisterARM64::PSTATE, pstate_elh(1))
                .map_err(stopped)?;
            uc.reg_write_arm64_coproc(&cpu::spsr_el1(pstate_elh(1)))
                .map_err(stopped)?;
            uc.reg_write(RegisterARM64::PC, entry).map_err(stopped)
        }
        SmcAction::ReleasePsHold { call } => {
            let mut st = state.borrow_mut();
            let now = st.now;
            st.bus
                .effects
                .messages
                .push(format!("secure firmware: PSCI {call}: releasing PS_HOLD"));
            st.bus
                .write(now, PS_HOLD_BASE, 4, 0)
                .map_err(|f| fault_outcome(f, true, 4, PS_HOLD_BASE, smc_pc))?;
            if st.bus.effects.ps_hold_released {
                return Err(Outcome::PsHold { pc: smc_pc });
            }
            Ok(())
        }
    }
}

/// Perform a synchronous exception entry by hand.
fn take_exception(uc: &mut Unicorn<'_, ()>, number: u32) -> Result<(), Outcome> {
    let rd = |uc: &Unicorn<'_, ()>, r| uc.reg_read(r).unwrap_or(0);
    let pc = rd(uc, RegisterARM64::PC);
    let pstate = rd(uc, RegisterARM64::PSTATE);
    let cur_el = pstate_el(pstate);
    let word_at = |a: u64| {
        let mut w = [0u8; 4];
        uc.mem_read(a, &mut w)
            .map(|()| u32::from_le_bytes(w))
            .unwrap_or(0)
    };
    let imm16 = |a: u64| u64::from((word_at(a) >> 5) & 0xFFFF);
    // Measured: for SVC/HVC/SMC the PC is already past the instruction; for UDF and BRK it
    // still points at it. (EC, preferred return address, ISS):
    let (ec, elr, iss) = match number {
        intno::SVC => (ec::SVC64, pc, imm16(pc.wrapping_sub(4))),
        intno::BRK => (ec::BRK64, pc, imm16(pc)),
        intno::HVC if cur_el == 2 => (ec::HVC64, pc, imm16(pc.wrapping_sub(4))),
        intno::UNDEFINED => (ec::UNKNOWN, pc, 0),
        // HVC/SMC with nobody to take them: UNDEFINED, returning to the instruction.
        intno::HVC | intno::SMC => (ec::UNKNOWN, pc.wrapping_sub(4), 0),
        intno::PREFETCH_ABORT | intno::DATA_ABORT => {
            return Err(Outcome::Stopped {
                what: format!(
                    "{} abort (MMU or alignment fault) at EL{cur_el}: the virtual board cannot give its syndrome",
                    if number == intno::PREFETCH_ABORT {
                        "instruction"
                    } else {
                        "data"
                    }
                ),
                pc,
            });
        }
        n => {
            return Err(Outcome::Stopped {
                what: format!("unexpected CPU exception {n}"),
                pc,
            });
        }
    };
    let target = cur_el.max(1);
    let (elr_r, esr_r, vbar_r, sp_r) = if target == 2 {
        (
            RegisterARM64::ELR_EL2,
            RegisterARM64::ESR_EL2,
            RegisterARM64::VBAR_EL2,
            RegisterARM64::SP_EL2,
        )
    } else {
        (
            RegisterARM64::ELR_EL1,
            RegisterARM64::ESR_EL1,
            RegisterARM64::VBAR_EL1,
            RegisterARM64::SP_EL1,
        )
    };
    let vbar = rd(uc, vbar_r);
    let offset = if cur_el == target {
        if pstate & cpu::PSTATE_SP_ELX != 0 {
            VECTOR_CURRENT_EL_SPX
        } else {
            VECTOR_CURRENT_EL_SP0
        }
    } else {
        VECTOR_LOWER_EL_AARCH64
    };
    let vector = vbar + offset;
    if vbar == 0 || !(DRAM_BASE..DRAM_BASE + DRAM_SIZE).contains(&vector) {
        return Err(Outcome::Stopped {
            what: format!(
                "synchronous exception (EC {ec:#x}) with no vector table: VBAR_EL{target} = {vbar:#x}"
            ),
            pc: elr,
        });
    }
    let esr = (ec << ESR_EC_SHIFT) | ESR_IL | iss;
    let w = |uc: &mut Unicorn<'_, ()>, r, v| {
        uc.reg_write(r, v)
            .map_err(|e| Outcome::Stopped { what: fail(e), pc })
    };
    // Bank the stack pointer in use.
    let sp = rd(uc, RegisterARM64::SP);
    let old_sp_reg = match (cur_el, pstate & cpu::PSTATE_SP_ELX) {
        (_, 0) | (0, _) => RegisterARM64::SP_EL0,
        (1, _) => RegisterARM64::SP_EL1,
        _ => RegisterARM64::SP_EL2,
    };
    w(uc, old_sp_reg, sp)?;
    let new_sp = rd(uc, sp_r);
    w(uc, elr_r, elr)?;
    w(uc, esr_r, esr)?;
    w(uc, RegisterARM64::PSTATE, pstate_elh(target))?;
    w(uc, RegisterARM64::SP, new_sp)?;
    uc.reg_write_arm64_coproc(&cpu::spsr_el(target, pstate))
        .map_err(|e| Outcome::Stopped { what: fail(e), pc })?;
    w(uc, RegisterARM64::PC, vector)?;
    Ok(())
}
