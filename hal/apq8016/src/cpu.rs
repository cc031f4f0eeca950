//! The four Cortex-A53 cores: which core this is, starting the others, and events.
//!
//! # Design notes
//!
//! - Cores are started through the secure firmware's PSCI `CPU_ON` (an `SMC` from EL1, the
//!   `smccc` crate's [`Smc`](smccc::Smc) conduit), by [`aarch64_rt::start_core`]: the new core
//!   enters aarch64-rt's secondary entry code with the MMU off, turns the MMU on with the same
//!   initial identity map as core 0, allows FP/SIMD, sets its stack and the same exception
//!   vector table, and calls the entry function with its core number. Interrupt handlers are
//!   shared: the GIC's CPU interface is banked, so each core acknowledges its own interrupts.
//! - Each core needs its own stack: [`start`] takes a `&'static mut` [`Stack`], so no two
//!   cores can be given the same one. The entry function is a plain `fn(usize) -> !`.
//! - Shared data: `critical_section` ([`crate::critical_section_impl`]) masks interrupts on
//!   this core and takes a lock against the other cores. Atomics work between cores (the A53
//!   has no LSE atomics: read-modify-write operations are exclusive load/store loops).
//! - Waking another core: [`send_event`] (`SEV`) ends a [`wait_for_event`] (`WFE`) on every
//!   core; an SGI ([`crate::interrupt::InterruptController::send_sgi`]) interrupts one.

/// Number of cores on the APQ8016E.
pub const CORE_COUNT: usize = 4;

#[cfg(target_arch = "aarch64")]
pub use aarch64_rt::Stack;

/// Why a core was not started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// No such core (the APQ8016E has cores 0..=3).
    NoSuchCore(usize),
    /// The core is already on (PSCI `ALREADY_ON`).
    AlreadyOn,
    /// The core is being turned on (PSCI `ON_PENDING`).
    OnPending,
    /// Any other answer of the secure firmware.
    Firmware(smccc::psci::Error),
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::NoSuchCore(core) => write!(f, "there is no core {core}"),
            Self::AlreadyOn => f.write_str("the core is already on"),
            Self::OnPending => f.write_str("the core is being turned on"),
            Self::Firmware(e) => write!(f, "the secure firmware refused: {e}"),
        }
    }
}

/// `MPIDR_EL1` affinity level 0: the core number within the cluster.
#[cfg(target_arch = "aarch64")]
const MPIDR_AFF0: u64 = 0xFF;

/// `MPIDR_EL1` of this core (0x8000_0000 | core number on the APQ8016E).
#[cfg(target_arch = "aarch64")]
pub fn mpidr() -> u64 {
    use aarch64_cpu::registers::{MPIDR_EL1, Readable};
    MPIDR_EL1.get()
}

/// The number of the core running this code (0..=3).
#[cfg(target_arch = "aarch64")]
pub fn current_core() -> usize {
    (mpidr() & MPIDR_AFF0) as usize
}

/// Starts `core` (1..=3) on `stack`, running `entry(core)`.
///
/// Returns once the secure firmware accepted the request (the core may not have run yet).
/// Errors: [`Error::NoSuchCore`] for a core above 3, [`Error::AlreadyOn`] for a core that
/// is running (including this one), [`Error::OnPending`] for one being started.
#[cfg(target_arch = "aarch64")]
pub fn start<const PAGES: usize>(
    core: usize,
    stack: &'static mut Stack<PAGES>,
    entry: fn(usize) -> !,
) -> Result<(), Error> {
    if core >= CORE_COUNT {
        return Err(Error::NoSuchCore(core));
    }
    let mpidr = mpidr() & !MPIDR_AFF0 | core as u64;
    // SAFETY: the stack is `'static` and exclusively ours (nothing else can use it after
    // this call); it is in DRAM, which the initial page table maps with the same attributes
    // for every core; the closure (a fn pointer and a number) fits easily.
    let result = unsafe {
        aarch64_rt::start_core::<smccc::Smc, _, PAGES>(mpidr, stack, move || entry(core))
    };
    result.map_err(|e| match e {
        smccc::psci::Error::AlreadyOn => Error::AlreadyOn,
        smccc::psci::Error::OnPending => Error::OnPending,
        other => Error::Firmware(other),
    })
}

/// Signals an event to every core (`SEV`): a core in [`wait_for_event`] wakes up.
#[inline]
pub fn send_event() {
    #[cfg(target_arch = "aarch64")]
    aarch64_cpu::asm::sev();
}

/// Sleeps until an event (`WFE`): a [`send_event`] from any core since the last wait, or an
/// interrupt for this core. It may return for other reasons too: check the condition you
/// wait for in a loop.
#[inline]
pub fn wait_for_event() {
    #[cfg(target_arch = "aarch64")]
    aarch64_cpu::asm::wfe();
}
