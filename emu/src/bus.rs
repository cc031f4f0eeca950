//! The peripheral bus: models registered by address range.
//!
//! Every model sees 32-bit accesses only through [`Model`]; the bus turns any access that no
//! model claims into [`Fault::Unclaimed`]. The clock controller is kept apart from the other
//! models because every other model asks it whether its clocks run ([`ClockView`]).

use crate::models::gcc::{ClockView, Gcc};
use crate::models::uart_dm::UartDm;

/// Why an access did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// No register answers at this address (or not with this size / direction).
    Unclaimed,
    /// The block's bus clock is off: on hardware the access would hang or abort.
    ClockOff(&'static str),
}

/// What a model may ask of the rest of the board during an access.
#[derive(Debug, Default)]
pub struct Effects {
    /// PS_HOLD was released.
    pub ps_hold_released: bool,
    /// Lines for stderr (already formatted, without the `emu: ` prefix).
    pub messages: Vec<String>,
}

/// Context passed to a model access.
pub struct Ctx<'a> {
    /// Current value of the 19.2 MHz virtual counter.
    pub now: u64,
    /// Clock state as the GCC model computes it.
    pub clocks: &'a ClockView,
    /// Side effects for the board.
    pub effects: &'a mut Effects,
}

/// A memory-mapped register block.
pub trait Model {
    /// Read `size` bytes at `offset` from the model's base.
    fn read(&mut self, ctx: &mut Ctx<'_>, offset: u64, size: usize) -> Result<u64, Fault>;
    /// Write `size` bytes at `offset` from the model's base.
    fn write(
        &mut self,
        ctx: &mut Ctx<'_>,
        offset: u64,
        size: usize,
        value: u64,
    ) -> Result<(), Fault>;
    /// Bring time-dependent state up to `now` (FIFOs draining, scheduled pin levels).
    fn advance(&mut self, _ctx: &mut Ctx<'_>) {}
    /// Downcast support for the board (output collection, statistics).
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any;
}

struct Region {
    base: u64,
    size: u64,
    model: Box<dyn Model>,
}

/// All peripherals of the virtual board.
pub struct Bus {
    /// The clock controller.
    pub gcc: Gcc,
    regions: Vec<Region>,
    /// Side effects collected since the board last looked.
    pub effects: Effects,
}

/// GCC window.
pub const GCC_BASE: u64 = 0x0180_0000;
/// GCC window size.
pub const GCC_SIZE: u64 = 0x8_0000;

impl Bus {
    /// A bus with the given clock controller and no other models.
    pub fn new(gcc: Gcc) -> Self {
        Self {
            gcc,
            regions: Vec::new(),
            effects: Effects::default(),
        }
    }

    /// Register `model` at `[base, base + size)`.
    pub fn register(&mut self, base: u64, size: u64, model: Box<dyn Model>) {
        self.regions.push(Region { base, size, model });
    }

    /// The windows that need mapping (GCC first).
    pub fn windows(&self) -> Vec<(u64, u64)> {
        let mut w = vec![(GCC_BASE, GCC_SIZE)];
        w.extend(self.regions.iter().map(|r| (r.base, r.size)));
        w
    }

    /// The two UARTs (UART1, UART2). Panics if they are not registered.
    pub fn uarts(&mut self) -> (&mut UartDm, &mut UartDm) {
        let mut v: Vec<&mut UartDm> = self
            .regions
            .iter_mut()
            .filter_map(|r| r.model.as_any_mut().downcast_mut::<UartDm>())
            .collect();
        v.sort_by_key(|u| u.index());
        let uart2 = v.pop().expect("UART2 registered");
        let uart1 = v.pop().expect("UART1 registered");
        (uart1, uart2)
    }

    /// Access from the CPU at physical `addr`.
    pub fn read(&mut self, now: u64, addr: u64, size: usize) -> Result<u64, Fault> {
        let clocks = self.gcc.view();
        if (GCC_BASE..GCC_BASE + GCC_SIZE).contains(&addr) {
            return self.gcc.read(addr - GCC_BASE, size);
        }
        let effects = &mut self.effects;
        let region = self
            .regions
            .iter_mut()
            .find(|r| (r.base..r.base + r.size).contains(&addr))
            .ok_or(Fault::Unclaimed)?;
        let mut ctx = Ctx {
            now,
            clocks: &clocks,
            effects,
        };
        region.model.advance(&mut ctx);
        region.model.read(&mut ctx, addr - region.base, size)
    }

    /// Write from the CPU at physical `addr`.
    pub fn write(&mut self, now: u64, addr: u64, size: usize, value: u64) -> Result<(), Fault> {
        if (GCC_BASE..GCC_BASE + GCC_SIZE).contains(&addr) {
            // Bring the other models up to date with the old clocks before they change.
            self.advance_all(now);
            let res = self.gcc.write(addr - GCC_BASE, size, value);
            self.advance_all(now);
            return res;
        }
        let clocks = self.gcc.view();
        let effects = &mut self.effects;
        let region = self
            .regions
            .iter_mut()
            .find(|r| (r.base..r.base + r.size).contains(&addr))
            .ok_or(Fault::Unclaimed)?;
        let mut ctx = Ctx {
            now,
            clocks: &clocks,
            effects,
        };
        region.model.advance(&mut ctx);
        region
            .model
            .write(&mut ctx, addr - region.base, size, value)
    }

    /// Advance every model to `now`.
    pub fn advance_all(&mut self, now: u64) {
        let clocks = self.gcc.view();
        for r in &mut self.regions {
            let mut ctx = Ctx {
                now,
                clocks: &clocks,
                effects: &mut self.effects,
            };
            r.model.advance(&mut ctx);
        }
    }
}
