//! Counting instructions with the engine: while a credit the board grants lasts, each
//! translated block takes its instruction count from it in the generated code and records
//! itself, without calling the block hook (engine patch item 8, docs/virtual-board.md "The
//! CPU engine"); the board takes what was counted whenever it runs.
//!
//! Design notes:
//! - The credit is what the block hook's own tests allow: blocks that end before the next
//!   timer deadline, poll, timed event, the budget and the core's quantum, with nothing else
//!   to do (no debugger, trace, coverage or pending exception). Those are exactly the blocks the hook
//!   would only have counted, so every count, tick and outcome is the same with the credit
//!   as without it (`Config::inline_count` off: the hook sees every block; a test compares).
//! - The engine keeps one counter per engine (one per core), inside its CPU state; the board
//!   keeps what it last granted each core. The difference is what ran since. A block that
//!   finds the credit short has already taken its count from it when the hook is called:
//!   the hook gives it back first (`InlineCount::give_back`).
//! - Everything that reads the board's clock or changes what the hook tests takes the count
//!   first (`State::settle`): the MMIO windows, the exception, unmapped-access, MSR and the
//!   timer's MRS hooks, and the run loop after each `emu_start`. The exception,
//!   unmapped-access and MSR hooks and the run loop then withdraw the credit
//!   (`State::withdraw_credit`); an MMIO access keeps what is left of it as far as the
//!   bounds after the access allow (`mmio::credit_after_access`).
//! - The endless-loop watch (`progress`) needs to see consecutive blocks. After a stretch of
//!   inline counting, the block the hook sees next follows the last block counted inline
//!   (exact), but the watch's block before that is stale, so credit is granted again only
//!   after two blocks in a row were seen by the hook and neither continues a cycle. A cycle
//!   is then followed block by block until it is examined or broken, as before; only the
//!   moment it is first noticed can come later, by one inline stretch. So that a loop
//!   entered early is still noticed early, stretches start at `FIRST_CREDIT` instructions
//!   after a cycle was followed (and at the start) and double from one to the next.
//! - Several cores: `multicore` looks at each block a core finished for SEV, SEVL and a final
//!   WFE, before the next block. The engine makes every block that holds one of them call
//!   the hook (it takes a huge count, `MARK`), and the hook grants no credit after it, so the
//!   block after it comes to the hook too. Credits also end where the core's quantum does.
//! - An engine without the patch (a plain `cargo build` links the bundled one) refuses the
//!   control code; the board then counts in the hook, as before, only slower.

use std::ptr::NonNull;

use unicorn_engine::Unicorn;
use unicorn_engine_sys as sys;

use super::multicore::CORES;

/// The counter in each engine's CPU state, laid out as the engine patch declares it
/// (`CPUState.db410c_count`).
#[repr(C)]
struct EngineCounter {
    /// Instructions that may still run without the block hook.
    credit: i64,
    /// The last block counted inline: its address,
    block_address: u64,
    /// and its size in bytes.
    block_size: u32,
}

/// The longest inline stretch after the hook followed a cycle; each stretch after it may be
/// twice as long as the one before (see the design notes).
pub(crate) const FIRST_CREDIT: u64 = 64;

/// What a block holding WFE, SEV or SEVL takes from the credit instead of its count, so that
/// it always finds the credit short and comes to the hook (engine patch item 8).
const MARK: i64 = 1 << 62;
/// The largest credit granted (far below `MARK`, and more than any bound reaches in practice:
/// a poll comes every 65,536 instructions).
const MAX_CREDIT: u64 = 1 << 40;

/// `UC_CTL_READ(0x7d00, 1)`: turn inline counting on and get the counter's address (engine
/// patch item 8). Control word: type | arguments << 26 | read (2) << 30.
const CONTROL_INLINE_COUNT: u32 = 0x7d00 | (1 << 26) | (2 << 30);

/// The board's side of the inline count, one counter per core.
#[derive(Default)]
pub struct InlineCount {
    /// Each core's engine counter; `None`: that engine counts through the hook only.
    counters: [Option<NonNull<EngineCounter>>; CORES],
    /// The credit each counter held when the board last looked.
    granted: [i64; CORES],
}

/// What the engine of a core counted since the board last looked.
pub struct Counted {
    /// Instructions in the blocks counted inline.
    pub instructions: u64,
    /// The last of those blocks: (address, size in bytes).
    pub last_block: (u64, u32),
}

impl InlineCount {
    /// Turns inline counting on in `uc`, the engine of `core`. An engine without the patch
    /// keeps counting through the hook.
    pub fn attach(&mut self, uc: &mut Unicorn<'static, ()>, core: usize) {
        let mut counter: *mut EngineCounter = std::ptr::null_mut();
        // SAFETY: the engine handle is live. With the patch the control reads one argument,
        // a pointer to a pointer, and writes the counter's address through it; without it
        // the control is unknown and returns an error without reading anything.
        let answer = unsafe {
            sys::uc_ctl(
                uc.get_handle(),
                sys::ControlType(CONTROL_INLINE_COUNT),
                &raw mut counter,
            )
        };
        self.counters[core] = if answer == sys::uc_error::OK {
            NonNull::new(counter)
        } else {
            None
        };
        self.granted[core] = 0;
    }

    /// `core`'s engine is gone (the core was turned off, or the board restarts).
    pub fn detach(&mut self, core: usize) {
        self.counters[core] = None;
        self.granted[core] = 0;
    }

    /// What `core`'s engine counted since the last call.
    pub fn take(&mut self, core: usize) -> Option<Counted> {
        let counter = self.counters[core]?;
        // SAFETY: `attach`/`detach` keep the pointer to a live engine's counter; the engine
        // is not running generated code while the board runs (it calls the board, or has
        // returned), so nothing writes the counter during these reads.
        let (left, block_address, block_size) = unsafe {
            let c = counter.as_ptr();
            (
                (&raw const (*c).credit).read_volatile(),
                (&raw const (*c).block_address).read_volatile(),
                (&raw const (*c).block_size).read_volatile(),
            )
        };
        let used = self.granted[core] - left;
        self.granted[core] = left;
        (used > 0).then_some(Counted {
            instructions: used.unsigned_abs(),
            last_block: (block_address, block_size),
        })
    }

    /// The block the hook is called for had taken its `instructions` from the credit before
    /// it found the credit short, or [`MARK`] if it holds WFE, SEV or SEVL: put back what it
    /// took (before `take`). Returns whether it was such a block.
    pub fn give_back(&mut self, core: usize, instructions: u64) -> bool {
        let Some(counter) = self.counters[core] else {
            return false;
        };
        // SAFETY: as in `take`.
        unsafe {
            let credit = &raw mut (*counter.as_ptr()).credit;
            let left = credit.read_volatile();
            // Credits stay below `MAX_CREDIT`, far from `MARK`.
            let marked = left < -(MARK / 2);
            credit.write_volatile(left + if marked { MARK } else { instructions as i64 });
            marked
        }
    }

    /// What is left of `core`'s credit (take the count first).
    pub fn left(&self, core: usize) -> u64 {
        self.granted[core].max(0).unsigned_abs()
    }

    /// Lets `core`'s engine count `credit` more instructions inline (0: none; the hook sees
    /// every block). Take the count first (`take`): what it holds is replaced.
    pub fn grant(&mut self, core: usize, credit: u64) {
        let credit = credit.min(MAX_CREDIT) as i64;
        if let Some(counter) = self.counters[core] {
            // SAFETY: as in `take`.
            unsafe { (&raw mut (*counter.as_ptr()).credit).write_volatile(credit) };
            self.granted[core] = credit;
        }
    }
}

impl super::State {
    /// Takes what the running core's engine counted inline into the board's count and
    /// clock: after it, `now`, `instructions`, `quantum_used` and `block` are as if the hook
    /// had counted every block.
    #[inline]
    pub(crate) fn settle(&mut self) {
        if let Some(counted) = self.count.take(self.core) {
            self.instructions += counted.instructions;
            self.now += counted.instructions;
            self.quantum_used += counted.instructions;
            self.block = counted.last_block;
            // The watch did not see those blocks (see the design notes).
            self.blocks_seen_in_a_row = 0;
        }
    }

    /// Takes the count and withdraws the running core's credit: something the block hook
    /// tests may have changed, so the next block goes through the hook.
    #[inline]
    pub(crate) fn withdraw_credit(&mut self) {
        self.settle();
        self.count.grant(self.core, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::cpu::{Dram, new_engine};
    use crate::loader::DRAM_BASE;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// The patched engine counts blocks inline while the credit lasts, records the last one,
    /// and calls the block hook for each block that finds the credit short, after taking the
    /// block's count from it (which is why the board's hook gives it back first).
    #[test]
    fn the_engine_counts_inline_until_the_credit_is_short() {
        let dram = Dram::new().unwrap();
        let mut uc = new_engine(&dram).unwrap();
        let start = DRAM_BASE + 0x8_0000;
        let code: [u32; 4] = [
            0xD280_0C80, // movz x0, #100
            0xF100_0400, // loop: subs x0, x0, #1
            0x54FF_FFE1, // b.ne loop
            0x1400_0000, // b .       (the run stops here, before it)
        ];
        let bytes: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
        uc.mem_write(start, &bytes).unwrap();
        let calls = Rc::new(RefCell::new(Vec::new()));
        let seen = calls.clone();
        uc.add_block_hook(1, 0, move |_, addr, size| {
            seen.borrow_mut().push((addr, size))
        })
        .unwrap();
        let mut count = InlineCount::default();
        count.attach(&mut uc, 0);
        assert!(
            count.counters[0].is_some(),
            "the engine patch is not applied"
        );
        // [movz, subs, b.ne] takes 3, then [subs, b.ne] 24 times 2: exactly 51.
        count.grant(0, 51);
        uc.emu_start(start, start + 12, 0, 0).unwrap();
        // The other 75 runs of the loop block found the credit short and called the hook.
        let calls = calls.borrow();
        assert_eq!(calls.len(), 75);
        assert!(calls.iter().all(|&call| call == (start + 4, 8)));
        // Every block took its count: 3 + 99 x 2 = 201 since the grant.
        let counted = count.take(0).unwrap();
        assert_eq!(counted.instructions, 201);
        assert_eq!(counted.last_block, (start + 4, 8));
        assert!(count.take(0).is_none(), "taken twice");
    }
}
