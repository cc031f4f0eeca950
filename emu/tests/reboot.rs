//! Reboots within one run (`--max-resets`): a watchdog bite restarts the firmware, which then
//! reads WDT_STS bit 0 set; without the option the bite ends the run.

mod common;
use common::run;

/// WDT_STS bit 0 clear: watchdog on (bite after 1 s), WFI. Set: release PS_HOLD.
fn program() -> Vec<u32> {
    vec![
        0xD2A1_6021, // 0x00: movz x1, #0x0b01, lsl #16
        0xF28E_0001, // movk x1, #0x7000        -> APSS watchdog
        0xB940_0C23, // ldr w3, [x1, #0x0c]      (WDT_STS)
        0x3500_0103, // cbnz w3, 0x2c
        0x5290_0002, // movz w2, #0x8000         (1 s)
        0xB900_1022, // str w2, [x1, #0x10]
        0xB900_1422, // str w2, [x1, #0x14]
        0x5280_0022, // movz w2, #1
        0xB900_0822, // str w2, [x1, #8]         (enable)
        0xD503_207F, // wfi
        0x1400_0000, // b .
        0xD2A0_0944, // 0x2c: movz x4, #0x4a, lsl #16
        0xF296_0004, // movk x4, #0xb000         (PS_HOLD)
        0xB900_009F, // str wzr, [x4]
        0x1400_0000, // b .
    ]
}

#[test]
fn a_bite_reboots_and_the_next_boot_reads_the_watchdog_status() {
    let r = run("reboot-bite", &program(), &["--max-resets", "2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Bitten; the next boot sees WDT_STS set and resets through PS_HOLD; the boot after that
    // sees it clear again and is bitten; the second reboot was the last allowed.
    let lines: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| !l.ends_with("apss-wdt bark"))
        .collect();
    assert_eq!(lines.len(), 5, "{}", r.stderr);
    let bite = |line: &str| {
        line.starts_with("emu: APSS watchdog bite at t=") && line.ends_with("): system reset")
    };
    assert!(bite(lines[0]), "{}", r.stderr);
    assert!(
        lines[1].starts_with("emu: reboot 1 of at most 2 at t="),
        "{}",
        r.stderr
    );
    assert!(
        lines[2].starts_with("emu: PS_HOLD released at pc=")
            && lines[2].ends_with(": system reset"),
        "{}",
        r.stderr
    );
    assert!(
        lines[3].starts_with("emu: reboot 2 of at most 2 at t="),
        "{}",
        r.stderr
    );
    assert!(bite(lines[4]), "{}", r.stderr);
    // One time line: the second bite is a second after the second reboot.
    let tick = |line: &str, prefix: &str| -> u64 {
        line[prefix.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap()
    };
    let first_bite = tick(lines[0], "emu: APSS watchdog bite at t=");
    let second_reboot = tick(lines[3], "emu: reboot 2 of at most 2 at t=");
    let second_bite = tick(lines[4], "emu: APSS watchdog bite at t=");
    assert!(
        first_bite >= 19_200_000 && second_reboot > first_bite,
        "{}",
        r.stderr
    );
    assert!(
        (19_200_000..19_200_100).contains(&(second_bite - second_reboot)),
        "{}",
        r.stderr
    );

    // Without the option: the run ends at the bite (exit 0), as before.
    let r = run("reboot-none", &program(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr.lines().count(),
        2,
        "a bark and the bite: {}",
        r.stderr
    );
    assert!(r.stderr.contains("APSS watchdog bite"), "{}", r.stderr);
}
