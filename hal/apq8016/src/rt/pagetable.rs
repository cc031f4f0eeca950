//! The initial identity map that aarch64-rt's `entry` installs before any Rust code runs.
//!
//! One level-1 table (4 KiB granule, 39-bit VA, so each entry is a 1 GiB block):
//!
//! | VA = PA | what | attributes |
//! |---|---|---|
//! | 0x0000_0000..0x4000_0000 | every SoC peripheral (TLMM, GCC, BLSP, PRNG, MPM, QGIC, QTimer...) | Device-nGnRE, execute-never |
//! | the board's DRAM (1 GiB blocks) | where the image runs | Normal write-back RW-allocate, inner shareable, executable |
//!
//! Everything else faults. DRAM has to be executable because the image runs from it; a
//! 1 GiB block cannot separate code from data. Inner shareable makes the exclusive
//! load/store pairs used by atomics coherent between the four cores.
//!
//! # Design notes
//!
//! The peripheral window is the SoC's, so it is fixed here; where DRAM is and how big it is
//! is the board's business. The board crate (or a program on the HAL alone) therefore
//! instantiates the table once with [`initial_pagetable!`](crate::initial_pagetable), giving
//! its DRAM base and size. Without it the link fails with "undefined symbol: enable_mmu".
//! The table itself is computed at compile time by [`level1_table`], a pure function tested
//! on the host.

/// Size of one level-1 block.
pub const BLOCK_SIZE: usize = 1 << 30;

/// The level-1 table: entry 0 (the peripheral window) gets `device` attributes, every 1 GiB
/// block of `[dram_base, dram_base + dram_size)` gets `memory` attributes (identity-mapped),
/// the rest stays invalid.
///
/// Evaluated at compile time by [`initial_pagetable!`](crate::initial_pagetable); a DRAM region
/// that is not made of whole, 1 GiB-aligned blocks above the peripheral window, or that ends
/// beyond the 512 GiB the table covers, is a compile error there (a panic here).
pub const fn level1_table(
    dram_base: usize,
    dram_size: usize,
    device: usize,
    memory: usize,
) -> [usize; 512] {
    assert!(
        dram_base.is_multiple_of(BLOCK_SIZE),
        "DRAM base must be 1 GiB aligned"
    );
    assert!(
        dram_size.is_multiple_of(BLOCK_SIZE) && dram_size > 0,
        "DRAM size must be a non-zero multiple of 1 GiB"
    );
    assert!(
        dram_base >= BLOCK_SIZE,
        "DRAM overlaps the peripheral window"
    );
    let first = dram_base / BLOCK_SIZE;
    let count = dram_size / BLOCK_SIZE;
    assert!(first + count <= 512, "DRAM ends beyond the table's 512 GiB");
    let mut table = [0; 512];
    table[0] = device;
    let mut i = 0;
    while i < count {
        table[first + i] = memory | ((first + i) * BLOCK_SIZE);
        i += 1;
    }
    table
}

#[cfg(target_arch = "aarch64")]
mod attributes {
    use aarch64_paging::descriptor::El1Attributes;
    use aarch64_paging::mair::{Mair, MairAttribute, NormalMemory};

    /// MAIR index 0: device memory, index 1: normal write-back memory.
    pub const MAIR: Mair = Mair::EMPTY
        .with_attribute(0, MairAttribute::DEVICE_NGNRE)
        .with_attribute(
            1,
            MairAttribute::normal(
                NormalMemory::WriteBackNonTransientReadWriteAllocate,
                NormalMemory::WriteBackNonTransientReadWriteAllocate,
            ),
        );

    /// Block descriptor attributes for the peripheral window.
    pub const DEVICE: El1Attributes = El1Attributes::VALID
        .union(El1Attributes::ATTRIBUTE_INDEX_0)
        .union(El1Attributes::ACCESSED)
        .union(El1Attributes::UXN)
        .union(El1Attributes::PXN);

    /// Block descriptor attributes for DRAM.
    pub const MEMORY: El1Attributes = El1Attributes::VALID
        .union(El1Attributes::ATTRIBUTE_INDEX_1)
        .union(El1Attributes::INNER_SHAREABLE)
        .union(El1Attributes::ACCESSED);
}

/// The `MAIR_EL1` value the table's attribute indices refer to.
#[cfg(target_arch = "aarch64")]
pub const MAIR_VALUE: u64 = attributes::MAIR.0;

/// The initial page table for DRAM at `dram_base` of `dram_size` bytes (see [`level1_table`]).
#[cfg(target_arch = "aarch64")]
pub const fn identity_map(dram_base: usize, dram_size: usize) -> aarch64_rt::InitialPagetable {
    aarch64_rt::InitialPagetable(level1_table(
        dram_base,
        dram_size,
        attributes::DEVICE.bits(),
        attributes::MEMORY.bits(),
    ))
}

/// Defines the initial page table (see [`rt::pagetable`](crate::rt::pagetable)) for the
/// board's DRAM: `initial_pagetable!(dram_base, dram_size)`. Use it exactly once per program;
/// the DragonBoard 410c's board crate does.
#[macro_export]
macro_rules! initial_pagetable {
    ($dram_base:expr, $dram_size:expr) => {
        $crate::rt::__aarch64_rt::initial_pagetable!(
            { $crate::rt::pagetable::identity_map($dram_base, $dram_size) },
            $crate::rt::pagetable::MAIR_VALUE
        );
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEV: usize = 0x1;
    const MEM: usize = 0x2;

    #[test]
    fn one_gib_of_dram_at_2_gib() {
        let table = level1_table(0x8000_0000, BLOCK_SIZE, DEV, MEM);
        assert_eq!(table[0], DEV);
        assert_eq!(table[1], 0);
        assert_eq!(table[2], MEM | 0x8000_0000);
        assert!(table[3..].iter().all(|&e| e == 0));
    }

    #[test]
    fn larger_dram_gets_consecutive_blocks() {
        let table = level1_table(0x4000_0000, 3 * BLOCK_SIZE, DEV, MEM);
        assert_eq!(
            &table[1..5],
            &[MEM | 0x4000_0000, MEM | 0x8000_0000, MEM | 0xC000_0000, 0]
        );
    }

    #[test]
    #[should_panic(expected = "1 GiB aligned")]
    fn unaligned_dram_is_rejected() {
        level1_table(0x8008_0000, BLOCK_SIZE, DEV, MEM);
    }

    #[test]
    #[should_panic(expected = "peripheral window")]
    fn dram_over_the_peripherals_is_rejected() {
        level1_table(0, BLOCK_SIZE, DEV, MEM);
    }
}
