//! Peripheral models.

pub mod gcc;
pub mod gic;
pub mod gic_registers;
pub mod i2c_devices;
pub mod prng;
pub mod ps_hold;
pub mod qup;
pub mod sdhc;
pub mod secure_monitor;
pub mod spi_devices;
pub mod spmi;
pub mod timer;
pub mod tlmm;
pub mod uart_dm;
pub mod usb_hs;
pub mod watchdog;
