//! The PM8916 watchdog in the PON peripheral (docs/hardware/watchdog.md#pmic-watchdog).
//!
//! Design notes:
//! - Two stages in whole seconds of virtual time: the bark PMIC_WD_RESET_S1_TIMER seconds after
//!   the count started, the bite PMIC_WD_RESET_S2_TIMER seconds after the bark (both 7 bits).
//!   The count starts when PMIC_WD_RESET_S2_CTL2 bit 7 goes from 0 to 1 and at each pet
//!   (PMIC_WD_RESET_PET bit 0); it does not run while disabled.
//! - The bark sets PON INT_RT_STS bit 6 (a PMIC interrupt source like the keys) until a
//!   pet or a disable; the bite ends the run with the reset type of PMIC_WD_RESET_S2_CTL
//!   (4 = shutdown: power off; anything else: system reset). Bark and bite are timed events
//!   (`Event::Update` of the SPMI model), at most one pending.

use crate::bus::{Bite, Ctx};
use crate::machine::Device;
use crate::scheduler::Event;

/// PON register offsets.
pub const S1_TIMER: u8 = 0x54;
/// Stage 2 (bite) timer.
pub const S2_TIMER: u8 = 0x55;
/// Reset type.
pub const S2_CTL: u8 = 0x56;
/// Enable (bit 7).
pub const S2_CTL2: u8 = 0x57;
/// Pet (bit 0).
pub const PET: u8 = 0x58;
/// PON INT_RT_STS bit of the bark.
pub const BARK_BIT: u8 = 1 << 6;

const TICKS_PER_SECOND: u64 = 19_200_000;
/// Reset type "shutdown".
const SHUTDOWN: u8 = 4;

/// State of the PMIC watchdog; its settings are the PON registers, passed in.
#[derive(Debug, Clone, Default)]
pub struct PmicWatchdog {
    start: u64,
    running: bool,
    barked: bool,
    bitten: bool,
    pending: Option<u64>,
}

/// The PON registers the watchdog reads.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// PMIC_WD_RESET_S1_TIMER.
    pub s1: u8,
    /// PMIC_WD_RESET_S2_TIMER.
    pub s2: u8,
    /// PMIC_WD_RESET_S2_CTL.
    pub ctl: u8,
    /// PMIC_WD_RESET_S2_CTL2.
    pub ctl2: u8,
}

impl PmicWatchdog {
    /// Counting towards a bite.
    pub fn armed(&self) -> bool {
        self.running && !self.bitten
    }

    /// INT_RT_STS bits of the watchdog.
    pub fn status(&self) -> u8 {
        if self.barked { BARK_BIT } else { 0 }
    }

    /// After a write of `value` to PON register `offset`.
    pub fn written(&mut self, ctx: &mut Ctx<'_>, offset: u8, value: u8, settings: Settings) {
        match offset {
            PET if value & 1 != 0 => {
                self.start = ctx.now;
                self.barked = false;
            }
            S2_CTL2 => {
                let on = settings.ctl2 & 0x80 != 0;
                if on && !self.running {
                    self.start = ctx.now;
                }
                if !on {
                    self.barked = false;
                }
                self.running = on;
            }
            _ => {}
        }
        self.update(ctx, settings);
    }

    /// Bark and bite if due; ask for an event at the next deadline.
    pub fn update(&mut self, ctx: &mut Ctx<'_>, settings: Settings) {
        if self.pending.is_some_and(|at| at <= ctx.now) {
            self.pending = None;
        }
        if !self.running || self.bitten {
            return;
        }
        let bark = self.start + u64::from(settings.s1 & 0x7F) * TICKS_PER_SECOND;
        let bite = bark + u64::from(settings.s2 & 0x7F) * TICKS_PER_SECOND;
        if !self.barked && ctx.now >= bark {
            self.barked = true;
            ctx.effects
                .messages
                .push(format!("t={bark} pm8916-wdt bark"));
        }
        if ctx.now >= bite {
            self.bitten = true;
            ctx.effects.watchdog_bite = Some(Bite {
                at: bite,
                watchdog: "PMIC",
                power_off: settings.ctl & 0xF == SHUTDOWN,
            });
            return;
        }
        let next = if self.barked { bite } else { bark };
        if self.pending.is_none_or(|at| next < at) {
            self.pending = Some(next);
            ctx.effects.schedule(next, Event::Update(Device::Spmi));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::Effects;
    use crate::models::gcc::Gcc;

    fn step(
        w: &mut PmicWatchdog,
        fx: &mut Effects,
        now: u64,
        write: Option<(u8, u8)>,
        settings: Settings,
    ) {
        let clocks = Gcc::new().view();
        let mut ctx = Ctx {
            now,
            clocks: &clocks,
            effects: fx,
        };
        match write {
            Some((offset, value)) => w.written(&mut ctx, offset, value, settings),
            None => w.update(&mut ctx, settings),
        }
    }

    #[test]
    fn barks_after_s1_and_bites_s2_later_unless_petted() {
        let mut fx = Effects::default();
        let mut w = PmicWatchdog::default();
        let on = Settings {
            s1: 2,
            s2: 1,
            ctl: 4,
            ctl2: 0x80,
        };
        step(&mut w, &mut fx, 100, Some((S2_CTL2, 0x80)), on);
        step(&mut w, &mut fx, 100 + 2 * TICKS_PER_SECOND - 1, None, on);
        assert_eq!(w.status(), 0);
        step(&mut w, &mut fx, 100 + 2 * TICKS_PER_SECOND, None, on);
        assert_eq!(w.status(), BARK_BIT);
        // A pet clears the bark and starts over.
        let pet = 100 + 5 * TICKS_PER_SECOND / 2;
        step(&mut w, &mut fx, pet, Some((PET, 1)), on);
        assert_eq!(w.status(), 0);
        step(&mut w, &mut fx, pet + 3 * TICKS_PER_SECOND - 1, None, on);
        assert_eq!(fx.watchdog_bite, None);
        step(&mut w, &mut fx, pet + 3 * TICKS_PER_SECOND, None, on);
        assert_eq!(
            fx.watchdog_bite,
            Some(Bite {
                at: pet + 3 * TICKS_PER_SECOND,
                watchdog: "PMIC",
                power_off: true
            })
        );
    }

    #[test]
    fn disabled_it_never_barks() {
        let mut fx = Effects::default();
        let mut w = PmicWatchdog::default();
        let off = Settings {
            s1: 1,
            s2: 1,
            ctl: 7,
            ctl2: 0,
        };
        step(&mut w, &mut fx, 0, Some((S2_CTL2, 0)), off);
        step(&mut w, &mut fx, 10 * TICKS_PER_SECOND, None, off);
        assert_eq!((w.status(), fx.watchdog_bite), (0, None));
    }
}
