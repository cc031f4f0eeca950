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
//! Async without either feature: `embedded_hal_async::digital::Wait` for
//! [`gpio::Input`] (on [`gpio::enable_async_wait`]).
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
