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

/// `b.<cond> .+words*4` (negative `words` allowed).
const fn b_cond(cond: u32, words: i32) -> u32 {
    0x5400_0000 | ((words as u32) & 0x7_FFFF) << 5 | cond
}
const NE: u32 = 1;
const LO: u32 = 3;

/// `cmp xn, #imm12`.
const fn cmp_imm(rn: u32, imm12: u32) -> u32 {
    0xF100_001F | imm12 << 10 | rn << 5
}
const MRS_X7_CNTVCT: u32 = 0xD53B_E047; // mrs x7, cntvct_el0
const ADD_X7_X7_0X800: u32 = 0x9120_00E7; // add x7, x7, #0x800
const MSR_CNTV_CVAL_X7: u32 = 0xD51B_E347; // msr cntv_cval_el0, x7
const MSR_CNTV_CTL_X8: u32 = 0xD51B_E328; // msr cntv_ctl_el0, x8
const MRS_X9_CNTVCT: u32 = 0xD53B_E049; // mrs x9, cntvct_el0
const CMP_X9_X7: u32 = 0xEB07_013F; // cmp x9, x7
const MRS_X10_CURRENTEL: u32 = 0xD538_424A; // mrs x10, currentel
const MRS_X11_DAIF: u32 = 0xD53B_422B; // mrs x11, daif

/// The instruction count of `--stats`.
fn instructions(stderr: &str) -> u64 {
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("emu: stats: instructions="))
        .unwrap_or_else(|| panic!("no stats line: {stderr}"));
    line.split_whitespace().next().unwrap().parse().unwrap()
}

/// Code that arms the virtual timer 2048 ticks ahead (CVAL in x7).
const ARM_TIMER: [u32; 5] = [
    MRS_X7_CNTVCT,
    ADD_X7_X7_0X800,
    MSR_CNTV_CVAL_X7,
    movz(8, 1, 0),
    MSR_CNTV_CTL_X8, // ENABLE, not masked
];

#[test]
fn cpu_suspend_to_power_down_wakes_at_the_entry_point_with_the_context_id() {
    const FAIL: usize = 12;
    const ENTRY: usize = 14;
    let at = |from: usize, to: usize| to as i32 - from as i32;
    let mut code = ARM_TIMER.to_vec();
    code.extend([
        movz(0, 0xC400, 1),
        movk(0, 0x0001), // CPU_SUSPEND (SMC64)
        movz(1, 0x4000, 1),
        movk(1, 0x0002), // standalone power collapse (power-down)
        adr(2, ((ENTRY - 9) * 4) as u32),
        movz(3, 0x77, 0), // context id
        SMC0,             // 11
        B_SELF,           // 12: FAIL (the call returned)
        B_SELF,
        // 14: entry point
        cmp_imm(0, 0x77),
        b_cond(NE, at(15, FAIL)),
        MRS_X9_CNTVCT,
        CMP_X9_X7,
        b_cond(LO, at(18, FAIL)), // woke before the timer fired
        MRS_X10_CURRENTEL,
        cmp_imm(10, 4), // EL1
        b_cond(NE, at(21, FAIL)),
        MRS_X11_DAIF,
        cmp_imm(11, 0x3C0), // all masked
        b_cond(NE, at(24, FAIL)),
        movz(0, 0x004A, 1),
        movk(0, 0xB000), // PS_HOLD
        STR_WZR_X0,
        B_SELF,
    ]);
    assert_eq!(code[FAIL], B_SELF);
    let r = common::run(
        "smc-suspend-power-down",
        &code,
        &["--max-instructions", "100000", "--stats"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("emu: PS_HOLD released at pc=0x8008006c: system reset"),
        "{}",
        r.stderr
    );
    // The 2048 ticks passed asleep, not executed.
    let count = instructions(&r.stderr);
    assert!(count < 100, "{count} instructions: the core did not sleep");
}

#[test]
fn cpu_suspend_to_standby_returns_after_the_wake_up_and_bad_states_are_refused() {
    const FAIL: usize = 25;
    let at = |from: usize, to: usize| to as i32 - from as i32;
    let mut code = ARM_TIMER.to_vec();
    code.extend([
        movz(0, 0x8400, 1),
        movk(0, 0x0001), // CPU_SUSPEND (SMC32)
        movz(1, 0, 0),   // standby
        SMC0,            // 8
        cmp_imm(0, 0),   // SUCCESS
        b_cond(NE, at(10, FAIL)),
        MRS_X9_CNTVCT,
        CMP_X9_X7,
        b_cond(LO, at(13, FAIL)), // went on before the timer fired
        movz(0, 0x8400, 1),
        movk(0, 0x0001),
        movz(1, 0x4000, 1),
        movk(1, 0x0005), // a StateID this firmware does not know
        SMC0,
        CMN_X0_2, // INVALID_PARAMETERS (-2)
        b_cond(NE, at(20, FAIL)),
        movz(0, 0x004A, 1),
        movk(0, 0xB000), // PS_HOLD
        STR_WZR_X0,      // 23
        B_SELF,
        B_SELF, // 25: FAIL
    ]);
    assert_eq!(code.len(), FAIL + 1);
    let r = common::run(
        "smc-suspend-standby",
        &code,
        &["--max-instructions", "100000", "--stats"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("emu: PS_HOLD released at pc=0x8008005c"),
        "{}",
        r.stderr
    );
    let count = instructions(&r.stderr);
    assert!(count < 100, "{count} instructions: the core did not sleep");
}

const CMN_X0_2: u32 = 0xB100_081F; // cmn x0, #2
