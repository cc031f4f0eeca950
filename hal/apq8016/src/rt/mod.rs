//! Runtime: boot image header, entry code, initial page table, exception and panic reports.
//!
//! # Design notes
//!
//! Built on [`aarch64-rt`](https://docs.rs/aarch64-rt) 0.4 (features `el1`, `exceptions`,
//! `initial-pagetable`), which provides the `entry` routine (enable the MMU, allow FP/SIMD,
//! zero `.bss`, set the stack and the vector table, call `main`). This module adds what is
//! specific to the APQ8016E:
//!
//! - **Boot image header** ([`image_header`]): the stock boot chain (LK, U-Boot, lk2nd) loads
//!   an arm64 Linux `Image` and jumps to its first byte at 0x8008_0000, so the firmware image
//!   starts with the 64-byte `Image` header; its first word branches to the start code.
//! - **Start code**: entered at EL1 (stock TZ → LK path) or EL2 (TF-A → U-Boot path). At EL2 it
//!   configures EL1 to run AArch64 with direct counter access and drops to EL1h with all
//!   interrupts masked; then it continues at aarch64-rt's `entry`. x0..x3 (x0 = device tree or 0)
//!   are preserved and reach `aarch64-rt` untouched. EL3 entry is not supported by any boot
//!   chain of this board and is passed on unchanged (the `el1` runtime would then fault).
//! - **Initial page table** ([`pagetable`]): an identity map with 1 GiB blocks; the board
//!   gives the DRAM region ([`initial_pagetable!`](crate::initial_pagetable)).
//! - **Reports** ([`exceptions`], [`panic::report_panic`]): written on the console the board
//!   selected ([`crate::console`]), then the SoC is reset through PS_HOLD.
//! - Board decisions live in the board crate: the linker script (`db410c.ld`, which places
//!   the header section `.init.image_header` first and defines `__image_size`), the DRAM map,
//!   the console UART and the `#[panic_handler]`.

pub mod esr;
#[cfg(target_arch = "aarch64")]
pub mod exceptions;
#[cfg(target_arch = "aarch64")]
pub mod image_header;
pub mod pagetable;
#[cfg(target_arch = "aarch64")]
pub mod panic;

#[doc(hidden)]
#[cfg(target_arch = "aarch64")]
pub use aarch64_rt as __aarch64_rt;

/// Boot stack size reserved by [`entry!`](crate::entry) unless given, in 4 KiB pages (64 KiB).
pub const DEFAULT_BOOT_STACK_PAGES: usize = 16;

/// The exception level this code runs at (0..=3), from `CurrentEL`.
///
/// After the start code this is always 1 for `main` and exception handlers.
#[cfg(target_arch = "aarch64")]
#[inline]
pub fn current_el() -> u8 {
    use aarch64_cpu::registers::{CurrentEL, Readable};
    CurrentEL.read(CurrentEL::EL) as u8
}

/// Releases PS_HOLD without going through any driver (see [`crate::reset`]), after a report.
#[cfg(target_arch = "aarch64")]
pub fn reset_after_report() -> ! {
    // SAFETY: the report path owns the system from here on; nothing else will use PS_HOLD
    // again, and the write only releases the power hold.
    let ps_hold = unsafe { crate::reset::PsHold::new(crate::pac::MPM_PS_HOLD::steal()) };
    ps_hold.reset()
}

/// Declares the firmware's `main` function: `fn main() -> !`.
///
/// ```ignore
/// apq8016_hal::entry!(main);
/// fn main() -> ! { loop {} }
/// ```
///
/// Reserves the boot stack ([`DEFAULT_BOOT_STACK_PAGES`] pages of 4 KiB, or as many as the
/// optional second argument says: `entry!(main, 40)`) and connects `main` to the runtime.
/// Use it once, in the binary crate. A board crate usually wraps it (the DragonBoard 410c's
/// `db410c::entry!` also selects the console before `main`).
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        $crate::entry!($main, { $crate::rt::DEFAULT_BOOT_STACK_PAGES });
    };
    ($main:path, $boot_stack_pages:expr) => {
        // The boot arguments (x0 = device-tree address or 0, x1..x3 = 0) are not needed by the
        // examples; `main` stays argument-less as the contract promises.
        fn __apq8016_hal_main(_x0: u64, _x1: u64, _x2: u64, _x3: u64) -> ! {
            let main: fn() -> ! = $main;
            main()
        }
        $crate::rt::__aarch64_rt::entry!(__apq8016_hal_main, $boot_stack_pages);
    };
}
