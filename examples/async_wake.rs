//! # async_wake: an async task woken from another core, by SGI or by SEV
//!
//! The HAL's executor can wake a sleeping core in two ways (`executor::Wake`): with a
//! software-generated interrupt (the core sleeps in `WFI`) or with the `SEV` instruction
//! (the core sleeps in `WFE`). This example runs one executor of each kind and measures
//! both:
//!
//! - core 0 runs an executor woken by SGI (`Executor::woken_by_interrupt`);
//! - core 2 runs an executor woken by events (`Executor::woken_by_event`; it needs no
//!   interrupt controller);
//! - each executor has a `listener` task that waits on a `Signal` (`embassy-sync`) for a
//!   time stamp;
//! - core 1 is the other core with news: 10 times per listener it waits until the listener
//!   is asleep, reads the generic timer's counter and signals it; the listener, once
//!   polled, takes the counter again. The difference is the wake-up latency: the signal,
//!   the executor's pender, the way to the sleeping core, its wake-up and the poll.
//!
//! Core 0 prints the smallest and largest latency of each kind in counter ticks (19.2 MHz;
//! on the virtual board one tick is one instruction of whichever core runs) and resets.
//!
//! ## What to connect
//!
//! Only the console: a **1.8 V** USB-serial adapter on the low-speed header, adapter RX to
//! pin 11, adapter TX to pin 13, GND to pin 1; 115200 8N1.
//!
//! ## Expected output
//!
//! ```text
//! async_wake: a task woken from core 1, by SGI (core 0 in WFI) and by SEV (core 2 in WFE)
//! SGI: 10 wake-ups, signal to poll 220..225 ticks
//! SEV: 10 wake-ups, signal to poll 147..147 ticks
//! done, resetting
//! ```
//!
//! (The numbers are those of the virtual board; on a board they are smaller, since there
//! the cores run at the same time and at 1.2 GHz against the 19.2 MHz counter.)

#![no_std]
#![no_main]

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use db410c::cores::{self, Stack};
use db410c::hal::console;
use db410c::hal::executor::Executor;
use db410c::hal::interrupt;
use db410c::hal::reset::PsHold;
use db410c::hal::time::{Delay, Duration, Instant};
use db410c::{Board, println};
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::signal::Signal;

/// Wake-ups measured per executor.
const ROUNDS: u32 = 10;
/// Stack size of each started core, in 4 KiB pages.
const STACK_PAGES: usize = 4;

/// Listener 0 is on core 0 (SGI), listener 1 on core 2 (SEV).
const SGI: usize = 0;
const SEV: usize = 1;

/// The counter value core 1 read just before signalling, per listener.
static STAMP: [Signal<CriticalSectionRawMutex, u64>; 2] = [const { Signal::new() }; 2];
/// Core 1 has measured both listeners.
static DONE: Signal<CriticalSectionRawMutex, ()> = Signal::new();
/// The listener is about to sleep (set before it awaits the next stamp).
static READY: [AtomicBool; 2] = [const { AtomicBool::new(false) }; 2];
/// Smallest and largest latency per listener, in counter ticks.
static FASTEST: [AtomicU64; 2] = [const { AtomicU64::new(u64::MAX) }; 2];
static SLOWEST: [AtomicU64; 2] = [const { AtomicU64::new(0) }; 2];

/// Stacks of cores 1 and 2.
static mut STACKS: [Stack<STACK_PAGES>; 2] = [const { Stack::new() }; 2];

/// Stack `index` of `STACKS`; `main` asks for each index once.
fn stack(index: usize) -> &'static mut Stack<STACK_PAGES> {
    let stacks = &raw mut STACKS;
    // SAFETY: each index is handed out once, and from then on only the started core uses it.
    unsafe { &mut (*stacks)[index] }
}

/// Tells core 1 that listener `which` is about to wait.
fn ready(which: usize) {
    READY[which].store(true, Ordering::Release);
    cores::send_event();
}

/// Measures ROUNDS wake-ups, then says it is ready once more (core 1 waits for that before
/// it goes on).
#[embassy_executor::task(pool_size = 2)]
async fn listener(which: usize) {
    for _ in 0..ROUNDS {
        ready(which);
        let stamp = STAMP[which].wait().await;
        let latency = Instant::now().ticks() - stamp;
        FASTEST[which].fetch_min(latency, Ordering::Relaxed);
        SLOWEST[which].fetch_max(latency, Ordering::Relaxed);
    }
    ready(which);
}

/// Core 0: once core 1 has measured both listeners, prints the figures and resets.
#[embassy_executor::task]
async fn reporter(ps_hold: PsHold) {
    DONE.wait().await;
    for (which, name) in [(SGI, "SGI"), (SEV, "SEV")] {
        println!(
            "{name}: {ROUNDS} wake-ups, signal to poll {}..{} ticks",
            FASTEST[which].load(Ordering::Relaxed),
            SLOWEST[which].load(Ordering::Relaxed)
        );
    }
    println!("done, resetting");
    console::lock().flush();
    ps_hold.reset()
}

/// Core 1: signals each listener ROUNDS times, each time once it is asleep.
fn signaller(_core: usize) -> ! {
    let mut delay = Delay::new();
    for which in [SGI, SEV] {
        for _ in 0..ROUNDS {
            while !READY[which].swap(false, Ordering::Acquire) {
                cores::wait_for_event();
            }
            // Time for the listener's core to go to sleep (on a board; on the virtual
            // board it is asleep already when this core runs).
            delay.delay(Duration::from_micros(20));
            STAMP[which].signal(Instant::now().ticks());
        }
        while !READY[which].swap(false, Ordering::Acquire) {
            cores::wait_for_event();
        }
    }
    // Wakes core 0 for the report.
    DONE.signal(());
    loop {
        cores::wait_for_event();
    }
}

/// Core 2: an executor woken by SEV, running the other listener.
fn event_core(_core: usize) -> ! {
    Executor::woken_by_event().run(|spawner| spawner.spawn(listener(SEV).unwrap()))
}

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!(
        "\nasync_wake: a task woken from core 1, by SGI (core 0 in WFI) and by SEV (core 2 in WFE)"
    );
    let executor = Executor::woken_by_interrupt(&mut board.interrupts).unwrap();
    // SAFETY: not inside a critical section; the only enabled line (the executor's SGI)
    // has its handler.
    unsafe { interrupt::enable_irq() };
    cores::start(2, stack(1), event_core).unwrap();
    cores::start(1, stack(0), signaller).unwrap();
    executor.run(|spawner| {
        spawner.spawn(listener(SGI).unwrap());
        spawner.spawn(reporter(board.ps_hold).unwrap());
    })
}
