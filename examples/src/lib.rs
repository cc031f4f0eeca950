//! Shared helpers for the examples (kept tiny on purpose: each example reads on its own).
#![no_std]
