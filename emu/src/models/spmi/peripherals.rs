//! The PM8916's peripherals as the arbiter sees them: which registers exist, their access and
//! reset values (docs/hardware/spmi-pm8916.md#pm8916-register-map). Computed registers (keys,
//! pins, RTC, interrupts) get their values from the models in `super`.

use super::{PON_REASON1, PS_HOLD_RESET_CTL, PS_HOLD_RESET_CTL2, rtc};

/// How a PMIC register behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Writes are ignored.
    ReadOnly,
    /// Writes are stored.
    ReadWrite,
}

/// One PMIC peripheral (256 registers, of which only the listed ones exist).
#[derive(Debug, Clone)]
pub struct Peripheral {
    /// Slave ID.
    pub sid: u8,
    /// Peripheral number (high address byte).
    pub id: u8,
    /// Name in the register map.
    pub name: &'static str,
    /// (offset, access, value) of each register that exists.
    pub regs: Vec<(u8, Access, u8)>,
}

impl Peripheral {
    fn new(sid: u8, id: u8, name: &'static str, ty: u8, subtype: u8) -> Self {
        Self {
            sid,
            id,
            name,
            regs: vec![
                (0x04, Access::ReadOnly, ty),
                (0x05, Access::ReadOnly, subtype),
            ],
        }
    }

    fn with(mut self, offset: u8, access: Access, value: u8) -> Self {
        self.regs.push((offset, access, value));
        self
    }

    pub fn ppid(&self) -> u32 {
        u32::from(self.sid) << 8 | u32::from(self.id)
    }

    pub fn reg(&mut self, offset: u8) -> Option<&mut (u8, Access, u8)> {
        self.regs.iter_mut().find(|r| r.0 == offset)
    }

    pub fn value(&self, offset: u8) -> Option<u8> {
        self.regs.iter().find(|r| r.0 == offset).map(|r| r.2)
    }
}

/// QPNP interrupt registers every peripheral has (0x10 RT_STS .. 0x18 LATCHED_STS).
fn with_interrupt_regs(p: Peripheral) -> Peripheral {
    p.with(0x10, Access::ReadOnly, 0)
        .with(0x11, Access::ReadWrite, 0)
        .with(0x12, Access::ReadWrite, 0)
        .with(0x13, Access::ReadWrite, 0)
        .with(0x14, Access::ReadWrite, 0)
        .with(0x15, Access::ReadWrite, 0)
        .with(0x16, Access::ReadWrite, 0)
        .with(0x18, Access::ReadOnly, 0)
        .with(0x19, Access::ReadOnly, 0)
}

/// The PM8916 peripherals on SID 0.
pub fn pm8916(pon_reason: u8) -> Vec<Peripheral> {
    use Access::{ReadOnly as Ro, ReadWrite as Rw};
    // REVID: REV1..REV4, TYPE 0x51 (PMIC), SUBTYPE 0x0B (PM8916). Revision bytes describe a
    // v2.0 part (REV4 major 2, REV3 minor 0).
    let revid = Peripheral::new(0, 0x01, "REVID", 0x51, 0x0B)
        .with(0x00, Ro, 0x00)
        .with(0x01, Ro, 0x00)
        .with(0x02, Ro, 0x00)
        .with(0x03, Ro, 0x02);
    // PON: TYPE 0x01 (power-on peripheral), SUBTYPE 0x01 ("primary" PON of a first-generation
    // PMIC such as the PM8916; later generations report 0x04/0x08). The subtype codes come from
    // the public PON driver headers; the TYPE value follows the QPNP peripheral type numbering.
    let pon = with_interrupt_regs(Peripheral::new(0, 0x08, "PON", 0x01, 0x01))
        .with(0x01, Ro, 0x01) // REV2
        .with(PON_REASON1, Ro, pon_reason) // what started this run (`--pon-reason`)
        .with(0x0A, Ro, 0)
        .with(0x0B, Ro, 0)
        .with(0x0C, Ro, 0)
        .with(0x0D, Ro, 0)
        .with(0x44, Rw, 0)
        .with(0x45, Rw, 0)
        .with(0x46, Rw, 0)
        .with(0x54, Rw, 0)
        .with(0x55, Rw, 0)
        .with(0x56, Rw, 0)
        .with(0x57, Rw, 0)
        .with(0x58, Rw, 0)
        .with(PS_HOLD_RESET_CTL, Rw, 0x07) // hard reset, as for a normal reboot
        .with(PS_HOLD_RESET_CTL2, Rw, 0x80) // enabled
        .with(0x70, Rw, 0x03) // pull-ups on KPDPWR and RESIN (DT: bias-pull-up)
        .with(0x71, Rw, 0)
        .with(0x8F, Rw, 0);
    let mut v = vec![revid, pon];
    for (n, name) in ["GPIO1", "GPIO2", "GPIO3", "GPIO4"].into_iter().enumerate() {
        // TYPE 0x10 = GPIO; SUBTYPE 0x01 (a 4-source GPIO) is our assumption.
        v.push(
            with_interrupt_regs(Peripheral::new(0, 0xC0 + n as u8, name, 0x10, 0x01))
                .with(0x08, Ro, 0) // STATUS (computed)
                .with(0x40, Rw, 0) // MODE_CTL
                .with(0x41, Rw, 0) // DIG_VIN_CTL
                .with(0x42, Rw, 0) // DIG_PULL_CTL
                .with(0x43, Rw, 0) // DIG_IN_CTL
                .with(0x45, Rw, 0) // DIG_OUT_CTL
                .with(0x46, Rw, 0), // EN_CTL
        );
    }
    for (n, name) in ["MPP1", "MPP2", "MPP3", "MPP4"].into_iter().enumerate() {
        // TYPE 0x11 = MPP; SUBTYPE 0x03 (a 4-source MPP) is our assumption.
        v.push(
            with_interrupt_regs(Peripheral::new(0, 0xA0 + n as u8, name, 0x11, 0x03))
                .with(0x40, Rw, 0) // MODE_CTL
                .with(0x41, Rw, 0) // DIG_VIN_CTL
                .with(0x42, Rw, 0) // DIG_PULL_CTL
                .with(0x43, Rw, 0) // DIG_IN_CTL
                .with(0x46, Rw, 0) // EN_CTL
                .with(0x48, Rw, 0) // AOUT_CTL
                .with(0x4A, Rw, 0) // AIN_CTL
                .with(0x4C, Rw, 0), // SINK_CTL
        );
    }
    // RTC (docs/hardware/spmi-pm8916.md#rtc): the values of the counting registers and the
    // alarm's come from [`Rtc`]; the list says which registers exist. TYPE/SUBTYPE 0x0B/0x01
    // and 0x0B/0x02 are our assumption (no source gives them).
    let mut rtc_rw = Peripheral::new(0, rtc::RTC_RW, "RTC_RW", 0x0B, 0x01);
    for offset in [0x40, 0x41, 0x42, 0x43, 0x46, 0x48, 0x49, 0x4A, 0x4B] {
        rtc_rw = rtc_rw.with(offset, Rw, 0);
    }
    let mut alarm =
        with_interrupt_regs(Peripheral::new(0, rtc::RTC_ALARM, "RTC_ALARM", 0x0B, 0x02));
    for offset in [0x40, 0x41, 0x42, 0x43, 0x46, 0x48] {
        alarm = alarm.with(offset, Rw, 0);
    }
    v.push(rtc_rw);
    v.push(alarm);
    v
}
