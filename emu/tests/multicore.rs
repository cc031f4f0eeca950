//! Four cores from the guest: hand-encoded programs where core 0 starts core 1 with PSCI
//! CPU_ON, the two hand over through DRAM with SEV/WFE, core 1 reports its MPIDR and context
//! id and turns itself off (CPU_OFF), and core 0 watches AFFINITY_INFO; a core sleeps on its
//! own timer; code one core patches runs new on another after IC IVAU (also when patched
//! through a virtual alias: the other core drops that physical page and nothing more), and
//! after DC CVAU + IC IALLUIS (the cleaned page only with caches on, everything with them off).

mod common;

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
/// `b.ne .+words*4` (negative `words` allowed).
const fn b_ne(words: i32) -> u32 {
    0x5400_0001 | ((words as u32) & 0x7_FFFF) << 5
}
/// `cbz wt, .+words*4`.
const fn cbz_w(rt: u32, words: i32) -> u32 {
    0x3400_0000 | ((words as u32) & 0x7_FFFF) << 5 | rt
}
/// `cbnz xt, .+words*4`.
const fn cbnz_x(rt: u32, words: i32) -> u32 {
    0xB500_0000 | ((words as u32) & 0x7_FFFF) << 5 | rt
}
/// `ldr wt, [xn]`.
const fn ldr_w(rt: u32, rn: u32) -> u32 {
    0xB940_0000 | rn << 5 | rt
}
/// `str wt, [xn]`.
const fn str_w(rt: u32, rn: u32) -> u32 {
    0xB900_0000 | rn << 5 | rt
}
const SMC0: u32 = 0xD400_0003; // smc #0
const B_SELF: u32 = 0x1400_0000; // b .
const SEV: u32 = 0xD503_209F;
const WFE: u32 = 0xD503_205F;
const MRS_X5_MPIDR: u32 = 0xD538_00A5; // mrs x5, mpidr_el1
const ADD_X5_X5_X0: u32 = 0x8B00_00A5; // add x5, x5, x0
const CMP_X4_X5: u32 = 0xEB05_009F; // cmp x4, x5
const CMP_X0_1: u32 = 0xF100_041F; // cmp x0, #1
const STR_WZR_X0: u32 = 0xB900_001F; // str wzr, [x0]

/// Word index of core 1's entry point in `program`.
const CORE1: usize = 31;
/// Word index of the failure loop.
const FAIL: usize = 30;

/// Core 0: CPU_ON core 1 (context 0x1234), write "go" and SEV, wait (WFE) for core 1's word
/// (its MPIDR + context id), check it, wait until AFFINITY_INFO says core 1 is off, then
/// release PS_HOLD. Core 1: wait (WFE) for "go", store MPIDR + x0, SEV, CPU_OFF.
fn program() -> Vec<u32> {
    let at = |from: usize, to: usize| to as i32 - from as i32;
    let code = vec![
        movz(0, 0x8400, 1),
        movk(0, 0x0003), // CPU_ON (SMC32)
        movz(1, 1, 0),   // target: core 1
        adr(2, ((CORE1 - 3) * 4) as u32),
        movz(3, 0x1234, 0), // context id
        SMC0,
        cbnz_x(0, at(6, FAIL)),
        movz(10, 0x8009, 1), // x10 = 0x8009_0000: core 1's word
        movz(11, 0x8009, 1),
        movk(11, 0x0010), // x11 = 0x8009_0010: "go"
        str_w(3, 11),
        SEV,
        WFE, // 12
        ldr_w(4, 10),
        cbz_w(4, at(14, 12)),
        movz(5, 0x8000, 1),
        movk(5, 0x1235), // 0x8000_0001 + 0x1234
        CMP_X4_X5,
        b_ne(at(18, FAIL)),
        movz(0, 0x8400, 1), // 19: AFFINITY_INFO(core 1, level 0)
        movk(0, 0x0004),
        movz(1, 1, 0),
        movz(2, 0, 0),
        SMC0,
        CMP_X0_1, // OFF?
        b_ne(at(25, 19)),
        movz(0, 0x004A, 1),
        movk(0, 0xB000), // PS_HOLD
        STR_WZR_X0,
        B_SELF,
        B_SELF, // 30: FAIL
        // 31: core 1, entered with x0 = context id.
        movz(11, 0x8009, 1),
        movk(11, 0x0010),
        WFE, // 33
        ldr_w(6, 11),
        cbz_w(6, at(35, 33)),
        MRS_X5_MPIDR,
        ADD_X5_X5_X0,
        movz(10, 0x8009, 1),
        str_w(5, 10),
        SEV,
        movz(0, 0x8400, 1),
        movk(0, 0x0002), // CPU_OFF
        SMC0,
        B_SELF, // not reached
    ];
    assert_eq!(code[FAIL], B_SELF);
    assert_eq!(code[CORE1], movz(11, 0x8009, 1));
    code
}

fn instructions(stderr: &str) -> u64 {
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("emu: stats: instructions="))
        .unwrap_or_else(|| panic!("no stats line: {stderr}"));
    line.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn cpu_on_hands_over_with_sev_and_wfe_and_cpu_off_turns_the_core_off() {
    let args = ["--max-instructions", "1000000", "--stats"];
    let first = common::run("multicore-handover", &program(), &args);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stderr.contains("emu: PS_HOLD released"),
        "{}",
        first.stderr
    );
    // Both cores park in WFE instead of spinning through their 10,000-instruction turns.
    let count = instructions(&first.stderr);
    assert!(count < 1000, "{count} instructions: WFE did not park");
    // Deterministic: the same count and report again.
    let second = common::run("multicore-handover", &program(), &args);
    assert_eq!(first.stderr, second.stderr);
}

#[test]
fn without_the_sev_a_core_waiting_in_wfe_is_never_woken() {
    let mut code = program();
    // Core 0 no longer signals "go": core 1 waits for ever, core 0 waits for core 1.
    code[11] = 0xD503_201F; // nop
    let r = common::run(
        "multicore-no-sev",
        &code,
        &["--max-instructions", "1000000"],
    );
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert!(
        r.stderr.contains("every core that is on waits"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_started_core_sleeps_on_its_own_timer() {
    const TIMER_CORE1: usize = 15;
    const TIMER_FAIL: usize = 14;
    let at = |from: usize, to: usize| to as i32 - from as i32;
    let code = vec![
        movz(0, 0x8400, 1),
        movk(0, 0x0003), // CPU_ON (SMC32)
        movz(1, 1, 0),
        adr(2, ((TIMER_CORE1 - 3) * 4) as u32),
        SMC0,
        movz(10, 0x8009, 1), // 5: x10 = core 1's word
        WFE,                 // 6
        ldr_w(4, 10),
        cbz_w(4, at(8, 6)),
        CMP_X4_2, // 2: woke at or after CVAL
        b_ne(at(10, TIMER_FAIL)),
        movz(0, 0x004A, 1),
        movk(0, 0xB000), // PS_HOLD
        STR_WZR_X0,
        B_SELF, // 14: FAIL
        // 15: core 1: CNTV fires 2048 ticks from now; sleep until it does.
        0xD53B_E047, // mrs x7, cntvct_el0
        0x9120_00E7, // add x7, x7, #0x800
        0xD51B_E347, // msr cntv_cval_el0, x7
        movz(8, 1, 0),
        0xD51B_E328, // msr cntv_ctl_el0, x8 (ENABLE)
        0xD503_207F, // wfi
        0xD53B_E049, // mrs x9, cntvct_el0
        0xEB07_013F, // cmp x9, x7
        0x1A9F_37E5, // cset w5, hs
        0x1100_04A5, // add w5, w5, #1
        movz(10, 0x8009, 1),
        str_w(5, 10),
        SEV,
        movz(0, 0x8400, 1),
        movk(0, 0x0002), // CPU_OFF
        SMC0,
        B_SELF,
    ];
    assert_eq!(code[TIMER_FAIL], B_SELF);
    let r = common::run(
        "multicore-timer",
        &code,
        &["--max-instructions", "1000000", "--stats"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Both cores slept: the 2048 ticks passed without being executed.
    let count = instructions(&r.stderr);
    assert!(count < 200, "{count} instructions: the cores did not sleep");
}

const CMP_X4_2: u32 = 0xF100_089F; // cmp x4, #2

/// `bl .+words*4`.
const fn bl(words: i32) -> u32 {
    0x9400_0000 | (words as u32) & 0x03FF_FFFF
}

#[test]
fn code_patched_by_one_core_is_run_new_by_another_after_ic_ivau() {
    let code = patch_program(false, IC_IVAU_X12);
    let r = common::run("multicore-patch", &code, &["--max-instructions", "1000000"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// Core 0 starts core 1, which runs a function (`movz w5, #1; ret`), reports its result and
/// waits for "go"; core 0 then rewrites the function to `movz w5, #2` (through a virtual
/// alias 1 GiB below its address when `alias`: core 0's MMU maps DRAM there, see `mmu_on`),
/// cleans it (DC CVAU), invalidates it with `invalidation` and says "go"; core 1 runs it
/// again and reports. The run ends by PS_HOLD when core 1 ran the new code, at a `b .`
/// otherwise.
fn patch_program(alias: bool, invalidation: u32) -> Vec<u32> {
    // The alias takes two instructions more in core 0's part.
    let e = if alias { 2 } else { 0 };
    let fail = 32 + e;
    let core1 = 33 + e;
    let function = 47 + e;
    let at = |from: usize, to: usize| to as i32 - from as i32;
    let mut code = vec![
        movz(0, 0x8400, 1),
        movk(0, 0x0003), // CPU_ON (SMC32)
        movz(1, 1, 0),
        adr(2, ((core1 - 3) * 4) as u32),
        SMC0,
        movz(10, 0x8009, 1), // 5: x10 = core 1's result
        movz(11, 0x8009, 1),
        movk(11, 0x0010), // x11 = "go"
        WFE,              // 8: wait for the first result
        ldr_w(4, 10),
        cbz_w(4, at(10, 8)),
        adr(12, ((function - 11) * 4) as u32),
    ];
    if alias {
        code.extend([
            movz(9, 0x4000, 1),
            0xCB09_018C, // sub x12, x12, x9: the function's virtual alias
        ]);
    }
    code.extend([
        0x5280_08AD, // movz w13, #0x45
        0x72AA_500D, // movk w13, #0x5280, lsl #16: w13 = `movz w5, #2`
        str_w(13, 12),
        0xD50B_7B2C,   // dc cvau, x12
        0xD503_3B9F,   // dsb ish
        invalidation,  // ic ivau, x12 or ic ialluis
        0xD503_3B9F,   // dsb ish
        0xD503_3FDF,   // isb
        str_w(31, 10), // 20 + e: result = 0
        str_w(13, 11), // go
        SEV,
        WFE, // 23 + e: wait for the second result
        ldr_w(4, 10),
        cbz_w(4, at(25 + e, 23 + e)),
        CMP_X4_2, // the patched function ran
        b_ne(at(27 + e, fail)),
        movz(0, 0x004A, 1),
        movk(0, 0xB000), // PS_HOLD
        STR_WZR_X0,
        B_SELF,
        B_SELF, // 32 + e: fail
        // 33 + e: core 1: run the function, report, wait for "go", run it again, report.
        movz(10, 0x8009, 1),
        movz(11, 0x8009, 1),
        movk(11, 0x0010),
        bl(at(36 + e, function)),
        str_w(5, 10),
        SEV,
        WFE, // 39 + e
        ldr_w(6, 11),
        cbz_w(6, at(41 + e, 39 + e)),
        bl(at(42 + e, function)),
        str_w(5, 10),
        SEV,
        WFE,         // 45 + e
        0x17FF_FFFF, // b .-4
        0x5280_0025, // 47 + e: the function: movz w5, #1
        0xD65F_03C0, // ret
    ]);
    assert_eq!(code[fail], B_SELF);
    assert_eq!(code[core1], movz(10, 0x8009, 1));
    assert_eq!(code[function], 0x5280_0025);
    code
}

const IC_IVAU_X12: u32 = 0xD50B_752C; // ic ivau, x12
const IC_IALLUIS: u32 = 0xD508_711F; // ic ialluis

/// As `code_patched_by_one_core_is_run_new_by_another_after_ic_ivau`, but core 0 (MMU on,
/// data cache on if `data_cache`) writes the function through a virtual alias 1 GiB below
/// its physical address, cleans it (DC CVAU) and invalidates it with `invalidation`, while
/// core 1 runs it with the MMU off.
fn patched_through_an_alias(name: &str, invalidation: u32, data_cache: bool) -> common::Run {
    let mut code = common::mmu_on(data_cache);
    code.extend(patch_program(true, invalidation));
    let r = common::run(name, &code, &["--max-instructions", "1000000", "--stats"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r
}

/// The `--stats` line of a run's invalidations between cores.
fn invalidations(r: &common::Run) -> &str {
    r.stderr
        .lines()
        .find(|l| l.starts_with("emu: stats: instruction-cache invalidations between cores: "))
        .unwrap_or_else(|| panic!("no invalidation stats: {}", r.stderr))
}

/// Core 0 (MMU on) writes the function and invalidates it by IC IVAU through a virtual alias
/// 1 GiB below its physical address, while core 1 runs it with the MMU off: the other core
/// drops the code at the physical address the issuing core's virtual address maps to (a
/// board that took the virtual address for a physical one would leave core 1 on the old
/// code), and only that page (`--stats`).
#[test]
fn ic_ivau_through_a_virtual_alias_drops_only_that_physical_page_on_another_core() {
    let r = patched_through_an_alias("multicore-alias", IC_IVAU_X12, false);
    assert!(
        invalidations(&r).ends_with("ic-ivau=1 ic-iallu=0 full-flushes=0 pages-invalidated=1"),
        "{}",
        r.stderr
    );
}

/// The same with DC CVAU and IC IALLUIS (how Linux publishes a new user page on this CPU),
/// caches on: the other core drops the page cleaned by DC, and nothing else.
#[test]
fn ic_ialluis_drops_the_pages_cleaned_by_dc_on_another_core() {
    let r = patched_through_an_alias("multicore-ialluis", IC_IALLUIS, true);
    assert!(
        invalidations(&r).ends_with("ic-ivau=0 ic-iallu=1 full-flushes=0 pages-invalidated=1"),
        "{}",
        r.stderr
    );
}

/// With core 0's data cache off, its stores need no clean to be seen: IC IALLUIS drops
/// everything on the other core.
#[test]
fn ic_ialluis_with_the_data_cache_off_drops_everything_on_another_core() {
    let r = patched_through_an_alias("multicore-ialluis-uncached", IC_IALLUIS, false);
    assert!(
        invalidations(&r).ends_with("ic-ivau=0 ic-iallu=1 full-flushes=1 pages-invalidated=0"),
        "{}",
        r.stderr
    );
}
