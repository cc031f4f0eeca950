//! Interrupt IDs, priorities, core sets, triggers and errors: the pure values the controller
//! takes, each validated on construction (host unit tests below).

use core::fmt;

use crate::pac;

/// A GIC interrupt ID known to be below [`InterruptId::LIMIT`].
///
/// SGIs are IDs 0–15, PPIs 16–31 (banked per core), SPIs 32 and up (SPI n = ID 32 + n, the
/// numbering of docs/hardware/memory-map.md#interrupts and of [`pac::Interrupt`]).
///
/// ```no_run
/// use apq8016_hal::interrupt::{InterruptId, InterruptKind};
///
/// let console = InterruptId::from(apq8016_hal::pac::Interrupt::BLSP1_UART2);
/// assert_eq!(console.number(), 140);
/// assert_eq!(InterruptId::NON_SECURE_PHYSICAL_TIMER.kind(), InterruptKind::PrivatePeripheral);
/// assert!(InterruptId::new(1020).is_err()); // a special ID, never a line
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct InterruptId(pub(super) u16);

/// Which of the GIC's three kinds of interrupt an ID is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum InterruptKind {
    /// SGI, IDs 0–15: raised by software ([`super::InterruptController::send_sgi`]).
    SoftwareGenerated,
    /// PPI, IDs 16–31: one per core (e.g. the generic timers).
    PrivatePeripheral,
    /// SPI, IDs 32 and up: shared peripherals, routed to chosen cores.
    SharedPeripheral,
}

impl InterruptId {
    /// One past the highest ID this HAL handles: 9 × 32 lines (the highest ID the hardware
    /// sources list for this SoC is 270).
    pub const LIMIT: u16 = 288;
    /// Number of SGIs (IDs 0–15).
    pub const SGI_COUNT: u16 = 16;
    /// First PPI.
    pub const FIRST_PPI: u16 = 16;
    /// First SPI.
    pub const FIRST_SPI: u16 = 32;
    /// PPI 1: the EL2 (hypervisor) physical timer (docs/hardware/gic-timers.md#architected-timer).
    pub const HYPERVISOR_PHYSICAL_TIMER: InterruptId = InterruptId(17);
    /// PPI 2: the EL1 secure physical timer (group 0 under TF-A: not for non-secure use).
    pub const SECURE_PHYSICAL_TIMER: InterruptId = InterruptId(18);
    /// PPI 3: the EL1 non-secure physical timer, behind [`crate::time::Alarm`].
    pub const NON_SECURE_PHYSICAL_TIMER: InterruptId = InterruptId(19);
    /// PPI 4: the virtual timer.
    pub const VIRTUAL_TIMER: InterruptId = InterruptId(20);

    /// The ID `id`, or [`Error::InvalidId`] if it is not below [`InterruptId::LIMIT`]
    /// (e.g. the special IDs 1020–1023, which are never lines).
    pub const fn new(id: u16) -> Result<InterruptId, Error> {
        if id < Self::LIMIT {
            Ok(InterruptId(id))
        } else {
            Err(Error::InvalidId(id))
        }
    }

    /// SGI `n` (0–15).
    pub const fn sgi(n: u16) -> Result<InterruptId, Error> {
        if n < Self::SGI_COUNT {
            Ok(InterruptId(n))
        } else {
            Err(Error::InvalidId(n))
        }
    }

    /// PPI `n` (0–15), ID 16 + n.
    pub const fn ppi(n: u16) -> Result<InterruptId, Error> {
        if n < 16 {
            Ok(InterruptId(Self::FIRST_PPI + n))
        } else {
            Err(Error::InvalidId(Self::FIRST_PPI.saturating_add(n)))
        }
    }

    /// SPI `n`, ID 32 + n (the numbers the device tree uses).
    pub const fn spi(n: u16) -> Result<InterruptId, Error> {
        Self::new(Self::FIRST_SPI.saturating_add(n))
    }

    /// The ID as a number.
    pub const fn number(self) -> u16 {
        self.0
    }

    /// SGI, PPI or SPI.
    pub const fn kind(self) -> InterruptKind {
        if self.0 < Self::FIRST_PPI {
            InterruptKind::SoftwareGenerated
        } else if self.0 < Self::FIRST_SPI {
            InterruptKind::PrivatePeripheral
        } else {
            InterruptKind::SharedPeripheral
        }
    }

    /// Index of the 32-bit distributor register holding this ID's bit (ISENABLER & co.)
    /// and the bit within it.
    pub(crate) const fn bit_position(self) -> (usize, u32) {
        ((self.0 / 32) as usize, 1 << (self.0 % 32))
    }

    /// Index of the 32-bit register holding this ID's byte (IPRIORITYR, ITARGETSR) and the
    /// byte lane within it.
    pub(crate) const fn byte_position(self) -> (usize, u32) {
        ((self.0 / 4) as usize, (self.0 % 4) as u32)
    }
}

impl From<pac::Interrupt> for InterruptId {
    /// The PAC numbers interrupts by GIC ID (docs/contracts.md), all below the limit (a host
    /// test checks each).
    fn from(interrupt: pac::Interrupt) -> Self {
        InterruptId(interrupt as u16)
    }
}

impl TryFrom<u16> for InterruptId {
    type Error = Error;
    fn try_from(id: u16) -> Result<Self, Error> {
        Self::new(id)
    }
}

impl From<InterruptId> for arm_gic::IntId {
    fn from(id: InterruptId) -> Self {
        match id.kind() {
            InterruptKind::SoftwareGenerated => arm_gic::IntId::sgi(id.0 as u32),
            InterruptKind::PrivatePeripheral => {
                arm_gic::IntId::ppi((id.0 - InterruptId::FIRST_PPI) as u32)
            }
            InterruptKind::SharedPeripheral => {
                arm_gic::IntId::spi((id.0 - InterruptId::FIRST_SPI) as u32)
            }
        }
    }
}

/// An interrupt priority level: 0 is the most urgent, 15 the least (see the module notes
/// for why 16 levels).
///
/// ```no_run
/// use apq8016_hal::interrupt::Priority;
/// assert_eq!(Priority::new(2).unwrap().register_value(), 0x20);
/// assert!(Priority::new(16).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Priority(u8);

impl Priority {
    /// Number of levels.
    pub const LEVELS: u8 = 16;
    /// Level 0, the most urgent.
    pub const HIGHEST: Priority = Priority(0);
    /// Level 8, what [`super::InterruptController::take`] gives every line.
    pub const DEFAULT: Priority = Priority(8);
    /// Level 15, the least urgent.
    pub const LOWEST: Priority = Priority(15);

    /// Level `level` (0–15), or [`Error::InvalidPriority`].
    pub const fn new(level: u8) -> Result<Priority, Error> {
        if level < Self::LEVELS {
            Ok(Priority(level))
        } else {
            Err(Error::InvalidPriority(level))
        }
    }

    /// The level, 0–15.
    pub const fn level(self) -> u8 {
        self.0
    }

    /// The 8-bit value for the GIC's priority field: the level in the upper four bits.
    pub const fn register_value(self) -> u8 {
        self.0 << 4
    }

    /// The level a priority field holds (lower four bits, which a GIC may not implement,
    /// ignored).
    pub const fn from_register_value(value: u8) -> Priority {
        Priority(value >> 4)
    }
}

/// A set of cores (bit n = core n, cores 0–3) an SPI is delivered to or an SGI is sent to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CoreSet(u8);

impl CoreSet {
    /// Number of cores of the APQ8016E.
    pub const CORE_COUNT: u8 = 4;
    /// All four cores.
    pub const ALL: CoreSet = CoreSet(0b1111);

    /// The set `bits` (bit n = core n), or [`Error::InvalidCores`] if it is empty or names a
    /// core this SoC does not have.
    pub const fn from_bits(bits: u8) -> Result<CoreSet, Error> {
        if bits != 0 && bits & !Self::ALL.0 == 0 {
            Ok(CoreSet(bits))
        } else {
            Err(Error::InvalidCores(bits))
        }
    }

    /// Only core `core` (0–3).
    pub const fn single(core: u8) -> Result<CoreSet, Error> {
        if core < Self::CORE_COUNT {
            Ok(CoreSet(1 << core))
        } else {
            Err(Error::InvalidCores(0))
        }
    }

    /// The bits (bit n = core n).
    pub const fn bits(self) -> u8 {
        self.0
    }
}

/// How a line signals: a level held until the device is serviced, or an edge latched once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Trigger {
    /// Active while the device holds its line (the GIC re-signals after EOI if still held).
    Level,
    /// Each rising edge makes the interrupt pending once.
    Edge,
}

/// What the interrupt controller refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// Not an interrupt ID this HAL handles (at or past [`InterruptId::LIMIT`]).
    InvalidId(u16),
    /// Past the lines the GIC implements (`GICD_TYPER`).
    NotImplemented(InterruptId),
    /// The GIC kept the line disabled (e.g. a line the secure side reserved).
    CannotEnable(InterruptId),
    /// The setting is fixed for this kind of interrupt (an SGI's trigger, an SGI's or PPI's
    /// target), or an SGI operation was asked of a non-SGI.
    NotConfigurable(InterruptId),
    /// A priority level past 15.
    InvalidPriority(u8),
    /// An empty core set, or one naming a core past 3.
    InvalidCores(u8),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidId(id) => write!(
                f,
                "{id} is not an interrupt ID (IDs are below {})",
                InterruptId::LIMIT
            ),
            Error::NotImplemented(id) => {
                write!(f, "interrupt {} is past the GIC's lines", id.number())
            }
            Error::CannotEnable(id) => write!(f, "the GIC kept interrupt {} off", id.number()),
            Error::NotConfigurable(id) => {
                write!(f, "interrupt {} does not have that setting", id.number())
            }
            Error::InvalidPriority(level) => {
                write!(f, "priority {level} is past the lowest level (15)")
            }
            Error::InvalidCores(bits) => write!(f, "core set {bits:#06b} is not cores 0-3"),
        }
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_below_the_limit_only() {
        assert_eq!(InterruptId::new(0).unwrap().number(), 0);
        assert_eq!(InterruptId::new(287).unwrap().number(), 287);
        assert_eq!(InterruptId::new(288), Err(Error::InvalidId(288)));
        for special in 1020..=1023 {
            assert_eq!(InterruptId::new(special), Err(Error::InvalidId(special)));
        }
        assert_eq!(InterruptId::try_from(19u16), Ok(InterruptId(19)));
    }

    #[test]
    fn kinds_and_constructors() {
        assert_eq!(
            InterruptId::sgi(15).unwrap().kind(),
            InterruptKind::SoftwareGenerated
        );
        assert!(InterruptId::sgi(16).is_err());
        assert_eq!(
            InterruptId::ppi(3),
            Ok(InterruptId::NON_SECURE_PHYSICAL_TIMER)
        );
        assert_eq!(InterruptId::ppi(4), Ok(InterruptId::VIRTUAL_TIMER));
        assert!(InterruptId::ppi(16).is_err());
        assert_eq!(
            InterruptId::NON_SECURE_PHYSICAL_TIMER.kind(),
            InterruptKind::PrivatePeripheral
        );
        assert_eq!(InterruptId::spi(208).unwrap().number(), 240);
        assert_eq!(
            InterruptId::spi(208).unwrap().kind(),
            InterruptKind::SharedPeripheral
        );
        assert_eq!(InterruptId::spi(256), Err(Error::InvalidId(288)));
        assert_eq!(InterruptId::spi(u16::MAX), Err(Error::InvalidId(u16::MAX)));
    }

    #[test]
    fn pac_interrupts_are_valid_ids() {
        for (interrupt, id) in [
            (pac::Interrupt::BLSP1_UART1, 139),
            (pac::Interrupt::BLSP1_UART2, 140),
            (pac::Interrupt::TLMM_SUMMARY, 240),
        ] {
            let converted = InterruptId::from(interrupt);
            assert_eq!(converted.number(), id);
            assert_eq!(InterruptId::new(id), Ok(converted));
        }
    }

    #[test]
    fn register_positions() {
        assert_eq!(InterruptId(0).bit_position(), (0, 1));
        assert_eq!(InterruptId(19).bit_position(), (0, 1 << 19));
        assert_eq!(InterruptId(240).bit_position(), (7, 1 << 16));
        assert_eq!(InterruptId(19).byte_position(), (4, 3));
        assert_eq!(InterruptId(240).byte_position(), (60, 0));
    }

    #[test]
    fn arm_gic_ids_agree() {
        for n in [0u16, 15, 16, 19, 31, 32, 240, 287] {
            let ours = InterruptId::new(n).unwrap();
            let theirs: arm_gic::IntId = ours.into();
            assert_eq!(theirs.raw_value(), u32::from(n));
        }
    }

    #[test]
    fn priority_encoding() {
        assert_eq!(Priority::HIGHEST.register_value(), 0x00);
        assert_eq!(Priority::DEFAULT.register_value(), 0x80);
        assert_eq!(Priority::LOWEST.register_value(), 0xF0);
        assert_eq!(Priority::new(16), Err(Error::InvalidPriority(16)));
        for level in 0..16 {
            let p = Priority::new(level).unwrap();
            assert_eq!(Priority::from_register_value(p.register_value()), p);
            // A GIC that implements more bits than we use still reads back the same level.
            assert_eq!(Priority::from_register_value(p.register_value() | 0x08), p);
        }
        assert!(
            Priority::HIGHEST < Priority::LOWEST,
            "lower level = more urgent"
        );
    }

    #[test]
    fn core_sets() {
        assert_eq!(CoreSet::single(0).unwrap().bits(), 1);
        assert_eq!(CoreSet::single(3).unwrap().bits(), 8);
        assert!(CoreSet::single(4).is_err());
        assert_eq!(CoreSet::from_bits(0b1010).unwrap().bits(), 0b1010);
        assert_eq!(CoreSet::from_bits(0), Err(Error::InvalidCores(0)));
        assert_eq!(CoreSet::from_bits(0x10), Err(Error::InvalidCores(0x10)));
    }
}
