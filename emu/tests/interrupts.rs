//! Interrupt delivery: the generic timer's PPI and a button press (TLMM summary SPI) reach
//! the CPU through the GIC model as real IRQ exceptions (vector VBAR_EL1 + 0x280), not before
//! their cause, and the handler's acknowledge/EOI leave nothing pending.

mod common;
use common::run;

/// Main program (at the load address): vector table at +0x800, GIC distributor and CPU
/// interface enabled, PPI 19 (non-secure physical timer) enabled at priority 0x80, timer
/// armed 1000 ticks ahead, IRQs unmasked, `1: wfi; b 1b`.
const MAIN: [u32; 22] = [
    0x1000_4000, // adr x0, vectors (+0x800)
    0xD518_C000, // msr vbar_el1, x0
    0xD2A1_6001, // mov x1, #0x0b000000          (GICD)
    0x5280_0022, // mov w2, #1
    0xB900_0022, // str w2, [x1]                 GICD_CTLR.EnableGrp1
    0x52A0_0102, // mov w2, #(1 << 19)
    0xB901_0022, // str w2, [x1, #0x100]         ISENABLER0: PPI 19
    0x5280_1002, // mov w2, #0x80
    0x3910_4C22, // strb w2, [x1, #0x413]        IPRIORITYR byte 19
    0xD2A1_6003, // mov x3, #0x0b000000
    0xF284_0003, // movk x3, #0x2000             (GICC)
    0x5280_0022, // mov w2, #1
    0xB900_0062, // str w2, [x3]                 GICC_CTLR.EnableGrp1
    0x5280_1E02, // mov w2, #0xf0
    0xB900_0462, // str w2, [x3, #4]             GICC_PMR
    0xD280_7D04, // mov x4, #1000
    0xD51B_E204, // msr cntp_tval_el0, x4
    0xD280_0024, // mov x4, #1
    0xD51B_E224, // msr cntp_ctl_el0, x4         ENABLE
    0xD503_42FF, // msr daifclr, #2
    0xD503_207F, // 1: wfi
    0x17FF_FFFF, // b 1b
];

/// IRQ handler at vectors + 0x280: IAR must be 19 and CNTPCT past the compare value; mask
/// the timer, EOI, then IAR must read spurious (1023); release PS_HOLD. Any check failing
/// ends in `b .` (no progress).
const HANDLER: [u32; 16] = [
    0xB940_0C65, // ldr w5, [x3, #0xc]           GICC_IAR
    0x7100_4CBF, // cmp w5, #19
    0x5400_01A1, // b.ne fail
    0xD53B_E026, // mrs x6, cntpct_el0
    0xF10F_A0DF, // cmp x6, #1000
    0x5400_0143, // b.lo fail
    0xD280_0044, // mov x4, #2
    0xD51B_E224, // msr cntp_ctl_el0, x4         IMASK: the line falls
    0xB900_1065, // str w5, [x3, #0x10]          GICC_EOIR
    0xB940_0C65, // ldr w5, [x3, #0xc]
    0x710F_FCBF, // cmp w5, #1023
    0x5400_0081, // b.ne fail
    0xD2A0_0941, // mov x1, #0x4a0000
    0xF296_0001, // movk x1, #0xb000             (PS_HOLD)
    0xB900_003F, // str wzr, [x1]
    0x1400_0000, // fail: b .
];

fn program(enable_ppi: bool) -> Vec<u32> {
    let mut code = MAIN.to_vec();
    if !enable_ppi {
        code[6] = 0xD503_201F; // nop instead of the ISENABLER write
    }
    code.resize((0x800 + 0x280) / 4, 0);
    code.extend(HANDLER);
    code
}

#[test]
fn timer_ppi_is_taken_as_an_irq_after_its_compare_value() {
    let args = ["--max-instructions", "200000", "--stats"];
    let a = run("irq-timer-a", &program(true), &args);
    assert_eq!(a.code, 0, "{}", a.stderr);
    let b = run("irq-timer-b", &program(true), &args);
    assert_eq!((a.code, &a.stderr), (b.code, &b.stderr), "deterministic");
    // `--trace irq`: the line rises for ID 19 once the counter has passed the compare value
    // (armed at tick 17 with TVAL 1000), and falls when the handler acknowledges it.
    let t = run(
        "irq-timer-trace",
        &program(true),
        &["--max-instructions", "200000", "--trace", "irq"],
    );
    assert_eq!(t.code, 0, "{}", t.stderr);
    let rose: Vec<u64> = t
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("emu: t=")?.strip_suffix(" irq 19 signalled"))
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(rose.len(), 1, "{}", t.stderr);
    assert!((1017..1017 + 8).contains(&rose[0]), "{}", t.stderr);
    assert!(t.stderr.contains(" irq line low"), "{}", t.stderr);
}

#[test]
fn a_disabled_ppi_is_never_taken() {
    // The WFI still wakes on the timer (kept rule), but no IRQ is taken: the loop runs on
    // until the budget.
    let r = run(
        "irq-timer-disabled",
        &program(false),
        &["--max-instructions", "200000"],
    );
    assert_eq!(r.code, 4, "{}", r.stderr);
}

/// GPIO 107 (pull-up input) falling edge to the application processor, TLMM summary (SPI 208,
/// ID 240) enabled at the GIC for core 0, IRQs unmasked, `1: wfi; b 1b`; the vector table at
/// +0x800 as above. `intr_cfg` is written to GPIO_INTR_CFG (word 6).
const BUTTON_MAIN: [u32; 25] = [
    0x1000_4000, // adr x0, vectors (+0x800)
    0xD518_C000, // msr vbar_el1, x0
    0xD2A0_20C7, // mov x7, #0x01060000
    0xF296_0007, // movk x7, #0xb000              (TLMM GPIO 107)
    0x5280_0062, // mov w2, #3
    0xB900_00E2, // str w2, [x7]                  CFG: pull-up input
    0x5280_1362, // mov w2, #0x9b                 target 4, raw, falling edge, POL 1, enable
    0xB900_08E2, // str w2, [x7, #8]              INTR_CFG
    0xD2A1_6001, // mov x1, #0x0b000000           (GICD)
    0x5280_0022, // mov w2, #1
    0xB900_0022, // str w2, [x1]                  GICD_CTLR
    0x52A0_0022, // mov w2, #(1 << 16)
    0xB901_1C22, // str w2, [x1, #0x11c]          ISENABLER7: ID 240
    0x5280_1002, // mov w2, #0x80
    0x3913_C022, // strb w2, [x1, #0x4f0]         IPRIORITYR byte 240
    0x5280_0022, // mov w2, #1
    0x3923_C022, // strb w2, [x1, #0x8f0]         ITARGETSR byte 240: core 0
    0xD2A1_6003, // mov x3, #0x0b000000
    0xF284_0003, // movk x3, #0x2000              (GICC)
    0xB900_0062, // str w2, [x3]                  GICC_CTLR
    0x5280_1E02, // mov w2, #0xf0
    0xB900_0462, // str w2, [x3, #4]              GICC_PMR
    0xD503_42FF, // msr daifclr, #2
    0xD503_207F, // 1: wfi
    0x17FF_FFFF, // b 1b
];

/// IRQ handler: IAR must be 240 and CNTPCT at least 4000 (the press); INTR_STATUS = 0 (the
/// summary line falls), EOI, IAR must then be spurious; release PS_HOLD. Else `b .`.
const BUTTON_HANDLER: [u32; 15] = [
    0xB940_0C65, // ldr w5, [x3, #0xc]            GICC_IAR
    0x7103_C0BF, // cmp w5, #240
    0x5400_0181, // b.ne fail
    0xD53B_E026, // mrs x6, cntpct_el0
    0xF13E_80DF, // cmp x6, #4000
    0x5400_0123, // b.lo fail
    0xB900_0CFF, // str wzr, [x7, #0xc]           GPIO_INTR_STATUS = 0
    0xB900_1065, // str w5, [x3, #0x10]           GICC_EOIR
    0xB940_0C65, // ldr w5, [x3, #0xc]
    0x710F_FCBF, // cmp w5, #1023
    0x5400_0081, // b.ne fail
    0xD2A0_0941, // mov x1, #0x4a0000
    0xF296_0001, // movk x1, #0xb000              (PS_HOLD)
    0xB900_003F, // str wzr, [x1]
    0x1400_0000, // fail: b .
];

fn button_program(intr_cfg: u32) -> Vec<u32> {
    let mut code = BUTTON_MAIN.to_vec();
    code[6] = 0x5280_0002 | intr_cfg << 5; // mov w2, #intr_cfg
    code.resize((0x800 + 0x280) / 4, 0);
    code.extend(BUTTON_HANDLER);
    code
}

#[test]
fn a_button_press_wakes_wfi_through_the_tlmm_summary_interrupt() {
    let args = ["--press", "107@4000", "--max-instructions", "200000"];
    let r = run("irq-button", &button_program(0x9B), &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Routed to another processor (INTR_TARGET_PROC 0): the press latches the status but the
    // summary line stays low, and after the press event nothing can wake the WFI.
    let r = run("irq-button-unrouted", &button_program(0x1B), &args);
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert!(
        r.stderr.contains("WFI with nothing that can wake"),
        "{}",
        r.stderr
    );
}
