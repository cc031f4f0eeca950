//! A firmware that sleeps (WFI, nothing enabled that could wake it) while the APSS watchdog
//! runs is bitten on time: the sleep fast-forwards to the bite instead of ending the run as
//! "no progress".

mod common;
use common::run;

/// Bark and bite after 32768 sleep-clock counts (1 s), enable, WFI, `b .`.
fn program() -> Vec<u32> {
    vec![
        0xD2A1_6021, // movz x1, #0x0b01, lsl #16
        0xF28E_0001, // movk x1, #0x7000        -> APSS watchdog
        0x5290_0002, // movz w2, #0x8000         (32768 counts = 1 s)
        0xB900_1022, // str w2, [x1, #0x10]      (WDT_BARK_TIME)
        0xB900_1422, // str w2, [x1, #0x14]      (WDT_BITE_TIME)
        0x5280_0022, // movz w2, #1
        0xB900_0822, // str w2, [x1, #8]         (WDT_EN.ENABLE, no bark interrupt)
        0xD503_207F, // wfi
        0x1400_0000, // b .
    ]
}

#[test]
fn wfi_with_only_the_watchdog_running_is_bitten_on_time() {
    let r = run("wdt-sleep", &program(), &["--stats"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Enabled within the first instructions, bitten 19_200_000 ticks (1 s) later.
    let number_after = |prefix: &str| -> u64 {
        let at = r.stderr.find(prefix).expect(prefix) + prefix.len();
        let digits: String = r.stderr[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().unwrap()
    };
    let bite = number_after("emu: APSS watchdog bite at t=");
    assert!((19_200_000..19_200_020).contains(&bite), "{}", r.stderr);
    assert!(r.stderr.contains("): system reset"), "{}", r.stderr);
    let executed = number_after("instructions=");
    assert!(
        executed < 20,
        "the CPU slept from the WFI to the bite: {}",
        r.stderr
    );
}
