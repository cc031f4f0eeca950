//! # timer_irq: a periodic alarm, handled by an interrupt, the CPU asleep in between
//!
//! Programs the generic timer's alarm to expire every 100 ms. Each expiry raises an
//! interrupt (PPI 3, GIC ID 19); its handler counts the tick and toggles user LED 1. Between
//! interrupts `main` sleeps in `WFI` and, on each wake-up, prints the ticks that came in.
//! After 10 ticks it prints how many interrupts it took, how often the CPU woke up and how
//! much of the time it slept, then resets the board.
//!
//! Two mistakes the HAL refuses are shown first: an interrupt ID that does not exist (1020
//! is one of the GIC's special IDs) and taking the one alarm twice.
//!
//! ## What to connect
//!
//! Nothing for the LED (LED 1, green, near the USB connectors). For the console: a **1.8 V**
//! USB-serial adapter on the low-speed header, adapter RX to pin 11, adapter TX to pin 13,
//! GND to pin 1; 115200 8N1.
//!
//! ## Expected output
//!
//! ```text
//! timer_irq: alarm every 100 ms, LED1 toggled by its interrupt, 10 ticks
//! interrupt 1020 refused: 1020 is not an interrupt ID (IDs are below 288)
//! second alarm refused: the alarm was already taken
//! tick 1
//! tick 2
//! tick 3
//! tick 4
//! tick 5
//! tick 6
//! tick 7
//! tick 8
//! tick 9
//! tick 10
//! 10 interrupts in 1000 ms, 10 wake-ups from WFI
//! asleep 99% of the time
//! done, resetting
//! ```
//!
//! On the virtual board, `--trace gpio` shows LED 1 changing exactly 1 920 000 ticks (100 ms
//! at 19.2 MHz) apart, and `--stats` that the CPU executed far fewer instructions than the
//! 19.2 million a second of busy-waiting would take.

#![no_std]
#![no_main]

use core::cell::RefCell;
use core::sync::atomic::{AtomicU32, Ordering};

use critical_section::Mutex;
use db410c::hal::gpio::Output;
use db410c::hal::interrupt::{self, InterruptId};
use db410c::hal::time::{Alarm, Duration, Instant, ticks_per_second};
use db410c::{Board, println};

/// Time between two alarm interrupts.
const PERIOD: Duration = Duration::from_millis(100);
/// How many ticks to wait for before resetting.
const TICKS: u32 = 10;

/// Ticks counted by the interrupt handler. An atomic, because `main` reads it while the
/// handler may change it at any instruction.
static TICK_COUNT: AtomicU32 = AtomicU32::new(0);

/// LED 1, moved here so the handler can reach it. A handler takes no arguments, so what it
/// works on lives in a static; `Mutex` (from `critical-section`) only hands it out inside a
/// critical section, where no interrupt and no other core can get at it too.
static LED1: Mutex<RefCell<Option<Output>>> = Mutex::new(RefCell::new(None));

/// Runs in interrupt context on every expiry, after the HAL has re-armed the alarm for the
/// next period. IRQs are masked while it runs: keep it short.
fn on_tick() {
    TICK_COUNT.fetch_add(1, Ordering::Relaxed);
    critical_section::with(|cs| {
        if let Some(led) = LED1.borrow_ref_mut(cs).as_mut() {
            led.toggle();
        }
    });
}

db410c::entry!(main);

fn main() -> ! {
    // `Board::take` also initialises the interrupt controller: every line off, IRQs masked.
    let mut board = Board::take().unwrap();
    println!(
        "\ntimer_irq: alarm every {} ms, LED1 toggled by its interrupt, {TICKS} ticks",
        PERIOD.as_millis()
    );

    // Interrupt IDs are checked when they are made: 1020 is never a line.
    if let Err(e) = InterruptId::new(1020) {
        println!("interrupt 1020 refused: {e}");
    }

    // The alarm registers its own handler for the timer's interrupt and enables the line.
    let mut alarm = Alarm::new(&mut board.interrupts).unwrap();
    // There is one timer, so there is one alarm.
    if let Err(e) = Alarm::new(&mut board.interrupts) {
        println!("second alarm refused: {e}");
    }

    // Hand LED 1 to the handler, and have the alarm call the handler on every expiry.
    critical_section::with(|cs| LED1.borrow(cs).replace(Some(board.led1)));
    alarm.set_callback(Some(on_tick));

    let start = Instant::now();
    alarm.start_periodic(PERIOD).unwrap();
    // From here on the core takes interrupts.
    // SAFETY: we are not inside a critical section, and the only enabled line (the timer's)
    // has its handler.
    unsafe { interrupt::enable_irq() };

    let mut asleep_ticks = 0u64;
    let mut wake_ups = 0u32;
    let mut printed = 0u32;
    while printed < TICKS {
        // Sleep until the handler has counted a tick we have not printed. `wait_until` checks
        // with IRQs masked and sleeps only if the answer is no, so a tick that comes between
        // the check and the sleep wakes the core instead of being missed; it returns how many
        // times the core slept.
        let before = Instant::now();
        wake_ups += interrupt::wait_until(|| TICK_COUNT.load(Ordering::Relaxed) > printed);
        asleep_ticks += Instant::now().ticks_since(before);
        // Print each tick that came in (the handler itself never prints: printing is slow).
        let ticks = TICK_COUNT.load(Ordering::Relaxed).min(TICKS);
        while printed < ticks {
            printed += 1;
            println!("tick {printed}");
        }
    }
    alarm.cancel();
    interrupt::disable_irq();
    let elapsed = Instant::now().ticks_since(start);

    let elapsed_ms = elapsed * 1000 / u64::from(ticks_per_second());
    println!(
        "{} interrupts in {elapsed_ms} ms, {wake_ups} wake-ups from WFI",
        alarm.expiry_count()
    );
    println!("asleep {}% of the time", asleep_ticks * 100 / elapsed);
    println!("done, resetting");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
