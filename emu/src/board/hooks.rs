//! The engine hooks: the block hook (virtual time, budget, poll), unmapped accesses,
//! exceptions, and the MRS/MSR trap for the generic timer; the MMIO windows are in `mmio`.

use std::cell::RefCell;
use std::ffi::c_void;
use std::rc::Rc;

use unicorn_engine::{HookType, MemType, Prot, RegisterARM64, RegisterARM64CP, Unicorn};
use unicorn_engine_sys as sys;

use crate::models::timer::TimerReg;

use super::exceptions::{PSTATE_IL, on_interrupt, spsr_return_is_illegal};
use super::{
    Outcome, POLL_TICKS, Shared, State, code_invalidation, count, fail, interrupts, multicore,
    progress,
};

/// Install every hook in `uc`, the engine of `core`, and let it count inline (`count`) unless
/// the configuration says otherwise. `windows` are the (base, size) MMIO windows of the bus.
///
/// The MRS/MSR hooks get a raw pointer to `state`; the caller keeps `state` alive as long as
/// the engine (the other hooks hold clones of it too).
pub fn install(
    uc: &mut Unicorn<'static, ()>,
    state: &Shared,
    windows: &[(u64, u64)],
    core: usize,
) -> Result<(), String> {
    for &(base, size) in windows {
        super::mmio::map(uc, state, base, size)?;
    }
    add_block_hook(uc, state)?;
    add_unmapped_hook(uc, state)?;
    add_interrupt_hook(uc, state)?;
    add_system_register_hooks(uc, state)?;
    let mut st = state.borrow_mut();
    if st.inline_count {
        st.count.attach(uc, core);
    } else {
        st.count.detach(core);
    }
    Ok(())
}

/// Virtual time: one tick per instruction, counted per translated block when the block
/// starts. Before a block that would reach the next timed event or the next poll, the engine
/// stops without counting it (a block stopped at does not run; it is counted when it runs
/// after the events). Also stops when the budget is spent.
///
/// Registered through unicorn-engine-sys with a C-ABI callback (`block_hook`) rather than the
/// Rust binding's closure: it runs before every translated block, and the binding's
/// trampoline (a weak reference upgraded and a `Unicorn` built per call) was a large part of
/// the cost of short blocks.
fn add_block_hook(uc: &mut Unicorn<'static, ()>, state: &Shared) -> Result<(), String> {
    let user = Rc::as_ptr(state) as *mut c_void;
    let mut hh: sys::uc_hook = 0;
    let cb = block_hook as unsafe extern "C" fn(_, _, _, _);
    // SAFETY: the engine handle is live; `cb` has the C signature `uc_cb_hookcode_t`
    // expects; `user` stays valid while `state` lives, which the caller guarantees for the
    // engine's lifetime (see `install`). Begin 1 > end 0: every block.
    let e = unsafe {
        sys::uc_hook_add(
            uc.get_handle(),
            &raw mut hh,
            HookType::BLOCK.0 as i32,
            cb as *mut c_void,
            user,
            1,
            0,
        )
    };
    Result::<(), _>::from(e).map_err(fail)
}

/// The engine that calls a C-ABI hook, for the duration of the call.
#[derive(Clone, Copy)]
struct Engine(*mut sys::uc_engine);

impl Engine {
    /// # Safety
    /// `uc` is a live engine, and the value is used only while it is (inside its hook).
    unsafe fn new(uc: *mut sys::uc_engine) -> Self {
        Self(uc)
    }

    /// A 64-bit register (0 if it cannot be read).
    fn register(self, reg: RegisterARM64) -> u64 {
        let mut value = 0u64;
        // SAFETY: the engine is live (`new`); `value` is a valid u64 to write.
        unsafe { sys::uc_reg_read(self.0, reg as i32, (&raw mut value).cast()) };
        value
    }

    fn set_pc(self, pc: u64) {
        // SAFETY: the engine is live (`new`); `pc` is a valid u64 to read.
        unsafe { sys::uc_reg_write(self.0, RegisterARM64::PC as i32, (&raw const pc).cast()) };
    }

    /// Stops the engine at the next block.
    fn stop(self) {
        // SAFETY: the engine is live (`new`).
        unsafe { sys::uc_emu_stop(self.0) };
    }

    /// Reads `bytes.len()` bytes of code at virtual address `addr`.
    fn read_code(self, addr: u64, bytes: &mut [u8]) -> bool {
        // SAFETY: the engine is live (`new`); `bytes` has room for `bytes.len()` bytes.
        let read = unsafe {
            sys::uc_vmem_read(
                self.0,
                addr,
                Prot::EXEC,
                bytes.as_mut_ptr().cast(),
                bytes.len(),
            )
        };
        Result::<(), _>::from(read).is_ok()
    }
}

/// The block hook (see `add_block_hook`). With inline counting (`count`) it runs only for
/// blocks that found the credit short, which then took their count from it already.
unsafe extern "C" fn block_hook(
    uc: *mut sys::uc_engine,
    addr: u64,
    size: u32,
    user_data: *mut c_void,
) {
    // SAFETY: user_data is `Rc::as_ptr` of the shared state, alive while emulating.
    let state = unsafe { &*(user_data as *const RefCell<State>) };
    // SAFETY: `uc` is the live engine calling the block hook; `engine` does not outlive the
    // call.
    let engine = unsafe { Engine::new(uc) };
    let mut st = state.borrow_mut();
    let core = st.core;
    let marked = st.count.give_back(core, u64::from(size / 4));
    st.withdraw_credit();
    if counted_plainly(&mut st, addr, size) {
        let credit = credit(&mut st);
        st.count.grant(core, credit);
        return;
    }
    // gdb: the rest of a block counted before the debugger stopped inside it.
    if st.gdb.is_some() && crate::gdb::hooks::continues_counted_block(&mut st, addr, size) {
        return;
    }
    if st.watch_illegal_return && engine.register(RegisterARM64::PSTATE) & PSTATE_IL != 0 {
        // The block does not run: the run loop takes the Illegal Execution State
        // exception with the PC at its start.
        st.illegal_state = true;
        drop(st);
        engine.stop();
        return;
    }
    if std::mem::take(&mut st.yield_core) {
        // A PSCI call changed which cores run: the run loop schedules before this block
        // (not counted).
        drop(st);
        engine.stop();
        return;
    }
    if st.multicore && multicore::before_block(&mut st) {
        drop(st);
        engine.stop();
        return;
    }
    if st.irq_recheck || st.now >= st.timer_deadline {
        let recheck = std::mem::take(&mut st.irq_recheck);
        if st.now >= st.timer_deadline {
            interrupts::update_timer_lines(&mut st);
        }
        // SAFETY: `uc` is the engine running this hook.
        let rose = unsafe { interrupts::drive_cpu(uc, &mut st) };
        if st.irq_line[st.core] && (rose || recheck) {
            // Leave the chain before this block runs (it is not counted): the engine
            // takes the IRQ with ELR = this block if PSTATE.I allows.
            drop(st);
            engine.set_pc(addr);
            return;
        }
    }
    let n = u64::from(size / 4);
    let end = st.now + n;
    let event_due = st.bus.scheduler.next_due().is_some_and(|t| t <= end);
    if end >= st.next_poll || event_due {
        st.horizon = Some(end);
        if end >= st.next_poll {
            st.next_poll = end + POLL_TICKS;
            st.poll = true;
        }
        drop(st);
        engine.stop();
        return;
    }
    let previous = enter_block(&mut st, addr, size);
    if !st.multicore
        && let Some(blocks) = st.progress.on_block(previous, (addr, size))
        && let Some(outcome) = endless_loop(engine, &st, &blocks)
    {
        st.stop = Some(outcome);
        drop(st);
        engine.stop();
        return;
    }
    if st.trace_pcs.contains(&addr) {
        // The tick at which the block's first instruction runs: every instruction before
        // it is counted.
        let core = st.core;
        let mut line = format!("t={} pc {addr:#x}", st.now);
        if core != 0 {
            line.push_str(&format!(" (core {core})"));
        }
        st.bus.effects.messages.push(line);
    }
    st.instructions += n;
    st.now = end;
    st.quantum_used += n;
    if let Some(coverage) = &mut st.coverage {
        coverage.record(addr, size);
    }
    if st.instructions > st.budget {
        let budget = st.budget;
        st.instructions = budget;
        st.stop = Some(Outcome::Budget {
            budget,
            pc: engine.register(RegisterARM64::PC),
        });
        drop(st);
        engine.stop();
        return;
    }
    // Several cores: the next block must come here when this one holds WFE, SEV or SEVL
    // (`multicore::before_block` looks at it then).
    if st.multicore && !marked {
        let credit = credit(&mut st);
        st.count.grant(core, credit);
    }
}

/// The block hook's common case (blocks that find the inline credit short mostly end a
/// stretch and only need counting): when nothing but counting is to be done for this block
/// (no debugger, no pending exception, core switch or interrupt, no timer, event, poll or
/// budget reached by its end, no trace or coverage), do what the rest of `block_hook` would
/// do and return true. Anything else returns false before changing anything, and
/// `block_hook` takes its full path.
#[inline(always)]
fn counted_plainly(st: &mut State, addr: u64, size: u32) -> bool {
    let n = u64::from(size / 4);
    let end = st.now + n;
    if !only_counting_due(st, addr, size) {
        return false;
    }
    let previous = enter_block(st, addr, size);
    let cycle = st.progress.on_block(previous, (addr, size));
    debug_assert!(cycle.is_none());
    st.instructions += n;
    st.now = end;
    st.quantum_used += n;
    true
}

/// The hook sees the block at `addr` begin: it becomes the current block; returns the one
/// before it (for the endless-loop watch).
fn enter_block(st: &mut State, addr: u64, size: u32) -> (u64, u32) {
    st.blocks_seen_in_a_row = st.blocks_seen_in_a_row.saturating_add(1);
    std::mem::replace(&mut st.block, (addr, size))
}

/// Whether the block at `addr` needs nothing but counting (the tests of `counted_plainly`).
#[inline(always)]
fn only_counting_due(st: &State, addr: u64, size: u32) -> bool {
    let n = u64::from(size / 4);
    let end = st.now + n;
    st.gdb.is_none()
        && !st.watch_illegal_return
        && !st.yield_core
        && !st.multicore
        && !st.irq_recheck
        && st.now < st.timer_deadline
        && end < st.next_poll
        && st.bus.scheduler.next_due().is_none_or(|t| t > end)
        && st.trace_pcs.is_empty()
        && st.coverage.is_none()
        && st.instructions + n <= st.budget
        && !st.progress.completes_a_cycle(st.block, (addr, size))
}

/// After `counted_plainly` counted a block: the credit the engine may count inline (`count`)
/// before a block needs the hook again (0: none). It is what `plain_until` allows, except
/// for the watch for endless loops (see `count`'s design notes): it needs to see two blocks
/// in a row after each inline stretch, all blocks of a cycle until it is examined, and the
/// stretches start short after a cycle and double from there.
fn credit(st: &mut State) -> u64 {
    // The watch only runs with one core on.
    if !st.multicore {
        if st.progress.following_a_cycle() {
            st.credit_limit = count::FIRST_CREDIT;
            return 0;
        }
        if st.blocks_seen_in_a_row < 2 {
            return 0;
        }
    }
    if !st.inline_count {
        return 0;
    }
    let credit = plain_until(st)
        .saturating_sub(st.now + 1)
        .min(st.credit_limit);
    st.credit_limit = st.credit_limit.saturating_mul(2);
    credit
}

/// After the hook counted a block (or an MMIO access, `mmio::credit_after_access`): the tick
/// before which the next blocks can be counted inline (0: none can). Until a hook or the run loop changes the state (they
/// withdraw the credit), only blocks counted inline change it, and they change `now`,
/// `instructions` and `quantum_used` by the same amount, so each test of `counted_plainly`
/// on a later block comes down to its end being below one bound:
/// - the flags, trace and coverage tests stay as they are now;
/// - `now < timer_deadline`: the block's end below the deadline (stricter);
/// - end below the next poll and the next event;
/// - `instructions + n <= budget`: end at most `budget - instructions + now` (constant).
///
/// With several cores on, the full path counted the block, and a block must also start
/// before the core's quantum is used up (`multicore::before_block`): at most `QUANTUM -
/// quantum_used` more instructions, so every block that starts later comes to the hook.
pub(super) fn plain_until(st: &State) -> u64 {
    let flags_clear = st.gdb.is_none()
        && !st.watch_illegal_return
        && !st.yield_core
        && !st.irq_recheck
        && st.trace_pcs.is_empty()
        && st.coverage.is_none();
    let Some(budget_end) = st
        .budget
        .checked_sub(st.instructions)
        .and_then(|left| left.checked_add(st.now))
    else {
        return 0;
    };
    if !flags_clear {
        return 0;
    }
    st.timer_deadline
        .min(st.next_poll)
        .min(st.bus.scheduler.next_due().unwrap_or(u64::MAX))
        .min(budget_end.saturating_add(1))
        .min(if st.multicore {
            st.now + multicore::QUANTUM.saturating_sub(st.quantum_used) + 1
        } else {
            u64::MAX
        })
}

/// A cycle of `blocks` repeated many times: "no progress" if none of its instructions can
/// change anything and no interrupt can end it (see `progress`).
fn endless_loop(engine: Engine, st: &State, blocks: &[(u64, u32)]) -> Option<Outcome> {
    let mut code = Vec::new();
    for &(addr, size) in blocks {
        let mut bytes = vec![0u8; size as usize];
        if !engine.read_code(addr, &mut bytes) {
            return None;
        }
        code.extend(
            bytes
                .chunks_exact(4)
                .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])),
        );
    }
    if code.is_empty() || !code.iter().all(|&insn| progress::changes_nothing(insn)) {
        return None;
    }
    let pstate = engine.register(RegisterARM64::PSTATE);
    let irq_and_fiq_masked = pstate & PSTATE_I_AND_F == PSTATE_I_AND_F;
    let why = if irq_and_fiq_masked {
        "IRQ and FIQ are masked"
    } else if st.timers[0].next_wake().is_none() && !st.bus.devices.gic.gic.could_signal(0) {
        "no timer is armed and no interrupt is enabled at the GIC"
    } else {
        return None;
    };
    let start = blocks.iter().map(|b| b.0).min().unwrap_or(0);
    Some(Outcome::NoProgress {
        what: format!(
            "endless loop at {start:#x} ({}) that changes nothing, and no interrupt can end it ({why})",
            progress::describe(&code)
        ),
        pc: engine.register(RegisterARM64::PC),
    })
}

/// PSTATE.I and PSTATE.F: IRQ and FIQ masked.
const PSTATE_I_AND_F: u64 = 0b11 << 6;

/// Accesses outside DRAM and the MMIO windows.
fn add_unmapped_hook(uc: &mut Unicorn<'static, ()>, state: &Shared) -> Result<(), String> {
    let s = state.clone();
    uc.add_mem_hook(
        HookType::MEM_READ_UNMAPPED | HookType::MEM_WRITE_UNMAPPED | HookType::MEM_FETCH_UNMAPPED,
        1,
        0,
        move |uc, kind, addr, size, _value| {
            let pc = uc.pc_read().unwrap_or(0);
            let outcome = match kind {
                MemType::FETCH_UNMAPPED => Outcome::Stopped {
                    what: format!("instruction fetch from unmapped address {addr:#x}"),
                    pc: addr,
                },
                k => Outcome::Unclaimed {
                    write: k == MemType::WRITE_UNMAPPED,
                    size,
                    addr,
                    pc,
                },
            };
            let mut st = s.borrow_mut();
            st.withdraw_credit();
            st.stop.get_or_insert(outcome);
            false
        },
    )
    .map_err(fail)?;
    Ok(())
}

/// Exceptions and SMC (see `exceptions`).
fn add_interrupt_hook(uc: &mut Unicorn<'static, ()>, state: &Shared) -> Result<(), String> {
    let s = state.clone();
    uc.add_intr_hook(move |uc, number| {
        s.borrow_mut().withdraw_credit();
        if let Err(outcome) = on_interrupt(uc, &s, number) {
            s.borrow_mut().stop.get_or_insert(outcome);
            let _ = uc.emu_stop();
        }
    })
    .map_err(fail)?;
    Ok(())
}

/// MRS/MSR of the CNT* registers, registered through unicorn-engine-sys (the Rust binding's
/// trampoline returns bool where C expects u32).
fn add_system_register_hooks(uc: &mut Unicorn<'static, ()>, state: &Shared) -> Result<(), String> {
    let user = Rc::as_ptr(state) as *mut c_void;
    for (insn, cb) in [
        (
            sys::Arm64Insn::UC_ARM64_INS_MRS,
            mrs_hook as unsafe extern "C" fn(_, _, _, _) -> u32,
        ),
        (sys::Arm64Insn::UC_ARM64_INS_MSR, msr_hook),
    ] {
        let mut hh: sys::uc_hook = 0;
        // SAFETY: the engine handle is live; `cb` has the C signature `uc_cb_insn_sys_t`
        // expects (u32 return); `user` stays valid while `state` lives, which the caller
        // guarantees for the engine's lifetime (see `install`). The variadic argument is the
        // instruction id as a C int.
        let e = unsafe {
            sys::uc_hook_add(
                uc.get_handle(),
                &raw mut hh,
                HookType::INSN.0 as i32,
                cb as *mut c_void,
                user,
                1,
                0,
                insn as i32,
            )
        };
        Result::<(), _>::from(e).map_err(fail)?;
    }
    Ok(())
}

/// Cache maintenance (SYS instructions) seen, while several cores run: IC IVAU by one core
/// makes every other core drop its translated code of the physical page the address maps
/// to, IC IALLU and IC IALLUIS that of the pages cleaned by DC since the previous one (or
/// all of it), before its next turn (`code_invalidation`), and a broadcast TLBI (Inner Shareable) makes every other core drop
/// its TLB (`multicore`). Added to an engine only once more than one core is on.
pub fn add_cache_maintenance_hook(
    uc: &mut Unicorn<'static, ()>,
    state: &Shared,
) -> Result<(), String> {
    let user = Rc::as_ptr(state) as *mut c_void;
    let mut hh: sys::uc_hook = 0;
    let cb = sys_hook as unsafe extern "C" fn(_, _, _, _) -> u32;
    // SAFETY: as in `add_system_register_hooks`: the live engine, the C signature
    // `uc_cb_insn_sys_t` expects, and `user` valid while `state` lives.
    let e = unsafe {
        sys::uc_hook_add(
            uc.get_handle(),
            &raw mut hh,
            HookType::INSN.0 as i32,
            cb as *mut c_void,
            user,
            1,
            0,
            sys::Arm64Insn::UC_ARM64_INS_SYS as i32,
        )
    };
    Result::<(), _>::from(e).map_err(fail)
}

/// SYS hook: note cache maintenance (`code_invalidation`) and broadcast TLB invalidation for
/// the other cores; the engine performs the instruction (return 0).
unsafe extern "C" fn sys_hook(
    uc: *mut sys::uc_engine,
    _reg: RegisterARM64,
    cp_reg: *const RegisterARM64CP,
    user_data: *mut c_void,
) -> u32 {
    // SAFETY: valid for the duration of the call (unicorn contract).
    let cpr = unsafe { &*cp_reg };
    // SAFETY: user_data is `Rc::as_ptr` of the shared state, alive while emulating.
    let state = unsafe { &*(user_data as *const RefCell<State>) };
    if let Some(maintenance) =
        code_invalidation::Maintenance::decode(cpr.op1, cpr.crn, cpr.crm, cpr.op2)
    {
        // SAFETY: `uc` is the live engine calling this hook.
        unsafe { code_invalidation::note(uc, state, maintenance, cpr.val) };
    }
    // TLBI, Inner Shareable forms (C8, CRm 3; IPAS2E1IS and IPAS2LE1IS at CRm 0): every
    // core of the cluster drops the entries; the engine only drops its own.
    if cpr.crn == 8
        && matches!(cpr.crm, 0 | 3)
        && let Ok(mut st) = state.try_borrow_mut()
    {
        let core = st.core;
        for (k, stale) in st.tlb_stale.iter_mut().enumerate() {
            *stale |= k != core;
        }
    }
    0
}

/// MRS hook: write the timer register into Xt.
unsafe extern "C" fn mrs_hook(
    uc: *mut sys::uc_engine,
    reg: RegisterARM64,
    cp_reg: *const RegisterARM64CP,
    user_data: *mut c_void,
) -> u32 {
    // SAFETY: valid for the duration of the call (unicorn contract).
    let cpr = unsafe { &*cp_reg };
    let Some(treg) = TimerReg::decode(cpr.op0, cpr.op1, cpr.crn, cpr.crm, cpr.op2) else {
        return 0;
    };
    // SAFETY: user_data is `Rc::as_ptr` of the shared state, alive while emulating.
    let state = unsafe { &*(user_data as *const RefCell<State>) };
    let Ok(mut st) = state.try_borrow_mut() else {
        return 0;
    };
    // The counter value at this block: the blocks counted inline before it first.
    st.settle();
    let value = st.timers[st.core].read(treg, st.now);
    drop(st);
    if reg != RegisterARM64::XZR {
        // SAFETY: `uc` is the live engine calling us; `value` outlives the call.
        unsafe { sys::uc_reg_write(uc, reg as i32, (&raw const value).cast()) };
    }
    1
}

/// MSR hook: update the timer from the value being written.
unsafe extern "C" fn msr_hook(
    uc: *mut sys::uc_engine,
    _reg: RegisterARM64,
    cp_reg: *const RegisterARM64CP,
    user_data: *mut c_void,
) -> u32 {
    // SAFETY: valid for the duration of the call (unicorn contract).
    let cpr = unsafe { &*cp_reg };
    // SAFETY: user_data is `Rc::as_ptr` of the shared state, alive while emulating.
    let state = unsafe { &*(user_data as *const RefCell<State>) };
    if let Ok(mut st) = state.try_borrow_mut() {
        st.withdraw_credit();
    }
    // SPSR_EL1 / SPSR_EL2: watch for an illegal exception return (the engine sets PSTATE.IL
    // but does not act on it). Not handled here: the engine performs the write.
    if (cpr.op0, cpr.crn, cpr.crm, cpr.op2) == (3, 4, 0, 0) && matches!(cpr.op1, 0 | 4) {
        if let Ok(mut st) = state.try_borrow_mut() {
            let el = if cpr.op1 == 4 { 2 } else { 1 };
            st.watch_illegal_return = spsr_return_is_illegal(cpr.val, el);
        }
        return 0;
    }
    // SAFETY: `uc` is the live engine calling us.
    if interrupts::is_hcr_el2(cpr) && unsafe { interrupts::current_el(uc) } >= 2 {
        // The guest's HCR_EL2 with the board's interrupt bits kept (see `interrupts`). The
        // hook runs before the engine's access check: below EL2 the engine raises the
        // undefined-instruction exception itself.
        let line = state.try_borrow().is_ok_and(|st| st.irq_line[st.core]);
        // SAFETY: `uc` is the live engine calling us.
        unsafe { interrupts::write_hcr(uc, interrupts::with_line(cpr.val, line)) };
        return 1;
    }
    let Some(treg) = TimerReg::decode(cpr.op0, cpr.op1, cpr.crn, cpr.crm, cpr.op2) else {
        return 0;
    };
    let Ok(mut st) = state.try_borrow_mut() else {
        return 0;
    };
    let (now, core) = (st.now, st.core);
    st.timers[core].write(treg, now, cpr.val);
    interrupts::update_timer_lines(&mut st);
    // SAFETY: `uc` is the live engine calling us.
    unsafe { interrupts::after_change(uc, &mut st) };
    1
}
