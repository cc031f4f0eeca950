//! PRNG model: DATA_AVAIL only while CONFIG.HW_ENABLE is set; DATA_OUT words come from a
//! deterministic generator (splitmix64 over the `--seed`), never 0; a read with no data
//! available returns 0. Any access while PRNG_AHB is off stops the run (the machine table's
//! clock gate).

use crate::bus::{Ctx, Fault};
use crate::regfile::{Hit, Register, RegisterFile, Registers};

/// Register names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    /// DATA_OUT.
    DataOut,
    /// STATUS (bit 0 DATA_AVAIL).
    Status,
    /// LFSR_CFG.
    LfsrCfg,
    /// CONFIG (bit 1 HW_ENABLE).
    Config,
}

// ANCHOR: registers
static REGISTERS: [Register<Reg>; 4] = [
    Register::ro(Reg::DataOut, "DATA_OUT", 0x000).special(),
    Register::ro(Reg::Status, "STATUS", 0x004).special(),
    Register::rw(Reg::LfsrCfg, "LFSR_CFG", 0x100),
    Register::rw(Reg::Config, "CONFIG", 0x104).mask(0x3F),
];
// ANCHOR_END: registers

/// CONFIG.HW_ENABLE.
const HW_ENABLE: u32 = 1 << 1;

/// The PRNG model.
#[derive(Debug)]
pub struct Prng {
    state: u64,
    regs: RegisterFile<Reg>,
}

impl Prng {
    /// A PRNG seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            state: seed,
            regs: RegisterFile::new(&REGISTERS),
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
        self.regs.value(Reg::Config) & HW_ENABLE != 0
    }
}

impl Registers for Prng {
    type Id = Reg;

    fn file(&mut self, _window: usize) -> &mut RegisterFile<Reg> {
        &mut self.regs
    }

    // ANCHOR: read_special
    fn read_special(&mut self, _: &mut Ctx<'_>, hit: Hit<Reg>) -> Result<u32, Fault> {
        let v = match hit.id {
            Reg::DataOut if self.available() => self.next_word(),
            Reg::DataOut => 0,
            _ => u32::from(self.available()),
        };
        Ok(v)
    }
    // ANCHOR_END: read_special
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::{Effects, Model};
    use crate::models::gcc::ClockView;

    #[test]
    fn data_only_when_enabled_and_deterministic() {
        let clocks = ClockView::default();
        let mut fx = Effects::default();
        let mut c = Ctx {
            now: 0,
            clocks: &clocks,
            effects: &mut fx,
        };
        let mut p = Prng::new(1);
        let mut q = Prng::new(1);
        assert_eq!(p.access(&mut c, 0, 4, 4, None), Ok(0));
        assert_eq!(p.access(&mut c, 0, 0, 4, None), Ok(0));
        for m in [&mut p, &mut q] {
            m.access(&mut c, 0, 0x104, 4, Some(2)).unwrap();
        }
        assert_eq!(p.access(&mut c, 0, 4, 4, None), Ok(1));
        let a: Vec<u64> = (0..4)
            .map(|_| p.access(&mut c, 0, 0, 4, None).unwrap())
            .collect();
        let b: Vec<u64> = (0..4)
            .map(|_| q.access(&mut c, 0, 0, 4, None).unwrap())
            .collect();
        assert_eq!(a, b);
        assert!(a.iter().all(|&w| w != 0) && a[0] != a[1]);
        assert_eq!(p.access(&mut c, 0, 0, 2, None), Err(Fault::Unclaimed));
        assert_eq!(p.access(&mut c, 0, 0, 4, Some(1)), Err(Fault::Unclaimed));
    }
}
