//! The virtual board never crashes and always ends: how runs that go wrong end, through the
//! `db410c-emu` binary on hand-encoded AArch64 programs.

mod common;
use common::run;

const B_SELF: u32 = 0x1400_0000; // b .
// x1 = 0x004A_B000 (PS_HOLD); storing zero there ends the run with exit 0.
const MOVZ_X1_4A_LSL16: u32 = 0xD2A0_0941; // movz x1, #0x4a, lsl #16
const MOVK_X1_B000: u32 = 0xF296_0001; // movk x1, #0xb000
const STR_WZR_X1: u32 = 0xB900_003F; // str wzr, [x1]
const PS_HOLD_RELEASE: [u32; 4] = [MOVZ_X1_4A_LSL16, MOVK_X1_B000, STR_WZR_X1, B_SELF];

/// Console characters still in the UART's TX FIFO when a run stops on a fault reach stdout
/// before the outcome line (the transmitter would go on sending on the board).
#[test]
fn console_bytes_queued_at_a_fault_are_flushed() {
    let code = [
        0xD2A0_F161, // movz x1, #0x78b, lsl #16   (UART2)
        0x5280_0202, // movz w2, #0x10            (DMEN.TX_SC_EN)
        0xB900_3C22, // str w2, [x1, #0x3c]
        0x5280_0903, // movz w3, #'H'
        0xB901_0023, // str w3, [x1, #0x100]     (TF)
        0x5280_0D23, // movz w3, #'i'
        0xB901_0023, // str w3, [x1, #0x100]
        0xD2A0_0945, // movz x5, #0x4a, lsl #16
        0xF296_0085, // movk x5, #0xb004
        0xB940_00A0, // ldr w0, [x5]             (unclaimed: the run stops)
        B_SELF,
    ];
    let r = run("flush-at-fault", &code, &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(r.stdout, "Hi", "{}", r.stderr);
    assert!(
        r.stderr
            .contains("emu: error: unclaimed read of 4 bytes at 0x4ab004 (pc=0x80080024)"),
        "{}",
        r.stderr
    );
}
