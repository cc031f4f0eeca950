//! PMIC interrupts: each PM8916 peripheral's interrupt block, and the arbiter's per-channel
//! status and the application processor's summary that drive GIC SPI 190 (ID 222)
//! (docs/hardware/spmi-pm8916.md#pmic-interrupts).
//!
//! Design notes:
//! - A peripheral has up to eight interrupts, one per bit of its registers. INT_RT_STS is the
//!   live state, computed by the peripheral's model (keys, watchdog bark, RTC alarm, MPP
//!   level). INT_SET_TYPE bit = 1 makes the bit edge-triggered (a rising edge latches with
//!   INT_POLARITY_HIGH, a falling one with INT_POLARITY_LOW), 0 level-triggered (latched
//!   while high with POLARITY_HIGH, while low with POLARITY_LOW, so it latches again right
//!   after INT_LATCHED_CLR while the level lasts). The latch records whether or not the
//!   interrupt is enabled; INT_EN_SET / INT_EN_CLR set / clear enable bits (both read the
//!   enabled set); INT_PENDING_STS = latched and enabled.
//! - A bit that becomes pending sends an interrupt to the arbiter, which sets it in that
//!   channel's IRQ_STATUS until IRQ_CLEAR; a bit that stays pending sends nothing more, so a
//!   handler clears both (IRQ_CLEAR and the peripheral's INT_LATCHED_CLR, either order).
//! - OWNER_ACC_STATUS of EE 0 has bit `apid % 32` of word `apid / 32` set while the channel's
//!   IRQ_STATUS is nonzero and its ACC_ENABLE bit 0 is set; the GIC line is high while any
//!   such bit is. Every channel belongs to EE 0 here. The core's INT_EN does not gate it.

/// Offsets of a peripheral's interrupt registers (INT_RT_STS, 0x10, is the peripheral's).
const INT_SET_TYPE: u8 = 0x11;
const INT_POLARITY_HIGH: u8 = 0x12;
const INT_POLARITY_LOW: u8 = 0x13;
/// INT_LATCHED_CLR (write 1s to clear).
pub const INT_LATCHED_CLR: u8 = 0x14;
const INT_EN_SET: u8 = 0x15;
const INT_EN_CLR: u8 = 0x16;
/// INT_LATCHED_STS.
pub const INT_LATCHED_STS: u8 = 0x18;
const INT_PENDING_STS: u8 = 0x19;

/// The interrupt block of one PMIC peripheral.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Block {
    set_type: u8,
    polarity_high: u8,
    polarity_low: u8,
    enabled: u8,
    latched: u8,
    /// INT_RT_STS at the last update (for edges).
    live: u8,
}

impl Block {
    /// Latch what the live state `live` (INT_RT_STS) triggers since the last update.
    pub fn update(&mut self, live: u8) {
        let rising = live & !self.live;
        let falling = !live & self.live;
        let edge = self.set_type;
        self.latched |= edge & (rising & self.polarity_high | falling & self.polarity_low);
        self.latched |= !edge & (live & self.polarity_high | !live & self.polarity_low);
        self.live = live;
    }

    /// Latched and enabled bits.
    pub fn pending(&self) -> u8 {
        self.latched & self.enabled
    }

    /// The register at `offset` if it is one of the interrupt block's (INT_RT_STS is the
    /// peripheral's, not the block's).
    pub fn read(&self, offset: u8) -> Option<u8> {
        Some(match offset {
            INT_SET_TYPE => self.set_type,
            INT_POLARITY_HIGH => self.polarity_high,
            INT_POLARITY_LOW => self.polarity_low,
            INT_LATCHED_CLR => 0,
            INT_EN_SET | INT_EN_CLR => self.enabled,
            INT_LATCHED_STS => self.latched,
            INT_PENDING_STS => self.pending(),
            _ => return None,
        })
    }

    /// A write to the block's register at `offset` (`false`: not one of them). Latching with
    /// the new settings is the caller's next [`Block::update`].
    pub fn write(&mut self, offset: u8, value: u8) -> bool {
        match offset {
            INT_SET_TYPE => self.set_type = value,
            INT_POLARITY_HIGH => self.polarity_high = value,
            INT_POLARITY_LOW => self.polarity_low = value,
            INT_LATCHED_CLR => self.latched &= !value,
            INT_EN_SET => self.enabled |= value,
            INT_EN_CLR => self.enabled &= !value,
            _ => return false,
        }
        true
    }
}

/// The arbiter's side: per channel, the interrupts the peripheral sent (IRQ_STATUS) and what
/// it had pending when it last sent.
#[derive(Debug, Clone, Default)]
pub struct ArbiterInterrupts {
    status: Vec<u8>,
    sent: Vec<u8>,
}

impl ArbiterInterrupts {
    /// For `channels` channels.
    pub fn new(channels: usize) -> Self {
        Self {
            status: vec![0; channels],
            sent: vec![0; channels],
        }
    }

    /// Channel `apid`'s peripheral has `pending` now: bits that became pending are sent.
    pub fn forward(&mut self, apid: usize, pending: u8) {
        let (Some(status), Some(sent)) = (self.status.get_mut(apid), self.sent.get_mut(apid))
        else {
            return;
        };
        *status |= pending & !*sent;
        *sent = pending;
    }

    /// Whether any channel has a status bit set (no owner word can be non-zero otherwise).
    pub fn any_status(&self) -> bool {
        self.status.iter().any(|&s| s != 0)
    }

    /// IRQ_STATUS of `apid`.
    pub fn status(&self, apid: usize) -> u8 {
        self.status.get(apid).copied().unwrap_or(0)
    }

    /// IRQ_CLEAR of `apid`.
    pub fn clear(&mut self, apid: usize, bits: u8) {
        if let Some(s) = self.status.get_mut(apid) {
            *s &= !bits;
        }
    }

    /// OWNER_ACC_STATUS word `k` of EE 0, with `acc_enable(apid)` the ACC_ENABLE bit.
    pub fn owner_word(&self, k: usize, acc_enable: impl Fn(usize) -> bool) -> u32 {
        (0..32)
            .filter(|i| {
                let apid = 32 * k + i;
                self.status(apid) != 0 && acc_enable(apid)
            })
            .fold(0, |word, i| word | 1 << i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_latch_by_polarity_levels_latch_while_present() {
        let mut b = Block::default();
        b.write(INT_SET_TYPE, 0b01);
        b.write(INT_POLARITY_HIGH, 0b11);
        b.write(INT_POLARITY_LOW, 0b01);
        b.update(0);
        assert_eq!(b.read(INT_LATCHED_STS), Some(0));
        // Bit 0 rises (edge), bit 1 rises (level high).
        b.update(0b11);
        assert_eq!(b.read(INT_LATCHED_STS), Some(0b11));
        assert_eq!(b.pending(), 0, "latched while disabled, not pending");
        b.write(INT_EN_SET, 0b11);
        assert_eq!(b.pending(), 0b11);
        b.write(INT_LATCHED_CLR, 0b11);
        b.update(0b11);
        assert_eq!(
            b.read(INT_LATCHED_STS),
            Some(0b10),
            "the level latches again"
        );
        b.write(INT_LATCHED_CLR, 0b10);
        // Both fall: bit 0's falling edge latches (POLARITY_LOW), bit 1's level is gone.
        b.update(0);
        assert_eq!(b.read(INT_LATCHED_STS), Some(0b01));
        b.write(INT_EN_CLR, 0b01);
        assert_eq!(b.read(INT_EN_SET), Some(0b10));
        assert_eq!(b.read(INT_PENDING_STS), Some(0));
    }

    #[test]
    fn the_arbiter_keeps_what_was_sent_until_cleared_and_sums_enabled_channels() {
        let mut a = ArbiterInterrupts::new(64);
        a.forward(33, 0b100);
        assert_eq!(a.status(33), 0b100);
        assert_eq!(a.owner_word(1, |_| true), 1 << 1);
        assert_eq!(a.owner_word(1, |_| false), 0);
        a.clear(33, 0b100);
        // Still pending at the peripheral: nothing new is sent.
        a.forward(33, 0b100);
        assert_eq!(a.status(33), 0);
        // Cleared there and pending again: sent again.
        a.forward(33, 0);
        a.forward(33, 0b100);
        assert_eq!(a.status(33), 0b100);
    }
}
