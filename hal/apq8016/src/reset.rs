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
//! Powering off (or choosing the kind of reset) needs the PMIC's PS_HOLD action set over SPMI
//! first: [`PsHold::power_off`] and [`PsHold::reset_as`] do that through the PM8916 driver
//! ([`crate::pmic::Pm8916::set_ps_hold_action`]) and then release PS_HOLD.

use core::convert::Infallible;

use crate::pac;
use crate::pmic::{self, Pm8916, PsHoldAction};

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
        self.release()
    }

    /// Powers the board off: sets the PMIC's PS_HOLD action to shutdown, then releases
    /// PS_HOLD. Returns only if the PMIC could not be configured (nothing was released).
    pub fn power_off(&self, pmic: &Pm8916) -> Result<Infallible, pmic::Error> {
        self.reset_as(pmic, PsHoldAction::Shutdown)
    }

    /// Sets the PMIC's PS_HOLD action (warm reset, hard reset or shutdown), then releases
    /// PS_HOLD. Returns only if the PMIC could not be configured (nothing was released).
    pub fn reset_as(&self, pmic: &Pm8916, action: PsHoldAction) -> Result<Infallible, pmic::Error> {
        pmic.set_ps_hold_action(action)?;
        self.release()
    }

    /// Masks interrupts and releases PS_HOLD; waits for the PMIC to act.
    fn release(&self) -> ! {
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
