//! Reference solution of the lab `multicore_sum` (labs/multicore_sum/README.md): the count
//! of numbers done is one atomic read-modify-write (`fetch_add`), so no core's update is lost;
//! each started core publishes its result and then says it has finished (release), and core 0
//! sleeps (`WFE`) until all three have (acquire) before it combines.

#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use db410c::cores::{self, Stack};
use db410c::{Board, println};

/// The numbers 1..=NUMBERS are shared out: core c takes SHARE numbers from c * SHARE + 1.
const NUMBERS: u64 = 4000;
const SHARE: u64 = NUMBERS / cores::CORE_COUNT as u64;
/// Stack size of each started core, in 4 KiB pages.
const STACK_PAGES: usize = 4;

static PARTIALS: [AtomicU64; cores::CORE_COUNT] = [const { AtomicU64::new(0) }; cores::CORE_COUNT];
static MPIDRS: [AtomicU64; cores::CORE_COUNT] = [const { AtomicU64::new(0) }; cores::CORE_COUNT];
static NUMBERS_DONE: AtomicU64 = AtomicU64::new(0);
/// How many started cores have published their result.
static FINISHED: AtomicUsize = AtomicUsize::new(0);

static mut STACKS: [Stack<STACK_PAGES>; 3] = [const { Stack::new() }; 3];

/// Stack `index` of `STACKS`, handed out once.
fn stack(index: usize) -> &'static mut Stack<STACK_PAGES> {
    let stacks = &raw mut STACKS;
    // SAFETY: `main` asks for each index once, so no two references to one stack exist;
    // `stacks` points to the static, valid for the whole program.
    unsafe { &mut (*stacks)[index] }
}

/// How many steps the Collatz sequence from `n` takes to reach 1.
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
        steps += collatz_steps(n);
        // One indivisible read-modify-write: no other core's update can fall in between.
        NUMBERS_DONE.fetch_add(1, Ordering::Relaxed);
    }
    PARTIALS[core].store(steps, Ordering::Relaxed);
    MPIDRS[core].store(cores::mpidr(), Ordering::Relaxed);
}

/// What cores 1..=3 run.
fn worker(core: usize) -> ! {
    compute_share(core);
    // Release: whoever sees this increment also sees the stores above.
    FINISHED.fetch_add(1, Ordering::Release);
    cores::send_event();
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

    // Sleep until the three started cores have finished (each sends an event).
    while FINISHED.load(Ordering::Acquire) < cores::CORE_COUNT - 1 {
        cores::wait_for_event();
    }

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
