//! TLMM (pin controller) model: 122 GPIOs, pad level computed from output enable, output
//! value, pull and externally applied levels ([`Tlmm::drive`], called by the board's
//! scheduler for `--pin`/`--press`); edge/level interrupt status latching and the summary
//! interrupt (docs/hardware/tlmm-gpio.md#registers).
//!
//! Interrupts: a pad's INTR_STATUS latches on its configured condition (level with polarity,
//! rising, falling or both edges) while INTR_RAW_STATUS_EN or INTR_ENABLE is set; it is
//! cleared by writing 0, and a level condition that still holds latches it again at once.
//! The summary interrupt (the row's one GIC line) is asserted while any pad routed to the
//! application processor (INTR_TARGET_PROC = 4) has INTR_STATUS and INTR_ENABLE set.

use crate::bus::{Ctx, Fault};
use crate::regfile::{Hit, Register, RegisterFile, Registers};

/// Number of GPIOs.
pub const NUM_GPIOS: usize = 122;

/// An externally applied pad level at a point in virtual time (`None` = released).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinEvent {
    /// Counter value at which the level applies.
    pub at: u64,
    /// GPIO number.
    pub gpio: usize,
    /// Level driven from outside, or `None` to stop driving.
    pub level: Option<bool>,
}

/// Register names (one of each per GPIO, 0x1000 apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    /// GPIO_CFG: pull (1:0), function (5:2), drive (8:6), output enable (9).
    Cfg,
    /// GPIO_IN_OUT: pad level (bit 0, read only), output value (bit 1).
    InOut,
    /// GPIO_INTR_CFG.
    IntrCfg,
    /// GPIO_INTR_STATUS.
    IntrStatus,
}

/// Distance between two GPIOs' register sets.
const GPIO_STRIDE: u64 = 0x1000;

static REGISTERS: [Register<Reg>; 4] = [
    Register::rw(Reg::Cfg, "GPIO_CFG", 0x0)
        .mask(0x3FF)
        .reset(1)
        .array(NUM_GPIOS as u32, GPIO_STRIDE),
    Register::rw(Reg::InOut, "GPIO_IN_OUT", 0x4)
        .mask(OUT)
        .special()
        .array(NUM_GPIOS as u32, GPIO_STRIDE),
    Register::rw(Reg::IntrCfg, "GPIO_INTR_CFG", 0x8)
        .mask(0xFF)
        .array(NUM_GPIOS as u32, GPIO_STRIDE),
    Register::rw(Reg::IntrStatus, "GPIO_INTR_STATUS", 0xC)
        .mask(1)
        .array(NUM_GPIOS as u32, GPIO_STRIDE),
];

/// GPIO_IN_OUT.OUT.
const OUT: u32 = 1 << 1;
/// GPIO_CFG.OE.
const OE: u32 = 1 << 9;
/// GPIO_INTR_CFG.INTR_ENABLE.
const INTR_ENABLE: u32 = 1 << 0;
/// GPIO_INTR_CFG.INTR_RAW_STATUS_EN.
const INTR_RAW_STATUS_EN: u32 = 1 << 4;
/// GPIO_INTR_CFG.INTR_TARGET_PROC (bits 7:5) and its value for the application processor,
/// whose summary line this model drives.
const INTR_TARGET_SHIFT: u32 = 5;
const INTR_TARGET_APPS: u32 = 4;

/// Pad state that is not a register.
#[derive(Debug, Clone, Copy, Default)]
struct Pad {
    external: Option<bool>,
    /// Pad level last computed (for the keeper and edge detection).
    level: bool,
    /// What the pin drove when last looked at (for the trace).
    drive: Option<bool>,
}

/// The TLMM model.
#[derive(Debug)]
pub struct Tlmm {
    regs: RegisterFile<Reg>,
    pads: Vec<Pad>,
    trace: bool,
    /// Pads whose status and enable are both set (bit n = GPIO n).
    summary: u128,
}

impl Tlmm {
    /// Reset state (pull-down, GPIO function) plus the stock boot chain's console pins:
    /// GPIO 4/5 on function 2, 8 mA, RX (5) with pull-up.
    pub fn new(trace: bool) -> Self {
        let mut regs = RegisterFile::new(&REGISTERS);
        regs.set(Reg::Cfg, 4, (3 << 6) | (2 << 2));
        regs.set(Reg::Cfg, 5, (3 << 6) | (2 << 2) | 3);
        let mut t = Self {
            regs,
            pads: vec![Pad::default(); NUM_GPIOS],
            trace,
            summary: 0,
        };
        for gpio in 0..NUM_GPIOS {
            let level = t.pad_level(gpio);
            t.pads[gpio].level = level;
            t.pads[gpio].drive = t.driven(gpio);
        }
        t
    }

    /// Drive pad `gpio` from outside (`None`: stop driving), as of `ctx.now`.
    pub fn drive(&mut self, ctx: &mut Ctx<'_>, gpio: usize, level: Option<bool>) {
        if gpio < NUM_GPIOS {
            self.pads[gpio].external = level;
            self.update(ctx, gpio);
        }
    }

    /// The level of pad `gpio` as the board sees it (for models wired to a pad, e.g. a chip
    /// select).
    pub fn level(&self, gpio: usize) -> bool {
        gpio < NUM_GPIOS && self.pad_level(gpio)
    }

    /// What a pin drives: `Some(level)` when its output is enabled.
    fn driven(&self, gpio: usize) -> Option<bool> {
        driven_by(
            self.regs.get(Reg::Cfg, gpio),
            self.regs.get(Reg::InOut, gpio),
        )
    }

    fn pad_level(&self, gpio: usize) -> bool {
        self.pad_level_with(
            gpio,
            self.regs.get(Reg::Cfg, gpio),
            self.regs.get(Reg::InOut, gpio),
        )
    }

    /// [`Self::pad_level`] with the pad's GPIO_CFG and GPIO_IN_OUT already read.
    fn pad_level_with(&self, gpio: usize, cfg: u32, in_out: u32) -> bool {
        if let Some(level) = driven_by(cfg, in_out) {
            return level;
        }
        let pad = &self.pads[gpio];
        if let Some(level) = pad.external {
            return level;
        }
        match cfg & 3 {
            3 => true,
            2 => pad.level,
            _ => false,
        }
    }

    fn update(&mut self, ctx: &mut Ctx<'_>, gpio: usize) {
        let new_drive = self.driven(gpio);
        if self.trace && new_drive != self.pads[gpio].drive {
            let what = match new_drive {
                Some(true) => "high",
                Some(false) => "low",
                None => "input",
            };
            ctx.effects
                .messages
                .push(format!("t={} gpio{gpio} {what}", ctx.now));
        }
        self.pads[gpio].drive = new_drive;
        let old = self.pads[gpio].level;
        let new = self.pad_level(gpio);
        self.pads[gpio].level = new;
        // Interrupt detection (RAW_STATUS_EN latches status whether or not enabled).
        let ic = self.regs.get(Reg::IntrCfg, gpio);
        if ic & (INTR_RAW_STATUS_EN | INTR_ENABLE) != 0 {
            let pol_high = ic >> 1 & 1 != 0;
            let hit = match ic >> 2 & 3 {
                0 => new == pol_high,
                1 => !old && new,
                2 => old && !new,
                _ => old != new,
            };
            if hit && (ic >> 2 & 3 == 0 || old != new) {
                self.regs.set(Reg::IntrStatus, gpio, 1);
            }
        }
        let raised = ic & INTR_ENABLE != 0
            && ic >> INTR_TARGET_SHIFT & 7 == INTR_TARGET_APPS
            && self.regs.get(Reg::IntrStatus, gpio) & 1 != 0;
        if raised {
            self.summary |= 1 << gpio;
        } else {
            self.summary &= !(1 << gpio);
        }
    }
}

/// What a pin with this GPIO_CFG and GPIO_IN_OUT drives: `Some(level)` when its output is
/// enabled.
fn driven_by(cfg: u32, in_out: u32) -> Option<bool> {
    (cfg & OE != 0).then_some(in_out & OUT != 0)
}

impl Registers for Tlmm {
    type Id = Reg;

    fn file(&mut self, _window: usize) -> &mut RegisterFile<Reg> {
        &mut self.regs
    }

    fn read_special(&mut self, _: &mut Ctx<'_>, hit: Hit<Reg>) -> Result<u32, Fault> {
        // GPIO_IN_OUT: the pad level with the output value.
        // Each register read once: a driver polling a pad comes here for every read.
        let gpio = hit.index;
        let in_out = self.regs.get(Reg::InOut, gpio);
        let level = self.pad_level_with(gpio, self.regs.get(Reg::Cfg, gpio), in_out);
        Ok(u32::from(level) | in_out & OUT)
    }

    fn write_special(&mut self, _: &mut Ctx<'_>, hit: Hit<Reg>, value: u32) -> Result<(), Fault> {
        self.regs.write_default(&hit, value);
        Ok(())
    }

    fn written(&mut self, ctx: &mut Ctx<'_>, hit: Hit<Reg>) {
        self.update(ctx, hit.index);
    }

    fn interrupt_lines(&self) -> u32 {
        u32::from(self.summary != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::{Effects, Model};
    use crate::models::gcc::ClockView;

    fn with_ctx<R>(now: u64, f: impl FnOnce(&mut Ctx<'_>) -> R) -> (R, Effects) {
        let clocks = ClockView::default();
        let mut effects = Effects::default();
        let r = f(&mut Ctx {
            now,
            clocks: &clocks,
            effects: &mut effects,
        });
        (r, effects)
    }

    #[test]
    fn pull_logic_and_output() {
        let mut t = Tlmm::new(true);
        let base = 21 * 0x1000;
        let (_, fx) = with_ctx(5, |c| {
            t.access(c, 0, base, 4, Some(3)).unwrap(); // pull-up, input
            assert_eq!(t.access(c, 0, base + 4, 4, None).unwrap() & 1, 1);
            t.access(c, 0, base, 4, Some(1)).unwrap(); // pull-down
            assert_eq!(t.access(c, 0, base + 4, 4, None).unwrap() & 1, 0);
            t.access(c, 0, base + 4, 4, Some(2)).unwrap(); // OUT=1, still input
            t.access(c, 0, base, 4, Some(1 << 9)).unwrap(); // OE
            assert_eq!(t.access(c, 0, base + 4, 4, None).unwrap(), 3);
            t.access(c, 0, base, 4, Some(2)).unwrap(); // keeper: keeps last level (1)
            assert_eq!(t.access(c, 0, base + 4, 4, None).unwrap() & 1, 1);
        });
        assert_eq!(fx.messages, vec!["t=5 gpio21 high", "t=5 gpio21 input"]);
    }

    #[test]
    fn external_button_press_with_edge_interrupt() {
        let mut t = Tlmm::new(false);
        let base = 107 * 0x1000;
        with_ctx(0, |c| {
            t.access(c, 0, base, 4, Some(3)).unwrap();
            t.access(c, 0, base + 8, 4, Some((1 << 4) | (2 << 2) | 1))
                .unwrap(); // falling edge
            assert_eq!(t.access(c, 0, base + 4, 4, None).unwrap() & 1, 1);
        });
        with_ctx(150, |c| {
            t.drive(c, 107, Some(false));
            assert_eq!(t.access(c, 0, base + 4, 4, None).unwrap() & 1, 0);
            assert_eq!(t.access(c, 0, base + 0xC, 4, None).unwrap(), 1);
            t.access(c, 0, base + 0xC, 4, Some(0)).unwrap();
        });
        // Enabled: the summary line follows status; a level-low condition re-latches after
        // the acknowledge while the pad stays low.
        with_ctx(200, |c| {
            t.drive(c, 107, None);
            // Level, low, enabled, but routed to another processor: not on this line.
            t.access(c, 0, base + 8, 4, Some((1 << 4) | 1)).unwrap();
            t.drive(c, 107, Some(false));
            assert_eq!(Registers::interrupt_lines(&t), 0, "not routed to APPS");
            t.drive(c, 107, None);
            t.access(c, 0, base + 0xC, 4, Some(0)).unwrap();
            t.access(c, 0, base + 8, 4, Some((4 << 5) | (1 << 4) | 1))
                .unwrap();
            assert_eq!(Registers::interrupt_lines(&t), 0, "pad high");
            t.drive(c, 107, Some(false));
            assert_eq!(Registers::interrupt_lines(&t), 1);
            t.access(c, 0, base + 0xC, 4, Some(0)).unwrap();
            assert_eq!(
                t.access(c, 0, base + 0xC, 4, None).unwrap(),
                1,
                "re-latched"
            );
            assert_eq!(Registers::interrupt_lines(&t), 1);
            t.access(c, 0, base + 8, 4, Some(1 << 4)).unwrap(); // masked
            assert_eq!(Registers::interrupt_lines(&t), 0);
            t.access(c, 0, base + 8, 4, Some(0)).unwrap(); // no detection at all
            t.access(c, 0, base + 0xC, 4, Some(0)).unwrap();
            t.drive(c, 107, Some(false));
        });
        with_ctx(250, |c| {
            t.drive(c, 107, None);
            assert_eq!(t.access(c, 0, base + 4, 4, None).unwrap() & 1, 1);
            assert_eq!(t.access(c, 0, base + 0xC, 4, None).unwrap(), 0);
            assert_eq!(t.access(c, 0, base + 0x10, 4, None), Err(Fault::Unclaimed));
        });
    }
}
