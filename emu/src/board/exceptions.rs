//! Exceptions unicorn reports through its interrupt hook: synchronous exception entry done by
//! hand, and SMC calls answered by the secure firmware model.

use unicorn_engine::{Prot, RegisterARM64, Unicorn};

use crate::loader::{DRAM_BASE, DRAM_SIZE};
use crate::machine::PS_HOLD_BASE;
use crate::models::secure_monitor::{Power, SmcAction};

use super::access::fault_outcome;
use super::cpu::{self, SCTLR_C, SCTLR_I, SCTLR_M, pstate_el, pstate_elh};
use super::progress::ExceptionEntry;
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
    /// Illegal Execution State (PSTATE.IL set, e.g. after an illegal exception return).
    pub const ILLEGAL_STATE: u64 = 0x0E;
    /// PC alignment fault.
    pub const PC_ALIGNMENT: u64 = 0x22;
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
        let entry = take_exception(uc, number)?;
        let mut st = state.borrow_mut();
        let instructions = st.instructions;
        match st.progress.on_exception(entry, instructions) {
            Some(what) => Err(Outcome::NoProgress {
                what,
                pc: entry.elr,
            }),
            None => Ok(()),
        }
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
        let mut st = state.borrow_mut();
        let core = st.core;
        let action = st.secure.call(core, &x, &read);
        if st
            .secure
            .power
            .iter()
            .any(|p| matches!(p, Power::OnPending { .. }))
        {
            // The caller stops at its next block so that the run loop starts the core.
            st.yield_core = true;
        }
        action
    };
    match action {
        SmcAction::Return(v) => uc.reg_write(RegisterARM64::X0, v).map_err(stopped),
        SmcAction::PowerOff | SmcAction::Suspend => {
            // The run loop sees the core off (or suspended: it parks it until an interrupt)
            // when the engine stops (next block).
            state.borrow_mut().yield_core = true;
            Ok(())
        }
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
                let release = st.bus.devices.spmi.ps_hold_release();
                return Err(Outcome::PsHold {
                    pc: smc_pc,
                    release,
                });
            }
            Ok(())
        }
    }
}

/// PSTATE.IL (bit 20): Illegal Execution State.
pub const PSTATE_IL: u64 = 1 << 20;
/// SPSR.M[4]: the saved state is AArch32.
const SPSR_AARCH32: u64 = 1 << 4;
/// AArch32 User mode (the only AArch32 state this board's CPU can return to: EL1 and EL2
/// are AArch64).
const AARCH32_USER: u64 = 0x10;

/// Whether an exception return from `el` with this SPSR value is illegal (or returns with
/// PSTATE.IL set), by the architecture's rules for a CPU whose EL1 and EL2 are AArch64 and
/// whose EL0 can also be AArch32: an AArch32 mode other than User, a reserved mode (M[1]
/// set, EL0 with SP_EL0 bit set), or a higher exception level.
pub fn spsr_return_is_illegal(spsr: u64, el: u64) -> bool {
    if spsr & PSTATE_IL != 0 {
        return true;
    }
    if spsr & SPSR_AARCH32 != 0 {
        return spsr & 0x1F != AARCH32_USER;
    }
    let mode = spsr & 0xF;
    mode & 0b10 != 0 || mode == 0b0001 || pstate_el(spsr) > el
}

/// A synchronous exception to enter: syndrome, preferred return address, fault address.
struct Syndrome {
    ec: u64,
    elr: u64,
    iss: u64,
    /// FAR_ELx value, for the exceptions that report one.
    far: Option<u64>,
}

/// Read the instruction word at `pc` as the CPU sees it (through the MMU when it is on).
fn instruction_at(uc: &Unicorn<'_, ()>, pc: u64) -> u32 {
    let mut w = [0u8; 4];
    uc.vmem_read(pc, Prot::EXEC, &mut w)
        .map(|()| u32::from_le_bytes(w))
        .unwrap_or(0)
}

/// Perform a synchronous exception entry by hand.
fn take_exception(uc: &mut Unicorn<'_, ()>, number: u32) -> Result<ExceptionEntry, Outcome> {
    let pc = uc.reg_read(RegisterARM64::PC).unwrap_or(0);
    let cur_el = pstate_el(uc.reg_read(RegisterARM64::PSTATE).unwrap_or(0));
    let imm16 = |a: u64| u64::from((instruction_at(uc, a) >> 5) & 0xFFFF);
    let plain = |ec, elr, iss| Syndrome {
        ec,
        elr,
        iss,
        far: None,
    };
    // Measured: for SVC/HVC/SMC the PC is already past the instruction; for UDF and BRK it
    // still points at it. A branch to a misaligned address also comes as "undefined", with
    // the PC at that address (the engine raises it when it translates code there).
    let syndrome = match number {
        intno::SVC => plain(ec::SVC64, pc, imm16(pc.wrapping_sub(4))),
        intno::BRK => plain(ec::BRK64, pc, imm16(pc)),
        intno::HVC if cur_el == 2 => plain(ec::HVC64, pc, imm16(pc.wrapping_sub(4))),
        intno::UNDEFINED if pc & 3 != 0 => Syndrome {
            ec: ec::PC_ALIGNMENT,
            elr: pc,
            iss: 0,
            far: Some(pc),
        },
        intno::UNDEFINED => plain(ec::UNKNOWN, pc, 0),
        // HVC/SMC with nobody to take them: UNDEFINED, returning to the instruction.
        intno::HVC | intno::SMC => plain(ec::UNKNOWN, pc.wrapping_sub(4), 0),
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
    enter(uc, &syndrome)
}

/// The Illegal Execution State exception: PSTATE.IL is set (an illegal exception return, or
/// a return with SPSR.IL set), so the instruction at the PC is not executed. The engine does
/// not check PSTATE.IL itself; the block hook notices it (see `hooks`).
pub fn take_illegal_state(uc: &mut Unicorn<'_, ()>) -> Result<ExceptionEntry, Outcome> {
    let pc = uc.reg_read(RegisterARM64::PC).unwrap_or(0);
    enter(
        uc,
        &Syndrome {
            ec: ec::ILLEGAL_STATE,
            elr: pc,
            iss: 0,
            far: None,
        },
    )
}

/// Enter the exception described by `syndrome` at the current exception level (EL1 from
/// EL0): ELR, ESR, FAR, SPSR, PSTATE, banked SP, PC = vector.
fn enter(uc: &mut Unicorn<'_, ()>, syndrome: &Syndrome) -> Result<ExceptionEntry, Outcome> {
    let rd = |uc: &Unicorn<'_, ()>, r| uc.reg_read(r).unwrap_or(0);
    let pc = rd(uc, RegisterARM64::PC);
    let pstate = rd(uc, RegisterARM64::PSTATE);
    let cur_el = pstate_el(pstate);
    let Syndrome { ec, elr, iss, far } = *syndrome;
    let target = cur_el.max(1);
    let (elr_r, esr_r, far_r, vbar_r, sp_r) = if target == 2 {
        (
            RegisterARM64::ELR_EL2,
            RegisterARM64::ESR_EL2,
            RegisterARM64::FAR_EL2,
            RegisterARM64::VBAR_EL2,
            RegisterARM64::SP_EL2,
        )
    } else {
        (
            RegisterARM64::ELR_EL1,
            RegisterARM64::ESR_EL1,
            RegisterARM64::FAR_EL1,
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
    let vector = vbar.wrapping_add(offset);
    if vbar == 0 {
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
    if let Some(far) = far {
        w(uc, far_r, far)?;
    }
    w(uc, RegisterARM64::PSTATE, pstate_elh(target))?;
    w(uc, RegisterARM64::SP, new_sp)?;
    uc.reg_write_arm64_coproc(&cpu::spsr_el(target, pstate))
        .map_err(|e| Outcome::Stopped { what: fail(e), pc })?;
    // The vector is a virtual address when the MMU is on: it must lead to DRAM the way the
    // CPU will fetch it (translated in the target level's regime, now in force).
    match uc.vmem_translate(vector, Prot::EXEC) {
        Ok(phys) if (DRAM_BASE..DRAM_BASE + DRAM_SIZE).contains(&phys) => {}
        _ => {
            return Err(Outcome::Stopped {
                what: format!(
                    "synchronous exception (EC {ec:#x}) with no vector table: VBAR_EL{target} = {vbar:#x}, and its vector {vector:#x} does not lead to DRAM"
                ),
                pc: elr,
            });
        }
    }
    w(uc, RegisterARM64::PC, vector)?;
    Ok(ExceptionEntry {
        elr,
        esr,
        vector,
        el: target,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn illegal_exception_returns() {
        // Legal from EL1: EL1h, EL1t, EL0t, AArch32 User.
        for spsr in [0x3C5, 0x3C4, 0x3C0, 0x10, 0x3D0] {
            assert!(!spsr_return_is_illegal(spsr, 1), "{spsr:#x}");
        }
        // Illegal from EL1: EL2h, EL3h, AArch32 SVC/HYP/MON, reserved M[1], EL0 with M[0].
        for spsr in [0x3C9, 0x3CD, 0x3D3, 0x3DA, 0x3D6, 0x3C7, 0x3C1] {
            assert!(spsr_return_is_illegal(spsr, 1), "{spsr:#x}");
        }
        // From EL2, EL2h is legal; EL3h is not; SPSR.IL always sets PSTATE.IL.
        assert!(!spsr_return_is_illegal(0x3C9, 2));
        assert!(spsr_return_is_illegal(0x3CD, 2));
        assert!(spsr_return_is_illegal(PSTATE_IL | 0x3C5, 1));
    }
}
