//! PSCI CPU_SUSPEND and PSCI_SET_SUSPEND_MODE as the stock secure firmware answers them
//! (docs/hardware/boot.md#cpu-idle-states; PSCI 1.0 sections "CPU_SUSPEND",
//! "PSCI_SET_SUSPEND_MODE", "PSCI_FEATURES").
//!
//! Design notes:
//! - The power_state parameter is in the extended StateID format: bit 30 StateType (1 =
//!   power-down), bits 27:0 StateID, every other bit reserved (zero). PSCI leaves StateIDs to
//!   the firmware; this one accepts the four in [`STATES`]: the three the upstream device
//!   tree names for this SoC (core power collapse, alone or with cluster retention or
//!   cluster power-down) and StateID 0 as a core-level standby. Anything else is refused
//!   with INVALID_PARAMETERS.
//! - Nothing on the board changes with the state beyond the core: the cluster's L2 and the
//!   GIC keep their contents (a cluster state is only bookkeeping for OS-initiated mode), and
//!   a core in any state wakes when an interrupt is signalled to it, as from WFI.
//! - Power-down loses the core's context: it wakes at the entry point given to CPU_SUSPEND
//!   with x0 = the context id, AArch64 EL1h, DAIF masked, MMU and caches off (the CPU_ON
//!   state). Standby keeps it: the core goes on after the SMC with SUCCESS in x0.
//! - Platform-coordinated mode (the default) accepts every valid request (the firmware would
//!   pick the cluster state the cores allow). OS-initiated mode checks a cluster-level
//!   request: DENIED while another core of the cluster runs, INVALID_PARAMETERS while one is
//!   in a standby state (which a cluster power-down would break). The mode can be changed
//!   only under PSCI's conditions (otherwise DENIED).

use super::{
    CORES, DENIED, INVALID_ADDRESS, INVALID_PARAMETERS, Power, SecureMonitor, SmcAction, status,
};

/// PSCI_FEATURES flags of CPU_SUSPEND: bit 1, the extended StateID format; bit 0,
/// OS-initiated mode supported.
pub const CPU_SUSPEND_FEATURES: i64 = 0b11;

/// power_state bit 30: StateType, 1 = power-down.
const STATE_TYPE_POWER_DOWN: u32 = 1 << 30;
/// power_state bits 27:0: StateID.
const STATE_ID_MASK: u32 = 0x0FFF_FFFF;

/// A low-power state this firmware accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LowPowerState {
    /// The power_state value (extended format).
    pub power_state: u32,
    /// What it is called in the device tree (or here, for the standby).
    pub name: &'static str,
    /// The highest power level it affects: 0 the core, 1 the cluster.
    pub level: u8,
}

impl LowPowerState {
    /// The core loses its context (StateType power-down).
    pub fn power_down(&self) -> bool {
        self.power_state & STATE_TYPE_POWER_DOWN != 0
    }
}

/// The states CPU_SUSPEND accepts. StateID bits 3:0 name the core's state (2 = power
/// collapse), bits 7:4 the cluster's (1 = retention, 3 = power-down), bits 27:24 the
/// highest level affected.
pub const STATES: [LowPowerState; 4] = [
    LowPowerState {
        power_state: 0x0000_0000,
        name: "core standby (clock gated, as WFI)",
        level: 0,
    },
    LowPowerState {
        power_state: 0x4000_0002,
        name: "standalone-power-collapse",
        level: 0,
    },
    LowPowerState {
        power_state: 0x4100_0012,
        name: "cluster-retention",
        level: 1,
    },
    LowPowerState {
        power_state: 0x4100_0032,
        name: "cluster-gdhs",
        level: 1,
    },
];

/// The accepted state a power_state value names.
pub fn decode(power_state: u32) -> Option<LowPowerState> {
    if power_state & !(STATE_TYPE_POWER_DOWN | STATE_ID_MASK) != 0 {
        return None;
    }
    STATES
        .iter()
        .copied()
        .find(|s| s.power_state == power_state)
}

/// How requests for levels above the core are coordinated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuspendMode {
    /// The firmware coordinates (PSCI's default).
    PlatformCoordinated,
    /// The OS coordinates; the firmware checks its requests.
    OsInitiated,
}

/// A core's CPU_SUSPEND, kept until it wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suspension {
    /// The state it entered.
    pub state: LowPowerState,
    /// Entry point (physical) after a power-down.
    pub entry: u64,
    /// Context id, x0 at the entry point.
    pub context: u64,
}

/// How a suspended core goes on when it wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Standby: after the SMC, with SUCCESS (0) in x0.
    Continue,
    /// Power-down: at `entry` (AArch64 EL1h, DAIF masked, MMU and caches off), x0 = `context`.
    Resume {
        /// Entry point (physical).
        entry: u64,
        /// Context id.
        context: u64,
    },
}

impl SecureMonitor {
    /// CPU_SUSPEND from `core`.
    pub(super) fn cpu_suspend(
        &mut self,
        core: usize,
        power_state: u32,
        entry: u64,
        context: u64,
        read: &dyn Fn(u64, usize) -> Option<Vec<u8>>,
    ) -> SmcAction {
        let Some(state) = decode(power_state) else {
            return status(INVALID_PARAMETERS);
        };
        if state.power_down() && read(entry, 4).is_none() {
            return status(INVALID_ADDRESS);
        }
        if self.suspend_mode == SuspendMode::OsInitiated && state.level >= 1 {
            // The caller must be the last core of the cluster that runs.
            for other in (0..CORES).filter(|&c| c != core) {
                match (self.power[other], self.suspended[other]) {
                    (Power::Off, _) => {}
                    (_, Some(s)) if s.state.power_down() => {}
                    (_, Some(_)) => return status(INVALID_PARAMETERS),
                    (_, None) => return status(DENIED),
                }
            }
        }
        self.suspended[core] = Some(Suspension {
            state,
            entry,
            context,
        });
        self.suspended_since_mode_change = true;
        self.suspends[core] += 1;
        SmcAction::Suspend
    }

    /// PSCI_SET_SUSPEND_MODE from `core`: 0 platform-coordinated, 1 OS-initiated.
    pub(super) fn set_suspend_mode(&mut self, core: usize, mode: u64) -> i64 {
        let mode = match mode {
            0 => SuspendMode::PlatformCoordinated,
            1 => SuspendMode::OsInitiated,
            _ => return INVALID_PARAMETERS,
        };
        if mode == self.suspend_mode {
            return 0;
        }
        let others_off = (0..CORES)
            .filter(|&c| c != core)
            .all(|c| self.power[c] == Power::Off);
        let allowed = match mode {
            // Every core runs or is off, and none suspended since the last change.
            SuspendMode::OsInitiated => {
                !self.suspended_since_mode_change && self.suspended.iter().all(Option::is_none)
            }
            // Every other core is off.
            SuspendMode::PlatformCoordinated => others_off,
        };
        if !allowed {
            return DENIED;
        }
        self.suspend_mode = mode;
        self.suspended_since_mode_change = false;
        0
    }

    /// Whether `core` is suspended (waits for an interrupt in CPU_SUSPEND).
    pub fn is_suspended(&self, core: usize) -> bool {
        self.suspended[core].is_some()
    }

    /// Whether any core is suspended.
    pub fn any_suspended(&self) -> bool {
        self.suspended.iter().any(Option::is_some)
    }

    /// The board woke suspended `core` (an interrupt was signalled to it): how it goes on.
    /// None if it was not suspended.
    pub fn wake(&mut self, core: usize) -> Option<Wake> {
        let s = self.suspended[core].take()?;
        Some(if s.state.power_down() {
            Wake::Resume {
                entry: s.entry,
                context: s.context,
            }
        } else {
            Wake::Continue
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{CPU_ON, CPU_SUSPEND, NOT_SUPPORTED, PSCI_FEATURES, SET_SUSPEND_MODE};
    use super::*;

    fn dram(addr: u64, len: usize) -> Option<Vec<u8>> {
        (0x8000_0000..0xC000_0000)
            .contains(&addr)
            .then(|| vec![0; len])
    }

    /// A monitor with cores 0..`on` on.
    fn with_cores_on(on: usize) -> SecureMonitor {
        let mut tz = SecureMonitor::default();
        for c in 0..on {
            tz.power[c] = Power::On;
        }
        tz
    }

    fn call(tz: &mut SecureMonitor, core: usize, x: [u64; 4]) -> SmcAction {
        tz.call(core, &[x[0], x[1], x[2], x[3], 0, 0, 0, 0], &dram)
    }

    const SMC64_CPU_SUSPEND: u64 = 0xC400_0001;

    #[test]
    fn features_report_extended_format_and_os_initiated_mode() {
        let mut tz = SecureMonitor::default();
        for fid in [0x8400_0001u64, 0xC400_0001] {
            assert_eq!(
                call(&mut tz, 0, [u64::from(PSCI_FEATURES), fid, 0, 0]),
                SmcAction::Return(0b11)
            );
        }
        assert_eq!(
            call(&mut tz, 0, [u64::from(PSCI_FEATURES), 0x8400_000F, 0, 0]),
            SmcAction::Return(0)
        );
        // No SMC64 form of SET_SUSPEND_MODE.
        assert_eq!(
            call(&mut tz, 0, [u64::from(PSCI_FEATURES), 0xC400_000F, 0, 0]),
            status(NOT_SUPPORTED)
        );
    }

    #[test]
    fn power_states_in_the_extended_format() {
        assert_eq!(decode(0x4000_0002).map(|s| s.level), Some(0));
        assert!(decode(0x4000_0002).unwrap().power_down());
        assert_eq!(decode(0x4100_0032).map(|s| s.level), Some(1));
        assert!(!decode(0).unwrap().power_down());
        // The original format's power-down bit (16) and a reserved bit (31) are refused.
        assert_eq!(decode(0x0001_0002), None);
        assert_eq!(decode(0xC000_0002), None);
        assert_eq!(decode(0x4000_0003), None);
    }

    #[test]
    fn power_down_wakes_at_the_entry_point_with_the_context_id() {
        let mut tz = with_cores_on(2);
        let x = [SMC64_CPU_SUSPEND, 0x4000_0002, 0x8008_1000, 0x77];
        assert_eq!(call(&mut tz, 1, x), SmcAction::Suspend);
        assert!(tz.is_suspended(1));
        assert_eq!(tz.suspends, [0, 1, 0, 0]);
        // Still on for AFFINITY_INFO and CPU_ON.
        assert_eq!(
            call(&mut tz, 0, [0x8400_0004, 1, 0, 0]),
            SmcAction::Return(0)
        );
        assert_eq!(
            call(&mut tz, 0, [u64::from(CPU_ON), 1, 0x8008_0000, 0]),
            status(super::super::ALREADY_ON)
        );
        assert_eq!(
            tz.wake(1),
            Some(Wake::Resume {
                entry: 0x8008_1000,
                context: 0x77
            })
        );
        assert!(!tz.any_suspended());
        assert_eq!(tz.wake(1), None);
    }

    #[test]
    fn standby_goes_on_after_the_call() {
        let mut tz = with_cores_on(1);
        // The entry point is not looked at for a standby state.
        assert_eq!(
            call(&mut tz, 0, [u64::from(CPU_SUSPEND), 0, 0, 0]),
            SmcAction::Suspend
        );
        assert_eq!(tz.wake(0), Some(Wake::Continue));
    }

    #[test]
    fn invalid_states_and_entry_points_are_refused() {
        let mut tz = with_cores_on(1);
        assert_eq!(
            call(&mut tz, 0, [SMC64_CPU_SUSPEND, 0x4000_0005, 0x8008_0000, 0]),
            status(INVALID_PARAMETERS)
        );
        assert_eq!(
            call(&mut tz, 0, [SMC64_CPU_SUSPEND, 0x4000_0002, 0x1000, 0]),
            status(INVALID_ADDRESS)
        );
        // SMC32: the entry point's upper half is ignored.
        assert_eq!(
            call(
                &mut tz,
                0,
                [
                    u64::from(CPU_SUSPEND),
                    0x4000_0002,
                    0xFFFF_FFFF_8008_0000,
                    0
                ]
            ),
            SmcAction::Suspend
        );
        assert_eq!(
            tz.wake(0),
            Some(Wake::Resume {
                entry: 0x8008_0000,
                context: 0
            })
        );
        assert!(!tz.any_suspended());
    }

    #[test]
    fn os_initiated_cluster_requests_need_the_last_running_core() {
        let mut tz = with_cores_on(3);
        assert_eq!(
            call(&mut tz, 0, [u64::from(SET_SUSPEND_MODE), 1, 0, 0]),
            SmcAction::Return(0)
        );
        assert_eq!(tz.suspend_mode, SuspendMode::OsInitiated);
        let cluster_off = |core| [SMC64_CPU_SUSPEND, 0x4100_0032, 0x8008_0000, core];
        // Cores 1 and 2 still run.
        assert_eq!(call(&mut tz, 0, cluster_off(0)), status(DENIED));
        assert_eq!(
            call(&mut tz, 1, [SMC64_CPU_SUSPEND, 0x4000_0002, 0x8008_0000, 1]),
            SmcAction::Suspend
        );
        // Core 2 in standby: a cluster power-down does not fit.
        assert_eq!(
            call(&mut tz, 2, [SMC64_CPU_SUSPEND, 0, 0, 0]),
            SmcAction::Suspend
        );
        assert_eq!(call(&mut tz, 0, cluster_off(0)), status(INVALID_PARAMETERS));
        assert_eq!(tz.wake(2), Some(Wake::Continue));
        assert_eq!(
            call(&mut tz, 2, [SMC64_CPU_SUSPEND, 0x4000_0002, 0x8008_0000, 2]),
            SmcAction::Suspend
        );
        // Core 3 is off, 1 and 2 powered down: core 0 is the last one running.
        assert_eq!(call(&mut tz, 0, cluster_off(0)), SmcAction::Suspend);
        // Platform-coordinated mode accepts a cluster request at any time.
        let mut pc = with_cores_on(2);
        assert_eq!(call(&mut pc, 0, cluster_off(0)), SmcAction::Suspend);
    }

    #[test]
    fn suspend_mode_changes_follow_the_psci_conditions() {
        let mut tz = with_cores_on(2);
        assert_eq!(
            call(&mut tz, 0, [u64::from(SET_SUSPEND_MODE), 2, 0, 0]),
            status(INVALID_PARAMETERS)
        );
        // Same mode: nothing to do.
        assert_eq!(
            call(&mut tz, 0, [u64::from(SET_SUSPEND_MODE), 0, 0, 0]),
            SmcAction::Return(0)
        );
        // A CPU_SUSPEND since reset forbids the switch to OS-initiated.
        call(&mut tz, 1, [SMC64_CPU_SUSPEND, 0, 0, 0]);
        tz.wake(1);
        assert_eq!(
            call(&mut tz, 0, [u64::from(SET_SUSPEND_MODE), 1, 0, 0]),
            status(DENIED)
        );
        let mut tz = with_cores_on(2);
        assert_eq!(
            call(&mut tz, 0, [u64::from(SET_SUSPEND_MODE), 1, 0, 0]),
            SmcAction::Return(0)
        );
        // Back to platform-coordinated only with every other core off.
        assert_eq!(
            call(&mut tz, 0, [u64::from(SET_SUSPEND_MODE), 0, 0, 0]),
            status(DENIED)
        );
        tz.power[1] = Power::Off;
        assert_eq!(
            call(&mut tz, 0, [u64::from(SET_SUSPEND_MODE), 0, 0, 0]),
            SmcAction::Return(0)
        );
    }
}
