//! PMIC interrupts through the SPMI arbiter to the GIC (docs/hardware/spmi-pm8916.md#pmic-interrupts).
//!
//! Design notes:
//! - A PMIC interrupt is a bit of one PMIC peripheral's interrupt registers ([`PmicInterrupt`]:
//!   the power key is PON bit 0, volume down PON bit 1, the RTC alarm bit 1 of the alarm
//!   peripheral). Every PMIC interrupt the application processor owns arrives on one GIC
//!   line, [`crate::pac::Interrupt::SPMI_PERIPHERAL`] (SPI 190, ID 222), level-triggered.
//! - [`PmicInterrupts::listen`] programs the peripheral in the order that cannot fire on a
//!   stale state: INT_EN_CLR (off), INT_SET_TYPE / INT_POLARITY_HIGH / INT_POLARITY_LOW
//!   (read-modify-write of that bit only), INT_LATCHED_CLR, the arbiter's IRQ_CLEAR and
//!   ACC_ENABLE of the channel, then INT_EN_SET.
//! - The GIC handler calls [`PmicInterrupts::handle`]: it scans OWNER_ACC_STATUS of EE 0 for
//!   flagged channels, reads each one's IRQ_STATUS, clears every bit found at the arbiter
//!   (IRQ_CLEAR) and at the peripheral (INT_LATCHED_CLR), and only then calls the callback
//!   with the interrupt, so an edge that comes while the callback runs latches anew and is
//!   not lost. The callback reads the live state itself ([`PmicInterrupts::is_active`]).
//! - It remembers the channels it enabled (at most [`MAX_CHANNELS`]) so the handler needs no
//!   table lookup; a flagged channel it does not know is cleared at the arbiter and only
//!   counted ([`HandleReport::unknown`]).

use core::fmt;

use super::Error;
use super::registers::{SID, peripheral};
use crate::pac;
use crate::spmi::{Channel, SpmiBus};

/// Channels [`PmicInterrupts`] can listen on at once.
pub const MAX_CHANNELS: usize = 8;

/// Offsets of a peripheral's interrupt registers.
mod offset {
    pub const INT_RT_STS: u8 = 0x10;
    pub const INT_SET_TYPE: u8 = 0x11;
    pub const INT_POLARITY_HIGH: u8 = 0x12;
    pub const INT_POLARITY_LOW: u8 = 0x13;
    pub const INT_LATCHED_CLR: u8 = 0x14;
    pub const INT_EN_SET: u8 = 0x15;
    pub const INT_EN_CLR: u8 = 0x16;
}

/// One PMIC interrupt: bit `bit` (0-7) of the interrupt registers of PMIC peripheral
/// `peripheral` (slave 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PmicInterrupt {
    /// Peripheral number (high byte of its register addresses).
    pub peripheral: u8,
    /// Bit in the peripheral's interrupt registers.
    pub bit: u8,
}

impl PmicInterrupt {
    /// The power key (KPDPWR_N): PON bit 0, active while pressed.
    pub const POWER_KEY: PmicInterrupt = PmicInterrupt::new(peripheral::PON, 0);
    /// Volume down / reset (RESIN_N): PON bit 1, active while pressed.
    pub const VOLUME_DOWN: PmicInterrupt = PmicInterrupt::new(peripheral::PON, 1);
    /// The PMIC watchdog's bark: PON bit 6.
    pub const WATCHDOG_BARK: PmicInterrupt = PmicInterrupt::new(peripheral::PON, 6);
    /// The RTC alarm: bit 1 of the alarm peripheral.
    pub const RTC_ALARM: PmicInterrupt = PmicInterrupt::new(peripheral::RTC_ALARM, 1);

    /// Bit `bit` (taken modulo 8) of `peripheral`.
    pub const fn new(peripheral: u8, bit: u8) -> Self {
        Self {
            peripheral,
            bit: bit & 7,
        }
    }

    const fn mask(self) -> u8 {
        1 << self.bit
    }
}

/// What raises a PMIC interrupt, from its live state (INT_RT_STS bit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PmicTrigger {
    /// Becoming active (a key pressed, the alarm going off).
    RisingEdge,
    /// Becoming inactive (a key released).
    FallingEdge,
    /// Either change.
    BothEdges,
    /// While active (raised again after each acknowledge while it lasts).
    LevelHigh,
    /// While inactive.
    LevelLow,
}

impl PmicTrigger {
    /// (edge, polarity high, polarity low): the INT_SET_TYPE, INT_POLARITY_HIGH and
    /// INT_POLARITY_LOW bits.
    pub const fn bits(self) -> (bool, bool, bool) {
        match self {
            PmicTrigger::RisingEdge => (true, true, false),
            PmicTrigger::FallingEdge => (true, false, true),
            PmicTrigger::BothEdges => (true, true, true),
            PmicTrigger::LevelHigh => (false, true, false),
            PmicTrigger::LevelLow => (false, false, true),
        }
    }
}

/// What one [`PmicInterrupts::handle`] call found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct HandleReport {
    /// Interrupts passed to the callback.
    pub handled: u32,
    /// Flagged channels this driver did not enable (cleared, not passed on).
    pub unknown: u32,
}

/// The PMIC's interrupts, as the application processor receives them.
///
/// ```no_run
/// use apq8016_hal::{pac, pmic::{PmicInterrupt, PmicInterrupts, PmicTrigger}, spmi::Spmi};
///
/// let p = pac::Peripherals::take().unwrap();
/// let spmi = Spmi::new(p.SPMI_CORE, p.SPMI_CNFG, p.SPMI_CHNLS, p.SPMI_OBSRVR)?;
/// let mut irqs = PmicInterrupts::new(*spmi, p.SPMI_INTR);
/// irqs.listen(PmicInterrupt::POWER_KEY, PmicTrigger::BothEdges)?;
/// // In the handler of GIC ID 222 (`pac::Interrupt::SPMI_PERIPHERAL`):
/// irqs.handle(|irq| {
///     if irq == PmicInterrupt::POWER_KEY { /* pressed or released */ }
/// })?;
/// # Ok::<(), apq8016_hal::pmic::Error>(())
/// ```
pub struct PmicInterrupts {
    bus: SpmiBus,
    intr: pac::SPMI_INTR,
    /// Channels with an enabled interrupt: (channel, peripheral).
    channels: [Option<Channel>; MAX_CHANNELS],
}

impl fmt::Debug for PmicInterrupts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PmicInterrupts")
            .field("channels", &self.channels)
            .finish_non_exhaustive()
    }
}

impl PmicInterrupts {
    /// Takes the arbiter's interrupt window; enables nothing.
    pub fn new(bus: SpmiBus, intr: pac::SPMI_INTR) -> Self {
        Self {
            bus,
            intr,
            channels: [None; MAX_CHANNELS],
        }
    }

    /// Gives the window back (the PMIC interrupts stay as they are).
    pub fn free(self) -> pac::SPMI_INTR {
        self.intr
    }

    fn read_u8(&self, channel: &Channel, offset: u8) -> Result<u8, Error> {
        let mut b = [0u8];
        self.bus.read_channel(channel, offset, &mut b)?;
        Ok(b[0])
    }

    fn write_u8(&self, channel: &Channel, offset: u8, value: u8) -> Result<(), Error> {
        Ok(self.bus.write_channel(channel, offset, &[value])?)
    }

    fn set_bit(&self, channel: &Channel, offset: u8, mask: u8, on: bool) -> Result<(), Error> {
        let old = self.read_u8(channel, offset)?;
        let new = if on { old | mask } else { old & !mask };
        if new != old {
            self.write_u8(channel, offset, new)?;
        }
        Ok(())
    }

    /// Makes `irq` raise the arbiter's GIC interrupt on `trigger`; a stale latched state is
    /// cleared first. [`Error::TooManyInterruptChannels`] when [`MAX_CHANNELS`] other
    /// peripherals already listen.
    pub fn listen(&mut self, irq: PmicInterrupt, trigger: PmicTrigger) -> Result<(), Error> {
        let channel = self.bus.channel(SID, irq.peripheral)?;
        let slot = match self.channels.iter().position(|c| *c == Some(channel)) {
            Some(k) => k,
            None => self
                .channels
                .iter()
                .position(Option::is_none)
                .ok_or(Error::TooManyInterruptChannels)?,
        };
        let mask = irq.mask();
        let (edge, high, low) = trigger.bits();
        self.write_u8(&channel, offset::INT_EN_CLR, mask)?;
        self.set_bit(&channel, offset::INT_SET_TYPE, mask, edge)?;
        self.set_bit(&channel, offset::INT_POLARITY_HIGH, mask, high)?;
        self.set_bit(&channel, offset::INT_POLARITY_LOW, mask, low)?;
        self.write_u8(&channel, offset::INT_LATCHED_CLR, mask)?;
        let regs = self.intr.channel_irq(usize::from(channel.apid()));
        regs.irq_clear().write(|w| w.clear().set(mask));
        regs.acc_enable().write(|w| w.enable().set_bit());
        self.write_u8(&channel, offset::INT_EN_SET, mask)?;
        self.channels[slot] = Some(channel);
        Ok(())
    }

    /// Stops `irq` from raising interrupts (INT_EN_CLR); the channel stays enabled at the
    /// arbiter for the peripheral's other interrupts.
    pub fn unlisten(&mut self, irq: PmicInterrupt) -> Result<(), Error> {
        let channel = self.bus.channel(SID, irq.peripheral)?;
        self.write_u8(&channel, offset::INT_EN_CLR, irq.mask())
    }

    /// The live state of `irq` (its INT_RT_STS bit): e.g. whether the key is held now.
    pub fn is_active(&self, irq: PmicInterrupt) -> Result<bool, Error> {
        let channel = self.bus.channel(SID, irq.peripheral)?;
        Ok(self.read_u8(&channel, offset::INT_RT_STS)? & irq.mask() != 0)
    }

    /// Acknowledges every pending PMIC interrupt of this processor and calls `callback` with
    /// each one this driver enabled, after it was cleared. Call it from the handler of
    /// [`pac::Interrupt::SPMI_PERIPHERAL`].
    pub fn handle(
        &mut self,
        mut callback: impl FnMut(PmicInterrupt),
    ) -> Result<HandleReport, Error> {
        let mut report = HandleReport::default();
        let channels = self.intr.channel_irq_iter().count();
        for (k, word) in self.intr.owner_acc_status_iter().enumerate() {
            let mut flagged = word.read().bits();
            while flagged != 0 {
                let i = flagged.trailing_zeros();
                flagged &= flagged - 1;
                let apid = 32 * k + i as usize;
                if apid >= channels {
                    // Past the interrupt registers this window has: nothing to clear here.
                    report.unknown += 1;
                    continue;
                }
                let regs = self.intr.channel_irq(apid);
                let bits = regs.irq_status().read().pending().bits();
                regs.irq_clear().write(|w| w.clear().set(bits));
                let known = self
                    .channels
                    .iter()
                    .flatten()
                    .find(|c| usize::from(c.apid()) == apid)
                    .copied();
                let Some(channel) = known else {
                    report.unknown += 1;
                    continue;
                };
                self.write_u8(&channel, offset::INT_LATCHED_CLR, bits)?;
                let (_, peripheral) = channel.peripheral();
                for bit in 0..8 {
                    if bits & 1 << bit != 0 {
                        report.handled += 1;
                        callback(PmicInterrupt::new(peripheral, bit));
                    }
                }
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_map_to_type_and_polarities() {
        assert_eq!(PmicTrigger::BothEdges.bits(), (true, true, true));
        assert_eq!(PmicTrigger::FallingEdge.bits(), (true, false, true));
        assert_eq!(PmicTrigger::LevelHigh.bits(), (false, true, false));
        assert_eq!(PmicInterrupt::RTC_ALARM.mask(), 0b10);
        assert_eq!(PmicInterrupt::new(0x08, 9), PmicInterrupt::VOLUME_DOWN);
    }
}
