//! System reset through the MPM PS_HOLD line.
//!
//! # Design notes
//!
//! The SoC keeps the PM8916 PMIC powered on by holding its PS_HOLD input high (MPM register
//! `PS_HOLD`, bit `PSHOLD`). Writing 0 releases it; what the PMIC then does is decided by the
//! PMIC's own PS_HOLD configuration (PON block, reached over SPMI): reset, or power off. No
//! source states which reset type the stock boot firmware leaves configured
//! (docs/hardware/conflicts.md#c19-resetting-through-ps_hold); [`PsHold::reset`] relies on it
//! being a reset of some kind (warm or hard), which is what boards are seen to do and what the
//! virtual board models.
//!
//! Powering off needs the PMIC's PS_HOLD action switched to "shutdown" over SPMI first. This
//! HAL has no SPMI/PMIC driver yet, so there is deliberately no `power_off()`: one that merely
//! released PS_HOLD would silently reset instead. (Future work: SPMI arbiter + PON driver.)

use crate::pac;

/// The PS_HOLD line: owning it means being allowed to reset the board.
pub struct PsHold {
    ps_hold: pac::MPM_PS_HOLD,
}

impl PsHold {
    /// Takes the MPM PS_HOLD register.
    pub fn new(ps_hold: pac::MPM_PS_HOLD) -> Self {
        Self { ps_hold }
    }

    /// Gives the register back.
    pub fn free(self) -> pac::MPM_PS_HOLD {
        self.ps_hold
    }

    /// Resets the system by releasing PS_HOLD (with the stock PMIC configuration: see the
    /// module notes). Interrupts are masked on this core first; the function never returns,
    /// it waits for the PMIC to cut the power.
    pub fn reset(&self) -> ! {
        #[cfg(target_arch = "aarch64")]
        // SAFETY: only masks D, A, I and F on this core; nothing is expected to run any more.
        unsafe {
            core::arch::asm!(
                "msr daifset, #0xf",
                options(nomem, nostack, preserves_flags)
            )
        };
        self.ps_hold.ps_hold().write(|w| w.pshold().clear_bit());
        loop {
            // The PMIC resets the SoC within milliseconds; spin (not WFI: with everything
            // masked there is nothing to wake for, and a stopped core is harder to debug).
            core::hint::spin_loop();
        }
    }
}
