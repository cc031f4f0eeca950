//! The secure firmware model seen from the guest: hand-encoded AArch64 programs that issue
//! SMC at EL1, run through the `db410c-emu` binary.

mod common;
use common::LOAD;

/// Runs `code` with a small instruction budget (these programs are a few instructions long).
fn run(name: &str, code: &[u32]) -> common::Run {
    common::run(
        &format!("smc-{name}"),
        code,
        &["--max-instructions", "100000"],
    )
}

// Hand-encoded instructions.
const fn movz(rd: u32, imm16: u32, shift16: u32) -> u32 {
    0xD280_0000 | shift16 << 21 | imm16 << 5 | rd
}
const fn movk(rd: u32, imm16: u32) -> u32 {
    0xF280_0000 | imm16 << 5 | rd
}
/// `adr xd, .+bytes` (small non-negative offsets, multiple of 4).
const fn adr(rd: u32, bytes: u32) -> u32 {
    0x1000_0000 | (bytes & 3) << 29 | (bytes >> 2) << 5 | rd
}
/// `b.ne .+words*4` (forward).
const fn b_ne(words: u32) -> u32 {
    0x5400_0001 | words << 5
}
const SMC0: u32 = 0xD400_0003; // smc #0
const B_SELF: u32 = 0x1400_0000; // b .
const NOP: u32 = 0xD503_201F;
const STR_WZR_X0: u32 = 0xB900_001F; // str wzr, [x0]
const CMP_X0_X1: u32 = 0xEB01_001F; // cmp x0, x1
const CMN_X0_1: u32 = 0xB100_041F; // cmn x0, #1

#[test]
fn milestone_call_reenters_el1_with_registers_from_the_param_block() {
    // 0x00..0x1c: the call; 0x20..0x70: the param block; 0x70: code entered with x0 from it.
    let mut code = vec![
        movz(0, 0x8200, 1),
        movk(0, 0x010F), // x0 = 0x8200_010F (TZ milestone 32->64)
        movz(1, 0x12, 0),
        adr(2, 0x20 - 0x0C), // x2 = param block
        movz(3, 80, 0),      // x3 = its size
        SMC0,
        B_SELF, // not reached: the secure firmware does not return here
        NOP,
    ];
    let mut block = [0u64; 10];
    block[0] = 0x004A_B000; // el1_x0: PS_HOLD
    block[9] = LOAD + 0x70; // el1_elr
    for w in block {
        code.push(w as u32);
        code.push((w >> 32) as u32);
    }
    assert_eq!(code.len() * 4, 0x70);
    code.extend([STR_WZR_X0, B_SELF]);
    let r = run("milestone", &code);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("emu: PS_HOLD released at pc=0x80080070: system reset"),
        "{}",
        r.stderr
    );
}

#[test]
fn psci_version_unknown_call_and_system_reset() {
    let code = [
        movz(0, 0x8400, 1), // PSCI_VERSION
        SMC0,
        movz(1, 1, 1), // x1 = 0x1_0000 (PSCI 1.0)
        CMP_X0_X1,
        b_ne(8),            // -> fail
        movz(0, 0x8300, 1), // an OEM call nobody implements
        SMC0,
        CMN_X0_1, // NOT_SUPPORTED (-1)?
        b_ne(4),  // -> fail
        movz(0, 0x8400, 1),
        movk(0, 9), // SYSTEM_RESET
        SMC0,
        B_SELF, // fail (index 12)
    ];
    let r = run("psci", &code);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("emu: secure firmware: PSCI SYSTEM_RESET: releasing PS_HOLD"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("emu: PS_HOLD released at pc=0x8008002c: system reset"),
        "{}",
        r.stderr
    );
}
