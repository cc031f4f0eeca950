#![no_std]
pub use apq8016_pac as pac;
