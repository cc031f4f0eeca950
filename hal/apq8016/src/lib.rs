//! Hardware abstraction layer for the Qualcomm APQ8016E (Snapdragon 410E).
#![no_std]
#![deny(missing_docs)]

pub use apq8016_pac as pac;

pub mod clocks;
pub mod gpio;
pub mod reset;
pub mod rng;
pub mod time;
pub mod uart;

#[cfg(target_arch = "aarch64")]
pub mod critical_section_impl;
#[cfg(target_arch = "aarch64")]
pub mod rt;
