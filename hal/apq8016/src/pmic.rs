//! The PM8916 power-management IC, over SPMI (docs/hardware/spmi-pm8916.md).
//!
//! ```no_run
//! use apq8016_hal::{pac, pmic::{Keys, Pm8916}, reset::PsHold, spmi::Spmi};
//!
//! let p = pac::Peripherals::take().unwrap();
//! let spmi = Spmi::new(p.SPMI_CORE, p.SPMI_CNFG, p.SPMI_CHNLS, p.SPMI_OBSRVR)?;
//! let pmic = Pm8916::new(*spmi)?; // checks that a PM8916 answers
//! while !pmic.keys()?.contains(Keys::POWER) {} // polled; by interrupt: `PmicInterrupts`
//! PsHold::new(p.MPM_PS_HOLD).power_off(&pmic)?;
//! # Ok::<(), apq8016_hal::pmic::Error>(())
//! ```
//!
//! Design notes:
//! - Registers are described with `tock-registers` bitfields ([`registers`]) and handled as
//!   local copies: read over SPMI into a `LocalRegisterCopy`, changed with field values, written
//!   back. Flag sets the API hands out ([`PowerOnReason`], [`Keys`], ...) are `bitflags`
//!   types that keep unknown bits.
//! - [`Pm8916::new`] checks the REVID TYPE/SUBTYPE (0x51/0x0B). It holds only a copy of the
//!   [`SpmiBus`] handle, so several may exist (e.g. one for the keys, one to power off). The
//!   eight pins are tokens handed out once by [`PmicPins::take`]; [`pins`] turns them into
//!   embedded-hal output/input pins, each also keeping a bus handle.
//! - Keys can be polled from PON INT_RT_STS (bit 0 power key, bit 1 RESIN = volume down), or
//!   taken by interrupt: [`PmicInterrupts`] (`pmic/interrupts.rs`) routes PMIC interrupts
//!   (keys, RTC alarm, watchdog bark) through the arbiter to GIC ID 222.
//! - The PMIC watchdog is [`PmicWatchdog`] (`pmic/watchdog.rs`), its bark polled or an
//!   interrupt ([`PmicInterrupt::WATCHDOG_BARK`]).
//! - The RTC is [`Rtc`] (`pmic/rtc.rs`), a `Copy` handle on the bus like the pins; its alarm is
//!   polled or, as [`PmicInterrupt::RTC_ALARM`], an interrupt.
//! - Power-off: [`Pm8916::set_ps_hold_action`] programs what releasing PS_HOLD does, in the
//!   order docs/hardware/ps-hold-reset.md#reset-as-lk-does-it gives (disable, wait about
//!   300 µs, type, enable); [`crate::reset::PsHold`] then releases PS_HOLD.

pub mod interrupts;
pub mod pins;
pub mod registers;
pub mod rtc;
pub mod watchdog;

use core::fmt;

use bitflags::bitflags;

use crate::spmi::{self, SpmiBus};
use crate::time::{Delay, Duration};
use registers::{
    LocalRegisterCopy, PS_HOLD_RESET_CTL, PS_HOLD_RESET_CTL2, SID, offset, peripheral,
};

pub use interrupts::{HandleReport, PmicInterrupt, PmicInterrupts, PmicTrigger};
pub use pins::{PinKind, PmicInput, PmicOutput, PmicPin, PmicPins, PmicPull};
pub use rtc::Rtc;
pub use watchdog::{PmicWatchdog, PmicWatchdogConfig};

/// REVID TYPE of a Qualcomm PMIC.
pub const PMIC_TYPE: u8 = 0x51;
/// REVID SUBTYPE of the PM8916.
pub const PM8916_SUBTYPE: u8 = 0x0B;
/// Settle time between disabling the PS_HOLD reset and changing its type.
const PS_HOLD_SETTLE: Duration = Duration::from_micros(300);

/// Errors of the PMIC drivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// The SPMI command failed.
    Spmi(spmi::Error),
    /// REVID does not identify a PM8916.
    NotPm8916 {
        /// REVID TYPE read.
        pmic_type: u8,
        /// REVID SUBTYPE read.
        subtype: u8,
    },
    /// [`PmicPins::take`] was already called.
    PinsTaken,
    /// PMIC watchdog times out of range (bark 1..=127 s, bite 0..=127 s after it).
    InvalidWatchdogTime {
        /// Seconds to the bark asked for.
        bark: u8,
        /// Seconds from the bark to the bite asked for.
        bite_after_bark: u8,
    },
    /// [`PmicInterrupts`] already listens on [`interrupts::MAX_CHANNELS`] other peripherals.
    TooManyInterruptChannels,
}

impl From<spmi::Error> for Error {
    fn from(e: spmi::Error) -> Self {
        Error::Spmi(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Spmi(e) => write!(f, "PMIC access: {e}"),
            Error::NotPm8916 { pmic_type, subtype } => write!(
                f,
                "not a PM8916 (REVID type {pmic_type:#04x}, subtype {subtype:#04x})"
            ),
            Error::PinsTaken => f.write_str("the PMIC pins were already taken"),
            Error::InvalidWatchdogTime {
                bark,
                bite_after_bark,
            } => write!(
                f,
                "PMIC watchdog times out of range: bark {bark} s (1..=127), bite {bite_after_bark} s after it (0..=127)"
            ),
            Error::TooManyInterruptChannels => write!(
                f,
                "PMIC interrupts already enabled on {} peripherals",
                interrupts::MAX_CHANNELS
            ),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Error::Spmi(e) => Some(e),
            Error::NotPm8916 { .. }
            | Error::PinsTaken
            | Error::InvalidWatchdogTime { .. }
            | Error::TooManyInterruptChannels => None,
        }
    }
}

/// PMIC identification from REVID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Revision {
    /// TYPE (0x51: a Qualcomm PMIC).
    pub pmic_type: u8,
    /// SUBTYPE (0x0B: PM8916).
    pub subtype: u8,
    /// Major revision (REV4).
    pub major: u8,
    /// Minor revision (REV3).
    pub minor: u8,
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "type {:#04x} subtype {:#04x} v{}.{}",
            self.pmic_type, self.subtype, self.major, self.minor
        )
    }
}

bitflags! {
    /// What powered the PMIC on (PON_REASON1, docs/hardware/spmi-pm8916.md#pon-registers).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct PowerOnReason: u8 {
        /// A hard reset (e.g. PS_HOLD reset of type hard reset).
        const HARD_RESET = 1 << 0;
        /// Sudden momentary power loss: power came back after a brief loss.
        const SMPL = 1 << 1;
        /// An RTC alarm.
        const RTC = 1 << 2;
        /// A DC charger was plugged in.
        const DC_CHG = 1 << 3;
        /// A USB charger was plugged in.
        const USB_CHG = 1 << 4;
        /// The PON1 input (another PMIC).
        const PON1 = 1 << 5;
        /// The power cable (CBLPWR_N).
        const CBLPWR = 1 << 6;
        /// The power key (KPDPWR_N).
        const KPDPWR = 1 << 7;
        const _ = !0;
    }
}

bitflags! {
    /// Why the last reset was a warm reset: WARM_RESET_REASON1 in bits 7:0, REASON2 in 15:8.
    /// Any bit set means the PMIC went through a warm reset (the exact bit meanings are not
    /// in our sources, so only the raw bits are given).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct WarmResetReason: u16 {
        const _ = !0;
    }
}

bitflags! {
    /// Why the PMIC last powered off: POFF_REASON1 in bits 7:0, POFF_REASON2 in 15:8.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct PowerOffReason: u16 {
        /// Power key and RESIN held together (POFF_REASON1 bit 5).
        const KPDPWR_AND_RESIN = 1 << 5;
        /// Stage-3 reset (POFF_REASON2 bit 7).
        const STAGE3 = 1 << 15;
        const _ = !0;
    }
}

bitflags! {
    /// The PON keys that are pressed now (PON INT_RT_STS).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Keys: u8 {
        /// The power key (KPDPWR_N, S2).
        const POWER = 1 << 0;
        /// Volume down / reset (RESIN_N, S4).
        const VOLUME_DOWN = 1 << 1;
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for PowerOnReason {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "PowerOnReason({=u8:#04x})", self.bits())
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Keys {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Keys({=u8:#04x})", self.bits())
    }
}

/// What the PMIC does when PS_HOLD is released (PS_HOLD_RESET_CTL type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PsHoldAction {
    /// Warm reset: the SoC restarts, PMIC settings mostly kept.
    WarmReset,
    /// Shutdown: the board powers off.
    Shutdown,
    /// Hard reset: SoC and PMIC restart.
    HardReset,
}

/// The PM8916 (slave ID 0).
///
/// ```no_run
/// use apq8016_hal::{pac, pmic::{Pm8916, PowerOnReason}, spmi::Spmi};
///
/// let p = pac::Peripherals::take().unwrap();
/// let spmi = Spmi::new(p.SPMI_CORE, p.SPMI_CNFG, p.SPMI_CHNLS, p.SPMI_OBSRVR)?;
/// let pmic = Pm8916::new(*spmi)?;
/// let reason = pmic.power_on_reason()?;
/// if reason.contains(PowerOnReason::KPDPWR) { /* the power key switched us on */ }
/// let pressed = pmic.keys()?;
/// # let _ = pressed;
/// # Ok::<(), apq8016_hal::pmic::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Pm8916 {
    bus: SpmiBus,
}

impl Pm8916 {
    /// Checks that slave 0 is a PM8916.
    pub fn new(bus: SpmiBus) -> Result<Self, Error> {
        let pmic = Self { bus };
        let rev = pmic.revision()?;
        if rev.pmic_type != PMIC_TYPE || rev.subtype != PM8916_SUBTYPE {
            return Err(Error::NotPm8916 {
                pmic_type: rev.pmic_type,
                subtype: rev.subtype,
            });
        }
        Ok(pmic)
    }

    /// The SPMI handle this driver uses.
    pub fn bus(&self) -> SpmiBus {
        self.bus
    }

    fn read(&self, peripheral: u8, offset: u8, buf: &mut [u8]) -> Result<(), Error> {
        let address = u16::from_be_bytes([peripheral, offset]);
        Ok(self.bus.read(SID, address, buf)?)
    }

    fn read_u8(&self, peripheral: u8, offset: u8) -> Result<u8, Error> {
        let mut b = [0u8];
        self.read(peripheral, offset, &mut b)?;
        Ok(b[0])
    }

    fn write_u8(&self, peripheral: u8, offset: u8, value: u8) -> Result<(), Error> {
        let address = u16::from_be_bytes([peripheral, offset]);
        Ok(self.bus.write_u8(SID, address, value)?)
    }

    /// Type, subtype and revision from REVID (REV1..REV4, TYPE, SUBTYPE in one read).
    pub fn revision(&self) -> Result<Revision, Error> {
        let mut b = [0u8; 6];
        self.read(peripheral::REVID, offset::REVID_REV1, &mut b)?;
        Ok(Revision {
            pmic_type: b[4],
            subtype: b[5],
            major: b[3],
            minor: b[2],
        })
    }

    /// The PMIC's real-time clock.
    pub fn rtc(&self) -> Rtc {
        Rtc::new(self.bus)
    }

    /// The PMIC's watchdog.
    pub fn watchdog(&self) -> PmicWatchdog {
        PmicWatchdog::new(self.bus)
    }

    /// What powered the PMIC on.
    pub fn power_on_reason(&self) -> Result<PowerOnReason, Error> {
        let r = self.read_u8(peripheral::PON, offset::PON_REASON1)?;
        Ok(PowerOnReason::from_bits_retain(r))
    }

    /// Why the last reset was warm (empty after a cold boot).
    pub fn warm_reset_reason(&self) -> Result<WarmResetReason, Error> {
        let mut b = [0u8; 2];
        self.read(peripheral::PON, offset::WARM_RESET_REASON1, &mut b)?;
        Ok(WarmResetReason::from_bits_retain(u16::from_le_bytes(b)))
    }

    /// Why the PMIC last powered off.
    pub fn power_off_reason(&self) -> Result<PowerOffReason, Error> {
        let mut b = [0u8; 2];
        self.read(peripheral::PON, offset::POFF_REASON1, &mut b)?;
        Ok(PowerOffReason::from_bits_retain(u16::from_le_bytes(b)))
    }

    /// The PON keys pressed right now (polled).
    pub fn keys(&self) -> Result<Keys, Error> {
        let rt = self.read_u8(peripheral::PON, offset::INT_RT_STS)?;
        Ok(Keys::from_bits_truncate(rt))
    }

    /// Whether the power key is pressed now.
    pub fn power_key_pressed(&self) -> Result<bool, Error> {
        Ok(self.keys()?.contains(Keys::POWER))
    }

    /// Whether volume down (RESIN) is pressed now.
    pub fn volume_down_pressed(&self) -> Result<bool, Error> {
        Ok(self.keys()?.contains(Keys::VOLUME_DOWN))
    }

    /// What releasing PS_HOLD does now: `None` when the PS_HOLD reset is disabled or its type
    /// is none of the three known ones.
    pub fn ps_hold_action(&self) -> Result<Option<PsHoldAction>, Error> {
        let ctl2 = LocalRegisterCopy::<u8, PS_HOLD_RESET_CTL2::Register>::new(
            self.read_u8(peripheral::PON, offset::PS_HOLD_RESET_CTL2)?,
        );
        if !ctl2.is_set(PS_HOLD_RESET_CTL2::ENABLE) {
            return Ok(None);
        }
        let ctl = LocalRegisterCopy::<u8, PS_HOLD_RESET_CTL::Register>::new(
            self.read_u8(peripheral::PON, offset::PS_HOLD_RESET_CTL)?,
        );
        use PS_HOLD_RESET_CTL::RESET_TYPE::Value as Type;
        Ok(match ctl.read_as_enum(PS_HOLD_RESET_CTL::RESET_TYPE) {
            Some(Type::WarmReset) => Some(PsHoldAction::WarmReset),
            Some(Type::Shutdown) => Some(PsHoldAction::Shutdown),
            Some(Type::HardReset) => Some(PsHoldAction::HardReset),
            None => None,
        })
    }

    /// Programs what releasing PS_HOLD does: disable the PS_HOLD reset, wait about 300 µs,
    /// set the type, enable it again (docs/hardware/ps-hold-reset.md#reset-as-lk-does-it).
    pub fn set_ps_hold_action(&self, action: PsHoldAction) -> Result<(), Error> {
        let mut ctl2 = LocalRegisterCopy::<u8, PS_HOLD_RESET_CTL2::Register>::new(
            self.read_u8(peripheral::PON, offset::PS_HOLD_RESET_CTL2)?,
        );
        ctl2.modify(PS_HOLD_RESET_CTL2::ENABLE::CLEAR);
        self.write_u8(peripheral::PON, offset::PS_HOLD_RESET_CTL2, ctl2.get())?;
        Delay::new().delay(PS_HOLD_SETTLE);
        let mut ctl = LocalRegisterCopy::<u8, PS_HOLD_RESET_CTL::Register>::new(
            self.read_u8(peripheral::PON, offset::PS_HOLD_RESET_CTL)?,
        );
        ctl.modify(match action {
            PsHoldAction::WarmReset => PS_HOLD_RESET_CTL::RESET_TYPE::WarmReset,
            PsHoldAction::Shutdown => PS_HOLD_RESET_CTL::RESET_TYPE::Shutdown,
            PsHoldAction::HardReset => PS_HOLD_RESET_CTL::RESET_TYPE::HardReset,
        });
        self.write_u8(peripheral::PON, offset::PS_HOLD_RESET_CTL, ctl.get())?;
        ctl2.modify(PS_HOLD_RESET_CTL2::ENABLE::SET);
        self.write_u8(peripheral::PON, offset::PS_HOLD_RESET_CTL2, ctl2.get())
    }

    /// Reads `buf.len()` (1 to 8) registers of any PM8916 (SID 0) peripheral: for registers
    /// this driver has no function for.
    pub fn read_raw(&self, address: u16, buf: &mut [u8]) -> Result<(), Error> {
        Ok(self.bus.read(SID, address, buf)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_keep_unknown_bits_and_name_known_ones() {
        let r = PowerOnReason::from_bits_retain(0x81);
        assert!(r.contains(PowerOnReason::KPDPWR | PowerOnReason::HARD_RESET));
        assert_eq!(r.bits(), 0x81);
        let k = Keys::from_bits_truncate(0x53);
        assert_eq!(k, Keys::POWER | Keys::VOLUME_DOWN);
        let p = PowerOffReason::from_bits_retain(0x8020);
        assert!(p.contains(PowerOffReason::STAGE3 | PowerOffReason::KPDPWR_AND_RESIN));
    }

    #[test]
    fn ps_hold_type_field_values() {
        let mut ctl = LocalRegisterCopy::<u8, PS_HOLD_RESET_CTL::Register>::new(0xF0);
        ctl.modify(PS_HOLD_RESET_CTL::RESET_TYPE::Shutdown);
        assert_eq!(ctl.get(), 0xF4);
        ctl.modify(PS_HOLD_RESET_CTL::RESET_TYPE::HardReset);
        assert_eq!(ctl.get(), 0xF7);
    }
}
