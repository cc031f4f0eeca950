//! Reboots within one run (`--max-resets N`): a reset restarts the firmware on the same board.
//!
//! Design notes:
//! - A run that ends in a system reset (PS_HOLD released with a reset action, a watchdog bite
//!   that resets) starts over while fewer than N resets happened: the outcome line is printed
//!   as it would be at the end, then `emu: reboot K of at most N at t=...`. A power-off, or
//!   the N+1-th reset, ends the run as before; without the option (N = 0) nothing changes.
//! - What a real board keeps over a reset is kept: the PM8916 model (its pins, RTC, keys and,
//!   through `Spmi::reboot`, the recorded reset), DRAM, virtual time and the instruction
//!   count (so `--press`, `--timeout` and `t=` stay on one time line), the pending timed
//!   events, the console script and what drives the pads from outside. Everything in the SoC
//!   starts over: the other models (the APSS watchdog's WDT_STS says whether it bit), the
//!   GIC, the generic timers, the secure firmware, the cores. The image is loaded again, as a
//!   boot chain would, and core 0 enters it like at power-on.
//! - Limit: the devices attached with `--i2c` / `--spi` are rebuilt with their controllers, so
//!   an EEPROM's or flash's contents start over at a reboot (a real chip keeps them).

use std::io::Write;

use unicorn_engine::Unicorn;

use super::multicore::{self, Core};
use super::{Config, Outcome, Shared, cpu, hooks, progress};
use crate::bus::{Ctx, Effects};
use crate::loader::LoadedImage;
use crate::machine::Devices;
use crate::models::ps_hold::Release;
use crate::models::secure_monitor::SecureMonitor;
use crate::models::spmi::RebootCause;
use crate::models::watchdog::Watchdog;

/// What reset the SoC, if `outcome` is a reset.
pub fn cause(outcome: &Outcome) -> Option<RebootCause> {
    match outcome {
        Outcome::PsHold {
            release: Release::Reset,
            ..
        } => Some(RebootCause::PsHold),
        Outcome::WatchdogBite { bite, .. } if !bite.power_off => Some(if bite.watchdog == "APSS" {
            RebootCause::ApssWatchdog
        } else {
            RebootCause::PmicWatchdog
        }),
        _ => None,
    }
}

/// Restart the board after reset number `count` (caused by `cause`): reports it on `err`,
/// resets the SoC's state and returns the cores with core 0 at the image's entry.
pub fn restart(
    state: &Shared,
    image: &LoadedImage,
    config: &Config,
    windows: &[(u64, u64)],
    cause: RebootCause,
    count: u32,
    err: &mut dyn Write,
) -> Result<[Core; multicore::CORES], String> {
    {
        let mut guard = state.borrow_mut();
        let st = &mut *guard;
        let _ = writeln!(
            err,
            "emu: reboot {count} of at most {} at t={}",
            config.max_resets, st.now
        );
        let mut devices = Devices::new(config);
        std::mem::swap(&mut devices.spmi, &mut st.bus.devices.spmi);
        devices.spmi.reboot(cause);
        devices.apss_wdt = Watchdog::new(cause == RebootCause::ApssWatchdog);
        st.bus.effects = Effects::default();
        // What drives the pads from outside (`--pin`, `--press`) still does.
        let clocks = devices.gcc.view();
        let mut ctx = Ctx {
            now: st.now,
            clocks: &clocks,
            effects: &mut st.bus.effects,
        };
        let mut applied: Vec<_> = config.pins.iter().filter(|p| p.at <= st.now).collect();
        applied.sort_by_key(|p| p.at);
        for pin in applied {
            devices.tlmm.drive(&mut ctx, pin.gpio, pin.level);
        }
        st.bus.devices = devices;
        st.timers = Default::default();
        st.horizon = None;
        st.stop = None;
        st.block = (image.entry, 0);
        st.secure = SecureMonitor::default();
        st.watch_illegal_return = false;
        st.illegal_state = false;
        st.progress = progress::Watch::default();
        st.irq_line = [false; multicore::CORES];
        st.core = 0;
        st.multicore = false;
        st.quantum_used = 0;
        st.switch = false;
        st.yield_core = false;
        st.park_wfe = false;
        st.events = [false; multicore::CORES];
        for core in 0..multicore::CORES {
            st.code_stale.forget(core);
        }
        st.tlb_stale = [false; multicore::CORES];
        // The engines are gone.
        st.count = Default::default();
        st.blocks_seen_in_a_row = 0;
        st.credit_limit = super::count::FIRST_CREDIT;
        st.irq_recheck = false;
        st.timer_deadline = u64::MAX;
    }
    let dram = state.borrow().dram.clone();
    let mut uc: Unicorn<'static, ()> = cpu::new_engine(&dram)?;
    cpu::load(&mut uc, image)?;
    hooks::install(&mut uc, state, windows, 0)?;
    cpu::reset(&mut uc, image, config.entry_el)?;
    let mut cores = [(); multicore::CORES].map(|()| Core {
        uc: None,
        pc: 0,
        wait: None,
        watches_cache_maintenance: false,
    });
    cores[0] = Core {
        uc: Some(uc),
        pc: image.entry,
        wait: None,
        watches_cache_maintenance: false,
    };
    Ok(cores)
}
