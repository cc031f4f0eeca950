//! The HAL's `clocks::rcg` (divider search) and `clocks::tree` (the tree it programs),
//! included as they are, with the one name from their parent module they use.

/// The one error of the HAL's `ClockError` that `rcg.rs` makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockError {
    UnachievableRate { requested_hz: u32 },
}

#[path = "../../../hal/apq8016/src/clocks/rcg.rs"]
pub mod rcg;
#[path = "../../../hal/apq8016/src/clocks/tree.rs"]
pub mod tree;
