//! Timed events: an externally applied pin level (`--press`) takes effect at its tick, and the
//! run is the same every time.

mod common;
use common::run;

/// Tick at which the button is pressed.
const PRESS_AT: u64 = 3000;

/// GPIO 107 with a pull-up, polled until it reads low; then CNTPCT must be within a few
/// ticks after `PRESS_AT` (exit 0), else the guest ends in a `b .` (no progress, exit 6).
fn program() -> Vec<u32> {
    let latest = PRESS_AT + 8;
    let mut code = vec![
        0xD2A0_20C1, // 0: movz x1, #0x0106, lsl #16
        0xF296_0001, // movk x1, #0xb000        -> TLMM GPIO 107
        0x5280_0062, // movz w2, #3             (CFG: pull-up, input)
        0xB900_0022, // str w2, [x1]
        0xB940_0422, // 4: ldr w2, [x1, #4]     (IN_OUT)
        0x3707_FFE2, // tbnz w2, #0, 4b         (still high)
        0xD53B_E020, // mrs x0, cntpct_el0
        0x5800_0163, // ldr x3, =PRESS_AT       (literal at word 18)
        0xEB03_001F, // cmp x0, x3
        0x5400_00E3, // b.lo fail
        0x5800_0144, // ldr x4, =latest         (literal at word 20)
        0xEB04_001F, // cmp x0, x4
        0x5400_0088, // b.hi fail
        0xD2A0_0941, // movz x1, #0x4a, lsl #16
        0xF296_0001, // movk x1, #0xb000        (PS_HOLD)
        0xB900_003F, // str wzr, [x1]
        0x1400_0000, // 16: fail: b .
        0xD503_201F, // nop (literal alignment)
    ];
    for v in [PRESS_AT, latest] {
        code.extend([v as u32, (v >> 32) as u32]);
    }
    code
}

#[test]
fn pin_event_takes_effect_at_its_tick_deterministically() {
    let press = format!("107@{PRESS_AT}");
    let args = ["--press", &press, "--max-instructions", "200000", "--stats"];
    let a = run("press-a", &program(), &args);
    assert_eq!(a.code, 0, "{}", a.stderr);
    let b = run("press-b", &program(), &args);
    assert_eq!(
        (a.code, &a.stdout, &a.stderr),
        (b.code, &b.stdout, &b.stderr)
    );
    // Pressed later than the guest's bound: the same guest fails.
    let late = format!("107@{}", PRESS_AT + 100);
    let r = run(
        "press-late",
        &program(),
        &["--press", &late, "--max-instructions", "200000"],
    );
    assert_eq!(r.code, 6, "{}", r.stderr);
}
