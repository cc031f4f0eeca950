//! # critical_section_contention: why a multi-core critical section needs a lock
//!
//! On one core, masking interrupts is enough to make a piece of code run without
//! interruption: nothing else can run on that core meanwhile. With four cores it is not: the
//! other cores go on running. This example makes all four cores add 1 to one shared counter,
//! 200 times each, with a slow read-modify-write (read the counter, work a while, write the
//! value read plus one) followed by as much work outside it, twice:
//!
//! 1. inside `critical_section::with`, the HAL's implementation, which masks interrupts
//!    **and** takes a lock shared by all cores: the total is exact, 800;
//! 2. inside a section that only masks interrupts on its own core (what a single-core
//!    implementation does): while one core works between its read and its write, the others
//!    add to the counter, and the first then writes back its old value plus one. Updates are
//!    lost and the total comes out short.
//!
//! The counter is an `AtomicU64` read and written with two separate operations (a load, then
//! a store), so the lost updates are a wrong number, never undefined behaviour.
//!
//! ## What to connect
//!
//! Only the console: a **1.8 V** USB-serial adapter on the low-speed header, adapter RX to
//! pin 11, adapter TX to pin 13, GND to pin 1; 115200 8N1.
//!
//! ## Expected output
//!
//! On the virtual board (cores take turns of 10,000 instructions; on a board the cores run
//! at once and the second total differs from run to run, but is short as well):
//!
//! ```text
//! critical_section_contention: 4 cores x 200 slow increments of one counter
//! critical_section::with (interrupts masked + lock): total 800 of 800, exact
//! interrupts masked only (single-core style): updates lost
//! done
//! ```
//!
//! After the third line comes the count, `  (440 of 800 counted)` on the virtual board
//! today: how many updates are lost depends on where the cores' turns fall, so it changes
//! with any change to the code that runs before.

#![no_std]
#![no_main]

use core::hint::black_box;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use db410c::cores::{self, Stack};
use db410c::hal::interrupt;
use db410c::{Board, println};

/// Increments per core and round.
const INCREMENTS: u64 = 200;
/// Work between reading and writing the counter, in loop iterations (about 500
/// instructions: long enough that the virtual board's turns of 10,000 instructions often
/// end inside it).
const WORK: u32 = 120;
/// Stack size of each started core, in 4 KiB pages.
const STACK_PAGES: usize = 4;

/// The shared counter (see the module notes for why atomic).
static COUNTER: AtomicU64 = AtomicU64::new(0);
/// The round the cores are told to run: 0 none yet, 1 with the HAL's critical section, 2 with
/// interrupt masking only.
static ROUND: AtomicUsize = AtomicUsize::new(0);
/// How many cores have finished each round.
static FINISHED: [AtomicUsize; 3] = [const { AtomicUsize::new(0) }; 3];

/// One stack per started core.
static mut STACKS: [Stack<STACK_PAGES>; 3] = [const { Stack::new() }; 3];

/// Stack `index` of `STACKS`, handed out once.
fn stack(index: usize) -> &'static mut Stack<STACK_PAGES> {
    // `main` calls this once per index (0..=2), so no two references to the same stack
    // exist; after the call only the started core uses it.
    let stacks = &raw mut STACKS;
    // SAFETY: as above; `stacks` points to the static, valid for the whole program.
    unsafe { &mut (*stacks)[index] }
}

/// Work that takes about 500 instructions.
fn work() {
    for i in 0..WORK {
        black_box(i);
    }
}

/// The slow read-modify-write: read, work, write back the value read plus one.
fn add_one_slowly() {
    let value = COUNTER.load(Ordering::Relaxed);
    work();
    COUNTER.store(value + 1, Ordering::Relaxed);
}

/// What a single-core critical-section implementation does: mask interrupts on this core
/// (and restore them after). Other cores are not stopped.
fn interrupts_masked_only(f: impl FnOnce()) {
    let were_enabled = interrupt::irq_enabled();
    interrupt::disable_irq();
    f();
    if were_enabled {
        // SAFETY: restores the unmasked state we found; we are not inside a critical
        // section of the HAL's implementation here.
        unsafe { interrupt::enable_irq() };
    }
}

/// Runs round `round` on this core: `INCREMENTS` slow increments, each in that round's kind
/// of section; then reports it finished.
fn run_round(round: usize) {
    for _ in 0..INCREMENTS {
        match round {
            1 => critical_section::with(|_| add_one_slowly()),
            _ => interrupts_masked_only(add_one_slowly),
        }
        // As much work outside the section.
        work();
    }
    // Release: this core's last store is visible to whoever sees the count.
    FINISHED[round].fetch_add(1, Ordering::Release);
    cores::send_event();
}

/// Sleeps (`WFE`) until `condition` holds.
fn wait_until(condition: impl Fn() -> bool) {
    while !condition() {
        cores::wait_for_event();
    }
}

/// What cores 1..=3 run: each round when core 0 announces it, then sleep.
fn worker(_core: usize) -> ! {
    for round in 1..=2 {
        wait_until(|| ROUND.load(Ordering::Acquire) >= round);
        run_round(round);
    }
    loop {
        cores::wait_for_event();
    }
}

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    let cores = cores::CORE_COUNT;
    let expected = INCREMENTS * cores as u64;
    println!(
        "\ncritical_section_contention: {cores} cores x {INCREMENTS} slow increments of one counter"
    );

    for core in 1..cores {
        cores::start(core, stack(core - 1), worker).unwrap();
    }

    for (round, what) in [
        (1, "critical_section::with (interrupts masked + lock)"),
        (2, "interrupts masked only (single-core style)"),
    ] {
        COUNTER.store(0, Ordering::Relaxed);
        // Release: the reset counter is visible to the cores that see the new round.
        ROUND.store(round, Ordering::Release);
        cores::send_event();
        run_round(round);
        wait_until(|| FINISHED[round].load(Ordering::Acquire) == cores);
        let total = COUNTER.load(Ordering::Relaxed);
        if total == expected {
            println!("{what}: total {total} of {expected}, exact");
        } else {
            println!("{what}: updates lost");
            println!("  ({total} of {expected} counted)");
        }
    }
    println!("done");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
