//! Where the CPU engine stops when a hook asks it to. The engine patch (`emu/engine-patch/`,
//! docs/virtual-board.md "The CPU engine") tests the stop request inline at the start of each
//! translated block and, for loads and stores, only on the slow path that runs callbacks;
//! these tests hold it to the stops the board relies on: a stop from the block hook ends the
//! run before that block, and a stop from an MMIO callback ends it at the accessing
//! instruction, with nothing after it in its block run. (Whether a stopped load wrote its
//! destination register differs between the patched engine, which does not, and the bundled
//! one, which does; neither is checked, since the board ends the run there.)

use unicorn_engine::{Arch, Mode, Prot, RegisterARM64, Unicorn};

/// Where the code is (RAM).
const CODE: u64 = 0x8000_0000;
/// RAM the code stores to.
const DATA: u64 = 0x8000_8000;
/// An MMIO window.
const MMIO: u64 = 0x0100_0000;

fn engine(code: &[u32]) -> Unicorn<'static, ()> {
    let mut uc = Unicorn::new(Arch::ARM64, Mode::ARM).expect("engine");
    uc.mem_map(CODE, 0x1_0000, Prot::ALL).expect("RAM");
    let bytes: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
    uc.mem_write(CODE, &bytes).expect("code");
    uc
}

fn reg(uc: &Unicorn<'_, ()>, r: RegisterARM64) -> u64 {
    uc.reg_read(r).expect("register")
}

#[test]
fn a_stop_from_an_mmio_read_ends_the_run_at_the_load() {
    let mut uc = engine(&[
        0xF940_0021, // ldr x1, [x1]     (MMIO: the callback stops the run)
        0x9100_0442, // add x2, x2, #1
        0xF900_0062, // str x2, [x3]
        0x1400_0000, // b .
    ]);
    uc.mmio_map(
        MMIO,
        0x1000,
        Some(|uc: &mut Unicorn<'_, ()>, _offset: u64, _size: usize| {
            uc.emu_stop().expect("stop");
            0x1234
        }),
        Some(|_: &mut Unicorn<'_, ()>, _offset: u64, _size: usize, _value: u64| {}),
    )
    .expect("MMIO");
    uc.reg_write(RegisterARM64::X1, MMIO).expect("x1");
    uc.reg_write(RegisterARM64::X3, DATA).expect("x3");
    uc.emu_start(CODE, 0, 0, 0).expect("run");
    assert_eq!(reg(&uc, RegisterARM64::PC), CODE, "stopped at the load");
    assert_eq!(
        reg(&uc, RegisterARM64::X2),
        0,
        "the add after it did not run"
    );
    let mut stored = [0u8; 8];
    uc.mem_read(DATA, &mut stored).expect("read");
    assert_eq!(stored, [0; 8], "the store after it did not run");
}

#[test]
fn a_stop_from_an_mmio_write_ends_the_run_at_the_store() {
    let mut uc = engine(&[
        0xB900_0022, // str w2, [x1]     (MMIO: the callback stops the run)
        0x9100_0442, // add x2, x2, #1
        0x1400_0000, // b .
    ]);
    uc.mmio_map(
        MMIO,
        0x1000,
        Some(|_: &mut Unicorn<'_, ()>, _offset: u64, _size: usize| 0),
        Some(
            |uc: &mut Unicorn<'_, ()>, _offset: u64, _size: usize, _value: u64| {
                uc.emu_stop().expect("stop");
            },
        ),
    )
    .expect("MMIO");
    uc.reg_write(RegisterARM64::X1, MMIO).expect("x1");
    uc.reg_write(RegisterARM64::X2, 7).expect("x2");
    uc.emu_start(CODE, 0, 0, 0).expect("run");
    assert_eq!(reg(&uc, RegisterARM64::PC), CODE, "stopped at the store");
    assert_eq!(
        reg(&uc, RegisterARM64::X2),
        7,
        "the add after it did not run"
    );
}

#[test]
fn a_stop_from_the_block_hook_ends_the_run_before_the_block() {
    let mut uc = engine(&[
        0x9100_0400, // loop: add x0, x0, #1
        0xF900_0080, // str x0, [x4]     (RAM)
        0x17FF_FFFE, // b loop
    ]);
    uc.reg_write(RegisterARM64::X4, DATA).expect("x4");
    let mut blocks = 0;
    uc.add_block_hook(1, 0, move |uc, _addr, _size| {
        blocks += 1;
        if blocks == 1000 {
            uc.emu_stop().expect("stop");
        }
    })
    .expect("hook");
    uc.emu_start(CODE, 0, 0, 0).expect("run");
    assert_eq!(
        reg(&uc, RegisterARM64::PC),
        CODE,
        "stopped before the block"
    );
    assert_eq!(reg(&uc, RegisterARM64::X0), 999, "999 blocks ran");
    let mut stored = [0u8; 8];
    uc.mem_read(DATA, &mut stored).expect("read");
    assert_eq!(u64::from_le_bytes(stored), 999);
}
