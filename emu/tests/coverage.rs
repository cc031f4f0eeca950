//! `--coverage FILE`: every translated block that ran, with its exact start address,
//! instruction count and number of runs, written however the run ends.

mod common;
use common::{LOAD, run};

const MOVZ_X0_3: u32 = 0xD280_0060; // movz x0, #3
const NOP: u32 = 0xD503_201F; // nop
const SUBS_X0_1: u32 = 0xF100_0400; // subs x0, x0, #1
const B_NE_BACK_1: u32 = 0x54FF_FFE1; // b.ne <the subs>
const MOVZ_X1_4A_LSL16: u32 = 0xD2A0_0941; // movz x1, #0x4a, lsl #16
const MOVK_X1_B000: u32 = 0xF296_0001; // movk x1, #0xb000           (x1 = PS_HOLD)
const STR_WZR_X1: u32 = 0xB900_003F; // str wzr, [x1]               (release: the run ends)
const B_SELF: u32 = 0x1400_0000; // b .
const MOVZ_X1_0: u32 = 0xD280_0001; // movz x1, #0
const LDR_W2_X1: u32 = 0xB940_0022; // ldr w2, [x1]                (address 0: unclaimed)

/// Runs `code` with `--coverage` (and `--stats`): the recorded blocks and the board's report.
fn recorded(name: &str, code: &[u32], expected_exit: i32) -> (String, String) {
    let file =
        std::env::temp_dir().join(format!("db410c-emu-test-{}-{name}.cov", std::process::id()));
    let r = run(
        name,
        code,
        &["--stats", "--coverage", file.to_str().unwrap()],
    );
    assert_eq!(r.code, expected_exit, "{}", r.stderr);
    let text = std::fs::read_to_string(&file).expect("the coverage file is written");
    let _ = std::fs::remove_file(&file);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("db410c-emu coverage 1"));
    let image = lines.next().unwrap();
    assert!(image.starts_with("image /"), "{image}");
    assert!(image.ends_with(&format!("-{name}.img")), "{image}");
    (lines.collect::<Vec<_>>().join("\n"), r.stderr)
}

#[test]
fn each_block_is_recorded_with_its_start_size_and_runs() {
    let code = [
        MOVZ_X0_3,
        NOP,
        SUBS_X0_1,
        B_NE_BACK_1,
        MOVZ_X1_4A_LSL16,
        MOVK_X1_B000,
        STR_WZR_X1,
        B_SELF,
    ];
    let (blocks, stderr) = recorded("coverage-blocks", &code, 0);
    // Blocks end at branches: [movz, nop, subs, b.ne] once; the loop [subs, b.ne] twice more
    // (x0 = 3 -> 0); then [movz, movk, str, b .], recorded as a whole although the store
    // ends the run.
    assert_eq!(
        blocks,
        format!("{:x} 4 1\n{:x} 2 2\n{:x} 4 1", LOAD, LOAD + 8, LOAD + 16)
    ); // Recording changes nothing in the run: 4 + 2 * 2 + 4 instructions, the same report.
    assert!(stderr.contains("instructions=12 "), "{stderr}");
    let without = run("coverage-blocks-off", &code, &["--stats"]);
    assert_eq!((without.code, without.stderr), (0, stderr));
}

#[test]
fn a_run_that_ends_on_a_fault_still_writes_its_file() {
    let code = [NOP, MOVZ_X1_0, LDR_W2_X1, B_SELF];
    let (blocks, stderr) = recorded("coverage-fault", &code, 3);
    assert!(stderr.contains("unclaimed read"), "{stderr}");
    assert_eq!(blocks, format!("{LOAD:x} 4 1"));
}

#[test]
fn a_run_that_ends_without_progress_still_writes_its_file() {
    // PSTATE.I and F are masked at entry, so `b .` can never be left: exit 6.
    let code = [NOP, B_SELF];
    let (blocks, stderr) = recorded("coverage-no-progress", &code, 6);
    assert!(stderr.contains("no progress"), "{stderr}");
    let lines: Vec<&str> = blocks.lines().collect();
    assert_eq!(lines[0], format!("{LOAD:x} 2 1"), "{blocks}");
    assert!(
        lines.len() == 2 && lines[1].starts_with(&format!("{:x} 1 ", LOAD + 4)),
        "{blocks}"
    );
}
