//! The PM8916's own watchdog, in its power-on (PON) peripheral
//! (docs/hardware/watchdog.md#pmic-watchdog).
//!
//! Design notes:
//! - Two stages in whole seconds: the bark (PON INT_RT_STS bit 6) `bark` seconds after the
//!   last pet (PMIC_WD_RESET_S1_TIMER), then the bite `bite_after_bark` seconds later
//!   (PMIC_WD_RESET_S2_TIMER), which does what PMIC_WD_RESET_S2_CTL says: warm reset,
//!   shutdown or hard reset. Each timer is 7 bits (1..=127 s for the bark, 0..=127 s after it).
//! - [`PmicWatchdog::enable`] disables the bite (S2_CTL2 bit 7 = 0), programs both timers and
//!   the type, pets, then enables it; the bark is polled ([`PmicWatchdog::barked`]) or taken
//!   as the PMIC interrupt [`super::PmicInterrupt::WATCHDOG_BARK`] ([`super::PmicInterrupts`]).

use super::registers::{
    LocalRegisterCopy, PMIC_WD_RESET_PET, PMIC_WD_RESET_S2_CTL, PMIC_WD_RESET_S2_CTL2,
    PMIC_WD_TIMER, PON_INT_RT_STS, SID, offset, peripheral,
};
use super::{Error, PsHoldAction};
use crate::spmi::SpmiBus;

/// Longest stage, in seconds (7-bit timers).
pub const MAX_SECONDS: u8 = 127;

/// When the PMIC watchdog barks and bites, and what the bite does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PmicWatchdogConfig {
    /// Seconds from the last pet to the bark (1..=127).
    pub bark: u8,
    /// Seconds from the bark to the bite (0..=127).
    pub bite_after_bark: u8,
    /// What the bite does.
    pub action: PsHoldAction,
}

/// The PM8916 watchdog, through an SPMI handle.
///
/// ```no_run
/// use apq8016_hal::{pac, pmic::{PsHoldAction, watchdog::{PmicWatchdog, PmicWatchdogConfig}}, spmi::Spmi};
///
/// let p = pac::Peripherals::take().unwrap();
/// let spmi = Spmi::new(p.SPMI_CORE, p.SPMI_CNFG, p.SPMI_CHNLS, p.SPMI_OBSRVR)?;
/// let watchdog = PmicWatchdog::new(*spmi);
/// watchdog.enable(&PmicWatchdogConfig { bark: 8, bite_after_bark: 2, action: PsHoldAction::HardReset })?;
/// watchdog.pet()?;
/// # Ok::<(), apq8016_hal::pmic::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct PmicWatchdog {
    bus: SpmiBus,
}

impl PmicWatchdog {
    /// The watchdog behind `bus` (no SPMI traffic yet).
    pub fn new(bus: SpmiBus) -> Self {
        Self { bus }
    }

    fn write(&self, offset: u8, value: u8) -> Result<(), Error> {
        let address = u16::from_be_bytes([peripheral::PON, offset]);
        Ok(self.bus.write_u8(SID, address, value)?)
    }

    fn read(&self, offset: u8) -> Result<u8, Error> {
        let address = u16::from_be_bytes([peripheral::PON, offset]);
        Ok(self.bus.read_u8(SID, address)?)
    }

    /// Programs `config` and starts the watchdog, counting from 0.
    pub fn enable(&self, config: &PmicWatchdogConfig) -> Result<(), Error> {
        let seconds_ok = |s: u8| s <= MAX_SECONDS;
        if config.bark == 0 || !seconds_ok(config.bark) || !seconds_ok(config.bite_after_bark) {
            return Err(Error::InvalidWatchdogTime {
                bark: config.bark,
                bite_after_bark: config.bite_after_bark,
            });
        }
        self.disable()?;
        let timer = |s: u8| {
            let mut t = LocalRegisterCopy::<u8, PMIC_WD_TIMER::Register>::new(0);
            t.modify(PMIC_WD_TIMER::SECONDS.val(s));
            t.get()
        };
        self.write(offset::PMIC_WD_RESET_S1_TIMER, timer(config.bark))?;
        self.write(
            offset::PMIC_WD_RESET_S2_TIMER,
            timer(config.bite_after_bark),
        )?;
        let mut ctl = LocalRegisterCopy::<u8, PMIC_WD_RESET_S2_CTL::Register>::new(0);
        ctl.modify(match config.action {
            PsHoldAction::WarmReset => PMIC_WD_RESET_S2_CTL::RESET_TYPE::WarmReset,
            PsHoldAction::Shutdown => PMIC_WD_RESET_S2_CTL::RESET_TYPE::Shutdown,
            PsHoldAction::HardReset => PMIC_WD_RESET_S2_CTL::RESET_TYPE::HardReset,
        });
        self.write(offset::PMIC_WD_RESET_S2_CTL, ctl.get())?;
        self.pet()?;
        let mut ctl2 = LocalRegisterCopy::<u8, PMIC_WD_RESET_S2_CTL2::Register>::new(0);
        ctl2.modify(PMIC_WD_RESET_S2_CTL2::ENABLE::SET);
        self.write(offset::PMIC_WD_RESET_S2_CTL2, ctl2.get())
    }

    /// Restarts the count (and ends a bark).
    pub fn pet(&self) -> Result<(), Error> {
        let mut pet = LocalRegisterCopy::<u8, PMIC_WD_RESET_PET::Register>::new(0);
        pet.modify(PMIC_WD_RESET_PET::PET::SET);
        self.write(offset::PMIC_WD_RESET_PET, pet.get())
    }

    /// Stops the watchdog (S2_CTL2 bit 7 = 0).
    pub fn disable(&self) -> Result<(), Error> {
        self.write(offset::PMIC_WD_RESET_S2_CTL2, 0)
    }

    /// Whether the watchdog runs.
    pub fn is_enabled(&self) -> Result<bool, Error> {
        let ctl2 = LocalRegisterCopy::<u8, PMIC_WD_RESET_S2_CTL2::Register>::new(
            self.read(offset::PMIC_WD_RESET_S2_CTL2)?,
        );
        Ok(ctl2.is_set(PMIC_WD_RESET_S2_CTL2::ENABLE))
    }

    /// Whether it barked since the last pet (PON INT_RT_STS bit 6, polled).
    pub fn barked(&self) -> Result<bool, Error> {
        let rt =
            LocalRegisterCopy::<u8, PON_INT_RT_STS::Register>::new(self.read(offset::INT_RT_STS)?);
        Ok(rt.is_set(PON_INT_RT_STS::WATCHDOG_BARK))
    }
}
