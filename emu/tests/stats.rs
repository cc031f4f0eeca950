//! `--stats` counts exactly the instructions that ran, however often the board stops the
//! engine in between (periodic polls every 65,536 ticks, timed events): a block the engine is
//! stopped at is counted when it runs, not also when it was reached.

mod common;
use common::run;

const MOVZ_X0_4240: u32 = 0xD288_4800; // movz x0, #0x4240
const MOVK_X0_F_LSL16: u32 = 0xF2A0_01E0; // movk x0, #0xf, lsl #16   (x0 = 1_000_000)
const SUBS_X0_1: u32 = 0xF100_0400; // subs x0, x0, #1
const B_NE_BACK_1: u32 = 0x54FF_FFE1; // b.ne <the subs>
const MOVZ_X1_4A_LSL16: u32 = 0xD2A0_0941; // movz x1, #0x4a, lsl #16
const MOVK_X1_B000: u32 = 0xF296_0001; // movk x1, #0xb000           (x1 = PS_HOLD)
const STR_WZR_X1: u32 = 0xB900_003F; // str wzr, [x1]               (release: the run ends)
const B_SELF: u32 = 0x1400_0000; // b .

#[test]
fn a_loop_of_known_length_is_counted_exactly() {
    let code = [
        MOVZ_X0_4240,
        MOVK_X0_F_LSL16,
        SUBS_X0_1,
        B_NE_BACK_1,
        MOVZ_X1_4A_LSL16,
        MOVK_X1_B000,
        STR_WZR_X1,
        B_SELF,
    ];
    let r = run("stats-exact", &code, &["--stats"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Blocks end at branches: [movz, movk, subs, b.ne] once (4), [subs, b.ne] 999,999 times,
    // then [movz, movk, str, b] (4, counted as a whole when the block starts):
    // 4 + 2 * 999_999 + 4 = 2_000_006. The loop spans about 30 periodic polls.
    assert!(
        r.stderr.contains("emu: stats: instructions=2000006 "),
        "{}",
        r.stderr
    );
}
