//! `rand_core` 0.9 support (feature `rand_core`).
//!
//! The PRNG can fail (timeout, stuck-at-zero), so it implements the fallible
//! [`rand_core::TryRngCore`]; `rand_core` derives `TryRngCore` from `RngCore` with a blanket
//! impl, so the infallible trait is obtained with `rng.unwrap_err()` / `rng.unwrap_mut()`
//! (which panic on a hardware failure). Not marked `TryCryptoRng`: nothing we know about
//! the block establishes that its output is fit for cryptography.

use super::{Error, Rng};

impl rand_core::TryRngCore for Rng {
    type Error = Error;

    fn try_next_u32(&mut self) -> Result<u32, Error> {
        self.next_u32()
    }

    fn try_next_u64(&mut self) -> Result<u64, Error> {
        self.next_u64()
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Error> {
        self.fill_bytes(dst)
    }
}
