//! TLMM GPIO: pad ownership, digital input/output and function selection.
//!
//! ```no_run
//! use apq8016_hal::gpio::{Input, InputConfig, Level, Output, OutputConfig, Pins, Pull};
//! use apq8016_hal::pac;
//!
//! let pins = Pins::new(pac::Peripherals::take().unwrap().TLMM); // one token per pad
//! let mut led1 = Output::new(pins.gpio21, Level::Low, OutputConfig::default());
//! let volume_up = Input::new(pins.gpio107, InputConfig::default().with_pull(Pull::Up));
//! loop {
//!     led1.set_level(Level::from(volume_up.is_low())); // LED 1 lit while the button is held
//! }
//! ```
//!
//! Design notes:
//! - [`Pins::new`] consumes the `TLMM` peripheral and hands out one zero-sized [`Pin<N>`] per
//!   pad. A driver takes its pins by value, so two drivers can never own one pad; the pin
//!   number is known at compile time until it is erased into an [`AnyPin`].
//! - Each pad has its own 4 KiB register block, so owning the pin is owning its registers;
//!   no locking is needed between pins.
//! - `IN_OUT` has only `IN` (read-only) and `OUT` (bit 1), so [`Output::set_high`] is a
//!   single plain store of `OUT` (no read-modify-write), exactly what a raw PAC
//!   `in_out().write(..)` produces.
//! - Alternate functions (`FUNC_SEL` ≠ 0) are set by the drivers that own the pins
//!   ([`AnyPin::set_function`]); the function numbers are in
//!   docs/hardware/tlmm-gpio.md#function-numbers.
//! - Lifecycle, as for every driver of this HAL: `new` takes the pin, `apply_config` changes
//!   the configuration at run time (`Result` with [`ConfigError`] like the other drivers; for
//!   a pad nothing can fail), `free` gives the pin back, its pad left as it is.
//! - Pad interrupts (`gpio/interrupt.rs`): [`Input::listen`] with an [`InterruptTrigger`];
//!   all pads share the TLMM summary interrupt (GIC ID 240).
//! - Async waits (`gpio/wait.rs`): `embedded_hal_async::digital::Wait` for [`Input`], on
//!   the HAL's summary handler ([`enable_async_wait`]).

mod eh;
mod interrupt;
mod wait;

pub use interrupt::{InterruptTrigger, detection_and_polarity};
pub use wait::{enable_async_wait, on_summary_interrupt};

use crate::pac;
use pac::tlmm::gpio::cfg::{DrvStrength, Pull as PacPull};

/// Why a GPIO configuration could not be applied: it cannot fail, so this has no values. The
/// `Result` keeps `apply_config` alike across the HAL's drivers.
pub type ConfigError = core::convert::Infallible;

/// Number of GPIO pads of the TLMM.
pub const GPIO_COUNT: usize = 122;

/// Logic level of a pad.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Level {
    /// Low (0 V).
    Low,
    /// High (pad supply voltage).
    High,
}

impl From<bool> for Level {
    fn from(high: bool) -> Self {
        if high { Level::High } else { Level::Low }
    }
}

impl From<Level> for bool {
    fn from(level: Level) -> Self {
        level == Level::High
    }
}

impl core::ops::Not for Level {
    type Output = Level;
    fn not(self) -> Level {
        match self {
            Level::Low => Level::High,
            Level::High => Level::Low,
        }
    }
}

/// Pad bias (`GPIO_CFG.PULL`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Pull {
    /// No bias.
    #[default]
    None,
    /// Pull-up resistor.
    Up,
    /// Pull-down resistor.
    Down,
    /// Bus keeper: weakly holds the last driven level.
    Keeper,
}

impl Pull {
    const fn to_pac(self) -> PacPull {
        match self {
            Pull::None => PacPull::NoPull,
            Pull::Up => PacPull::PullUp,
            Pull::Down => PacPull::PullDown,
            Pull::Keeper => PacPull::Keeper,
        }
    }
}

/// Output drive strength (`GPIO_CFG.DRV_STRENGTH`, encoded as mA / 2 − 1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DriveStrength {
    /// 2 mA (reset value).
    #[default]
    Ma2,
    /// 4 mA.
    Ma4,
    /// 6 mA.
    Ma6,
    /// 8 mA.
    Ma8,
    /// 10 mA.
    Ma10,
    /// 12 mA.
    Ma12,
    /// 14 mA.
    Ma14,
    /// 16 mA.
    Ma16,
}

impl DriveStrength {
    /// All strengths, weakest first.
    pub const ALL: [DriveStrength; 8] = [
        DriveStrength::Ma2,
        DriveStrength::Ma4,
        DriveStrength::Ma6,
        DriveStrength::Ma8,
        DriveStrength::Ma10,
        DriveStrength::Ma12,
        DriveStrength::Ma14,
        DriveStrength::Ma16,
    ];

    /// The strength in milliamperes.
    pub const fn milliamps(self) -> u8 {
        (self.field_value() + 1) * 2
    }

    /// The strength for `ma` milliamperes, if the pad supports exactly that value.
    pub const fn from_milliamps(ma: u8) -> Option<Self> {
        if ma < 2 || ma > 16 || !ma.is_multiple_of(2) {
            return None;
        }
        Some(Self::ALL[(ma / 2 - 1) as usize])
    }

    /// Value of the 3-bit `DRV_STRENGTH` field.
    pub const fn field_value(self) -> u8 {
        self as u8
    }

    const fn to_pac(self) -> DrvStrength {
        match self {
            DriveStrength::Ma2 => DrvStrength::Ma2,
            DriveStrength::Ma4 => DrvStrength::Ma4,
            DriveStrength::Ma6 => DrvStrength::Ma6,
            DriveStrength::Ma8 => DrvStrength::Ma8,
            DriveStrength::Ma10 => DrvStrength::Ma10,
            DriveStrength::Ma12 => DrvStrength::Ma12,
            DriveStrength::Ma14 => DrvStrength::Ma14,
            DriveStrength::Ma16 => DrvStrength::Ma16,
        }
    }
}

/// Configuration of a pad used as an output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct OutputConfig {
    /// Drive strength (default 2 mA).
    pub drive_strength: DriveStrength,
    /// Bias while driving (default none).
    pub pull: Pull,
}

impl OutputConfig {
    /// Sets the drive strength.
    pub const fn with_drive_strength(mut self, drive_strength: DriveStrength) -> Self {
        self.drive_strength = drive_strength;
        self
    }

    /// Sets the bias.
    pub const fn with_pull(mut self, pull: Pull) -> Self {
        self.pull = pull;
        self
    }
}

/// Configuration of a pad used as an input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct InputConfig {
    /// Bias (default none).
    pub pull: Pull,
}

impl InputConfig {
    /// Sets the bias.
    pub const fn with_pull(mut self, pull: Pull) -> Self {
        self.pull = pull;
        self
    }
}

/// GPIO pad `N`, not yet configured. Zero-sized; obtained from [`Pins`].
#[derive(Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Pin<const N: u8> {
    _private: (),
}

impl<const N: u8> Pin<N> {
    /// The pad number.
    pub const NUMBER: u8 = N;

    /// Erases the pad number from the type.
    #[inline(always)]
    pub fn degrade(self) -> AnyPin {
        AnyPin { number: N }
    }
}

impl<const N: u8> From<Pin<N>> for AnyPin {
    #[inline(always)]
    fn from(pin: Pin<N>) -> Self {
        pin.degrade()
    }
}

/// Puts the pad number back into the type, e.g. to hand a pad that a driver's `free` gave
/// back as an [`AnyPin`] to a driver that wants a particular pad.
///
/// ```no_run
/// # use apq8016_hal::gpio::{AnyPin, Pin};
/// # fn demo(any: AnyPin) {
/// match Pin::<21>::try_from(any) {
///     Ok(led1) => { /* pad 21, typed again */ }
///     Err(other) => { /* some other pad, given back unchanged */ }
/// }
/// # }
/// ```
impl<const N: u8> TryFrom<AnyPin> for Pin<N> {
    /// The pin, unchanged, when it is not pad `N`.
    type Error = AnyPin;

    #[inline(always)]
    fn try_from(pin: AnyPin) -> Result<Self, AnyPin> {
        if pin.number == N {
            // Owning the `AnyPin` for pad N is owning pad N: it becomes the typed pin.
            Ok(Pin { _private: () })
        } else {
            Err(pin)
        }
    }
}

/// A GPIO pad whose number is only known at run time. Owning one is owning the pad.
#[derive(Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AnyPin {
    /// Invariant: `< GPIO_COUNT`.
    number: u8,
}

impl AnyPin {
    /// The pad number.
    #[inline(always)]
    pub fn number(&self) -> u8 {
        self.number
    }

    #[inline(always)]
    fn regs(&self) -> &'static pac::tlmm::Gpio {
        let n = usize::from(self.number);
        // SAFETY: an `AnyPin` only comes from a `Pin<N>` listed in `Pins`, all below
        // GPIO_COUNT. Telling the optimiser lets it drop the PAC's bounds check.
        unsafe { core::hint::assert_unchecked(n < GPIO_COUNT) };
        // SAFETY: TLMM::ptr() is the TLMM register block, mapped for the whole program; the
        // pad's registers belong to whoever owns this pin, which is `self`.
        let tlmm = unsafe { &*pac::TLMM::ptr() };
        tlmm.gpio(n)
    }

    /// Hands the pad to alternate function `function` (`FUNC_SEL`, 1..=15; 0 is GPIO; only
    /// the low 4 bits are used) with the given bias and drive strength. Output enable is
    /// left to the function. Function numbers per pad:
    /// docs/hardware/tlmm-gpio.md#function-numbers.
    pub fn set_function(&mut self, function: u8, pull: Pull, drive: DriveStrength) {
        self.regs().cfg().write(|w| {
            w.func_sel().set(function & 0xF);
            w.pull().variant(pull.to_pac());
            w.drv_strength().variant(drive.to_pac());
            w.oe().clear_bit()
        });
    }
}

macro_rules! pins {
    ($($field:ident: $n:literal,)+) => {
        /// All GPIO pads, each as its own [`Pin<N>`]. Obtained once from [`Pins::new`].
        #[derive(Debug)]
        pub struct Pins {
            $(
                #[doc = concat!("TLMM GPIO ", stringify!($n), ".")]
                pub $field: Pin<$n>,
            )+
        }

        impl Pins {
            /// Takes the TLMM and splits it into its pads. Changes nothing in the hardware.
            ///
            /// ```no_run
            /// use apq8016_hal::{gpio::Pins, pac};
            ///
            /// let pins = Pins::new(pac::Peripherals::take().unwrap().TLMM);
            /// let led1 = pins.gpio21; // a `Pin<21>`: give it to a driver (`Output::new`)
            /// # let _ = led1;
            /// ```
            pub fn new(tlmm: pac::TLMM) -> Self {
                // The peripheral is consumed: from now on every pad's registers are reached
                // through the pin that owns them.
                let _ = tlmm;
                Pins { $($field: Pin { _private: () },)+ }
            }
        }
    };
}

pins! {
    gpio0: 0,
    gpio1: 1,
    gpio2: 2,
    gpio3: 3,
    gpio4: 4,
    gpio5: 5,
    gpio6: 6,
    gpio7: 7,
    gpio8: 8,
    gpio9: 9,
    gpio10: 10,
    gpio11: 11,
    gpio12: 12,
    gpio13: 13,
    gpio14: 14,
    gpio15: 15,
    gpio16: 16,
    gpio17: 17,
    gpio18: 18,
    gpio19: 19,
    gpio20: 20,
    gpio21: 21,
    gpio22: 22,
    gpio23: 23,
    gpio24: 24,
    gpio25: 25,
    gpio26: 26,
    gpio27: 27,
    gpio28: 28,
    gpio29: 29,
    gpio30: 30,
    gpio31: 31,
    gpio32: 32,
    gpio33: 33,
    gpio34: 34,
    gpio35: 35,
    gpio36: 36,
    gpio37: 37,
    gpio38: 38,
    gpio39: 39,
    gpio40: 40,
    gpio41: 41,
    gpio42: 42,
    gpio43: 43,
    gpio44: 44,
    gpio45: 45,
    gpio46: 46,
    gpio47: 47,
    gpio48: 48,
    gpio49: 49,
    gpio50: 50,
    gpio51: 51,
    gpio52: 52,
    gpio53: 53,
    gpio54: 54,
    gpio55: 55,
    gpio56: 56,
    gpio57: 57,
    gpio58: 58,
    gpio59: 59,
    gpio60: 60,
    gpio61: 61,
    gpio62: 62,
    gpio63: 63,
    gpio64: 64,
    gpio65: 65,
    gpio66: 66,
    gpio67: 67,
    gpio68: 68,
    gpio69: 69,
    gpio70: 70,
    gpio71: 71,
    gpio72: 72,
    gpio73: 73,
    gpio74: 74,
    gpio75: 75,
    gpio76: 76,
    gpio77: 77,
    gpio78: 78,
    gpio79: 79,
    gpio80: 80,
    gpio81: 81,
    gpio82: 82,
    gpio83: 83,
    gpio84: 84,
    gpio85: 85,
    gpio86: 86,
    gpio87: 87,
    gpio88: 88,
    gpio89: 89,
    gpio90: 90,
    gpio91: 91,
    gpio92: 92,
    gpio93: 93,
    gpio94: 94,
    gpio95: 95,
    gpio96: 96,
    gpio97: 97,
    gpio98: 98,
    gpio99: 99,
    gpio100: 100,
    gpio101: 101,
    gpio102: 102,
    gpio103: 103,
    gpio104: 104,
    gpio105: 105,
    gpio106: 106,
    gpio107: 107,
    gpio108: 108,
    gpio109: 109,
    gpio110: 110,
    gpio111: 111,
    gpio112: 112,
    gpio113: 113,
    gpio114: 114,
    gpio115: 115,
    gpio116: 116,
    gpio117: 117,
    gpio118: 118,
    gpio119: 119,
    gpio120: 120,
    gpio121: 121,
}

/// A pad in GPIO mode that can switch between input and output.
#[derive(Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Flex {
    pin: AnyPin,
}

impl Flex {
    /// Selects the GPIO function of the pad and makes it an input without bias.
    pub fn new(pin: impl Into<AnyPin>) -> Self {
        let mut flex = Flex { pin: pin.into() };
        flex.set_as_input(InputConfig::default());
        flex
    }

    /// The pad number.
    pub fn number(&self) -> u8 {
        self.pin.number()
    }

    /// Makes the pad an input.
    pub fn set_as_input(&mut self, config: InputConfig) {
        self.pin.regs().cfg().write(|w| {
            w.func_sel().set(0);
            w.pull().variant(config.pull.to_pac());
            w.oe().clear_bit()
        });
    }

    /// Makes the pad an output; it drives the level last set (see [`Flex::set_level`]).
    pub fn set_as_output(&mut self, config: OutputConfig) {
        self.pin.regs().cfg().write(|w| {
            w.func_sel().set(0);
            w.pull().variant(config.pull.to_pac());
            w.drv_strength().variant(config.drive_strength.to_pac());
            w.oe().set_bit()
        });
    }

    /// Sets the output level (one store to `IN_OUT`).
    #[inline]
    pub fn set_level(&mut self, level: Level) {
        self.pin
            .regs()
            .in_out()
            .write(|w| w.out().bit(level.into()));
    }

    // ANCHOR: set_high
    /// Drives high (one store to `IN_OUT`).
    #[inline]
    pub fn set_high(&mut self) {
        self.pin.regs().in_out().write(|w| w.out().set_bit());
    }
    // ANCHOR_END: set_high

    /// Drives low (one store to `IN_OUT`).
    #[inline]
    pub fn set_low(&mut self) {
        self.pin.regs().in_out().write(|w| w.out().clear_bit());
    }

    /// Inverts the output level.
    #[inline]
    pub fn toggle(&mut self) {
        let level = self.output_level();
        self.set_level(!level);
    }

    /// The level the pad is set to drive (`OUT`).
    #[inline]
    pub fn output_level(&self) -> Level {
        self.pin.regs().in_out().read().out().bit().into()
    }

    /// The level on the pad (`IN`).
    #[inline]
    pub fn level(&self) -> Level {
        self.pin.regs().in_out().read().in_().bit().into()
    }

    /// Whether the pad reads high.
    #[inline]
    pub fn is_high(&self) -> bool {
        self.level() == Level::High
    }

    /// Whether the pad reads low.
    #[inline]
    pub fn is_low(&self) -> bool {
        self.level() == Level::Low
    }

    /// Gives the pad back (its configuration is left as it is). Same as [`Flex::free`].
    pub fn into_pin(self) -> AnyPin {
        self.pin
    }

    /// Gives the pad back (its configuration is left as it is: an output keeps driving).
    pub fn free(self) -> AnyPin {
        self.pin
    }
}

/// A pad driven by the GPIO block.
///
/// ```no_run
/// use apq8016_hal::gpio::{DriveStrength, Level, Output, OutputConfig, Pins};
/// use apq8016_hal::pac;
///
/// let pins = Pins::new(pac::Peripherals::take().unwrap().TLMM);
/// // GPIO 21 drives user LED 1 on the DragonBoard 410c.
/// let mut led = Output::new(pins.gpio21, Level::Low, OutputConfig::default());
/// led.set_high();
/// led.toggle();
/// assert!(led.is_set_low());
/// led.apply_config(&OutputConfig::default().with_drive_strength(DriveStrength::Ma8)).unwrap();
/// let pin = led.free(); // the pad keeps driving low
/// # let _ = pin;
/// ```
#[derive(Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Output {
    flex: Flex,
}

impl Output {
    /// Sets the output latch to `initial` first, then enables the driver, so the pad never
    /// drives the opposite level.
    pub fn new(pin: impl Into<AnyPin>, initial: Level, config: OutputConfig) -> Self {
        let mut flex = Flex { pin: pin.into() };
        flex.set_level(initial);
        flex.set_as_output(config);
        Output { flex }
    }

    /// The pad number.
    pub fn number(&self) -> u8 {
        self.flex.number()
    }

    /// Drives high: a single store of `IN_OUT.OUT = 1`.
    #[inline]
    pub fn set_high(&mut self) {
        self.flex.set_high();
    }

    /// Drives low: a single store of `IN_OUT.OUT = 0`.
    #[inline]
    pub fn set_low(&mut self) {
        self.flex.set_low();
    }

    /// Drives `level`.
    #[inline]
    pub fn set_level(&mut self, level: Level) {
        self.flex.set_level(level);
    }

    /// Inverts the driven level.
    #[inline]
    pub fn toggle(&mut self) {
        self.flex.toggle();
    }

    /// The level being driven.
    #[inline]
    pub fn output_level(&self) -> Level {
        self.flex.output_level()
    }

    /// Whether the pad is set to drive high.
    #[inline]
    pub fn is_set_high(&self) -> bool {
        self.output_level() == Level::High
    }

    /// Whether the pad is set to drive low.
    #[inline]
    pub fn is_set_low(&self) -> bool {
        self.output_level() == Level::Low
    }

    /// Changes drive strength and bias while the pad keeps driving the same level.
    pub fn apply_config(&mut self, config: &OutputConfig) -> Result<(), ConfigError> {
        self.flex.set_as_output(*config);
        Ok(())
    }

    /// Turns the output back into a [`Flex`].
    pub fn into_flex(self) -> Flex {
        self.flex
    }

    /// Gives the pad back; it keeps driving its level until reconfigured.
    pub fn free(self) -> AnyPin {
        self.flex.free()
    }
}

/// A pad read by the GPIO block.
///
/// ```no_run
/// use apq8016_hal::gpio::{Input, InputConfig, Pins, Pull};
/// use apq8016_hal::pac;
///
/// let pins = Pins::new(pac::Peripherals::take().unwrap().TLMM);
/// // GPIO 107 is the DragonBoard 410c's volume-up button: active low, needs the pull-up.
/// let mut button = Input::new(pins.gpio107, InputConfig::default().with_pull(Pull::Up));
/// let pressed = button.is_low();
/// button.apply_config(&InputConfig::default().with_pull(Pull::None)).unwrap();
/// let pin = button.free();
/// # let _ = (pressed, pin);
/// ```
#[derive(Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Input {
    flex: Flex,
}

impl Input {
    /// Selects the GPIO function, disables the output driver and sets the bias.
    pub fn new(pin: impl Into<AnyPin>, config: InputConfig) -> Self {
        let mut flex = Flex { pin: pin.into() };
        flex.set_as_input(config);
        Input { flex }
    }

    /// The pad number.
    pub fn number(&self) -> u8 {
        self.flex.number()
    }

    /// The level on the pad.
    #[inline]
    pub fn level(&self) -> Level {
        self.flex.level()
    }

    /// Whether the pad reads high.
    #[inline]
    pub fn is_high(&self) -> bool {
        self.flex.is_high()
    }

    /// Whether the pad reads low.
    #[inline]
    pub fn is_low(&self) -> bool {
        self.flex.is_low()
    }

    /// Changes the bias.
    pub fn apply_config(&mut self, config: &InputConfig) -> Result<(), ConfigError> {
        self.flex.set_as_input(*config);
        Ok(())
    }

    /// Turns the input back into a [`Flex`].
    pub fn into_flex(self) -> Flex {
        self.flex
    }

    /// Gives the pad back (still an input with its bias).
    pub fn free(self) -> AnyPin {
        self.flex.free()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drive_strength_encoding_matches_the_pac_field() {
        for (i, ds) in DriveStrength::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(ds.field_value()), i);
            assert_eq!(u8::from(ds.to_pac()), ds.field_value());
            assert_eq!(ds.milliamps(), ds.field_value() * 2 + 2);
            assert_eq!(DriveStrength::from_milliamps(ds.milliamps()), Some(ds));
        }
        for bad in [0, 1, 3, 7, 17, 18, 255] {
            assert_eq!(DriveStrength::from_milliamps(bad), None);
        }
    }

    #[test]
    fn pull_encoding_matches_facts() {
        // docs/hardware/tlmm-gpio.md#registers: 0 none, 1 pull-down, 2 keeper, 3 pull-up.
        assert_eq!(u8::from(Pull::None.to_pac()), 0);
        assert_eq!(u8::from(Pull::Down.to_pac()), 1);
        assert_eq!(u8::from(Pull::Keeper.to_pac()), 2);
        assert_eq!(u8::from(Pull::Up.to_pac()), 3);
    }

    #[test]
    fn pins_are_numbered_and_zero_sized() {
        assert_eq!(core::mem::size_of::<Pins>(), 0);
        assert_eq!(Pin::<121>::NUMBER, 121);
        // SAFETY: not used: only the numbers are inspected, no register is touched.
        let pins = Pins::new(unsafe { pac::TLMM::steal() });
        assert_eq!(pins.gpio0.degrade().number(), 0);
        assert_eq!(pins.gpio21.degrade().number(), 21);
        assert_eq!(AnyPin::from(pins.gpio121).number(), 121);
        assert_eq!(!Level::Low, Level::High);
        assert!(bool::from(Level::from(true)));
    }

    #[test]
    fn any_pin_becomes_typed_again_only_as_its_own_pad() {
        // SAFETY: not used: only the numbers are inspected, no register is touched.
        let pins = Pins::new(unsafe { pac::TLMM::steal() });
        let led1 = pins.gpio21.degrade();
        let led1 = Pin::<120>::try_from(led1).expect_err("pad 21 is not pad 120");
        assert_eq!(led1.number(), 21);
        let typed: Pin<21> = led1.try_into().expect("pad 21 is pad 21");
        assert_eq!(typed.degrade().number(), 21);
    }
}
