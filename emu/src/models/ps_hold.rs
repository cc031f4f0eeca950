//! MPM PS_HOLD model: bit 0 = 1 keeps power; writing 0 ends the run. What the PMIC then does
//! (reset or power off) is its PS_HOLD configuration's business: [`Release`], decided by the
//! SPMI model (`crate::models::spmi::Spmi::ps_hold_release`).

use crate::bus::Ctx;
use crate::regfile::{Hit, Register, RegisterFile, Registers};

pub use crate::models::spmi::Release;

/// Register names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    /// PS_HOLD (bit 0).
    PsHold,
}

static REGISTERS: [Register<Reg>; 1] = [Register::rw(Reg::PsHold, "PS_HOLD", 0x0).reset(1).mask(1)];

/// The PS_HOLD register.
#[derive(Debug)]
pub struct PsHold {
    regs: RegisterFile<Reg>,
}

impl Default for PsHold {
    fn default() -> Self {
        Self {
            regs: RegisterFile::new(&REGISTERS),
        }
    }
}

impl Registers for PsHold {
    type Id = Reg;

    fn file(&mut self, _window: usize) -> &mut RegisterFile<Reg> {
        &mut self.regs
    }

    fn written(&mut self, ctx: &mut Ctx<'_>, _: Hit<Reg>) {
        if self.regs.value(Reg::PsHold) == 0 {
            ctx.effects.ps_hold_released = true;
        }
    }
}
