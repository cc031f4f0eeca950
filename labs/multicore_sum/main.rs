//! Lab `multicore_sum`: four cores share a computation, core 0 combines the results. The
//! task: `labs/multicore_sum/README.md`. Check your work with
//! `cargo xtask lab check multicore_sum`.
//!
//! This starting point builds and runs on four cores, and each core's share comes out right.
//! But the shared count of numbers done does not: find the race and remove it, then have
//! core 0 wait for the other cores properly instead of with a time-out.

#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering};

use db410c::cores::{self, Stack};
use db410c::hal::time::{Duration, Instant};
use db410c::{Board, println};

/// The numbers 1..=NUMBERS are shared out: core c takes SHARE numbers from c * SHARE + 1.
const NUMBERS: u64 = 4000;
const SHARE: u64 = NUMBERS / cores::CORE_COUNT as u64;
/// Stack size of each started core, in 4 KiB pages.
const STACK_PAGES: usize = 4;

/// Each core's result (the sum of the Collatz steps of its numbers) and its MPIDR_EL1.
static PARTIALS: [AtomicU64; cores::CORE_COUNT] = [const { AtomicU64::new(0) }; cores::CORE_COUNT];
static MPIDRS: [AtomicU64; cores::CORE_COUNT] = [const { AtomicU64::new(0) }; cores::CORE_COUNT];
/// How many numbers all cores together have finished.
static NUMBERS_DONE: AtomicU64 = AtomicU64::new(0);

/// One stack per started core (cores 1..=3).
static mut STACKS: [Stack<STACK_PAGES>; 3] = [const { Stack::new() }; 3];

/// Stack `index` of `STACKS`, handed out once.
fn stack(index: usize) -> &'static mut Stack<STACK_PAGES> {
    let stacks = &raw mut STACKS;
    // SAFETY: `main` asks for each index once, so no two references to one stack exist;
    // `stacks` points to the static, valid for the whole program.
    unsafe { &mut (*stacks)[index] }
}

/// How many steps the Collatz sequence from `n` takes to reach 1 (halve even numbers, make
/// odd ones 3n + 1).
fn collatz_steps(mut n: u64) -> u64 {
    let mut steps = 0;
    while n != 1 {
        n = if n.is_multiple_of(2) {
            n / 2
        } else {
            3 * n + 1
        };
        steps += 1;
    }
    steps
}

/// The first and last number of a core's share.
fn share(core: usize) -> (u64, u64) {
    let first = core as u64 * SHARE + 1;
    (first, first + SHARE - 1)
}

/// Computes this core's share and records it.
fn compute_share(core: usize) {
    let (first, last) = share(core);
    let mut steps = 0;
    for n in first..=last {
        // Count the number as done: read the count, do the work, write the count back one up.
        let done = NUMBERS_DONE.load(Ordering::Relaxed);
        steps += collatz_steps(n);
        NUMBERS_DONE.store(done + 1, Ordering::Relaxed);
    }
    PARTIALS[core].store(steps, Ordering::Relaxed);
    MPIDRS[core].store(cores::mpidr(), Ordering::Relaxed);
}

/// What cores 1..=3 run.
fn worker(core: usize) -> ! {
    compute_share(core);
    loop {
        cores::wait_for_event();
    }
}

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!("multicore_sum: Collatz steps of 1..={NUMBERS} on 4 cores");

    for core in 1..cores::CORE_COUNT {
        cores::start(core, stack(core - 1), worker).unwrap();
    }
    compute_share(0);

    // Wait until every number is done, but for at most one second.
    let deadline = Instant::now() + Duration::from_secs(1);
    while NUMBERS_DONE.load(Ordering::Relaxed) < NUMBERS && Instant::now() < deadline {}

    let mut total = 0;
    for core in 0..cores::CORE_COUNT {
        let (first, last) = share(core);
        let steps = PARTIALS[core].load(Ordering::Relaxed);
        let mpidr = MPIDRS[core].load(Ordering::Relaxed);
        println!("core {core} (MPIDR {mpidr:#x}): numbers {first}..={last}, {steps} steps");
        total += steps;
    }
    println!("total: {total} steps");
    println!(
        "numbers done: {} of {NUMBERS}",
        NUMBERS_DONE.load(Ordering::Relaxed)
    );
    let _ = board.console.flush();
    board.ps_hold.reset()
}
