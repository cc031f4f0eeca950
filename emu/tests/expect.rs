//! Scripted expectations (`--expect`, `--fail-on`, `--timeout`, `--send-after`): hand-encoded
//! guests that print through the console UART, run through the `db410c-emu` binary. Each
//! option has a passing and a failing case. (`--send-after` driving a real firmware is the
//! xtask check `example echo: send-after`.)

mod common;
use common::run;

/// What a test guest does, in order.
enum Step<'a> {
    /// Print the text on the console, waiting for TXEMT after each character.
    Print(&'a str),
    /// A countdown loop of two instructions per iteration.
    Delay(u16),
    /// Release PS_HOLD (the firmware's own end).
    PsHold,
    /// Spin at `b .` (ends as "no progress", exit 6).
    Spin,
    /// These instruction words.
    Code(&'a [u32]),
}

/// Hand-encodes the steps (UART2 in single-character mode), strings after the code.
fn guest(steps: &[Step<'_>]) -> Vec<u32> {
    let mut code = vec![
        0xD2A0_F161, // movz x1, #0x78b, lsl #16   (UART2)
        0x5280_0202, // movz w2, #0x10            (DMEN.TX_SC_EN)
        0xB900_3C22, // str w2, [x1, #0x3c]
    ];
    let mut strings: Vec<(usize, &str)> = Vec::new();
    for step in steps {
        match step {
            Step::Print(text) => {
                strings.push((code.len(), text));
                code.extend([
                    0,           // adr x5, text (fixed below)
                    0x3840_14A3, // 1: ldrb w3, [x5], #1
                    0x3400_00A3, // cbz w3, 3f
                    0xB901_0023, // str w3, [x1, #0x100]     (TF)
                    0xB940_A424, // 2: ldr w4, [x1, #0xa4]   (SR)
                    0x361F_FFE4, // tbz w4, #3, 2b           (wait for TXEMT)
                    0x17FF_FFFB, // b 1b
                ]); // 3:
            }
            Step::Delay(count) => code.extend([
                0xD2A0_0006 | u32::from(*count) << 5, // movz x6, #count, lsl #16
                0xF100_04C6,                          // 1: subs x6, x6, #1
                0x54FF_FFE1,                          // b.ne 1b
            ]),
            Step::PsHold => code.extend([
                0xD2A0_0941, // movz x1, #0x4a, lsl #16
                0xF296_0001, // movk x1, #0xb000
                0xB900_003F, // str wzr, [x1]
                0x1400_0000, // b .
            ]),
            Step::Spin => code.push(0x1400_0000),
            Step::Code(words) => code.extend_from_slice(words),
        }
    }
    let mut data = Vec::new();
    for (at, text) in strings {
        let offset = (code.len() * 4 + data.len() - at * 4) as u32;
        code[at] = 0x1000_0005 | (offset & 3) << 29 | (offset >> 2) << 5; // adr x5, text
        data.extend_from_slice(text.as_bytes());
        data.push(0);
    }
    data.resize(data.len().div_ceil(4) * 4, 0);
    code.extend(
        data.chunks(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])),
    );
    code
}

/// Prints three lines, then releases PS_HOLD.
fn three_lines() -> Vec<u32> {
    guest(&[Step::Print("one\ntwo\nthree\n"), Step::PsHold])
}

#[test]
fn the_guest_prints_and_ends_on_its_own() {
    let r = run("expect-plain", &three_lines(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "one\ntwo\nthree\n");
    let r = run(
        "expect-spin",
        &guest(&[Step::Print("x\n"), Step::Spin]),
        &[],
    );
    assert_eq!(r.code, 6, "{}", r.stderr);
}

#[test]
fn expectations_met_end_the_run_at_the_last_match() {
    let r = run(
        "expect-met",
        &three_lines(),
        &["--expect", "one", "--expect", "re:^t[a-z]o\\n"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("emu: expect: all 2 expectations met at tick "),
        "{}",
        r.stderr
    );
    // Stopped there: the guest never printed its third line, nor reached PS_HOLD.
    assert!(!r.stdout.contains("three"), "{}", r.stdout);
    assert!(r.stdout.starts_with("one\ntwo\n"), "{}", r.stdout);
    assert!(!r.stderr.contains("PS_HOLD"), "{}", r.stderr);
    // A guest that would end with "no progress" still passes when its text came first.
    let spin = guest(&[Step::Print("ready\n"), Step::Spin]);
    let r = run("expect-met-spin", &spin, &["--expect", "ready"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn expectation_missing_at_the_end_is_exit_7() {
    let r = run("expect-missing", &three_lines(), &["--expect", "four"]);
    assert_eq!(r.code, 7, "{}", r.stderr);
    // The board's own end is reported, then the expectation.
    assert!(r.stderr.contains("emu: PS_HOLD released"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("emu: expect: the run ended: expectation 1 of 1 not met: \"four\""),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "one\ntwo\nthree\n");
    // In order: "one" comes before "two", never after it.
    let r = run(
        "expect-order",
        &three_lines(),
        &["--expect", "two", "--expect", "one"],
    );
    assert_eq!(r.code, 7, "{}", r.stderr);
    assert!(
        r.stderr.contains("expectation 2 of 2 not met: \"one\""),
        "{}",
        r.stderr
    );
    // The same text does not count twice.
    let r = run(
        "expect-twice",
        &three_lines(),
        &["--expect", "one", "--expect", "one"],
    );
    assert_eq!(r.code, 7, "{}", r.stderr);
}

/// Prints "early", counts for ~0.5 s of virtual time (2 x 0x48 << 16 ticks), prints "late".
fn early_and_late() -> Vec<u32> {
    guest(&[
        Step::Print("early\n"),
        Step::Delay(0x48),
        Step::Print("late\n"),
        Step::PsHold,
    ])
}

#[test]
fn timeout_in_virtual_time_is_exit_9() {
    let r = run(
        "expect-timeout",
        &early_and_late(),
        &["--expect", "late", "--timeout", "100ms"],
    );
    assert_eq!(r.code, 9, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "emu: timeout: 1920000 ticks reached (at tick 1920001): expectation 1 of 1 not met: \"late\""
        ),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "early\n");
    // Deterministic: the same run, the same report.
    let again = run(
        "expect-timeout-again",
        &early_and_late(),
        &["--expect", "late", "--timeout", "1920000"],
    );
    assert_eq!((again.code, &again.stderr), (r.code, &r.stderr));
}

#[test]
fn timeout_after_the_expectation_passes() {
    let r = run(
        "expect-in-time",
        &early_and_late(),
        &["--expect", "early", "--expect", "late", "--timeout", "2s"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let at: u64 = r
        .stderr
        .split("expectations met at tick ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{}", r.stderr));
    // "late" comes after ~0.5 s of counting (9.4M ticks) and before 2 s.
    assert!((9_400_000..38_400_000).contains(&at), "{at}");
    // The tick of the match is the limit: exactly at it passes, one tick earlier does not.
    let r = run(
        "expect-at-limit",
        &early_and_late(),
        &["--expect", "late", "--timeout", &at.to_string()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(
        "expect-before-limit",
        &early_and_late(),
        &["--expect", "late", "--timeout", &(at - 8).to_string()],
    );
    assert_eq!(r.code, 9, "{}", r.stderr);
    // With no expectation, reaching the timeout is a clean end (a soak with --fail-on).
    let r = run(
        "expect-soak",
        &early_and_late(),
        &["--fail-on", "panicked", "--timeout", "10ms"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("with no expectation pending"),
        "{}",
        r.stderr
    );
}

#[test]
fn fail_on_match_is_exit_8_naming_the_pattern_and_the_line() {
    let code = guest(&[
        Step::Print("ok\npanicked at src/main.rs:3\ndone\n"),
        Step::PsHold,
    ]);
    let r = run(
        "expect-fail-on",
        &code,
        &[
            "--fail-on",
            "nothing",
            "--fail-on",
            "/src/m[a-z]+[.]/",
            "--expect",
            "done",
        ],
    );
    assert_eq!(r.code, 8, "{}", r.stderr);
    // The line as far as the console had it: this guest waits for each character to leave,
    // so it stopped right at the match (a firmware's TX FIFO drains the rest of the line).
    assert!(
        r.stderr
            .contains("emu: fail-on: \"/src/m[a-z]+[.]/\" matched at tick ")
            && r.stderr
                .contains(" in console line \"panicked at src/main.\""),
        "{}",
        r.stderr
    );
    assert!(!r.stdout.contains("done"), "{}", r.stdout);
    // Not printed: the run goes to the firmware's own end.
    let r = run(
        "expect-fail-on-clean",
        &three_lines(),
        &["--fail-on", "panicked"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("fail-on"), "{}", r.stderr);
    // And the board's own code stays when nothing matched.
    let spin = guest(&[Step::Print("x\n"), Step::Spin]);
    let r = run("expect-fail-on-spin", &spin, &["--fail-on", "panicked"]);
    assert_eq!(r.code, 6, "{}", r.stderr);
}

#[test]
fn bad_patterns_and_send_after_text_are_refused() {
    let r = run("expect-bad-regex", &three_lines(), &["--expect", "re:("]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("bad regex"), "{}", r.stderr);
    let r = run(
        "expect-bad-send",
        &three_lines(),
        &["--send-after", "one", "\\q"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("unknown escape"), "{}", r.stderr);
}

/// Console receive interrupt on (UART2 RXLEV, GIC ID 140 to core 0, CPU interface on), IRQs
/// still masked in PSTATE: a WFI wakes when a character arrives.
const RECEIVE_INTERRUPT_ON: [u32; 17] = [
    0x5280_0028, // movz w8, #1
    0xB900_A828, // str w8, [x1, #0xa8]          (UART2 CR = RX_EN)
    0x5280_020C, // movz w12, #0x10
    0xB900_B02C, // str w12, [x1, #0xb0]         (IMR = RXLEV)
    0xD2A1_6007, // movz x7, #0x0b00, lsl #16    (GIC distributor)
    0xB900_00E8, // str w8, [x7]                 (GICD_CTLR = 1)
    0x5282_0009, // movz w9, #0x1000
    0xB901_10E9, // str w9, [x7, #0x110]         (GICD_ISENABLER4 bit 12: ID 140)
    0x3922_30E8, // strb w8, [x7, #0x88c]        (GICD_ITARGETSR: ID 140 to core 0)
    0xD2A1_600A, // movz x10, #0x0b00, lsl #16
    0x9140_094A, // add x10, x10, #0x2000        (GIC CPU interface)
    0x5280_1E0B, // movz w11, #0xf0
    0xB900_054B, // str w11, [x10, #4]           (GICC_PMR = 0xf0)
    0xB900_0148, // str w8, [x10]                (GICC_CTLR = 1)
    0xD503_201F, // nop
    0xD503_201F, // nop
    0xD503_201F, // nop
];

/// `?` and a line end queued in the TX FIFO without waiting, then WFI at once: the last
/// bytes leave the wire while the core sleeps.
const END_OF_PROMPT_THEN_WFI: [u32; 5] = [
    0x5280_07E3, // movz w3, #0x3f               ('?')
    0xB901_0023, // str w3, [x1, #0x100]         (TF)
    0x5280_0143, // movz w3, #0x0a               (line end)
    0xB901_0023, // str w3, [x1, #0x100]         (TF)
    0xD503_207F, // wfi
];

#[test]
fn send_after_reaches_a_core_asleep_right_after_its_prompt() {
    // The guest prints its prompt and sleeps at once; only the answer to the prompt can wake
    // it. The script must see the prompt while the core sleeps.
    let code = guest(&[
        Step::Code(&RECEIVE_INTERRUPT_ON),
        Step::Print("ready"),
        Step::Code(&END_OF_PROMPT_THEN_WFI),
        Step::Print("woken\n"),
        Step::PsHold,
    ]);
    let r = run(
        "send_after_wfi",
        &code,
        &["--send-after", "ready?", "x", "--expect", "woken"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout, "ready?\nwoken",
        "the run ends at the expected text"
    );
    // Without the answer nothing can wake it: no progress, as before.
    let r = run("send_after_wfi_silent", &code, &["--expect", "woken"]);
    assert_eq!(r.code, 7, "{}", r.stderr);
    assert!(
        r.stderr.contains("no progress") || r.stderr.contains("WFI"),
        "{}",
        r.stderr
    );
}
