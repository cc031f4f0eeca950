//! The run loop: run the engine until a hook stops it, bring the models up to date, pass
//! their output on, and decide whether the run goes on (poll, WFI) or ends.

use std::io::Write;
use std::sync::mpsc::Receiver;

use unicorn_engine::Unicorn;

use super::{Config, Outcome, POLL_TICKS, RunResult, Shared, State, interrupts};
use crate::models::ps_hold::Release;

/// WFI instruction word.
const WFI: u32 = 0xD503_207F;

/// Run from `entry` until the run ends; then flush the models and report.
pub fn run(
    uc: &mut Unicorn<'static, ()>,
    state: &Shared,
    entry: u64,
    config: &Config,
    stdin: Option<Receiver<Vec<u8>>>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> RunResult {
    let outcome = run_until_stopped(uc, state, entry, config, stdin, out, err);
    finish(state, config, outcome, out, err)
}

fn run_until_stopped(
    uc: &mut Unicorn<'static, ()>,
    state: &Shared,
    entry: u64,
    config: &Config,
    stdin: Option<Receiver<Vec<u8>>>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let mut pc = entry;
    loop {
        {
            let mut st = state.borrow_mut();
            interrupts::update_timer_lines(&mut st);
            // SAFETY: the engine is live and not running.
            unsafe { interrupts::drive_cpu(uc.get_handle(), &mut st) };
        }
        let res = uc.emu_start(pc, 0, 0, 0);
        pc = uc.pc_read().unwrap_or(pc);
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
            pc = uc.pc_read().unwrap_or(pc);
            continue;
        }
        if let Err(e) = res {
            return Outcome::Stopped {
                what: format!("CPU stopped: {e}"),
                pc,
            };
        }
        let mut word = [0u8; 4];
        if uc.mem_read(pc.wrapping_sub(4), &mut word).is_ok()
            && u32::from_le_bytes(word) == WFI
            && let Err(what) = sleep(&mut st)
        {
            return Outcome::NoProgress { what, pc: pc - 4 };
        }
        if let Some(o) = watchdog_bite(&mut st, pc) {
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

/// A WFI: let virtual time run to the first moment something wakes the core (the GIC
/// signals an interrupt, or an enabled, unmasked timer's condition is met), running the timed
/// events before it in order, each at its own tick. Timed events are only stepped through
/// while the GIC could signal something (otherwise none of them can wake the core).
fn sleep(st: &mut State) -> Result<(), String> {
    loop {
        interrupts::update_timer_lines(st);
        let gic = &st.bus.devices.gic.gic;
        if gic.irq_output(0) {
            return Ok(());
        }
        let timer = st.timer.next_wake();
        if timer.is_some_and(|t| t <= st.now) {
            return Ok(());
        }
        let event = st.bus.scheduler.next_due().filter(|_| gic.could_signal(0));
        let next = match (timer, event) {
            (Some(t), Some(e)) => t.min(e),
            (Some(t), None) => t,
            (None, Some(e)) => e,
            (None, None) => {
                return Err(
                    "WFI with nothing that can wake the core (no enabled, unmasked timer, no interrupt the GIC could signal)"
                        .into(),
                );
            }
        };
        // The timed events before the wake-up happen during the WFI, each at its own tick.
        st.bus.run_events(next);
        if st.bus.effects.watchdog_bite.is_some() {
            // The SoC resets during the WFI (the run loop reports it).
            return Ok(());
        }
        if next > st.now {
            st.now = next;
            st.next_poll = next + POLL_TICKS;
        }
        if timer == Some(next) {
            return Ok(());
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
    let st = state.borrow_mut();
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
    let first = st.bus.devices.uart2.first_byte_at;
    let instructions = st.instructions;
    RunResult {
        outcome,
        instructions,
        first_console_byte_at: first,
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
