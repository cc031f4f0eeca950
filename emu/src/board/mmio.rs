//! The MMIO windows: the engine's accesses to the bus, with the inline count taken before
//! each (`count`) and the credit kept after it as far as the access left the bounds.

use unicorn_engine::Unicorn;

use super::access::{access_pc, fault_outcome, split_access};
use super::hooks::plain_until;
use super::{Outcome, Shared, State, fail, interrupts};

/// One MMIO window: reads and writes go to the bus; a fault stops the run. The inline count is
/// taken before each access, and the credit kept after it as far as the access left the
/// bounds (`credit_after_access`).
pub(super) fn map(
    uc: &mut Unicorn<'static, ()>,
    state: &Shared,
    base: u64,
    size: u64,
) -> Result<(), String> {
    let (sr, sw) = (state.clone(), state.clone());
    uc.mmio_map(
        base,
        size,
        Some(
            move |uc: &mut Unicorn<'_, ()>, off: u64, size: usize| -> u64 {
                let mut st = sr.borrow_mut();
                st.settle();
                let (value, stop) = mmio_read(uc, &mut st, base + off, size);
                credit_after_access(&mut st);
                drop(st);
                if stop {
                    let _ = uc.emu_stop();
                }
                value
            },
        ),
        Some(
            move |uc: &mut Unicorn<'_, ()>, off: u64, size: usize, value: u64| {
                let mut st = sw.borrow_mut();
                st.settle();
                let stop = mmio_write_access(uc, &mut st, base + off, size, value);
                code_written_by_devices(&mut st);
                credit_after_access(&mut st);
                drop(st);
                if stop {
                    let _ = uc.emu_stop();
                }
            },
        ),
    )
    .map_err(fail)
}

/// An MMIO read of `size` bytes at `addr`: the value, and whether the engine must stop.
fn mmio_read(uc: &Unicorn<'_, ()>, st: &mut State, addr: u64, size: usize) -> (u64, bool) {
    let now = st.now;
    if st.stop.is_some() {
        // Another piece of an access that already ended the run.
        return (0, false);
    }
    if let Some(outcome) = split_outcome(uc, st, addr, size, false) {
        st.stop = Some(outcome);
        return (0, true);
    }
    match st.bus.read(now, addr, size) {
        Ok(v) => {
            if st.trace_mmio {
                st.bus
                    .effects
                    .messages
                    .push(format!("t={now} mmio read{size} {addr:#x} = {v:#x}"));
            }
            if st.bus.effects.interrupts_changed {
                // SAFETY: `uc` is the engine running the MMIO callback.
                unsafe { interrupts::after_change(uc.get_handle(), st) };
            }
            (v, false)
        }
        Err(f) => {
            let pc = access_pc(uc, st.block, addr, size, false);
            st.stop = Some(fault_outcome(f, false, size, addr, pc));
            (0, true)
        }
    }
}

/// An MMIO write of `size` bytes of `value` at `addr`: whether the engine must stop.
fn mmio_write_access(
    uc: &Unicorn<'_, ()>,
    st: &mut State,
    addr: u64,
    size: usize,
    value: u64,
) -> bool {
    if st.stop.is_some() {
        // Another piece of an access that already ended the run.
        return false;
    }
    let block = st.block;
    if let Some(outcome) = split_outcome(uc, st, addr, size, true) {
        st.stop = Some(outcome);
        return true;
    }
    let res = mmio_write(st, addr, size, value);
    if st.bus.effects.interrupts_changed {
        // SAFETY: `uc` is the engine running the MMIO callback.
        unsafe { interrupts::after_change(uc.get_handle(), st) };
    }
    let pc = || access_pc(uc, block, addr, size, true);
    if let Err(f) = res {
        st.stop = Some(fault_outcome(f, true, size, addr, pc()));
    } else if st.bus.effects.ps_hold_released {
        let release = st.bus.devices.spmi.ps_hold_release();
        st.stop = Some(Outcome::PsHold { pc: pc(), release });
    }
    st.stop.is_some()
}

/// After an MMIO write (a register write is what starts a device's DMA): the pages devices
/// wrote are dropped from every core's translated code, the running core's before its next
/// block (the run loop applies what is pending before each `emu_start`).
fn code_written_by_devices(st: &mut State) {
    let pages = st.dram.take_device_writes();
    if pages.is_empty() {
        return;
    }
    for page in pages {
        st.code_stale.device_wrote(page);
    }
    st.yield_core = true;
}

/// After an MMIO access (the inline count taken before it): what is left of the credit, as
/// far as the bounds after the access allow (`plain_until`: the access may have moved a
/// timed event, raised an interrupt to look at or stopped the run). A block after it then
/// runs inline exactly when the hook would only have counted it.
fn credit_after_access(st: &mut State) {
    let core = st.core;
    let bound = if st.stop.is_some() {
        0
    } else {
        plain_until(st).saturating_sub(st.now + 1)
    };
    let left = st.count.left(core);
    st.count.grant(core, left.min(bound));
}

/// A piece of a wider, unaligned or `DC ZVA` access (see `access`): the one access the
/// instruction makes, reported as unclaimed.
fn split_outcome(
    uc: &Unicorn<'_, ()>,
    st: &mut State,
    addr: u64,
    size: usize,
    write: bool,
) -> Option<Outcome> {
    let block = st.block;
    let (pc, access) = split_access(uc, &mut st.block_code, block, addr, size, write)?;
    let whole = access.len == 8 && access.element == 8 && size == 4;
    if whole && crate::machine::block_at(addr).is_some_and(|b| b.halves) {
        // A 64-bit register made of two 32-bit words: the halves go through (low first).
        return None;
    }
    Some(Outcome::Unclaimed {
        write,
        size: access.len as usize,
        addr: access.addr,
        pc,
    })
}

/// A CPU write to the bus, with the `--trace mmio` and `--trace clock` lines.
fn mmio_write(st: &mut State, addr: u64, size: usize, value: u64) -> Result<(), crate::bus::Fault> {
    let now = st.now;
    let before = st.trace_clock.then(|| st.bus.devices.gcc.view());
    if st.trace_mmio {
        st.bus
            .effects
            .messages
            .push(format!("t={now} mmio write{size} {addr:#x} = {value:#x}"));
    }
    let res = st.bus.write(now, addr, size, value);
    if let Some(before) = before {
        let after = st.bus.devices.gcc.view();
        if after != before {
            let on = |b: bool| if b { "on" } else { "off" };
            let line = format!(
                "t={now} clock blsp1_ahb={} prng_ahb={} uart1_apps={} uart1_core={}Hz uart2_apps={} uart2_core={}Hz",
                on(after.blsp1_ahb),
                on(after.prng_ahb),
                on(after.uart_apps[0]),
                after.uart_core_hz[0],
                on(after.uart_apps[1]),
                after.uart_core_hz[1],
            );
            st.bus.effects.messages.push(line);
        }
    }
    res
}
