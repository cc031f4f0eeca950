//! The handler table: one atomic word per interrupt ID, holding a `fn()` or 0.
//!
//! # Design notes
//!
//! A function pointer is never 0, so 0 means "no handler" and a `usize` holds either. Writes
//! (registration, from `main`) and reads (the dispatcher, in IRQ context) are single atomic
//! word accesses: no lock on the dispatch path, and no torn value can ever be seen. `Release`
//! on store and `Acquire` on load make whatever `main` set up before registering a handler
//! visible to the handler. The table is `static` data (`.bss`): no allocation.

use core::sync::atomic::{AtomicUsize, Ordering};

use super::InterruptId;

/// An interrupt handler: called in IRQ context with IRQs masked on this core.
pub type Handler = fn();

/// Word meaning "no handler".
const EMPTY: usize = 0;

/// A table of `N` handler slots, indexed by interrupt ID.
pub struct HandlerTable<const N: usize> {
    slots: [AtomicUsize; N],
}

impl<const N: usize> HandlerTable<N> {
    /// A table with every slot empty.
    pub const fn new() -> Self {
        Self {
            slots: [const { AtomicUsize::new(EMPTY) }; N],
        }
    }

    /// Sets (or with `None` clears) the handler of `id`; returns the one it replaces.
    /// IDs past `N` are ignored and give `None`.
    pub fn set(&self, id: InterruptId, handler: Option<Handler>) -> Option<Handler> {
        let word = handler.map_or(EMPTY, |h| h as usize);
        let slot = self.slots.get(usize::from(id.number()))?;
        decode(slot.swap(word, Ordering::AcqRel))
    }

    /// The handler of ID `id` (a raw number, as the GIC's acknowledge register gives it), if
    /// one is set and `id` is in the table.
    #[inline]
    pub fn get(&self, id: usize) -> Option<Handler> {
        decode(self.slots.get(id)?.load(Ordering::Acquire))
    }
}

impl<const N: usize> Default for HandlerTable<N> {
    fn default() -> Self {
        Self::new()
    }
}

#[inline]
fn decode(word: usize) -> Option<Handler> {
    if word == EMPTY {
        None
    } else {
        // SAFETY: every non-zero word in a slot was stored by `set` from a `fn()`, and a
        // function pointer and a `usize` have the same size on every target we build for.
        Some(unsafe { core::mem::transmute::<usize, Handler>(word) })
    }
}

/// The system's table: every ID below [`InterruptId::LIMIT`] (2.3 KiB of `.bss`).
pub(crate) static HANDLERS: HandlerTable<{ InterruptId::LIMIT as usize }> = HandlerTable::new();

#[cfg(test)]
mod tests {
    use super::*;
    use core::sync::atomic::AtomicU32;

    static CALLS: AtomicU32 = AtomicU32::new(0);
    fn one() {
        CALLS.fetch_add(1, Ordering::Relaxed);
    }
    fn ten() {
        CALLS.fetch_add(10, Ordering::Relaxed);
    }

    #[test]
    fn set_get_replace_clear() {
        let table: HandlerTable<32> = HandlerTable::new();
        let id = InterruptId::new(19).unwrap();
        assert!(table.get(19).is_none());
        assert!(table.set(id, Some(one)).is_none());
        let before = CALLS.load(Ordering::Relaxed);
        table.get(19).unwrap()();
        assert_eq!(
            table.set(id, Some(ten)).map(|h| h as usize),
            Some(one as Handler as usize)
        );
        table.get(19).unwrap()();
        assert_eq!(CALLS.load(Ordering::Relaxed) - before, 11);
        assert_eq!(
            table.set(id, None).map(|h| h as usize),
            Some(ten as Handler as usize)
        );
        assert!(table.get(19).is_none());
        // Neighbours untouched.
        assert!(table.get(18).is_none() && table.get(20).is_none());
    }

    #[test]
    fn out_of_range_is_empty_and_ignored() {
        let table: HandlerTable<32> = HandlerTable::new();
        let past = InterruptId::new(40).unwrap();
        assert!(table.set(past, Some(one)).is_none());
        assert!(table.get(40).is_none());
        assert!(table.get(1023).is_none(), "the spurious ID has no slot");
        assert!(HANDLERS.get(usize::from(InterruptId::LIMIT)).is_none());
    }
}
