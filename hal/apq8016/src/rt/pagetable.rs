//! The initial identity map that aarch64-rt's `entry` installs before any Rust code runs.
//!
//! One level-1 table (4 KiB granule, 39-bit VA, so each entry is a 1 GiB block):
//!
//! | VA = PA | what | attributes |
//! |---|---|---|
//! | 0x0000_0000..0x4000_0000 | every peripheral (TLMM, GCC, BLSP, PRNG, MPM, QGIC, QTimer...) | Device-nGnRE, execute-never |
//! | 0x8000_0000..0xC000_0000 | the 1 GiB of DRAM (image at 0x8008_0000) | Normal write-back RW-allocate, inner shareable, executable |
//!
//! Everything else faults. The DRAM block has to be executable because the image runs from it;
//! a 1 GiB block cannot separate code from data. Inner shareable makes the exclusive
//! load/store pairs used by atomics coherent between the four cores.

use aarch64_paging::descriptor::El1Attributes;
use aarch64_paging::mair::{Mair, MairAttribute, NormalMemory};
use aarch64_rt::InitialPagetable;

/// Size of one level-1 block.
const GIB: usize = 1 << 30;

/// MAIR index 0: device memory, index 1: normal write-back memory.
const MAIR: Mair = Mair::EMPTY
    .with_attribute(0, MairAttribute::DEVICE_NGNRE)
    .with_attribute(
        1,
        MairAttribute::normal(
            NormalMemory::WriteBackNonTransientReadWriteAllocate,
            NormalMemory::WriteBackNonTransientReadWriteAllocate,
        ),
    );

/// Block descriptor attributes for the peripheral window.
const DEVICE: El1Attributes = El1Attributes::VALID
    .union(El1Attributes::ATTRIBUTE_INDEX_0)
    .union(El1Attributes::ACCESSED)
    .union(El1Attributes::UXN)
    .union(El1Attributes::PXN);

/// Block descriptor attributes for DRAM.
const MEMORY: El1Attributes = El1Attributes::VALID
    .union(El1Attributes::ATTRIBUTE_INDEX_1)
    .union(El1Attributes::INNER_SHAREABLE)
    .union(El1Attributes::ACCESSED);

/// Start of DRAM.
const DRAM_BASE: usize = 0x8000_0000;

aarch64_rt::initial_pagetable!(
    {
        let mut idmap = [0; 512];
        idmap[0] = DEVICE.bits();
        idmap[DRAM_BASE / GIB] = MEMORY.bits() | DRAM_BASE;
        InitialPagetable(idmap)
    },
    MAIR.0
);
