//! Four cores: one engine per core, scheduled round robin on one host thread.
//!
//! Design notes:
//! - Engines: core 0's engine exists from reset; the engine of core 1..3 is created when the
//!   secure firmware model accepted a PSCI CPU_ON for it (the caller stops at its next block
//!   so the run loop can start it; the caller then goes on with its turn) and dropped at CPU_OFF. Every engine maps the same host
//!   buffer as DRAM (`cpu::Dram`), has the same MMIO windows and hooks onto the one shared
//!   `State`, whose `core` says which core runs; the GIC sees that core as the accessing one
//!   (banked SGIs/PPIs, CPU interface, SGI source). MPIDR_EL1 reads 0x8000_0000 | core
//!   (VMPIDR_EL2 of each engine).
//! - Scheduling: while more than one core is on (`State::multicore`), a core runs for a
//!   quantum of `QUANTUM` instructions (counted per translated block, so a turn may end up
//!   to one block later), then the next core that can run takes over, in the fixed order
//!   0, 1, 2, 3, 0, ... Nothing depends on host time, so the same firmware gives the same
//!   interleaving, output and instruction counts on every run. With one core on, nothing
//!   of this runs: the single-core board behaves exactly as before.
//! - Time: one virtual counter for the board. It advances by one tick per instruction of
//!   whichever core runs (the cores take turns, they do not overlap in virtual time), and
//!   every core reads the same CNTPCT/CNTVCT. `--stats` counts all cores' instructions.
//! - Waiting: a WFI parks the core until its GIC output signals an interrupt or its timer's
//!   condition is met. A WFE parks the core until an event: SEV/SEVL by a core (checked
//!   in the code of each finished block, read from the DRAM buffer: blocks outside DRAM, or
//!   code reached through a non-identity mapping, are not checked) or an interrupt signalled
//!   to it; a WFE whose event register is already set clears it and goes on. The generic
//!   timer event stream is not modelled. When every core that is on waits, virtual time runs
//!   to the first timed event that wakes one of them, as a single core's WFI does.
//! - Limits of the engine: exclusive monitors compare values, so a store of the same value
//!   by another core between LDXR and STXR (A-B-A) does not make the STXR fail, unlike
//!   hardware.
//! - Code: an engine does not see code another engine wrote (it keeps what it translated).
//!   Once more than one core is on, every engine has a SYS-instruction hook: IC IVAU on one
//!   core makes every other core drop its translated code of the physical page the address
//!   maps to, IC IALLU / IC IALLUIS that of the pages cleaned in the data cache by VA since
//!   the previous one (or all of it), before its next turn (`code_invalidation`; so code
//!   written and then made visible the architectural way, by DC CVAU + IC IVAU or IC
//!   IALLUIS, runs new on every core). Adding the hook to core 0's engine drops its
//!   translated code once (hooks only reach code translated after them).
//! - TLBs: each engine has its own. A TLBI of an Inner Shareable form on one core makes
//!   every other core drop its whole TLB before its next turn (the same SYS-instruction hook).
//! - Timers: each core has its own CNTP/CNTV registers and timer PPIs 19/20 (banked in the
//!   GIC); all read the one counter.

use unicorn_engine::Unicorn;

use super::State;
use super::cpu::Dram;

/// Instructions per turn while more than one core is on.
pub const QUANTUM: u64 = 10_000;
/// Number of cores.
pub const CORES: usize = crate::models::secure_monitor::CORES;

/// WFE instruction word.
const WFE: u32 = 0xD503_205F;
/// SEV instruction word.
const SEV: u32 = 0xD503_209F;
/// SEVL instruction word.
const SEVL: u32 = 0xD503_20BF;

/// What a parked core waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// WFI: an interrupt.
    Interrupt,
    /// WFE: an event or an interrupt.
    Event,
}

/// One core in the run loop.
pub struct Core {
    /// Its engine while it is on.
    pub uc: Option<Unicorn<'static, ()>>,
    /// Where it goes on.
    pub pc: u64,
    /// Parked in WFI or WFE.
    pub wait: Option<Wait>,
    /// Its engine has the cache-maintenance hook (`hooks::add_cache_maintenance_hook`).
    pub watches_cache_maintenance: bool,
}

/// Look at the last block the running core finished (`st.block`): SEV/SEVL set event
/// registers; returns whether it ended in WFE. Each block is looked at once (its size is
/// cleared), so a block stopped at and re-entered does not count twice.
fn finish_block(st: &mut State, dram: &Dram) -> bool {
    let (addr, size) = st.block;
    if size == 0 {
        return false;
    }
    st.block.1 = 0;
    let mut last = 0;
    for k in 0..u64::from(size / 4) {
        let Some(word) = dram.word(addr + 4 * k) else {
            return false;
        };
        match word {
            SEV => st.events = [true; CORES],
            SEVL => st.events[st.core] = true,
            _ => {}
        }
        last = word;
    }
    last == WFE
}

/// Block hook, before a block of the running core while more than one core is on: returns
/// true when the engine must stop before the block (it is not counted): the previous block
/// ended in a WFE with no event pending (`st.park_wfe`), or the quantum is used up
/// (`st.switch`).
pub fn before_block(st: &mut State) -> bool {
    let dram = st.dram.clone();
    if finish_block(st, &dram) {
        let core = st.core;
        if !std::mem::take(&mut st.events[core]) {
            st.park_wfe = true;
            return true;
        }
    }
    if st.quantum_used >= QUANTUM {
        st.switch = true;
        return true;
    }
    false
}

/// The running core's turn ends: look at its last block (a SEV in the block that ended in
/// WFI counts).
pub fn end_turn(st: &mut State) {
    let dram = st.dram.clone();
    finish_block(st, &dram);
}

/// Whether `core`, waiting for `wait`, wakes now (an interrupt signalled to it, its timer's
/// condition met, or for WFE its event register set). Does not consume the event.
pub fn wakes(st: &State, core: usize, wait: Wait) -> bool {
    let interrupt = st.bus.devices.gic.gic.irq_output(core)
        || st.timers[core].next_wake().is_some_and(|t| t <= st.now);
    interrupt || wait == Wait::Event && st.events[core]
}

/// The next core to run after `current`, round robin (`current` itself last); a waiting core
/// that wakes is unparked (a WFE consumes its event).
pub fn next_core(cores: &mut [Core; CORES], st: &mut State, current: usize) -> Option<usize> {
    for step in 1..=CORES {
        let k = (current + step) % CORES;
        let core = &mut cores[k];
        if core.uc.is_none() {
            continue;
        }
        match core.wait {
            None => return Some(k),
            Some(wait) if wakes(st, k, wait) => {
                if wait == Wait::Event {
                    st.events[k] = false;
                }
                core.wait = None;
                return Some(k);
            }
            Some(_) => {}
        }
    }
    None
}
