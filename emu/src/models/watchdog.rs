//! APSS watchdog, KPSS layout (docs/hardware/watchdog.md#apss-watchdog-registers).
//!
//! Design notes:
//! - The count runs at the 32.768 kHz sleep clock in virtual time: one count is
//!   19_200_000 / 32_768 = 585.9375 ticks of the 19.2 MHz counter. It starts from 0 when
//!   WDT_EN.ENABLE goes from 0 to 1 and when 1 is written to WDT_RST (a pet); it does not run
//!   while disabled.
//! - Bark and bite are timed events (`Event::Update` of this model) at the first tick at
//!   which the count reaches WDT_BARK_TIME / WDT_BITE_TIME; at most one such event is pending
//!   at a time (a pet that moves the deadline later lets the pending one run as a no-op and
//!   schedules the new one). A bark prints `t=<tick> apss-wdt bark` and, with
//!   WDT_EN.ENABLE_IRQ, holds the interrupt line (SPI 3, inferred) high until a pet or a
//!   disable. A bite sets `Effects::watchdog_bite`: the board ends the run as a system reset.
//! - WDT_STS bit 0 (the last reset was a bite) comes from `--reset-reason watchdog`: a run
//!   ends at a reset, so the next run is told how the previous one ended.

use crate::bus::{Bite, Ctx};
use crate::machine::Device;
use crate::regfile::{Hit, Register, RegisterFile, Registers};
use crate::scheduler::Event;

/// Base and size of the window.
pub const BASE: u64 = 0x0B01_7000;
/// Window size.
pub const SIZE: u64 = 0x1000;

/// Virtual counter ticks per second.
const TICKS_PER_SECOND: u64 = 19_200_000;
/// Sleep clock.
const SLEEP_CLOCK_HZ: u64 = 32_768;

/// WDT_EN bits.
const ENABLE: u32 = 1 << 0;
const ENABLE_IRQ: u32 = 1 << 1;

/// Register names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    /// WDT_RST: pet.
    Rst,
    /// WDT_EN.
    En,
    /// WDT_STS.
    Sts,
    /// WDT_BARK_TIME.
    BarkTime,
    /// WDT_BITE_TIME.
    BiteTime,
}

static REGISTERS: [Register<Reg>; 5] = [
    Register::wo(Reg::Rst, "WDT_RST", 0x04).mask(1),
    Register::rw(Reg::En, "WDT_EN", 0x08).mask(ENABLE | ENABLE_IRQ),
    Register::ro(Reg::Sts, "WDT_STS", 0x0C),
    Register::rw(Reg::BarkTime, "WDT_BARK_TIME", 0x10),
    Register::rw(Reg::BiteTime, "WDT_BITE_TIME", 0x14),
];

/// The first tick at which a count started at `start` reaches `count`.
fn tick_of_count(start: u64, count: u32) -> u64 {
    start + (u64::from(count) * TICKS_PER_SECOND).div_ceil(SLEEP_CLOCK_HZ)
}

/// The APSS watchdog.
#[derive(Debug)]
pub struct Watchdog {
    regs: RegisterFile<Reg>,
    /// Tick at which the count was last restarted.
    start: u64,
    /// WDT_EN.ENABLE as last seen (a 0 -> 1 change restarts the count).
    running: bool,
    barked: bool,
    bitten: bool,
    /// Tick of the pending update event this model asked for.
    pending: Option<u64>,
}

impl Watchdog {
    /// The watchdog after a reset; `bitten_before` sets WDT_STS bit 0 (the previous run ended
    /// with a bite).
    pub fn new(bitten_before: bool) -> Self {
        let mut regs = RegisterFile::new(&REGISTERS);
        regs.set_value(Reg::Sts, u32::from(bitten_before));
        Self {
            regs,
            start: 0,
            running: false,
            barked: false,
            bitten: false,
            pending: None,
        }
    }

    fn enabled(&self) -> bool {
        self.regs.value(Reg::En) & ENABLE != 0
    }

    /// Running and not bitten yet: its bark or bite is a timed event to come (a sleeping CPU
    /// is not woken by it, but the SoC is reset by the bite).
    pub fn armed(&self) -> bool {
        self.enabled() && !self.bitten
    }

    fn bark_tick(&self) -> u64 {
        tick_of_count(self.start, self.regs.value(Reg::BarkTime))
    }

    fn bite_tick(&self) -> u64 {
        tick_of_count(self.start, self.regs.value(Reg::BiteTime))
    }

    fn restart(&mut self, now: u64) {
        self.start = now;
        self.barked = false;
    }

    /// Bark and bite if due; ask for an event at the next deadline.
    fn update(&mut self, ctx: &mut Ctx<'_>) {
        if self.pending.is_some_and(|at| at <= ctx.now) {
            self.pending = None;
        }
        if !self.enabled() || self.bitten {
            return;
        }
        let (bark, bite) = (self.bark_tick(), self.bite_tick());
        if !self.barked && ctx.now >= bark && bark <= bite {
            self.barked = true;
            ctx.effects.messages.push(format!("t={bark} apss-wdt bark"));
            ctx.effects.interrupts_changed = true;
        }
        if ctx.now >= bite {
            self.bitten = true;
            ctx.effects.watchdog_bite = Some(Bite {
                at: bite,
                watchdog: "APSS",
                power_off: false,
            });
            return;
        }
        let next = if self.barked { bite } else { bark.min(bite) };
        if self.pending.is_none_or(|at| next < at) {
            self.pending = Some(next);
            ctx.effects.schedule(next, Event::Update(Device::ApssWdt));
        }
    }
}

impl Registers for Watchdog {
    type Id = Reg;

    fn file(&mut self, _window: usize) -> &mut RegisterFile<Reg> {
        &mut self.regs
    }

    fn written(&mut self, ctx: &mut Ctx<'_>, hit: Hit<Reg>) {
        match hit.id {
            Reg::Rst if self.regs.value(Reg::Rst) & 1 != 0 => self.restart(ctx.now),
            Reg::En => {
                let on = self.enabled();
                if on && !self.running {
                    self.restart(ctx.now);
                }
                if !on {
                    self.barked = false;
                }
                self.running = on;
            }
            _ => {}
        }
        self.update(ctx);
    }

    fn advance(&mut self, ctx: &mut Ctx<'_>) {
        self.update(ctx);
    }

    fn interrupt_lines(&self) -> u32 {
        let irq = self.regs.value(Reg::En) & ENABLE_IRQ != 0;
        u32::from(self.enabled() && irq && self.barked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::{Effects, Model};
    use crate::models::gcc::Gcc;

    fn at(wdt: &mut Watchdog, fx: &mut Effects, now: u64, offset: u64, write: Option<u64>) -> u64 {
        let clocks = Gcc::new().view();
        let mut ctx = Ctx {
            now,
            clocks: &clocks,
            effects: fx,
        };
        Model::advance(wdt, &mut ctx);
        wdt.access(&mut ctx, 0, offset, 4, write).unwrap()
    }

    fn advance(wdt: &mut Watchdog, fx: &mut Effects, now: u64) {
        let clocks = Gcc::new().view();
        let mut ctx = Ctx {
            now,
            clocks: &clocks,
            effects: fx,
        };
        Model::advance(wdt, &mut ctx);
    }

    #[test]
    fn barks_then_bites_on_time_unless_petted() {
        let mut fx = Effects::default();
        let mut w = Watchdog::new(false);
        at(&mut w, &mut fx, 0, 0x10, Some(32_768)); // bark after 1 s
        at(&mut w, &mut fx, 0, 0x14, Some(65_536)); // bite after 2 s
        at(&mut w, &mut fx, 100, 0x08, Some(3));
        assert_eq!(
            fx.scheduled.last().map(|e| e.0),
            Some(100 + TICKS_PER_SECOND)
        );
        // A pet at 1.5 s: the bark at 1 s happened, the bite moves to 3.5 s.
        advance(&mut w, &mut fx, 100 + TICKS_PER_SECOND);
        assert_eq!(Model::interrupt_lines(&w), 1);
        let pet = 100 + 3 * TICKS_PER_SECOND / 2;
        at(&mut w, &mut fx, pet, 0x04, Some(1));
        assert_eq!(Model::interrupt_lines(&w), 0, "a pet ends the bark");
        advance(&mut w, &mut fx, pet + 2 * TICKS_PER_SECOND - 1);
        assert_eq!(fx.watchdog_bite, None);
        advance(&mut w, &mut fx, pet + 2 * TICKS_PER_SECOND);
        assert_eq!(
            fx.watchdog_bite.map(|b| b.at),
            Some(pet + 2 * TICKS_PER_SECOND)
        );
        assert!(
            fx.messages[0].ends_with("apss-wdt bark"),
            "{:?}",
            fx.messages
        );
    }

    #[test]
    fn disabled_it_never_bites_and_status_tells_the_last_reset() {
        let mut fx = Effects::default();
        let mut w = Watchdog::new(true);
        assert_eq!(at(&mut w, &mut fx, 0, 0x0C, None), 1);
        at(&mut w, &mut fx, 0, 0x14, Some(10));
        advance(&mut w, &mut fx, 10 * TICKS_PER_SECOND);
        assert_eq!(fx.watchdog_bite, None);
        assert_eq!(Watchdog::new(false).regs.value(Reg::Sts), 0);
    }
}
