//! [`InterruptController`]: the GICv2 distributor and this core's CPU interface.

use core::sync::atomic::{AtomicBool, Ordering};

use arm_gic::gicv2::registers::{Gicc, Gicd};
use arm_gic::gicv2::{GicV2, SgiTargetListFilter};

use super::dispatch::CPU_INTERFACE_BASE;
use super::table::{HANDLERS, Handler};
use super::{CoreSet, Error, InterruptId, InterruptKind, Priority, Trigger};

/// GIC distributor base (docs/hardware/gic-timers.md#gicv2-qgic2).
const DISTRIBUTOR_BASE: usize = 0x0B00_0000;

// Distributor register arrays (offsets from the distributor base, GICv2 architecture
// specification, Arm IHI 0048B, section 4.1).
const GICD_IGROUPR: usize = 0x080;
const GICD_ISENABLER: usize = 0x100;
const GICD_ICENABLER: usize = 0x180;
const GICD_ISPENDR: usize = 0x200;
const GICD_ICPENDR: usize = 0x280;
const GICD_ICACTIVER: usize = 0x380;
const GICD_IPRIORITYR: usize = 0x400;
const GICD_ITARGETSR: usize = 0x800;
const GICD_ICFGR: usize = 0xC00;
/// CPU interface control register (offset from the CPU interface base).
const GICC_CTLR: usize = 0x000;

/// `GICC_PMR` value that lets every priority through.
const PRIORITY_MASK_OPEN: u8 = 0xFF;

/// Set once the controller has been handed out.
static TAKEN: AtomicBool = AtomicBool::new(false);
/// Set once [`InterruptController::init`] has run (see [`InterruptController::take`]).
static INITIALISED: AtomicBool = AtomicBool::new(false);

/// Where an SGI goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SgiTarget {
    /// The cores in the set.
    Cores(CoreSet),
    /// Every core but the sender.
    AllOthers,
    /// Only the sending core.
    ThisCore,
}

/// `word` with byte `lane` (0–3) replaced by `value`.
pub(crate) const fn replace_byte(word: u32, lane: u32, value: u8) -> u32 {
    let shift = lane * 8;
    (word & !(0xFF << shift)) | ((value as u32) << shift)
}

/// The GICv2 interrupt controller (QGIC2), seen from this core.
///
/// Obtain it once with [`InterruptController::take`] (the board crate does:
/// `db410c::Board::interrupts`). Every method validates its ID first; the example in
/// [`crate::interrupt`] shows a whole setup.
pub struct InterruptController {
    gic: GicV2<'static>,
    /// Lines the distributor implements (`GICD_TYPER`), capped at [`InterruptId::LIMIT`].
    lines: u16,
}

impl InterruptController {
    /// Hands out the controller once; `None` if it was already taken.
    ///
    /// The GIC is initialised ([`InterruptController::init`]) by the first method that uses
    /// it, not here: a program that never uses interrupts does not carry the set-up code
    /// (about 300 bytes, measured on `hello`). Every method therefore sees the GIC as `init`
    /// leaves it. Until then it stays as the boot firmware left it, which does no harm: IRQs
    /// are masked on the core until [`enable_irq`](super::enable_irq), and a program that
    /// unmasks them without ever using the controller has no handlers anyway.
    pub fn take() -> Option<InterruptController> {
        if TAKEN.swap(true, Ordering::AcqRel) {
            return None;
        }
        // SAFETY: the flag above makes this the only instance handed out by `take`.
        Some(unsafe { Self::steal() })
    }

    /// Runs [`InterruptController::init`] if no method has yet.
    fn ready(&self) {
        if !INITIALISED.load(Ordering::Acquire) {
            // SAFETY: `self` is the controller in use; the stolen instance only runs `init`
            // on the same registers, then is dropped, before `self` touches them again.
            unsafe { Self::steal() }.init();
        }
    }

    /// A controller without the once-only check (its first use initialises the GIC if nothing
    /// has, as for [`InterruptController::take`]).
    ///
    /// # Safety
    ///
    /// No other `InterruptController` may be in use: the two would program the same
    /// registers behind each other's backs.
    pub unsafe fn steal() -> InterruptController {
        // SAFETY: the two addresses are the QGIC2 distributor and CPU interface, mapped as
        // device memory by the runtime's page table; the caller guarantees that this is the
        // only driver instance using them (the IRQ dispatcher only touches GICC_IAR/EOIR).
        let gic = unsafe {
            GicV2::new(
                DISTRIBUTOR_BASE as *mut Gicd,
                CPU_INTERFACE_BASE as *mut Gicc,
            )
        };
        let lines = gic.typer().num_irqs().min(u32::from(InterruptId::LIMIT)) as u16;
        InterruptController { gic, lines }
    }

    /// Puts the GIC in a known state, whatever the boot firmware left: every line disabled,
    /// not pending, not active, priority [`Priority::DEFAULT`], level-triggered SPIs routed to
    /// core 0; then the distributor and this core's CPU interface enabled with every priority
    /// let through. Handlers already registered stay. The first use of the controller does
    /// this by itself.
    pub fn init(&mut self) {
        INITIALISED.store(true, Ordering::Release);
        self.gic.enable_group0(false);
        self.gic.enable_group1(false);
        let security_extensions = self.gic.typer().has_security_extension();
        let words = usize::from(self.lines / 32);
        for index in 0..words {
            self.write_distributor(GICD_ICENABLER, index, u32::MAX);
            self.write_distributor(GICD_ICPENDR, index, u32::MAX);
            self.write_distributor(GICD_ICACTIVER, index, u32::MAX);
            if !security_extensions {
                // Group 0 for everything: served by GICC_IAR and enabled by GICC_CTLR bit 0.
                self.write_distributor(GICD_IGROUPR, index, 0);
            }
        }
        let default = u32::from_ne_bytes([Priority::DEFAULT.register_value(); 4]);
        for index in 0..usize::from(self.lines / 4) {
            self.write_distributor(GICD_IPRIORITYR, index, default);
            if index >= usize::from(InterruptId::FIRST_SPI / 4) {
                self.write_distributor(GICD_ITARGETSR, index, 0x0101_0101);
            }
        }
        // Two configuration bits per line, 0 = level; SGI and PPI words are left alone.
        for index in usize::from(InterruptId::FIRST_SPI / 16)..usize::from(self.lines / 16) {
            self.write_distributor(GICD_ICFGR, index, 0);
        }
        self.gic.set_priority_mask(PRIORITY_MASK_OPEN);
        // With the security extensions, a non-secure write sees bit 0 as "enable group 1",
        // the group the secure side gave us; without them, bit 0 enables group 0.
        self.gic.enable_group0(true);
        self.gic.enable_group1(true);
        // SAFETY: GICC_CTLR of this core's CPU interface; bit 0 enables signalling to the core.
        unsafe {
            core::ptr::write_volatile((CPU_INTERFACE_BASE + GICC_CTLR) as *mut u32, 1);
        }
    }

    /// Number of lines the GIC implements (IDs below it can be used), at most
    /// [`InterruptId::LIMIT`].
    pub fn line_count(&self) -> u16 {
        self.lines
    }

    fn check(&self, id: InterruptId) -> Result<InterruptId, Error> {
        if id.number() < self.lines {
            Ok(id)
        } else {
            Err(Error::NotImplemented(id))
        }
    }

    fn distributor_register(offset: usize, index: usize) -> *mut u32 {
        (DISTRIBUTOR_BASE + offset + 4 * index) as *mut u32
    }

    fn read_distributor(&self, offset: usize, index: usize) -> u32 {
        // SAFETY: a 32-bit distributor register inside the GIC's mapped block (callers pass
        // an array offset above and an index below the implemented lines).
        unsafe { core::ptr::read_volatile(Self::distributor_register(offset, index)) }
    }

    fn write_distributor(&mut self, offset: usize, index: usize, value: u32) {
        // SAFETY: as in `read_distributor`; `&mut self` makes this instance the only writer.
        unsafe { core::ptr::write_volatile(Self::distributor_register(offset, index), value) }
    }

    /// Lets the GIC signal `id`. [`Error::CannotEnable`] if the enable bit does not stick
    /// (a line reserved by the secure side, or an SGI the GIC keeps enabled anyway reads 1).
    pub fn enable(&mut self, id: InterruptId) -> Result<(), Error> {
        self.ready();
        let id = self.check(id)?;
        self.gic
            .enable_interrupt(id.into(), true)
            .map_err(|_| Error::CannotEnable(id))
    }

    /// Stops the GIC from signalling `id` (it can still become pending).
    pub fn disable(&mut self, id: InterruptId) -> Result<(), Error> {
        self.ready();
        let id = self.check(id)?;
        // Disabling never fails in arm-gic.
        let _ = self.gic.enable_interrupt(id.into(), false);
        Ok(())
    }

    /// Whether `id` is enabled.
    pub fn is_enabled(&self, id: InterruptId) -> Result<bool, Error> {
        self.ready();
        let (index, bit) = self.check(id)?.bit_position();
        Ok(self.read_distributor(GICD_ISENABLER, index) & bit != 0)
    }

    /// Sets the priority of `id` (the other lines sharing its register keep theirs).
    pub fn set_priority(&mut self, id: InterruptId, priority: Priority) -> Result<(), Error> {
        self.ready();
        let (index, lane) = self.check(id)?.byte_position();
        let word = self.read_distributor(GICD_IPRIORITYR, index);
        let word = replace_byte(word, lane, priority.register_value());
        self.write_distributor(GICD_IPRIORITYR, index, word);
        Ok(())
    }

    /// The priority of `id`.
    pub fn priority(&self, id: InterruptId) -> Result<Priority, Error> {
        self.ready();
        let (index, lane) = self.check(id)?.byte_position();
        let byte = (self.read_distributor(GICD_IPRIORITYR, index) >> (lane * 8)) as u8;
        Ok(Priority::from_register_value(byte))
    }

    /// Only interrupts more urgent than `threshold` reach this core (`GICC_PMR`); `None`
    /// lets every priority through (the state after [`InterruptController::take`]).
    pub fn set_priority_threshold(&mut self, threshold: Option<Priority>) {
        self.ready();
        self.gic
            .set_priority_mask(threshold.map_or(PRIORITY_MASK_OPEN, Priority::register_value));
    }

    /// Level or edge. SGIs have no trigger setting ([`Error::NotConfigurable`]); for PPIs
    /// the GIC may keep its fixed setting (the generic timers are level).
    pub fn set_trigger(&mut self, id: InterruptId, trigger: Trigger) -> Result<(), Error> {
        self.ready();
        let id = self.check(id)?;
        if id.kind() == InterruptKind::SoftwareGenerated {
            return Err(Error::NotConfigurable(id));
        }
        let trigger = match trigger {
            Trigger::Level => arm_gic::Trigger::Level,
            Trigger::Edge => arm_gic::Trigger::Edge,
        };
        self.gic.set_trigger(id.into(), trigger);
        Ok(())
    }

    /// Routes SPI `id` to `cores` (each core in the set may take it; the first to
    /// acknowledge does). SGIs and PPIs belong to their core: [`Error::NotConfigurable`].
    pub fn set_targets(&mut self, id: InterruptId, cores: CoreSet) -> Result<(), Error> {
        self.ready();
        let id = self.check(id)?;
        if id.kind() != InterruptKind::SharedPeripheral {
            return Err(Error::NotConfigurable(id));
        }
        let (index, lane) = id.byte_position();
        let word = self.read_distributor(GICD_ITARGETSR, index);
        self.write_distributor(
            GICD_ITARGETSR,
            index,
            replace_byte(word, lane, cores.bits()),
        );
        Ok(())
    }

    /// Whether `id` is pending.
    pub fn is_pending(&self, id: InterruptId) -> Result<bool, Error> {
        self.ready();
        let (index, bit) = self.check(id)?.bit_position();
        Ok(self.read_distributor(GICD_ISPENDR, index) & bit != 0)
    }

    /// Makes `id` pending from software (for SGIs use [`InterruptController::send_sgi`]).
    pub fn set_pending(&mut self, id: InterruptId) -> Result<(), Error> {
        self.ready();
        let (index, bit) = self.check(id)?.bit_position();
        self.write_distributor(GICD_ISPENDR, index, bit);
        Ok(())
    }

    /// Clears a pending `id` (an edge latched while the line was disabled, say). A level
    /// line whose device still asserts it becomes pending again.
    pub fn clear_pending(&mut self, id: InterruptId) -> Result<(), Error> {
        self.ready();
        let (index, bit) = self.check(id)?.bit_position();
        self.write_distributor(GICD_ICPENDR, index, bit);
        Ok(())
    }

    /// Calls `handler` for `id` from now on (replacing any earlier one). Register the
    /// handler before enabling the line: an enabled interrupt without a handler is reported
    /// and resets the board.
    pub fn set_handler(&mut self, id: InterruptId, handler: Handler) -> Result<(), Error> {
        self.ready();
        HANDLERS.set(self.check(id)?, Some(handler));
        Ok(())
    }

    /// Removes the handler of `id` (disable the line first).
    pub fn remove_handler(&mut self, id: InterruptId) -> Result<(), Error> {
        self.ready();
        HANDLERS.set(self.check(id)?, None);
        Ok(())
    }

    /// Sends SGI `id` (0–15; under TF-A use 0–7) to `target`. [`Error::NotConfigurable`] if
    /// `id` is not an SGI.
    pub fn send_sgi(&mut self, id: InterruptId, target: SgiTarget) -> Result<(), Error> {
        self.ready();
        if id.kind() != InterruptKind::SoftwareGenerated {
            return Err(Error::NotConfigurable(id));
        }
        let (target_list_filter, target_list) = match target {
            SgiTarget::Cores(cores) => (SgiTargetListFilter::CPUTargetList, cores.bits()),
            SgiTarget::AllOthers => (SgiTargetListFilter::ForwardOthersOnly, 0),
            SgiTarget::ThisCore => (SgiTargetListFilter::ForwardSelfOnly, 0),
        };
        self.gic.send_sgi(
            id.into(),
            arm_gic::gicv2::SgiTarget::List {
                target_list_filter,
                target_list: u16::from(target_list),
            },
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Programs share the controller with handlers through a `critical_section::Mutex` in a
    /// static, which needs it to be `Send`.
    #[test]
    fn controller_and_alarm_can_be_shared_with_handlers() {
        fn shareable<T: Send>() {}
        shareable::<InterruptController>();
        shareable::<crate::time::Alarm>();
    }

    #[test]
    fn byte_replacement_keeps_the_neighbours() {
        assert_eq!(replace_byte(0x8080_8080, 3, 0x20), 0x2080_8080);
        assert_eq!(replace_byte(0x8080_8080, 0, 0xF0), 0x8080_80F0);
        assert_eq!(replace_byte(0xFFFF_FFFF, 1, 0), 0xFFFF_00FF);
    }
}
