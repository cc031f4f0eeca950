//! # gpio_irq: the volume-up button by interrupt, the CPU asleep in between
//!
//! The `button` example polls; this one sleeps. The volume-up button (S3, TLMM GPIO 107) is
//! set to raise an interrupt on both edges; all pads share the TLMM summary interrupt (GIC
//! ID 240), whose handler acknowledges the pad, mirrors the button on user LED 1 and notes
//! the time (of the generic timer, roughly since power-on). `main` sleeps in `WFI`, prints each change when it wakes up, and after one
//! second (a one-shot alarm wakes it) prints how many interrupts came and resets the board.
//!
//! The button is active low with the pad's pull-up: pressing it is a falling edge,
//! releasing it a rising edge. There is no debouncing; a real button may bounce for a few
//! milliseconds, which shows as extra `pressed`/`released` pairs.
//!
//! ## What to connect
//!
//! Nothing for the button and the LED: both are on the board (S3 "VOL+" next to the power
//! button; LED 1 near the USB connectors). For the console: a **1.8 V** USB-serial adapter
//! on the low-speed header, adapter RX to pin 11, adapter TX to pin 13, GND to pin 1;
//! 115200 8N1. Press the button within a second of the start.
//!
//! ## Expected output
//!
//! ```text
//! gpio_irq: volume-up by interrupt on LED1 for 1000 ms
//! pressed at 200 ms
//! released at 500 ms
//! 2 button interrupts, done
//! ```
//!
//! On the virtual board, `--press 107@200ms:500ms` holds the button from 200 ms to 500 ms,
//! and `--trace gpio` shows LED 1 following it about a hundred ticks (instructions) later:
//! the interrupt latency.

#![no_std]
#![no_main]

use core::cell::RefCell;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use critical_section::Mutex;
use db410c::hal::gpio::{Input, InterruptTrigger, Output};
use db410c::hal::interrupt::{self, InterruptId, Trigger};
use db410c::hal::pac;
use db410c::hal::time::{Alarm, Duration, Instant, ticks_per_second};
use db410c::{Board, println};

/// How long the program watches the button.
const RUN_TIME: Duration = Duration::from_millis(1000);

/// What the handler shares with `main`: the button and LED (used only inside critical
/// sections), and what it saw (atomics `main` reads after each wake-up).
static BUTTON: Mutex<RefCell<Option<Input>>> = Mutex::new(RefCell::new(None));
static LED1: Mutex<RefCell<Option<Output>>> = Mutex::new(RefCell::new(None));
static BUTTON_INTERRUPTS: AtomicU32 = AtomicU32::new(0);
static LAST_CHANGE_TICKS: AtomicU64 = AtomicU64::new(0);
static PRESSED: AtomicBool = AtomicBool::new(false);

/// The TLMM summary interrupt's handler: find out whether our pad raised it, acknowledge it
/// (else the summary line stays asserted and the interrupt comes straight back), mirror the
/// button on LED 1.
fn on_gpio_interrupt() {
    let now = Instant::now();
    critical_section::with(|cs| {
        let mut button = BUTTON.borrow_ref_mut(cs);
        let Some(button) = button.as_mut() else {
            return;
        };
        if !button.is_interrupt_pending() {
            return;
        }
        button.clear_interrupt();
        let pressed = button.is_low();
        if let Some(led) = LED1.borrow_ref_mut(cs).as_mut() {
            led.set_level(pressed.into());
        }
        PRESSED.store(pressed, Ordering::Relaxed);
        LAST_CHANGE_TICKS.store(now.ticks(), Ordering::Relaxed);
        BUTTON_INTERRUPTS.fetch_add(1, Ordering::Release);
    });
}

db410c::entry!(main);

fn main() -> ! {
    let mut board = Board::take().unwrap();
    println!(
        "\ngpio_irq: volume-up by interrupt on LED1 for {} ms",
        RUN_TIME.as_millis()
    );

    // The pad: an interrupt on both edges (press and release).
    let mut button = board.volume_up.into_input();
    button.listen(InterruptTrigger::BothEdges);
    critical_section::with(|cs| {
        BUTTON.borrow(cs).replace(Some(button));
        LED1.borrow(cs).replace(Some(board.led1));
    });

    // The GIC side: the TLMM summary line (level-high) with its handler.
    let summary = InterruptId::from(pac::Interrupt::TLMM_SUMMARY);
    let interrupts = &mut board.interrupts;
    interrupts.set_handler(summary, on_gpio_interrupt).unwrap();
    interrupts.set_trigger(summary, Trigger::Level).unwrap();
    interrupts.enable(summary).unwrap();

    // A one-shot alarm wakes `main` for the last time when the second is over.
    let start = Instant::now();
    let end = start + RUN_TIME;
    let mut alarm = Alarm::new(interrupts).unwrap();
    alarm.set(end);
    // SAFETY: not inside a critical section; both enabled lines have handlers.
    unsafe { interrupt::enable_irq() };

    // Times are printed like `button` does: milliseconds of the generic timer's counter, which
    // started at power-on.
    let ms = |ticks: u64| ticks * 1000 / u64::from(ticks_per_second());
    let mut reported = 0;
    while Instant::now() < end {
        // Sleep until the handler has seen a change we have not printed, or the second is
        // over (the alarm's interrupt wakes the core then).
        interrupt::wait_until(|| {
            BUTTON_INTERRUPTS.load(Ordering::Acquire) != reported || Instant::now() >= end
        });
        let seen = BUTTON_INTERRUPTS.load(Ordering::Acquire);
        if seen != reported {
            reported = seen;
            let what = if PRESSED.load(Ordering::Relaxed) {
                "pressed"
            } else {
                "released"
            };
            println!(
                "{what} at {} ms",
                ms(LAST_CHANGE_TICKS.load(Ordering::Relaxed))
            );
        }
    }
    interrupt::disable_irq();

    println!("{reported} button interrupts, done");
    let _ = board.console.flush();
    board.ps_hold.reset()
}
