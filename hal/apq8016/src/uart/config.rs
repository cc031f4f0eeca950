//! UART configuration and the pure baud-rate arithmetic (host-tested).
//!
//! Design notes (baud rate): the UART divides its core clock by one of 16 fixed divisors
//! chosen with the `CSR` code (docs/hardware/uart-dm.md#csr-divisor-codes; the divisor includes the 16× oversampling). For a
//! baud rate `b` every divisor `d` asks for a core clock `b·d`; the ones the RCG can make
//! ([`crate::clocks::uart_rcg_settings`], ≤ 60 MHz) are candidates. We take the candidate with
//! the smallest baud error (in whole ppm), and among equals the core clock closest to
//! 7.3728 MHz: the rate the boot chain, U-Boot and Linux give the console, so 9600, 57600,
//! 115200 and 230400 baud keep the clock the previous stage left and need only a new `CSR`.

use core::fmt;

use pac::blsp1_uart1::mr2::{BitsPerChar, ParityMode, StopBitLen};

use crate::clocks::{ClockError, RcgSettings, uart_rcg_settings};
use crate::pac;

/// Largest error of the achieved baud rate we accept, in ppm (1 %; a UART link tolerates
/// about 2 % in total between both ends).
pub const BAUD_TOLERANCE_PPM: u64 = 10_000;
// Core clock the boot chain and other OSes use for the console (preferred on ties).
use crate::clocks::tree::CONSOLE_CORE_CLOCK_HZ;

/// `CSR` codes and the core-clock divisor each selects (docs/hardware/uart-dm.md#csr-divisor-codes).
pub const CSR_DIVISORS: [(u8, u32); 16] = [
    (0xF, 16),
    (0xE, 32),
    (0xD, 48),
    (0xC, 64),
    (0xB, 96),
    (0xA, 128),
    (0x9, 192),
    (0x8, 256),
    (0x7, 384),
    (0x6, 512),
    (0x5, 768),
    (0x4, 1536),
    (0x3, 3072),
    (0x2, 6144),
    (0x1, 12288),
    (0x0, 24576),
];

/// Parity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Parity {
    /// No parity bit.
    #[default]
    None,
    /// Even parity.
    Even,
    /// Odd parity.
    Odd,
}

/// Number of stop bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum StopBits {
    /// One stop bit.
    #[default]
    One,
    /// Two stop bits.
    Two,
}

/// Number of data bits per character.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DataBits {
    /// 5 bits.
    Five,
    /// 6 bits.
    Six,
    /// 7 bits.
    Seven,
    /// 8 bits.
    #[default]
    Eight,
}

impl DataBits {
    /// The number of bits.
    pub const fn bits(self) -> u32 {
        match self {
            DataBits::Five => 5,
            DataBits::Six => 6,
            DataBits::Seven => 7,
            DataBits::Eight => 8,
        }
    }
}

/// UART configuration. Default: 115200 baud, 8 data bits, no parity, 1 stop bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Config {
    /// Baud rate in bit/s.
    pub baudrate: u32,
    /// Data bits per character.
    pub data_bits: DataBits,
    /// Parity.
    pub parity: Parity,
    /// Stop bits.
    pub stop_bits: StopBits,
}

impl Default for Config {
    fn default() -> Self {
        Config::new()
    }
}

impl Config {
    /// The default configuration, usable in a `const`: 115200 baud, 8N1.
    pub const fn new() -> Self {
        Config {
            baudrate: 115_200,
            data_bits: DataBits::Eight,
            parity: Parity::None,
            stop_bits: StopBits::One,
        }
    }

    /// Sets the baud rate.
    pub const fn with_baudrate(mut self, baudrate: u32) -> Self {
        self.baudrate = baudrate;
        self
    }

    /// Sets the number of data bits.
    pub const fn with_data_bits(mut self, data_bits: DataBits) -> Self {
        self.data_bits = data_bits;
        self
    }

    /// Sets the parity.
    pub const fn with_parity(mut self, parity: Parity) -> Self {
        self.parity = parity;
        self
    }

    /// Sets the number of stop bits.
    pub const fn with_stop_bits(mut self, stop_bits: StopBits) -> Self {
        self.stop_bits = stop_bits;
        self
    }

    /// Bits on the line per character: start + data + parity + stop.
    pub const fn bits_per_frame(&self) -> u32 {
        1 + self.data_bits.bits()
            + if matches!(self.parity, Parity::None) {
                0
            } else {
                1
            }
            + match self.stop_bits {
                StopBits::One => 1,
                StopBits::Two => 2,
            }
    }

    /// Checks the configuration and works out the clocking, without touching hardware.
    pub const fn validate(&self) -> Result<BaudSettings, ConfigError> {
        baud_settings(self.baudrate)
    }

    /// Checks the configuration and works out everything the UART's set-up needs (core
    /// clock, its RCG setting, `CSR` code), without touching hardware.
    ///
    /// A `const fn`: for a configuration known at build time, compute it in a `const` and
    /// pass it to [`Uart::with_settings`](super::Uart::with_settings). The divider search then
    /// runs in the compiler, and the firmware neither spends the time (tens of thousands of
    /// instructions) nor carries the code:
    ///
    /// ```
    /// use apq8016_hal::uart::{Config, Settings};
    ///
    /// const CONSOLE: Settings = match Config::new().with_baudrate(115_200).settings() {
    ///     Ok(settings) => settings,
    ///     Err(_) => panic!("115200 baud cannot be generated"),
    /// };
    /// assert_eq!(CONSOLE.baud().csr_code, 0xC);
    /// ```
    pub const fn settings(self) -> Result<Settings, ConfigError> {
        match search(self.baudrate) {
            Ok((baud, core_clock)) => Ok(Settings {
                config: self,
                baud,
                core_clock,
            }),
            Err(e) => Err(e),
        }
    }

    /// Field values for `MR2` (parity, stop bits, bits per character).
    pub(crate) const fn mr2_fields(&self) -> (ParityMode, StopBitLen, BitsPerChar) {
        let parity = match self.parity {
            Parity::None => ParityMode::None,
            Parity::Odd => ParityMode::Odd,
            Parity::Even => ParityMode::Even,
        };
        let stop = match self.stop_bits {
            StopBits::One => StopBitLen::One,
            StopBits::Two => StopBitLen::Two,
        };
        let bits = match self.data_bits {
            DataBits::Five => BitsPerChar::Bits5,
            DataBits::Six => BitsPerChar::Bits6,
            DataBits::Seven => BitsPerChar::Bits7,
            DataBits::Eight => BitsPerChar::Bits8,
        };
        (parity, stop, bits)
    }
}

/// Clocking that gives a baud rate: the UART core clock and the `CSR` divisor code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BaudSettings {
    /// Core clock to request from the RCG, in Hz (`baud × divisor`).
    pub core_clock_hz: u32,
    /// Core clock the RCG will actually produce, in Hz.
    pub achieved_core_clock_hz: u32,
    /// `CSR` divisor code (same value for RX and TX).
    pub csr_code: u8,
    /// Core-clock divisor selected by `csr_code`.
    pub divisor: u32,
    /// Resulting baud rate (rounded to the nearest bit/s).
    pub achieved_baudrate: u32,
}

/// Finds core clock and `CSR` code for `baudrate` (rules in the module notes).
///
/// A `const fn`, like [`Config::settings`]: see there for doing this at build time.
pub const fn baud_settings(baudrate: u32) -> Result<BaudSettings, ConfigError> {
    match search(baudrate) {
        Ok((baud, _)) => Ok(baud),
        Err(e) => Err(e),
    }
}

/// The search behind [`baud_settings`]: the best candidate, with the RCG setting that makes
/// its core clock.
const fn search(baudrate: u32) -> Result<(BaudSettings, RcgSettings), ConfigError> {
    let mut best: Option<((u64, u32), BaudSettings, RcgSettings)> = None;
    let mut i = 0;
    while i < CSR_DIVISORS.len() {
        let (code, divisor) = CSR_DIVISORS[i];
        i += 1;
        let wanted = baudrate as u64 * divisor as u64;
        if wanted > u32::MAX as u64 {
            continue;
        }
        let core_clock_hz = wanted as u32;
        let Ok(rcg) = uart_rcg_settings(core_clock_hz) else {
            continue;
        };
        let achieved = rcg.achieved_hz as u64;
        // |achieved/divisor − baud| / baud in ppm = |achieved − core| · 1e6 / core.
        let err_ppm = achieved.abs_diff(core_clock_hz as u64) * 1_000_000 / core_clock_hz as u64;
        if err_ppm > BAUD_TOLERANCE_PPM {
            continue;
        }
        let rank = (err_ppm, core_clock_hz.abs_diff(CONSOLE_CORE_CLOCK_HZ));
        let settings = BaudSettings {
            core_clock_hz,
            achieved_core_clock_hz: achieved as u32,
            csr_code: code,
            divisor,
            achieved_baudrate: ((achieved + divisor as u64 / 2) / divisor as u64) as u32,
        };
        let take = match &best {
            None => true,
            Some((r, _, _)) => rank.0 < r.0 || (rank.0 == r.0 && rank.1 < r.1),
        };
        if take {
            best = Some((rank, settings, rcg));
        }
    }
    match best {
        Some((_, baud, rcg)) => Ok((baud, rcg)),
        None => Err(ConfigError::UnsupportedBaudrate {
            requested: baudrate,
        }),
    }
}

/// A [`Config`] that has been checked, with the clocking its baud rate needs worked out:
/// everything [`Uart::with_settings`](super::Uart::with_settings) needs before it touches
/// the hardware. Made by [`Config::settings`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Settings {
    config: Config,
    baud: BaudSettings,
    core_clock: RcgSettings,
}

impl Settings {
    /// The configuration.
    pub const fn config(&self) -> Config {
        self.config
    }

    /// The core clock and `CSR` code chosen for the baud rate.
    pub const fn baud(&self) -> BaudSettings {
        self.baud
    }

    /// How the UART's root clock makes the core clock.
    pub const fn core_clock(&self) -> RcgSettings {
        self.core_clock
    }
}

/// Finds the `CSR` code for `baudrate` when the core clock is fixed at `core_clock_hz` (what
/// [`Uart::apply_config`](super::Uart::apply_config) does: only `CSR` changes). Picks the
/// divisor with the smallest baud error; fails if even that is off by more than
/// [`BAUD_TOLERANCE_PPM`].
pub fn baud_settings_for_clock(
    baudrate: u32,
    core_clock_hz: u32,
) -> Result<BaudSettings, ConfigError> {
    let unsupported = ConfigError::UnsupportedBaudrate {
        requested: baudrate,
    };
    if baudrate == 0 {
        return Err(unsupported);
    }
    let mut best: Option<(u64, BaudSettings)> = None;
    for (code, divisor) in CSR_DIVISORS {
        let wanted_clock = u64::from(baudrate) * u64::from(divisor);
        // |clock/divisor − baud| / baud in ppm = |clock − baud·divisor| · 1e6 / (baud·divisor).
        let err_ppm = u64::from(core_clock_hz).abs_diff(wanted_clock) * 1_000_000 / wanted_clock;
        if err_ppm > BAUD_TOLERANCE_PPM || best.as_ref().is_some_and(|(e, _)| *e <= err_ppm) {
            continue;
        }
        let settings = BaudSettings {
            core_clock_hz,
            achieved_core_clock_hz: core_clock_hz,
            csr_code: code,
            divisor,
            achieved_baudrate: ((u64::from(core_clock_hz) + u64::from(divisor) / 2)
                / u64::from(divisor)) as u32,
        };
        best = Some((err_ppm, settings));
    }
    best.map(|(_, s)| s).ok_or(unsupported)
}

/// Errors found while setting a UART up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ConfigError {
    /// No core clock/`CSR` combination gives this baud rate within
    /// [`BAUD_TOLERANCE_PPM`] (0, or above 3.75 Mbit/s = 60 MHz / 16).
    UnsupportedBaudrate {
        /// The requested rate.
        requested: u32,
    },
    /// Enabling or programming a clock failed.
    Clock(ClockError),
}

impl From<ClockError> for ConfigError {
    fn from(e: ClockError) -> Self {
        ConfigError::Clock(e)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::UnsupportedBaudrate { requested } => {
                write!(f, "baud rate {requested} cannot be generated")
            }
            ConfigError::Clock(e) => write!(f, "UART clock: {e}"),
        }
    }
}

impl core::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            ConfigError::Clock(e) => Some(e),
            ConfigError::UnsupportedBaudrate { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(baud: u32) -> (u32, u8) {
        let s = baud_settings(baud).unwrap();
        assert_eq!(
            u64::from(s.core_clock_hz),
            u64::from(baud) * u64::from(s.divisor)
        );
        (s.core_clock_hz, s.csr_code)
    }

    #[test]
    fn console_rates_keep_the_boot_clock() {
        assert_eq!(pick(115_200), (7_372_800, 0xC), "CSR 0xCC like LK/U-Boot");
        assert_eq!(pick(9_600), (7_372_800, 0x5));
        assert_eq!(pick(57_600), (7_372_800, 0xA));
        assert_eq!(pick(230_400), (7_372_800, 0xE));
        assert_eq!(pick(460_800), (7_372_800, 0xF));
        assert_eq!(pick(300), (7_372_800, 0x0));
    }

    #[test]
    fn settings_work_at_build_time_and_agree_with_the_run_time_search() {
        // Evaluated by the compiler: the search is a `const fn`.
        const CONSOLE: Settings = match Config::new().with_baudrate(115_200).settings() {
            Ok(settings) => settings,
            Err(_) => panic!("no settings"),
        };
        assert_eq!(CONSOLE.config(), Config::default());
        assert_eq!(Ok(CONSOLE.baud()), baud_settings(115_200));
        let clock = CONSOLE.core_clock();
        assert_eq!(Ok(clock), uart_rcg_settings(7_372_800));
        assert_eq!(clock.achieved_hz, CONSOLE.baud().achieved_core_clock_hz);
        for baud in [300, 9_600, 921_600, 3_000_000] {
            let s = Config::new().with_baudrate(baud).settings().unwrap();
            assert_eq!(Ok(s.baud()), baud_settings(baud));
            assert_eq!(
                Ok(s.core_clock()),
                uart_rcg_settings(s.baud().core_clock_hz)
            );
        }
        assert_eq!(
            Config::new().with_baudrate(0).settings(),
            Err(ConfigError::UnsupportedBaudrate { requested: 0 })
        );
    }

    #[test]
    fn fast_rates_raise_the_core_clock() {
        assert_eq!(pick(921_600), (14_745_600, 0xF));
        assert_eq!(pick(1_000_000), (16_000_000, 0xF));
        assert_eq!(pick(3_000_000), (48_000_000, 0xF));
        assert_eq!(pick(3_750_000), (60_000_000, 0xF));
    }

    #[test]
    fn achieved_rates_are_exact_for_common_bauds() {
        for baud in [
            1_200, 2_400, 4_800, 19_200, 38_400, 115_200, 250_000, 1_500_000,
        ] {
            let s = baud_settings(baud).unwrap();
            assert_eq!(s.achieved_baudrate, baud);
            assert_eq!(s.achieved_core_clock_hz, s.core_clock_hz);
            // The code and the divisor agree with the table.
            assert!(CSR_DIVISORS.contains(&(s.csr_code, s.divisor)));
        }
    }

    #[test]
    fn rejects_unsupported_baud_rates() {
        for baud in [0, 3_750_001, 4_000_000, u32::MAX] {
            assert_eq!(
                Config::default().with_baudrate(baud).validate(),
                Err(ConfigError::UnsupportedBaudrate { requested: baud })
            );
        }
    }

    #[test]
    fn fixed_clock_settings_agree_with_the_free_choice() {
        // From the console clock, the standard rates get the same CSR code as `new` picks.
        for baud in [
            300, 1_200, 9_600, 19_200, 38_400, 57_600, 115_200, 230_400, 460_800,
        ] {
            let free = baud_settings(baud).unwrap();
            let fixed = baud_settings_for_clock(baud, 7_372_800).unwrap();
            assert_eq!(
                (fixed.csr_code, fixed.divisor, fixed.achieved_baudrate),
                (free.csr_code, free.divisor, baud),
                "{baud}"
            );
        }
    }

    #[test]
    fn fixed_clock_rejects_what_it_cannot_make() {
        for baud in [0, 921_600, 1_000_000, 3_000_000, 100] {
            assert_eq!(
                baud_settings_for_clock(baud, 7_372_800),
                Err(ConfigError::UnsupportedBaudrate { requested: baud })
            );
        }
        // 16 MHz (set up for 1 Mbaud) still makes 250 000 and 500 000 exactly.
        let s = baud_settings_for_clock(250_000, 16_000_000).unwrap();
        assert_eq!((s.divisor, s.achieved_baudrate), (64, 250_000));
        // 115 200 from 16 MHz: best divisor 128 -> 125 000, 8.5 % off: rejected.
        assert!(baud_settings_for_clock(115_200, 16_000_000).is_err());
    }

    #[test]
    fn mr2_encoding_matches_facts() {
        let raw = |c: &Config| {
            let (p, s, b) = c.mr2_fields();
            u32::from(u8::from(p)) | u32::from(u8::from(s)) << 2 | u32::from(u8::from(b)) << 4
        };
        // 8N1 = 0x34 (docs/hardware/uart-dm.md#sequences).
        assert_eq!(raw(&Config::default()), 0x34);
        let c = Config::default()
            .with_data_bits(DataBits::Seven)
            .with_parity(Parity::Even)
            .with_stop_bits(StopBits::Two);
        // parity 2 (even), stop 3 (two), bits 2 (7 bits).
        assert_eq!(raw(&c), 0x2E);
        let c = Config::default()
            .with_data_bits(DataBits::Five)
            .with_parity(Parity::Odd);
        assert_eq!(raw(&c), 0x05);
        assert_eq!(c.bits_per_frame(), 8);
        assert_eq!(Config::default().bits_per_frame(), 10);
    }
}
