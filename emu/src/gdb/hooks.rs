//! The debugger's engine hooks and what they share with the board (`State::gdb`):
//! breakpoints (a code hook on one address), the tracer (a code hook on every address,
//! present only while a core single-steps or a watchpoint is set), watchpoints (memory hooks
//! on the physical range) and the accounting that keeps instruction counts exact when the
//! engine stops inside a translated block.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use unicorn_engine::{HookType, MemType, UcHookId, Unicorn};

use crate::board::{CORES, Shared, State};

/// What a watchpoint stops on (GDB's Z2 / Z3 / Z4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchKind {
    /// Writes.
    Write,
    /// Reads.
    Read,
    /// Reads and writes.
    Access,
}

/// A watchpoint as GDB set it, with the physical range the hooks watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watch {
    /// Address as GDB gave it (virtual, as the CPU sees it).
    pub addr: u64,
    /// Physical address of `addr` when it was set (the hooks see physical addresses).
    pub physical: u64,
    /// Length in bytes.
    pub len: u64,
    /// Reads, writes or both.
    pub kind: WatchKind,
}

/// Why the running core stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// A breakpoint (`hardware` if GDB set it as one).
    Breakpoint {
        /// Set with Z1 rather than Z0.
        hardware: bool,
    },
    /// The single step finished.
    Step,
    /// A watched access completed (the core stops before the next instruction).
    Watch {
        /// The watchpoint's address and kind as GDB set it.
        addr: u64,
        /// Read or write.
        kind: WatchKind,
    },
}

/// The engine stopped inside a translated block whose instructions were all counted when it
/// started (`board::hooks`, block hook): when the core goes on at `pc`, the engine starts a
/// new block there, which must not be counted again (nor re-run the block hook's checks,
/// which the undebugged run made only once, at the original block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Continuation {
    /// The core.
    pub core: usize,
    /// Where it goes on.
    pub pc: u64,
    /// End of the instructions already counted.
    pub counted_end: u64,
}

/// Hooks installed in one core's engine.
#[derive(Default)]
pub struct Installed {
    /// The engine they are in (`uc_engine` handle), so a core's new engine starts empty.
    pub engine: usize,
    /// Breakpoint hooks by address.
    pub breakpoints: BTreeMap<u64, UcHookId>,
    /// Watchpoint hooks.
    pub watches: Vec<(Watch, UcHookId)>,
    /// The tracer hook.
    pub tracer: Option<UcHookId>,
}

/// A single step of `core` under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// The core stepping.
    pub core: usize,
    /// Its first instruction ran (the tracer stops before the second).
    pub started: bool,
}

/// The debugger's state on the board (`State::gdb`).
#[derive(Default)]
pub struct Debug {
    /// Breakpoints: address -> set as a hardware breakpoint.
    pub breakpoints: BTreeMap<u64, bool>,
    /// Watchpoints.
    pub watches: Vec<Watch>,
    /// Why the running core stopped (set by a hook, taken at the run loop's checkpoint).
    pub stop: Option<(usize, Stop)>,
    /// A single step under way.
    pub step: Option<Step>,
    /// A watched access by this core in its current instruction.
    pub watch_hit: Option<(usize, Watch, WatchKind)>,
    /// See [`Continuation`].
    pub continuation: Option<Continuation>,
    /// Hooks per core.
    pub installed: [Installed; CORES],
}

/// First thing in the block hook: true if this block is the rest of a block already
/// counted (the hook does nothing more). A block elsewhere (an interrupt taken on the way,
/// a PC written by the debugger) gives back the count of the instructions that never ran.
pub fn continues_counted_block(st: &mut State, addr: u64, size: u32) -> bool {
    let core = st.core;
    let Some(debug) = st.gdb.as_mut() else {
        return false;
    };
    let Some(c) = debug.continuation.take() else {
        return false;
    };
    let end = addr + u64::from(size);
    if c.core == core && c.pc == addr && end <= c.counted_end {
        if end < c.counted_end {
            debug.continuation = Some(Continuation { pc: end, ..c });
        }
        return true;
    }
    let never_ran = c.counted_end.saturating_sub(c.pc) / 4;
    st.instructions -= never_ran;
    st.now -= never_ran;
    st.quantum_used = st.quantum_used.saturating_sub(never_ran);
    false
}

/// Record a stop of the running core before the instruction at `pc`, and what of its block
/// was counted but has not run.
fn stop_here(st: &mut State, pc: u64, stop: Stop) {
    let core = st.core;
    let block_end = st.block.0 + u64::from(st.block.1);
    let Some(debug) = st.gdb.as_mut() else {
        return;
    };
    let counted_end = debug.continuation.map_or(block_end, |c| c.counted_end);
    debug.continuation = (pc < counted_end).then_some(Continuation {
        core,
        pc,
        counted_end,
    });
    debug.stop = Some((core, stop));
}

/// A breakpoint at `addr` in `uc`: the core stops before the instruction runs (unicorn checks
/// for a stop request right after a code hook).
pub fn add_breakpoint(
    uc: &mut Unicorn<'static, ()>,
    state: &Shared,
    addr: u64,
    hardware: bool,
) -> Result<UcHookId, String> {
    let s = state.clone();
    uc.add_code_hook(addr, addr, move |uc, pc, _| {
        let Ok(mut st) = s.try_borrow_mut() else {
            return;
        };
        stop_here(&mut st, pc, Stop::Breakpoint { hardware });
        drop(st);
        let _ = uc.emu_stop();
    })
    .map_err(|e| format!("unicorn: {e:?}"))
}

/// The tracer: a hook before every instruction, which ends a single step after one
/// instruction and stops a core right after a watched access.
pub fn add_tracer(uc: &mut Unicorn<'static, ()>, state: &Shared) -> Result<UcHookId, String> {
    let s = state.clone();
    uc.add_code_hook(1, 0, move |uc, pc, _| {
        let Ok(mut st) = s.try_borrow_mut() else {
            return;
        };
        let core = st.core;
        let Some(debug) = st.gdb.as_mut() else {
            return;
        };
        let stop = if let Some((hit_core, watch, kind)) = debug.watch_hit
            && hit_core == core
        {
            debug.watch_hit = None;
            Stop::Watch {
                addr: watch.addr,
                kind,
            }
        } else if let Some(step) = debug.step.as_mut()
            && step.core == core
        {
            if !step.started {
                step.started = true;
                return;
            }
            debug.step = None;
            Stop::Step
        } else {
            return;
        };
        stop_here(&mut st, pc, stop);
        drop(st);
        let _ = uc.emu_stop();
    })
    .map_err(|e| format!("unicorn: {e:?}"))
}

/// Longest single access an instruction makes (a 128-bit pair of registers is two).
const WIDEST_ACCESS: u64 = 16;

/// A watchpoint in `uc`: memory hooks on its physical range (RAM and MMIO alike); an access
/// overlapping it is noted for the tracer, which stops the core before its next instruction.
pub fn add_watch(
    uc: &mut Unicorn<'static, ()>,
    state: &Shared,
    watch: Watch,
) -> Result<UcHookId, String> {
    let types = match watch.kind {
        WatchKind::Write => HookType::MEM_WRITE,
        WatchKind::Read => HookType::MEM_READ,
        WatchKind::Access => HookType::MEM_READ | HookType::MEM_WRITE,
    };
    let s = state.clone();
    let begin = watch.physical.saturating_sub(WIDEST_ACCESS - 1);
    let end = watch.physical + watch.len.max(1) - 1;
    uc.add_mem_hook(types, begin, end, move |_uc, kind, addr, size, _value| {
        let overlaps = addr < watch.physical + watch.len && addr + size as u64 > watch.physical;
        if !overlaps {
            return true;
        }
        let Ok(mut st) = s.try_borrow_mut() else {
            return true;
        };
        let core = st.core;
        if let Some(debug) = st.gdb.as_mut()
            && debug.watch_hit.is_none()
        {
            let kind = if kind == MemType::WRITE {
                WatchKind::Write
            } else {
                WatchKind::Read
            };
            debug.watch_hit = Some((core, watch, kind));
        }
        true
    })
    .map_err(|e| format!("unicorn: {e:?}"))
}

/// Make the hooks in `uc` (core `core`) match the breakpoints, watchpoints and step wanted;
/// returns whether anything changed (the engine must then drop its translated code, which
/// was made without the new hooks).
pub fn sync(uc: &mut Unicorn<'static, ()>, state: &Shared, core: usize) -> Result<bool, String> {
    let mut st = state.borrow_mut();
    let Some(debug) = st.gdb.as_mut() else {
        return Ok(false);
    };
    let mut installed = std::mem::take(&mut debug.installed[core]);
    let wanted_breakpoints = debug.breakpoints.clone();
    let wanted_watches = debug.watches.clone();
    let tracer_wanted =
        !wanted_watches.is_empty() || debug.step.is_some_and(|step| step.core == core);
    drop(st);
    let handle = uc.get_handle() as usize;
    if installed.engine != handle {
        // A new engine for this core: none of the old hooks are in it.
        installed = Installed {
            engine: handle,
            ..Installed::default()
        };
    }
    let fail = |e| format!("unicorn: {e:?}");
    let mut changed = false;
    let stale: Vec<u64> = installed
        .breakpoints
        .keys()
        .filter(|a| !wanted_breakpoints.contains_key(a))
        .copied()
        .collect();
    for addr in stale {
        if let Some(hook) = installed.breakpoints.remove(&addr) {
            uc.remove_hook(hook).map_err(fail)?;
            changed = true;
        }
    }
    for (&addr, &hardware) in &wanted_breakpoints {
        if let Entry::Vacant(slot) = installed.breakpoints.entry(addr) {
            slot.insert(add_breakpoint(uc, state, addr, hardware)?);
            changed = true;
        }
    }
    let mut kept = Vec::new();
    for (watch, hook) in installed.watches.drain(..) {
        if wanted_watches.contains(&watch) {
            kept.push((watch, hook));
        } else {
            uc.remove_hook(hook).map_err(fail)?;
            changed = true;
        }
    }
    for watch in wanted_watches {
        if !kept.iter().any(|(w, _)| *w == watch) {
            let hook = add_watch(uc, state, watch)?;
            kept.push((watch, hook));
            changed = true;
        }
    }
    installed.watches = kept;
    match (installed.tracer, tracer_wanted) {
        (None, true) => {
            installed.tracer = Some(add_tracer(uc, state)?);
            changed = true;
        }
        (Some(hook), false) => {
            uc.remove_hook(hook).map_err(fail)?;
            installed.tracer = None;
            changed = true;
        }
        _ => {}
    }
    if let Some(debug) = state.borrow_mut().gdb.as_mut() {
        debug.installed[core] = installed;
    }
    Ok(changed)
}
