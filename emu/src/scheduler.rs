//! Timed events: actions due at a tick of the 19.2 MHz virtual counter.
//!
//! Design notes:
//! - Deterministic order: by tick, then by the order they were scheduled (a sequence number
//!   breaks ties), never by host time or hash order.
//! - The board's block hook stops the CPU before the first translated block whose last
//!   instruction would reach the next event's tick; the run loop then runs every event due by
//!   the end of that block, each with the model seeing the event's own tick, before the block
//!   runs. So an access at tick `t` always sees the events at ticks `<= t`. WFI runs the
//!   events up to the next timer wake-up in order, then jumps there.
//! - Models ask for events through `Effects::schedule` during an access or an update; the
//!   board moves them here.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::machine::Device;
use crate::models::spmi::PmicKey;
use crate::models::tlmm::PinEvent;

/// What happens when an event is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// An externally applied pad level (`--pin`, `--press`) takes effect.
    Pin(PinEvent),
    /// Bring a model up to date at this tick (a byte finished on the wire, a delay ended).
    Update(Device),
    /// A PMIC key is pressed or released (`--press power@..`, `--press volume-down@..`).
    Key(PmicKey, bool),
}

/// Pending events, earliest first.
#[derive(Debug, Default)]
pub struct Scheduler {
    queue: BinaryHeap<Reverse<(u64, u64, Slot)>>,
    sequence: u64,
}

/// Heap entry payload (ordering only needs tick and sequence; the event itself compares by
/// neither, see `Ord` below).
#[derive(Debug, Clone, Copy)]
struct Slot(Event);

impl PartialEq for Slot {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Slot {}
impl PartialOrd for Slot {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Slot {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

impl Scheduler {
    /// Schedule `event` at tick `at`.
    pub fn schedule(&mut self, at: u64, event: Event) {
        self.queue.push(Reverse((at, self.sequence, Slot(event))));
        self.sequence += 1;
    }

    /// Tick of the earliest pending event.
    pub fn next_due(&self) -> Option<u64> {
        self.queue.peek().map(|Reverse((at, _, _))| *at)
    }

    /// Remove and return the earliest event if it is due by tick `until`.
    pub fn pop_due(&mut self, until: u64) -> Option<(u64, Event)> {
        if self.next_due()? > until {
            return None;
        }
        self.queue.pop().map(|Reverse((at, _, Slot(e)))| (at, e))
    }

    /// Number of pending events.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_come_out_by_tick_then_by_scheduling_order() {
        let mut s = Scheduler::default();
        let pin = |gpio| {
            Event::Pin(PinEvent {
                at: 0,
                gpio,
                level: None,
            })
        };
        s.schedule(300, pin(1));
        s.schedule(100, pin(2));
        s.schedule(300, pin(3));
        s.schedule(100, Event::Update(Device::Uart2));
        assert_eq!(s.next_due(), Some(100));
        assert_eq!(s.pop_due(99), None);
        assert_eq!(s.pop_due(100), Some((100, pin(2))));
        assert_eq!(s.pop_due(100), Some((100, Event::Update(Device::Uart2))));
        assert_eq!(s.pop_due(299), None);
        assert_eq!(s.len(), 2);
        assert_eq!(s.pop_due(u64::MAX), Some((300, pin(1))));
        assert_eq!(s.pop_due(u64::MAX), Some((300, pin(3))));
        assert_eq!(s.pop_due(u64::MAX), None);
    }
}
