//! TLMM (pin controller) model: 122 GPIOs, pad level computed from output enable, output
//! value, pull and externally applied levels; edge/level interrupt status latching.

use crate::bus::{Ctx, Fault, Model};

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

#[derive(Debug, Clone, Copy, Default)]
struct Pin {
    cfg: u32,
    out: bool,
    intr_cfg: u32,
    intr_status: bool,
    external: Option<bool>,
    /// Pad level last computed (for the keeper and edge detection).
    level: bool,
}

/// The TLMM model.
#[derive(Debug)]
pub struct Tlmm {
    pins: Vec<Pin>,
    events: Vec<PinEvent>,
    trace: bool,
}

/// What a pin drives: `Some(level)` when its output is enabled.
fn driven(p: &Pin) -> Option<bool> {
    (p.cfg >> 9 & 1 != 0).then_some(p.out)
}

fn pad_level(p: &Pin) -> bool {
    if let Some(level) = driven(p) {
        return level;
    }
    if let Some(level) = p.external {
        return level;
    }
    match p.cfg & 3 {
        3 => true,
        2 => p.level,
        _ => false,
    }
}

impl Tlmm {
    /// Reset state (pull-down, GPIO function) plus the stock boot chain's console pins:
    /// GPIO 4/5 on function 2, 8 mA, RX (5) with pull-up.
    pub fn new(mut events: Vec<PinEvent>, trace: bool) -> Self {
        let mut pins = vec![
            Pin {
                cfg: 1,
                ..Default::default()
            };
            NUM_GPIOS
        ];
        pins[4].cfg = (3 << 6) | (2 << 2);
        pins[5].cfg = (3 << 6) | (2 << 2) | 3;
        for p in &mut pins {
            p.level = pad_level(p);
        }
        events.sort_by_key(|e| e.at);
        events.reverse();
        Self {
            pins,
            events,
            trace,
        }
    }

    fn update(&mut self, ctx: &mut Ctx<'_>, gpio: usize, old_drive: Option<bool>) {
        let p = &mut self.pins[gpio];
        let new_drive = driven(p);
        if self.trace && new_drive != old_drive {
            let what = match new_drive {
                Some(true) => "high",
                Some(false) => "low",
                None => "input",
            };
            ctx.effects
                .messages
                .push(format!("t={} gpio{gpio} {what}", ctx.now));
        }
        let old = p.level;
        let new = pad_level(p);
        p.level = new;
        // Interrupt detection (RAW_STATUS_EN latches status whether or not enabled).
        let ic = p.intr_cfg;
        if ic >> 4 & 1 != 0 {
            let pol_high = ic >> 1 & 1 != 0;
            let hit = match ic >> 2 & 3 {
                0 => new == pol_high,
                1 => !old && new,
                2 => old && !new,
                _ => old != new,
            };
            if hit && (ic >> 2 & 3 == 0 || old != new) {
                p.intr_status = true;
            }
        }
    }
}

impl Model for Tlmm {
    fn advance(&mut self, ctx: &mut Ctx<'_>) {
        while self.events.last().is_some_and(|e| e.at <= ctx.now) {
            let e = self.events.pop().unwrap_or_else(|| unreachable!());
            if e.gpio < NUM_GPIOS {
                let old = driven(&self.pins[e.gpio]);
                self.pins[e.gpio].external = e.level;
                self.update(ctx, e.gpio, old);
            }
        }
    }

    fn read(&mut self, _ctx: &mut Ctx<'_>, offset: u64, size: usize) -> Result<u64, Fault> {
        let gpio = (offset / 0x1000) as usize;
        if size != 4 || gpio >= NUM_GPIOS {
            return Err(Fault::Unclaimed);
        }
        let p = &self.pins[gpio];
        let v = match offset & 0xFFF {
            0x0 => p.cfg,
            0x4 => u32::from(pad_level(p)) | u32::from(p.out) << 1,
            0x8 => p.intr_cfg,
            0xC => u32::from(p.intr_status),
            _ => return Err(Fault::Unclaimed),
        };
        Ok(u64::from(v))
    }

    fn write(
        &mut self,
        ctx: &mut Ctx<'_>,
        offset: u64,
        size: usize,
        value: u64,
    ) -> Result<(), Fault> {
        let gpio = (offset / 0x1000) as usize;
        if size != 4 || gpio >= NUM_GPIOS {
            return Err(Fault::Unclaimed);
        }
        let v = value as u32;
        let old = driven(&self.pins[gpio]);
        let p = &mut self.pins[gpio];
        match offset & 0xFFF {
            0x0 => p.cfg = v & 0x3FF,
            0x4 => p.out = v & 2 != 0,
            0x8 => p.intr_cfg = v & 0xFF,
            0xC => p.intr_status = v & 1 != 0,
            _ => return Err(Fault::Unclaimed),
        }
        self.update(ctx, gpio, old);
        Ok(())
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::Effects;
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
        let mut t = Tlmm::new(vec![], true);
        let base = 21 * 0x1000;
        let (_, fx) = with_ctx(5, |c| {
            t.write(c, base, 4, 3).unwrap(); // pull-up, input
            assert_eq!(t.read(c, base + 4, 4).unwrap() & 1, 1);
            t.write(c, base, 4, 1).unwrap(); // pull-down
            assert_eq!(t.read(c, base + 4, 4).unwrap() & 1, 0);
            t.write(c, base + 4, 4, 2).unwrap(); // OUT=1, still input
            t.write(c, base, 4, 1 << 9).unwrap(); // OE
            assert_eq!(t.read(c, base + 4, 4).unwrap(), 3);
            t.write(c, base, 4, 2).unwrap(); // keeper: keeps last level (1)
            assert_eq!(t.read(c, base + 4, 4).unwrap() & 1, 1);
        });
        assert_eq!(fx.messages, vec!["t=5 gpio21 high", "t=5 gpio21 input"]);
    }

    #[test]
    fn external_button_press_with_edge_interrupt() {
        let press = |at, level| PinEvent {
            at,
            gpio: 107,
            level,
        };
        let mut t = Tlmm::new(vec![press(100, Some(false)), press(200, None)], false);
        let base = 107 * 0x1000;
        with_ctx(0, |c| {
            t.write(c, base, 4, 3).unwrap();
            t.write(c, base + 8, 4, (1 << 4) | (2 << 2) | 1).unwrap(); // falling edge
            assert_eq!(t.read(c, base + 4, 4).unwrap() & 1, 1);
        });
        with_ctx(150, |c| {
            t.advance(c);
            assert_eq!(t.read(c, base + 4, 4).unwrap() & 1, 0);
            assert_eq!(t.read(c, base + 0xC, 4).unwrap(), 1);
            t.write(c, base + 0xC, 4, 0).unwrap();
        });
        with_ctx(250, |c| {
            t.advance(c);
            assert_eq!(t.read(c, base + 4, 4).unwrap() & 1, 1);
            assert_eq!(t.read(c, base + 0xC, 4).unwrap(), 0);
            assert_eq!(t.read(c, base + 0x10, 4), Err(Fault::Unclaimed));
        });
    }
}
