//! Interrupt delivery: the GIC's IRQ output for each core becomes that core's IRQ.
//!
//! Design notes:
//! - The engine has no interrupt input. The host owns EL2: HCR_EL2.IMO and FMO are always set
//!   (from reset, and kept when the guest writes HCR_EL2: the MSR is performed here with
//!   those bits added) and HCR_EL2.VI is driven as the IRQ line. The engine then takes an
//!   IRQ exception at EL1 (vector +0x280 / +0x480, with ELR and SPSR) as soon as PSTATE.I is
//!   clear, and a WFI ends. VF (FIQ) is never raised: the GIC signals no FIQ to the
//!   Non-secure guest (`models::gic`).
//! - The guest must be at EL1 or EL0 to take it (a virtual interrupt is never taken at EL2):
//!   with `--entry-el 2`, interrupts reach the guest once it has dropped to EL1 (the runtime
//!   does that before `main`); code running at EL2 never takes one (a WFI there still wakes).
//! - The engine notices a new interrupt request only between translated-block chains. When
//!   the line rises inside an access or MSR hook, `recheck` is set, and the next block hook
//!   writes the PC back to its own block address: the block does not run (and is not
//!   counted), the engine leaves the chain and takes the IRQ with ELR = that block. A line
//!   that falls is cleared at once (VI = 0), so no stale IRQ is taken after an acknowledge.
//! - Each core's engine has its own HCR_EL2: the line of the running core is driven while it
//!   runs; a core that is not running gets its line when it is switched in (`run_loop`), and
//!   takes the IRQ then (a change while it waits is seen by the scheduler's wake-up check).
//! - Timer PPIs are levels computed from the timer registers at the current tick: on every
//!   MSR of a timer register, before every `emu_start`, and in the block hook when the
//!   counter passes the next compare value (`timer_deadline`, one comparison per block), so
//!   the IRQ is taken at the first block boundary at or after CVAL. Each core has its own
//!   timer registers and PPIs; the counter is shared.

use std::ffi::c_void;

use unicorn_engine::{RegisterARM64, RegisterARM64CP};
use unicorn_engine_sys as sys;

use super::State;
use super::cpu::hcr_el2;
use crate::machine::{TIMER_PHYSICAL_PPI, TIMER_VIRTUAL_PPI};

/// HCR_EL2.FMO (bit 3): physical FIQ routing to EL2, enables virtual FIQs at EL1.
pub const HCR_EL2_FMO: u64 = 1 << 3;
/// HCR_EL2.IMO (bit 4): physical IRQ routing to EL2, enables virtual IRQs at EL1.
pub const HCR_EL2_IMO: u64 = 1 << 4;
/// HCR_EL2.VI (bit 7): virtual IRQ pending (the line the board drives).
pub const HCR_EL2_VI: u64 = 1 << 7;

/// Whether an MSR/MRS encoding is HCR_EL2.
pub fn is_hcr_el2(cp: &RegisterARM64CP) -> bool {
    (cp.op0, cp.op1, cp.crn, cp.crm, cp.op2) == (3, 4, 1, 1, 0)
}

/// HCR_EL2 value with the board's bits: IMO and FMO set, VI = `line`.
pub fn with_line(hcr: u64, line: bool) -> u64 {
    let base = (hcr | HCR_EL2_IMO | HCR_EL2_FMO) & !HCR_EL2_VI;
    if line { base | HCR_EL2_VI } else { base }
}

/// Write HCR_EL2 through the engine (its write function re-evaluates the virtual IRQ).
///
/// # Safety
/// `uc` is the live engine handle.
pub unsafe fn write_hcr(uc: *mut sys::uc_engine, value: u64) {
    let cp = hcr_el2(value);
    // SAFETY: the caller passes the live engine; `cp` outlives the call and has the layout
    // the CP_REG interface expects.
    unsafe {
        sys::uc_reg_write(
            uc,
            RegisterARM64::CP_REG as i32,
            (&raw const cp).cast::<c_void>(),
        );
    }
}

/// Read HCR_EL2.
///
/// # Safety
/// `uc` is the live engine handle.
unsafe fn read_hcr(uc: *mut sys::uc_engine) -> u64 {
    let mut cp = hcr_el2(0);
    // SAFETY: as in `write_hcr`; the engine fills `cp.val`.
    unsafe {
        sys::uc_reg_read(
            uc,
            RegisterARM64::CP_REG as i32,
            (&raw mut cp).cast::<c_void>(),
        );
    }
    cp.val
}

/// The current exception level.
///
/// # Safety
/// `uc` is the live engine handle.
pub unsafe fn current_el(uc: *mut sys::uc_engine) -> u64 {
    let mut pstate = 0u64;
    // SAFETY: the caller passes the live engine; PSTATE is a 64-bit register.
    unsafe {
        sys::uc_reg_read(
            uc,
            RegisterARM64::PSTATE as i32,
            (&raw mut pstate).cast::<c_void>(),
        );
    }
    super::cpu::pstate_el(pstate)
}

/// Every core's timer PPI levels at the current tick, and the next tick at which one rises.
pub fn update_timer_lines(st: &mut State) {
    let now = st.now;
    let gic = &mut st.bus.devices.gic.gic;
    let mut deadline = u64::MAX;
    for (core, timer) in st.timers.iter().enumerate() {
        gic.set_ppi_line(core, TIMER_PHYSICAL_PPI, timer.phys.output(now));
        gic.set_ppi_line(core, TIMER_VIRTUAL_PPI, timer.virt.output(now));
        deadline = deadline.min(timer.next_assertion(now));
    }
    st.timer_deadline = deadline;
}

/// Drive HCR_EL2.VI of the running core (`st.core`) from its GIC IRQ output; returns whether
/// the line rose.
///
/// # Safety
/// `uc` is the live engine handle of the running core.
pub unsafe fn drive_cpu(uc: *mut sys::uc_engine, st: &mut State) -> bool {
    st.bus.effects.interrupts_changed = false;
    let core = st.core;
    let level = st.bus.devices.gic.gic.irq_output(core);
    if level == st.irq_line[core] {
        return false;
    }
    st.irq_line[core] = level;
    if st.trace_irq {
        let now = st.now;
        let mut line = if level {
            // The interrupt IAR would return now (the GIC answers for the running core).
            format!(
                "t={now} irq {} signalled",
                st.bus.devices.gic.gic.hppir() & 0x3FF
            )
        } else {
            format!("t={now} irq line low")
        };
        if core != 0 {
            line.push_str(&format!(" (core {core})"));
        }
        st.bus.effects.messages.push(line);
    }
    // SAFETY: the caller passes the live engine.
    unsafe {
        let hcr = read_hcr(uc);
        write_hcr(uc, with_line(hcr, level));
    }
    level
}

/// After a hook changed what the GIC may signal: drive the line now and have the next block
/// hook leave the chain if it rose.
///
/// # Safety
/// `uc` is the live engine handle.
pub unsafe fn after_change(uc: *mut sys::uc_engine, st: &mut State) {
    // SAFETY: forwarded from the caller.
    if unsafe { drive_cpu(uc, st) } {
        st.irq_recheck = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hcr_bits() {
        assert_eq!(with_line(1 << 31, false), 0x8000_0018);
        assert_eq!(with_line(1 << 31, true), 0x8000_0098);
        assert_eq!(with_line(0x8000_0098, false), 0x8000_0018);
    }
}
