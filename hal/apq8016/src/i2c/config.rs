//! I2C bus configuration and the SCL divider arithmetic (pure, host-tested).
//!
//! Design notes:
//! - The QUP makes SCL from its core clock (docs/hardware/conflicts.md#c9-qup-i2c-divider-clock:
//!   the core clock, not the interface clock). One SCL period lasts
//!   `FS_DIV + high + 6` core cycles, where `high` is `HIGH_TIME_DIV`, or `FS_DIV` when that
//!   field is 0 (docs/hardware/qup-i2c-spi.md#scl-divider: both published rules are this
//!   formula, the standard-mode one with `HIGH_TIME_DIV = 0`).
//! - We never run the bus faster than asked: the period is `ceil(core / f_SCL)` cycles.
//!   Standard mode (up to 100 kHz) splits it evenly (`HIGH_TIME_DIV = 0`); faster modes give
//!   the low phase two thirds, as the I2C specification's minimum low times need (fast mode:
//!   1.3 µs low / 0.6 µs high).

use core::fmt;

use crate::clocks::ClockError;

/// Highest bus rate the driver accepts (fast-mode plus), in Hz.
pub const MAX_FREQUENCY_HZ: u32 = 1_000_000;
/// Fixed cycles of every SCL period on top of the two divider phases.
const PERIOD_OVERHEAD_CYCLES: u32 = 6;
/// `HS_DIV` as every driver writes it (high-speed mode is not used).
pub(super) const HS_DIV: u8 = 3;
/// Highest standard-mode rate; above it the low phase gets two thirds of the period.
const STANDARD_MODE_MAX_HZ: u32 = 100_000;

/// Bus settings of an [`I2c`](super::I2c) driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Config {
    /// SCL rate in Hz: at most this, as close as the divider allows (default 100 kHz).
    pub frequency_hz: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            frequency_hz: 100_000,
        }
    }
}

impl Config {
    /// Standard mode, 100 kHz.
    pub const STANDARD_MODE_HZ: u32 = 100_000;
    /// Fast mode, 400 kHz.
    pub const FAST_MODE_HZ: u32 = 400_000;
    /// Fast-mode plus, 1 MHz.
    pub const FAST_MODE_PLUS_HZ: u32 = 1_000_000;

    /// Sets the SCL rate in Hz.
    #[must_use]
    pub const fn with_frequency(mut self, hz: u32) -> Self {
        self.frequency_hz = hz;
        self
    }
}

/// Divider settings for `I2C_MASTER_CLK_CTL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ClockControl {
    /// `FS_DIV` (low phase).
    pub fs_div: u8,
    /// `HIGH_TIME_DIV` (0 = same as `FS_DIV`).
    pub high_time_div: u8,
    /// The SCL rate these settings give, in Hz.
    pub achieved_hz: u32,
}

impl ClockControl {
    /// The register value: `FS_DIV`, `HS_DIV` = 3, `HIGH_TIME_DIV`.
    pub const fn register_value(&self) -> u32 {
        self.fs_div as u32 | (HS_DIV as u32) << 8 | (self.high_time_div as u32) << 16
    }

    /// Core cycles of one SCL period.
    pub const fn period_cycles(&self) -> u32 {
        let high = if self.high_time_div == 0 {
            self.fs_div
        } else {
            self.high_time_div
        };
        self.fs_div as u32 + high as u32 + PERIOD_OVERHEAD_CYCLES
    }
}

/// Works out the dividers for `scl_hz` from a core clock of `core_hz`.
pub fn clock_control(core_hz: u32, scl_hz: u32) -> Result<ClockControl, ConfigError> {
    let unsupported = ConfigError::UnsupportedFrequency { requested: scl_hz };
    if scl_hz == 0 || scl_hz > MAX_FREQUENCY_HZ {
        return Err(unsupported);
    }
    let period = core_hz.div_ceil(scl_hz);
    // At least one cycle in each phase.
    let phases = period
        .checked_sub(PERIOD_OVERHEAD_CYCLES)
        .filter(|&p| p >= 2)
        .ok_or(unsupported)?;
    let (fs_div, high_time_div) = if scl_hz <= STANDARD_MODE_MAX_HZ {
        (phases.div_ceil(2), 0)
    } else {
        let low = (phases * 2).div_ceil(3).min(phases - 1);
        (low, phases - low)
    };
    let (Ok(fs_div), Ok(high_time_div)) = (u8::try_from(fs_div), u8::try_from(high_time_div))
    else {
        return Err(unsupported);
    };
    let mut control = ClockControl {
        fs_div,
        high_time_div,
        achieved_hz: 0,
    };
    control.achieved_hz = core_hz / control.period_cycles();
    Ok(control)
}

/// Why an [`I2c`](super::I2c) driver could not be set up or reconfigured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ConfigError {
    /// The rate is 0, above [`MAX_FREQUENCY_HZ`], or too slow for the 8-bit divider
    /// (below about 37.3 kHz from the 19.2 MHz core clock).
    UnsupportedFrequency {
        /// The requested rate in Hz.
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
            ConfigError::UnsupportedFrequency { requested } => {
                write!(f, "I2C bus rate {requested} Hz cannot be generated")
            }
            ConfigError::Clock(e) => write!(f, "I2C clock: {e}"),
        }
    }
}

impl core::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            ConfigError::Clock(e) => Some(e),
            ConfigError::UnsupportedFrequency { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const XO: u32 = 19_200_000;

    #[test]
    fn standard_mode_matches_the_published_value() {
        let c = clock_control(XO, 100_000).unwrap();
        assert_eq!(c.register_value(), 0x0000_035D);
        assert_eq!(c.achieved_hz, 100_000);
    }

    #[test]
    fn fast_mode_matches_the_published_value() {
        let c = clock_control(XO, 400_000).unwrap();
        assert_eq!(c.register_value(), 0x000E_031C);
        assert_eq!(c.achieved_hz, 400_000);
    }

    #[test]
    fn fast_mode_plus_never_exceeds_the_request() {
        let c = clock_control(XO, 1_000_000).unwrap();
        assert_eq!((c.fs_div, c.high_time_div), (10, 4));
        assert_eq!(c.period_cycles(), 20);
        assert_eq!(c.achieved_hz, 960_000);
    }

    #[test]
    fn achieved_rate_is_at_most_the_request_and_close() {
        for hz in (40_000..=1_000_000).step_by(7_919) {
            let c = clock_control(XO, hz).unwrap();
            assert!(c.achieved_hz <= hz, "{hz}: {c:?}");
            // The period is the shortest allowed one, or one cycle longer (even split).
            let shortest = XO.div_ceil(hz);
            assert!(
                (shortest..=shortest + 1).contains(&c.period_cycles()),
                "{hz}: {c:?}"
            );
        }
    }

    #[test]
    fn refuses_rates_out_of_range() {
        for hz in [0, 1_000_001, 37_000, 1] {
            assert_eq!(
                clock_control(XO, hz),
                Err(ConfigError::UnsupportedFrequency { requested: hz })
            );
        }
        assert!(clock_control(XO, 37_300).is_ok());
    }
}
