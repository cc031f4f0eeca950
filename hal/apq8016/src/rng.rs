//! PRNG: the SoC's hardware random number generator (docs/hardware/prng.md).
//!
//! ```no_run
//! use apq8016_hal::{clocks::Clocks, pac, rng::Rng};
//!
//! let p = pac::Peripherals::take().unwrap();
//! let mut rng = Rng::new(p.PRNG, &mut Clocks::new(p.GCC))?;
//! let dice = rng.next_u32()? % 6 + 1;
//! # let _ = dice;
//! # Ok::<(), apq8016_hal::rng::Error>(())
//! ```
//!
//! Design notes:
//! - Init follows docs/hardware/prng.md#sequences: enable the PRNG_AHB clock (voted, bit 8; see [`crate::clocks`]);
//!   if `CONFIG.HW_ENABLE` is already set (the boot chain or TrustZone set it up) leave
//!   the generator alone, else set the low 16 bits of `LFSR_CFG` to 0xDDDD and then set
//!   `HW_ENABLE`.
//! - A word is read after `STATUS.DATA_AVAIL` is seen, with a bounded wait (10 ms, as
//!   Linux). A word of 0 is reported as [`Error::ZeroWord`]: like Linux we take it as a
//!   sign of a stuck generator rather than returning it (a genuine 0 has probability 2^-32).
//! - With the `rand_core` feature, [`Rng`] implements `rand_core::TryRngCore` (0.9).

#[cfg(feature = "rand_core")]
mod rand;

use core::fmt;

use crate::clocks::{Branch, ClockError, Clocks, wait};
use crate::pac;

/// Bound for one word to become available, in µs.
const DATA_TIMEOUT_US: u64 = 10_000;
/// LFSR clock configuration every known driver programs (docs/hardware/prng.md#registers).
const LFSR_CFG_VALUE: u16 = 0xDDDD;

// ANCHOR: error
/// Errors of the random number generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// The PRNG clock could not be enabled.
    Clock(ClockError),
    /// `DATA_AVAIL` did not come up in time.
    Timeout,
    /// The generator returned an all-zero word (treated as a failure, see module notes).
    ZeroWord,
}
// ANCHOR_END: error

impl From<ClockError> for Error {
    fn from(e: ClockError) -> Self {
        Error::Clock(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Clock(e) => write!(f, "PRNG clock: {e}"),
            Error::Timeout => f.write_str("PRNG produced no data in time"),
            Error::ZeroWord => f.write_str("PRNG returned an all-zero word"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Error::Clock(e) => Some(e),
            _ => None,
        }
    }
}

/// Driver of the hardware PRNG.
///
/// ```no_run
/// use apq8016_hal::{clocks::Clocks, pac, rng::Rng};
///
/// let p = pac::Peripherals::take().unwrap();
/// let mut clocks = Clocks::new(p.GCC);
/// let mut rng = Rng::new(p.PRNG, &mut clocks)?;
/// let word = rng.next_u32()?;
/// let mut key = [0u8; 16];
/// rng.fill_bytes(&mut key)?;
/// let prng = rng.free(); // the generator keeps running
/// # let _ = (word, prng);
/// # Ok::<(), apq8016_hal::rng::Error>(())
/// ```
pub struct Rng {
    prng: pac::PRNG,
}

impl fmt::Debug for Rng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rng").finish_non_exhaustive()
    }
}

impl Rng {
    // ANCHOR: new
    /// Enables the PRNG clock and starts the generator (unless it already runs).
    pub fn new(prng: pac::PRNG, clocks: &mut Clocks) -> Result<Self, Error> {
        clocks.enable(Branch::PrngAhb)?;
        if prng.config().read().hw_enable().bit_is_clear() {
            prng.lfsr_cfg()
                .modify(|_, w| w.lfsr_cfg().set(LFSR_CFG_VALUE));
            prng.config().modify(|_, w| w.hw_enable().set_bit());
        }
        Ok(Rng { prng })
    }
    // ANCHOR_END: new

    /// Gives the peripheral back (the generator keeps running).
    pub fn free(self) -> pac::PRNG {
        self.prng
    }

    // ANCHOR: next_u32
    /// Reads one 32-bit word of random data.
    pub fn next_u32(&mut self) -> Result<u32, Error> {
        let status = self.prng.status();
        if !wait::poll_until(DATA_TIMEOUT_US, || status.read().data_avail().bit_is_set()) {
            return Err(Error::Timeout);
        }
        match self.prng.data_out().read().data().bits() {
            0 => Err(Error::ZeroWord),
            word => Ok(word),
        }
    }
    // ANCHOR_END: next_u32

    /// Reads two words as one 64-bit value (first word in the low half).
    pub fn next_u64(&mut self) -> Result<u64, Error> {
        let low = self.next_u32()?;
        let high = self.next_u32()?;
        Ok(u64::from(high) << 32 | u64::from(low))
    }

    /// Fills `dest` with random bytes (words taken little-endian).
    pub fn fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        for chunk in dest.chunks_mut(4) {
            let word = self.next_u32()?.to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Ok(())
    }
}
