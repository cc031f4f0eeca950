//! Placeholder until `cargo xtask regen` generates this crate.
#![no_std]
