//! The secure firmware (TZ) as seen from the normal world: what an `SMC` issued at EL1/EL2
//! does on the stock DragonBoard 410c boot chain.
//!
//! Design notes:
//! - This is not a register block: the board calls [`SecureMonitor::call`] from its exception
//!   hook with x0..x7 of the caller and a reader for guest memory, and applies the returned
//!   [`SmcAction`] to the CPU. The model itself never touches the CPU, so it is unit-testable.
//! - Calls modelled (docs/hardware/boot.md#psci-and-smc and the Arm SMC Calling Convention / PSCI 1.0 specifications):
//!   - TZ "milestone 32->64" SCM call (SIP fast call 0x8200_010F: service 1, command 0xF):
//!     x2 = address of a parameter block of ten little-endian u64 (el1_x0..el1_x8, el1_elr),
//!     x3 = its size. The secure firmware returns into AArch64 EL1h at el1_elr, DAIF masked,
//!     MMU and caches off, with x0..x8 taken from the block. x1 is the SCM argument
//!     descriptor; it is not checked (only the size is). A block that is too small or not in
//!     DRAM is refused with the SCM error codes "invalid argument" (-2) / "invalid address"
//!     (-3) in x0, and the caller continues after the SMC.
//!   - PSCI 1.0 (the stock TZ advertises `arm,psci-1.0`): PSCI_VERSION, CPU_ON,
//!     AFFINITY_INFO, MIGRATE_INFO_TYPE, SYSTEM_OFF, SYSTEM_RESET, PSCI_FEATURES (SMC32 and,
//!     where PSCI defines one, SMC64 function IDs).
//!     CPU_ON, CPU_OFF and AFFINITY_INFO manage the four cores (MPIDR affinity 0..3; CPU 0 is
//!     on from reset): CPU_ON of a core that is off records it as ON_PENDING with its entry
//!     point and context id and answers SUCCESS; the board starts the core (AArch64 EL1h,
//!     DAIF masked, MMU and caches off, x0 = context id) at the caller's next block and
//!     marks it on then ([`SecureMonitor::core_started`]). CPU_ON answers ALREADY_ON for a core that is on,
//!     ON_PENDING for one that is pending, INVALID_ADDRESS for an entry point outside DRAM and
//!     INVALID_PARAMETERS for any other target. CPU_OFF turns the calling core off (DENIED
//!     for the last core that is on). AFFINITY_INFO (level 0 only) answers ON (0), OFF (1) or
//!     ON_PENDING (2). SYSTEM_OFF and SYSTEM_RESET do what the secure firmware does on this SoC:
//!     write 0 to the MPM PS_HOLD register (docs/hardware/ps-hold-reset.md#mpm-ps_hold-register), which ends the run like any PS_HOLD
//!     release.
//!   - CPU_SUSPEND and PSCI_SET_SUSPEND_MODE (`suspend`, docs/hardware/boot.md#cpu-idle-states):
//!     the extended StateID format, OS-initiated mode supported (PSCI_FEATURES of CPU_SUSPEND
//!     answers 0b11). An accepted CPU_SUSPEND records the core as suspended and answers
//!     [`SmcAction::Suspend`]; the board parks the core until an interrupt is signalled to it
//!     and then asks [`SecureMonitor::wake`] how it goes on: after the SMC with SUCCESS
//!     (standby) or at the entry point with the context id, as after CPU_ON (power-down).
//!   - Anything else: SMCCC NOT_SUPPORTED (-1) in x0, x1..x3 unchanged.

mod suspend;
pub use suspend::{CPU_SUSPEND_FEATURES, SuspendMode, Suspension, Wake};

/// SMCCC / PSCI status NOT_SUPPORTED.
pub const NOT_SUPPORTED: i64 = -1;
/// PSCI INVALID_PARAMETERS.
pub const INVALID_PARAMETERS: i64 = -2;
/// PSCI ALREADY_ON.
pub const ALREADY_ON: i64 = -4;
/// PSCI DENIED.
pub const DENIED: i64 = -3;
/// PSCI ON_PENDING.
pub const ON_PENDING: i64 = -5;
/// PSCI INVALID_ADDRESS.
pub const INVALID_ADDRESS: i64 = -9;
/// SCM status: an argument is invalid.
pub const SCM_INVALID_ARGUMENT: i64 = -2;
/// SCM status: an address is invalid.
pub const SCM_INVALID_ADDRESS: i64 = -3;

/// TZ "milestone 32->64" SCM call (SMC32 SIP fast call, service 1, command 0xF).
pub const MILESTONE_32_64: u32 = 0x8200_010F;
/// Bytes in the milestone parameter block (ten u64).
pub const MILESTONE_BLOCK_SIZE: u64 = 80;

/// PSCI_VERSION.
pub const PSCI_VERSION: u32 = 0x8400_0000;
/// CPU_OFF.
pub const CPU_OFF: u32 = 0x8400_0002;
/// CPU_ON (SMC32; SMC64 is 0xC400_0003).
pub const CPU_ON: u32 = 0x8400_0003;
/// AFFINITY_INFO (SMC32; SMC64 is 0xC400_0004).
pub const AFFINITY_INFO: u32 = 0x8400_0004;
/// MIGRATE_INFO_TYPE.
pub const MIGRATE_INFO_TYPE: u32 = 0x8400_0006;
/// SYSTEM_OFF.
pub const SYSTEM_OFF: u32 = 0x8400_0008;
/// SYSTEM_RESET.
pub const SYSTEM_RESET: u32 = 0x8400_0009;
/// PSCI_FEATURES.
pub const PSCI_FEATURES: u32 = 0x8400_000A;
/// CPU_SUSPEND (SMC32; SMC64 is 0xC400_0001).
pub const CPU_SUSPEND: u32 = 0x8400_0001;
/// PSCI_SET_SUSPEND_MODE.
pub const SET_SUSPEND_MODE: u32 = 0x8400_000F;
/// Bit 30 of a function ID: SMC64 calling convention.
const SMC64: u32 = 0x4000_0000;

/// The PSCI version reported (1.0: major in bits 31:16, minor in 15:0).
pub const PSCI_VERSION_1_0: u64 = 0x0001_0000;
/// MIGRATE_INFO_TYPE answer: no Trusted OS that needs migration.
const MIGRATE_NOT_REQUIRED: u64 = 2;

/// What the CPU must do once the secure firmware is done with an SMC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmcAction {
    /// Return to the caller (after the SMC) with this value in x0; x1..x3 unchanged.
    Return(u64),
    /// Enter AArch64 EL1h at `pc` (DAIF masked, MMU and caches off) with x0..x8 = `x`.
    EnterEl1 {
        /// Entry point (el1_elr).
        pc: u64,
        /// x0..x8.
        x: [u64; 9],
    },
    /// The calling core turned itself off (PSCI CPU_OFF): it never returns.
    PowerOff,
    /// Release PS_HOLD (PSCI SYSTEM_OFF / SYSTEM_RESET).
    ReleasePsHold {
        /// Which call asked for it, for the board's report.
        call: &'static str,
    },
    /// The calling core is suspended (PSCI CPU_SUSPEND): it waits for an interrupt, then
    /// goes on as [`SecureMonitor::wake`] says.
    Suspend,
}

/// Number of cores (MPIDR affinity 0..3).
pub const CORES: usize = 4;

/// PSCI power state of one core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Power {
    /// Off.
    Off,
    /// CPU_ON accepted; the board has not started the core yet.
    OnPending {
        /// Entry point (physical address).
        entry: u64,
        /// Context id, x0 at entry.
        context: u64,
    },
    /// On.
    On,
}

/// The secure firmware model: the cores' power states and statistics.
#[derive(Debug)]
pub struct SecureMonitor {
    /// Number of successful milestone calls.
    pub milestones: u32,
    /// Power state per core. A suspended core is on (PSCI: AFFINITY_INFO answers ON).
    pub power: [Power; CORES],
    /// Per core: the CPU_SUSPEND it is in, until the board wakes it.
    pub suspended: [Option<Suspension>; CORES],
    /// How CPU_SUSPEND requests for the cluster are coordinated (PSCI_SET_SUSPEND_MODE).
    pub suspend_mode: SuspendMode,
    /// A core called CPU_SUSPEND since the last change of mode (or reset).
    pub(crate) suspended_since_mode_change: bool,
    /// Accepted CPU_SUSPEND calls per core (for `--stats` and tests).
    pub suspends: [u64; CORES],
}

impl Default for SecureMonitor {
    fn default() -> Self {
        Self {
            milestones: 0,
            power: [Power::On, Power::Off, Power::Off, Power::Off],
            suspended: [None; CORES],
            suspend_mode: SuspendMode::PlatformCoordinated,
            suspended_since_mode_change: false,
            suspends: [0; CORES],
        }
    }
}

fn status(code: i64) -> SmcAction {
    SmcAction::Return(code as u64)
}

impl SecureMonitor {
    /// The board started core `core` (it was ON_PENDING): it is on from now.
    pub fn core_started(&mut self, core: usize) {
        self.power[core] = Power::On;
    }

    /// Handle one SMC from core `core`. `x` = x0..x7 of the caller; `read` reads guest
    /// memory (None if the range is not RAM).
    pub fn call(
        &mut self,
        core: usize,
        x: &[u64; 8],
        read: &dyn Fn(u64, usize) -> Option<Vec<u8>>,
    ) -> SmcAction {
        // SMC32 calls ignore the upper half of every register (SMCCC).
        let fid = x[0] as u32;
        let smc64 = fid & SMC64 != 0;
        let arg = |n: usize| if smc64 { x[n] } else { x[n] & 0xFFFF_FFFF };
        match fid {
            MILESTONE_32_64 => self.milestone(arg(2), arg(3), read),
            PSCI_VERSION => SmcAction::Return(PSCI_VERSION_1_0),
            f if f & !SMC64 == CPU_ON => status(self.cpu_on(arg(1), arg(2), arg(3), read)),
            CPU_OFF => self.cpu_off(core),
            f if f & !SMC64 == AFFINITY_INFO => status(self.affinity_info(arg(1), arg(2))),
            MIGRATE_INFO_TYPE => SmcAction::Return(MIGRATE_NOT_REQUIRED),
            SYSTEM_OFF => SmcAction::ReleasePsHold { call: "SYSTEM_OFF" },
            SYSTEM_RESET => SmcAction::ReleasePsHold {
                call: "SYSTEM_RESET",
            },
            f if f & !SMC64 == CPU_SUSPEND => {
                self.cpu_suspend(core, x[1] as u32, arg(2), arg(3), read)
            }
            SET_SUSPEND_MODE => status(self.set_suspend_mode(core, arg(1))),
            PSCI_FEATURES => SmcAction::Return(features(x[1] as u32) as u64),
            _ => status(NOT_SUPPORTED),
        }
    }

    fn milestone(
        &mut self,
        block: u64,
        size: u64,
        read: &dyn Fn(u64, usize) -> Option<Vec<u8>>,
    ) -> SmcAction {
        if size < MILESTONE_BLOCK_SIZE {
            return status(SCM_INVALID_ARGUMENT);
        }
        let Some(bytes) = read(block, MILESTONE_BLOCK_SIZE as usize) else {
            return status(SCM_INVALID_ADDRESS);
        };
        let word = |k: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&bytes[8 * k..8 * k + 8]);
            u64::from_le_bytes(w)
        };
        let mut regs = [0u64; 9];
        for (k, r) in regs.iter_mut().enumerate() {
            *r = word(k);
        }
        self.milestones += 1;
        SmcAction::EnterEl1 {
            pc: word(9),
            x: regs,
        }
    }
}

/// PSCI_FEATURES: 0 (or CPU_SUSPEND's flags) for an implemented function, NOT_SUPPORTED
/// otherwise. SMC64 variants are implemented where PSCI defines one.
fn features(queried: u32) -> i64 {
    let smc32 = queried & !SMC64;
    let has_smc64 = matches!(smc32, CPU_ON | AFFINITY_INFO | CPU_SUSPEND);
    if queried & SMC64 != 0 && !has_smc64 {
        return NOT_SUPPORTED;
    }
    match smc32 {
        CPU_SUSPEND => CPU_SUSPEND_FEATURES,
        PSCI_VERSION | CPU_ON | CPU_OFF | AFFINITY_INFO | MIGRATE_INFO_TYPE | SYSTEM_OFF
        | SYSTEM_RESET | PSCI_FEATURES | SET_SUSPEND_MODE => 0,
        _ => NOT_SUPPORTED,
    }
}

/// The core a PSCI target MPIDR names, if it is one of the four.
fn target_core(target: u64) -> Option<usize> {
    match target & 0xFF_00FF_FFFF {
        t @ 0..=3 => Some(t as usize),
        _ => None,
    }
}

impl SecureMonitor {
    /// CPU_ON: start `target` at `entry` (physical, in DRAM) with x0 = `context`.
    fn cpu_on(
        &mut self,
        target: u64,
        entry: u64,
        context: u64,
        read: &dyn Fn(u64, usize) -> Option<Vec<u8>>,
    ) -> i64 {
        let Some(core) = target_core(target) else {
            return INVALID_PARAMETERS;
        };
        match self.power[core] {
            Power::On => ALREADY_ON,
            Power::OnPending { .. } => ON_PENDING,
            Power::Off if read(entry, 4).is_none() => INVALID_ADDRESS,
            Power::Off => {
                self.power[core] = Power::OnPending { entry, context };
                0
            }
        }
    }

    /// CPU_OFF from `core`: refused for the last core that is on.
    fn cpu_off(&mut self, core: usize) -> SmcAction {
        let others_on = (0..CORES).any(|c| c != core && self.power[c] != Power::Off);
        if !others_on {
            return status(DENIED);
        }
        self.power[core] = Power::Off;
        SmcAction::PowerOff
    }

    /// AFFINITY_INFO: 0 = ON, 1 = OFF, 2 = ON_PENDING. Only level 0 (one core) is answered.
    fn affinity_info(&self, target: u64, level: u64) -> i64 {
        if level != 0 {
            return INVALID_PARAMETERS;
        }
        match target_core(target).map(|c| self.power[c]) {
            Some(Power::On) => 0,
            Some(Power::Off) => 1,
            Some(Power::OnPending { .. }) => 2,
            None => INVALID_PARAMETERS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_memory(_: u64, _: usize) -> Option<Vec<u8>> {
        None
    }

    fn call(x0: u64, x1: u64, x2: u64) -> SmcAction {
        SecureMonitor::default().call(0, &[x0, x1, x2, 0, 0, 0, 0, 0], &no_memory)
    }

    #[test]
    fn milestone_enters_el1_with_registers_from_the_block() {
        let mut block = Vec::new();
        for k in 0..10u64 {
            block.extend_from_slice(&(0x1000 + k).to_le_bytes());
        }
        let read =
            move |addr: u64, len: usize| (addr == 0x8F60_0028 && len == 80).then(|| block.clone());
        let mut tz = SecureMonitor::default();
        let x = [
            u64::from(MILESTONE_32_64),
            0x12,
            0x8F60_0028,
            80,
            0,
            0,
            0,
            0,
        ];
        let expect_regs: [u64; 9] = core::array::from_fn(|k| 0x1000 + k as u64);
        assert_eq!(
            tz.call(0, &x, &read),
            SmcAction::EnterEl1 {
                pc: 0x1009,
                x: expect_regs
            }
        );
        assert_eq!(tz.milestones, 1);
        // Too small a block, or one outside memory, is refused and the caller continues.
        let small = [
            u64::from(MILESTONE_32_64),
            0x12,
            0x8F60_0028,
            72,
            0,
            0,
            0,
            0,
        ];
        assert_eq!(tz.call(0, &small, &read), status(SCM_INVALID_ARGUMENT));
        let elsewhere = [u64::from(MILESTONE_32_64), 0x12, 0x10, 80, 0, 0, 0, 0];
        assert_eq!(tz.call(0, &elsewhere, &read), status(SCM_INVALID_ADDRESS));
        assert_eq!(tz.milestones, 1);
    }

    #[test]
    fn psci_calls() {
        assert_eq!(call(0x8400_0000, 0, 0), SmcAction::Return(0x1_0000));
        assert_eq!(call(0x8400_0003, 0, 0x8008_0000), status(ALREADY_ON));
        assert_eq!(
            call(0xC400_0003, 4, 0x8008_0000),
            status(INVALID_PARAMETERS)
        );
        assert_eq!(call(0xC400_0004, 0, 0), SmcAction::Return(0));
        assert_eq!(call(0x8400_0004, 3, 0), SmcAction::Return(1));
        assert!(matches!(
            call(0x8400_0009, 0, 0),
            SmcAction::ReleasePsHold {
                call: "SYSTEM_RESET"
            }
        ));
        assert!(matches!(
            call(0x8400_0008, 0, 0),
            SmcAction::ReleasePsHold { call: "SYSTEM_OFF" }
        ));
        assert_eq!(call(0x8400_000A, 0x8400_0009, 0), SmcAction::Return(0));
        assert_eq!(call(0x8400_000A, 0xC400_0003, 0), SmcAction::Return(0));
        // MIGRATE is not implemented (MIGRATE_INFO_TYPE says no Trusted OS needs it).
        assert_eq!(call(0x8400_000A, 0x8400_0005, 0), status(NOT_SUPPORTED));
        assert_eq!(call(0x8400_000A, 0xC400_0005, 0), status(NOT_SUPPORTED));
        assert_eq!(call(0x8400_000A, 0xC400_0009, 0), status(NOT_SUPPORTED));
        // SMC32: the upper half of x0 is ignored.
        assert_eq!(
            call(0xFFFF_FFFF_8400_0000, 0, 0),
            SmcAction::Return(0x1_0000)
        );
    }

    #[test]
    fn cpu_on_off_and_affinity_info() {
        let dram = |addr: u64, len: usize| {
            (0x8000_0000..0xC000_0000)
                .contains(&addr)
                .then(|| vec![0; len])
        };
        let mut tz = SecureMonitor::default();
        let mut call = |core: usize, x0: u32, x1: u64, x2: u64, x3: u64| {
            tz.call(core, &[u64::from(x0), x1, x2, x3, 0, 0, 0, 0], &dram)
        };
        assert_eq!(call(0, AFFINITY_INFO, 2, 0, 0), SmcAction::Return(1));
        assert_eq!(
            call(0, 0xC400_0003, 0x8000_0002, 0x1000, 7),
            status(INVALID_ADDRESS)
        );
        assert_eq!(
            call(0, 0xC400_0003, 0x8000_0002, 0x8008_0000, 7),
            SmcAction::Return(0)
        );
        assert_eq!(call(0, 0xC400_0003, 2, 0x8008_0000, 7), status(ON_PENDING));
        assert_eq!(call(0, AFFINITY_INFO, 2, 0, 0), SmcAction::Return(2));
        assert_eq!(
            tz.power[2],
            Power::OnPending {
                entry: 0x8008_0000,
                context: 7
            }
        );
        tz.core_started(2);
        let mut call = |core: usize, x0: u32, x1: u64, x2: u64, x3: u64| {
            tz.call(core, &[u64::from(x0), x1, x2, x3, 0, 0, 0, 0], &dram)
        };
        assert_eq!(call(0, 0xC400_0003, 2, 0x8008_0000, 7), status(ALREADY_ON));
        assert_eq!(call(0, AFFINITY_INFO, 2, 0, 0), SmcAction::Return(0));
        assert_eq!(call(2, CPU_OFF, 0, 0, 0), SmcAction::PowerOff);
        assert_eq!(call(0, AFFINITY_INFO, 2, 0, 0), SmcAction::Return(1));
        // The last core on cannot turn itself off.
        assert_eq!(call(0, CPU_OFF, 0, 0, 0), status(DENIED));
        assert_eq!(
            call(0, 0xC400_0003, 4, 0x8008_0000, 0),
            status(INVALID_PARAMETERS)
        );
    }

    #[test]
    fn unknown_calls_answer_not_supported() {
        assert_eq!(call(0x8000_0000, 0, 0), SmcAction::Return(u64::MAX));
        assert_eq!(call(0xC200_0601, 0, 0), SmcAction::Return(u64::MAX));
        assert_eq!(call(0x0200_0101, 0, 0), SmcAction::Return(u64::MAX));
    }
}
