//! The run loop: run the engine until a hook stops it, bring the models up to date, pass
//! their output on, and decide whether the run goes on (poll, WFI) or ends.

use std::io::Write;
use std::sync::mpsc::Receiver;

use unicorn_engine::Unicorn;

use super::{Config, Outcome, POLL_TICKS, RunResult, Shared};

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
        let res = uc.emu_start(pc, 0, 0, 0);
        pc = uc.pc_read().unwrap_or(pc);
        if let Some(rx) = &stdin {
            while let Ok(bytes) = rx.try_recv() {
                state.borrow_mut().bus.devices.uart2.push_input(&bytes);
            }
        }
        {
            let mut st = state.borrow_mut();
            if let Some(horizon) = st.horizon.take() {
                st.bus.run_events(horizon);
            }
        }
        flush(state, config, out, err);
        let mut st = state.borrow_mut();
        st.poll = false;
        if let Some(o) = st.stop.take() {
            return o;
        }
        if let Err(e) = res {
            return Outcome::Stopped {
                what: format!("CPU stopped: {e}"),
                pc,
            };
        }
        let mut word = [0u8; 4];
        if uc.mem_read(pc.wrapping_sub(4), &mut word).is_ok() && u32::from_le_bytes(word) == WFI {
            match st.timer.next_wake() {
                Some(t) => {
                    // The timed events before the wake-up happen during the WFI, each at its
                    // own tick.
                    st.bus.run_events(t);
                    if t > st.now {
                        st.now = t;
                        st.next_poll = t + POLL_TICKS;
                    }
                }
                None => {
                    return Outcome::Stopped {
                        what:
                            "WFI with nothing that can wake the core (no enabled, unmasked timer)"
                                .into(),
                        pc: pc - 4,
                    };
                }
            }
        }
    }
}

/// Bring the models to the end time, flush their output, report bytes lost at reset.
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
    let st = state.borrow_mut();
    let lost = st.bus.devices.uart2.tx_pending();
    if lost > 0 && matches!(outcome, Outcome::PsHold { .. }) {
        let _ = writeln!(
            err,
            "emu: note: {lost} bytes still in the BLSP1_UART2 TX FIFO were lost at reset"
        );
    }
    let first = st.bus.devices.uart2.first_byte_at;
    let instructions = st.instructions;
    RunResult {
        outcome,
        instructions,
        first_console_byte_at: first,
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
