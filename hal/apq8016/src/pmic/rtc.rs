//! The PM8916 real-time clock: a 32-bit count of seconds that keeps running while the SoC is
//! reset or off, and one alarm (docs/hardware/spmi-pm8916.md#rtc).
//!
//! Design notes:
//! - Reading: the four RTC_READ bytes in one transfer, then the low byte again; when the
//!   low byte went down in between, the count carried into the upper bytes during the first
//!   read, so all four are read once more (docs/hardware/spmi-pm8916.md#rtc-sequences).
//! - Setting: alarm off if on, counter off if on, low byte 0 first (so no carry can happen
//!   while the upper bytes change), the three upper bytes, the real low byte, then counter and
//!   alarm back on as they were.
//! - The alarm can be polled ([`Rtc::alarm_fired`], the alarm peripheral's INT_RT_STS bit 1)
//!   or taken as the PMIC interrupt [`super::PmicInterrupt::RTC_ALARM`]
//!   ([`super::PmicInterrupts`]).

use super::Error;
use super::registers::{
    ALARM_CTRL2, ALARM_INT_RT_STS, LocalRegisterCopy, RTC_CTRL, SID, offset, peripheral,
};
use crate::spmi::SpmiBus;

/// The PM8916 RTC, through an SPMI handle.
///
/// ```no_run
/// use apq8016_hal::{pac, pmic::Rtc, spmi::Spmi};
///
/// let p = pac::Peripherals::take().unwrap();
/// let spmi = Spmi::new(p.SPMI_CORE, p.SPMI_CNFG, p.SPMI_CHNLS, p.SPMI_OBSRVR)?;
/// let rtc = Rtc::new(*spmi);
/// let now = rtc.seconds()?;
/// rtc.set_alarm(now + 10)?;
/// while !rtc.alarm_fired()? {}
/// rtc.clear_alarm()?;
/// # Ok::<(), apq8016_hal::pmic::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Rtc {
    bus: SpmiBus,
}

fn address(peripheral: u8, offset: u8) -> u16 {
    u16::from_be_bytes([peripheral, offset])
}

impl Rtc {
    /// The RTC behind `bus` (no SPMI traffic yet).
    pub fn new(bus: SpmiBus) -> Self {
        Self { bus }
    }

    fn read(&self, peripheral: u8, offset: u8, buf: &mut [u8]) -> Result<(), Error> {
        Ok(self.bus.read(SID, address(peripheral, offset), buf)?)
    }

    fn read_u8(&self, peripheral: u8, offset: u8) -> Result<u8, Error> {
        let mut b = [0u8];
        self.read(peripheral, offset, &mut b)?;
        Ok(b[0])
    }

    fn write(&self, peripheral: u8, offset: u8, data: &[u8]) -> Result<(), Error> {
        Ok(self.bus.write(SID, address(peripheral, offset), data)?)
    }

    fn control(&self, peripheral: u8) -> Result<LocalRegisterCopy<u8, RTC_CTRL::Register>, Error> {
        let ctrl = match peripheral {
            peripheral::RTC_RW => offset::RTC_CTRL,
            _ => offset::ALARM_CTRL,
        };
        Ok(LocalRegisterCopy::new(self.read_u8(peripheral, ctrl)?))
    }

    fn set_enabled(&self, peripheral: u8, on: bool) -> Result<(), Error> {
        let ctrl = match peripheral {
            peripheral::RTC_RW => offset::RTC_CTRL,
            _ => offset::ALARM_CTRL,
        };
        let mut reg = self.control(peripheral)?;
        reg.modify(if on {
            RTC_CTRL::ENABLE::SET
        } else {
            RTC_CTRL::ENABLE::CLEAR
        });
        self.write(peripheral, ctrl, &[reg.get()])
    }

    /// Whether the counter runs (RTC_CTRL bit 7).
    pub fn is_running(&self) -> Result<bool, Error> {
        Ok(self.control(peripheral::RTC_RW)?.is_set(RTC_CTRL::ENABLE))
    }

    /// Starts the counter if it is stopped.
    pub fn start(&self) -> Result<(), Error> {
        self.set_enabled(peripheral::RTC_RW, true)
    }

    /// The count in seconds (on the DragonBoard: seconds since 1970-01-01 UTC once set).
    pub fn seconds(&self) -> Result<u32, Error> {
        let mut bytes = [0u8; 4];
        self.read(peripheral::RTC_RW, offset::RTC_READ, &mut bytes)?;
        let low_again = self.read_u8(peripheral::RTC_RW, offset::RTC_READ)?;
        if low_again < bytes[0] {
            // The low byte wrapped during the first read: the upper bytes may be stale.
            self.read(peripheral::RTC_RW, offset::RTC_READ, &mut bytes)?;
        }
        Ok(u32::from_le_bytes(bytes))
    }

    /// Sets the count: alarm and counter off (when on), low byte 0, upper bytes, low byte,
    /// then counter and alarm back on as they were. The counter runs afterwards.
    pub fn set_seconds(&self, seconds: u32) -> Result<(), Error> {
        let alarm_on = self
            .control(peripheral::RTC_ALARM)?
            .is_set(RTC_CTRL::ENABLE);
        if alarm_on {
            self.set_enabled(peripheral::RTC_ALARM, false)?;
        }
        let running = self.is_running()?;
        if running {
            self.set_enabled(peripheral::RTC_RW, false)?;
        }
        let bytes = seconds.to_le_bytes();
        self.write(peripheral::RTC_RW, offset::RTC_WRITE, &[0])?;
        self.write(peripheral::RTC_RW, offset::RTC_WRITE + 1, &bytes[1..])?;
        self.write(peripheral::RTC_RW, offset::RTC_WRITE, &bytes[..1])?;
        self.set_enabled(peripheral::RTC_RW, true)?;
        if alarm_on {
            self.set_enabled(peripheral::RTC_ALARM, true)?;
        }
        Ok(())
    }

    /// Arms the alarm for count `seconds`: clears an old alarm status, writes ALARM_RW and
    /// enables the alarm.
    pub fn set_alarm(&self, seconds: u32) -> Result<(), Error> {
        self.set_enabled(peripheral::RTC_ALARM, false)?;
        self.clear_alarm()?;
        self.write(
            peripheral::RTC_ALARM,
            offset::ALARM_RW,
            &seconds.to_le_bytes(),
        )?;
        self.set_enabled(peripheral::RTC_ALARM, true)
    }

    /// The armed alarm time, `None` when the alarm is off.
    pub fn alarm(&self) -> Result<Option<u32>, Error> {
        if !self
            .control(peripheral::RTC_ALARM)?
            .is_set(RTC_CTRL::ENABLE)
        {
            return Ok(None);
        }
        let mut bytes = [0u8; 4];
        self.read(peripheral::RTC_ALARM, offset::ALARM_RW, &mut bytes)?;
        Ok(Some(u32::from_le_bytes(bytes)))
    }

    /// Disarms the alarm (its status stays until [`Rtc::clear_alarm`]).
    pub fn disable_alarm(&self) -> Result<(), Error> {
        self.set_enabled(peripheral::RTC_ALARM, false)
    }

    /// Whether the alarm went off (polled: alarm INT_RT_STS bit 1).
    pub fn alarm_fired(&self) -> Result<bool, Error> {
        let sts = LocalRegisterCopy::<u8, ALARM_INT_RT_STS::Register>::new(
            self.read_u8(peripheral::RTC_ALARM, offset::INT_RT_STS)?,
        );
        Ok(sts.is_set(ALARM_INT_RT_STS::ALARM))
    }

    /// Clears the alarm status (ALARM_CTRL2 bit 0).
    pub fn clear_alarm(&self) -> Result<(), Error> {
        let mut reg = LocalRegisterCopy::<u8, ALARM_CTRL2::Register>::new(0);
        reg.modify(ALARM_CTRL2::CLEAR::SET);
        self.write(peripheral::RTC_ALARM, offset::ALARM_CTRL2, &[reg.get()])
    }
}
