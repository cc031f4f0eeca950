//! Arm generic timer on the virtual clock (CNTFRQ 19.2 MHz). The board traps MRS/MSR of the
//! CNT* system registers and calls [`GenericTimer::read`] / [`GenericTimer::write`]; it drives
//! the GIC's timer PPIs from [`TimerRegs::output`] (`board::interrupts`).

/// Counter frequency.
pub const CNTFRQ: u64 = 19_200_000;

/// One timer (physical or virtual).
#[derive(Debug, Default, Clone, Copy)]
pub struct TimerRegs {
    /// CNTx_CTL (ENABLE, IMASK; ISTATUS computed).
    pub ctl: u64,
    /// CNTx_CVAL.
    pub cval: u64,
}

impl TimerRegs {
    fn ctl_read(&self, now: u64) -> u64 {
        (self.ctl & 3) | u64::from(self.ctl & 1 != 0 && now >= self.cval) << 2
    }

    /// The timer's interrupt output at `now`: condition met, enabled and not masked.
    pub fn output(&self, now: u64) -> bool {
        self.ctl & 3 == 1 && now >= self.cval
    }

    /// Counter value at which this timer wakes a WFI (enabled and unmasked), if any.
    pub fn wake_at(&self) -> Option<u64> {
        (self.ctl & 3 == 1).then_some(self.cval)
    }
}

/// System registers handled here, by (op0, op1, CRn, CRm, op2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerReg {
    /// CNTFRQ_EL0.
    Frq,
    /// CNTPCT_EL0.
    Pct,
    /// CNTVCT_EL0.
    Vct,
    /// CNTKCTL_EL1.
    Kctl,
    /// CNTP_TVAL/CTL/CVAL_EL0 (0, 1, 2).
    Phys(u32),
    /// CNTV_TVAL/CTL/CVAL_EL0.
    Virt(u32),
}

impl TimerReg {
    /// Decode a system register encoding.
    pub fn decode(op0: u32, op1: u32, crn: u32, crm: u32, op2: u32) -> Option<Self> {
        match (op0, op1, crn, crm, op2) {
            (3, 3, 14, 0, 0) => Some(Self::Frq),
            (3, 3, 14, 0, 1) => Some(Self::Pct),
            (3, 3, 14, 0, 2) => Some(Self::Vct),
            (3, 0, 14, 1, 0) => Some(Self::Kctl),
            (3, 3, 14, 2, k @ 0..=2) => Some(Self::Phys(k)),
            (3, 3, 14, 3, k @ 0..=2) => Some(Self::Virt(k)),
            _ => None,
        }
    }
}

/// The generic timer state.
#[derive(Debug, Default)]
pub struct GenericTimer {
    /// Physical timer.
    pub phys: TimerRegs,
    /// Virtual timer (CNTVOFF = 0).
    pub virt: TimerRegs,
    kctl: u64,
}

impl GenericTimer {
    /// MRS.
    pub fn read(&self, reg: TimerReg, now: u64) -> u64 {
        let sub = |t: &TimerRegs, k| match k {
            0 => u64::from(t.cval.wrapping_sub(now) as u32),
            1 => t.ctl_read(now),
            _ => t.cval,
        };
        match reg {
            TimerReg::Frq => CNTFRQ,
            TimerReg::Pct | TimerReg::Vct => now,
            TimerReg::Kctl => self.kctl,
            TimerReg::Phys(k) => sub(&self.phys, k),
            TimerReg::Virt(k) => sub(&self.virt, k),
        }
    }

    /// MSR (writes to CNTFRQ and the counters are ignored).
    pub fn write(&mut self, reg: TimerReg, now: u64, value: u64) {
        let set = |t: &mut TimerRegs, k| match k {
            0 => t.cval = now.wrapping_add(i64::from(value as u32 as i32) as u64),
            1 => t.ctl = value & 3,
            _ => t.cval = value,
        };
        match reg {
            TimerReg::Frq | TimerReg::Pct | TimerReg::Vct => {}
            TimerReg::Kctl => self.kctl = value & 0x3FF,
            TimerReg::Phys(k) => set(&mut self.phys, k),
            TimerReg::Virt(k) => set(&mut self.virt, k),
        }
    }

    /// Earliest counter value after `now` at which a timer output asserts (`u64::MAX`: none).
    pub fn next_assertion(&self, now: u64) -> u64 {
        [self.phys.wake_at(), self.virt.wake_at()]
            .into_iter()
            .flatten()
            .filter(|&t| t > now)
            .min()
            .unwrap_or(u64::MAX)
    }

    /// Earliest counter value at which a timer condition wakes a WFI.
    pub fn next_wake(&self) -> Option<u64> {
        [self.phys.wake_at(), self.virt.wake_at()]
            .into_iter()
            .flatten()
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tval_and_istatus() {
        let mut t = GenericTimer::default();
        let p0 = TimerReg::decode(3, 3, 14, 2, 0).unwrap();
        let p1 = TimerReg::decode(3, 3, 14, 2, 1).unwrap();
        t.write(p0, 1000, 500);
        t.write(p1, 1000, 1);
        assert_eq!(t.read(p0, 1200), 300);
        assert_eq!(t.read(p1, 1200), 1);
        assert_eq!(t.read(p1, 1500), 5);
        assert_eq!(t.read(p0, 1600) as u32 as i32, -100);
        assert_eq!(t.next_wake(), Some(1500));
        t.write(p1, 1600, 3);
        assert_eq!(t.next_wake(), None);
    }
}
