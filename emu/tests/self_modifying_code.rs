//! Code written after it was translated runs new on one core (MMU off, no cache maintenance):
//! the CPU engine must notice every store to a page that holds translated code. The engine
//! patch (`emu/engine-patch/`, docs/virtual-board.md "The CPU engine") lets stores to pages
//! without translated code skip that check, and turns it back on when code is translated from
//! a page, through every mapping of it; these tests hold it to that. Code patched by one core
//! and run by another is checked in `multicore.rs`.

mod common;

/// `movz xd, #imm` / `movk xd, #imm, lsl #16`.
fn movz(rd: u32, imm: u32) -> u32 {
    0xD280_0000 | (imm & 0xFFFF) << 5 | rd
}
fn movk_16(rd: u32, imm: u32) -> u32 {
    0xF2A0_0000 | (imm & 0xFFFF) << 5 | rd
}

/// A loop of 1000 rounds: write `movz x0, #i; ret` through virtual address `write_at`, call
/// it at virtual address `run_at` (the same memory, in DRAM outside this code), and check that
/// it returned `i`; a wrong value ends at `udf`. Round 1 writes the function into a page that
/// has never held code; every later round overwrites code that was already translated and
/// run. `prologue` runs first.
fn patch_and_run(prologue: &[u32], run_at: u64, write_at: u64) -> Vec<u32> {
    assert!(run_at >> 32 == 0 && write_at >> 32 == 0);
    let mut code = prologue.to_vec();
    code.extend([
        movz(19, run_at as u32),
        movk_16(19, (run_at >> 16) as u32),
        movz(21, write_at as u32),
        movk_16(21, (write_at >> 16) as u32),
        0xD280_0034, // movz x20, #1            (i)
        0x5280_7816, // movz w22, #0x03c0
        0x72BA_CBF6, // movk w22, #0xd65f, lsl #16  (w22 = ret)
        0xB900_06B6, // str w22, [x21, #4]
    ]);
    let start = code.len() as i32;
    code.extend([
        0xD37B_EA97, // lsl x23, x20, #5
        0xD280_0018, // movz x24, #0
        0xF2BA_5018, // movk x24, #0xd280, lsl #16
        0xAA18_02F7, // orr x23, x23, x24          (movz x0, #i)
        0xB900_02B7, // str w23, [x21]
        0xD280_0000, // movz x0, #0
        0xD63F_0260, // blr x19
        0xEB14_001F, // cmp x0, x20
    ]);
    // b.ne fail (patched below), then the loop's end.
    let b_ne_fail = code.len();
    code.push(0);
    code.extend([
        0x9100_0694, // add x20, x20, #1
        0xF10F_A69F, // cmp x20, #1001
    ]);
    let back = start - code.len() as i32;
    code.push(0x5400_0001 | ((back as u32) & 0x7FFFF) << 5); // b.ne loop
    code.extend([
        0xD2A0_0941, // movz x1, #0x4a, lsl #16
        0xF296_0001, // movk x1, #0xb000           (PS_HOLD)
        0xB900_003F, // str wzr, [x1]             (release: the run ends, exit 0)
        0x1400_0000, // b .
    ]);
    let fail = code.len() as i32;
    code[b_ne_fail] = 0x5400_0001 | (((fail - b_ne_fail as i32) as u32) & 0x7FFFF) << 5;
    code.push(0x0000_0000); // fail: udf #0
    code
}

#[test]
fn code_patched_in_a_page_of_its_own_runs_new() {
    // Two pages above the code: its page holds no other code.
    let function = common::LOAD + 0x2000;
    let r = common::run(
        "smc-own-page",
        &patch_and_run(&[], function, function),
        &["--max-instructions", "1000000"],
    );
    assert_eq!(
        r.code, 0,
        "the patched function ran old code:\n{}",
        r.stderr
    );
}

#[test]
fn code_patched_in_the_page_of_the_running_code_runs_new() {
    let function = common::LOAD + 0x100;
    let r = common::run(
        "smc-same-page",
        &patch_and_run(&[], function, function),
        &["--max-instructions", "1000000"],
    );
    assert_eq!(
        r.code, 0,
        "the patched function ran old code:\n{}",
        r.stderr
    );
}

/// Where the translation table goes.
const TABLE: u64 = 0x8010_0000;

/// MMU on at EL1 with a level-1 table at `TABLE` (T0SZ 25, 4 KiB granule): the first GiB
/// device memory, 0x8000_0000 normal memory, and 0xC000_0000 an execute-never alias of it.
const MMU_ON: [u32; 17] = [
    0xD280_1FE9, // movz x9, #0xff             (MAIR: attr 0 normal, attr 1 device)
    0xD518_A209, // msr mair_el1, x9
    0xD286_A329, // movz x9, #0x3519
    0xF2A0_1009, // movk x9, #0x80, lsl #16
    0xF2C0_0049, // movk x9, #0x2, lsl #32    (TCR: T0SZ 25, WB walks, EPD1, 40-bit PA)
    0xD518_2049, // msr tcr_el1, x9
    0xD2B0_0209, // movz x9, #0x8010, lsl #16 (TABLE)
    0xD518_2009, // msr ttbr0_el1, x9
    0xD503_3FDF, // isb
    0xD508_871F, // tlbi vmalle1
    0xD503_3F9F, // dsb sy
    0xD503_3FDF, // isb
    0xD538_1009, // mrs x9, sctlr_el1
    0xD282_00AA, // movz x10, #0x1005         (M, C, I)
    0xAA0A_0129, // orr x9, x9, x10
    0xD518_1009, // msr sctlr_el1, x9
    0xD503_3FDF, // isb
];

fn translation_table() -> Vec<u8> {
    const BLOCK_AF: u64 = 0b01 | 1 << 10;
    const INNER_SHAREABLE: u64 = 0b11 << 8;
    const DEVICE: u64 = 1 << 2 | 0b11 << 53;
    const EXECUTE_NEVER: u64 = 0b11 << 53;
    let mut table = [0u64; 512];
    table[0] = BLOCK_AF | DEVICE;
    table[2] = 0x8000_0000 | BLOCK_AF | INNER_SHAREABLE;
    table[3] = 0x8000_0000 | BLOCK_AF | INNER_SHAREABLE | EXECUTE_NEVER;
    table.iter().flat_map(|e| e.to_le_bytes()).collect()
}

#[test]
fn code_written_through_an_execute_never_alias_runs_new() {
    // The function runs at its identity address and is written through the alias: the
    // engine must notice stores through any mapping of a page it translated code from.
    let function = common::LOAD + 0x2000;
    let alias = function + 0x4000_0000;
    let code: Vec<u8> = patch_and_run(&MMU_ON, function, alias)
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect();
    let table = translation_table();
    let image = common::elf_with_segments(
        common::LOAD,
        &[
            common::Segment {
                vaddr: common::LOAD,
                paddr: common::LOAD,
                bytes: &code,
                mem_size: code.len() as u64,
            },
            common::Segment {
                vaddr: TABLE,
                paddr: TABLE,
                bytes: &table,
                mem_size: table.len() as u64,
            },
        ],
    );
    // 17 + 8 set-up, 1000 rounds of 14 (the function's two included), 4 to end.
    let r = common::run_image(
        "smc-alias",
        &image,
        &["--max-instructions", "1000000", "--stats"],
    );
    assert_eq!(
        r.code, 0,
        "the patched function ran old code:\n{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("emu: stats: instructions=14029 "),
        "{}",
        r.stderr
    );
}
