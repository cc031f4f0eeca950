//! SD host DMA on the whole board: a hand-encoded AArch64 program identifies the card in the
//! µSD slot (`--sd`) and reads a block by SDMA into DRAM, through the `db410c-emu` binary.

mod common;
use common::{mov_x, run};

/// SDHC2's standard SD host registers.
const HC: u64 = 0x0786_4900;
/// Where the block lands in DRAM.
const TARGET: u64 = 0x8010_0000;

const B_SELF: u32 = 0x1400_0000; // b .
const STR_W2_X1: u32 = 0xB900_0022; // str w2, [x1]
const LDR_X3_X4: u32 = 0xF940_0083; // ldr x3, [x4]
const CMP_X3_X5: u32 = 0xEB05_007F; // cmp x3, x5

/// A 32-bit store of `value` at `addr`.
fn write32(code: &mut Vec<u32>, addr: u64, value: u64) {
    code.extend(mov_x(1, addr));
    code.extend(mov_x(2, value));
    code.push(STR_W2_X1);
}

/// Send command `index` with `argument`, response `flags` and transfer `mode`.
fn command(code: &mut Vec<u32>, index: u64, argument: u64, flags: u64, mode: u64) {
    write32(code, HC + 0x08, argument);
    write32(code, HC + 0x0C, mode | (index << 8 | flags) << 16);
}

/// Identify and select the card, then read block 3 by SDMA to `address`.
fn read_block_3(code: &mut Vec<u32>, address: u64) {
    write32(code, HC + 0x34, 0xFFFF_FFFF); // status enables
    command(code, 0, 0, 0, 0);
    command(code, 8, 0x1AA, 0x1A, 0);
    for _ in 0..2 {
        command(code, 55, 0, 0x1A, 0);
        command(code, 41, 0x40FF_8000, 0x02, 0);
    }
    command(code, 2, 0, 0x09, 0);
    command(code, 3, 0, 0x1A, 0);
    command(code, 7, 0x59B4 << 16, 0x1B, 0);
    write32(code, HC, address); // SDMA system address
    write32(code, HC + 0x04, 1 << 16 | 512); // one block of 512 bytes
    command(code, 17, 3, 0x3A, 0x11); // read, DMA
}

/// PS_HOLD is released when the flags say equal, else the run ends at a `b .`.
fn release_if_equal(code: &mut Vec<u32>) {
    code.push(0x5400_0001 | 5 << 5); // b.ne to the `b .` after the PS_HOLD release
    code.extend(mov_x(1, 0x004A_B000));
    code.push(0xB900_003F); // str wzr, [x1]: PS_HOLD released
    code.push(B_SELF);
    code.push(B_SELF);
}

/// Identify and select the card, then read block 3 by SDMA from `address`: if the block's
/// first 8 bytes (its number in the test image) arrive at `TARGET`, PS_HOLD is released.
fn program(address: u64) -> Vec<u32> {
    let mut code = Vec::new();
    read_block_3(&mut code, address);
    code.extend(mov_x(4, TARGET));
    code.push(LDR_X3_X4);
    code.extend(mov_x(5, 3));
    code.push(CMP_X3_X5);
    release_if_equal(&mut code);
    code
}

/// Runs `code` with the card of `card_image` in the µSD slot.
fn run_with_card(name: &str, code: &[u32], block_3: Option<&[u32]>) -> common::Run {
    let card = card_image(name, block_3);
    let r = run(
        name,
        code,
        &[
            "--sd",
            card.to_str().unwrap(),
            "--max-instructions",
            "100000",
        ],
    );
    let _ = std::fs::remove_file(&card);
    r
}

/// A 512 KiB card image whose block n starts with n, but block 3 with `block_3` when given;
/// its path.
fn card_image(name: &str, block_3: Option<&[u32]>) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("db410c-emu-{}-{name}.sd", std::process::id()));
    let mut bytes = vec![0u8; 512 * 1024];
    for (n, block) in bytes.chunks_mut(512).enumerate() {
        block[..8].copy_from_slice(&(n as u64).to_le_bytes());
    }
    if let Some(words) = block_3 {
        for (k, word) in words.iter().enumerate() {
            bytes[3 * 512 + 4 * k..][..4].copy_from_slice(&word.to_le_bytes());
        }
    }
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_guest_reads_a_card_block_into_dram_by_sdma() {
    let r = run_with_card("sdma-read", &program(TARGET), None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("PS_HOLD released"), "{}", r.stderr);
}

#[test]
fn sdma_outside_dram_stops_the_run_with_a_report() {
    let r = run_with_card("sdma-outside", &program(0x1000), None);
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "emu: error: write of 4 bytes at 0x786490c started a DMA transfer that reaches \
             SDMA address 0x1000, outside guest memory"
        ),
        "{}",
        r.stderr
    );
}

const MOVZ_X3_1: u32 = 0xD280_0023; // movz x3, #1
const MOVZ_X3_7: u32 = 0xD280_00E3; // movz x3, #7
const RET: u32 = 0xD65F_03C0; // ret
const BLR_X4: u32 = 0xD63F_0080; // blr x4

/// A guest runs a function at `TARGET` (`movz x3, #1; ret`, which it stored there), then
/// reads card block 3 (`movz x3, #7; ret`) over it by SDMA, invalidates its instruction cache
/// and calls it again: the board drops the translation of the page the device wrote, so the
/// new code runs (x3 = 7 releases PS_HOLD; the old translation would give 1 and end at a
/// `b .`).
#[test]
fn code_a_device_writes_by_dma_runs_new() {
    let mut code = Vec::new();
    write32(&mut code, TARGET, u64::from(MOVZ_X3_1));
    write32(&mut code, TARGET + 4, u64::from(RET));
    code.extend(mov_x(4, TARGET));
    code.push(BLR_X4);
    read_block_3(&mut code, TARGET);
    code.extend([
        0xD508_751F, // ic iallu
        0xD503_3F9F, // dsb sy
        0xD503_3FDF, // isb
    ]);
    code.extend(mov_x(4, TARGET));
    code.push(BLR_X4);
    code.push(0xF100_1C7F); // cmp x3, #7
    release_if_equal(&mut code);
    let r = run_with_card("sdma-code", &code, Some(&[MOVZ_X3_7, RET]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("PS_HOLD released"), "{}", r.stderr);
}
