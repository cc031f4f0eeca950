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
//!     The virtual board runs one core (CPU 0, MPIDR affinity 0): CPU_ON of CPU 0 answers
//!     ALREADY_ON, CPU_ON of CPUs 1..3 answers INTERNAL_FAILURE (the core cannot be powered
//!     on here), any other target INVALID_PARAMETERS. AFFINITY_INFO reports CPU 0 ON and CPUs
//!     1..3 OFF. SYSTEM_OFF and SYSTEM_RESET do what the secure firmware does on this SoC:
//!     write 0 to the MPM PS_HOLD register (docs/hardware/ps-hold-reset.md#mpm-ps_hold-register), which ends the run like any PS_HOLD
//!     release.
//!   - Anything else: SMCCC NOT_SUPPORTED (-1) in x0, x1..x3 unchanged.

/// SMCCC / PSCI status NOT_SUPPORTED.
pub const NOT_SUPPORTED: i64 = -1;
/// PSCI INVALID_PARAMETERS.
pub const INVALID_PARAMETERS: i64 = -2;
/// PSCI ALREADY_ON.
pub const ALREADY_ON: i64 = -4;
/// PSCI INTERNAL_FAILURE.
pub const INTERNAL_FAILURE: i64 = -6;
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
    /// Release PS_HOLD (PSCI SYSTEM_OFF / SYSTEM_RESET).
    ReleasePsHold {
        /// Which call asked for it, for the board's report.
        call: &'static str,
    },
}

/// The secure firmware model. Stateless apart from statistics.
#[derive(Debug, Default)]
pub struct SecureMonitor {
    /// Number of successful milestone calls.
    pub milestones: u32,
}

fn status(code: i64) -> SmcAction {
    SmcAction::Return(code as u64)
}

impl SecureMonitor {
    /// Handle one SMC. `x` = x0..x7 of the caller; `read` reads guest memory (None if the
    /// range is not RAM).
    pub fn call(
        &mut self,
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
            f if f & !SMC64 == CPU_ON => status(cpu_on(arg(1))),
            f if f & !SMC64 == AFFINITY_INFO => status(affinity_info(arg(1), arg(2))),
            MIGRATE_INFO_TYPE => SmcAction::Return(MIGRATE_NOT_REQUIRED),
            SYSTEM_OFF => SmcAction::ReleasePsHold { call: "SYSTEM_OFF" },
            SYSTEM_RESET => SmcAction::ReleasePsHold {
                call: "SYSTEM_RESET",
            },
            PSCI_FEATURES => {
                let queried = x[1] as u32;
                let known = matches!(
                    queried,
                    PSCI_VERSION
                        | CPU_ON
                        | AFFINITY_INFO
                        | MIGRATE_INFO_TYPE
                        | SYSTEM_OFF
                        | SYSTEM_RESET
                        | PSCI_FEATURES
                ) || matches!(queried & !SMC64, CPU_ON | AFFINITY_INFO)
                    && queried & SMC64 != 0;
                status(if known { 0 } else { NOT_SUPPORTED })
            }
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

/// CPU_ON for `target` (MPIDR affinity fields) on a board that runs CPU 0 only.
fn cpu_on(target: u64) -> i64 {
    match target & 0xFF_00FF_FFFF {
        0 => ALREADY_ON,
        1..=3 => INTERNAL_FAILURE,
        _ => INVALID_PARAMETERS,
    }
}

/// AFFINITY_INFO: 0 = ON, 1 = OFF. Only level 0 (one core) is answered.
fn affinity_info(target: u64, level: u64) -> i64 {
    if level != 0 {
        return INVALID_PARAMETERS;
    }
    match target & 0xFF_00FF_FFFF {
        0 => 0,
        1..=3 => 1,
        _ => INVALID_PARAMETERS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_memory(_: u64, _: usize) -> Option<Vec<u8>> {
        None
    }

    fn call(x0: u64, x1: u64, x2: u64) -> SmcAction {
        SecureMonitor::default().call(&[x0, x1, x2, 0, 0, 0, 0, 0], &no_memory)
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
            tz.call(&x, &read),
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
        assert_eq!(tz.call(&small, &read), status(SCM_INVALID_ARGUMENT));
        let elsewhere = [u64::from(MILESTONE_32_64), 0x12, 0x10, 80, 0, 0, 0, 0];
        assert_eq!(tz.call(&elsewhere, &read), status(SCM_INVALID_ADDRESS));
        assert_eq!(tz.milestones, 1);
    }

    #[test]
    fn psci_calls() {
        assert_eq!(call(0x8400_0000, 0, 0), SmcAction::Return(0x1_0000));
        assert_eq!(call(0x8400_0003, 0, 0x8008_0000), status(ALREADY_ON));
        assert_eq!(call(0xC400_0003, 2, 0x8008_0000), status(INTERNAL_FAILURE));
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
        assert_eq!(call(0x8400_000A, 0x8400_0001, 0), status(NOT_SUPPORTED));
        // SMC32: the upper half of x0 is ignored.
        assert_eq!(
            call(0xFFFF_FFFF_8400_0000, 0, 0),
            SmcAction::Return(0x1_0000)
        );
    }

    #[test]
    fn unknown_calls_answer_not_supported() {
        assert_eq!(call(0x8000_0000, 0, 0), SmcAction::Return(u64::MAX));
        assert_eq!(call(0xC200_0601, 0, 0), SmcAction::Return(u64::MAX));
        assert_eq!(call(0x0200_0101, 0, 0), SmcAction::Return(u64::MAX));
    }
}
