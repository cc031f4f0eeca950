//! Code written after it was translated runs new on one core (MMU off, no cache maintenance):
//! the CPU engine must notice every store to a page that holds translated code. The engine
//! patch (`emu/engine-patch/`, docs/virtual-board.md "The CPU engine") lets stores to pages
//! without translated code skip that check, and turns it back on when code is translated from
//! a page; these tests hold it to that. Code patched by one core and run by another is checked
//! in `multicore.rs`.

mod common;

/// `movz x0, #imm`.
fn movz_x0(imm: u16) -> u32 {
    0xD280_0000 | u32::from(imm) << 5
}

/// A loop of 1000 rounds: write `movz x0, #i; ret` at `function` (an address in DRAM, outside
/// this code), call it, and check that it returned `i`; a wrong value ends at `udf`. Round 1
/// writes the function into a page that has never held code; every later round overwrites
/// code that was already translated and run.
fn patch_and_run(function: u64) -> Vec<u32> {
    let low = (function & 0xFFFF) as u32;
    let high = (function >> 16) as u32;
    assert!(function >> 32 == 0);
    let mut code = vec![
        0xD280_0013 | low << 5,  // movz x19, #low
        0xF2A0_0013 | high << 5, // movk x19, #high, lsl #16
        0xD280_0034,             // movz x20, #1            (i)
        0x5280_7816,             // movz w22, #0x03c0
        0x72BA_CBF6,             // movk w22, #0xd65f, lsl #16  (w22 = ret)
        0xB900_0676,             // str w22, [x19, #4]
        // loop:
        0xD37B_EA97, // lsl x23, x20, #5
        0xD280_0018, // movz x24, #0
        0xF2BA_5018, // movk x24, #0xd280, lsl #16
        0xAA18_02F7, // orr x23, x23, x24          (movz x0, #i)
        0xB900_0277, // str w23, [x19]
        0xD280_0000, // movz x0, #0
        0xD63F_0260, // blr x19
        0xEB14_001F, // cmp x0, x20
    ];
    // b.ne fail (patched below), then the loop's end.
    let b_ne_fail = code.len();
    code.push(0);
    code.extend([
        0x9100_0694, // add x20, x20, #1
        0xF10F_A69F, // cmp x20, #1001
    ]);
    let back = 6i32 - code.len() as i32;
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
    assert_eq!(movz_x0(1), 0xD280_0020);
    code
}

#[test]
fn code_patched_in_a_page_of_its_own_runs_new() {
    // Two pages above the code: its page holds no other code.
    let r = common::run(
        "smc-own-page",
        &patch_and_run(common::LOAD + 0x2000),
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
    let r = common::run(
        "smc-same-page",
        &patch_and_run(common::LOAD + 0x100),
        &["--max-instructions", "1000000"],
    );
    assert_eq!(
        r.code, 0,
        "the patched function ran old code:\n{}",
        r.stderr
    );
}
