//! SPI bus configuration, the core-clock search and the mode encoding (pure, host-tested).
//!
//! Design notes:
//! - The QUP shifts one bit per core-clock cycle: SCLK = the QUP's SPI core clock
//!   (docs/hardware/gcc-clocks.md#qup-cores). The rate is therefore set in the clock
//!   controller, by the root clock generator (RCG) of the QUP's SPI core clock: source (XO
//!   19.2 MHz or GPLL0 800 MHz), a half-integer pre-divider 1 ..= 16 and, optionally, the
//!   root's 8-bit M/N counter (docs/hardware/gcc-clocks.md#root-clock-generator-rcg2).
//! - We never run the bus faster than asked: the achieved rate is the highest one at or below
//!   the request. Ties go to the setting without M/N (edges straight from the divided
//!   source, no M/N jitter), then to the smaller pre-divider. The M/N counter is used with
//!   `M = 1` only (`N` 2 ..= 255), which is what low rates need; 50 % duty (`2d = N`).
//! - Mode: CPOL is `SPI_IO_CONTROL.CLK_IDLE_HIGH`; CPHA = 0 is `SPI_CONFIG.INPUT_FIRST = 1`
//!   (docs/hardware/qup-i2c-spi.md#spi-mini-core).

use core::fmt;

use crate::clocks::ClockError;
use crate::clocks::rcg::{MndSettings, RcgSettings, RcgSource};
pub use embedded_hal::spi::{MODE_0, MODE_1, MODE_2, MODE_3, Mode, Phase, Polarity};

/// Highest SCLK rate (the SPI core clock's maximum), in Hz.
pub const MAX_FREQUENCY_HZ: u32 = 50_000_000;
/// Largest `SRC_DIV + 1` (5-bit field): pre-divider 16.
const HALF_DIV_MAX: u64 = 32;
/// Largest N of the 8-bit M/N counter.
const N_MAX: u64 = 255;

/// Bus settings of an [`Spi`](super::Spi) driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// SCLK rate in Hz: at most this, as close as the clock tree allows (default 1 MHz).
    pub frequency_hz: u32,
    /// Clock polarity and phase (default mode 0).
    pub mode: Mode,
}

#[cfg(feature = "defmt")]
impl defmt::Format for Config {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Config {{ frequency_hz: {=u32}, mode: {=u8} }}",
            self.frequency_hz,
            mode_number(self.mode)
        );
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            frequency_hz: 1_000_000,
            mode: MODE_0,
        }
    }
}

impl Config {
    /// Sets the SCLK rate in Hz.
    #[must_use]
    pub const fn with_frequency(mut self, hz: u32) -> Self {
        self.frequency_hz = hz;
        self
    }

    /// Sets the SPI mode (clock polarity and phase).
    #[must_use]
    pub const fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }
}

/// Errors of a configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ConfigError {
    /// The rate is 0, above [`MAX_FREQUENCY_HZ`] or below the slowest the clock tree makes.
    UnachievableFrequency {
        /// The requested rate in Hz.
        requested_hz: u32,
    },
    /// The clock controller failed (branch or root did not respond in time).
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
            ConfigError::UnachievableFrequency { requested_hz } => write!(
                f,
                "SPI: no core clock at or below {requested_hz} Hz (maximum {MAX_FREQUENCY_HZ} Hz)"
            ),
            ConfigError::Clock(e) => write!(f, "SPI: {e}"),
        }
    }
}

impl core::error::Error for ConfigError {}

/// The mode's number 0-3 (CPOL × 2 + CPHA).
pub const fn mode_number(mode: Mode) -> u8 {
    let cpol = matches!(mode.polarity, Polarity::IdleHigh) as u8;
    let cpha = matches!(mode.phase, Phase::CaptureOnSecondTransition) as u8;
    cpol << 1 | cpha
}

/// Register bits of a mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModeBits {
    /// `SPI_IO_CONTROL.CLK_IDLE_HIGH` (CPOL = 1).
    pub clk_idle_high: bool,
    /// `SPI_CONFIG.INPUT_FIRST` (CPHA = 0: input sampled on the first edge).
    pub input_first: bool,
}

/// Encodes `mode` for `SPI_IO_CONTROL` and `SPI_CONFIG`.
pub const fn mode_bits(mode: Mode) -> ModeBits {
    ModeBits {
        clk_idle_high: matches!(mode.polarity, Polarity::IdleHigh),
        input_first: matches!(mode.phase, Phase::CaptureOnFirstTransition),
    }
}

/// Finds the SPI core-clock setting for an SCLK of at most `hz` (see the module notes).
/// Pure arithmetic: nothing is written to the hardware.
pub fn clock_settings(hz: u32) -> Result<RcgSettings, ConfigError> {
    let unachievable = ConfigError::UnachievableFrequency { requested_hz: hz };
    if hz == 0 || hz > MAX_FREQUENCY_HZ {
        return Err(unachievable);
    }
    let wanted = u64::from(hz);
    // (numerator, denominator) of the rate, jitter class (0 = no M/N), half-divider.
    let mut best: Option<((u64, u64), u8, u64, RcgSettings)> = None;
    for source in [RcgSource::Xo, RcgSource::Gpll0] {
        let parent = u64::from(source.hz());
        for half in 2..=HALF_DIV_MAX {
            // n = 1 stands for "no M/N counter".
            for n in 1..=N_MAX {
                // rate = parent × 2 / (half × n); must not exceed the request.
                let (num, den) = (parent * 2, half * n);
                if num > wanted * den {
                    continue;
                }
                let class = u8::from(n > 1);
                let better = match &best {
                    None => true,
                    Some(((bn, bd), bclass, bhalf, _)) => {
                        let (l, r) = (num * bd, bn * den);
                        l > r || (l == r && (class, half) < (*bclass, *bhalf))
                    }
                };
                if better {
                    let mnd = (n > 1).then(|| MndSettings {
                        m: 1,
                        n: n as u16,
                        n_reg: !((n - 1) as u16),
                        d_reg: !(n as u16),
                    });
                    let settings = RcgSettings {
                        source,
                        src_div: (half - 1) as u8,
                        mnd,
                        achieved_hz: ((num + den / 2) / den) as u32,
                    };
                    best = Some(((num, den), class, half, settings));
                }
                // Larger n only gives lower rates for this divider: the first that fits is
                // the best of this (source, half).
                break;
            }
        }
    }
    best.map(|(_, _, _, s)| s).ok_or(unachievable)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(s: &RcgSettings) -> f64 {
        let parent = f64::from(s.source.hz());
        let n = s.mnd.map_or(1.0, |m| f64::from(m.n) / f64::from(m.m));
        parent / (f64::from(s.half_divider()) / 2.0) / n
    }

    #[test]
    fn exact_rates_come_without_mn() {
        let s = clock_settings(19_200_000).unwrap();
        assert_eq!((s.source, s.src_div, s.mnd), (RcgSource::Xo, 1, None));
        assert_eq!(s.achieved_hz, 19_200_000);
        let s = clock_settings(50_000_000).unwrap();
        assert_eq!((s.source, s.src_div, s.mnd), (RcgSource::Gpll0, 31, None));
        let s = clock_settings(9_600_000).unwrap();
        assert_eq!((s.source, s.src_div, s.mnd), (RcgSource::Xo, 3, None));
        assert_eq!(s.achieved_hz, 9_600_000);
    }

    #[test]
    fn never_faster_than_asked_and_close() {
        for hz in [
            5_000, 100_000, 400_000, 1_000_000, 1_234_567, 8_000_000, 10_000_000, 25_000_000,
            33_000_000, 49_999_999,
        ] {
            let s = clock_settings(hz).unwrap();
            let r = rate(&s);
            assert!(r <= f64::from(hz) + 0.5, "{hz}: {r}");
            // Within 2 % below 25 MHz; above, the half steps of GPLL0 / 16..32 leave gaps of
            // up to about 3 % (e.g. 48.48 MHz is the best at most 49.99 MHz).
            let floor = if hz <= 25_000_000 { 0.98 } else { 0.96 };
            assert!(r >= f64::from(hz) * floor, "{hz}: {r} {s:?}");
            assert_eq!(s.achieved_hz, r.round() as u32);
        }
        // 1 MHz exactly: GPLL0 / 4 / 200 (the smallest pre-divider of the exact settings).
        let s = clock_settings(1_000_000).unwrap();
        assert_eq!(s.achieved_hz, 1_000_000);
        assert_eq!((s.source, s.src_div), (RcgSource::Gpll0, 7));
        assert_eq!(s.mnd.map(|m| (m.m, m.n)), Some((1, 200)));
        assert_eq!(s.mnd.map(|m| (m.n_reg, m.d_reg)), Some((!199, !200)));
    }

    #[test]
    fn out_of_range_rates_are_refused() {
        for hz in [0, 1_000, 50_000_001] {
            assert_eq!(
                clock_settings(hz),
                Err(ConfigError::UnachievableFrequency { requested_hz: hz })
            );
        }
    }

    #[test]
    fn mode_encoding() {
        let bits = |m| {
            let b = mode_bits(m);
            (b.clk_idle_high, b.input_first)
        };
        assert_eq!(bits(MODE_0), (false, true));
        assert_eq!(bits(MODE_1), (false, false));
        assert_eq!(bits(MODE_2), (true, true));
        assert_eq!(bits(MODE_3), (true, false));
        assert_eq!(
            [MODE_0, MODE_1, MODE_2, MODE_3].map(mode_number),
            [0, 1, 2, 3]
        );
    }
}
