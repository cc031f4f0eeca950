//! Whole-board tests: hand-encoded AArch64 programs wrapped in a minimal ELF, run through the
//! `db410c-emu` binary.

mod common;
use common::run;
use std::process::Command;

// x1 = 0x004A_B000 (PS_HOLD)
const MOVZ_X1_4A_LSL16: u32 = 0xD2A0_0941; // movz x1, #0x4a, lsl #16
const MOVK_X1_B000: u32 = 0xF296_0001; // movk x1, #0xb000
const STR_WZR_X1: u32 = 0xB900_003F; // str wzr, [x1]
const B_SELF: u32 = 0x1400_0000; // b .
const WFI: u32 = 0xD503_207F; // wfi

#[test]
fn ps_hold_release_ends_run_with_status_0() {
    let r = run(
        "pshold",
        &[MOVZ_X1_4A_LSL16, MOVK_X1_B000, STR_WZR_X1, B_SELF],
        &["--stats"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("emu: PS_HOLD released at pc=0x80080008: system reset"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("emu: stats: instructions=4 first-console-byte-at=none"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn unclaimed_offset_inside_a_model_reports_pc() {
    let code = [
        MOVZ_X1_4A_LSL16,
        0xF296_0081, // movk x1, #0xb004
        0xB940_0020, // ldr w0, [x1]
        B_SELF,
    ];
    let r = run("unclaimed", &code, &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("emu: error: unclaimed read of 4 bytes at 0x4ab004 (pc=0x80080008)"),
        "{}",
        r.stderr
    );
}

#[test]
fn unmapped_write_reports_pc() {
    let code = [
        0xD2A2_0001, // movz x1, #0x1000, lsl #16  (0x1000_0000: nothing there)
        0x7900_003F, // strh wzr, [x1]
        B_SELF,
    ];
    let r = run("unmapped", &code, &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("emu: error: unclaimed write of 2 bytes at 0x10000000 (pc=0x80080004)"),
        "{}",
        r.stderr
    );
}

#[test]
fn console_write_reaches_stdout_after_line_time() {
    let code = [
        0xD2A0_F161, // movz x1, #0x78b, lsl #16   (UART2)
        0x5280_0202, // movz w2, #0x10            (DMEN.TX_SC_EN)
        0xB900_3C22, // str w2, [x1, #0x3c]
        0x5280_0903, // movz w3, #'H'
        0xB901_0023, // str w3, [x1, #0x100]     (TF)
        0x5280_0D23, // movz w3, #'i'
        0xB901_0023, // str w3, [x1, #0x100]
        0xB940_A424, // 1: ldr w4, [x1, #0xa4]   (SR)
        0x361F_FFE4, // tbz w4, #3, 1b           (wait for TXEMT)
        MOVZ_X1_4A_LSL16,
        MOVK_X1_B000,
        STR_WZR_X1,
        B_SELF,
    ];
    let r = run("uart", &code, &["--stats"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "Hi");
    // Two characters at 115200 8N1 take 2 x 1666.7 ticks.
    let line = r
        .stderr
        .lines()
        .find(|l| l.starts_with("emu: stats:"))
        .unwrap();
    let insns: u64 = line
        .split("instructions=")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(insns > 3000, "{line}");
    assert!(
        line.ends_with("first-console-byte-at=1669") || line.contains("first-console-byte-at=16"),
        "{line}"
    );
}

#[test]
fn wfi_wakes_on_timer_and_counter_jumps() {
    let code = [
        0xD282_7102, // movz x2, #5000
        0xD51B_E202, // msr cntp_tval_el0, x2
        0xD280_0023, // movz x3, #1
        0xD51B_E223, // msr cntp_ctl_el0, x3
        WFI,
        0xD53B_E020, // mrs x0, cntpct_el0
        0xF13F_FC1F, // cmp x0, #0xfff: the counter must have jumped past 5000
        0x5400_0089, // b.ls +16 (to the `b .` at the end: no PS_HOLD release)
        MOVZ_X1_4A_LSL16,
        MOVK_X1_B000,
        STR_WZR_X1,
        B_SELF,
    ];
    let r = run("wfi", &code, &["--max-instructions", "100000"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn wfi_without_wakeup_source_is_no_progress_6() {
    let r = run("wfi-dead", &[WFI, B_SELF], &[]);
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("emu: error: no progress: WFI with nothing that can wake the core"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("(pc=0x80080000)"), "{}", r.stderr);
}

#[test]
fn budget_exhausted_is_exit_4() {
    // A loop that changes a register each time round is progress: only the budget ends it.
    let code = [
        0x9100_0400, // 1: add x0, x0, #1
        0x17FF_FFFF, // b 1b
    ];
    let r = run("budget", &code, &["--max-instructions", "10_000"]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("emu: error: instruction budget of 10000 exhausted (pc=0x80080000)"),
        "{}",
        r.stderr
    );
}

#[test]
fn svc_is_vectored_and_without_vbar_stops() {
    let r = run("svc-novbar", &[0xD400_0021, B_SELF], &[]); // svc #1
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(r.stderr.contains("VBAR_EL1 = 0x0"), "{}", r.stderr);
    // VBAR_EL1 = 0x8008_0800; the vector at +0x200 (current EL, SPx) checks ESR_EL1.
    let mut code = Vec::new();
    code.extend([
        0xD2B0_0111, // movz x17, #0x8008, lsl #16
        0xF281_0011, // movk x17, #0x800        -> x17 = 0x8008_0800
        0xD518_C011, // msr vbar_el1, x17
        0xD400_0541, // svc #0x2a
        B_SELF,
    ]);
    let v = 0x800 / 4 + 0x200 / 4;
    code.resize(v, 0xD420_0000);
    code.extend([
        0xD538_5200, // mrs x0, esr_el1
        0xD2AA_C001, // movz x1, #0x5600, lsl #16
        0xF280_0541, // movk x1, #0x2a           -> ESR: EC 0x15, IL, imm 0x2a
        0xEB01_001F, // cmp x0, x1
        0x5400_0081, // b.ne +16 (to the `b .` at the end: no PS_HOLD release)
        MOVZ_X1_4A_LSL16,
        MOVK_X1_B000,
        STR_WZR_X1,
        B_SELF,
    ]);
    let r = run("svc", &code, &["--max-instructions", "100000"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn entry_exception_level_follows_option() {
    let prog = |cmp: u32| {
        vec![
            0xD538_4240, // mrs x0, CurrentEL
            cmp,         // cmp x0, #(EL << 2)
            0x5400_0081, // b.ne +16 (to the `b .` at the end: no PS_HOLD release)
            MOVZ_X1_4A_LSL16,
            MOVK_X1_B000,
            STR_WZR_X1,
            B_SELF,
        ]
    };
    let args = ["--max-instructions", "10000"];
    let r = run("el1", &prog(0xF100_101F), &args); // cmp x0, #4
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut args2 = args.to_vec();
    args2.extend(["--entry-el", "2"]);
    let r = run("el2", &prog(0xF100_201F), &args2); // cmp x0, #8
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn gpio_trace_lines() {
    let code = [
        0xD2A0_2021, // movz x1, #0x101, lsl #16
        0xF28A_0001, // movk x1, #0x5000        -> TLMM GPIO 21 (LED1)
        0x5280_4002, // movz w2, #0x200         (CFG.OE)
        0xB900_0022, // str w2, [x1]
        0x5280_0043, // movz w3, #2             (IN_OUT.OUT)
        0xB900_0423, // str w3, [x1, #4]
        MOVZ_X1_4A_LSL16,
        MOVK_X1_B000,
        STR_WZR_X1,
        B_SELF,
    ];
    let r = run("gpio", &code, &["--trace", "gpio"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains(" gpio21 "))
        .collect();
    assert_eq!(lines.len(), 2, "{}", r.stderr);
    assert!(
        lines[0].starts_with("emu: t=") && lines[0].ends_with(" gpio21 low"),
        "{}",
        r.stderr
    );
    assert!(lines[1].ends_with(" gpio21 high"), "{}", r.stderr);
}

#[test]
fn bad_image_is_exit_1_naming_the_file() {
    let path = std::env::temp_dir().join(format!("db410c-emu-test-{}-bad.elf", std::process::id()));
    std::fs::write(&path, b"not an elf").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_db410c-emu"))
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(&format!("emu: error: {}: ", path.display())),
        "{stderr}"
    );
}

#[test]
fn same_input_same_output() {
    let code = [
        0xD53B_E020, // mrs x0, cntpct_el0
        0xD2A0_F161, // movz x1, #0x78b, lsl #16   (UART2)
        0x5280_0202, // movz w2, #0x10            (DMEN.TX_SC_EN)
        0xB900_3C22, // str w2, [x1, #0x3c]
        0xB901_0020, // str w0, [x1, #0x100]     (counter value as a character)
        0xB940_A424, // 1: ldr w4, [x1, #0xa4]
        0x361F_FFE4, // tbz w4, #3, 1b
        MOVZ_X1_4A_LSL16,
        MOVK_X1_B000,
        STR_WZR_X1,
        B_SELF,
    ];
    let a = run("det-a", &code, &["--stats"]);
    let b = run("det-b", &code, &["--stats"]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(
        (a.stdout.as_bytes(), &a.stderr),
        (b.stdout.as_bytes(), &b.stderr)
    );
}

#[test]
fn udf_and_brk_are_vectored_with_elr_at_the_instruction() {
    for (name, insn) in [("udf", 0x0000_0000u32), ("brk", 0xD420_00A0)] {
        let mut code = vec![
            0xD2B0_0111, // movz x17, #0x8008, lsl #16
            0xF281_0011, // movk x17, #0x800        -> x17 = 0x8008_0800
            0xD518_C011, // msr vbar_el1, x17
            insn,        // udf #0 / brk #5 (at 0x8008_000c)
            B_SELF,
        ];
        code.resize(0x800 / 4 + 0x200 / 4, 0xD420_0000);
        code.extend([
            0xD538_4020, // mrs x0, elr_el1
            0xD2B0_0101, // movz x1, #0x8008, lsl #16
            0xF280_0181, // movk x1, #0xc
            0xEB01_001F, // cmp x0, x1
            0x5400_0081, // b.ne +16 (to the `b .` at the end: no PS_HOLD release)
            MOVZ_X1_4A_LSL16,
            MOVK_X1_B000,
            STR_WZR_X1,
            B_SELF,
        ]);
        let r = run(name, &code, &["--max-instructions", "100000"]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
    }
}
