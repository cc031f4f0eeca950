//! The board's side of the console script (`crate::expect`): before a flush the watch learns
//! the virtual time, after it the board feeds the input `--send-after` queued to the console
//! receiver and ends the run when the watch has a verdict.

use super::{Config, Outcome, State};
use crate::bus::Bus;
use crate::machine::Device;
use crate::scheduler::Event;

/// At the start: the CPU stops just past the `--timeout` tick (a UART update then is
/// harmless), so the run ends there rather than at the next poll.
pub fn prepare(config: &Config, bus: &mut Bus) {
    if let Some(at) = config.script.as_ref().and_then(|link| link.timeout()) {
        bus.scheduler
            .schedule(at.saturating_add(1), Event::Update(Device::Uart2));
    }
}

/// Before the timed events up to the horizon run and the console bytes are flushed: the
/// bytes are those that left the wire by the horizon (the end of the block the CPU stopped
/// before), or by now. A horizon past the timeout tick, with events due by the timeout, is
/// cut to it: the bytes up to the timeout are matched first, and the block, which has not
/// run, stops the CPU again at the event just past the timeout, which then ends the run.
pub fn before_flush(config: &Config, st: &mut State) {
    let Some(link) = &config.script else {
        return;
    };
    if let (Some(horizon), Some(timeout)) = (st.horizon, link.timeout())
        && horizon > timeout
        && st
            .bus
            .scheduler
            .next_due()
            .is_some_and(|due| due <= timeout)
    {
        st.horizon = Some(timeout);
    }
    link.set_time(st.horizon.unwrap_or(st.now).max(st.now));
}

/// After a flush: give the receiver its scripted input; the outcome if the script ends the run.
pub fn after_flush(config: &Config, st: &mut State, pc: u64) -> Option<Outcome> {
    let poll = config.script.as_ref()?.poll();
    if !poll.input.is_empty() {
        let now = st.now;
        st.bus.devices.uart2.push_items(now, &poll.input);
        // The receiver asks for its arrival events now (a WFI may wait for them).
        st.bus.advance_all(now);
    }
    poll.stop.then_some(Outcome::Script { at: st.now, pc })
}
