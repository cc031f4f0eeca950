//! The APSS watchdog: the application processors' own watchdog, KPSS register layout
//! (docs/hardware/watchdog.md#apss-watchdog-registers).
//!
//! ```no_run
//! use apq8016_hal::{pac, time::Duration, watchdog::{Config, Watchdog}};
//!
//! let mut watchdog = Watchdog::new(pac::Peripherals::take().unwrap().APSS_WDT);
//! watchdog.enable(&Config::new(Duration::from_secs(1)))?; // bites 1 s after the last pet
//! loop {
//!     watchdog.pet(); // the main loop's heartbeat
//! }
//! # Ok::<(), apq8016_hal::watchdog::ConfigError>(())
//! ```
//!
//! Design notes:
//! - Its base (0x0B01_7000) and bark interrupt (SPI 3) are inferred from sibling SoCs: the
//!   upstream msm8916 device tree has no node for it (docs/hardware/watchdog.md#base-address-caveat).
//!   On stock firmware TrustZone may own it; the virtual board models it as described.
//! - The count runs at the 32.768 kHz sleep clock. [`Config`] holds the bite time and an
//!   optional bark time (with the bark interrupt); durations become sleep-clock counts rounded
//!   up, at most [`MAX_COUNT`] (about 32 s, the smaller of the known bounds,
//!   docs/hardware/conflicts.md#c12-apss-watchdog-address).
//! - [`Watchdog::enable`] follows docs/hardware/watchdog.md#sequences: WDT_EN = 0, pet,
//!   BARK_TIME, BITE_TIME, then WDT_EN with ENABLE (and ENABLE_IRQ for a bark). Without a bark
//!   the bark time is set equal to the bite time. A bite resets the SoC; after it,
//!   [`Watchdog::last_reset_was_bite`] (WDT_STS bit 0) tells the next boot.

use core::fmt;

use crate::pac;
use crate::time::{Duration, duration_to_ticks};

/// The watchdog's counter clock (the sleep clock), in Hz.
pub const SLEEP_CLOCK_HZ: u32 = 32_768;
/// Largest bark or bite count the driver programs (0xF_FFFF, about 32 s).
pub const MAX_COUNT: u32 = 0xF_FFFF;

/// A watchdog configuration that cannot be programmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ConfigError {
    /// A time is longer than [`MAX_COUNT`] sleep-clock ticks.
    TooLong {
        /// The count it would take.
        count: u64,
    },
    /// A time of zero.
    Zero,
    /// The bark comes after the bite.
    BarkAfterBite,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::TooLong { count } => write!(
                f,
                "watchdog time of {count} sleep-clock ticks exceeds {MAX_COUNT:#x}"
            ),
            ConfigError::Zero => f.write_str("watchdog time of zero"),
            ConfigError::BarkAfterBite => f.write_str("watchdog bark comes after the bite"),
        }
    }
}

impl core::error::Error for ConfigError {}

/// When the watchdog barks and bites, counted from the last pet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Config {
    /// Time to the bite (SoC reset).
    pub bite: Duration,
    /// Time to the bark interrupt, if any.
    pub bark: Option<Duration>,
}

impl Config {
    /// Bite after `bite` without a pet; no bark interrupt.
    pub const fn new(bite: Duration) -> Self {
        Self { bite, bark: None }
    }

    /// Also bark (raise the watchdog interrupt) after `bark`.
    pub const fn bark(mut self, bark: Duration) -> Self {
        self.bark = Some(bark);
        self
    }

    /// Sleep-clock counts (bark, bite) and whether the bark interrupt is on.
    pub fn counts(&self) -> Result<(u32, u32, bool), ConfigError> {
        let count = |d: Duration| -> Result<u32, ConfigError> {
            let count = duration_to_ticks(d, SLEEP_CLOCK_HZ);
            match count {
                0 => Err(ConfigError::Zero),
                c if c > u64::from(MAX_COUNT) => Err(ConfigError::TooLong { count: c }),
                c => Ok(c as u32),
            }
        };
        let bite = count(self.bite)?;
        let bark = match self.bark {
            Some(d) => count(d)?,
            None => bite,
        };
        if bark > bite {
            return Err(ConfigError::BarkAfterBite);
        }
        Ok((bark, bite, self.bark.is_some()))
    }
}

/// Driver of the APSS watchdog.
///
/// ```no_run
/// use apq8016_hal::{pac, time::Duration, watchdog::{Config, Watchdog}};
///
/// let p = pac::Peripherals::take().unwrap();
/// let mut watchdog = Watchdog::new(p.APSS_WDT);
/// if watchdog.last_reset_was_bite() { /* the watchdog reset us */ }
/// let config = Config::new(Duration::from_secs(2)).bark(Duration::from_millis(1500));
/// watchdog.enable(&config)?;
/// loop {
///     // ... work ...
///     watchdog.pet();
/// #   break;
/// }
/// watchdog.disable();
/// let wdt = watchdog.free();
/// # let _ = wdt;
/// # Ok::<(), apq8016_hal::watchdog::ConfigError>(())
/// ```
pub struct Watchdog {
    wdt: pac::APSS_WDT,
}

impl Watchdog {
    /// Takes the watchdog; changes nothing.
    pub fn new(wdt: pac::APSS_WDT) -> Self {
        Self { wdt }
    }

    /// Whether the last reset of the SoC was a bite of this watchdog (WDT_STS bit 0).
    pub fn last_reset_was_bite(&self) -> bool {
        self.wdt.wdt_sts().read().bite_reset().bit_is_set()
    }

    /// Whether the watchdog runs.
    pub fn is_enabled(&self) -> bool {
        self.wdt.wdt_en().read().enable().bit_is_set()
    }

    /// Stops, programs `config` and starts the watchdog, counting from 0.
    pub fn enable(&mut self, config: &Config) -> Result<(), ConfigError> {
        let (bark, bite, irq) = config.counts()?;
        self.disable();
        self.pet();
        self.wdt.wdt_bark_time().write(|w| w.count().set(bark));
        self.wdt.wdt_bite_time().write(|w| w.count().set(bite));
        self.wdt
            .wdt_en()
            .write(|w| w.enable().set_bit().enable_irq().bit(irq));
        Ok(())
    }

    /// [`Watchdog::enable`] under the name every driver has.
    pub fn apply_config(&mut self, config: &Config) -> Result<(), ConfigError> {
        self.enable(config)
    }

    /// Restarts the count from 0 (and ends a bark).
    pub fn pet(&mut self) {
        self.wdt.wdt_rst().write(|w| w.rst().set_bit());
    }

    /// Stops the watchdog.
    pub fn disable(&mut self) {
        self.wdt.wdt_en().write(|w| w.enable().clear_bit());
    }

    /// Gives the peripheral back (the watchdog keeps its state, running or not).
    pub fn free(self) -> pac::APSS_WDT {
        self.wdt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_become_sleep_clock_counts_rounded_up() {
        let c = Config::new(Duration::from_secs(2)).bark(Duration::from_millis(1500));
        assert_eq!(c.counts(), Ok((49_152, 65_536, true)));
        let c = Config::new(Duration::from_micros(31));
        assert_eq!(c.counts(), Ok((2, 2, false)), "1.0158 counts round up to 2");
    }

    #[test]
    fn bad_configurations_are_refused() {
        assert_eq!(
            Config::new(Duration::from_secs(33)).counts(),
            Err(ConfigError::TooLong { count: 33 * 32_768 })
        );
        assert_eq!(Config::new(Duration::ZERO).counts(), Err(ConfigError::Zero));
        assert_eq!(
            Config::new(Duration::from_secs(1))
                .bark(Duration::from_secs(2))
                .counts(),
            Err(ConfigError::BarkAfterBite)
        );
    }
}
