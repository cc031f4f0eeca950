//! # multicore: start the other three cores and share a counter between them
//!
//! The APQ8016E has four Cortex-A53 cores. After reset only core 0 runs; the others are
//! started through the secure firmware (PSCI `CPU_ON`), each on its own stack, running a Rust
//! function. This example:
//!
//! 1. starts cores 1, 2 and 3 with [`db410c::cores::start`];
//! 2. tries to start core 1 a second time, which the firmware refuses (`AlreadyOn`);
//! 3. lets every started core add 1 to a shared counter 1000 times, each time inside a
//!    critical section (which also takes a lock against the other cores), then record its
//!    `MPIDR_EL1`, signal core 0 with an event (`SEV`) and interrupt it with SGI 1 (through
//!    the interrupt controller, which the cores share in a critical-section mutex);
//! 4. waits on core 0 (`WFE`) until all three have finished and (`WFI`) until it has taken
//!    the three SGIs, checks the total, prints it with each core's MPIDR, and resets the
//!    board.
//!
//! ## What to connect
//!
//! Only the console: a **1.8 V** USB-serial adapter on the low-speed header, adapter RX to
//! pin 11, adapter TX to pin 13, GND to pin 1; 115200 8N1.
//!
//! ## Expected output
//!
//! ```text
//! multicore: core 0 starts cores 1-3
//! core 0: MPIDR 0x80000000
//! starting core 1 again: AlreadyOn (the core is already on)
//! core 1: MPIDR 0x80000001
//! core 2: MPIDR 0x80000002
//! core 3: MPIDR 0x80000003
//! SGIs taken on core 0: 3
//! total: 3000 (3 cores x 1000)
//! resetting
//! ```

#![no_std]
#![no_main]

use core::cell::{Cell, RefCell};
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use critical_section::Mutex;
use db410c::cores::{self, Stack};
use db410c::hal::interrupt::{self, CoreSet, InterruptController, InterruptId, SgiTarget};
use db410c::{Board, println};

/// The SGI the started cores send to core 0 when they are done.
const DONE_SGI: u16 = 1;

/// How many times each started core adds 1 to the counter.
const INCREMENTS: u64 = 1000;
/// Stack size of each started core, in 4 KiB pages.
const STACK_PAGES: usize = 4;

/// The counter the cores share; only touched inside a critical section.
static COUNTER: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));
/// `MPIDR_EL1` as each core read it (0: not reported yet).
static MPIDRS: [AtomicU64; cores::CORE_COUNT] = [const { AtomicU64::new(0) }; cores::CORE_COUNT];
/// How many started cores have finished counting.
static FINISHED: AtomicUsize = AtomicUsize::new(0);
/// How many `DONE_SGI`s core 0 has taken.
static SGIS_TAKEN: AtomicUsize = AtomicUsize::new(0);
/// The interrupt controller, shared by all cores (core 0 puts it here).
static INTERRUPTS: Mutex<RefCell<Option<InterruptController>>> = Mutex::new(RefCell::new(None));

/// Runs on core 0 for each `DONE_SGI`.
fn on_done_sgi() {
    SGIS_TAKEN.fetch_add(1, Ordering::Relaxed);
}

/// One stack per started core (cores 1..=3), and one for the start that is refused.
static mut STACKS: [Stack<STACK_PAGES>; 4] = [const { Stack::new() }; 4];

/// Stack `index` of `STACKS`, handed out once.
fn stack(index: usize) -> &'static mut Stack<STACK_PAGES> {
    // `main` calls this once per index (0..=3, one per start request), so no two references
    // to the same stack exist; after the call only the started core uses it.
    let stacks = &raw mut STACKS;
    // SAFETY: as above; `stacks` points to the static, valid for the whole program.
    unsafe { &mut (*stacks)[index] }
}

/// What cores 1..=3 run: count, report, signal core 0, then sleep.
fn worker(core: usize) -> ! {
    for _ in 0..INCREMENTS {
        critical_section::with(|cs| {
            let counter = COUNTER.borrow(cs);
            counter.set(counter.get() + 1);
        });
    }
    MPIDRS[core].store(cores::mpidr(), Ordering::Relaxed);
    // Release: the counter updates and the MPIDR are visible to whoever sees the increment.
    FINISHED.fetch_add(1, Ordering::Release);
    cores::send_event();
    let done = InterruptId::sgi(DONE_SGI).unwrap();
    critical_section::with(|cs| {
        let mut interrupts = INTERRUPTS.borrow_ref_mut(cs);
        let interrupts = interrupts.as_mut().unwrap();
        let core0 = SgiTarget::Cores(CoreSet::single(0).unwrap());
        interrupts.send_sgi(done, core0).unwrap();
    });
    loop {
        cores::wait_for_event();
    }
}

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!("\nmulticore: core 0 starts cores 1-3");
    println!("core 0: MPIDR {:#x}", cores::mpidr());

    // SGI 1 to core 0 runs `on_done_sgi` here (SGI enables are banked: this enables it for
    // core 0, the core that takes it).
    let done = InterruptId::sgi(DONE_SGI).unwrap();
    board.interrupts.set_handler(done, on_done_sgi).unwrap();
    board.interrupts.enable(done).unwrap();
    critical_section::with(|cs| INTERRUPTS.borrow(cs).replace(Some(board.interrupts)));
    // SAFETY: not inside a critical section; the only enabled interrupt has its handler.
    unsafe { interrupt::enable_irq() };

    for core in 1..cores::CORE_COUNT {
        cores::start(core, stack(core - 1), worker).unwrap();
    }
    // Core 1 runs already: the firmware refuses to start it again.
    match cores::start(1, stack(3), worker) {
        Ok(()) => println!("starting core 1 again: started?!"),
        Err(e) => println!("starting core 1 again: {e:?} ({e})"),
    }

    // Sleep until every started core has signalled that it is done.
    while FINISHED.load(Ordering::Acquire) < cores::CORE_COUNT - 1 {
        cores::wait_for_event();
    }
    for (core, mpidr) in MPIDRS.iter().enumerate().skip(1) {
        println!("core {core}: MPIDR {:#x}", mpidr.load(Ordering::Relaxed));
    }
    // Sleep (WFI) until the three SGIs have been handled.
    interrupt::wait_until(|| SGIS_TAKEN.load(Ordering::Relaxed) == cores::CORE_COUNT - 1);
    println!(
        "SGIs taken on core 0: {}",
        SGIS_TAKEN.load(Ordering::Relaxed)
    );
    let total = critical_section::with(|cs| COUNTER.borrow(cs).get());
    let expected = INCREMENTS * (cores::CORE_COUNT as u64 - 1);
    if total == expected {
        println!("total: {total} (3 cores x {INCREMENTS})");
    } else {
        println!("total: {total}, expected {expected}: updates were lost");
    }
    println!("resetting");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
