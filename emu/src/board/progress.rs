//! Runs that can change nothing more: they end with "no progress" (exit 6) instead of
//! burning the whole instruction budget.
//!
//! Design notes:
//! - Conservative by construction: a run is only stopped when its future is provably the
//!   same forever. Anything that reads a device, writes memory or a register, or could be
//!   interrupted keeps running (a loop polling a UART is progress: its input may arrive).
//! - Loops: the block hook already knows the block it enters and the one before; a cycle of
//!   one or two translated blocks (`b .`, `1: wfe; b 1b`: the engine ends a block at WFE and
//!   WFI) that repeats [`LOOP_REPEATS`] times is examined once. It is endless and changes
//!   nothing when every instruction in it is a branch (conditional ones test flags and
//!   registers nothing in the loop changes), a NOP-like hint (NOP, YIELD, WFE, WFI, SEV,
//!   SEVL) or a barrier, and no interrupt can end it: IRQ and FIQ masked, or no enabled,
//!   unmasked timer and nothing the GIC could signal (its group 1 forwarding off in the
//!   distributor or the CPU interface, or no group 1 interrupt enabled for core 0; any
//!   enabled one counts, whether or not its source can still assert it). Cost: one
//!   comparison per block the hook sees; while blocks are counted inline the hook sees a
//!   block only now and then, and it follows them one by one again as soon as two in a row
//!   could begin a cycle (`count`).
//! - Exception storms: a synchronous exception taken [`EXCEPTION_REPEATS`] times in a row
//!   with the same syndrome at the same address inside the vector it enters (e.g. a
//!   zero-filled vector table: UDF at the vector re-enters the vector), with no more than
//!   one vector slot of instructions between entries. Each entry leaves the CPU in the same
//!   state, so the run can only repeat it.
//! - A WFI with nothing that can wake the core is also "no progress" (`run_loop`).

/// Repeats of a one- or two-block cycle before its instructions are examined.
pub const LOOP_REPEATS: u32 = 4096;
/// Identical exception entries in a row that end the run.
pub const EXCEPTION_REPEATS: u32 = 64;
/// Instructions in one vector slot (0x80 bytes).
const VECTOR_SLOT_INSTRUCTIONS: u64 = 0x80 / 4;

/// One synchronous exception entry as the board performed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExceptionEntry {
    /// Preferred return address (ELR).
    pub elr: u64,
    /// Syndrome (ESR).
    pub esr: u64,
    /// Address of the vector entered.
    pub vector: u64,
    /// Exception level taken to.
    pub el: u64,
}

/// What the watch remembers between blocks and exceptions.
#[derive(Debug, Default)]
pub struct Watch {
    /// The block entered before the previous one: (address, size in bytes).
    earlier: (u64, u32),
    /// Block entries in a row that continued a cycle of one or two blocks.
    repeats: u32,
    /// The last exception entry and the instruction count at that time.
    last_exception: Option<(ExceptionEntry, u64)>,
    /// Identical entries in a row (see the design notes).
    exception_repeats: u32,
}

impl Watch {
    /// A block `block` is entered after `previous` (blocks the engine is stopped at before
    /// they run are not passed in: the block hook stops for timed events before this). Returns the blocks of the cycle when it
    /// has just repeated [`LOOP_REPEATS`] times (the caller examines them once).
    pub fn on_block(&mut self, previous: (u64, u32), block: (u64, u32)) -> Option<Vec<(u64, u32)>> {
        let same = block.0 == previous.0;
        let cycle = same || block.0 == self.earlier.0;
        self.earlier = previous;
        if !cycle {
            self.repeats = 0;
            return None;
        }
        self.repeats = self.repeats.saturating_add(1);
        (self.repeats == LOOP_REPEATS).then(|| {
            if same {
                vec![block]
            } else {
                vec![previous, block]
            }
        })
    }

    /// Whether the last blocks seen continue a cycle that has not been examined yet (the
    /// hook must see the next blocks one by one, see `count`).
    pub fn following_a_cycle(&self) -> bool {
        (1..LOOP_REPEATS).contains(&self.repeats)
    }

    /// Whether [`Watch::on_block`] with these blocks would return the cycle (to be examined).
    pub fn completes_a_cycle(&self, previous: (u64, u32), block: (u64, u32)) -> bool {
        let cycle = block.0 == previous.0 || block.0 == self.earlier.0;
        cycle && self.repeats.saturating_add(1) == LOOP_REPEATS
    }

    /// An exception was entered with `instructions` executed so far. Returns the report
    /// when the same entry has repeated [`EXCEPTION_REPEATS`] times with nothing in between.
    pub fn on_exception(&mut self, entry: ExceptionEntry, instructions: u64) -> Option<String> {
        let inside_vector = entry.elr.wrapping_sub(entry.vector) < 0x80;
        let repeat = self.last_exception.is_some_and(|(last, at)| {
            last == entry
                && inside_vector
                && instructions.saturating_sub(at) <= VECTOR_SLOT_INSTRUCTIONS
        });
        self.last_exception = Some((entry, instructions));
        self.exception_repeats = if repeat {
            self.exception_repeats + 1
        } else {
            1
        };
        (self.exception_repeats >= EXCEPTION_REPEATS).then(|| {
            format!(
                "the same synchronous exception (ESR_EL{} {:#x}) was taken {EXCEPTION_REPEATS} times in a row at {:#x}, inside the vector it enters ({:#x}): the vector table is empty or its handler faults before doing anything",
                entry.el, entry.esr, entry.elr, entry.vector
            )
        })
    }
}

/// NOP, YIELD, WFE, WFI, SEV, SEVL (HINT #0..#5).
fn is_plain_hint(insn: u32) -> bool {
    insn & 0xFFFF_F01F == 0xD503_201F && (insn >> 5 & 0x7F) <= 5
}

/// DSB, DMB, ISB (any option).
fn is_barrier(insn: u32) -> bool {
    matches!(insn & 0xFFFF_F0FF, 0xD503_309F | 0xD503_30BF | 0xD503_30DF)
}

/// B, B.cond, CBZ/CBNZ, TBZ/TBNZ: branches that write no register.
fn is_plain_branch(insn: u32) -> bool {
    insn & 0xFC00_0000 == 0x1400_0000
        || insn & 0xFF00_0010 == 0x5400_0000
        || insn & 0x7E00_0000 == 0x3400_0000
        || insn & 0x7E00_0000 == 0x3600_0000
}

/// Whether executing `insn` can change no state (registers, flags, memory, devices).
pub fn changes_nothing(insn: u32) -> bool {
    is_plain_hint(insn) || is_barrier(insn) || is_plain_branch(insn)
}

/// Short names of the instructions of a loop, for the report.
pub fn describe(code: &[u32]) -> String {
    let names: Vec<&str> = code
        .iter()
        .map(|&insn| match insn {
            0x1400_0000 => "b .",
            0xD503_201F => "nop",
            0xD503_203F => "yield",
            0xD503_205F => "wfe",
            0xD503_207F => "wfi",
            0xD503_209F => "sev",
            0xD503_20BF => "sevl",
            i if is_barrier(i) => "barrier",
            _ => "branch",
        })
        .collect();
    names.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cycle is followed from its first repeat until it is examined, and not after.
    #[test]
    fn a_cycle_is_followed_until_examined() {
        let (a, b) = ((0x1000, 8), (0x2000, 4));
        let mut watch = Watch::default();
        assert!(!watch.following_a_cycle());
        assert!(watch.on_block(b, a).is_none());
        assert!(!watch.following_a_cycle());
        for _ in 1..LOOP_REPEATS {
            assert!(watch.on_block(a, a).is_none());
            assert!(watch.following_a_cycle());
        }
        assert_eq!(watch.on_block(a, a), Some(vec![a]));
        assert!(!watch.following_a_cycle());
        assert!(watch.on_block(a, a).is_none());
        assert!(!watch.following_a_cycle());
        assert!(watch.on_block(a, b).is_none());
        assert!(!watch.following_a_cycle());
    }

    #[test]
    fn inert_instructions() {
        for insn in [
            0x1400_0000, // b .
            0x17FF_FFFF, // b .-4
            0xD503_201F, // nop
            0xD503_205F, // wfe
            0xD503_207F, // wfi
            0xD503_3FDF, // isb
            0xD503_3F9F, // dsb sy
            0xD503_3BBF, // dmb ish
            0x54FF_FFE1, // b.ne .-4
            0xB4FF_FFE0, // cbz x0, .-4
            0x3607_FFE0, // tbz w0, #0, .-4
        ] {
            assert!(changes_nothing(insn), "{insn:#x}");
        }
        for insn in [
            0x9100_0400, // add x0, x0, #1
            0xB940_0020, // ldr w0, [x1]
            0xD61F_0000, // br x0
            0x9400_0000, // bl .
            0xD503_233F, // paciasp (HINT #25) writes x30
            0xD503_42FF, // msr daifclr, #2
            0xD400_0001, // svc #0
            0x0000_0000, // udf #0
        ] {
            assert!(!changes_nothing(insn), "{insn:#x}");
        }
    }

    #[test]
    fn cycles_of_one_and_two_blocks() {
        let mut w = Watch::default();
        let (a, b, c) = ((0x100, 4), (0x104, 4), (0x108, 4));
        let mut found = None;
        let mut previous = c;
        for k in 0..2 * LOOP_REPEATS + 4 {
            let block = if k % 2 == 0 { a } else { b };
            let predicted = w.completes_a_cycle(previous, block);
            let result = w.on_block(previous, block);
            assert_eq!(predicted, result.is_some(), "block {k}");
            if let Some(blocks) = result {
                found = Some((k, blocks));
            }
            previous = block;
        }
        let (k, blocks) = found.unwrap();
        assert_eq!(blocks.len(), 2);
        assert!(k >= LOOP_REPEATS);
        // A cycle of three blocks is never reported.
        let mut w = Watch::default();
        let mut previous = c;
        for k in 0..4 * LOOP_REPEATS {
            let block = [a, b, c][k as usize % 3];
            assert!(!w.completes_a_cycle(previous, block));
            assert!(w.on_block(previous, block).is_none());
            previous = block;
        }
    }

    #[test]
    fn exception_storm_needs_identical_entries_inside_the_vector() {
        let entry = ExceptionEntry {
            elr: 0x8008_0A00,
            esr: 0x0200_0000,
            vector: 0x8008_0A00,
            el: 1,
        };
        let mut w = Watch::default();
        for k in 1..EXCEPTION_REPEATS {
            assert!(w.on_exception(entry, u64::from(k)).is_none());
        }
        assert!(
            w.on_exception(entry, u64::from(EXCEPTION_REPEATS))
                .is_some()
        );
        // A handler that runs (many instructions between entries) is not a storm.
        let mut w = Watch::default();
        for k in 0..2 * u64::from(EXCEPTION_REPEATS) {
            assert!(w.on_exception(entry, k * 100).is_none());
        }
        // Nor is a fault outside the vector (a handler returning to a faulting instruction).
        let outside = ExceptionEntry {
            elr: 0x8008_0000,
            ..entry
        };
        let mut w = Watch::default();
        for k in 0..2 * u64::from(EXCEPTION_REPEATS) {
            assert!(w.on_exception(outside, k).is_none());
        }
    }
}
