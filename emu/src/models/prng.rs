//! PRNG model: DATA_AVAIL only while CONFIG.HW_ENABLE is set; DATA_OUT words come from a
//! deterministic generator (splitmix64 over the `--seed`), never 0; a read with no data
//! available returns 0. Any access while PRNG_AHB is off stops the run.

use crate::bus::{Ctx, Fault, Model};

/// The PRNG model.
#[derive(Debug)]
pub struct Prng {
    state: u64,
    lfsr_cfg: u32,
    config: u32,
}

impl Prng {
    /// A PRNG seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            state: seed,
            lfsr_cfg: 0,
            config: 0,
        }
    }

    fn next_word(&mut self) -> u32 {
        loop {
            self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            let w = (z ^ (z >> 31)) as u32;
            if w != 0 {
                return w;
            }
        }
    }

    fn available(&self) -> bool {
        self.config & 2 != 0
    }
}

impl Model for Prng {
    fn read(&mut self, ctx: &mut Ctx<'_>, offset: u64, size: usize) -> Result<u64, Fault> {
        if !ctx.clocks.prng_ahb {
            return Err(Fault::ClockOff("PRNG_AHB"));
        }
        if size != 4 {
            return Err(Fault::Unclaimed);
        }
        let v = match offset {
            0x000 => {
                if self.available() {
                    self.next_word()
                } else {
                    0
                }
            }
            0x004 => u32::from(self.available()),
            0x100 => self.lfsr_cfg,
            0x104 => self.config,
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
        if !ctx.clocks.prng_ahb {
            return Err(Fault::ClockOff("PRNG_AHB"));
        }
        if size != 4 {
            return Err(Fault::Unclaimed);
        }
        match offset {
            0x100 => self.lfsr_cfg = value as u32,
            0x104 => self.config = value as u32 & 0x3F,
            _ => return Err(Fault::Unclaimed),
        }
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

    #[test]
    fn data_only_when_enabled_and_deterministic() {
        let clocks = ClockView {
            prng_ahb: true,
            ..Default::default()
        };
        let mut fx = Effects::default();
        let mut c = Ctx {
            now: 0,
            clocks: &clocks,
            effects: &mut fx,
        };
        let mut p = Prng::new(1);
        assert_eq!(p.read(&mut c, 4, 4), Ok(0));
        assert_eq!(p.read(&mut c, 0, 4), Ok(0));
        p.write(&mut c, 0x104, 4, 2).unwrap();
        assert_eq!(p.read(&mut c, 4, 4), Ok(1));
        let a: Vec<u64> = (0..4).map(|_| p.read(&mut c, 0, 4).unwrap()).collect();
        let mut q = Prng::new(1);
        q.write(&mut c, 0x104, 4, 2).unwrap();
        let b: Vec<u64> = (0..4).map(|_| q.read(&mut c, 0, 4).unwrap()).collect();
        assert_eq!(a, b);
        assert!(a.iter().all(|&w| w != 0) && a[0] != a[1]);
        let off = ClockView::default();
        let mut c = Ctx {
            now: 0,
            clocks: &off,
            effects: &mut fx,
        };
        assert_eq!(p.read(&mut c, 0, 4), Err(Fault::ClockOff("PRNG_AHB")));
    }
}
