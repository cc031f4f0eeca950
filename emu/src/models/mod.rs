//! Peripheral models.

pub mod gcc;
pub mod prng;
pub mod ps_hold;
pub mod timer;
pub mod tlmm;
pub mod uart_dm;
