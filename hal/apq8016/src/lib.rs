//! Hardware abstraction layer for the Qualcomm APQ8016E (Snapdragon 410E).
//!
//! Cargo features:
//! - `critical-section-impl` (default): registers [`critical_section_impl`]'s multi-core
//!   `critical-section` implementation.
//! - `panic-handler` (off by default, firmware builds only): a `#[panic_handler]` that reports
//!   on the [`console`] and resets (see [`rt::panic`]). Board crates provide their own (the
//!   DragonBoard 410c's `db410c` does, with its feature `panic-handler`); enable at most one.
//! - `defmt`: `defmt::Format` for the public types.
//! - `defmt-logger` (firmware builds only): a `defmt` global logger and timestamp on the debug
//!   console, see the `defmt_logger` module and `docs/defmt.md`.
//! - `executor`: an `embassy-executor` executor for this chip (the `executor` module), which
//!   provides the executor's pender: at most one crate of a firmware may provide one.
//! - `embassy-time-driver`: the `embassy-time` driver on the generic timer (`time::driver`),
//!   1.28 MHz ticks; one driver per firmware.
//!
//! # Async
//!
//! Three pieces, each usable alone:
//!
//! - **Executor** (feature `executor`, module `executor`): `embassy-executor`'s tasks on this
//!   chip. Embassy has no AArch64 platform; the HAL provides the pender and the sleep: an
//!   executor woken by SGI sleeps in `WFI`, one woken by `SEV` in `WFE`
//!   (`Executor::woken_by_interrupt`, `Executor::woken_by_event`; how they compare:
//!   docs/benchmarks.md). One executor per core.
//! - **Time** (feature `embassy-time-driver`, module `time::driver`): `embassy-time`'s
//!   driver on the generic timer's [`time::Alarm`], at 1.28 MHz (the 19.2 MHz counter / 15,
//!   so periods are exact in counter ticks), and `AsyncDelay`, an
//!   `embedded_hal_async::delay::DelayNs`.
//! - **GPIO waits** (no feature): `embedded_hal_async::digital::Wait` for [`gpio::Input`],
//!   on the HAL's TLMM summary interrupt handler ([`gpio::enable_async_wait`]).
//!
//! `examples/async_blinky.rs` puts them together (LEDs, the button and the console as
//! tasks); `examples/async_wake.rs` wakes tasks across cores.
#![no_std]
#![deny(missing_docs)]

pub use apq8016_pac as pac;

pub mod clocks;
pub mod console;
pub mod cpu;
pub mod critical_section_impl;
#[cfg(all(feature = "defmt-logger", target_arch = "aarch64"))]
pub mod defmt_logger;
#[cfg(feature = "executor")]
pub mod executor;
pub mod gpio;
pub mod i2c;
pub mod interrupt;
pub mod pmic;
pub(crate) mod qup;
pub mod reset;
pub mod rng;
pub mod rt;
pub mod spi;
pub mod spmi;
pub mod time;
pub mod uart;
pub mod watchdog;
