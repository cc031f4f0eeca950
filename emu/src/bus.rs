//! The peripheral bus: the machine table's memory-mapped rows, routed to their models.
//!
//! Every access goes the same way: find the row, bring the model up to date, check the row's
//! clock gate ([`Fault::ClockOff`]), then let the model's register file decide whether the
//! access is claimed (width and direction policy in `regfile`). A write to the clock
//! controller brings every other model up to date with the old clocks first.
//!
//! This runs on every MMIO access the guest makes, so the table lookups are precomputed
//! ([`rows`]) and the clock view is kept by the GCC model rather than computed per access.

mod rows;

use std::rc::Rc;

use crate::board::Config;
use crate::machine::{Block, Device, Devices, MACHINE};
use crate::models::gcc::ClockView;
use crate::regfile::{Registers, access};
use crate::scheduler::{Event, Scheduler};

/// Why an access did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// No register answers at this address (or not with this size / direction).
    Unclaimed,
    /// The block's bus clock is off: on hardware the access would hang or abort.
    ClockOff(&'static str),
    /// The access started a DMA transfer the board cannot carry out (what is wrong with it).
    Dma(String),
}

/// Guest memory as a bus master (a DMA engine) sees it: physical addresses, no MMU.
pub trait GuestMemory {
    /// Fill `buffer` from physical `addr`; false (and nothing read) if any byte is outside
    /// the memory.
    fn read(&self, addr: u64, buffer: &mut [u8]) -> bool;
    /// Store `data` at physical `addr`; false (and nothing written) if any byte is outside
    /// the memory.
    fn write(&self, addr: u64, data: &[u8]) -> bool;
}

/// A watchdog bite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bite {
    /// Tick of the bite.
    pub at: u64,
    /// Which watchdog: "APSS" or "PMIC".
    pub watchdog: &'static str,
    /// The bite powers the board off (the PMIC watchdog with reset type shutdown) instead of
    /// resetting it.
    pub power_off: bool,
}

/// What a model may ask of the rest of the board during an access.
#[derive(Debug, Default)]
pub struct Effects {
    /// PS_HOLD was released.
    pub ps_hold_released: bool,
    /// A watchdog bit: the board ends the run.
    pub watchdog_bite: Option<Bite>,
    /// Lines for stderr (already formatted, without the `emu: ` prefix).
    pub messages: Vec<String>,
    /// Timed events asked for, (tick, event), in order; the bus moves them to its scheduler.
    pub scheduled: Vec<(u64, Event)>,
    /// Something changed that may change what the GIC signals to the CPU (a GIC register
    /// access, an interrupt line): the board re-evaluates its IRQ line.
    pub interrupts_changed: bool,
    /// The accessed model has a DMA transfer to carry out: the bus runs it with the guest
    /// memory right after the access (`Bus::run_dma`).
    pub dma_requested: bool,
}

impl Effects {
    /// Ask for `event` at tick `at`.
    pub fn schedule(&mut self, at: u64, event: Event) {
        self.scheduled.push((at, event));
    }
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

/// A memory-mapped model as the bus sees it. Every register-file model is one (see
/// `regfile::Registers`).
pub trait Model {
    /// One access of `size` bytes at `offset` in window `window`; `write` holds the value of
    /// a write. Returns the value read (0 for a write).
    fn access(
        &mut self,
        ctx: &mut Ctx<'_>,
        window: usize,
        offset: u64,
        size: usize,
        write: Option<u64>,
    ) -> Result<u64, Fault>;
    /// Bring time-dependent state up to `ctx.now` (FIFOs draining, scheduled pin levels).
    fn advance(&mut self, ctx: &mut Ctx<'_>);
    /// Levels of the block's interrupt outputs: bit k = the machine table row's k-th
    /// interrupt.
    fn interrupt_lines(&self) -> u32;
}

impl<M: Registers> Model for M {
    fn access(
        &mut self,
        ctx: &mut Ctx<'_>,
        window: usize,
        offset: u64,
        size: usize,
        write: Option<u64>,
    ) -> Result<u64, Fault> {
        access(self, ctx, window, offset, size, write)
    }

    fn advance(&mut self, ctx: &mut Ctx<'_>) {
        Registers::advance(self, ctx);
    }

    fn interrupt_lines(&self) -> u32 {
        Registers::interrupt_lines(self)
    }
}

/// All peripherals of the virtual board.
pub struct Bus {
    /// The models, as typed fields.
    pub devices: Devices,
    /// Side effects collected since the board last looked.
    pub effects: Effects,
    /// Timed events.
    pub scheduler: Scheduler,
    /// Which row an address is in, and which row carries a device's interrupts.
    rows: rows::Rows,
    /// Guest memory for the models' DMA (the board's DRAM); `None`: a DMA transfer stops
    /// the run.
    memory: Option<Rc<dyn GuestMemory>>,
}

impl Bus {
    /// The machine table's models, built from the run options.
    pub fn new(config: &Config) -> Self {
        let mut scheduler = Scheduler::default();
        for pin in &config.pins {
            scheduler.schedule(pin.at, Event::Pin(*pin));
        }
        for key in &config.keys {
            scheduler.schedule(key.at, Event::Key(key.key, key.pressed));
        }
        Self {
            devices: Devices::new(config),
            effects: Effects::default(),
            scheduler,
            rows: rows::Rows::new(MACHINE),
            memory: None,
        }
    }

    /// Give the DMA masters `memory` (the board's DRAM).
    pub fn attach_memory(&mut self, memory: Rc<dyn GuestMemory>) {
        self.memory = Some(memory);
    }

    /// The windows that need mapping, in table order.
    pub fn windows(&self) -> Vec<(u64, u64)> {
        MACHINE.iter().filter_map(Block::mmio).collect()
    }

    /// The row holding `addr` and the offset in it.
    fn row(&self, addr: u64) -> Result<(&'static Block, u64), Fault> {
        self.rows.at(addr).ok_or(Fault::Unclaimed)
    }

    /// Access from the CPU at physical `addr`.
    pub fn read(&mut self, now: u64, addr: u64, size: usize) -> Result<u64, Fault> {
        self.access(now, addr, size, None)
    }

    /// Write from the CPU at physical `addr`.
    pub fn write(&mut self, now: u64, addr: u64, size: usize, value: u64) -> Result<(), Fault> {
        self.access(now, addr, size, Some(value)).map(|_| ())
    }

    fn access(
        &mut self,
        now: u64,
        addr: u64,
        size: usize,
        write: Option<u64>,
    ) -> Result<u64, Fault> {
        let (block, offset) = self.row(addr)?;
        let clock_write = block.device == Device::Gcc && write.is_some();
        if clock_write {
            // Bring the other models up to date with the old clocks before they change.
            self.advance_all(now);
        }
        let clocks = self.devices.gcc.view();
        let mut ctx = Ctx {
            now,
            clocks: &clocks,
            effects: &mut self.effects,
        };
        let model = self.devices.model(block.device).ok_or(Fault::Unclaimed)?;
        model.advance(&mut ctx);
        if let Some(gate) = block.clock
            && !gate.running(&clocks)
        {
            return Err(Fault::ClockOff(gate.name()));
        }
        let mut res = model.access(&mut ctx, block.window, offset, size, write);
        if block.device == Device::Tlmm && write.is_some() {
            // Pads wired to other models (SPI0's chip select).
            self.devices.pads_written(&mut ctx);
        }
        if self.effects.dma_requested {
            self.effects.dma_requested = false;
            if res.is_ok() {
                res = self.run_dma(block.device).map(|()| 0);
            }
        }
        if clock_write {
            self.advance_all(now);
        }
        // The device's interrupt row: the first row with interrupts, which may be another
        // window's than the one accessed (the SPMI arbiter's, the QTimer's frames).
        self.update_device_lines(block.device);
        self.collect_scheduled();
        res
    }

    /// Carry out the DMA transfer `device` asked for, at once (bus time is not modelled).
    fn run_dma(&mut self, device: Device) -> Result<(), Fault> {
        let Some(memory) = self.memory.clone() else {
            return Err(Fault::Dma(
                "needs guest memory, and none is attached".into(),
            ));
        };
        let sdhc = match device {
            Device::Sdhc1 => &mut self.devices.sdhc1,
            Device::Sdhc2 => &mut self.devices.sdhc2,
            _ => return Ok(()),
        };
        sdhc.run_dma(&*memory).map_err(Fault::Dma)
    }

    /// Pass the interrupt outputs of `block`'s model to the GIC's input lines.
    fn update_lines(&mut self, block: &Block) {
        if block.interrupts.is_empty() {
            return;
        }
        let Some(model) = self.devices.model(block.device) else {
            return;
        };
        let lines = model.interrupt_lines();
        let gic = &mut self.devices.gic.gic;
        for (k, &id) in block.interrupts.iter().enumerate() {
            let level = lines >> k & 1 != 0;
            if gic.spi_line(id) != level {
                gic.set_spi_line(id, level);
                self.effects.interrupts_changed = true;
            }
        }
    }

    /// [`Self::update_lines`] for the first row of `device` that has interrupts.
    fn update_device_lines(&mut self, device: Device) {
        if let Some(block) = self.rows.interrupt_row(device) {
            self.update_lines(block);
        }
    }

    /// Move the events models asked for into the scheduler.
    #[inline]
    fn collect_scheduled(&mut self) {
        if !self.effects.scheduled.is_empty() {
            self.schedule_collected();
        }
    }

    fn schedule_collected(&mut self) {
        for (at, event) in self.effects.scheduled.drain(..) {
            self.scheduler.schedule(at, event);
        }
    }

    /// Run every event due by tick `until`, in order, each at its own tick.
    pub fn run_events(&mut self, until: u64) {
        while let Some((at, event)) = self.scheduler.pop_due(until) {
            let clocks = self.devices.gcc.view();
            let mut ctx = Ctx {
                now: at,
                clocks: &clocks,
                effects: &mut self.effects,
            };
            let device = match event {
                Event::Pin(pin) => {
                    self.devices.tlmm.drive(&mut ctx, pin.gpio, pin.level);
                    Device::Tlmm
                }
                Event::Key(key, pressed) => {
                    self.devices.spmi.set_key(key, pressed);
                    Device::Spmi
                }
                Event::Update(device) => {
                    if let Some(model) = self.devices.model(device) {
                        model.advance(&mut ctx);
                    }
                    device
                }
            };
            self.update_device_lines(device);
            self.collect_scheduled();
        }
    }

    /// Advance every model to `now`, in machine table order.
    pub fn advance_all(&mut self, now: u64) {
        let clocks = self.devices.gcc.view();
        for (row, block) in MACHINE.iter().enumerate() {
            // A model with several windows is advanced once, at its first row.
            if MACHINE[..row].iter().any(|b| b.device == block.device) {
                continue;
            }
            if let Some(model) = self.devices.model(block.device) {
                let mut ctx = Ctx {
                    now,
                    clocks: &clocks,
                    effects: &mut self.effects,
                };
                model.advance(&mut ctx);
            }
            self.update_lines(block);
        }
        self.collect_scheduled();
    }
}

/// Helpers for model unit tests: one access with the boot-time clocks.
#[cfg(test)]
pub mod testing {
    use super::{Ctx, Effects, Fault, Model};
    use crate::models::gcc::Gcc;

    /// Access window 0 of `model` at time 0; returns the value read (0 for a write).
    pub fn access(
        model: &mut dyn Model,
        offset: u64,
        size: usize,
        write: Option<u64>,
    ) -> Result<u64, Fault> {
        let clocks = Gcc::new().view();
        let mut effects = Effects::default();
        let mut ctx = Ctx {
            now: 0,
            clocks: &clocks,
            effects: &mut effects,
        };
        model.access(&mut ctx, 0, offset, size, write)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::tlmm::PinEvent;

    const GPIO107_IN_OUT: u64 = 0x0100_0000 + 107 * 0x1000 + 4;
    const PRNG_STATUS: u64 = 0x0002_2004;

    #[test]
    fn pin_events_run_from_the_scheduler_at_their_tick() {
        let config = Config {
            pins: vec![PinEvent {
                at: 1000,
                gpio: 107,
                level: Some(true),
            }],
            ..Config::default()
        };
        let mut bus = Bus::new(&config);
        assert_eq!(bus.scheduler.next_due(), Some(1000));
        bus.run_events(999);
        assert_eq!(bus.read(999, GPIO107_IN_OUT, 4), Ok(0));
        bus.run_events(1000);
        assert_eq!(bus.read(1000, GPIO107_IN_OUT, 4), Ok(1));
        assert_eq!(bus.scheduler.next_due(), None);
    }

    #[test]
    fn a_pin_event_reaches_the_gic_through_the_tlmm_summary_line() {
        const TLMM_SUMMARY: u32 = 240;
        let config = Config {
            pins: vec![PinEvent {
                at: 500,
                gpio: 107,
                level: Some(false),
            }],
            ..Config::default()
        };
        let mut bus = Bus::new(&config);
        let gpio107 = 0x0100_0000 + 107 * 0x1000;
        bus.write(0, gpio107, 4, 3).unwrap(); // pull-up input
        // To the application processor (TARGET 4), raw status, falling edge (DECT 2, POL 1),
        // enabled.
        bus.write(0, gpio107 + 8, 4, 4 << 5 | 1 << 4 | 2 << 2 | 1 << 1 | 1)
            .unwrap();
        assert!(!bus.devices.gic.gic.spi_line(TLMM_SUMMARY));
        bus.effects.interrupts_changed = false;
        bus.run_events(500);
        assert!(bus.devices.gic.gic.spi_line(TLMM_SUMMARY));
        assert!(bus.effects.interrupts_changed);
        // Acknowledged at the pad (write 0): the line falls.
        bus.write(500, gpio107 + 0xC, 4, 0).unwrap();
        assert!(!bus.devices.gic.gic.spi_line(TLMM_SUMMARY));
    }

    #[test]
    fn clock_gate_from_the_machine_table() {
        let mut bus = Bus::new(&Config::default());
        // PRNG_AHB is off at boot: the access stops the run; the width check comes after.
        assert_eq!(
            bus.read(0, PRNG_STATUS, 2),
            Err(Fault::ClockOff("PRNG_AHB"))
        );
        // Vote PRNG_AHB on (APCS_CLOCK_BRANCH_ENA_VOTE bit 8, keeping BLSP1_AHB's bit 10).
        bus.write(0, 0x0184_5004, 4, 1 << 8 | 1 << 10).unwrap();
        assert_eq!(bus.read(0, PRNG_STATUS, 4), Ok(0));
        assert_eq!(bus.read(0, PRNG_STATUS, 2), Err(Fault::Unclaimed));
    }
}
