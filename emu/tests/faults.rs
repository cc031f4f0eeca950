//! The virtual board never crashes and always ends: how runs that go wrong end, through the
//! `db410c-emu` binary on hand-encoded AArch64 programs.

mod common;
use common::{mov_x, run};

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

const MRS_X0_ESR_EL1: u32 = 0xD538_5200;
const MRS_X0_FAR_EL1: u32 = 0xD538_6000;
const MRS_X0_ELR_EL1: u32 = 0xD538_4020;
const MRS_X0_SPSR_EL1: u32 = 0xD538_4000;

/// Code that reads each system register (by its `mrs x0, ..` word) and compares it with the
/// expected value; all equal: PS_HOLD is released (exit 0), else it stops at a `b .`.
fn expect_registers(checks: &[(u32, u64)]) -> Vec<u32> {
    let mut blocks: Vec<Vec<u32>> = Vec::new();
    for &(mrs, value) in checks {
        let mut b = vec![mrs];
        b.extend(mov_x(1, value));
        b.push(0xEB01_001F); // cmp x0, x1
        blocks.push(b);
    }
    let total: usize = blocks.iter().map(|b| b.len() + 1).sum::<usize>() + PS_HOLD_RELEASE.len();
    let mut code = Vec::new();
    for b in blocks {
        code.extend(b);
        // b.ne to the final `b .` (the last word of the sequence)
        let offset = (total - 1 - code.len()) as u32;
        code.push(0x5400_0001 | (offset & 0x7_FFFF) << 5);
    }
    code.extend(PS_HOLD_RELEASE);
    assert_eq!(code.len(), total);
    code
}

/// VBAR_EL1 = 0x8008_0800; pads `code` to the current-EL (SPx) synchronous vector and puts
/// `vector` there.
fn with_vector(mut code: Vec<u32>, vector: &[u32]) -> Vec<u32> {
    code.resize((0x800 + 0x200) / 4, 0xD420_0000);
    code.extend(vector);
    code
}

fn set_vbar() -> Vec<u32> {
    let mut v = mov_x(17, 0x8008_0800);
    v.push(0xD518_C011); // msr vbar_el1, x17
    v
}

/// A branch to an address with its low bits set takes a PC alignment fault (EC 0x22) with
/// FAR and ELR = that address.
#[test]
fn misaligned_branch_target_is_a_pc_alignment_fault() {
    let mut code = set_vbar();
    code.extend(mov_x(0, 0x8008_0002));
    code.push(0xD61F_0000); // br x0
    let vector = expect_registers(&[
        (MRS_X0_ESR_EL1, 0x22 << 26 | 1 << 25),
        (MRS_X0_FAR_EL1, 0x8008_0002),
        (MRS_X0_ELR_EL1, 0x8008_0002),
    ]);
    let r = run(
        "pc-align",
        &with_vector(code, &vector),
        &["--max-instructions", "100000"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// An exception return to a state the CPU cannot enter (EL3 from EL1, or AArch32 SVC mode
/// while EL1 is AArch64) sets PSTATE.IL: the instruction at ELR is not executed, an Illegal
/// Execution State exception (EC 0x0E) is taken instead, with SPSR.IL set.
#[test]
fn illegal_exception_return_takes_illegal_execution_state() {
    for (name, spsr) in [("eret-el3", 0x3CDu64), ("eret-aarch32-svc", 0x3D3)] {
        let mut code = set_vbar();
        let target_at = code.len() + 9; // after the five-word ELR and SPSR set-up and eret
        code.extend(mov_x(1, 0x8008_0000 + 4 * target_at as u64)); // 2 words
        code.push(0xD518_4021); // msr elr_el1, x1
        code.extend(mov_x(0, spsr)); // 1 word
        code.push(0xD518_4000); // msr spsr_el1, x0
        code.push(0xD69F_03E0); // eret
        assert_eq!(code.len(), target_at - 3);
        code.extend([0xD503_201F; 3]); // nop x3: the target is past them
        code.push(B_SELF); // target: must not run
        let vector = expect_registers(&[
            (MRS_X0_ESR_EL1, 0x0E << 26 | 1 << 25),
            (MRS_X0_ELR_EL1, 0x8008_0000 + 4 * target_at as u64),
            // EL1h as before, DAIF from the SPSR, and IL
            (MRS_X0_SPSR_EL1, 1 << 20 | 0x3C5),
        ]);
        let r = run(
            name,
            &with_vector(code, &vector),
            &["--max-instructions", "100000"],
        );
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
    }
}

/// With the MMU on and VBAR_EL1 holding a virtual address (DRAM seen 1 GiB lower), a BRK is
/// taken at the virtual vector and its immediate is read through the MMU.
#[test]
fn exception_with_mmu_on_and_virtual_vbar() {
    // Level-1 table at 0x8010_0000 (4 KiB granule, 39-bit VA, 1 GiB blocks):
    // VA 0..1G -> PA 0 (device), VA 1G..2G -> PA 2G (normal), VA 2G..3G -> PA 2G.
    let mut code = common::mmu_on(false);
    // Continue at the virtual alias of the next instruction after the branch.
    let virt = 0x4008_0000 + 4 * (code.len() as u64 + 3);
    code.extend(mov_x(2, virt)); // 2 words
    code.push(0xD61F_0040); // br x2
    code.extend(mov_x(17, 0x4008_0800)); // 2 words
    code.push(0xD518_C011); // msr vbar_el1, x17
    let brk_at = 0x4008_0000 + 4 * code.len() as u64;
    code.push(0xD422_4680); // brk #0x1234
    code.push(B_SELF);
    let vector = expect_registers(&[
        (MRS_X0_ESR_EL1, 0x3C << 26 | 1 << 25 | 0x1234),
        (MRS_X0_ELR_EL1, brk_at),
    ]);
    // The PS_HOLD store, second to last in the vector, is reported at its virtual address.
    let store_at = 0x4008_0A00 + 4 * (vector.len() as u64 - 2);
    let args = ["--max-instructions", "100000"];
    let r = run("mmu-vbar", &with_vector(code, &vector), &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("emu: PS_HOLD released at pc={store_at:#x}")),
        "{}",
        r.stderr
    );
}

const WFE: u32 = 0xD503_205F;
const MSR_DAIFCLR_ALL: u32 = 0xD503_4FFF; // msr daifclr, #0xf
const UDF: u32 = 0x0000_0000; // udf #0

/// A run that can never change anything again ends quickly with its own exit code, within
/// the default budget of 4e9 instructions (which would take minutes).
fn assert_no_progress(name: &str, code: &[u32], args: &[&str], what: &str) {
    let started = std::time::Instant::now();
    let r = run(name, code, args);
    assert_eq!(r.code, 6, "{name}: {}", r.stderr);
    assert!(
        r.stderr.contains("emu: error: no progress: ") && r.stderr.contains(what),
        "{name}: {}",
        r.stderr
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{name}"
    );
}

/// A zero-filled vector table: the UDF at the vector re-enters the same vector forever.
#[test]
fn exception_storm_in_an_empty_vector_table_is_no_progress() {
    let mut code = set_vbar();
    code.push(UDF);
    code.resize(0x1000 / 4, 0); // the vectors at 0x8008_0800.. are all zero
    assert_no_progress(
        "storm",
        &code,
        &[],
        "the same synchronous exception (ESR_EL1 0x2000000) was taken 64 times in a row at 0x80080a00",
    );
}

/// `1: wfe; b 1b` with interrupts masked (as at entry), and `b .` with interrupts open but
/// nothing that could raise one.
#[test]
fn endless_idle_loops_are_no_progress() {
    assert_no_progress(
        "wfe-loop",
        &[WFE, 0x17FF_FFFF],
        &[],
        "endless loop at 0x80080000 (wfe; branch) that changes nothing, and no interrupt can end it (IRQ and FIQ are masked)",
    );
    assert_no_progress(
        "b-self",
        &[MSR_DAIFCLR_ALL, B_SELF],
        &[],
        "endless loop at 0x80080004 (b .) that changes nothing, and no interrupt can end it (no timer is armed",
    );
}

/// Loops that could still change something are left alone.
#[test]
fn loops_that_can_still_progress_keep_running() {
    // Polling a pad that the outside drives low after 1 ms: released by the pin event.
    let mut code = vec![
        0xD2A0_20C1, // movz x1, #0x106, lsl #16
        0xF296_0001, // movk x1, #0xb000          (TLMM GPIO 107)
        0xB940_0420, // 1: ldr w0, [x1, #4]      (IN_OUT)
        0x3707_FFE0, // tbnz w0, #0, 1b
    ];
    code.extend(PS_HOLD_RELEASE);
    let args = ["--pin", "107=1@0", "--pin", "107=0@1ms"];
    let r = run("poll-pin", &code, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // `b .` with interrupts open and a timer armed: an interrupt could end it (once the board
    // delivers them), so only the budget does.
    let code = [
        0xD282_7102, // movz x2, #5000
        0xD51B_E202, // msr cntp_tval_el0, x2
        0xD280_0023, // movz x3, #1
        0xD51B_E223, // msr cntp_ctl_el0, x3     (enabled, not masked)
        MSR_DAIFCLR_ALL,
        B_SELF,
    ];
    let r = run("timer-armed", &code, &["--max-instructions", "100000"]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    // The same exception again and again is progress when a handler runs in between: this
    // one counts to 100 and returns to the UDF each time.
    let mut code = set_vbar();
    code.push(UDF);
    let vector = [
        0x9100_04A5, // add x5, x5, #1
        0xF101_90BF, // cmp x5, #100
        0x5400_0041, // b.ne +8 (to the eret)
        0x1400_0002, // b +8 (past the eret, to the PS_HOLD release)
        0xD69F_03E0, // eret
    ];
    let mut vector = vector.to_vec();
    vector.extend(PS_HOLD_RELEASE);
    let r = run("retry-100", &with_vector(code, &vector), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

// x1 = 0x0100_0000: TLMM GPIO 0 CFG (32-bit, read-write), IN_OUT at +4.
const MOVZ_X1_TLMM: u32 = 0xD2A0_2001; // movz x1, #0x100, lsl #16

/// Accesses the engine hands the MMIO window in pieces are reported as the one access the
/// instruction makes: its real address, size and PC.
#[test]
fn wide_unaligned_and_zva_mmio_accesses_are_one_unclaimed_access() {
    for (name, insn, what) in [
        ("ldr-x", 0xF940_0020u32, "read of 8 bytes at 0x1000000"), // ldr x0, [x1]
        ("str-x", 0xF900_0020, "write of 8 bytes at 0x1000000"),   // str x0, [x1]
        ("ldr-q", 0x3DC0_0020, "read of 16 bytes at 0x1000000"),   // ldr q0, [x1]
        ("ldur-w", 0xB840_2020, "read of 4 bytes at 0x1000002"),   // ldur w0, [x1, #2]
        ("ldp-x", 0xA940_0C22, "read of 8 bytes at 0x1000000"),    // ldp x2, x3, [x1]
        ("stp-x", 0xA900_8C22, "write of 8 bytes at 0x1000008"),   // stp x2, x3, [x1, #8]
        ("ldar-x", 0xC8DF_FC20, "read of 8 bytes at 0x1000000"),   // ldar x0, [x1]
        ("dc-zva", 0xD50B_7421, "write of 64 bytes at 0x1000000"), // dc zva, x1
    ] {
        let code = [MOVZ_X1_TLMM, 0xD503_201F, insn, B_SELF];
        let r = run(name, &code, &[]);
        assert_eq!(r.code, 3, "{name}: {}", r.stderr);
        let line = format!("emu: error: unclaimed {what} (pc=0x80080008)");
        assert!(r.stderr.contains(&line), "{name}: {}", r.stderr);
    }
    // DC ZVA reports the aligned 64-byte block it zeroes, at its own PC.
    let code = [
        MOVZ_X1_TLMM,
        0x9104_0021, // add x1, x1, #0x100
        0x9100_4021, // add x1, x1, #0x10
        0xD50B_7421, // dc zva, x1
        B_SELF,
    ];
    let r = run("dc-zva-inside", &code, &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("emu: error: unclaimed write of 64 bytes at 0x1000100 (pc=0x8008000c)"),
        "{}",
        r.stderr
    );
}

/// A pair of 32-bit registers is two 32-bit accesses: both reach the model.
#[test]
fn pair_of_32_bit_mmio_registers_is_two_accesses() {
    let mut code = vec![
        MOVZ_X1_TLMM,
        0x2940_0C22, // ldp w2, w3, [x1]         (CFG, IN_OUT)
        0x2900_0C22, // stp w2, w3, [x1]
    ];
    code.extend(PS_HOLD_RELEASE);
    let r = run("ldp-w", &code, &["--trace", "mmio"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for line in [
        "mmio read4 0x1000000",
        "mmio read4 0x1000004",
        "mmio write4 0x1000000",
        "mmio write4 0x1000004",
    ] {
        assert!(r.stderr.contains(line), "{line}: {}", r.stderr);
    }
}

/// With the MMU on, a load from an address no translation table entry maps is a translation
/// fault the guest takes itself, as on the chip: its vector sees the data-abort syndrome
/// (EC 0x25, same EL; DFSC level-1 translation fault) in ESR_EL1, the address in FAR_EL1 and
/// the load in ELR_EL1. (An operating system's page faults work this way.)
#[test]
fn translation_fault_with_mmu_on_is_taken_by_the_guest() {
    let mut code = vec![
        // Level-1 table at 0x8010_0000 (4 KiB granule, 39-bit VA, 1 GiB blocks):
        // VA 0..1G -> PA 0 (device), VA 2G..3G -> PA 2G (normal); VA 3G.. not mapped.
        0xD2B0_0200, // movz x0, #0x8010, lsl #16
        0xD280_8021, // movz x1, #0x401            (block, AF, attr 0)
        0xF900_0001, // str x1, [x0]
        0xD2B0_0001, // movz x1, #0x8000, lsl #16
        0xF280_E0A1, // movk x1, #0x705            (block, AF, inner shareable, attr 1)
        0xF900_0801, // str x1, [x0, #16]
        0xF900_0C1F, // str xzr, [x0, #24]         (VA 3G: invalid)
        0xD518_2000, // msr ttbr0_el1, x0
        0xD29F_E001, // movz x1, #0xff00           (MAIR: attr0 device, attr1 normal WB)
        0xD518_A201, // msr mair_el1, x1
        0xD286_A321, // movz x1, #0x3519           (T0SZ 25, WB walks, inner shareable)
        0xF2A0_1001, // movk x1, #0x80, lsl #16    (EPD1)
        0xF2C0_0021, // movk x1, #0x1, lsl #32     (IPS 36 bits)
        0xD518_2041, // msr tcr_el1, x1
        0xD503_3FDF, // isb
        0xD508_871F, // tlbi vmalle1
        0xD503_3F9F, // dsb sy
        0xD538_1001, // mrs x1, sctlr_el1
        0xB240_0021, // orr x1, x1, #1            (M)
        0xD518_1001, // msr sctlr_el1, x1
        0xD503_3FDF, // isb
    ];
    code.extend(mov_x(17, 0x8008_0800));
    code.push(0xD518_C011); // msr vbar_el1, x17
    code.extend(mov_x(4, 0xC000_0010));
    let load_at = common::LOAD + 4 * code.len() as u64;
    code.push(0xF940_0083); // ldr x3, [x4]
    code.push(B_SELF);
    // Data abort, same EL (EC 0x25), 32-bit instruction, DFSC 0b000101 (translation fault,
    // level 1), a read (WnR 0).
    let vector = expect_registers(&[
        (MRS_X0_ESR_EL1, 0x25 << 26 | 1 << 25 | 0b00_0101),
        (MRS_X0_FAR_EL1, 0xC000_0010),
        (MRS_X0_ELR_EL1, load_at),
    ]);
    let r = run(
        "mmu-translation-fault",
        &with_vector(code, &vector),
        &["--max-instructions", "100000"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}
