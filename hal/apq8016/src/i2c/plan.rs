//! How a transaction's operations become QUP messages (pure, host-tested).
//!
//! Design notes:
//! - A *run* is a maximal sequence of operations of one direction: embedded-hal sends their
//!   bytes back to back, with no START or address between them. Each run opens with START and
//!   the address (a repeated START from the second run on); the last one ends with STOP.
//! - A run is cut into messages of at most `message_max` bytes (what the FIFOs hold after
//!   the tag bytes); only the first message of a run carries START and the address.
//! - Read runs NACK their last byte: `DATA_READ_NACK` before a repeated START,
//!   `DATA_READ_STOP` at the end; earlier pieces use `DATA_READ` (all acknowledged).
//! - A run of zero bytes (only empty operations) is the address alone: `START`, or
//!   `START_STOP` when it is the last run (an address probe).

use super::{Direction, tag};

/// One message: what the FIFOs hold at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Message {
    /// Direction of its run.
    pub direction: Direction,
    /// The message opens with START + address.
    pub start: bool,
    /// The message's tag (a data tag, or `START` / `START_STOP` for a zero-byte run).
    pub tag: u8,
    /// Data bytes.
    pub length: usize,
    /// The first message of the transaction.
    pub first: bool,
    /// The last message of the transaction (it ends with STOP).
    pub last: bool,
    /// Index of the first operation of its run.
    pub run_start: usize,
}

#[derive(Clone, Copy, Debug)]
struct Run {
    start: usize,
    end: usize,
    direction: Direction,
    length: usize,
    offset: usize,
    emitted: bool,
}

/// The messages of one transaction, one at a time.
#[derive(Debug)]
pub(super) struct Plan {
    message_max: usize,
    next_operation: usize,
    run: Option<Run>,
    first: bool,
}

impl Plan {
    /// A plan for messages of at most `message_max` data bytes.
    pub fn new(message_max: usize) -> Self {
        Plan {
            message_max: message_max.max(1),
            next_operation: 0,
            run: None,
            first: true,
        }
    }

    /// The next message for `count` operations whose direction and length `shape` gives.
    pub fn next(
        &mut self,
        count: usize,
        shape: impl Fn(usize) -> (Direction, usize),
    ) -> Option<Message> {
        loop {
            if let Some(run) = &mut self.run
                && (run.offset < run.length || !run.emitted)
            {
                let length = (run.length - run.offset).min(self.message_max);
                let last_of_run = run.offset + length == run.length;
                let last_run = run.end == count;
                let tag = match (run.direction, last_of_run, last_run) {
                    _ if run.length == 0 && last_run => tag::START_STOP,
                    _ if run.length == 0 => tag::START,
                    (Direction::Write, true, true) => tag::DATA_WRITE_STOP,
                    (Direction::Write, _, _) => tag::DATA_WRITE,
                    (Direction::Read, true, true) => tag::DATA_READ_STOP,
                    (Direction::Read, true, false) => tag::DATA_READ_NACK,
                    (Direction::Read, false, _) => tag::DATA_READ,
                };
                let message = Message {
                    direction: run.direction,
                    start: run.offset == 0,
                    tag,
                    length,
                    first: self.first,
                    last: last_run && last_of_run,
                    run_start: run.start,
                };
                run.offset += length;
                run.emitted = true;
                self.first = false;
                return Some(message);
            }
            if self.next_operation >= count {
                return None;
            }
            let start = self.next_operation;
            let direction = shape(start).0;
            let mut end = start;
            let mut length = 0;
            while end < count && shape(end).0 == direction {
                length += shape(end).1;
                end += 1;
            }
            self.next_operation = end;
            self.run = Some(Run {
                start,
                end,
                direction,
                length,
                offset: 0,
                emitted: false,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::*;
    use Direction::{Read, Write};

    /// (start, tag, length, first, last) of every message.
    fn plan(operations: &[(Direction, usize)], max: usize) -> Vec<(bool, u8, usize, bool, bool)> {
        let mut plan = Plan::new(max);
        let mut out = Vec::new();
        while let Some(m) = plan.next(operations.len(), |k| operations[k]) {
            out.push((m.start, m.tag, m.length, m.first, m.last));
        }
        out
    }

    #[test]
    fn write_read_and_write_read() {
        assert_eq!(
            plan(&[(Write, 3)], 60),
            [(true, tag::DATA_WRITE_STOP, 3, true, true)]
        );
        assert_eq!(
            plan(&[(Read, 2)], 60),
            [(true, tag::DATA_READ_STOP, 2, true, true)]
        );
        assert_eq!(
            plan(&[(Write, 1), (Read, 4)], 60),
            [
                (true, tag::DATA_WRITE, 1, true, false),
                (true, tag::DATA_READ_STOP, 4, false, true)
            ]
        );
    }

    #[test]
    fn same_direction_operations_merge_and_direction_changes_restart() {
        assert_eq!(
            plan(
                &[(Write, 1), (Write, 2), (Read, 3), (Read, 4), (Write, 5)],
                60
            ),
            [
                (true, tag::DATA_WRITE, 3, true, false),
                (true, tag::DATA_READ_NACK, 7, false, false),
                (true, tag::DATA_WRITE_STOP, 5, false, true)
            ]
        );
    }

    #[test]
    fn long_runs_are_split_with_start_only_on_the_first_piece() {
        assert_eq!(
            plan(&[(Write, 2), (Read, 130)], 60),
            [
                (true, tag::DATA_WRITE, 2, true, false),
                (true, tag::DATA_READ, 60, false, false),
                (false, tag::DATA_READ, 60, false, false),
                (false, tag::DATA_READ_STOP, 10, false, true)
            ]
        );
        assert_eq!(
            plan(&[(Write, 120)], 60),
            [
                (true, tag::DATA_WRITE, 60, true, false),
                (false, tag::DATA_WRITE_STOP, 60, false, true)
            ]
        );
    }

    #[test]
    fn empty_operations() {
        assert_eq!(plan(&[], 60), []);
        assert_eq!(
            plan(&[(Write, 0)], 60),
            [(true, tag::START_STOP, 0, true, true)]
        );
        // Empty operations merge into their run.
        assert_eq!(
            plan(&[(Write, 0), (Write, 2), (Read, 0), (Read, 1)], 60),
            [
                (true, tag::DATA_WRITE, 2, true, false),
                (true, tag::DATA_READ_STOP, 1, false, true)
            ]
        );
        // An empty write before a read: address alone, then the read with a repeated START.
        assert_eq!(
            plan(&[(Write, 0), (Read, 1)], 60),
            [
                (true, tag::START, 0, true, false),
                (true, tag::DATA_READ_STOP, 1, false, true)
            ]
        );
    }
}
