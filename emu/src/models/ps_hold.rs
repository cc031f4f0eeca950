//! MPM PS_HOLD model: bit 0 = 1 keeps power; writing 0 ends the run.

use crate::bus::{Ctx, Fault, Model};

/// The PS_HOLD register.
#[derive(Debug)]
pub struct PsHold {
    value: u32,
}

impl Default for PsHold {
    fn default() -> Self {
        Self { value: 1 }
    }
}

impl Model for PsHold {
    fn read(&mut self, _ctx: &mut Ctx<'_>, offset: u64, size: usize) -> Result<u64, Fault> {
        if offset != 0 || size != 4 {
            return Err(Fault::Unclaimed);
        }
        Ok(u64::from(self.value))
    }

    fn write(
        &mut self,
        ctx: &mut Ctx<'_>,
        offset: u64,
        size: usize,
        value: u64,
    ) -> Result<(), Fault> {
        if offset != 0 || size != 4 {
            return Err(Fault::Unclaimed);
        }
        self.value = value as u32 & 1;
        if self.value == 0 {
            ctx.effects.ps_hold_released = true;
        }
        Ok(())
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}
