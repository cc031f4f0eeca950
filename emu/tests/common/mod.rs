//! Shared by the whole-board tests: a minimal ELF around hand-encoded AArch64 code, and a
//! run of the `db410c-emu` binary on it.
#![allow(dead_code)] // each test file uses a different part

use std::process::Command;

pub const LOAD: u64 = 0x8008_0000;

/// One PT_LOAD segment for [`elf_with_segments`].
pub struct Segment<'a> {
    pub vaddr: u64,
    pub paddr: u64,
    pub bytes: &'a [u8],
    /// Memory size (at least `bytes.len()`; more is zero-filled).
    pub mem_size: u64,
}

/// A minimal ELF64 (AArch64, one PT_LOAD segment at `LOAD`) holding `code`.
pub fn elf(code: &[u32]) -> Vec<u8> {
    let bytes: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
    elf_with_segments(
        LOAD,
        &[Segment {
            vaddr: LOAD,
            paddr: LOAD,
            bytes: &bytes,
            mem_size: bytes.len() as u64,
        }],
    )
}

/// A minimal ELF64 (AArch64, executable) with entry point `entry` and the given segments.
pub fn elf_with_segments(entry: u64, segments: &[Segment<'_>]) -> Vec<u8> {
    let mut e = Vec::new();
    e.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    e.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    e.extend_from_slice(&183u16.to_le_bytes()); // EM_AARCH64
    e.extend_from_slice(&1u32.to_le_bytes());
    e.extend_from_slice(&entry.to_le_bytes()); // entry
    e.extend_from_slice(&64u64.to_le_bytes()); // phoff
    e.extend_from_slice(&0u64.to_le_bytes()); // shoff
    e.extend_from_slice(&0u32.to_le_bytes());
    for v in [64u16, 56, segments.len() as u16, 64, 0, 0] {
        e.extend_from_slice(&v.to_le_bytes());
    }
    let mut off = 64 + 56 * segments.len() as u64;
    for s in segments {
        let size = s.bytes.len() as u64;
        e.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
        e.extend_from_slice(&7u32.to_le_bytes()); // RWX
        for v in [off, s.vaddr, s.paddr, size, s.mem_size, 4] {
            e.extend_from_slice(&v.to_le_bytes());
        }
        off += size;
    }
    for s in segments {
        e.extend_from_slice(s.bytes);
    }
    e
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `code` (wrapped by [`elf`]) on the virtual board with `args`.
pub fn run(name: &str, code: &[u32], args: &[&str]) -> Run {
    run_image(name, &elf(code), args)
}

/// Path of a scratch file for the image of test `name`.
pub fn image_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("db410c-emu-test-{}-{name}.img", std::process::id()))
}

/// Runs the image file `image` (ELF or boot image) on the virtual board with `args`.
pub fn run_image(name: &str, image: &[u8], args: &[&str]) -> Run {
    let path = image_path(name);
    std::fs::write(&path, image).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_db410c-emu"))
        .args(args)
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Turns the MMU on, and the data cache if `data_cache` (4 KiB granule, 39-bit VA, 1 GiB blocks; level-1 table at 0x8010_0000):
/// VA 0..1G -> PA 0 (device), VA 1G..2G -> PA 2G (normal: DRAM seen 1 GiB lower), VA 2G..3G
/// -> PA 2G (normal), so it goes on at the same addresses.
pub fn mmu_on(data_cache: bool) -> Vec<u32> {
    let mut code = vec![
        0xD2B0_0200, // movz x0, #0x8010, lsl #16
        0xD280_8021, // movz x1, #0x401            (block, AF, attr 0)
        0xF900_0001, // str x1, [x0]
        0xD2B0_0001, // movz x1, #0x8000, lsl #16
        0xF280_E0A1, // movk x1, #0x705            (block, AF, inner shareable, attr 1)
        0xF900_0401, // str x1, [x0, #8]
        0xF900_0801, // str x1, [x0, #16]
        0xD518_2000, // msr ttbr0_el1, x0
        0xD29F_E001, // movz x1, #0xff00           (MAIR: attr0 device, attr1 normal WB)
        0xD518_A201, // msr mair_el1, x1
        0xD286_A321, // movz x1, #0x3519           (T0SZ 25, WB walks, inner shareable)
        0xF2A0_1001, // movk x1, #0x80, lsl #16    (EPD1)
        0xF2C0_0021, // movk x1, #0x1, lsl #32     (IPS 36 bits)
        0xD518_2041, // msr tcr_el1, x1
        0xD503_3FDF, // isb
        0xD538_1001, // mrs x1, sctlr_el1
        0xB240_0021, // orr x1, x1, #1            (M)
    ];
    if data_cache {
        code.push(0xB27E_0021); // orr x1, x1, #4            (C)
    }
    code.extend([
        0xD518_1001, // msr sctlr_el1, x1
        0xD503_3FDF, // isb
    ]);
    code
}

/// `movz`/`movk` instructions loading `value` into X`rd`.
pub fn mov_x(rd: u32, value: u64) -> Vec<u32> {
    let mut v = vec![0xD280_0000 | ((value & 0xFFFF) as u32) << 5 | rd];
    for half in 1..4 {
        let part = (value >> (16 * half) & 0xFFFF) as u32;
        if part != 0 {
            v.push(0xF280_0000 | half << 21 | part << 5 | rd);
        }
    }
    v
}
