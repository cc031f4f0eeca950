//! The arm64 `Image` header at the start of the firmware and the start code it branches to.
//!
//! # Header layout
//!
//! Boot loaders that start an arm64 Linux kernel (LK's `boot_linux`, U-Boot's `booti`, lk2nd)
//! look for a 64-byte header at the start of the image, all fields little-endian:
//!
//! | offset | size | field | our value |
//! |---|---|---|---|
//! | 0x00 | 4 | `code0`: first instruction executed | `b` to [the start code](self) |
//! | 0x04 | 4 | `code1` | 0 |
//! | 0x08 | 8 | `text_offset`: where the image wants to sit above a 2 MiB-aligned base | 0x80000 |
//! | 0x10 | 8 | `image_size`: bytes from the image start the loader must keep free, `.bss` and stacks included | `__image_size` from the linker script |
//! | 0x18 | 8 | `flags` | 0b0010 (see below) |
//! | 0x20 | 24 | three reserved words | 0 |
//! | 0x38 | 4 | magic | "ARM\x64" (0x644D_5241) |
//! | 0x3C | 4 | PE/COFF header offset (UEFI only) | 0 |
//!
//! `flags`: bit 0 = 0 little-endian; bits 2:1 = 1 for 4 KiB pages; bit 3 = 0 means the 2 MiB
//! aligned base should be as low in DRAM as possible. We are linked at a fixed address,
//! 0x8000_0000 (DRAM start) + 0x80000, which is what that combination gives.
//!
//! # Start code
//!
//! At EL2 (TF-A → U-Boot boot chain) it prepares EL1 and drops to it:
//! - `HCR_EL2` = RW only: EL1 is AArch64, no stage 2 translation, nothing trapped to EL2.
//! - `CNTHCTL_EL2` EL1PCTEN | EL1PCEN: EL1 reads the physical counter and uses the physical
//!   timer directly (the monotonic clock in [`crate::time`] reads `CNTPCT_EL0`); `CNTVOFF_EL2`
//!   = 0 so the virtual count equals the physical one.
//! - `VPIDR_EL2` / `VMPIDR_EL2` = the real `MIDR_EL1` / `MPIDR_EL1`: with EL2 present, EL1
//!   reads of MIDR/MPIDR return these, and their reset values are unknown (the critical-section
//!   lock identifies cores by MPIDR affinity).
//! - `CPTR_EL2` = its RES1 bits only: FP/SIMD is not trapped to EL2.
//! - `SCTLR_EL1` = its RES1 bits only: MMU and caches off and little-endian until aarch64-rt
//!   programs it.
//! - `SPSR_EL2` = EL1h with D, A, I, F masked; `ELR_EL2` = aarch64-rt's `entry`; `eret`.
//!
//! At EL1 it branches straight to `entry`. Only x9 is used as scratch, so x0..x3 (boot
//! arguments) reach `entry` unchanged.

core::arch::global_asm!(
    r#"
.section .init.image_header, "ax"
.global __image_header
__image_header:
    b       __apq8016_start             // code0
    .word   0                           // code1
    .quad   0x80000                     // text_offset
    .quad   __image_size                // image_size (defined by the linker script)
    .quad   0x2                         // flags: LE, 4 KiB pages, base low in DRAM
    .quad   0                           // reserved
    .quad   0
    .quad   0
    .ascii  "ARM\x64"                   // magic
    .word   0                           // no PE/COFF header

.section .init.apq8016_start, "ax"
.global __apq8016_start
__apq8016_start:
    mrs     x9, CurrentEL
    ubfx    x9, x9, #2, #2
    cmp     x9, #2
    b.ne    1f

    // EL2: configure EL1, then drop to EL1h.
    mov     x9, #(1 << 31)              // HCR_EL2.RW
    msr     hcr_el2, x9
    mrs     x9, cnthctl_el2
    orr     x9, x9, #3                  // EL1PCTEN | EL1PCEN
    msr     cnthctl_el2, x9
    msr     cntvoff_el2, xzr
    mrs     x9, midr_el1
    msr     vpidr_el2, x9
    mrs     x9, mpidr_el1
    msr     vmpidr_el2, x9
    mov     x9, #0x33ff                 // CPTR_EL2 RES1 bits, TFP = 0
    msr     cptr_el2, x9
    movz    x9, #0x0800
    movk    x9, #0x30d0, lsl #16        // SCTLR_EL1 RES1 bits: MMU/caches off, LE
    msr     sctlr_el1, x9
    mov     x9, #0x3c5                  // SPSR: D A I F masked, EL1h
    msr     spsr_el2, x9
    adrp    x9, entry
    add     x9, x9, :lo12:entry
    msr     elr_el2, x9
    isb
    eret

1:  // EL1 (or anything else): continue in aarch64-rt's entry code.
    b       entry
"#
);
