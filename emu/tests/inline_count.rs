//! The CPU engine counts blocks inline between the block hook's bounds (engine patch item 8,
//! `board::count`): a run gives exactly the same output, virtual times and counts as with the
//! hook seeing every block (`--no-inline-count`).

mod common;
use common::run;

/// 20 times: 50,000 turns of a two-instruction loop, then a read of TLMM's GPIO_IN_OUT(0)
/// (traced with its tick); then PS_HOLD is released.
const CODE: [u32; 12] = [
    0xD2A0_2001, // movz x1, #0x100, lsl #16   (x1 = TLMM, 0x0100_0000)
    0xD280_0285, // movz x5, #20
    0xD298_6A00, // outer: movz x0, #50000
    0xF100_0400, // inner: subs x0, x0, #1
    0x54FF_FFE1, // b.ne inner
    0xB940_0423, // ldr w3, [x1, #4]
    0xF100_04A5, // subs x5, x5, #1
    0x54FF_FF61, // b.ne outer
    0xD2A0_0941, // movz x1, #0x4a, lsl #16
    0xF296_0001, // movk x1, #0xb000           (x1 = PS_HOLD)
    0xB900_003F, // str wzr, [x1]              (release: the run ends)
    0x1400_0000, // b .
];

#[test]
fn inline_counting_changes_nothing_but_speed() {
    let args = ["--stats", "--trace", "mmio"];
    let inline = run("inline-count-on", &CODE, &args);
    let hooked = run(
        "inline-count-off",
        &CODE,
        &["--stats", "--trace", "mmio", "--no-inline-count"],
    );
    assert_eq!(inline.code, 0, "{}", inline.stderr);
    assert_eq!(inline.stdout, hooked.stdout);
    assert_eq!(inline.stderr, hooked.stderr);
    // The reads come at the ticks the loop's length gives: the first after
    // [movz, movz, movz, subs, b.ne] (5) + 49,999 x [subs, b.ne] + [ldr, subs, b.ne] (3).
    let reads: Vec<&str> = inline
        .stderr
        .lines()
        .filter(|l| l.contains("mmio read4 0x1000004"))
        .collect();
    assert_eq!(reads.len(), 20, "{}", inline.stderr);
    assert!(reads[0].starts_with("emu: t=100006 "), "{}", reads[0]);
    assert!(
        inline.stderr.contains("emu: stats: instructions="),
        "{}",
        inline.stderr
    );
}
