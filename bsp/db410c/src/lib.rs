#![no_std]
pub use apq8016_hal as hal;
