//! The board's four cores: start cores 1..=3, each on its own stack, running a Rust function.
//!
//! ```ignore
//! static mut STACK1: db410c::cores::Stack<4> = db410c::cores::Stack::new();
//! fn worker(core: usize) -> ! { loop { db410c::cores::wait_for_event() } }
//! // SAFETY: STACK1 is used by core 1 only, from here on.
//! db410c::cores::start(1, unsafe { &mut *(&raw mut STACK1) }, worker)?;
//! ```
//!
//! On the DragonBoard 410c the secure firmware (TZ) powers the cores on through PSCI; the
//! virtual board models the same calls. See `hal::cpu` for the details.

pub use crate::hal::cpu::{CORE_COUNT, Error, send_event, wait_for_event};
#[cfg(target_arch = "aarch64")]
pub use crate::hal::cpu::{Stack, current_core, mpidr, start};
