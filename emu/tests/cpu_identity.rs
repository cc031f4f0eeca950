//! The virtual board's CPU identifies as a Cortex-A53: a guest reads MIDR_EL1,
//! ID_AA64PFR0_EL1 and ID_AA64ISAR0_EL1, compares them with the A53's values and releases
//! PS_HOLD (exit 0) only if all three match; a mismatch ends in a `b .` that the board
//! reports as no progress (exit 6).

mod common;
use common::run;

/// Cortex-A53 r0p4: implementer Arm (0x41), architecture "by ID registers" (0xF), part 0xD03.
const MIDR_A53: u64 = 0x410F_D034;
/// EL0..EL3 each AArch64 and AArch32 (2), FP and Advanced SIMD implemented (0).
const PFR0_A53: u64 = 0x2222;
/// Crypto extension: AES with PMULL (2), SHA1 (1), SHA2 (1); CRC32 (1).
const ISAR0_A53: u64 = 0x0001_1120;

/// `mrs x0, <ID register>` with CRm = `crm`, op0 3, op1 0, CRn 0, op2 0.
const fn mrs_x0_id(crm: u32) -> u32 {
    0xD538_0000 | crm << 8
}
/// `ldr x1, <literal at +words instructions>`.
const fn ldr_x1_literal(words: u32) -> u32 {
    0x5800_0001 | words << 5
}
/// `b.ne <+words instructions>`.
const fn b_ne(words: u32) -> u32 {
    0x5400_0001 | words << 5
}
const CMP_X0_X1: u32 = 0xEB01_001F;

fn program(midr: u64, pfr0: u64, isar0: u64) -> Vec<u32> {
    let mut code = vec![
        mrs_x0_id(0), // 0: MIDR_EL1
        ldr_x1_literal(15),
        CMP_X0_X1,
        b_ne(12),
        mrs_x0_id(4), // 4: ID_AA64PFR0_EL1
        ldr_x1_literal(13),
        CMP_X0_X1,
        b_ne(8),
        mrs_x0_id(6), // 8: ID_AA64ISAR0_EL1
        ldr_x1_literal(11),
        CMP_X0_X1,
        b_ne(4),
        0xD2A0_0941, // 12: movz x1, #0x4a, lsl #16
        0xF296_0001, // movk x1, #0xb000        (PS_HOLD)
        0xB900_003F, // str wzr, [x1]
        0x1400_0000, // 15: b .  (mismatch)
    ];
    for v in [midr, pfr0, isar0] {
        code.extend([v as u32, (v >> 32) as u32]);
    }
    code
}

#[test]
fn id_registers_are_a_cortex_a53() {
    let args = ["--max-instructions", "10000"];
    let r = run("a53", &program(MIDR_A53, PFR0_A53, ISAR0_A53), &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The check can fail: a different MIDR (a Cortex-A72's) is a mismatch.
    let r = run("a72", &program(0x410F_D083, PFR0_A53, ISAR0_A53), &args);
    assert_eq!(r.code, 6, "{}", r.stderr);
}
