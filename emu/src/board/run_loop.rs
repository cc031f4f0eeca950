//! The run loop: run the engine until a hook stops it, bring the models up to date, pass
//! their output on, and decide whether the run goes on (poll, WFI) or ends.

use std::io::Write;
use std::sync::mpsc::Receiver;

use unicorn_engine::Unicorn;

use super::multicore::{self, CORES, Core, Wait};
use super::{Config, Outcome, POLL_TICKS, RunResult, Shared, State, interrupts};
use crate::models::ps_hold::Release;
use crate::models::secure_monitor::{Power, Wake};

/// WFI instruction word.
const WFI: u32 = 0xD503_207F;

/// Run core 0 from its PC (and the other cores as they are started) until the run ends;
/// then flush the models and report.
pub fn run(
    cores: &mut [Core; CORES],
    state: &Shared,
    windows: &[(u64, u64)],
    config: &Config,
    stdin: Option<&Receiver<Vec<u8>>>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> RunResult {
    // gdb: the debugger's session (`--gdb`), reporting the end of the run to GDB.
    let mut gdb = crate::gdb::Session::start(config.gdb.as_ref(), state);
    let outcome = run_until_stopped(cores, state, windows, config, stdin, out, err, &mut gdb);
    let result = finish(state, config, outcome, out, err);
    if let Some(gdb) = gdb.as_mut() {
        gdb.finish(&result.outcome);
    }
    result
}

// gdb: the debugger's session is one argument more.
#[allow(clippy::too_many_arguments)]
fn run_until_stopped(
    cores: &mut [Core; CORES],
    state: &Shared,
    windows: &[(u64, u64)],
    config: &Config,
    stdin: Option<&Receiver<Vec<u8>>>,
    out: &mut dyn Write,
    err: &mut dyn Write,
    gdb: &mut Option<crate::gdb::Session>,
) -> Outcome {
    let mut current = 0;
    loop {
        // gdb: a stop (breakpoint, step, watchpoint, Ctrl-C) is served here, engines idle.
        if let Some(session) = gdb.as_mut()
            && let Some(o) = session.checkpoint(cores, state, current)
        {
            return o;
        }
        let core = &mut cores[current];
        let Some(uc) = core.uc.as_mut() else {
            unreachable!("the scheduler only picks cores that are on")
        };
        let mut pc = core.pc;
        {
            let mut st = state.borrow_mut();
            interrupts::update_timer_lines(&mut st);
            // SAFETY: the engine is live and not running.
            unsafe { interrupts::drive_cpu(uc.get_handle(), &mut st) };
            // Anything may have changed since the block hook last looked.
            st.withdraw_credit();
            // Code a device wrote by DMA (other cores' IC instructions are applied when the
            // core is scheduled, in `schedule`; nothing is pending then).
            if let Err(e) = st.code_stale.apply(current, uc) {
                return Outcome::Stopped {
                    what: super::fail(e),
                    pc: core.pc,
                };
            }
        }
        let res = uc.emu_start(pc, 0, 0, 0);
        // The blocks counted inline since the last hook.
        state.borrow_mut().settle();
        pc = uc.pc_read().unwrap_or(pc);
        core.pc = pc;
        if let Some(rx) = &stdin {
            while let Ok(bytes) = rx.try_recv() {
                state.borrow_mut().bus.devices.uart2.push_input(&bytes);
            }
        }
        {
            let mut st = state.borrow_mut();
            super::script::before_flush(config, &mut st);
            if let Some(horizon) = st.horizon.take() {
                st.bus.run_events(horizon);
            }
        }
        flush(state, config, out, err);
        let mut st = state.borrow_mut();
        st.poll = false;
        if let Some(o) = watchdog_bite(&mut st, pc) {
            return o;
        }
        if let Some(o) = st.stop.take() {
            return o;
        }
        if let Some(o) = super::script::after_flush(config, &mut st, pc) {
            return o;
        }
        if std::mem::take(&mut st.illegal_state) {
            drop(st);
            let entry = match super::exceptions::take_illegal_state(uc) {
                Ok(entry) => entry,
                Err(o) => return o,
            };
            let mut st = state.borrow_mut();
            let instructions = st.instructions;
            if let Some(what) = st.progress.on_exception(entry, instructions) {
                return Outcome::NoProgress {
                    what,
                    pc: entry.elr,
                };
            }
            core.pc = uc.pc_read().unwrap_or(pc);
            continue;
        }
        if let Err(e) = res {
            return Outcome::Stopped {
                what: format!("CPU stopped: {e}"),
                pc,
            };
        }
        if st.gdb.as_ref().is_some_and(|debug| debug.stop.is_some()) {
            // gdb: stopped for the debugger; the checkpoint at the top serves it.
            continue;
        }
        let mut word = [0u8; 4];
        let wfi =
            uc.mem_read(pc.wrapping_sub(4), &mut word).is_ok() && u32::from_le_bytes(word) == WFI;
        if !st.multicore
            && !st.switch
            && !st.park_wfe
            && st.secure.power == SINGLE_CORE
            && !st.secure.any_suspended()
        {
            // One core on: the single-core board, exactly as it always was.
            let asleep_since = st.now;
            if wfi {
                loop {
                    // A script that never answers does not keep a core asleep for ever.
                    let script =
                        config.script.is_some() && st.now - asleep_since < SCRIPT_WAIT_TICKS;
                    match sleep(&mut st, &[(current, Wait::Interrupt)], script) {
                        Err(what) => return Outcome::NoProgress { what, pc: pc - 4 },
                        Ok(Slept::Woke) => break,
                        Ok(Slept::ForTheScript) => {
                            // The console may have printed what a --send-after waits for: let the
                            // script see it (its input can then wake the core), still asleep.
                            super::script::before_flush(config, &mut st);
                            drop(st);
                            flush(state, config, out, err);
                            st = state.borrow_mut();
                            if let Some(o) = super::script::after_flush(config, &mut st, pc) {
                                return o;
                            }
                        }
                    }
                }
            }
            // A bite while the core slept ends the run here.
            if let Some(o) = watchdog_bite(&mut st, pc) {
                return o;
            }
            continue;
        }
        drop(st);
        match schedule(cores, state, windows, current, wfi) {
            Ok(next) => current = next,
            Err(outcome) => return outcome,
        }
        if let Some(o) = watchdog_bite(&mut state.borrow_mut(), pc) {
            return o;
        }
    }
}

/// A watchdog bite seen by the models (during a timed event or an access) ends the run as a
/// system reset, before any other outcome of the same stop.
fn watchdog_bite(st: &mut State, pc: u64) -> Option<Outcome> {
    let bite = st.bus.effects.watchdog_bite.take()?;
    Some(Outcome::WatchdogBite { bite, pc })
}

/// Power states with only core 0 on.
const SINGLE_CORE: [Power; CORES] = [Power::On, Power::Off, Power::Off, Power::Off];

/// After a run of `current` with more than one core on (or a PSCI call that changes that):
/// park it (WFI, WFE), turn it off (CPU_OFF), start the cores CPU_ON asked for, and choose
/// the core that runs next (`multicore`). When every core waits, virtual time runs to the
/// first thing that wakes one.
fn schedule(
    cores: &mut [Core; CORES],
    state: &Shared,
    windows: &[(u64, u64)],
    current: usize,
    wfi: bool,
) -> Result<usize, Outcome> {
    let mut st = state.borrow_mut();
    multicore::end_turn(&mut st);
    let pc = cores[current].pc;
    if wfi || st.secure.is_suspended(current) {
        // WFI, or PSCI CPU_SUSPEND: the core waits for an interrupt.
        cores[current].wait = Some(Wait::Interrupt);
    } else if std::mem::take(&mut st.park_wfe) {
        cores[current].wait = Some(Wait::Event);
    }
    if st.secure.power[current] == Power::Off {
        cores[current].uc = None;
        st.count.detach(current);
        cores[current].wait = None;
    }
    for (k, core) in cores.iter_mut().enumerate() {
        if let Power::OnPending { entry, context } = st.secure.power[k] {
            drop(st);
            let uc =
                start_core(state, windows, k, entry, context).map_err(|what| Outcome::Stopped {
                    what: format!("cannot start core {k}: {what}"),
                    pc,
                })?;
            *core = Core {
                uc: Some(uc),
                pc: entry,
                wait: None,
                watches_cache_maintenance: false,
            };
            st = state.borrow_mut();
            st.secure.core_started(k);
            // A core comes out of reset with its event register clear, and its new engine's
            // HCR_EL2.VI low.
            st.events[k] = false;
            st.irq_line[k] = false;
            st.code_stale.forget(k);
            st.tlb_stale[k] = false;
        }
    }
    st.multicore = cores.iter().filter(|c| c.uc.is_some()).count() > 1;
    if st.multicore {
        drop(st);
        watch_cache_maintenance(cores, state).map_err(|what| Outcome::Stopped { what, pc })?;
        st = state.borrow_mut();
    }
    let switch = std::mem::take(&mut st.switch);
    let mut next = if !switch && cores[current].uc.is_some() && cores[current].wait.is_none() {
        Some(current)
    } else {
        multicore::next_core(cores, &mut st, current)
    };
    while next.is_none() {
        let waiting: Vec<(usize, Wait)> = (0..CORES)
            .filter_map(|k| Some((k, cores[k].wait?)).filter(|_| cores[k].uc.is_some()))
            .collect();
        if let Err(what) = sleep(&mut st, &waiting, false) {
            return Err(Outcome::NoProgress {
                what,
                pc: cores[current].pc.wrapping_sub(4),
            });
        }
        next = multicore::next_core(cores, &mut st, current);
    }
    let next = next.unwrap_or(current);
    if let Some(wake) = st.secure.wake(next)
        && let Some(uc) = cores[next].uc.as_mut()
    {
        let stopped = |what| Outcome::Stopped {
            what: format!("cannot wake core {next} from CPU_SUSPEND: {what}"),
            pc,
        };
        match wake {
            Wake::Continue => uc
                .reg_write(unicorn_engine::RegisterARM64::X0, 0)
                .map_err(|e| stopped(super::fail(e)))?,
            Wake::Resume { entry, context } => {
                super::cpu::resume_from_power_down(uc, entry, context).map_err(stopped)?;
                cores[next].pc = entry;
            }
        }
    }
    if next != current || switch {
        st.quantum_used = 0;
    }
    if std::mem::take(&mut st.tlb_stale[next])
        && let Some(uc) = cores[next].uc.as_mut()
    {
        uc.ctl_flush_tlb().map_err(|e| Outcome::Stopped {
            what: super::fail(e),
            pc,
        })?;
    }
    if let Some(uc) = cores[next].uc.as_mut() {
        st.code_stale
            .apply(next, uc)
            .map_err(|e| Outcome::Stopped {
                what: super::fail(e),
                pc,
            })?;
    }
    if next != current {
        st.core = next;
        st.bus.devices.gic.gic.accessing_cpu = next;
        st.block = (cores[next].pc, 0);
        st.irq_recheck = false;
    }
    Ok(next)
}

/// Give every engine that is on the cache-maintenance hook (`hooks`), dropping the code it
/// translated before (which would not call the hook).
fn watch_cache_maintenance(cores: &mut [Core; CORES], state: &Shared) -> Result<(), String> {
    for core in cores.iter_mut() {
        if let Some(uc) = core.uc.as_mut()
            && !core.watches_cache_maintenance
        {
            super::hooks::add_cache_maintenance_hook(uc, state)?;
            uc.ctl_flush_tb().map_err(super::fail)?;
            state.borrow_mut().code_stale.by_physical_address =
                super::code_invalidation::engine_invalidates_by_physical(uc);
            core.watches_cache_maintenance = true;
        }
    }
    Ok(())
}

/// A new engine for `core`, started by CPU_ON at `entry` with x0 = `context`.
fn start_core(
    state: &Shared,
    windows: &[(u64, u64)],
    core: usize,
    entry: u64,
    context: u64,
) -> Result<Unicorn<'static, ()>, String> {
    let dram = state.borrow().dram.clone();
    let mut uc = super::cpu::new_engine(&dram)?;
    super::hooks::install(&mut uc, state, windows, core)?;
    // gdb: the breakpoints and watchpoints set so far.
    crate::gdb::hooks::sync(&mut uc, state, core)?;
    super::cpu::start_secondary(&mut uc, core, entry, context)?;
    Ok(uc)
}

/// A WFI (or, with several cores, every core that is on waiting): let virtual time run to
/// the first moment something wakes one of the `waiting` cores (the GIC signals an interrupt
/// to it, its enabled, unmasked timer's condition is met, an event), running the
/// timed events before it in order, each at its own tick. Timed events are only stepped
/// through while the GIC could signal something to a waiting core (otherwise none of them
/// can wake one), or while a watchdog is armed: its bite resets the SoC during the sleep.
/// How long a core with nothing else to wake it sleeps on while a console script may still
/// answer what the console printed (60 s of virtual time).
const SCRIPT_WAIT_TICKS: u64 = 60 * 19_200_000;

/// How a sleep ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slept {
    /// A waiting core can go on (or the SoC was bitten by a watchdog).
    Woke,
    /// Nothing could wake a core, but a console script is running: the timed events up to the
    /// next one ran (console bytes left the wire), so the script should look at the console
    /// before the core sleeps on.
    ForTheScript,
}

fn sleep(st: &mut State, waiting: &[(usize, Wait)], script: bool) -> Result<Slept, String> {
    loop {
        interrupts::update_timer_lines(st);
        if waiting
            .iter()
            .any(|&(core, wait)| multicore::wakes(st, core, wait))
        {
            return Ok(Slept::Woke);
        }
        let gic = &st.bus.devices.gic.gic;
        let timer = waiting
            .iter()
            .filter_map(|&(core, _)| st.timers[core].next_wake())
            .min();
        let watchdog_armed =
            st.bus.devices.apss_wdt.armed() || st.bus.devices.spmi.watchdog_armed();
        let event =
            st.bus.scheduler.next_due().filter(|_| {
                watchdog_armed || waiting.iter().any(|&(core, _)| gic.could_signal(core))
            });
        let next = match (timer, event) {
            (Some(t), Some(e)) => t.min(e),
            (Some(t), None) => t,
            (None, Some(e)) => e,
            (None, None)
                if script
                    && (!st.bus.devices.uart2.output.is_empty()
                        || st.bus.scheduler.next_due().is_some()) =>
            {
                if let Some(due) = st.bus.scheduler.next_due() {
                    st.bus.run_events(due);
                    if due > st.now {
                        st.now = due;
                        st.next_poll = due + POLL_TICKS;
                    }
                }
                return Ok(Slept::ForTheScript);
            }
            (None, None) if waiting.len() == 1 && waiting[0] == (0, Wait::Interrupt) => {
                return Err(
                    "WFI with nothing that can wake the core (no enabled, unmasked timer, no interrupt the GIC could signal)"
                        .into(),
                );
            }
            (None, None) => {
                return Err(
                    "every core that is on waits (WFI/WFE) with nothing that can wake one (no enabled, unmasked timer, no interrupt the GIC could signal, no core left to send an event)"
                        .into(),
                );
            }
        };
        // The timed events before the wake-up happen during the WFI, each at its own tick.
        st.bus.run_events(next);
        if let Some(bite) = st.bus.effects.watchdog_bite {
            // The SoC resets during the WFI, at the bite (the run loop reports it).
            st.now = st.now.max(bite.at);
            return Ok(Slept::Woke);
        }
        if next > st.now {
            st.now = next;
            st.next_poll = next + POLL_TICKS;
        }
        if timer == Some(next) {
            return Ok(Slept::Woke);
        }
    }
}

/// Virtual time the transmitters get to empty their FIFOs after a run stops on a fault:
/// 64 characters at 300 baud fit easily.
const DRAIN_LIMIT_TICKS: u64 = 10 * 19_200_000;
/// Step in which the models are advanced while draining (1 ms).
const DRAIN_STEP_TICKS: u64 = 19_200;

/// Bring the models to the end time and flush their output. After a reset (PS_HOLD) the
/// characters still in a TX FIFO are lost, as on the board; after any other end the CPU
/// stopped but the UARTs would go on sending, so they are drained first (in virtual time
/// past the end; the instruction count is not affected) and reach stdout before the outcome
/// line. A transmitter that cannot send (disabled, clock off) keeps its characters: a note
/// says how many.
fn finish(
    state: &Shared,
    config: &Config,
    outcome: Outcome,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> RunResult {
    let mut st = state.borrow_mut();
    let now = st.now;
    st.bus.advance_all(now);
    drop(st);
    flush(state, config, out, err);
    let reset = matches!(
        outcome,
        Outcome::PsHold { .. } | Outcome::WatchdogBite { .. }
    );
    if !reset {
        drain_transmitters(state, config, out, err);
    }
    let mut st = state.borrow_mut();
    let pending = [
        ("BLSP1_UART1", st.bus.devices.uart1.tx_pending()),
        ("BLSP1_UART2", st.bus.devices.uart2.tx_pending()),
    ];
    for (name, left) in pending {
        if left == 0 || (name == "BLSP1_UART1" && !config.trace_uart) {
            continue;
        }
        let _ = if reset {
            let end = match outcome {
                Outcome::PsHold {
                    release: Release::PowerOff,
                    ..
                } => "power off",
                Outcome::WatchdogBite { bite, .. } if bite.power_off => "power off",
                _ => "reset",
            };
            writeln!(
                err,
                "emu: note: {left} bytes still in the {name} TX FIFO were lost at {end}"
            )
        } else {
            writeln!(
                err,
                "emu: note: {left} bytes stay in the {name} TX FIFO (its transmitter cannot send)"
            )
        };
    }
    if let Some(card) = st.bus.devices.sdhc2.card()
        && card.blocks_written > 0
        && !card.writable()
    {
        let _ = writeln!(
            err,
            "emu: note: {} SD card blocks written by the guest were kept in memory only \
             (--sd-writable writes them to the image)",
            card.blocks_written
        );
    }
    let first = st.bus.devices.uart2.first_byte_at;
    let instructions = st.instructions;
    RunResult {
        outcome,
        instructions,
        first_console_byte_at: first,
        coverage: st.coverage.take(),
        code_invalidations: st.code_stale.counts,
    }
}

/// Advance the models in steps until both TX FIFOs are empty (or the limit is reached),
/// passing the characters on as they leave.
fn drain_transmitters(state: &Shared, config: &Config, out: &mut dyn Write, err: &mut dyn Write) {
    let end = state.borrow().now + DRAIN_LIMIT_TICKS;
    loop {
        let mut st = state.borrow_mut();
        let devices = &st.bus.devices;
        if devices.uart1.tx_pending() + devices.uart2.tx_pending() == 0 || st.now >= end {
            return;
        }
        st.now += DRAIN_STEP_TICKS;
        let now = st.now;
        st.bus.run_events(now);
        drop(st);
        flush(state, config, out, err);
    }
}

/// Bring every model to the current time and pass on its messages and console bytes.
fn flush(state: &Shared, config: &Config, out: &mut dyn Write, err: &mut dyn Write) {
    let mut st = state.borrow_mut();
    let now = st.now;
    st.bus.advance_all(now);
    for line in std::mem::take(&mut st.bus.effects.messages) {
        let _ = writeln!(err, "emu: {line}");
    }
    let b1 = std::mem::take(&mut st.bus.devices.uart1.output);
    let b2 = std::mem::take(&mut st.bus.devices.uart2.output);
    if config.trace_uart {
        let _ = out.write_all(&b1);
    }
    let _ = out.write_all(&b2);
    let _ = out.flush();
}
