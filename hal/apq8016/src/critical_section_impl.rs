//! A [`critical_section`] implementation that is correct with all four Cortex-A53 cores running.
//!
//! # Design notes
//!
//! - Masking interrupts alone only excludes code on the *same* core, and a bare spinlock alone
//!   deadlocks when an interrupt handler on the core that holds it tries to take it. So entering
//!   a critical section does both, in this order: save `DAIF` and mask IRQ and FIQ on this core,
//!   then spin on one global lock word. Leaving releases the lock, then restores `DAIF`.
//! - The lock word holds the **owner's identity** (the MPIDR_EL1 affinity fields Aff0..Aff3,
//!   plus one so that 0 means "free"). A core that already owns the lock and enters again
//!   (nested `critical_section::with`, e.g. `Peripherals::take()` inside another section) sees
//!   its own identity and does not spin; the returned restore state records "nested" so the
//!   inner release leaves the lock held. Only the outermost release frees it.
//! - `RawRestoreState` is `u64` (feature `restore-state-u64`): bits 9:6 carry the saved `DAIF`
//!   flags exactly as `MRS DAIF` returns them, bit 0 the "nested" flag (DAIF bits are never in
//!   bit 0, so the two cannot collide).
//! - Ordering: acquiring is a compare-exchange with `Acquire`, releasing a store with `Release`,
//!   so everything written inside one core's section is visible to the next core that enters.
//!   On the A53 (Armv8.0, no LSE atomics) these are LDAXR/STLXR loops. Exclusive accesses
//!   need the memory to be Normal cacheable (with the MMU off every data access is Device
//!   memory, where exclusives are not guaranteed to work): the runtime ([`crate::rt`]) turns the
//!   MMU on with the identity map before `main`, so the lock is always in write-back memory.
//! - SError (the `A` bit) and debug exceptions are left as they are: they are not
//!   interrupts that could run code taking the lock.
//! - Proven on the virtual board by `examples/critical_section_contention.rs`: four cores each
//!   do 200 slow read-modify-writes of one counter; under this implementation the total is
//!   exact, under interrupt masking alone (a single-core implementation) updates are lost.
//! - The implementation is registered with `critical_section::set_impl!` when the cargo feature
//!   `critical-section-impl` (default) is on. Disable it to provide your own.

use core::sync::atomic::{AtomicU64, Ordering};

/// Lock word value meaning "no owner".
const FREE: u64 = 0;
/// Restore-state flag: this acquire was nested inside a section the same core already held.
const NESTED: u64 = 1 << 0;
/// The bits of `DAIF` as `MRS` returns them (D 9, A 8, I 7, F 6).
const DAIF_MASK: u64 = 0b1111 << 6;
/// `MPIDR_EL1` affinity fields: Aff0 7:0, Aff1 15:8, Aff2 23:16, Aff3 39:32.
const MPIDR_AFFINITY_MASK: u64 = 0xFF_00FF_FFFF;

/// The owner identity stored in the lock word for a core with the given `MPIDR_EL1` value.
/// Never 0 (the "free" value).
pub const fn owner_id(mpidr: u64) -> u64 {
    (mpidr & MPIDR_AFFINITY_MASK) + 1
}

/// Packs the saved `DAIF` value and the nesting flag into a restore state.
pub const fn encode_restore_state(saved_daif: u64, nested: bool) -> u64 {
    (saved_daif & DAIF_MASK) | if nested { NESTED } else { 0 }
}

/// Unpacks a restore state into (saved `DAIF`, nested).
pub const fn decode_restore_state(state: u64) -> (u64, bool) {
    (state & DAIF_MASK, state & NESTED != 0)
}

/// A spinlock that remembers which core owns it, so that core may re-enter.
///
/// Only the lock protocol; the interrupt masking is done by the caller (see the module notes).
#[derive(Debug)]
pub struct OwnerLock {
    owner: AtomicU64,
}

impl OwnerLock {
    /// A free lock.
    pub const fn new() -> Self {
        Self {
            owner: AtomicU64::new(FREE),
        }
    }

    /// Takes the lock for core `me` (an [`owner_id`]), spinning while another core holds it.
    /// Returns `true` if `me` already held it (nested acquire: the lock stays taken).
    ///
    /// The caller must have masked interrupts on this core, otherwise a handler on the same
    /// core could see "nested" for a section it interrupted.
    pub fn acquire(&self, me: u64) -> bool {
        debug_assert_ne!(me, FREE);
        // Relaxed is enough here: only this core ever stores `me`, so reading `me` back means
        // this core stored it earlier in program order.
        if self.owner.load(Ordering::Relaxed) == me {
            return true;
        }
        loop {
            if self
                .owner
                .compare_exchange_weak(FREE, me, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return false;
            }
            // Wait with plain loads until it looks free, to keep the line shared.
            while self.owner.load(Ordering::Relaxed) != FREE {
                core::hint::spin_loop();
            }
        }
    }

    /// Takes the lock for core `me` if it is free or `me` already holds it, without waiting:
    /// `Some(nested)` as from [`OwnerLock::acquire`], or `None` if another core holds it.
    pub fn try_acquire(&self, me: u64) -> Option<bool> {
        debug_assert_ne!(me, FREE);
        if self.owner.load(Ordering::Relaxed) == me {
            return Some(true);
        }
        self.owner
            .compare_exchange(FREE, me, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| false)
    }

    /// Releases the lock unless `nested` (the value [`OwnerLock::acquire`] returned).
    pub fn release(&self, nested: bool) {
        if !nested {
            self.owner.store(FREE, Ordering::Release);
        }
    }

    /// The current owner identity, or 0 if free (for diagnostics).
    pub fn owner(&self) -> u64 {
        self.owner.load(Ordering::Relaxed)
    }
}

impl Default for OwnerLock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(all(target_arch = "aarch64", feature = "critical-section-impl"))]
mod imp {
    use super::{OwnerLock, decode_restore_state, encode_restore_state, owner_id};
    use aarch64_cpu::registers::{DAIF, MPIDR_EL1, Readable};

    /// The single lock behind every critical section in the system.
    static LOCK: OwnerLock = OwnerLock::new();

    struct MultiCoreCriticalSection;
    critical_section::set_impl!(MultiCoreCriticalSection);

    // SAFETY: `acquire` masks IRQ and FIQ on this core before taking the global lock, so neither
    // another core nor an interrupt handler on this core can enter a section concurrently;
    // `release` undoes exactly what the matching `acquire` did (lock only for the outermost
    // section, then the saved DAIF).
    unsafe impl critical_section::Impl for MultiCoreCriticalSection {
        unsafe fn acquire() -> critical_section::RawRestoreState {
            let saved_daif = DAIF.get();
            // SAFETY: `msr daifset, #3` only sets the I and F mask bits of this core; the
            // compiler must not move memory accesses across it (no `nomem`).
            unsafe { core::arch::asm!("msr daifset, #3", options(nostack, preserves_flags)) };
            let nested = LOCK.acquire(owner_id(MPIDR_EL1.get()));
            encode_restore_state(saved_daif, nested)
        }

        unsafe fn release(state: critical_section::RawRestoreState) {
            let (saved_daif, nested) = decode_restore_state(state);
            LOCK.release(nested);
            // SAFETY: restores this core's mask bits to the value saved by the matching
            // `acquire` (only bits 9:6 are set in `saved_daif`).
            unsafe {
                core::arch::asm!("msr daif, {}", in(reg) saved_daif, options(nostack, preserves_flags))
            };
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::sync::Arc;
    use std::thread;

    #[test]
    fn owner_ids_are_never_free_and_ignore_non_affinity_bits() {
        assert_ne!(owner_id(0), FREE);
        // Bit 31 (RES1) and bit 30 (U) are not part of the identity.
        assert_eq!(owner_id(0x8000_0003), owner_id(3));
        assert_ne!(owner_id(0x0000_0100), owner_id(0x0000_0001));
        assert_ne!(owner_id(0x01_0000_0000), owner_id(0));
    }

    #[test]
    fn restore_state_round_trip() {
        for daif in [0u64, 0x3C0, 0x80, 0x40, 0x2C0] {
            for nested in [false, true] {
                let s = encode_restore_state(daif, nested);
                assert_eq!(decode_restore_state(s), (daif, nested));
            }
        }
        // Bits outside DAIF are dropped rather than restored.
        assert_eq!(
            decode_restore_state(encode_restore_state(0xF000_0001, false)).0,
            0
        );
    }

    #[test]
    fn reentrant_on_the_same_core() {
        let lock = OwnerLock::new();
        let me = owner_id(2);
        assert!(!lock.acquire(me));
        assert!(lock.acquire(me));
        lock.release(true);
        assert_eq!(lock.owner(), me, "inner release must keep the lock");
        lock.release(false);
        assert_eq!(lock.owner(), FREE);
    }

    #[test]
    fn try_acquire_fails_only_while_another_core_holds_it() {
        let lock = OwnerLock::new();
        let (me, other) = (owner_id(0), owner_id(1));
        assert_eq!(lock.try_acquire(me), Some(false));
        assert_eq!(lock.try_acquire(me), Some(true), "re-entry by the owner");
        assert_eq!(lock.try_acquire(other), None);
        lock.release(false);
        assert_eq!(lock.try_acquire(other), Some(false));
        assert_eq!(lock.owner(), other);
    }

    #[test]
    fn excludes_other_cores() {
        // Four "cores" increment a counter non-atomically inside the lock.
        let lock = Arc::new(OwnerLock::new());
        let counter = Arc::new(AtomicU64::new(0));
        let handles: std::vec::Vec<_> = (0..4u64)
            .map(|core| {
                let (lock, counter) = (lock.clone(), counter.clone());
                thread::spawn(move || {
                    for _ in 0..20_000 {
                        let nested = lock.acquire(owner_id(core));
                        assert!(!nested);
                        let v = counter.load(Ordering::Relaxed);
                        counter.store(v + 1, Ordering::Relaxed);
                        lock.release(nested);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(counter.load(Ordering::Relaxed), 80_000);
    }
}
